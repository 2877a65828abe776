#include "backends/cuda/cuda_error.h"

namespace suanli::cuda {
namespace {

// The codes a broken or absent driver install produces, for when the library answering
// is not a real driver: the toolkit's stub libcuda (what a container without the driver
// mounted often has) returns CUDA_ERROR_STUB_LIBRARY and cannot describe any code itself.
struct KnownCode {
  CUresult code;
  const char* name;
  const char* text;
};
constexpr KnownCode kInstallErrors[] = {
    {CUDA_ERROR_STUB_LIBRARY, "CUDA_ERROR_STUB_LIBRARY",
     "the libcuda.so.1 loaded is the CUDA toolkit's stub library, not an NVIDIA driver"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
     "the driver library and the kernel driver versions differ"},
};

}  // namespace

std::string cu_error_string(CUresult code) {
  // cuGetErrorString works before (and without) a successful cuInit.
  const char* text = nullptr;
  if (cuGetErrorString(code, &text) == CUDA_SUCCESS && text != nullptr) return text;
  for (const KnownCode& k : kInstallErrors) {
    if (k.code == code) return k.text;
  }
  return "unknown CUDA error " + std::to_string(static_cast<int>(code));
}

std::string cu_error_name(CUresult code) {
  const char* name = nullptr;
  if (cuGetErrorName(code, &name) == CUDA_SUCCESS && name != nullptr) return name;
  for (const KnownCode& k : kInstallErrors) {
    if (k.code == code) return k.name;
  }
  return std::to_string(static_cast<int>(code));
}

std::string cu_error_text(const std::string& call, CUresult code) {
  std::string text = call + " failed: " + cu_error_string(code) + " (" + cu_error_name(code) + ")";
  if (cu_error_is_sticky(code)) {
    text += "; the CUDA context is now unusable, so later work in this worker process fails too";
  }
  return text;
}

bool cu_error_is_sticky(CUresult code) {
  switch (code) {
    case CUDA_ERROR_ILLEGAL_ADDRESS:
    case CUDA_ERROR_LAUNCH_FAILED:
    case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS:
    case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC:
    case CUDA_ERROR_HARDWARE_STACK_ERROR:
    case CUDA_ERROR_ASSERT:
    case CUDA_ERROR_ECC_UNCORRECTABLE:
      return true;
    default:
      return false;
  }
}

void check_cu(CUresult code, const std::string& call, BackendError::Kind kind) {
  if (code == CUDA_SUCCESS) return;
  if (code == CUDA_ERROR_OUT_OF_MEMORY) kind = BackendError::Kind::out_of_memory;
  throw BackendError(kind, "cuda: " + cu_error_text(call, code));
}

}  // namespace suanli::cuda
