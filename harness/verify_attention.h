// Attention verification in fp64: query rows recomputed on the host — every row of a
// small problem, a random sample (plus the first and last rows of every head) otherwise.
#pragma once

#include <cstdint>
#include <vector>

#include "backends/backend.h"
#include "harness/attention_shapes.h"
#include "harness/verify_gemm.h"

namespace suanli {

// Problems up to this many multiply-adds (b·h·s_q·s_kv·d) are checked row by row in full.
constexpr double kAttentionFullCheckMacs = 1 << 26;

struct AttentionCheckInput {
  DType dtype = DType::fp32;
  AttentionShape shape;
  double scale = 1.0;
  const std::vector<double>* q = nullptr;  // q: (B, H, Sq, D)
  const std::vector<double>* k = nullptr;  // k: (B, Hkv, Skv, D)
  const std::vector<double>* v = nullptr;  // v: (B, Hkv, Skv, D)
  const std::vector<double>* o = nullptr;  // o: (B, H, Sq, D), read back from the device
  std::uint64_t seed = 1;
  int sampled_rows = 256;
  // Unit roundoff of the scores S and of the probabilities P where they pass through the
  // data type between the two products: the unfused path stores both in device memory; the
  // native kernels round P (not S) to the input type for P·V. 0 where they stay in fp32
  // registers (the portable fused kernel). Kept apart because an error in S is amplified
  // by the scores' size and one in P is not: a P-only kernel gets the tighter bound.
  double u_scores = 0;
  double u_probs = 0;
};

// Key j is visible to query row i iff j <= i + (s_kv - s_q) when causal (bottom-right
// aligned); a row that sees no key must be all zeros.
VerifyResult verify_attention(const AttentionCheckInput& in);

}  // namespace suanli
