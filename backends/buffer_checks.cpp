#include "backends/buffer_checks.h"

#include <limits>
#include <string>

namespace suanli {
namespace {

BackendError buffer_error(BackendError::Kind kind, std::string_view backend, const std::string& what) {
  return BackendError(kind, std::string(backend) + ": " + what);
}

// "upload of 17 bytes into a 16-byte buffer", "download of ... from a ...".
bool check_copy(std::string_view backend, const char* what, const char* preposition, const Buffer& buffer,
                std::size_t bytes) {
  if (bytes == 0) return false;
  if (buffer.handle == nullptr || bytes > buffer.bytes) {
    throw buffer_error(BackendError::Kind::generic, backend,
                       std::string(what) + " of " + std::to_string(bytes) + " bytes " + preposition + " a " +
                           std::to_string(buffer.bytes) + "-byte buffer");
  }
  return true;
}

}  // namespace

bool multiply_fits(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

bool check_upload(std::string_view backend, const Buffer& dst, std::size_t bytes) {
  return check_copy(backend, "upload", "into", dst, bytes);
}

bool check_download(std::string_view backend, const Buffer& src, std::size_t bytes) {
  return check_copy(backend, "download", "from", src, bytes);
}

bool check_fill(std::string_view backend, const Buffer& dst, std::size_t pattern_bytes) {
  if (pattern_bytes != 1 && pattern_bytes != 2 && pattern_bytes != 4 && pattern_bytes != 8) {
    throw buffer_error(BackendError::Kind::generic, backend,
                       "fill pattern must be 1, 2, 4 or 8 bytes, not " + std::to_string(pattern_bytes));
  }
  if (dst.bytes == 0) return false;
  if (dst.handle == nullptr || dst.bytes % pattern_bytes != 0) {
    throw buffer_error(BackendError::Kind::generic, backend,
                       "fill of a " + std::to_string(dst.bytes) + "-byte buffer with a " +
                           std::to_string(pattern_bytes) + "-byte pattern (the size must be a multiple)");
  }
  return true;
}

void check_device_memory(std::string_view backend, std::size_t bytes, std::uint64_t global_mem_bytes) {
  if (global_mem_bytes != 0 && bytes > global_mem_bytes) {
    throw buffer_error(BackendError::Kind::out_of_memory, backend,
                       "cannot allocate " + std::to_string(bytes) + " bytes: the device has " +
                           std::to_string(global_mem_bytes));
  }
}

void check_gemm_buffers(std::string_view backend, const GemmProblem& p, const Buffer& a, const Buffer& b,
                        const Buffer& c, std::uint64_t in_bytes, std::uint64_t out_bytes) {
  const auto m = static_cast<std::uint64_t>(p.m), n = static_cast<std::uint64_t>(p.n),
             k = static_cast<std::uint64_t>(p.k);
  struct Operand {
    const char* name;
    const Buffer& buffer;
    std::uint64_t rows, cols, elem;
  };
  for (const Operand& op : {Operand{"A", a, m, k, in_bytes}, Operand{"B", b, k, n, in_bytes},
                            Operand{"C", c, m, n, out_bytes}}) {
    std::uint64_t elems = 0, batched = 0, bytes = 0;
    if (p.batch < 1 || !multiply_fits(op.rows, op.cols, elems) ||
        !multiply_fits(elems, static_cast<std::uint64_t>(p.batch), batched) || !multiply_fits(batched, op.elem, bytes) ||
        op.buffer.bytes < bytes || op.buffer.handle == nullptr) {
      throw buffer_error(BackendError::Kind::generic, backend,
                         std::string("vendor gemm: ") + op.name + " (" + std::to_string(p.batch) + " x " +
                             std::to_string(op.rows) + "x" + std::to_string(op.cols) + ") does not fit its " +
                             std::to_string(op.buffer.bytes) + "-byte buffer");
    }
  }
}

}  // namespace suanli
