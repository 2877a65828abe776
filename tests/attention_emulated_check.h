// What the emulated native attention tests (tests/test_attention_mma_emulated.cpp,
// tests/test_attention_mfma_emulated.cpp) share around running a kernel source on the host:
// the inputs drawn as the workload draws them, O poisoned and guarded, and the output judged
// by the harness's own fp64 check (verify_attention, every row of these small problems) with
// the allowance the workload gives the native kernels (P rounded to the input type).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "harness/attention_inputs.h"
#include "harness/attention_shapes.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/verify_attention.h"

namespace attention_emulated_check {

// The dtype of the build (SUANLI_DTYPE_FP16 or _BF16, as the kernel under test is compiled).
#if defined(SUANLI_DTYPE_FP16)
constexpr suanli::DType kDType = suanli::DType::fp16;
#else
constexpr suanli::DType kDType = suanli::DType::bf16;
#endif

constexpr unsigned short kGuardBits = 0x1234;
constexpr std::size_t kGuard = 64;  // elements after O that must stay untouched

inline suanli::AttentionShape shape(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s_q, std::int64_t s_kv,
                                    std::int64_t d, bool causal) {
  suanli::AttentionShape s;
  s.b = b, s.h = h, s.h_kv = h_kv, s.s_q = s_q, s.s_kv = s_kv, s.d = d, s.causal = causal;
  return s;
}

// The causal cases both kernels run (64-row query blocks), bottom-right aligned: with Sq > Skv
// the first rows see no key (zeros) and with Sq = 130, Skv = 3 the first query tile of 64
// rows sees none at all (its block skips the walk); with Sq < Skv every row sees the prefix.
inline std::vector<suanli::AttentionShape> causal_cases(std::int64_t full_d, std::int64_t partial_d) {
  return {shape(1, 2, 2, 65, 65, full_d, true), shape(1, 1, 1, 130, 3, partial_d, true),
          shape(1, 1, 1, 20, 140, partial_d, true)};
}

// q: (B, H, Sq, D), k and v: (B, Hkv, Skv, D); o: (B, H, Sq, D) as the harness's NaN poison,
// then kGuard words of kGuardBits. scale: scale_multiple / √D, rounded to float as the
// kernels take it.
struct Inputs {
  suanli::HostMatrix q, k, v;
  std::vector<unsigned short> o;
  std::size_t q_count = 0;
  float scale = 0.0f;
};

// The workload's own data (harness/attention_inputs.h: Q spread so the softmax is sharp).
// scale_multiple: the softmax scale in units of the workload's 1/√D; 1 is what a run
// verifies, a larger multiple sharpens the softmax further (scores over tens of units).
inline Inputs make_inputs(suanli::DType dtype, const suanli::AttentionShape& s, double scale_multiple, std::uint64_t seed) {
  Inputs in;
  in.q_count = static_cast<std::size_t>(s.b * s.h * s.s_q * s.d);
  suanli::AttentionInputs drawn = suanli::attention_inputs(dtype, s, seed);
  in.q = std::move(drawn.q);
  in.k = std::move(drawn.k);
  in.v = std::move(drawn.v);
  in.o.assign(in.q_count + kGuard, kGuardBits);
  const auto poison = suanli::nan_pattern(suanli::gemm_input_format(dtype));
  for (std::size_t i = 0; i < in.q_count; ++i) std::memcpy(&in.o[i], poison.data(), 2);
  in.scale = static_cast<float>(scale_multiple / std::sqrt(static_cast<double>(s.d)));
  return in;
}

struct Judged {
  suanli::VerifyResult check;
  bool guard_intact = true;
};

// O as the kernel left it, through verify_attention (seed: make_inputs's).
inline Judged judge(suanli::DType dtype, const suanli::AttentionShape& s, const Inputs& in, std::uint64_t seed) {
  Judged out;
  for (std::size_t i = in.q_count; i < in.o.size(); ++i) out.guard_intact = out.guard_intact && in.o[i] == kGuardBits;
  std::vector<unsigned char> o_bytes(in.q_count * 2);
  std::memcpy(o_bytes.data(), in.o.data(), o_bytes.size());
  const std::vector<double> o_values = suanli::decode(dtype, o_bytes);
  suanli::AttentionCheckInput check{dtype,     s,         static_cast<double>(in.scale), &in.q.values, &in.k.values,
                                    &in.v.values, &o_values, seed ^ 0xa77eULL,              256};
  // The workload's allowance for the native kernels: P (not S) is rounded to the input type
  // for P·V.
  check.u_probs = suanli::format_unit_roundoff(suanli::gemm_output_format(dtype));
  out.check = suanli::verify_attention(check);
  return out;
}

}  // namespace attention_emulated_check
