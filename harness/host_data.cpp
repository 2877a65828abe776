#include "harness/host_data.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>


namespace suanli {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform_pm1() {
  // 53 random bits -> [0, 1) -> [-1, 1)
  return static_cast<double>(next() >> 11) * 0x1.0p-52 - 1.0;
}

std::uint16_t float_to_half_bits(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) return static_cast<std::uint16_t>(sign | (abs > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
  if (abs < 0x38800000u) {
    // Subnormal half (or zero): scale into the 10-bit fraction with round-to-nearest-even.
    if (abs < 0x33000000u) return static_cast<std::uint16_t>(sign);
    const std::uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    // value = mant·2^(e-150) and a half subnormal is h·2^-24, so h = mant >> (126 - e).
    const int shift = 126 - static_cast<int>(abs >> 23);
    std::uint32_t h = mant >> shift;
    const std::uint32_t rem = mant & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = ((abs - 0x38000000u) >> 13);  // rebias exponent 127 -> 15
  const std::uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

float half_bits_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

std::uint16_t float_to_bf16_bits(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  const std::uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>((x + rounding) >> 16);
}

float bf16_bits_to_float(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

double e4m3_bits_to_double(std::uint8_t b) {
  const double sign = (b & 0x80u) ? -1.0 : 1.0;
  const int exp = (b >> 3) & 0xf;
  const int mant = b & 0x7;
  if (exp == 15 && mant == 7) return std::numeric_limits<double>::quiet_NaN();
  if (exp == 0) return sign * std::ldexp(mant, -9);  // subnormal: mant/8 · 2^-6
  return sign * std::ldexp(8 + mant, exp - 10);       // (1 + mant/8) · 2^(exp-7)
}

std::uint8_t double_to_e4m3_bits(double v) {
  if (std::isnan(v)) return 0x7f;
  const std::uint8_t sign = std::signbit(v) ? 0x80 : 0x00;
  const double a = std::abs(v);
  if (a >= 448.0) return sign | 0x7e;  // saturate to the largest finite value, no infinity
  // nearbyint rounds half to even in the default rounding mode.
  if (a < std::ldexp(1.0, -6)) {  // subnormal: steps of 2^-9; 8 steps is the smallest normal
    return sign | static_cast<std::uint8_t>(std::nearbyint(std::ldexp(a, 9)));
  }
  int e = std::ilogb(a);
  double q = std::nearbyint((std::ldexp(a, -e) - 1.0) * 8.0);
  if (q == 8.0) {  // rounded up into the next binade
    q = 0.0;
    ++e;
  }
  const int code = ((e + 7) << 3) | static_cast<int>(q);
  return sign | static_cast<std::uint8_t>(std::min(code, 0x7e));
}

ElementFormat gemm_input_format(DType dtype) {
  switch (dtype) {
    case DType::fp64: return ElementFormat::f64;
    case DType::fp32:
    case DType::tf32: return ElementFormat::f32;
    case DType::fp16: return ElementFormat::f16;
    case DType::bf16: return ElementFormat::bf16;
    case DType::fp8_e4m3: return ElementFormat::e4m3;
    case DType::int8: return ElementFormat::i8;
  }
  return ElementFormat::f32;
}

ElementFormat gemm_output_format(DType dtype) {
  switch (dtype) {
    case DType::fp8_e4m3: return ElementFormat::f32;
    case DType::int8: return ElementFormat::i32;
    default: return gemm_input_format(dtype);
  }
}

std::size_t format_bytes(ElementFormat f) {
  switch (f) {
    case ElementFormat::f64: return 8;
    case ElementFormat::f32:
    case ElementFormat::i32: return 4;
    case ElementFormat::f16:
    case ElementFormat::bf16: return 2;
    case ElementFormat::e4m3:
    case ElementFormat::i8: return 1;
  }
  return 4;
}

double format_unit_roundoff(ElementFormat f) {
  switch (f) {
    case ElementFormat::f64: return std::ldexp(1.0, -53);
    case ElementFormat::f32: return std::ldexp(1.0, -24);
    case ElementFormat::f16: return std::ldexp(1.0, -11);
    case ElementFormat::bf16: return std::ldexp(1.0, -8);
    case ElementFormat::e4m3: return std::ldexp(1.0, -4);
    case ElementFormat::i8:
    case ElementFormat::i32: return 0.0;
  }
  return 0.0;
}

namespace {

// Stores `v` (already representable) in the format; returns the value stored.
double store(ElementFormat f, double v, unsigned char* dst) {
  switch (f) {
    case ElementFormat::f64: std::memcpy(dst, &v, 8); return v;
    case ElementFormat::f32: {
      const auto x = static_cast<float>(v);
      std::memcpy(dst, &x, 4);
      return x;
    }
    case ElementFormat::f16: {
      const std::uint16_t h = float_to_half_bits(static_cast<float>(v));
      std::memcpy(dst, &h, 2);
      return half_bits_to_float(h);
    }
    case ElementFormat::bf16: {
      const std::uint16_t h = float_to_bf16_bits(static_cast<float>(v));
      std::memcpy(dst, &h, 2);
      return bf16_bits_to_float(h);
    }
    case ElementFormat::e4m3: {
      const std::uint8_t b = double_to_e4m3_bits(v);
      *dst = b;
      return e4m3_bits_to_double(b);
    }
    case ElementFormat::i8: {
      const auto x = static_cast<std::int8_t>(std::lround(v));
      std::memcpy(dst, &x, 1);
      return x;
    }
    case ElementFormat::i32: {
      const auto x = static_cast<std::int32_t>(std::lround(v));
      std::memcpy(dst, &x, 4);
      return x;
    }
  }
  return v;
}

double load(ElementFormat f, const unsigned char* src) {
  switch (f) {
    case ElementFormat::f64: {
      double v;
      std::memcpy(&v, src, 8);
      return v;
    }
    case ElementFormat::f32: {
      float v;
      std::memcpy(&v, src, 4);
      return v;
    }
    case ElementFormat::f16: {
      std::uint16_t h;
      std::memcpy(&h, src, 2);
      return half_bits_to_float(h);
    }
    case ElementFormat::bf16: {
      std::uint16_t h;
      std::memcpy(&h, src, 2);
      return bf16_bits_to_float(h);
    }
    case ElementFormat::e4m3: return e4m3_bits_to_double(*src);
    case ElementFormat::i8: {
      std::int8_t v;
      std::memcpy(&v, src, 1);
      return v;
    }
    case ElementFormat::i32: {
      std::int32_t v;
      std::memcpy(&v, src, 4);
      // The poison value reads back as NaN so "unwritten" is reported as such.
      return v == std::numeric_limits<std::int32_t>::min() ? std::numeric_limits<double>::quiet_NaN() : v;
    }
  }
  return 0;
}

}  // namespace

HostMatrix random_matrix(ElementFormat format, std::size_t count, std::uint64_t seed) {
  HostMatrix m;
  const std::size_t eb = format_bytes(format);
  m.values.resize(count);
  m.bytes.resize(count * eb);
  SplitMix64 rng(seed);
  const bool integer = format == ElementFormat::i8 || format == ElementFormat::i32;
  for (std::size_t i = 0; i < count; ++i) {
    const double u = rng.uniform_pm1();
    m.values[i] = store(format, integer ? std::floor(u * 16.5 + 0.5) : u, &m.bytes[i * eb]);
  }
  return m;
}

HostMatrix encode(ElementFormat format, const std::vector<double>& values) {
  HostMatrix m;
  const std::size_t eb = format_bytes(format);
  m.values.resize(values.size());
  m.bytes.resize(values.size() * eb);
  for (std::size_t i = 0; i < values.size(); ++i) m.values[i] = store(format, values[i], &m.bytes[i * eb]);
  return m;
}

std::vector<double> decode(ElementFormat format, const std::vector<unsigned char>& bytes) {
  const std::size_t eb = format_bytes(format);
  std::vector<double> out(bytes.size() / eb);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = load(format, &bytes[i * eb]);
  return out;
}

std::vector<unsigned char> nan_pattern(ElementFormat format) {
  std::vector<unsigned char> p(format_bytes(format));
  switch (format) {
    case ElementFormat::i32: {
      const std::int32_t v = std::numeric_limits<std::int32_t>::min();
      std::memcpy(p.data(), &v, 4);
      break;
    }
    case ElementFormat::i8: p[0] = 0x80; break;
    case ElementFormat::e4m3: p[0] = 0x7f; break;
    case ElementFormat::bf16: {
      const std::uint16_t v = 0x7fc0;
      std::memcpy(p.data(), &v, 2);
      break;
    }
    default: store(format, std::numeric_limits<double>::quiet_NaN(), p.data());
  }
  return p;
}

std::vector<double> transpose(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  std::vector<double> t(v.size());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) t[c * rows + r] = v[r * cols + c];
  return t;
}

std::vector<unsigned char> transpose_bytes(const std::vector<unsigned char>& v, std::size_t rows, std::size_t cols, std::size_t eb) {
  std::vector<unsigned char> t(v.size());
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) std::memcpy(&t[(c * rows + r) * eb], &v[(r * cols + c) * eb], eb);
  return t;
}

}  // namespace suanli
