#include "backends/hip/hip_error.h"

#include <cstring>

namespace suanli::hip {
namespace {

const char* describe(hipError_t err) {
  switch (err) {
    case hipErrorNoDevice: return "no ROCm-capable device is detected";
    case hipErrorInsufficientDriver: return "the amdgpu kernel driver is missing or too old for this HIP runtime";
    case hipErrorOutOfMemory: return "out of device memory";
    case hipErrorInvalidDevice: return "invalid device ordinal";
    case hipErrorNotInitialized: return "the HIP runtime failed to initialize";
    case hipErrorNoBinaryForGpu: return "the code object was not built for this GPU";
    case hipErrorInvalidImage: return "the code object is not valid for this device";
    case hipErrorSharedObjectInitFailed: return "the code object could not be loaded";
    case hipErrorLaunchOutOfResources: return "too many resources (registers, LDS, threads) requested for the launch";
    default: return nullptr;
  }
}

}  // namespace

std::string hip_error_text(hipError_t err) {
  const char* name = hipGetErrorName(err);
  std::string text = name != nullptr ? name : "hipError " + std::to_string(static_cast<int>(err));
  const char* runtime_text = hipGetErrorString(err);
  if (runtime_text != nullptr && *runtime_text != '\0' && (name == nullptr || std::strcmp(runtime_text, name) != 0)) {
    return text + " (" + runtime_text + ")";
  }
  if (const char* d = describe(err)) text += std::string(" (") + d + ")";
  return text;
}

void check_hip(hipError_t err, const std::string& what, BackendError::Kind kind) {
  if (err == hipSuccess) return;
  if (err == hipErrorOutOfMemory) kind = BackendError::Kind::out_of_memory;
  throw BackendError(kind, "hip: " + what + ": " + hip_error_text(err));
}

std::string hiprtc_error_text(hiprtcResult result) {
  const char* s = hiprtcGetErrorString(result);
  return s != nullptr ? s : "hiprtc error " + std::to_string(static_cast<int>(result));
}

}  // namespace suanli::hip
