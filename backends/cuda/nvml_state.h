// Device state (clocks, temperature, power, clock-event reasons) from NVML, loaded at run
// time with dlopen("libnvidia-ml.so.1") and never linked: NVML ships with the driver, not
// the toolkit, and a machine without it (containers often lack it) must still run.
#pragma once

#include <optional>
#include <string>

#include "backends/backend.h"

namespace suanli::cuda {

// The driver release ("580.65.06"), or "" without NVML.
std::string nvml_driver_version() noexcept;

// What NVML says about a device that does not change within a run: every field nullopt
// where NVML is absent or the device does not support the query (ECC on GeForce boards).
struct NvmlLimits {
  std::optional<double> power_limit_w;  // nvmlDeviceGetEnforcedPowerLimit
  std::optional<int> max_sm_clock_mhz;  // nvmlDeviceGetMaxClockInfo(SM)
  std::optional<bool> ecc_enabled;      // nvmlDeviceGetEccMode, the current mode
};
NvmlLimits nvml_device_limits(const std::string& pci_bus_id) noexcept;

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
