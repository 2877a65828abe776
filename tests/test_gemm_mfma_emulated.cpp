// kernels/hip/gemm_mfma.hip run on the host: the kernel source itself, compiled as C++
// against a software model of the wavefront and its MFMA builtins (tests/gemm_mfma_emulation.h),
// one std::thread per work-item (tests/hip_gemm_emulated_run.h). Built per dtype and MFMA path
// (SUANLI_DTYPE_*, __gfx908__ for gfx908's two-instruction bf16 product, from CMake). It proves the tiling, the LDS
// double buffering, the fragment and accumulator indexing, zero-filled edges and guarded
// stores on odd shapes against an fp64 reference — not the hardware, which only an AMD GPU
// run shows (none yet).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "tests/gemm_mfma_emulation.h"
#include "tests/hip_gemm_emulated_run.h"

// The dynamic LDS of the running block. The kernel declares it extern inside its extern "C"
// body, which gives it C language linkage.
extern "C" {
alignas(16) unsigned char gemm_mfma_lds[64 * 1024];
}

#include "kernels/hip/mfma_common.hip"
#include "kernels/hip/gemm_mfma.hip"

namespace {

using gemm_mfma_emulation::Fault;
using gemm_mfma_emulation::machine;
using hip_gemm_emulated_run::Problem;

#if defined(SUANLI_DTYPE_FP16)
constexpr double kOutputUnitRoundoff = 1.0 / 2048;  // fp16: 2^-11
// Below 2^-14 fp16 is subnormal, with a fixed spacing of 2^-24: rounding there errs by up to
// half of that, however small the value (K = 1 products of inputs in [-1, 1] get there).
const double kOutputAbsoluteRoundoff = std::ldexp(1.0, -25);
constexpr unsigned short kNaN = 0x7e00;
#else
constexpr double kOutputUnitRoundoff = 1.0 / 256;  // bf16: 2^-8
const double kOutputAbsoluteRoundoff = std::ldexp(1.0, -134);  // bf16 has fp32's exponent range
constexpr unsigned short kNaN = 0x7fc0;
#endif
#if defined(SUANLI_DTYPE_BF16) && defined(__gfx908__)
constexpr int kInstructionsPerProduct = 2;  // two 32x32x4bf16 per 32x32x8 product
#else
constexpr int kInstructionsPerProduct = 1;
#endif

using Operands = hip_gemm_emulated_run::Operands<unsigned short, unsigned short>;
struct Result : Operands {
  long long mfma_calls = 0;
};

Result run(const Problem& p, Fault fault = Fault::none) {
  static_assert(sizeof(gemm_mfma_lds) >= 2 * (GEMM_MFMA_A_STAGE + GEMM_MFMA_B_STAGE) * 2);
  machine.fault = fault;
  long long calls = 0;
  const hip_gemm_emulated_run::Launch launch{GEMM_MFMA_BLOCK_M, GEMM_MFMA_BLOCK_N, GEMM_MFMA_THREADS, gemm_mfma_lds,
                                            sizeof gemm_mfma_lds};
  Result r;
  static_cast<Operands&>(r) = hip_gemm_emulated_run::run<unsigned short>(
      p, launch, [](std::mt19937& rng) { return to_elem(std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng)); }, kNaN,
      [&](emulated_grid::Block& block) {
        machine.wave_barriers = block.group_barrier_pointers();
        machine.waves.assign(machine.wave_barriers.size(), {});
      },
      [&](Operands& o) {
        gemm_mfma(p.m, p.n, p.k, p.alpha, p.beta, o.a.data(), o.b.data(), o.c.data());
      },
      [&](const emulated_grid::Block&) {
        for (const auto& w : machine.waves) calls += w.calls;
      });
  r.mfma_calls = calls;
  return r;
}

std::size_t wrong_elements(const Problem& p, const Result& r) {
  return hip_gemm_emulated_run::wrong_elements(p, static_cast<const Operands&>(r),
                                               {kOutputUnitRoundoff, kOutputAbsoluteRoundoff}, from_elem, from_elem);
}

void expect_correct(const Problem& p) {
  SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
  const Result r = run(p);
  EXPECT_EQ(wrong_elements(p, r), 0u);
  EXPECT_EQ(hip_gemm_emulated_run::first_written_guard(p, static_cast<const Operands&>(r)), r.c.size())
      << "written past C";
  // Every block, every wavefront, every K slice: (BLOCK_K / 8) × tiles products each.
  const long long blocks = static_cast<long long>((p.m + GEMM_MFMA_BLOCK_M - 1) / GEMM_MFMA_BLOCK_M) *
                           ((p.n + GEMM_MFMA_BLOCK_N - 1) / GEMM_MFMA_BLOCK_N);
  const long long slices = (p.k + GEMM_MFMA_BLOCK_K - 1) / GEMM_MFMA_BLOCK_K;
  EXPECT_EQ(r.mfma_calls, blocks * (GEMM_MFMA_THREADS / 64) * slices * (GEMM_MFMA_BLOCK_K / 8) * GEMM_MFMA_TILES_M *
                              GEMM_MFMA_TILES_N * kInstructionsPerProduct);
}

// The shapes of the brief: 1, 33, 65, 100 in every dimension (odd: element-wise loads and
// partial runs; K shorter than one slice, or a tail in the last one).
TEST(GemmMfmaEmulated, OddShapes) {
  for (const int m : {1, 33, 65, 100})
    for (const int n : {1, 33, 100})
      for (const int k : {1, 65, 100}) expect_correct({m, n, k});
}

// Aligned runs (8-byte loads), several blocks in M and N with partial edges, and more K
// slices than buffers, so both LDS buffers are reused.
TEST(GemmMfmaEmulated, AlignedShapesAcrossBlocksAndSlices) {
  expect_correct({128, 128, 64});
  expect_correct({257, 136, 224});
  expect_correct({130, 264, 40});
}

TEST(GemmMfmaEmulated, AlphaAndBetaReadC) {
  expect_correct({130, 136, 48, 0.5f, 2.0f});
  expect_correct({33, 65, 17, -1.0f, 0.25f});
}

// The test has teeth: B's K groups from the wrong half-wavefront, or D read transposed (an
// epilogue written for another layout), give wrong numbers here.
TEST(GemmMfmaEmulated, WrongBLayoutIsCaught) {
  const Problem p{64, 64, 32};
  EXPECT_GT(wrong_elements(p, run(p, Fault::b_k_groups_swapped)), 0u);
}

TEST(GemmMfmaEmulated, WrongAccumulatorLayoutIsCaught) {
  const Problem p{64, 64, 32};
  EXPECT_GT(wrong_elements(p, run(p, Fault::d_transposed)), 0u);
}

}  // namespace
