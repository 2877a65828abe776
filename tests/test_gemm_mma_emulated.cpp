// kernels/cuda/gemm_mma_sync.cu run on the host: the kernel source itself, compiled as C++
// against a software model of the warp-level instructions (tests/gemm_mma_emulation.h),
// one std::thread per CUDA thread. Built once per dtype × load path (SUANLI_DTYPE_*,
// GEMM_MMA_ROW_ALIGN8 from CMake). It proves the tiling, the cp.async pipeline, the fragment
// indexing, zero-filled edges and guarded stores on odd shapes — not the instructions'
// hardware behaviour, which only a GPU run shows (docs/PERFORMANCE.md: none yet).
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "tests/emulated_grid.h"
#include "tests/gemm_mma_emulation.h"
#include "tests/gemm_reference_check.h"

// The dynamic shared memory of the running block. The kernel declares it extern inside its
// extern "C" body, which gives it C language linkage (clang insists; gcc does not care).
extern "C" {
alignas(128) unsigned char gemm_smem[128 * 1024];
}

#include "kernels/cuda/gemm_mma_sync.cu"

namespace {

using gemm_mma_emulation::Fault;
using gemm_mma_emulation::machine;

#if defined(SUANLI_DTYPE_FP16)
constexpr double kOutputUnitRoundoff = 1.0 / 2048;  // fp16: 2^-11
constexpr unsigned short kNaN = 0x7e00;
unsigned short to_bits(float x) { return gemm_mma_emulation::float_to_half_bits(x); }
#else
constexpr double kOutputUnitRoundoff = 1.0 / 256;  // bf16: 2^-8
constexpr unsigned short kNaN = 0x7fc0;
unsigned short to_bits(float x) { return gemm_mma_emulation::float_to_bf16_bits(x); }
#endif
float to_float(unsigned short bits) { return gemm_mma_emulation::elem_bits_to_float(bits); }
constexpr bool kRowAligned = GEMM_MMA_ROW_ALIGN8 != 0;
constexpr std::size_t kGuard = 64;  // elements after C that must stay untouched

struct Problem {
  int m, n, k;
  float alpha = 1.0f, beta = 0.0f;
};

struct Result {
  std::vector<unsigned short> a, b, c_in, c;
  bool out_of_range_read = false, misaligned = false;
};

Result run(const Problem& p, Fault fault = Fault::none, unsigned seed = 7) {
  static_assert(sizeof(gemm_smem) >= GEMM_MMA_STAGES * (GEMM_MMA_A_STAGE + GEMM_MMA_B_STAGE) * 2);
  Result r;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const auto fill = [&](std::vector<unsigned short>& v, std::size_t n) {
    v.resize(n);
    for (auto& x : v) x = to_bits(uniform(rng));
  };
  fill(r.a, static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.k));  // a: (M, K) row-major
  fill(r.b, static_cast<std::size_t>(p.k) * static_cast<std::size_t>(p.n));  // b: (K, N) row-major
  const std::size_t mn = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  if (p.beta != 0.0f) {
    fill(r.c_in, mn);  // c: (M, N) row-major, read when beta != 0
  } else {
    r.c_in.assign(mn, kNaN);  // the harness's poison: must never be read
  }
  r.c = r.c_in;
  r.c.resize(mn + kGuard, 0x1234);

  machine = {};
  machine.smem = gemm_smem;
  machine.fault = fault;
  machine.readable = {{reinterpret_cast<const unsigned char*>(r.a.data()), reinterpret_cast<const unsigned char*>(r.a.data() + r.a.size())},
                      {reinterpret_cast<const unsigned char*>(r.b.data()), reinterpret_cast<const unsigned char*>(r.b.data() + r.b.size())}};
  const unsigned grid_x = static_cast<unsigned>((p.n + GEMM_MMA_BLOCK_N - 1) / GEMM_MMA_BLOCK_N);
  const unsigned grid_y = static_cast<unsigned>((p.m + GEMM_MMA_BLOCK_M - 1) / GEMM_MMA_BLOCK_M);
  emulated_grid::run(
      grid_x, grid_y, GEMM_MMA_THREADS, 32,
      [&](emulated_grid::Block& block) {
        // Shared memory starts as garbage on a GPU: NaN bytes here, so a read of anything the
        // kernel did not load shows up in C.
        std::memset(gemm_smem, 0x7f, sizeof gemm_smem);
        machine.block_barrier = &block.block_barrier;
        machine.warp_barriers = block.group_barrier_pointers();
        machine.warps.assign(machine.warp_barriers.size(), {});
      },
      [&](const emulated_grid::Block& block, unsigned tid) {
        gemm_mma_emulation::self = {};
        gemm_mma_emulation::self.thread = {tid, 0, 0};
        gemm_mma_emulation::self.block = {block.x, block.y, 0};
        gemm_mma_emulation::self.grid = {grid_x, grid_y, 1};
        gemm_mma_emulation::self.lane = static_cast<int>(tid % 32);
        gemm_mma_emulation::self.warp = static_cast<int>(tid / 32);
        gemm_mma_sync(p.m, p.n, p.k, p.alpha, p.beta, reinterpret_cast<const gemm_elem_t*>(r.a.data()),
                      reinterpret_cast<const gemm_elem_t*>(r.b.data()), reinterpret_cast<gemm_elem_t*>(r.c.data()));
      },
      [](const emulated_grid::Block&) {});
  r.out_of_range_read = machine.out_of_range_read;
  r.misaligned = machine.misaligned;
  return r;
}

// Elements of C off by more than one output rounding plus fp32 accumulation error.
std::size_t wrong_elements(const Problem& p, const Result& r) {
  return gemm_reference_check::wrong_elements({p.m, p.n, p.k, p.alpha, p.beta, r.a, r.b, r.c_in, r.c}, kOutputUnitRoundoff,
                                              1e-30, to_float);
}

void expect_correct(const Problem& p) {
  SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
  const Result r = run(p);
  EXPECT_FALSE(r.out_of_range_read);
  EXPECT_FALSE(r.misaligned);
  EXPECT_EQ(wrong_elements(p, r), 0u);
  const std::size_t mn = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  for (std::size_t i = mn; i < r.c.size(); ++i) ASSERT_EQ(r.c[i], 0x1234) << "written past C at " << i;
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

TEST(GemmMmaEmulated, AlphaAndBetaReadC) { expect_correct({130, 136, 48, 0.5f, 2.0f}); }

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
