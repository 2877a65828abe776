// kernels/cuda/gemm_mma_sync.cu run on the host: the kernel source itself, compiled as C++
// against a software model of the warp-level instructions (tests/mma_sync_emulation.h),
// one std::thread per CUDA thread. Built once per dtype × load path (SUANLI_DTYPE_*,
// GEMM_MMA_ROWS_16B from CMake). It proves the tiling, the cp.async pipeline, the fragment
// indexing, zero-filled edges and guarded stores on odd shapes — not the instructions'
// hardware behaviour, which only a GPU run shows (docs/PERFORMANCE.md: none yet).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "tests/gemm_reference_check.h"
#include "tests/mma_sync_emulation.h"

// The dynamic shared memory of the running block. The kernel declares it extern inside its
// extern "C" body, which gives it C language linkage (clang insists; gcc does not care).
extern "C" {
alignas(128) unsigned char gemm_smem[128 * 1024];
}

#include "kernels/cuda/mma_sync_common.cuh"
#include "kernels/cuda/gemm_mma_sync.cu"

namespace {

using mma_sync_emulation::Fault;
using mma_sync_emulation::machine;

// Inputs are exact in their type except tf32's: fp32 data rounded to 10 fraction bits in
// the tensor cores (kInputUnitRoundoff per operand); outputs are rounded once; int8 is exact.
// OutBits: C's storage word (int8 writes int32).
#if defined(SUANLI_DTYPE_FP16)
using OutBits = mma_bits_t;
constexpr double kInputUnitRoundoff = 0;
constexpr double kOutputUnitRoundoff = 1.0 / 2048;  // fp16: 2^-11
constexpr OutBits kNaN = 0x7e00;
mma_bits_t to_bits(float x) { return mma_sync_emulation::float_to_half_bits(x); }
double to_value(mma_bits_t bits) { return mma_sync_emulation::elem_bits_to_float(bits); }
#elif defined(SUANLI_DTYPE_BF16)
using OutBits = mma_bits_t;
constexpr double kInputUnitRoundoff = 0;
constexpr double kOutputUnitRoundoff = 1.0 / 256;  // bf16: 2^-8
constexpr OutBits kNaN = 0x7fc0;
mma_bits_t to_bits(float x) { return mma_sync_emulation::float_to_bf16_bits(x); }
double to_value(mma_bits_t bits) { return mma_sync_emulation::elem_bits_to_float(bits); }
#elif defined(SUANLI_DTYPE_TF32)
using OutBits = mma_bits_t;
constexpr double kInputUnitRoundoff = 1.0 / 2048;  // tf32: 2^-11
constexpr double kOutputUnitRoundoff = 1.0 / 16777216;  // fp32: 2^-24
constexpr OutBits kNaN = 0x7fc00000u;
mma_bits_t to_bits(float x) { return std::bit_cast<mma_bits_t>(x); }
double to_value(mma_bits_t bits) { return std::bit_cast<float>(bits); }
#else
using OutBits = std::uint32_t;
constexpr double kInputUnitRoundoff = 0;
constexpr double kOutputUnitRoundoff = 0;
constexpr OutBits kNaN = 0x5a5a5a5au;  // no NaN in int32: a pattern no product here reaches
// Integers in [-16, 16], as the harness draws int8 data.
mma_bits_t to_bits(float x) { return static_cast<mma_bits_t>(static_cast<signed char>(std::lround(16.0f * x))); }
double to_value(mma_bits_t bits) { return static_cast<signed char>(bits); }
double to_value(OutBits bits) { return static_cast<std::int32_t>(bits); }
#endif
constexpr bool kExact = GEMM_MMA_B_NK != 0;  // int8: integer sums, compared exactly
constexpr bool kRowAligned = GEMM_MMA_ROWS_16B != 0;
constexpr std::size_t kGuard = 64;  // elements after C that must stay untouched
constexpr OutBits kGuardBits = 0x1234;

struct Problem {
  int m, n, k;
  float alpha = 1.0f, beta = 0.0f;
};

struct Result {
  std::vector<mma_bits_t> a, b;  // a: (M, K), b: (K, N) row-major (the reference's layout)
  std::vector<mma_bits_t> b_device;  // b as the kernel reads it: (N, K) for int8, else b
  std::vector<OutBits> c_in, c;
  bool out_of_range_read = false, misaligned = false, unrounded_tf32_operand = false;
};

Result run(const Problem& p, Fault fault = Fault::none, unsigned seed = 7) {
  static_assert(sizeof(gemm_smem) >= GEMM_MMA_STAGES * (GEMM_MMA_A_STAGE + GEMM_MMA_B_STAGE) * sizeof(mma_bits_t));
  Result r;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  gemm_reference_check::make_operands(p.m, p.n, p.k, p.beta != 0.0f, [&] { return to_bits(uniform(rng)); }, kNaN,
                                      kGuardBits, kGuard, r.a, r.b, r.c_in, r.c);
  r.b_device = GEMM_MMA_B_NK ? gemm_reference_check::b_as_nk(r.b, p.k, p.n) : r.b;

  machine = {};
  machine.fault = fault;
  machine.readable = {{reinterpret_cast<const unsigned char*>(r.a.data()), reinterpret_cast<const unsigned char*>(r.a.data() + r.a.size())},
                      {reinterpret_cast<const unsigned char*>(r.b_device.data()), reinterpret_cast<const unsigned char*>(r.b_device.data() + r.b_device.size())}};
  const unsigned grid_x = static_cast<unsigned>((p.n + GEMM_MMA_BLOCK_N - 1) / GEMM_MMA_BLOCK_N);
  const unsigned grid_y = static_cast<unsigned>((p.m + GEMM_MMA_BLOCK_M - 1) / GEMM_MMA_BLOCK_M);
  for (unsigned by = 0; by < grid_y; ++by) {
    for (unsigned bx = 0; bx < grid_x; ++bx) {
      mma_sync_emulation::run_block(GEMM_MMA_THREADS, {bx, by, 0}, {grid_x, grid_y, 1}, gemm_smem, sizeof gemm_smem, [&] {
        gemm_mma_sync(p.m, p.n, p.k, p.alpha, p.beta, reinterpret_cast<const mma_elem_t*>(r.a.data()),
                      reinterpret_cast<const mma_elem_t*>(r.b_device.data()), reinterpret_cast<mma_out_t*>(r.c.data()));
      });
    }
  }
  r.out_of_range_read = machine.out_of_range_read;
  r.misaligned = machine.misaligned;
  r.unrounded_tf32_operand = machine.unrounded_tf32_operand;
  return r;
}

// Elements of C off by more than one output rounding plus fp32 accumulation error.
std::size_t wrong_elements(const Problem& p, const Result& r) {
  const gemm_reference_check::Gemm<mma_bits_t, OutBits> g{p.m, p.n, p.k, p.alpha, p.beta, r.a, r.b, r.c_in, r.c};
  const auto in_value = [](mma_bits_t x) { return to_value(x); };
  const auto out_value = [](OutBits x) { return to_value(x); };
  return gemm_reference_check::wrong_elements(g, {kOutputUnitRoundoff, 1e-30, kInputUnitRoundoff, kExact}, in_value, out_value);
}

// The row-aligned path's shapes: K (and N, where B is (K, N)) multiples of the 16-byte
// chunk, rounded up here (int8's chunk is 16 elements; the shapes below are multiples of 8).
Problem on_this_path(Problem p) {
  const auto up = [](int x) { return (x + MMA_SYNC_CHUNK - 1) / MMA_SYNC_CHUNK * MMA_SYNC_CHUNK; };
  if (kRowAligned) {
    p.k = up(p.k);
    if (!GEMM_MMA_B_NK) p.n = up(p.n);
  }
  return p;
}

void expect_correct(const Problem& shape) {
  const Problem p = on_this_path(shape);
  SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
  const Result r = run(p);
  EXPECT_FALSE(r.out_of_range_read);
  EXPECT_FALSE(r.misaligned);
  EXPECT_FALSE(r.unrounded_tf32_operand);  // every tf32 operand went through cvt.rna
  EXPECT_EQ(wrong_elements(p, r), 0u);
  const std::size_t mn = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  for (std::size_t i = mn; i < r.c.size(); ++i) ASSERT_EQ(r.c[i], kGuardBits) << "written past C at " << i;
}

// Shapes this load path takes: the row-aligned path only runs with K and N multiples of 8
// (harness/native_gemm.cpp chooses the element-wise path otherwise).
TEST(GemmMmaEmulated, SquareTiles) { expect_correct({128, 128, 64}); }

TEST(GemmMmaEmulated, EdgesInEveryDimensionAndAWrappingRing) {
  // 7 K slices through 4 stages; partial blocks in M and N.
  if (kRowAligned) {
    expect_correct({257, 136, 224});
    expect_correct({8, 8, 8});
    expect_correct({130, 264, 40});
  } else {
    expect_correct({129, 257, 63});
    expect_correct({1, 1, 1});
    expect_correct({33, 7, 100});
    expect_correct({200, 130, 17});
  }
}

TEST(GemmMmaEmulated, FewerKSlicesThanStages) { expect_correct({64, 128, kRowAligned ? 16 : 5}); }

// More tile rows than GEMM_MMA_GROUP_M (8), with a short last group: the block order is a
// renumbering, so every tile must still be written exactly once (C starts as NaN).
TEST(GemmMmaEmulated, GroupedBlockOrderCoversEveryTile) { expect_correct({9 * 128 + 5, 3 * 128 - 8, 8}); }

// int8 takes integer alpha and beta (int32 scale, as cuBLASLt).
TEST(GemmMmaEmulated, AlphaAndBetaReadC) { expect_correct({130, 136, 48, kExact ? 3.0f : 0.5f, 2.0f}); }

// The test has teeth: a B fragment with its K halves swapped, or (row-aligned path) reading
// a stage before cp.async.wait_group, gives wrong numbers here.
TEST(GemmMmaEmulated, WrongFragmentLayoutIsCaught) {
  const Problem p{64, 64, 32};
  EXPECT_GT(wrong_elements(p, run(p, Fault::b_fragment_halves_swapped)), 0u);
}

TEST(GemmMmaEmulated, ReadingBeforeTheWaitIsCaught) {
  if (!kRowAligned) GTEST_SKIP() << "the element-wise path stores synchronously";
  const Problem p{64, 64, 128};
  EXPECT_GT(wrong_elements(p, run(p, Fault::no_wait_before_read)), 0u);
}

}  // namespace
