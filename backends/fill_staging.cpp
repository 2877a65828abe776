#include "backends/fill_staging.h"

#include <cstring>

namespace suanli {

std::size_t narrowest_pattern_bytes(const void* pattern, std::size_t pattern_bytes) {
  const auto* p = static_cast<const unsigned char*>(pattern);
  if (pattern_bytes == 8 && std::memcmp(p, p + 4, 4) == 0) return 4;
  return pattern_bytes;
}

std::vector<unsigned char> fill_staging(const void* pattern, std::size_t pattern_bytes, std::size_t bytes) {
  std::vector<unsigned char> staging(std::min(bytes, kFillStagingBytes));
  for (std::size_t off = 0; off + pattern_bytes <= staging.size(); off += pattern_bytes) {
    std::memcpy(staging.data() + off, pattern, pattern_bytes);
  }
  return staging;
}

}  // namespace suanli
