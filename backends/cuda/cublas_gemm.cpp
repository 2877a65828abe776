#include "backends/cuda/cublas_gemm.h"

#include <cublas_v2.h>

#include <cstdint>
#include <limits>

#include "backends/cuda/cublas_error.h"
#include "backends/cuda/cublaslt_gemm.h"

namespace suanli::cuda {
namespace {

cublasHandle_t as_handle(void* h) { return static_cast<cublasHandle_t>(h); }

const void* device_ptr(CUdeviceptr p) { return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(p)); }

std::string cc_text(ComputeCapability cc) { return std::to_string(cc.major) + "." + std::to_string(cc.minor); }

}  // namespace

std::size_t gemm_input_bytes(DType dtype) {
  switch (dtype) {
    case DType::fp64: return 8;
    case DType::fp32:
    case DType::tf32: return 4;
    case DType::fp16:
    case DType::bf16: return 2;
    case DType::fp8_e4m3:
    case DType::int8: return 1;
  }
  return 0;
}

std::size_t gemm_output_bytes(DType dtype) {
  switch (dtype) {
    case DType::fp64: return 8;
    case DType::fp16:
    case DType::bf16: return 2;
    case DType::fp32:
    case DType::tf32:
    case DType::fp8_e4m3:
    case DType::int8: return 4;
  }
  return 0;
}

CublasGemm::CublasGemm(CUstream stream, CUdeviceptr workspace, std::size_t workspace_bytes, ComputeCapability cc)
    : cc_(cc) {
  cublasHandle_t handle = nullptr;
  check_cublas(cublasCreate(&handle), "cublasCreate");
  handle_ = handle;
  try {
    check_cublas(cublasSetStream(handle, stream), "cublasSetStream");
    // A workspace of our own: otherwise cuBLAS allocates one lazily, inside a run.
    check_cublas(cublasSetWorkspace(handle, reinterpret_cast<void*>(static_cast<std::uintptr_t>(workspace)),
                                    workspace_bytes),
                 "cublasSetWorkspace");
    // Pedantic fp32 for the fp32 row: no tf32 down-conversion behind the caller's back
    // (tf32 is its own dtype, requested explicitly through the compute type).
    check_cublas(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    int version = 0;
    check_cublas(cublasGetVersion(handle, &version), "cublasGetVersion");
    name_ = "cublas " + std::to_string(version / 10000) + "." + std::to_string((version / 100) % 100) + "." +
            std::to_string(version % 100);
    lt_ = std::make_unique<LtGemm>(stream, workspace, workspace_bytes);
  } catch (...) {
    cublasDestroy(handle);
    handle_ = nullptr;
    throw;
  }
}

CublasGemm::~CublasGemm() {
  lt_.reset();
  if (handle_) cublasDestroy(as_handle(handle_));
}

std::optional<std::string> CublasGemm::can_implement(const GemmProblem& p) const {
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
  if (p.m < 1 || p.n < 1 || p.k < 1) return "empty GEMM";
  if (p.m > kIntMax || p.n > kIntMax || p.k > kIntMax) return "cuBLAS takes 32-bit dimensions";
  if (p.batch < 1 || p.batch > kIntMax) return "batch count outside 1 .. 2^31-1";
  const int cc = cc_.major * 10 + cc_.minor;
  switch (p.dtype) {
    case DType::fp64:
    case DType::fp32: return std::nullopt;
    case DType::fp16:
      if (cc < 53) return "fp16 needs compute capability 5.3 or later; the device is " + cc_text(cc_);
      return std::nullopt;
    case DType::tf32:
    case DType::bf16:
      if (cc < 80) {
        return std::string(p.dtype == DType::tf32 ? "tf32" : "bf16") +
               " tensor-core math needs compute capability 8.0 or later; the device is " + cc_text(cc_);
      }
      return std::nullopt;
    case DType::fp8_e4m3:
    case DType::int8: return LtGemm::can_implement(p, cc_);
  }
  return "unknown dtype";
}

// Packed batches (GemmProblem::batch) through the one cuBLAS call that takes every dtype:
// the same column-major swap as run(), with each operand's batch stride its matrix size.
void CublasGemm::run_strided_batched(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c) {
  cublasHandle_t h = as_handle(handle_);
  const int m = static_cast<int>(p.m), n = static_cast<int>(p.n), k = static_cast<int>(p.k);
  const cublasOperation_t op_b = p.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ld_b = p.b_transposed ? k : n;
  cudaDataType_t type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  switch (p.dtype) {
    case DType::fp64:
      type = CUDA_R_64F;
      compute = CUBLAS_COMPUTE_64F;
      break;
    case DType::fp32: break;  // CUBLAS_COMPUTE_32F: full fp32, as cublasSgemm in the default math mode
    case DType::tf32: compute = CUBLAS_COMPUTE_32F_FAST_TF32; break;
    case DType::fp16: type = CUDA_R_16F; break;
    case DType::bf16: type = CUDA_R_16BF; break;
    default: throw BackendError(BackendError::Kind::unsupported, "cuda: batched vendor gemm: unexpected dtype");
  }
  // alpha / beta are of the compute type: double for fp64, float for the rest.
  const double alpha64 = p.alpha, beta64 = p.beta;
  const float alpha32 = static_cast<float>(p.alpha), beta32 = static_cast<float>(p.beta);
  const bool f64 = p.dtype == DType::fp64;
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  check_cublas(cublasGemmStridedBatchedEx(h, op_b, CUBLAS_OP_N, n, m, k, alpha, device_ptr(b), type, ld_b,
                                          static_cast<long long>(p.k) * p.n, device_ptr(a), type, k,
                                          static_cast<long long>(p.m) * p.k, beta,
                                          reinterpret_cast<void*>(static_cast<std::uintptr_t>(c)), type, n,
                                          static_cast<long long>(p.m) * p.n, static_cast<int>(p.batch), compute,
                                          CUBLAS_GEMM_DEFAULT),
               "cublasGemmStridedBatchedEx");
}

void CublasGemm::run(const GemmProblem& p, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c) {
  if (p.dtype == DType::fp8_e4m3 || p.dtype == DType::int8) {
    lt_->run(p, a, b, c);
    return;
  }
  cublasHandle_t h = as_handle(handle_);
  const int m = static_cast<int>(p.m), n = static_cast<int>(p.n), k = static_cast<int>(p.k);
  // Column-major C^T (n x m) = B^T (n x k) * A^T (k x m). Row-major B (k, n) read
  // column-major already is B^T with ld n; B stored (n, k) is B read column-major, so it
  // needs op T with ld k. Row-major A (m, k) is A^T with ld k.
  const cublasOperation_t op_b = p.b_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int ld_b = p.b_transposed ? k : n;
  const void* bp = device_ptr(b);
  const void* ap = device_ptr(a);
  void* cp = reinterpret_cast<void*>(static_cast<std::uintptr_t>(c));

  if (p.batch > 1) {
    run_strided_batched(p, a, b, c);
    return;
  }
  if (p.dtype == DType::fp64) {
    const double alpha = p.alpha, beta = p.beta;
    check_cublas(cublasDgemm(h, op_b, CUBLAS_OP_N, n, m, k, &alpha, static_cast<const double*>(bp), ld_b,
                             static_cast<const double*>(ap), k, &beta, static_cast<double*>(cp), n),
                 "cublasDgemm");
    return;
  }
  const float alpha = static_cast<float>(p.alpha), beta = static_cast<float>(p.beta);
  if (p.dtype == DType::fp32) {
    check_cublas(cublasSgemm(h, op_b, CUBLAS_OP_N, n, m, k, &alpha, static_cast<const float*>(bp), ld_b,
                             static_cast<const float*>(ap), k, &beta, static_cast<float*>(cp), n),
                 "cublasSgemm");
    return;
  }
  cudaDataType_t type = CUDA_R_32F;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  const char* call = "cublasGemmEx";
  switch (p.dtype) {
    case DType::tf32:
      compute = CUBLAS_COMPUTE_32F_FAST_TF32;
      call = "cublasGemmEx(tf32)";
      break;
    case DType::fp16:
      type = CUDA_R_16F;  // fp16 storage, fp32 accumulation (as the portable kernel does)
      call = "cublasGemmEx(fp16)";
      break;
    case DType::bf16:
      type = CUDA_R_16BF;
      call = "cublasGemmEx(bf16)";
      break;
    default:
      throw BackendError(BackendError::Kind::unsupported, "cuda: vendor gemm: unexpected dtype");
  }
  check_cublas(cublasGemmEx(h, op_b, CUBLAS_OP_N, n, m, k, &alpha, bp, type, ld_b, ap, type, k, &beta, cp, type, n,
                            compute, CUBLAS_GEMM_DEFAULT),
               call);
}

}  // namespace suanli::cuda
