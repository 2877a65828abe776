// The plugin's entry points and suanli::Backend for CUDA: every device the driver lists,
// by CUDA ordinal (so CUDA_VISIBLE_DEVICES applies as usual).
#include <cuda.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_error.h"
#include "backends/cuda/cuda_info.h"

namespace suanli::cuda {
namespace {

// Throws with the driver's own sentence ("no CUDA-capable device is detected"), which the
// harness shows as the reason the backend is unavailable.
int init_driver() {
  const CUresult r = cuInit(0);
  if (r != CUDA_SUCCESS) {
    throw BackendError(BackendError::Kind::generic,
                       "CUDA driver: " + cu_error_string(r) + " (cuInit: " + cu_error_name(r) + ")");
  }
  int count = 0;
  check_cu(cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (count == 0) throw BackendError(BackendError::Kind::generic, "CUDA driver: no CUDA device");
  return count;
}

CUdevice device_at(int index, int count) {
  if (index < 0 || index >= count) {
    throw BackendError(BackendError::Kind::generic,
                       "cuda: no device " + std::to_string(index) + " (there are " + std::to_string(count) + ")");
  }
  CUdevice device = 0;
  check_cu(cuDeviceGet(&device, index), "cuDeviceGet");
  return device;
}

class CudaBackend final : public Backend {
 public:
  std::string name() const override { return "cuda"; }

  std::vector<DeviceListing> devices() override {
    const int count = init_driver();
    std::vector<DeviceListing> out;
    for (int i = 0; i < count; ++i) out.push_back(DeviceListing{i, query_device_info(device_at(i, count))});
    return out;
  }

  std::unique_ptr<Device> open(int index) override {
    const int count = init_driver();
    const CUdevice device = device_at(index, count);
    return std::make_unique<CudaDevice>(device, query_device_info(device));
  }
};

}  // namespace
}  // namespace suanli::cuda

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() noexcept {
  return suanli::kBackendAbiVersion;
}

extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() noexcept {
  try {
    return new suanli::cuda::CudaBackend();
  } catch (...) {
    return nullptr;  // no exception may cross the C boundary
  }
}
