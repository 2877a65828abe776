// Argument checks that every plugin's Device makes the same way before touching a buffer.
// Each throws BackendError naming `backend` ("cuda: upload of ..."). No vendor headers:
// this is part of suanli_backend_common.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backends/backend.h"

namespace suanli {

// a * b into `out`; false, leaving `out` alone, when the product overflows 64 bits.
bool multiply_fits(std::uint64_t a, std::uint64_t b, std::uint64_t& out);

// The checks of Device::upload / download / fill. Each returns false when the call has
// nothing to do (zero bytes, an empty buffer), which is not an error; it throws
// BackendError{generic} for a null or too-small buffer, or a pattern that is not 1, 2, 4
// or 8 bytes or does not divide the buffer size.
bool check_upload(std::string_view backend, const Buffer& dst, std::size_t bytes);
bool check_download(std::string_view backend, const Buffer& src, std::size_t bytes);
bool check_fill(std::string_view backend, const Buffer& dst, std::size_t pattern_bytes);

// Throws BackendError{out_of_memory} when `bytes` exceeds the device's memory (0: unknown),
// so an impossible allocation fails the same way on every runtime.
void check_device_memory(std::string_view backend, std::size_t bytes, std::uint64_t global_mem_bytes);

// Throws BackendError{generic} unless p.batch copies of A (m x k), B (k x n) and C (m x n)
// fit their buffers,
// `in_bytes` per element of A and B, `out_bytes` of C. Products are overflow-checked: the
// vendor library would otherwise read or write past a buffer.
void check_gemm_buffers(std::string_view backend, const GemmProblem& p, const Buffer& a, const Buffer& b,
                        const Buffer& c, std::uint64_t in_bytes, std::uint64_t out_bytes);

}  // namespace suanli
