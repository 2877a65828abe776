#include "harness/attention_inputs.h"

#include <cstddef>
#include <vector>

namespace suanli {

AttentionInputs attention_inputs(DType dtype, const AttentionShape& s, std::uint64_t seed) {
  const auto q_count = static_cast<std::size_t>(s.b * s.h * s.s_q * s.d);
  const auto kv_count = static_cast<std::size_t>(s.b * s.h_kv * s.s_kv * s.d);
  const ElementFormat format = gemm_input_format(dtype);
  AttentionInputs in;
  std::vector<double> q = random_matrix(format, q_count, seed * 5 + 1).values;
  for (double& x : q) x *= kAttentionQuerySpread;
  in.q = encode(format, q);
  in.k = random_matrix(format, kv_count, seed * 5 + 2);
  in.v = random_matrix(format, kv_count, seed * 5 + 3);
  return in;
}

}  // namespace suanli
