// DeviceInfo for a CUDA device, from Driver API attributes (and NVML's driver version
// string where NVML is present).
#pragma once

#include <cuda.h>

#include <string>

#include "backends/backend.h"

namespace suanli::cuda {

struct ComputeCapability {
  int major = 0, minor = 0;
};

ComputeCapability compute_capability(CUdevice device);

// "0000:3b:00.0": how NVML (and nvidia-smi) name the same GPU. CUDA ordinals can differ
// from NVML's (CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER), the PCI address cannot.
std::string pci_bus_id(CUdevice device);

// Requires a successful cuInit. Throws BackendError when an attribute query fails.
DeviceInfo query_device_info(CUdevice device);

}  // namespace suanli::cuda
