#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "harness/dtype.h"
#include "harness/host_data.h"

namespace suanli {
namespace {

TEST(DType, NamesRoundTrip) {
  for (DType d : {DType::fp64, DType::fp32, DType::tf32, DType::fp16, DType::bf16, DType::fp8_e4m3, DType::int8})
    EXPECT_EQ(parse_dtype(to_string(d)), d);
  EXPECT_FALSE(parse_dtype("fp99").has_value());
  EXPECT_FALSE(parse_dtype("").has_value());
}

TEST(DType, SizesAndRoundoff) {
  EXPECT_EQ(dtype_bytes(DType::fp64), 8u);
  EXPECT_EQ(dtype_bytes(DType::fp16), 2u);
  EXPECT_EQ(unit_roundoff(DType::fp32), std::ldexp(1.0, -24));
  EXPECT_EQ(unit_roundoff(DType::fp64), std::ldexp(1.0, -53));
  EXPECT_EQ(unit_roundoff(DType::fp16), std::ldexp(1.0, -11));
  EXPECT_EQ(accumulate_unit_roundoff(DType::fp16), std::ldexp(1.0, -24));
}

TEST(HalfFloat, ExactValuesAndRounding) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half_bits(1e6f), 0x7c00);                    // overflow -> inf
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -26)), 0x0000);  // below half of it -> 0
  EXPECT_EQ(float_to_half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_TRUE(std::isnan(half_bits_to_float(float_to_half_bits(NAN))));
  // Every finite half survives half -> float -> half.
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00) continue;
    ASSERT_EQ(float_to_half_bits(half_bits_to_float(static_cast<std::uint16_t>(h))), h) << std::hex << h;
  }
}

TEST(HostData, RandomMatrixIsSeededBoundedAndNotZero) {
  const HostMatrix a = random_matrix(DType::fp32, 1000, 7);
  const HostMatrix b = random_matrix(DType::fp32, 1000, 7);
  const HostMatrix c = random_matrix(DType::fp32, 1000, 8);
  EXPECT_EQ(a.values, b.values);
  EXPECT_NE(a.values, c.values);
  int zeros = 0;
  for (double v : a.values) {
    EXPECT_GE(v, -1.0);
    EXPECT_LE(v, 1.0);
    zeros += v == 0.0;
  }
  EXPECT_LT(zeros, 2);
  // The bytes hold exactly the recorded values.
  EXPECT_EQ(decode(DType::fp32, a.bytes), a.values);
  const HostMatrix h = random_matrix(DType::fp16, 100, 3);
  EXPECT_EQ(decode(DType::fp16, h.bytes), h.values);
}

TEST(HostData, NanPatternIsNan) {
  const auto p32 = nan_pattern(DType::fp32);
  float f;
  std::memcpy(&f, p32.data(), 4);
  EXPECT_TRUE(std::isnan(f));
  const auto p64 = nan_pattern(DType::fp64);
  double d;
  std::memcpy(&d, p64.data(), 8);
  EXPECT_TRUE(std::isnan(d));
  EXPECT_TRUE(std::isnan(decode(DType::fp16, nan_pattern(DType::fp16))[0]));
}

}  // namespace
}  // namespace suanli

namespace suanli {
namespace {

TEST(HostData, Bf16RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16_bits(1.0f), 0x3f80);
  EXPECT_EQ(bf16_bits_to_float(0x3f80), 1.0f);
  EXPECT_EQ(float_to_bf16_bits(1.0f + std::ldexp(1.0f, -8)), 0x3f80);      // tie -> even
  EXPECT_EQ(float_to_bf16_bits(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);  // tie -> even (up)
  EXPECT_TRUE(std::isnan(bf16_bits_to_float(float_to_bf16_bits(NAN))));
}

TEST(HostData, E4m3CoversTheOcpFormat) {
  EXPECT_EQ(e4m3_bits_to_double(0x38), 1.0);            // exponent 7 = bias
  EXPECT_EQ(e4m3_bits_to_double(0x7e), 448.0);          // largest finite
  EXPECT_EQ(e4m3_bits_to_double(0x01), std::ldexp(1.0, -9));  // smallest subnormal
  EXPECT_TRUE(std::isnan(e4m3_bits_to_double(0x7f)));
  EXPECT_EQ(double_to_e4m3_bits(1000.0), 0x7e);         // saturates, no infinity
  EXPECT_EQ(double_to_e4m3_bits(-1.0), 0xb8);
  EXPECT_EQ(double_to_e4m3_bits(1.0625), 0x38);  // halfway 1 .. 1.125 -> even code
  EXPECT_EQ(double_to_e4m3_bits(1.1875), 0x3a);  // halfway 1.125 .. 1.25 -> even code
  EXPECT_EQ(double_to_e4m3_bits(1.95), 0x40);    // rounds up into the next binade: 2.0
  for (int code = 0; code < 256; ++code) {
    if ((code & 0x7f) == 0x7f) continue;  // NaN
    const double v = e4m3_bits_to_double(static_cast<std::uint8_t>(code));
    if (v == 0.0) continue;  // +0 and -0
    ASSERT_EQ(double_to_e4m3_bits(v), code) << code;
  }
}

TEST(HostData, IntegerInputsAndPoisonedInt32Output) {
  const HostMatrix m = random_matrix(ElementFormat::i8, 4096, 5);
  double lo = 0, hi = 0;
  for (double v : m.values) {
    EXPECT_EQ(v, std::floor(v));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_GE(lo, -16.0);
  EXPECT_LE(hi, 16.0);
  EXPECT_LT(lo, -10.0);  // the range is actually used
  EXPECT_EQ(decode(ElementFormat::i8, m.bytes), m.values);
  // An unwritten int32 output (still the poison) decodes as NaN, so verification fails it.
  EXPECT_TRUE(std::isnan(decode(ElementFormat::i32, nan_pattern(ElementFormat::i32))[0]));
  EXPECT_EQ(gemm_output_format(DType::int8), ElementFormat::i32);
  EXPECT_EQ(gemm_output_format(DType::fp8_e4m3), ElementFormat::f32);
}

TEST(HostData, TransposeKeepsEveryElement) {
  const HostMatrix m = random_matrix(ElementFormat::f16, 6, 1);  // (2, 3)
  const auto t = transpose(m.values, 2, 3);
  EXPECT_EQ(t[0 * 2 + 1], m.values[1 * 3 + 0]);
  EXPECT_EQ(t[2 * 2 + 1], m.values[1 * 3 + 2]);
  const auto tb = transpose_bytes(m.bytes, 2, 3, 2);
  EXPECT_EQ(decode(ElementFormat::f16, tb), t);
}

}  // namespace
}  // namespace suanli
