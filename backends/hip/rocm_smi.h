// Device state from ROCm SMI (librocm_smi64), loaded with dlopen when present: AMD's
// ROCm installs it, and Hygon's DTK ships the same library and API for DCUs (hy-smi is
// built on it). Absent library, unknown device or a failing sensor = "unknown", never
// an error: sample_state must not fail a run.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"

namespace suanli::hip {

struct PciAddress {
  std::uint32_t domain = 0, bus = 0, device = 0;
};

class RocmSmi {
 public:
  // nullptr when ROCm SMI is not installed, fails to initialize or does not list the
  // device at this PCI address (matched by address because SMI and HIP number devices
  // differently once HIP_VISIBLE_DEVICES / ROCR_VISIBLE_DEVICES are set).
  static std::unique_ptr<RocmSmi> for_device(const PciAddress& pci) noexcept;

  DeviceState sample() const noexcept;
  std::optional<std::string> marketing_name() const noexcept;
  // Sets DeviceInfo's power limit (power cap), max SM clock (the highest supported engine
  // clock) and ECC state (any RAS block enabled) where ROCm SMI gives them; leaves the rest.
  void fill_limits(DeviceInfo& info) const noexcept;

  struct Api;  // the dlsym'ed entry points

 private:
  RocmSmi(const Api* api, std::uint32_t index) : api_(api), index_(index) {}
  const Api* api_;
  std::uint32_t index_;
};

}  // namespace suanli::hip
