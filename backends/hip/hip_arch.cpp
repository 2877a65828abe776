#include "backends/hip/hip_arch.h"

#include <array>

namespace suanli::hip {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\0')) s.remove_suffix(1);
  return s;
}

bool generic_name(std::string_view name, std::string_view arch) {
  if (name.empty() || name == arch) return true;
  if (name.rfind("gfx", 0) == 0) return true;  // the arch (with features) in place of a name
  return name.rfind("Device ", 0) == 0;        // "Device 66a1": the PCI ID, no product name
}

}  // namespace

std::string arch_from_gcn_arch_name(std::string_view gcn_arch_name) {
  const std::string_view s = trim(gcn_arch_name);
  return std::string(s.substr(0, s.find(':')));
}

std::vector<std::string> target_features(std::string_view gcn_arch_name) {
  std::vector<std::string> out;
  std::string_view s = trim(gcn_arch_name);
  std::size_t colon = s.find(':');
  while (colon != std::string_view::npos) {
    s.remove_prefix(colon + 1);
    colon = s.find(':');
    const std::string_view feature = s.substr(0, colon);
    if (!feature.empty()) out.emplace_back(feature);
  }
  return out;
}

std::string vendor_name(std::optional<std::uint32_t> pci_vendor_id, std::string_view arch) {
  if (pci_vendor_id == kPciVendorHygon) return "Hygon";
  if (pci_vendor_id == kPciVendorAmd) return "AMD";
  constexpr std::array<std::string_view, 4> kHygonArchs = {"gfx926", "gfx928", "gfx936", "gfx938"};
  for (std::string_view h : kHygonArchs) {
    if (arch == h) return "Hygon";
  }
  return "AMD";
}

std::string device_name(std::string_view runtime_name, std::string_view marketing_name,
                        std::string_view vendor, std::string_view arch) {
  const std::string_view runtime = trim(runtime_name);
  if (!generic_name(runtime, arch)) return std::string(runtime);
  const std::string_view marketing = trim(marketing_name);
  if (!generic_name(marketing, arch)) return std::string(marketing);
  return std::string(vendor) + (vendor == "Hygon" ? " DCU " : " ") + std::string(arch);
}

std::string hip_version_string(int encoded) {
  if (encoded <= 0) return "unknown";
  const int major = encoded / 10'000'000;
  const int minor = (encoded / 100'000) % 100;
  const int patch = encoded % 100'000;
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace suanli::hip
