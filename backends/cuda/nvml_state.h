// Device state (clocks, temperature, power, clock-event reasons) from NVML, loaded at run
// time with dlopen("libnvidia-ml.so.1") and never linked: NVML ships with the driver, not
// the toolkit, and a machine without it (containers often lack it) must still run.
#pragma once

#include <string>

#include "backends/backend.h"

namespace suanli::cuda {

// The driver release ("580.65.06"), or "" without NVML.
std::string nvml_driver_version() noexcept;

class NvmlSampler {
 public:
  // `pci_bus_id` as cuDeviceGetPCIBusId returns it; NVML finds the same GPU by it.
  explicit NvmlSampler(std::string pci_bus_id) : pci_bus_id_(std::move(pci_bus_id)) {}
  // Every field NVML cannot give is nullopt; never throws.
  DeviceState sample() noexcept;

 private:
  std::string pci_bus_id_;
  void* device_ = nullptr;  // nvmlDevice_t, looked up on first use
  bool looked_up_ = false;
};

}  // namespace suanli::cuda
