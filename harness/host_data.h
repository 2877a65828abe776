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
// bfloat16: the top half of an fp32, rounded to nearest even.
std::uint16_t float_to_bf16_bits(float f);
float bf16_bits_to_float(std::uint16_t h);
// fp8 e4m3 as in the OCP FP8 spec ("fn": no infinities, S.1111.111 is NaN, max 448),
// the format of NVIDIA's CUDA_R_8F_E4M3; rounds to nearest even and saturates.
std::uint8_t double_to_e4m3_bits(double v);
double e4m3_bits_to_double(std::uint8_t b);

// How elements sit in device memory. A GEMM's inputs and output can differ (int8 in,
// int32 out; fp8 in, fp32 out): backend.h's GemmProblem comment lists the pairs.
enum class ElementFormat { f64, f32, f16, bf16, e4m3, i8, i32 };
ElementFormat gemm_input_format(DType dtype);
ElementFormat gemm_output_format(DType dtype);
std::size_t format_bytes(ElementFormat f);
// Unit round-off of a stored value of this format (0 for integers).
double format_unit_roundoff(ElementFormat f);

struct HostMatrix {
  std::vector<double> values;       // exactly representable in the dtype
  std::vector<unsigned char> bytes;  // the same values in the device's storage format
};

// `count` values uniform in [-1, 1] from `seed`, rounded to the format (integers: uniform
// in [-16, 16], so an int32 sum of 2^20 products cannot overflow). Never all zero; the
// generator (splitmix64) is ours so a seed gives the same data on every platform.
HostMatrix random_matrix(ElementFormat format, std::size_t count, std::uint64_t seed);
inline HostMatrix random_matrix(DType dtype, std::size_t count, std::uint64_t seed) {
  return random_matrix(gemm_input_format(dtype), count, seed);
}

// `values` rounded to the format and stored; `values` of the result are the rounded ones.
HostMatrix encode(ElementFormat format, const std::vector<double>& values);

// Device bytes back to fp64.
std::vector<double> decode(ElementFormat format, const std::vector<unsigned char>& bytes);
inline std::vector<double> decode(DType dtype, const std::vector<unsigned char>& bytes) {
  return decode(gemm_input_format(dtype), bytes);
}

// The poison pattern of a format, as fill() expects it: NaN for floats, INT32_MIN for
// int32 (no sum of in-range products reaches it).
std::vector<unsigned char> nan_pattern(ElementFormat format);
inline std::vector<unsigned char> nan_pattern(DType dtype) { return nan_pattern(gemm_input_format(dtype)); }

// Transposes a row-major (rows, cols) matrix of fp64 values.
std::vector<double> transpose(const std::vector<double>& v, std::size_t rows, std::size_t cols);
// Transposes stored elements of `elem_bytes` each.
std::vector<unsigned char> transpose_bytes(const std::vector<unsigned char>& v, std::size_t rows, std::size_t cols, std::size_t elem_bytes);

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
