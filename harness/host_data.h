// Host-side test data: seeded random matrices in the device's storage format, with the
// exact values the device sees kept in fp64 for the reference.
#pragma once

#include <cstdint>
#include <vector>

#include "backends/backend.h"

namespace suanli {

// IEEE binary16 conversions (round to nearest even), for dtypes the host has no type for.
std::uint16_t float_to_half_bits(float f);
float half_bits_to_float(std::uint16_t h);

struct HostMatrix {
  std::vector<double> values;       // exactly representable in the dtype
  std::vector<unsigned char> bytes;  // the same values in the device's storage format
};

// `count` values uniform in [-1, 1] from `seed`, rounded to `dtype`. Never all zero; the
// generator (splitmix64) is ours so a seed gives the same data on every platform.
HostMatrix random_matrix(DType dtype, std::size_t count, std::uint64_t seed);

// Device bytes of `dtype` back to fp64 (fp16 via half_bits_to_float).
std::vector<double> decode(DType dtype, const std::vector<unsigned char>& bytes);

// The NaN bit pattern of `dtype` (for poisoning outputs), as fill() expects it.
std::vector<unsigned char> nan_pattern(DType dtype);

// A deterministic stream of uniform doubles in [-1, 1) for verification vectors.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  double uniform_pm1();  // [-1, 1)
 private:
  std::uint64_t state_;
};

}  // namespace suanli
