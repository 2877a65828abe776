#include "harness/host_data.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "harness/dtype.h"

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

HostMatrix random_matrix(DType dtype, std::size_t count, std::uint64_t seed) {
  HostMatrix m;
  m.values.resize(count);
  m.bytes.resize(count * dtype_bytes(dtype));
  SplitMix64 rng(seed);
  for (std::size_t i = 0; i < count; ++i) {
    const double v = rng.uniform_pm1();
    switch (dtype) {
      case DType::fp64: {
        m.values[i] = v;
        std::memcpy(&m.bytes[i * 8], &v, 8);
        break;
      }
      case DType::fp32:
      case DType::tf32: {
        const auto f = static_cast<float>(v);
        m.values[i] = f;
        std::memcpy(&m.bytes[i * 4], &f, 4);
        break;
      }
      case DType::fp16: {
        const std::uint16_t h = float_to_half_bits(static_cast<float>(v));
        m.values[i] = half_bits_to_float(h);
        std::memcpy(&m.bytes[i * 2], &h, 2);
        break;
      }
      default:
        throw std::invalid_argument("random_matrix: no host encoding for " + to_string(dtype));
    }
  }
  return m;
}

std::vector<double> decode(DType dtype, const std::vector<unsigned char>& bytes) {
  const std::size_t n = bytes.size() / dtype_bytes(dtype);
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::fp64: std::memcpy(&out[i], &bytes[i * 8], 8); break;
      case DType::fp32:
      case DType::tf32: {
        float f;
        std::memcpy(&f, &bytes[i * 4], 4);
        out[i] = f;
        break;
      }
      case DType::fp16: {
        std::uint16_t h;
        std::memcpy(&h, &bytes[i * 2], 2);
        out[i] = half_bits_to_float(h);
        break;
      }
      default: throw std::invalid_argument("decode: no host decoding for " + to_string(dtype));
    }
  }
  return out;
}

std::vector<unsigned char> nan_pattern(DType dtype) {
  std::vector<unsigned char> p(dtype_bytes(dtype));
  switch (dtype) {
    case DType::fp64: {
      const double v = std::numeric_limits<double>::quiet_NaN();
      std::memcpy(p.data(), &v, 8);
      break;
    }
    case DType::fp16: {
      const std::uint16_t v = 0x7e00;
      std::memcpy(p.data(), &v, 2);
      break;
    }
    default: {
      const float v = std::numeric_limits<float>::quiet_NaN();
      if (p.size() == 4) std::memcpy(p.data(), &v, 4);
      else std::fill(p.begin(), p.end(), static_cast<unsigned char>(0xff));
    }
  }
  return p;
}

}  // namespace suanli
