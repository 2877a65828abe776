// Pure helpers that turn what the HIP runtime reports into DeviceInfo fields. No HIP
// headers here, so the unit tests and the hiprtc check use them without a runtime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suanli::hip {

// "gfx90a:sramecc+:xnack-" -> "gfx90a". The processor is what hiprtc targets; the
// feature suffixes stay "any", so one code object loads in either xnack / sramecc mode.
std::string arch_from_gcn_arch_name(std::string_view gcn_arch_name);

// "gfx90a:sramecc+:xnack-" -> {"sramecc+", "xnack-"}.
std::vector<std::string> target_features(std::string_view gcn_arch_name);

// PCI vendor IDs: AMD (0x1002) and Chengdu Haiguang / Hygon (0x1d94).
constexpr std::uint32_t kPciVendorAmd = 0x1002;
constexpr std::uint32_t kPciVendorHygon = 0x1d94;

// "AMD" or "Hygon". The PCI vendor ID decides when known (read from sysfs); otherwise
// the arch does: gfx926 / gfx928 / gfx936 / gfx938 exist only in Hygon's DTK toolchain.
std::string vendor_name(std::optional<std::uint32_t> pci_vendor_id, std::string_view arch);

// The runtime's name when it is a real product name. HIP returns "" or a generic string
// ("Device 66a1", the arch itself) on some ROCm versions and on Hygon DCUs; then the
// marketing name from ROCm SMI, if any, else "<vendor> <arch>".
std::string device_name(std::string_view runtime_name, std::string_view marketing_name,
                        std::string_view vendor, std::string_view arch);

// HIP encodes versions as major * 10'000'000 + minor * 100'000 + patch: 50221153 -> "5.2.21153".
std::string hip_version_string(int encoded);

}  // namespace suanli::hip
