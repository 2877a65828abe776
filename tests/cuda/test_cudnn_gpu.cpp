// cuDNN's fused attention through the real CUDA plugin, loaded in this process, against a
// host reference in double (CTest label `gpu`). Skipped, with the reason, where there is no
// usable CUDA device or no cuDNN library.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "harness/host_data.h"
#include "harness/plugin_loader.h"

namespace {

using namespace suanli;

// O = softmax(scale·Q·Kᵀ, bottom-right causal mask)·V for one (batch, head, row), in double.
std::vector<double> reference_row(const AttentionProblem& p, const std::vector<float>& q, const std::vector<float>& k,
                                  const std::vector<float>& v, std::int64_t b, std::int64_t h, std::int64_t i) {
  const std::int64_t hk = h / (p.h / p.h_kv);
  const float* qi = &q[static_cast<std::size_t>(((b * p.h + h) * p.s_q + i) * p.d)];
  const std::int64_t kv_base = (b * p.h_kv + hk) * p.s_kv;
  const std::int64_t last = p.causal ? i + (p.s_kv - p.s_q) : p.s_kv - 1;
  std::vector<double> s(static_cast<std::size_t>(p.s_kv), 0.0);
  double max = -INFINITY;
  for (std::int64_t j = 0; j <= last; ++j) {
    double dot = 0;
    for (std::int64_t c = 0; c < p.d; ++c) dot += double(qi[c]) * k[static_cast<std::size_t>((kv_base + j) * p.d + c)];
    s[static_cast<std::size_t>(j)] = dot * p.scale;
    max = std::max(max, s[static_cast<std::size_t>(j)]);
  }
  double sum = 0;
  for (std::int64_t j = 0; j <= last; ++j) sum += s[static_cast<std::size_t>(j)] = std::exp(s[static_cast<std::size_t>(j)] - max);
  std::vector<double> o(static_cast<std::size_t>(p.d), 0.0);
  for (std::int64_t j = 0; j <= last; ++j) {
    for (std::int64_t c = 0; c < p.d; ++c) {
      o[static_cast<std::size_t>(c)] += s[static_cast<std::size_t>(j)] / sum * v[static_cast<std::size_t>((kv_base + j) * p.d + c)];
    }
  }
  return o;
}

// Values already representable in fp16, so the reference sees exactly what the GPU sees.
std::vector<float> random_halves(std::size_t n, std::mt19937& rng, std::vector<std::uint16_t>& bits) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> out(n);
  bits.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    bits[i] = float_to_half_bits(dist(rng));
    out[i] = half_bits_to_float(bits[i]);
  }
  return out;
}

class CudnnGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    // The plugin beside this binary (or on $SUANLI_PLUGIN_PATH) first: a build carried to a
    // GPU machine may sit at another path than the one it was built at.
    std::filesystem::path plugin = std::filesystem::path(SUANLI_TEST_PLUGIN_DIR) / "libsuanli-cuda.so";
    for (const PluginFile& f : find_plugins()) {
      if (f.backend == "cuda") {
        plugin = f.path;
        break;
      }
    }
    try {
      loaded_ = LoadedBackend::load(PluginFile{"cuda", plugin});
      if (loaded_->backend().devices().empty()) GTEST_SKIP() << "no CUDA device";
      device_ = loaded_->backend().open(0);
    } catch (const std::exception& e) {
      GTEST_SKIP() << "cuda is unavailable here: " << e.what();
    }
  }
  void TearDown() override {
    device_.reset();
    loaded_.reset();
  }

  // Runs p on the GPU and compares every output element with the reference.
  void check(const AttentionProblem& p) {
    SCOPED_TRACE("b" + std::to_string(p.b) + " h" + std::to_string(p.h) + "/" + std::to_string(p.h_kv) + " sq" +
                 std::to_string(p.s_q) + " skv" + std::to_string(p.s_kv) + " d" + std::to_string(p.d) +
                 (p.causal ? " causal" : ""));
    if (auto why = device_->vendor_attention_can_implement(p)) {
      if (why->starts_with("cuDNN not found")) GTEST_SKIP() << *why;
      FAIL() << "the fused attention refuses a supported problem: " << *why;
    }
    EXPECT_TRUE(device_->vendor_attention_library().starts_with("cudnn 9.")) << device_->vendor_attention_library();
    std::mt19937 rng(1234);
    std::vector<std::uint16_t> qb, kb, vb;
    const auto nq = static_cast<std::size_t>(p.b * p.h * p.s_q * p.d), nkv = static_cast<std::size_t>(p.b * p.h_kv * p.s_kv * p.d);
    const auto q = random_halves(nq, rng, qb), k = random_halves(nkv, rng, kb), v = random_halves(nkv, rng, vb);
    Buffer dq = device_->alloc(nq * 2), dk = device_->alloc(nkv * 2), dv = device_->alloc(nkv * 2), d_o = device_->alloc(nq * 2);
    device_->upload(dq, qb.data(), nq * 2);
    device_->upload(dk, kb.data(), nkv * 2);
    device_->upload(dv, vb.data(), nkv * 2);
    const std::uint16_t nan = 0x7e00;
    device_->fill(d_o, &nan, 2);  // every output element must be written
    device_->timer_begin();
    device_->vendor_attention(p, dq, dk, dv, d_o);
    EXPECT_GT(device_->timer_end(), 0.0);  // the work ran between the timer's events
    std::vector<std::uint16_t> ob(nq);
    device_->download(ob.data(), d_o, nq * 2);
    for (Buffer b : {dq, dk, dv, d_o}) device_->free(b);

    int bad = 0;
    for (std::int64_t b = 0; b < p.b; ++b) {
      for (std::int64_t h = 0; h < p.h; ++h) {
        for (std::int64_t i = 0; i < p.s_q; ++i) {
          const auto ref = reference_row(p, q, k, v, b, h, i);
          for (std::int64_t c = 0; c < p.d; ++c) {
            const double got = half_bits_to_float(ob[static_cast<std::size_t>(((b * p.h + h) * p.s_q + i) * p.d + c)]);
            // P is rounded to fp16 before P·V; |o| <= 1. 2^-8 covers that and the output's rounding.
            const double tol = 4e-3;
            if (!(std::abs(got - ref[static_cast<std::size_t>(c)]) <= tol) && ++bad <= 5) {
              ADD_FAILURE() << "o[" << b << "][" << h << "][" << i << "][" << c << "] = " << got << ", reference "
                            << ref[static_cast<std::size_t>(c)];
            }
          }
        }
      }
    }
    EXPECT_EQ(bad, 0);
  }

  static AttentionProblem problem(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s_q,
                                  std::int64_t s_kv, std::int64_t d, bool causal) {
    AttentionProblem p;
    p.dtype = DType::fp16;
    p.b = b, p.h = h, p.h_kv = h_kv, p.s_q = s_q, p.s_kv = s_kv, p.d = d, p.causal = causal;
    p.scale = 1.0 / std::sqrt(static_cast<double>(d));
    return p;
  }

  std::unique_ptr<LoadedBackend> loaded_;
  std::unique_ptr<Device> device_;
};

TEST_F(CudnnGpu, Fp16NonCausal) { check(problem(2, 4, 4, 128, 128, 64, false)); }
TEST_F(CudnnGpu, Fp16Causal) { check(problem(2, 4, 4, 128, 128, 64, true)); }
TEST_F(CudnnGpu, Fp16OddLengthsHeadDim128) { check(problem(1, 2, 2, 77, 77, 128, false)); }

// Grouped-query attention and a causal mask with Skv > Sq are wanted but not promised by
// every cuDNN 9: a refusal must name the reason (the harness then runs the unfused path),
// and an accepted problem must be right.
TEST_F(CudnnGpu, GroupedQueryOrAReason) {
  const AttentionProblem p = problem(1, 8, 2, 128, 128, 64, true);
  if (auto why = device_->vendor_attention_can_implement(p)) {
    EXPECT_FALSE(why->empty());
    GTEST_SKIP() << "grouped-query refused: " << *why;
  }
  check(p);
}

TEST_F(CudnnGpu, CausalBottomRightOrAReason) {
  const AttentionProblem p = problem(1, 2, 2, 64, 192, 64, true);
  if (auto why = device_->vendor_attention_can_implement(p)) {
    EXPECT_FALSE(why->empty());
    GTEST_SKIP() << "bottom-right causal refused: " << *why;
  }
  check(p);
}

// The plugin on a machine without cuDNN: the fused tier names the loader's reason and the
// device keeps working. cuDNN is loaded on first use, so the name set here is the one tried.
TEST_F(CudnnGpu, MissingCudnnGivesTheLoaderReason) {
  ::setenv("SUANLI_CUDNN_LIBRARY", "libsuanli-no-such-cudnn.so.9", 1);
  const AttentionProblem p = problem(1, 2, 2, 64, 64, 64, false);
  const auto why = device_->vendor_attention_can_implement(p);
  ::unsetenv("SUANLI_CUDNN_LIBRARY");
  ASSERT_TRUE(why.has_value());
  EXPECT_TRUE(why->starts_with("cuDNN not found (libsuanli-no-such-cudnn.so.9): ")) << *why;
  EXPECT_EQ(device_->vendor_attention_library(), "");
  EXPECT_THROW(device_->vendor_attention(p, Buffer{}, Buffer{}, Buffer{}, Buffer{}), BackendError);
  Buffer b = device_->alloc(256);  // the device itself is unharmed
  device_->free(b);
}

TEST_F(CudnnGpu, Fp32IsRefusedWithAReason) {
  AttentionProblem p = problem(1, 2, 2, 64, 64, 64, false);
  p.dtype = DType::fp32;
  const auto why = device_->vendor_attention_can_implement(p);
  ASSERT_TRUE(why.has_value());
  EXPECT_NE(why->find("fp16 or bf16"), std::string::npos) << *why;
}

}  // namespace
