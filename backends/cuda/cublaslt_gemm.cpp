#include "backends/cuda/cublaslt_gemm.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "backends/cuda/cublas_error.h"

namespace suanli::cuda {
namespace {

std::string shape_text(const GemmProblem& p) {
  return std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k);
}

bool is_int32(double v) {
  return std::isfinite(v) && v == std::floor(v) && v >= std::numeric_limits<std::int32_t>::min() &&
         v <= std::numeric_limits<std::int32_t>::max();
}

template <typename T>
void set_desc(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attr, const T& value, const char* what) {
  check_cublas(cublasLtMatmulDescSetAttribute(desc, attr, &value, sizeof value),
               std::string("cublasLtMatmulDescSetAttribute(") + what + ")");
}

}  // namespace

LtGemm::LtGemm(CUstream stream, CUdeviceptr workspace, std::size_t workspace_bytes)
    : stream_(stream), workspace_(workspace), workspace_bytes_(workspace_bytes) {
  check_cublas(cublasLtCreate(&handle_), "cublasLtCreate");
}

LtGemm::~LtGemm() {
  for (auto& [key, plan] : plans_) destroy(plan);
  if (handle_) cublasLtDestroy(handle_);
}

void LtGemm::destroy(Plan& plan) noexcept {
  if (plan.a) cublasLtMatrixLayoutDestroy(plan.a);
  if (plan.b) cublasLtMatrixLayoutDestroy(plan.b);
  if (plan.c) cublasLtMatrixLayoutDestroy(plan.c);
  if (plan.desc) cublasLtMatmulDescDestroy(plan.desc);
  plan = Plan{};
}

std::optional<std::string> LtGemm::can_implement(const GemmProblem& p, ComputeCapability cc) {
  const std::string cc_text = std::to_string(cc.major) + "." + std::to_string(cc.minor);
  if (p.batch != 1) return std::string("batched fp8 / int8 GEMM through cuBLASLt is not wired up (batch 1 only)");
  if (p.dtype == DType::fp8_e4m3) {
    if (cc.major * 10 + cc.minor < 89) {
      return "fp8 e4m3 GEMM needs compute capability 8.9 or later (Ada, Hopper); the device is " + cc_text;
    }
    // cuBLASLt's fp8 kernels need 16-byte aligned rows of every operand: with 1-byte A, B
    // and 4-byte C that means M, N and K multiples of 16.
    if (p.m % 16 != 0 || p.n % 16 != 0 || p.k % 16 != 0) {
      return "cuBLASLt fp8 needs M, N and K to be multiples of 16 (16-byte aligned rows); the shape is " +
             shape_text(p);
    }
  } else if (p.dtype == DType::int8) {
    // The integer (IMMA) kernels with the regular column-major order need leading
    // dimensions and the M and K extents in multiples of 4.
    if (p.m % 4 != 0 || p.n % 4 != 0 || p.k % 4 != 0) {
      return "cuBLASLt int8 needs M, N and K to be multiples of 4; the shape is " + shape_text(p);
    }
    // The scale type of an int32-accumulating GEMM is int32.
    if (!is_int32(p.alpha) || !is_int32(p.beta)) return "cuBLASLt int8 takes integer alpha and beta (int32 scale type)";
  } else {
    return "cuBLASLt is used here only for fp8_e4m3 and int8";
  }
  if (!p.b_transposed) return std::string(kNeedsTransposedB);
  return std::nullopt;
}

LtGemm::Plan& LtGemm::plan_for(const GemmProblem& p) {
  const PlanKey key{static_cast<int>(p.dtype), p.m, p.n, p.k};
  if (auto it = plans_.find(key); it != plans_.end()) return it->second;

  const bool fp8 = p.dtype == DType::fp8_e4m3;
  // fp8: fp32 accumulate and fp32 scales are the only combination cuBLASLt offers; D in
  // fp32 is one of its supported output types for e4m3 inputs. int8: int32 throughout.
  const cublasComputeType_t compute = fp8 ? CUBLAS_COMPUTE_32F : CUBLAS_COMPUTE_32I;
  const cudaDataType_t scale_type = fp8 ? CUDA_R_32F : CUDA_R_32I;
  const cudaDataType_t in_type = fp8 ? CUDA_R_8F_E4M3 : CUDA_R_8I;
  const cudaDataType_t out_type = fp8 ? CUDA_R_32F : CUDA_R_32I;
  const auto m = static_cast<std::uint64_t>(p.m), n = static_cast<std::uint64_t>(p.n),
             k = static_cast<std::uint64_t>(p.k);

  Plan plan;
  cublasLtMatmulPreference_t pref = nullptr;
  try {
    check_cublas(cublasLtMatmulDescCreate(&plan.desc, compute, scale_type), "cublasLtMatmulDescCreate");
    set_desc(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, CUBLAS_OP_T, "TRANSA");
    set_desc(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, CUBLAS_OP_N, "TRANSB");
    // fp8 scale pointers stay unset, which cuBLASLt defines as scale 1.0; fast (reduced
    // precision) fp8 accumulation stays off, the default, so the result verifies against
    // the same tolerance as every other fp32-accumulating GEMM.
    // cuBLASLt's A: our B as stored, (k x n) column-major; its B: our A, (k x m).
    check_cublas(cublasLtMatrixLayoutCreate(&plan.a, in_type, k, n, static_cast<std::int64_t>(k)),
                 "cublasLtMatrixLayoutCreate(A)");
    check_cublas(cublasLtMatrixLayoutCreate(&plan.b, in_type, k, m, static_cast<std::int64_t>(k)),
                 "cublasLtMatrixLayoutCreate(B)");
    check_cublas(cublasLtMatrixLayoutCreate(&plan.c, out_type, n, m, static_cast<std::int64_t>(n)),
                 "cublasLtMatrixLayoutCreate(C)");

    check_cublas(cublasLtMatmulPreferenceCreate(&pref), "cublasLtMatmulPreferenceCreate");
    const std::uint64_t workspace_limit = workspace_bytes_;
    check_cublas(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                      &workspace_limit, sizeof workspace_limit),
                 "cublasLtMatmulPreferenceSetAttribute(MAX_WORKSPACE_BYTES)");
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    check_cublas(cublasLtMatmulAlgoGetHeuristic(handle_, plan.desc, plan.a, plan.b, plan.c, plan.c, pref, 1, &result,
                                                &found),
                 "cublasLtMatmulAlgoGetHeuristic");
    cublasLtMatmulPreferenceDestroy(pref);
    pref = nullptr;
    if (found == 0) {
      throw BackendError(BackendError::Kind::unsupported, std::string("cuda: cuBLASLt has no ") +
                                                              (fp8 ? "fp8 e4m3" : "int8") + " algorithm for " +
                                                              shape_text(p) + " (TN)");
    }
    plan.algo = result.algo;
    return plans_.emplace(key, plan).first->second;
  } catch (...) {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    destroy(plan);
    throw;
  }
}

void LtGemm::run(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c) {
  Plan& plan = plan_for(p);
  const auto* a_ptr = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(a));
  const auto* b_ptr = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(b));
  auto* c_ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(c));
  auto* workspace = reinterpret_cast<void*>(static_cast<std::uintptr_t>(workspace_));
  const cudaStream_t stream = stream_;  // the same type as CUstream
  const float alpha_f = static_cast<float>(p.alpha), beta_f = static_cast<float>(p.beta);
  const std::int32_t alpha_i = static_cast<std::int32_t>(p.alpha), beta_i = static_cast<std::int32_t>(p.beta);
  const bool fp8 = p.dtype == DType::fp8_e4m3;
  const void* alpha = fp8 ? static_cast<const void*>(&alpha_f) : static_cast<const void*>(&alpha_i);
  const void* beta = fp8 ? static_cast<const void*>(&beta_f) : static_cast<const void*>(&beta_i);
  // Operands swapped (see the header): cuBLASLt's A is our B. C and D are the same buffer;
  // with beta == 0 C is not read, so a NaN-poisoned C cannot leak into D.
  check_cublas(cublasLtMatmul(handle_, plan.desc, alpha, b_ptr, plan.a, a_ptr, plan.b, beta, c_ptr, plan.c, c_ptr,
                              plan.c, &plan.algo, workspace, workspace_bytes_, stream),
               "cublasLtMatmul");
}

}  // namespace suanli::cuda
