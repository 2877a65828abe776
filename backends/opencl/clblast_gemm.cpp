#include "backends/opencl/clblast_gemm.h"

#include "backends/opencl/cl_error.h"

#if defined(SUANLI_HAVE_CLBLAST)
#include <clblast.h>
#include <clblast_half.h>
#endif

namespace suanli::opencl {
namespace {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::fp64: return "fp64";
    case DType::fp32: return "fp32";
    case DType::tf32: return "tf32";
    case DType::fp16: return "fp16";
    case DType::bf16: return "bf16";
    case DType::fp8_e4m3: return "fp8_e4m3";
    case DType::int8: return "int8";
  }
  return "unknown";
}

#if defined(SUANLI_HAVE_CLBLAST)

// CLBlast's own codes; the rest of its StatusCode values are OpenCL error codes.
const char* clblast_status_name(int code) {
  switch (code) {
    case -1024: return "kNotImplemented";
    case -1022: return "kInvalidMatrixA";
    case -1021: return "kInvalidMatrixB";
    case -1020: return "kInvalidMatrixC";
    case -1017: return "kInvalidDimension";
    case -1016: return "kInvalidLeadDimA";
    case -1015: return "kInvalidLeadDimB";
    case -1014: return "kInvalidLeadDimC";
    case -1011: return "kInsufficientMemoryA";
    case -1010: return "kInsufficientMemoryB";
    case -1009: return "kInsufficientMemoryC";
    case -2050: return "kInsufficientMemoryTemp";
    case -2046: return "kInvalidLocalMemUsage";
    case -2045: return "kNoHalfPrecision";
    case -2044: return "kNoDoublePrecision";
    case -2041: return "kDatabaseError";
    case -2040: return "kUnknownError";
    case -2039: return "kUnexpectedError";
    default: return code > -1000 ? cl_error_name(code) : "unknown CLBlast status";
  }
}

template <typename T>
clblast::StatusCode run_gemm(const GemmProblem& p, T alpha, T beta, cl_command_queue queue, cl_mem a,
                             cl_mem b, cl_mem c, cl_event* event) {
  const auto m = static_cast<std::size_t>(p.m);
  const auto n = static_cast<std::size_t>(p.n);
  const auto k = static_cast<std::size_t>(p.k);
  // Row-major B (k, n) has ld n; B stored (n, k) is the transposed operand with ld k.
  const auto b_op = p.b_transposed ? clblast::Transpose::kYes : clblast::Transpose::kNo;
  const std::size_t ldb = p.b_transposed ? k : n;
  if (p.batch == 1)
    return clblast::Gemm<T>(clblast::Layout::kRowMajor, clblast::Transpose::kNo, b_op, m, n, k, alpha, a, 0, k, b, 0,
                            ldb, beta, c, 0, n, &queue, event);
  return clblast::GemmStridedBatched<T>(clblast::Layout::kRowMajor, clblast::Transpose::kNo, b_op, m, n, k, alpha, a, 0,
                                        k, m * k, b, 0, ldb, k * n, beta, c, 0, n, m * n,
                                        static_cast<std::size_t>(p.batch), &queue, event);
}

#endif

}  // namespace

std::string clblast_library_name() {
#if defined(SUANLI_HAVE_CLBLAST)
#if defined(SUANLI_CLBLAST_VERSION)
  return std::string("clblast ") + SUANLI_CLBLAST_VERSION;
#else
  return "clblast " + std::to_string(CLBLAST_VERSION_MAJOR) + "." + std::to_string(CLBLAST_VERSION_MINOR) + "." +
         std::to_string(CLBLAST_VERSION_PATCH);
#endif
#else
  return "";
#endif
}

std::size_t clblast_element_bytes(DType dtype) {
  switch (dtype) {
    case DType::fp64: return 8;
    case DType::fp32: return 4;
    case DType::fp16: return 2;
    default: return 0;
  }
}

std::optional<std::string> clblast_gemm_can_implement(const GemmProblem& p, const DeviceInfo& info) {
#if !defined(SUANLI_HAVE_CLBLAST)
  (void)p;
  (void)info;
  return std::string("built without CLBlast");
#else
  if (p.m <= 0 || p.n <= 0 || p.k <= 0) return std::string("empty or negative gemm shape");
  if (p.batch < 1) return std::string("batch count below 1");
  switch (p.dtype) {
    case DType::fp32: return std::nullopt;
    case DType::fp64:
      if (!info.has_fp64) return std::string("device has no fp64 (cl_khr_fp64)");
      return std::nullopt;
    case DType::fp16:
      if (!info.has_fp16) return std::string("device has no fp16 (cl_khr_fp16)");
      return std::nullopt;
    default: return std::string("clblast has no ") + dtype_name(p.dtype) + " gemm";
  }
#endif
}

void clblast_gemm(const GemmProblem& p, cl_command_queue queue, cl_mem a, cl_mem b, cl_mem c, cl_event* event) {
#if !defined(SUANLI_HAVE_CLBLAST)
  (void)queue;
  (void)a;
  (void)b;
  (void)c;
  (void)event;
  throw BackendError(BackendError::Kind::unsupported,
                     std::string("opencl: vendor ") + dtype_name(p.dtype) + " gemm: built without CLBlast");
#else
  clblast::StatusCode status = clblast::StatusCode::kSuccess;
  try {
    switch (p.dtype) {
      case DType::fp32:
        status = run_gemm<float>(p, static_cast<float>(p.alpha), static_cast<float>(p.beta), queue, a, b, c, event);
        break;
      case DType::fp64: status = run_gemm<double>(p, p.alpha, p.beta, queue, a, b, c, event); break;
      case DType::fp16:
        status = run_gemm<half>(p, FloatToHalf(static_cast<float>(p.alpha)), FloatToHalf(static_cast<float>(p.beta)),
                                queue, a, b, c, event);
        break;
      default:
        throw BackendError(BackendError::Kind::unsupported,
                           std::string("opencl: clblast has no ") + dtype_name(p.dtype) + " gemm");
    }
  } catch (const BackendError&) {
    throw;
  } catch (const std::exception& e) {
    // CLBlast reports through StatusCode, but a std::bad_alloc can still get through.
    throw BackendError(BackendError::Kind::generic, std::string("opencl: clblast gemm threw: ") + e.what());
  }
  if (status != clblast::StatusCode::kSuccess) {
    const int code = static_cast<int>(status);
    const bool memory = status == clblast::StatusCode::kTempBufferAllocFailure ||
                        status == clblast::StatusCode::kOpenCLOutOfHostMemory;
    throw BackendError(memory ? BackendError::Kind::out_of_memory : BackendError::Kind::generic,
                       std::string("opencl: clblast ") + dtype_name(p.dtype) + " gemm failed: " +
                           clblast_status_name(code) + " (" + std::to_string(code) + ")");
  }
#endif
}

}  // namespace suanli::opencl
