// CUDA Driver API status codes -> BackendError, so every failure names the call and the code.
#pragma once

#include <cuda.h>

#include <string>

#include "backends/backend.h"

namespace suanli::cuda {

// "cuMemAlloc failed: out of memory (CUDA_ERROR_OUT_OF_MEMORY)"
std::string cu_error_text(const std::string& call, CUresult code);

// The driver's own sentence for a code ("no CUDA-capable device is detected").
std::string cu_error_string(CUresult code);

// "CUDA_ERROR_NO_DEVICE", or the number when even the name is unknown.
std::string cu_error_name(CUresult code);

// True for the errors after which the context is unusable (an illegal address or a failed
// launch poisons every later call in this process).
bool cu_error_is_sticky(CUresult code);

// Throws BackendError when code != CUDA_SUCCESS: CUDA_ERROR_OUT_OF_MEMORY becomes
// Kind::out_of_memory, everything else `kind`.
void check_cu(CUresult code, const std::string& call, BackendError::Kind kind = BackendError::Kind::generic);

}  // namespace suanli::cuda
