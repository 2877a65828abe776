// The plugin's entry points and suanli::Backend for OpenCL: every platform's every device,
// indexed by position in that flattened list.
#include <CL/cl.h>
#include <CL/cl_ext.h>

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/opencl/cl_error.h"
#include "backends/opencl/opencl_device.h"
#include "backends/opencl/opencl_info.h"

namespace suanli::opencl {
namespace {

struct DeviceRef {
  cl_platform_id platform;
  cl_device_id device;
};

std::vector<DeviceRef> enumerate_devices() {
  cl_uint platform_count = 0;
  cl_int err = clGetPlatformIDs(0, nullptr, &platform_count);
  if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && platform_count == 0)) {
    throw BackendError(BackendError::Kind::generic,
                       "opencl: no OpenCL platform: the ICD loader found no driver (no usable .icd file in "
                       "/etc/OpenCL/vendors or $OCL_ICD_VENDORS); install a vendor OpenCL driver or PoCL");
  }
  check_cl(err, "clGetPlatformIDs");
  std::vector<cl_platform_id> platforms(platform_count);
  check_cl(clGetPlatformIDs(platform_count, platforms.data(), nullptr), "clGetPlatformIDs");

  std::vector<DeviceRef> devices;
  std::string problems;  // a broken platform must not hide the others' devices
  for (cl_platform_id platform : platforms) {
    cl_uint count = 0;
    err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &count);
    std::vector<cl_device_id> ids;
    if (err == CL_SUCCESS && count > 0) {
      ids.resize(count);
      err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, count, ids.data(), nullptr);
    }
    if (err == CL_DEVICE_NOT_FOUND) continue;
    if (err != CL_SUCCESS) {
      std::string name = "a platform";
      try {
        name = "platform '" + platform_string(platform, CL_PLATFORM_NAME) + "'";
      } catch (const BackendError&) {
      }
      problems += "; " + name + ": " + cl_error_text("clGetDeviceIDs", err);
      continue;
    }
    for (cl_device_id id : ids) devices.push_back(DeviceRef{platform, id});
  }
  if (devices.empty()) {
    throw BackendError(BackendError::Kind::generic, "opencl: no OpenCL device on " + std::to_string(platform_count) +
                                                        " platform(s)" + problems);
  }
  return devices;
}

class OpenClBackend final : public Backend {
 public:
  std::string name() const override { return "opencl"; }

  std::vector<DeviceListing> devices() override {
    std::vector<DeviceListing> out;
    const std::vector<DeviceRef> refs = enumerate_devices();
    for (std::size_t i = 0; i < refs.size(); ++i) {
      out.push_back(DeviceListing{static_cast<int>(i), query_device_info(refs[i].platform, refs[i].device)});
    }
    return out;
  }

  std::unique_ptr<Device> open(int index) override {
    const std::vector<DeviceRef> refs = enumerate_devices();
    if (index < 0 || static_cast<std::size_t>(index) >= refs.size()) {
      throw BackendError(BackendError::Kind::generic, "opencl: no device " + std::to_string(index) + " (there are " +
                                                          std::to_string(refs.size()) + ")");
    }
    const DeviceRef& ref = refs[static_cast<std::size_t>(index)];
    return std::make_unique<OpenClDevice>(ref.platform, ref.device, query_device_info(ref.platform, ref.device));
  }
};

}  // namespace
}  // namespace suanli::opencl

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() noexcept {
  return suanli::kBackendAbiVersion;
}

extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() noexcept {
  try {
    return new suanli::opencl::OpenClBackend();
  } catch (...) {
    return nullptr;  // no exception may cross the C boundary
  }
}
