// Attention shapes: the "BxHxSxD" syntax with its modifiers, the preset set, FLOPs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

// Q: (b, h, s_q, d); K, V: (b, h_kv, s_kv, d); O: (b, h, s_q, d); all contiguous.
struct AttentionShape {
  std::int64_t b = 1, h = 1, h_kv = 1, s_q = 1, s_kv = 1, d = 1;
  bool causal = false;
  std::string label;
  bool operator==(const AttentionShape& o) const {
    return b == o.b && h == o.h && h_kv == o.h_kv && s_q == o.s_q && s_kv == o.s_kv && d == o.d && causal == o.causal;
  }
};

// Parses "BxHxSxD" (S is both sequence lengths); `kv_heads` / `seq_kv` (0 = same as the
// query's) and `causal` apply the CLI modifiers. Throws UsageError naming the problem:
// a non-positive field, H not a multiple of the kv heads, a size past 32-bit indexing.
AttentionShape parse_attention_shape(std::string_view text, std::int64_t kv_heads, std::int64_t seq_kv, bool causal);
void validate_attention_shape(const AttentionShape& s);  // throws UsageError
std::string to_string(const AttentionShape& s);  // "BxHxSqxD" plus ", kv heads N", "seq_kv N", "causal"

// "llm": head counts and head dims of public models at several sequence lengths.
std::vector<AttentionShape> attention_shape_set(std::string_view name, DeviceType device_type);
std::vector<AttentionShape> default_attention_shapes(DeviceType device_type);

// FLOPs of the forward pass, the FlashAttention convention: two matrix products
// (Q·Kᵀ and P·V), 2·s_q·s_kv·d each per head, so 4·b·h·s_q·s_kv·d; halved when causal.
// Softmax work is not counted. The halving is the convention for s_q = s_kv; with
// s_q != s_kv it stays a convention, not an exact count of unmasked products.
double attention_flops(const AttentionShape& s);

}  // namespace suanli
