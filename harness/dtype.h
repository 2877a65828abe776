// Data types: names, sizes and unit round-off (for verification tolerances).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "backends/backend.h"

namespace suanli {

std::string to_string(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);
// Storage size of one element in bytes.
std::size_t dtype_bytes(DType dtype);
// Unit round-off u of the storage type (half the machine epsilon): 2^-53 for fp64 …
double unit_roundoff(DType dtype);
// Unit round-off of the products and sums: fp32 for fp16/bf16/fp8 (fp32 accumulate),
// tf32's for tf32 (inputs rounded inside the units), 0 for int8 (exact int32 sums).
double accumulate_unit_roundoff(DType dtype);
std::string all_dtype_names();  // "fp64, fp32, …" for error messages

}  // namespace suanli
