// cuBLAS / cuBLASLt status codes -> BackendError naming the call and the status.
#pragma once

#include <cublas_api.h>

#include <string>

namespace suanli::cuda {

// Throws BackendError when status != CUBLAS_STATUS_SUCCESS: CUBLAS_STATUS_ALLOC_FAILED is
// out_of_memory, CUBLAS_STATUS_NOT_SUPPORTED / ARCH_MISMATCH unsupported, the rest generic.
void check_cublas(cublasStatus_t status, const std::string& call);

}  // namespace suanli::cuda
