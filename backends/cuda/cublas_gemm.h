// The vendor tier: cuBLAS for fp64 / fp32 / tf32 / fp16 / bf16, cuBLASLt for fp8 (e4m3) and
// int8. Handles, the shared workspace and cuBLASLt plans are made before any timing, so a
// timed call is only the library's kernels on the device's stream.
//
// The harness's matrices are row-major and cuBLAS is column-major. A row-major matrix read
// as column-major is its transpose, so C = A*B is computed as C^T = B^T * A^T: the operands
// are swapped and no transpose is needed for the plain layout.
#pragma once

#include <cuda.h>

#include <memory>
#include <optional>
#include <string>

#include "backends/backend.h"
#include "backends/cuda/cuda_info.h"

namespace suanli::cuda {

class LtGemm;

// Bytes per element of A and B, and of C (backend.h: GemmProblem's element types).
std::size_t gemm_input_bytes(DType dtype);
std::size_t gemm_output_bytes(DType dtype);

class CublasGemm {
 public:
  // `workspace` (device memory owned by the caller, kept alive longer than this object) is
  // given to cuBLAS and cuBLASLt; both run on `stream`, one call at a time, so one
  // workspace serves both. Requires the device's primary context to be current.
  CublasGemm(CUstream stream, CUdeviceptr workspace, std::size_t workspace_bytes, ComputeCapability cc);
  ~CublasGemm();
  CublasGemm(const CublasGemm&) = delete;
  CublasGemm& operator=(const CublasGemm&) = delete;

  const std::string& library_name() const { return name_; }  // "cublas 13.1.0"
  std::optional<std::string> can_implement(const GemmProblem& p) const;
  // Enqueues the GEMM on the stream; buffers were checked by the caller.
  void run(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c);

 private:
  void run_strided_batched(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c);

  void* handle_ = nullptr;  // cublasHandle_t (kept out of this header: no cuBLAS include here)
  std::unique_ptr<LtGemm> lt_;
  ComputeCapability cc_;
  std::string name_;
};

}  // namespace suanli::cuda
