#include "backends/hip/rocblas_gemm.h"

#include <cstdint>
#include <limits>

#if defined(SUANLI_HAVE_ROCBLAS)
#include <rocblas/rocblas.h>
#endif

namespace suanli::hip {

#if defined(SUANLI_HAVE_ROCBLAS)

namespace {

struct Types {
  rocblas_datatype ab, c, compute;
};

// Element types of gemm_output_dtype (backend.h); 16-bit inputs accumulate in fp32.
std::optional<Types> types_for(DType d) {
  switch (d) {
    case DType::fp64: return Types{rocblas_datatype_f64_r, rocblas_datatype_f64_r, rocblas_datatype_f64_r};
    case DType::fp32: return Types{rocblas_datatype_f32_r, rocblas_datatype_f32_r, rocblas_datatype_f32_r};
    case DType::fp16: return Types{rocblas_datatype_f16_r, rocblas_datatype_f16_r, rocblas_datatype_f32_r};
    case DType::bf16: return Types{rocblas_datatype_bf16_r, rocblas_datatype_bf16_r, rocblas_datatype_f32_r};
    default: return std::nullopt;
  }
}

rocblas_handle as_handle(void* h) { return static_cast<rocblas_handle>(h); }

void check(rocblas_status s, const char* what) {
  if (s == rocblas_status_success) return;
  const char* text = rocblas_status_to_string(s);
  const BackendError::Kind kind =
      s == rocblas_status_memory_error ? BackendError::Kind::out_of_memory : BackendError::Kind::generic;
  throw BackendError(kind, std::string("hip: rocBLAS ") + what + ": " + (text != nullptr ? text : "error"));
}

}  // namespace

RocblasGemm::RocblasGemm(hipStream_t stream) : stream_(stream) {}

RocblasGemm::~RocblasGemm() {
  if (handle_ != nullptr) rocblas_destroy_handle(as_handle(handle_));
}

std::string RocblasGemm::library_name() {
  char version[128] = {};
  if (rocblas_get_version_string(version, sizeof version) != rocblas_status_success) return "rocblas";
  return std::string("rocblas ") + version;
}

std::optional<std::string> RocblasGemm::can_implement(const GemmProblem& p) {
  if (p.batch < 1 || p.batch > std::numeric_limits<rocblas_int>::max()) return "batch count outside 1 .. 2^31-1";
  switch (p.dtype) {
    case DType::tf32:
      return "rocBLAS has no tf32 mode (its fp32 GEMM computes in full fp32; see the fp32 row)";
    case DType::fp8_e4m3:
      return "fp8 GEMM needs hipBLASLt, which this plugin does not use";
    case DType::int8:
      return "int8 GEMM in rocBLAS needs packed int8x4 layouts on older ROCm; not wired up";
    default: break;
  }
  if (!types_for(p.dtype)) return "unsupported dtype";
  constexpr std::int64_t kMax = std::numeric_limits<rocblas_int>::max();
  if (p.m < 1 || p.n < 1 || p.k < 1) return "empty problem";
  if (p.m > kMax || p.n > kMax || p.k > kMax) return "a dimension exceeds rocBLAS's 32-bit rocblas_int";
  return std::nullopt;
}

void RocblasGemm::gemm(const GemmProblem& p, void* a, void* b, void* c) {
  if (auto why = can_implement(p)) throw BackendError(BackendError::Kind::unsupported, "hip: vendor gemm: " + *why);
  if (handle_ == nullptr) {
    rocblas_handle h = nullptr;
    check(rocblas_create_handle(&h), "rocblas_create_handle");
    handle_ = h;
    check(rocblas_set_stream(h, stream_), "rocblas_set_stream");
  }
  const Types t = *types_for(p.dtype);
  const auto m = static_cast<rocblas_int>(p.m), n = static_cast<rocblas_int>(p.n), k = static_cast<rocblas_int>(p.k);
  // rocBLAS is column-major; row-major C (m x n) is column-major C^T (n x m), and
  // C^T = B^T * A^T: pass B first and A second, with the dimensions swapped. Row-major
  // B (k x n) is column-major B^T with ld n; a transposed-stored B (n x k row-major) is
  // column-major (k x n), so it goes in transposed with ld k.
  const rocblas_operation op_b = p.b_transposed ? rocblas_operation_transpose : rocblas_operation_none;
  const rocblas_int ldb = p.b_transposed ? k : n;
  const double alpha64 = p.alpha, beta64 = p.beta;
  const auto alpha32 = static_cast<float>(p.alpha), beta32 = static_cast<float>(p.beta);
  const bool f64 = t.compute == rocblas_datatype_f64_r;
  const void* alpha = f64 ? static_cast<const void*>(&alpha64) : static_cast<const void*>(&alpha32);
  const void* beta = f64 ? static_cast<const void*>(&beta64) : static_cast<const void*>(&beta32);
  if (p.batch == 1) {
    check(rocblas_gemm_ex(as_handle(handle_), op_b, rocblas_operation_none, n, m, k, alpha, b, t.ab, ldb, a, t.ab, k,
                          beta, c, t.c, n, c, t.c, n, t.compute, rocblas_gemm_algo_standard, 0, 0),
          "rocblas_gemm_ex");
    return;
  }
  // Packed batches (GemmProblem::batch; the unfused attention path runs one per (batch,
  // kv-head)): the same swap, each operand's batch stride its matrix size.
  const rocblas_stride stride_a = static_cast<rocblas_stride>(p.m) * p.k;
  const rocblas_stride stride_b = static_cast<rocblas_stride>(p.k) * p.n;
  const rocblas_stride stride_c = static_cast<rocblas_stride>(p.m) * p.n;
  check(rocblas_gemm_strided_batched_ex(as_handle(handle_), op_b, rocblas_operation_none, n, m, k, alpha, b, t.ab, ldb,
                                        stride_b, a, t.ab, k, stride_a, beta, c, t.c, n, stride_c, c, t.c, n, stride_c,
                                        static_cast<rocblas_int>(p.batch), t.compute, rocblas_gemm_algo_standard, 0, 0),
        "rocblas_gemm_strided_batched_ex");
}

#else  // built without rocBLAS

RocblasGemm::RocblasGemm(hipStream_t stream) : stream_(stream) {}
RocblasGemm::~RocblasGemm() = default;

std::string RocblasGemm::library_name() { return ""; }

std::optional<std::string> RocblasGemm::can_implement(const GemmProblem& /*p*/) {
  return "the HIP plugin was built without rocBLAS (not found at build time), so it has no vendor tier";
}

void RocblasGemm::gemm(const GemmProblem& p, void* /*a*/, void* /*b*/, void* /*c*/) {
  throw BackendError(BackendError::Kind::unsupported, "hip: vendor gemm: " + *can_implement(p));
}

#endif

}  // namespace suanli::hip
