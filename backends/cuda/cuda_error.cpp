#include "backends/cuda/cuda_error.h"

namespace suanli::cuda {

std::string cu_error_string(CUresult code) {
  // cuGetErrorString works before (and without) a successful cuInit.
  const char* text = nullptr;
  if (cuGetErrorString(code, &text) != CUDA_SUCCESS || text == nullptr) {
    return "unknown CUDA error " + std::to_string(static_cast<int>(code));
  }
  return text;
}

std::string cu_error_text(const std::string& call, CUresult code) {
  const char* name = nullptr;
  std::string text = call + " failed: " + cu_error_string(code);
  if (cuGetErrorName(code, &name) == CUDA_SUCCESS && name != nullptr) text += std::string(" (") + name + ")";
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
