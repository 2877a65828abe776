// GEMM shapes: the "MxNxK" syntax and the named shape sets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0;
  std::string label;  // where the shape comes from, e.g. "llama-3-8b qkv, 4096 tokens"
  bool operator==(const GemmShape& o) const { return m == o.m && n == o.n && k == o.k; }
};

// The largest dimension accepted: kernels index with 32-bit ints.
constexpr std::int64_t kMaxGemmDim = 1 << 20;

// Parses "MxNxK" (three positive integers). Throws UsageError naming the problem.
GemmShape parse_gemm_shape(std::string_view text);
std::string to_string(const GemmShape& s);  // "MxNxK"

// Named sets: "square" (powers of two) and "llm" (projection layers of public models).
// `device_type` trims "square" to sizes a CPU finishes in seconds. Throws UsageError for
// an unknown name.
std::vector<GemmShape> gemm_shape_set(std::string_view name, DeviceType device_type);
// What `suanli run` measures when no shape is given.
std::vector<GemmShape> default_gemm_shapes(DeviceType device_type);
std::string gemm_shape_set_names();

// 2·M·N·K: one multiply and one add per term of every output's inner product.
double gemm_flops(const GemmShape& s);

}  // namespace suanli
