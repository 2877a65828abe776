// kernels/hip/gemm_dot2.hip run on the host: the kernel source itself, compiled as C++ against
// a software model of gfx906's dot builtins (tests/gemm_dot2_emulation.h), one std::thread per
// work-item (tests/hip_gemm_emulated_run.h), built per dtype (fp16: v_dot2_f32_f16; int8:
// v_dot4_i32_i8, B as (N, K), int32 C compared exactly). It proves the K-word packing of A and
// B (fp16: B's halves swapped across two rows in registers), the LDS layout and its 16-byte
// reads, the micro-tile indexing, the double buffering, zero-filled edges and K tails and
// guarded stores on odd shapes against an fp64 reference — not the hardware, which only a
// gfx906 run shows (none yet).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <string>

#include "tests/gemm_dot2_emulation.h"
#include "tests/hip_gemm_emulated_run.h"

// The dynamic LDS of the running block. The kernel declares it extern inside its extern "C"
// body, which gives it C language linkage.
extern "C" {
alignas(16) unsigned char gemm_dot2_lds[64 * 1024];
}

#include "kernels/hip/gemm_dot2.hip"

namespace {

using gemm_dot2_emulation::Fault;
using hip_gemm_emulated_run::Problem;

using Operands = hip_gemm_emulated_run::Operands<gemm_dot2_elem_t, gemm_dot2_out_t>;

#if defined(SUANLI_DTYPE_INT8)
constexpr bool kBNK = true;
constexpr gemm_dot2_out_t kNaN = static_cast<gemm_dot2_out_t>(0x7fc00000);  // the harness's poison word
// Integers in [-16, 16], as the harness draws int8 data; sums are exact.
gemm_dot2_elem_t draw(std::mt19937& rng) {
  return static_cast<gemm_dot2_elem_t>(std::uniform_int_distribution<int>(-16, 16)(rng));
}
const gemm_reference_check::Tolerance kTolerance{.exact = true};
double value(gemm_dot2_elem_t x) { return x; }
double value(gemm_dot2_out_t x) { return x; }
// int8 takes integer alpha and beta (int32 scale).
constexpr float kAlpha1 = 2.0f, kBeta1 = 3.0f, kAlpha2 = -1.0f, kBeta2 = 1.0f;
#else
constexpr bool kBNK = false;
constexpr gemm_dot2_out_t kNaN = 0x7e00;
gemm_dot2_elem_t draw(std::mt19937& rng) { return to_elem(std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng)); }
// fp16: 2^-11 relative; subnormals (below 2^-14) have a fixed spacing of 2^-24, so rounding
// there errs by up to half of that however small the value.
const gemm_reference_check::Tolerance kTolerance{1.0 / 2048, std::ldexp(1.0, -25)};
double value(gemm_dot2_elem_t x) { return from_elem(x); }
constexpr float kAlpha1 = 0.5f, kBeta1 = 2.0f, kAlpha2 = -1.0f, kBeta2 = 0.25f;
#endif

struct Result {
  Operands operands;
  long long dot_calls = 0, misaligned_reads = 0;
};

Result run(const Problem& p, Fault fault = Fault::none) {
  static_assert(sizeof(gemm_dot2_lds) >= 2 * (GEMM_DOT2_A_STAGE + GEMM_DOT2_B_STAGE) * 4);
  gemm_dot2_emulation::fault = fault;
  const hip_gemm_emulated_run::Launch launch{GEMM_DOT2_BLOCK_M, GEMM_DOT2_BLOCK_N, GEMM_DOT2_THREADS, gemm_dot2_lds,
                                            sizeof gemm_dot2_lds, kBNK};
  std::atomic<long long> calls{0}, misaligned{0};
  Result r;
  r.operands = hip_gemm_emulated_run::run<gemm_dot2_elem_t>(
      p, launch, draw, kNaN, [](emulated_grid::Block&) {},
      [&](Operands& o) {
        gemm_dot2_emulation::dot_calls = 0;
        gemm_dot2_emulation::misaligned_reads = 0;
        gemm_dot2(p.m, p.n, p.k, p.alpha, p.beta, o.a.data(), kBNK ? o.b_nk.data() : o.b.data(), o.c.data());
        calls += gemm_dot2_emulation::dot_calls;
        misaligned += gemm_dot2_emulation::misaligned_reads;
      },
      [](const emulated_grid::Block&) {});
  r.dot_calls = calls;
  r.misaligned_reads = misaligned;
  return r;
}

std::size_t wrong_elements(const Problem& p, const Result& r) {
  const auto in_value = [](gemm_dot2_elem_t x) { return value(x); };
  const auto out_value = [](gemm_dot2_out_t x) { return value(x); };
  return hip_gemm_emulated_run::wrong_elements(p, r.operands, kTolerance, in_value, out_value);
}

void expect_correct(const Problem& p) {
  SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
  const Result r = run(p);
  EXPECT_EQ(wrong_elements(p, r), 0u);
  EXPECT_EQ(hip_gemm_emulated_run::first_written_guard(p, r.operands), r.operands.c.size()) << "written past C";
  EXPECT_EQ(r.misaligned_reads, 0);
  // Every work-item of every block, every K word of every slice: THREAD_M × THREAD_N dots.
  const long long blocks = static_cast<long long>((p.m + GEMM_DOT2_BLOCK_M - 1) / GEMM_DOT2_BLOCK_M) *
                           ((p.n + GEMM_DOT2_BLOCK_N - 1) / GEMM_DOT2_BLOCK_N);
  const long long slices = (p.k + GEMM_DOT2_BLOCK_K - 1) / GEMM_DOT2_BLOCK_K;
  EXPECT_EQ(r.dot_calls, blocks * GEMM_DOT2_THREADS * slices * GEMM_DOT2_KWORDS * GEMM_DOT2_THREAD_M * GEMM_DOT2_THREAD_N);
}

// The brief's sizes in every dimension: odd ones (element-wise loads: an odd K or N leaves
// rows unaligned; a last K pair with one element), K shorter than one slice or with a tail in
// the last one, partial blocks (M or N 130: a second block of 2 rows / columns).
TEST(GemmDot2Emulated, OddShapes) {
  for (const int m : {1, 17, 33, 100, 130})
    for (const int n : {1, 17, 33, 100, 130})
      for (const int k : {1, 17, 33, 100, 130}) expect_correct({m, n, k});
}

// Even K and N (4-byte loads), several blocks, and more K slices than buffers, so both LDS
// buffers are reused; K = 100 and 130 end in a partial slice.
TEST(GemmDot2Emulated, AlignedShapesAcrossBlocksAndSlices) {
  expect_correct({128, 128, 64});
  expect_correct({257, 136, 224});
  expect_correct({130, 264, 100});
  expect_correct({33, 130, 130});
}

TEST(GemmDot2Emulated, AlphaAndBetaReadC) {
  expect_correct({130, 136, 48, kAlpha1, kBeta1});
  expect_correct({33, 65, 17, kAlpha2, kBeta2});
}

// The test has teeth: a K pair multiplied crosswise (B's word packed the wrong way round), or
// every odd K position lost, give wrong numbers here.
TEST(GemmDot2Emulated, CrossedPairIsCaught) {
  const Problem p{64, 64, 32};
  EXPECT_GT(wrong_elements(p, run(p, Fault::pair_halves_crossed)), 0u);
}

TEST(GemmDot2Emulated, DroppedHalfIsCaught) {
  const Problem p{17, 33, 17};
  EXPECT_GT(wrong_elements(p, run(p, Fault::high_half_dropped)), 0u);
}

}  // namespace
