#include "backends/cuda/cuda_info.h"

#include "backends/cuda/cuda_error.h"
#include "backends/cuda/nvml_state.h"
#include "backends/cuda/nvrtc_compile.h"

namespace suanli::cuda {
namespace {

int attribute(CUdevice device, CUdevice_attribute attr, const char* what) {
  int value = 0;
  check_cu(cuDeviceGetAttribute(&value, attr, device), std::string("cuDeviceGetAttribute(") + what + ")");
  return value;
}

std::string version_text(int encoded) {  // 13000 -> "13.0"
  return std::to_string(encoded / 1000) + "." + std::to_string((encoded % 1000) / 10);
}

}  // namespace

ComputeCapability compute_capability(CUdevice device) {
  return {attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major"),
          attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor")};
}

std::string pci_bus_id(CUdevice device) {
  char id[32] = {};
  check_cu(cuDeviceGetPCIBusId(id, static_cast<int>(sizeof id), device), "cuDeviceGetPCIBusId");
  return id;
}

DeviceInfo query_device_info(CUdevice device) {
  DeviceInfo info;
  char name[256] = {};
  check_cu(cuDeviceGetName(name, static_cast<int>(sizeof name), device), "cuDeviceGetName");
  info.name = name;
  info.vendor = "NVIDIA";
  const ComputeCapability cc = compute_capability(device);
  info.arch = sm_arch_name(cc.major, cc.minor);
  info.type = DeviceType::gpu;

  int driver = 0;
  check_cu(cuDriverGetVersion(&driver), "cuDriverGetVersion");
  // The CUDA version alone does not change with a driver update; the release number does,
  // and "did the driver change" is what a regression run needs to see.
  info.driver_version = "CUDA " + version_text(driver);
  if (const std::string release = nvml_driver_version(); !release.empty()) info.driver_version += ", driver " + release;
  info.runtime_version = nvrtc_version();
  info.compiler_version = "NVRTC " + info.runtime_version;

  info.compute_units = attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "SM count");
  info.max_clock_mhz = attribute(device, CU_DEVICE_ATTRIBUTE_CLOCK_RATE, "clock rate") / 1000;  // kHz
  std::size_t total = 0;
  check_cu(cuDeviceTotalMem(&total, device), "cuDeviceTotalMem");
  info.global_mem_bytes = total;
  info.max_alloc_bytes = total;  // CUDA has no per-allocation limit below the memory size
  info.last_level_cache_bytes = static_cast<std::uint64_t>(attribute(device, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE, "L2 size"));
  // The static limit (48 KiB): what a kernel gets without opting in to more, and what the
  // portable kernels, which declare their shared arrays statically, can use.
  info.local_mem_bytes = static_cast<std::uint64_t>(
      attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, "shared memory per block"));
  info.max_work_group_size = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, "threads per block");
  // A GPU's "vector width" is per thread: one lane; its SIMD width is the warp.
  info.native_vector_width_fp32 = 1;
  info.native_vector_width_fp64 = 1;
  info.has_fp64 = true;
  info.has_fp16 = cc.major > 5 || (cc.major == 5 && cc.minor >= 3);
  const NvmlLimits limits = nvml_device_limits(pci_bus_id(device));
  info.power_limit_w = limits.power_limit_w;
  info.max_sm_clock_mhz = limits.max_sm_clock_mhz;
  info.ecc_enabled = limits.ecc_enabled;
  return info;
}

}  // namespace suanli::cuda
