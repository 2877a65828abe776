#include "harness/dtype.h"

#include <array>
#include <cmath>
#include <utility>

namespace suanli {
namespace {

struct DTypeRow {
  DType dtype;
  std::string_view name;
  std::size_t bytes;
  int mantissa_bits;  // explicit fraction bits; u = 2^-(bits+1)
};

// tf32 is stored as fp32 in memory, rounded to 10 fraction bits inside the math units.
constexpr std::array<DTypeRow, 7> kDTypes{{
    {DType::fp64, "fp64", 8, 52},
    {DType::fp32, "fp32", 4, 23},
    {DType::tf32, "tf32", 4, 10},
    {DType::fp16, "fp16", 2, 10},
    {DType::bf16, "bf16", 2, 7},
    {DType::fp8_e4m3, "fp8", 1, 3},
    {DType::int8, "int8", 1, 0},
}};

const DTypeRow& row(DType dtype) {
  for (const auto& r : kDTypes)
    if (r.dtype == dtype) return r;
  return kDTypes[1];
}

}  // namespace

std::string to_string(DType dtype) { return std::string(row(dtype).name); }

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& r : kDTypes)
    if (r.name == name) return r.dtype;
  if (name == "fp8_e4m3" || name == "e4m3") return DType::fp8_e4m3;
  return std::nullopt;
}

std::size_t dtype_bytes(DType dtype) { return row(dtype).bytes; }

double unit_roundoff(DType dtype) {
  if (dtype == DType::int8) return 0.0;  // integer products accumulate exactly in int32
  return std::ldexp(1.0, -(row(dtype).mantissa_bits + 1));
}

double accumulate_unit_roundoff(DType dtype) {
  switch (dtype) {
    case DType::fp64: return unit_roundoff(DType::fp64);
    case DType::int8: return 0.0;
    // fp32 data, but the matrix units round each input to tf32 before multiplying: the
    // products carry tf32's error, however wide the accumulator.
    case DType::tf32: return unit_roundoff(DType::tf32);
    default: return unit_roundoff(DType::fp32);
  }
}

std::string all_dtype_names() {
  std::string out;
  for (const auto& r : kDTypes) {
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

}  // namespace suanli
