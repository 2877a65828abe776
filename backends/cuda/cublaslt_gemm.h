// fp8 (e4m3) and int8 GEMM through cuBLASLt, the only cuBLAS entry point for them.
//
// Both need the "TN" layout: cuBLASLt's A transposed, B not. The harness provides B stored
// (n, k) row-major (GemmProblem::b_transposed); read column-major that is a (k x n) matrix
// whose transpose is B^T, and row-major A (m, k) is a column-major (k x m) A^T, so
//   D (n x m, column-major = row-major C) = op_T(B as stored) * op_N(A as stored),
// which is exactly TN with cuBLASLt's A = our B and cuBLASLt's B = our A.
#pragma once

#include <cublasLt.h>
#include <cuda.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "backends/backend.h"
#include "backends/cuda/cuda_info.h"

namespace suanli::cuda {

class LtGemm {
 public:
  LtGemm(CUstream stream, CUdeviceptr workspace, std::size_t workspace_bytes);
  ~LtGemm();
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  // For p.dtype fp8_e4m3 or int8 only. Returns exactly kNeedsTransposedB when the layout
  // is the only obstacle, so the harness retries with B transposed.
  static std::optional<std::string> can_implement(const GemmProblem& p, ComputeCapability cc);
  // The first call for a shape builds its plan (descriptors + heuristic choice): that is
  // the warm-up run, never a timed one.
  void run(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c);

 private:
  struct Plan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algo{};
  };
  using PlanKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t>;
  Plan& plan_for(const GemmProblem& p);
  static void destroy(Plan& plan) noexcept;

  cublasLtHandle_t handle_ = nullptr;
  CUstream stream_;
  CUdeviceptr workspace_;
  std::size_t workspace_bytes_;
  std::map<PlanKey, Plan> plans_;
};

}  // namespace suanli::cuda
