// The plugin's entry points and suanli::Backend for HIP: the devices the HIP runtime
// enumerates (HIP_VISIBLE_DEVICES applies), in its order.
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/hip/hip_device.h"
#include "backends/hip/hip_info.h"

namespace suanli::hip {
namespace {

class HipBackend final : public Backend {
 public:
  std::string name() const override { return "hip"; }

  std::vector<DeviceListing> devices() override {
    const int count = device_count();
    std::vector<DeviceListing> out;
    for (int i = 0; i < count; ++i) out.push_back(DeviceListing{i, query_device_info(i)});
    return out;
  }

  std::unique_ptr<Device> open(int index) override {
    const int count = device_count();
    if (index < 0 || index >= count) {
      throw BackendError(BackendError::Kind::generic,
                         "hip: no device " + std::to_string(index) + " (there are " + std::to_string(count) + ")");
    }
    return std::make_unique<HipDevice>(index, query_device_info(index));
  }
};

}  // namespace
}  // namespace suanli::hip

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() noexcept {
  return suanli::kBackendAbiVersion;
}

extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() noexcept {
  try {
    return new suanli::hip::HipBackend();
  } catch (...) {
    return nullptr;  // no exception may cross the C boundary
  }
}
