// libFuzzer: the --shape syntax for gemm (MxNxK) and attention (BxHxSxD with kv heads and
// seq_kv). Bad text must end in UsageError, never a crash, hang or other exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/attention_shapes.h"
#include "harness/errors.h"
#include "harness/shapes.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // First two bytes pick the --kv-heads / --seq-kv modifiers (0 = absent, negatives too).
  const auto kv_heads = static_cast<std::int64_t>(static_cast<std::int8_t>(data[0]));
  const auto seq_kv = static_cast<std::int64_t>(static_cast<std::int8_t>(data[1])) * 37;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  try {
    const auto g = suanli::parse_gemm_shape(text);
    if (g.m < 1 || g.n < 1 || g.k < 1) __builtin_trap();  // accepted shapes are positive
    (void)suanli::gemm_flops(g);
  } catch (const suanli::UsageError&) {
  }
  try {
    const auto a = suanli::parse_attention_shape(text, kv_heads, seq_kv, (data[0] & 1) != 0);
    if (a.h % a.h_kv != 0) __builtin_trap();  // GQA groups must be whole
    (void)suanli::to_string(a);
    (void)suanli::attention_flops(a);
  } catch (const suanli::UsageError&) {
  }
  return 0;
}
