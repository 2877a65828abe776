// The host side of a fill that the runtime cannot do with one memset (CUDA and HIP have
// no 64-bit memset): the pattern is staged once, then the filled prefix is doubled with
// device-to-device copies, so no host buffer of the buffer's size is needed.
// No vendor headers: this is part of suanli_backend_common.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace suanli {

// The largest staging buffer: one host-to-device copy of at most this much, then
// log2(size / 1 MiB) device-to-device copies.
inline constexpr std::size_t kFillStagingBytes = std::size_t{1} << 20;

// An 8-byte pattern whose halves agree is a 4-byte one (fp32 NaN pairs, zeros), which a
// 32-bit memset writes without staging; any other pattern keeps its size.
std::size_t narrowest_pattern_bytes(const void* pattern, std::size_t pattern_bytes);

// `pattern` repeated over min(bytes, kFillStagingBytes) bytes. `bytes` must be a multiple
// of `pattern_bytes` (check_fill ensures it), so the staging is too.
std::vector<unsigned char> fill_staging(const void* pattern, std::size_t pattern_bytes, std::size_t bytes);

// Calls copy(offset, n) for each device-to-device copy of the buffer's first n bytes to
// `offset` that doubles a filled prefix of `staged` bytes until `total` bytes are filled.
template <typename Copy>
void for_each_doubling_copy(std::size_t staged, std::size_t total, Copy&& copy) {
  for (std::size_t filled = staged; filled < total;) {
    const std::size_t n = std::min(filled, total - filled);
    copy(filled, n);
    filled += n;
  }
}

}  // namespace suanli
