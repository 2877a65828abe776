// The vendor tier: rocBLAS gemm_ex, when the plugin was built with rocBLAS
// (SUANLI_HAVE_ROCBLAS). rocBLAS rather than hipBLAS: hipBLAS is a thin layer over it on
// AMD, and its gemm_ex types changed incompatibly in ROCm 6 (hipblasDatatype_t ->
// hipDataType), while rocblas_gemm_ex has kept one signature since ROCm 3 and is what
// Hygon's DTK ships too. Without rocBLAS every entry point says so instead.
#pragma once

#include <hip/hip_runtime_api.h>

#include <optional>
#include <string>

#include "backends/backend.h"

namespace suanli::hip {

class RocblasGemm {
 public:
  explicit RocblasGemm(hipStream_t stream);  // the handle is created lazily, on first use
  ~RocblasGemm();
  RocblasGemm(const RocblasGemm&) = delete;
  RocblasGemm& operator=(const RocblasGemm&) = delete;

  static std::string library_name();  // "rocblas 4.2.0..." or "" when built without
  static std::optional<std::string> can_implement(const GemmProblem& p);
  // Row-major C = alpha * A * B + beta * C on the device's stream (asynchronous).
  void gemm(const GemmProblem& p, void* a, void* b, void* c);

 private:
  hipStream_t stream_;
  void* handle_ = nullptr;  // rocblas_handle, kept opaque so this header needs no rocBLAS
};

}  // namespace suanli::hip
