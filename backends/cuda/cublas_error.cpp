#include "backends/cuda/cublas_error.h"

#include "backends/backend.h"

namespace suanli::cuda {

void check_cublas(cublasStatus_t status, const std::string& call) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  BackendError::Kind kind = BackendError::Kind::generic;
  if (status == CUBLAS_STATUS_ALLOC_FAILED) kind = BackendError::Kind::out_of_memory;
  if (status == CUBLAS_STATUS_NOT_SUPPORTED || status == CUBLAS_STATUS_ARCH_MISMATCH) {
    kind = BackendError::Kind::unsupported;
  }
  throw BackendError(kind, "cuda: " + call + " failed: " + cublasGetStatusName(status) + " (" +
                               cublasGetStatusString(status) + ")");
}

}  // namespace suanli::cuda
