#include <gtest/gtest.h>

#include <cmath>

#include "harness/attention_inputs.h"
#include "harness/attention_shapes.h"
#include "harness/errors.h"
#include "harness/host_data.h"
#include "harness/verify_attention.h"

namespace suanli {
namespace {

TEST(AttentionShapes, ParsesWithModifiers) {
  const AttentionShape s = parse_attention_shape("2x32x4096x128", 8, 0, true);
  EXPECT_EQ(s.b, 2);
  EXPECT_EQ(s.h, 32);
  EXPECT_EQ(s.h_kv, 8);
  EXPECT_EQ(s.s_q, 4096);
  EXPECT_EQ(s.s_kv, 4096);
  EXPECT_EQ(s.d, 128);
  EXPECT_TRUE(s.causal);
  const AttentionShape t = parse_attention_shape("1x2x17x80", 0, 33, false);
  EXPECT_EQ(t.h_kv, 2);
  EXPECT_EQ(t.s_kv, 33);
  EXPECT_EQ(to_string(t), "1x2x17x80 seq_kv=33");
}

TEST(AttentionShapes, RejectsBadInput) {
  const std::tuple<const char*, std::int64_t, std::int64_t, const char*> bad[] = {
      {"1x8x1024x0", 0, 0, "D must be at least 1"},
      {"1x8x0x64", 0, 0, "S must be at least 1"},
      {"1x8x1024", 0, 0, "four dimensions"},
      {"1x8x1024x64x2", 0, 0, "four dimensions"},
      {"1xhx1024x64", 0, 0, "not an integer"},
      {"1x8x1024x64", 3, 0, "not a multiple of the kv heads"},
      {"1x8x1024x64", -1, 0, "--kv-heads"},
      {"1x8x1024x64", 0, -5, "--seq-kv"},
      {"64x64x65536x65536", 0, 0, "2^31"},
  };
  for (const auto& [text, kv, skv, why] : bad) {
    try {
      parse_attention_shape(text, kv, skv, false);
      ADD_FAILURE() << "accepted " << text;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << text << " -> " << e.what();
    }
  }
}

TEST(AttentionShapes, FlopsFollowTheFlashAttentionConvention) {
  AttentionShape s{1, 8, 8, 1024, 1024, 64, false, ""};
  EXPECT_DOUBLE_EQ(attention_flops(s), 4.0 * 8 * 1024 * 1024 * 64);
  s.causal = true;
  EXPECT_DOUBLE_EQ(attention_flops(s), 2.0 * 8 * 1024 * 1024 * 64);
  s.h_kv = 2;  // grouped-query attention does the same arithmetic per query head
  EXPECT_DOUBLE_EQ(attention_flops(s), 2.0 * 8 * 1024 * 1024 * 64);
}

TEST(AttentionShapes, LlmSetHasGqaAndBothMasks) {
  const auto set = attention_shape_set("llm", DeviceType::gpu);
  bool gqa = false, causal = false, plain = false;
  for (const auto& s : set) {
    gqa = gqa || s.h_kv != s.h;
    causal = causal || s.causal;
    plain = plain || !s.causal;
    EXPECT_TRUE(s.d == 64 || s.d == 128);
    EXPECT_FALSE(s.label.empty());
  }
  EXPECT_TRUE(gqa && causal && plain);
  EXPECT_THROW(attention_shape_set("tiny", DeviceType::gpu), UsageError);
}

// A host reference in fp32 (as a kernel computes it), optionally dropping the keys from
// `drop_from` on: the broken kernel that skips its last key tile.
std::vector<double> reference_fp32(const AttentionShape& s, const HostMatrix& q, const HostMatrix& k, const HostMatrix& v,
                                   std::int64_t drop_from = -1) {
  std::vector<double> o(q.values.size(), 0.0);
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.d));
  for (std::int64_t b = 0; b < s.b; ++b)
    for (std::int64_t h = 0; h < s.h; ++h)
      for (std::int64_t i = 0; i < s.s_q; ++i) {
        const std::int64_t hk = h / (s.h / s.h_kv);
        std::int64_t last = s.causal ? std::min(s.s_kv - 1, i + s.s_kv - s.s_q) : s.s_kv - 1;
        if (drop_from >= 0) last = std::min(last, drop_from - 1);
        std::vector<float> p(static_cast<std::size_t>(s.s_kv), 0.0f);
        float mx = -INFINITY, sum = 0;
        for (std::int64_t j = 0; j <= last; ++j) {
          float dot = 0;
          for (std::int64_t t = 0; t < s.d; ++t)
            dot += static_cast<float>(q.values[((b * s.h + h) * s.s_q + i) * s.d + t] * k.values[((b * s.h_kv + hk) * s.s_kv + j) * s.d + t]);
          p[j] = dot * scale;
          mx = std::max(mx, p[j]);
        }
        for (std::int64_t j = 0; j <= last; ++j) sum += p[j] = std::exp(p[j] - mx);
        for (std::int64_t t = 0; t < s.d; ++t) {
          float acc = 0;
          for (std::int64_t j = 0; j <= last; ++j) acc += p[j] * static_cast<float>(v.values[((b * s.h_kv + hk) * s.s_kv + j) * s.d + t]);
          o[((b * s.h + h) * s.s_q + i) * s.d + t] = last >= 0 ? acc / sum : 0.0;
        }
      }
  return o;
}

// The workload's data (harness/attention_inputs.h), an fp32 reference optionally broken,
// through verify_attention with the given allowances for stored S and P.
VerifyResult check(const AttentionShape& s, std::int64_t drop_from = -1, double nudge = 0, double u_scores = 0,
                   double u_probs = 0) {
  const AttentionInputs in = attention_inputs(DType::fp32, s, 1);
  std::vector<double> o = reference_fp32(s, in.q, in.k, in.v, drop_from);
  o[o.size() / 2] += nudge;
  AttentionCheckInput c{DType::fp32, s, static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.d))), &in.q.values, &in.k.values,
                        &in.v.values, &o, 7, 64};
  c.u_scores = u_scores;
  c.u_probs = u_probs;
  return verify_attention(c);
}

TEST(VerifyAttention, Fp32ReferencePassesOnOddShapes) {
  const AttentionShape shapes[] = {
      {1, 1, 1, 1, 1, 64, false, ""},   {1, 2, 2, 17, 17, 64, true, ""},  {2, 4, 2, 17, 33, 80, false, ""},
      {1, 2, 1, 33, 17, 128, true, ""}, {1, 1, 1, 1, 300, 64, false, ""}, {1, 2, 2, 40, 40, 256, true, ""},
  };
  for (const auto& s : shapes) {
    const auto r = check(s);
    EXPECT_TRUE(r.ok) << to_string(s) << ": " << r.detail;
    EXPECT_LT(r.worst_error_ratio, 0.5) << to_string(s);
  }
}

TEST(VerifyAttention, MissingLastKeyTileFails) {
  const auto r = check({1, 2, 2, 17, 65, 64, false, ""}, 64);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("O[b="), std::string::npos);
}

TEST(VerifyAttention, OneWrongOutputFails) { EXPECT_FALSE(check({1, 2, 2, 17, 17, 64, false, ""}, -1, 1e-3).ok); }

// An error in the scores grows with their size and one in the probabilities does not, so a
// path that rounds only P (the native kernels) is held to a tighter bound than one that
// stores S too (the unfused path): an error of 0.05 in one output passes the second
// allowance at bf16's unit roundoff and fails the first.
TEST(VerifyAttention, ProbabilityOnlyAllowanceIsTighter) {
  const AttentionShape s{1, 2, 2, 17, 65, 64, false, ""};
  const double u_bf16 = 1.0 / 256;
  EXPECT_TRUE(check(s, -1, 0.05, u_bf16, u_bf16).ok);
  const VerifyResult p_only = check(s, -1, 0.05, 0, u_bf16);
  EXPECT_FALSE(p_only.ok);
  EXPECT_NE(p_only.method.find("(probabilities stored)"), std::string::npos) << p_only.method;
  EXPECT_EQ(p_only.method.find("(scores stored)"), std::string::npos) << p_only.method;
}

TEST(VerifyAttention, RowsWithNoVisibleKeyMustBeZero) {
  // Sq > Skv and causal: the first Sq - Skv rows see no key at all.
  EXPECT_TRUE(check({1, 1, 1, 20, 5, 64, true, ""}).ok);
}

}  // namespace
}  // namespace suanli
