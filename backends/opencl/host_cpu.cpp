#include "backends/opencl/host_cpu.h"

#include <cstdlib>
#include <fstream>
#include <string>

namespace suanli::opencl {
namespace {

// sysfs writes sizes like "48K", "2048K", "36608K" or "32M".
std::uint64_t parse_cache_size(const std::string& text) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return 0;
  std::uint64_t scale = 1;
  switch (*end) {
    case 'K': case 'k': scale = 1024; break;
    case 'M': case 'm': scale = 1024ull * 1024; break;
    case 'G': case 'g': scale = 1024ull * 1024 * 1024; break;
    default: break;
  }
  return static_cast<std::uint64_t>(value) * scale;
}

}  // namespace

std::uint64_t largest_host_cache_bytes() noexcept {
  try {
    std::uint64_t largest = 0;
    // index0..indexN are contiguous; stop at the first missing one.
    for (int i = 0; i < 16; ++i) {
      std::ifstream in("/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/size");
      if (!in) break;
      std::string text;
      in >> text;
      const std::uint64_t bytes = parse_cache_size(text);
      if (bytes > largest) largest = bytes;
    }
    return largest;
  } catch (...) {
    return 0;
  }
}

std::optional<double> mean_host_cpu_mhz() noexcept {
  try {
    std::ifstream in("/proc/cpuinfo");
    if (!in) return std::nullopt;
    double sum = 0;
    int count = 0;
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("cpu MHz", 0) != 0) continue;
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      char* end = nullptr;
      const double mhz = std::strtod(line.c_str() + colon + 1, &end);
      if (end == line.c_str() + colon + 1 || !(mhz > 0)) continue;
      sum += mhz;
      ++count;
    }
    if (count == 0) return std::nullopt;
    return sum / count;
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace suanli::opencl
