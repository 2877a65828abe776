#include "backends/hip/hip_info.h"

#include <hip/hip_runtime_api.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "backends/hip/hip_arch.h"
#include "backends/hip/hip_error.h"
#include "backends/hip/hiprtc_compile.h"

namespace suanli::hip {
namespace {

bool exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in) std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

// "0x1002" from /sys/bus/pci/devices/<addr>/vendor; nullopt in sandboxes without sysfs.
std::optional<std::uint32_t> pci_vendor_id(const PciAddress& pci) {
  char addr[32];
  std::snprintf(addr, sizeof addr, "%04x:%02x:%02x.0", pci.domain, pci.bus, pci.device);
  const std::string text = first_line(std::string("/sys/bus/pci/devices/") + addr + "/vendor");
  if (text.empty()) return std::nullopt;
  try {
    return static_cast<std::uint32_t>(std::stoul(text, nullptr, 16));
  } catch (...) {
    return std::nullopt;
  }
}

int attribute(hipDeviceAttribute_t attr, int index) {
  int v = 0;
  return hipDeviceGetAttribute(&v, attr, index) == hipSuccess ? v : 0;
}

}  // namespace

int device_count() {
  int count = 0;
  const hipError_t err = hipGetDeviceCount(&count);
  if (err != hipSuccess || count <= 0) {
    std::string why = "hip: no usable device: hipGetDeviceCount: " +
                      (err != hipSuccess ? hip_error_text(err) : std::string("0 devices"));
    // Say which layer is missing: the kernel driver's device node, or access to it.
    if (!exists("/dev/kfd")) {
      why += "; /dev/kfd does not exist (no amdgpu kernel driver loaded, or not passed into this container)";
    } else if (!exists("/dev/dri")) {
      why += "; /dev/dri does not exist";
    }
    throw BackendError(BackendError::Kind::generic, why);
  }
  return count;
}

PciAddress pci_address(int index) {
  PciAddress pci;
  pci.domain = static_cast<std::uint32_t>(attribute(hipDeviceAttributePciDomainID, index));
  pci.bus = static_cast<std::uint32_t>(attribute(hipDeviceAttributePciBusId, index));
  pci.device = static_cast<std::uint32_t>(attribute(hipDeviceAttributePciDeviceId, index));
  return pci;
}

DeviceInfo query_device_info(int index) {
  hipDeviceProp_t prop{};
  check_hip(hipGetDeviceProperties(&prop, index), "hipGetDeviceProperties(" + std::to_string(index) + ")");

  DeviceInfo info;
  info.arch = arch_from_gcn_arch_name(prop.gcnArchName);
  if (info.arch.empty()) {
    throw BackendError(BackendError::Kind::generic,
                       "hip: device " + std::to_string(index) + " reports no gcnArchName; cannot choose a compile target");
  }
  const PciAddress pci{static_cast<std::uint32_t>(prop.pciDomainID), static_cast<std::uint32_t>(prop.pciBusID),
                       static_cast<std::uint32_t>(prop.pciDeviceID)};
  info.vendor = vendor_name(pci_vendor_id(pci), info.arch);
  std::string marketing;
  const auto smi = RocmSmi::for_device(pci);
  if (smi) marketing = smi->marketing_name().value_or("");
  info.name = device_name(prop.name, marketing, info.vendor, info.arch);
  info.type = DeviceType::gpu;

  int driver = 0, runtime = 0;
  ignore_error(hipDriverGetVersion(&driver));  // 0 -> "unknown"
  ignore_error(hipRuntimeGetVersion(&runtime));
  info.driver_version = "HIP driver " + hip_version_string(driver);
  // The kernel driver's own version exists only for DKMS (out-of-tree) amdgpu builds.
  const std::string amdgpu = first_line("/sys/module/amdgpu/version");
  if (!amdgpu.empty()) info.driver_version += ", amdgpu " + amdgpu;
  info.runtime_version = "HIP " + hip_version_string(runtime);
  // hiprtc lives in (5.2) or next to (later) the HIP runtime, so the runtime version is
  // part of the compiler's identity too.
  info.compiler_version = hiprtc_version_string() + ", " + info.runtime_version;

  info.compute_units = prop.multiProcessorCount;
  info.max_clock_mhz = prop.clockRate / 1000;  // kHz
  info.global_mem_bytes = prop.totalGlobalMem;
  // HIP has no per-allocation cap below the device's memory.
  info.max_alloc_bytes = prop.totalGlobalMem;
  info.last_level_cache_bytes = prop.l2CacheSize > 0 ? static_cast<std::uint64_t>(prop.l2CacheSize) : 0;
  info.local_mem_bytes = prop.sharedMemPerBlock;
  info.max_work_group_size = prop.maxThreadsPerBlock;
  info.has_fp64 = true;
  info.has_fp16 = true;
  info.extensions = target_features(prop.gcnArchName);
  info.extensions.push_back("wavefront" + std::to_string(prop.warpSize));
  if (smi) smi->fill_limits(info);
  return info;
}

}  // namespace suanli::hip
