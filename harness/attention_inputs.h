// The data the attention workload is verified and timed on, one function for every tier and
// for the tests that run kernel sources on the host (tests/attention_emulated_check.h).
#pragma once

#include <cstdint>

#include "harness/attention_shapes.h"
#include "harness/dtype.h"
#include "harness/host_data.h"

namespace suanli {

// Q's values are uniform in [-kAttentionQuerySpread, kAttentionQuerySpread], K's and V's in
// [-1, 1]. Why: with all three in [-1, 1] and scale 1/√D the scores have a standard
// deviation of 1/3 whatever D is, so softmax is close to uniform and O close to the mean of
// V. On such data a wrong row maximum (one lane's instead of the row's) or a wrong rescale
// between key tiles moves O by less than bf16's rounding, and a broken kernel would be
// called verified. With Q spread 8 the scores' deviation is 8/3 ≈ 2.7: a few keys carry
// most of the weight (as in trained models' attention, not uniform), the running maximum
// changes between key tiles, and those bugs fail the check
// (tests/test_attention_mma_emulated.cpp, FaultsAreCaughtAtTheWorkloadsScale). A power of
// two, so the scaled values stay exact in every input format.
constexpr double kAttentionQuerySpread = 8.0;

struct AttentionInputs {
  HostMatrix q;  // q: (B, H, Sq, D)
  HostMatrix k;  // k: (B, Hkv, Skv, D)
  HostMatrix v;  // v: (B, Hkv, Skv, D)
};

// Distinct streams from `seed` for Q, K and V, in the dtype's input format.
AttentionInputs attention_inputs(DType dtype, const AttentionShape& s, std::uint64_t seed);

}  // namespace suanli
