// kernels/cuda/gemm_wgmma.cu run on the host: the kernel source itself, compiled as C++
// against a software model of Hopper's TMA, mbarriers and wgmma (tests/wgmma_emulation.h),
// one std::thread per CUDA thread. Built once per dtype (fp16, bf16, fp8 from CMake). It
// proves the producer / consumer ring (phases across tiles of the persistent loop), the
// swizzled tile addressing the descriptors describe, the accumulator layout, zero-filled
// edges and guarded stores on odd shapes -- against the model, not a GPU (docs/PERFORMANCE.md:
// no GPU run yet).
#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <bit>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "tests/gemm_reference_check.h"
#include "tests/wgmma_emulation.h"

// The dynamic shared memory of the running block (C language linkage: see
// tests/test_gemm_mma_emulated.cpp). 1024-aligned, as the kernel's swizzled tiles need.
extern "C" {
alignas(1024) unsigned char gemm_smem[200 * 1024];
}

#include "kernels/cuda/wgmma_common.cuh"
#include "kernels/cuda/gemm_wgmma.cu"

namespace {

using wgmma_emulation::Fault;
using wgmma_emulation::model;

// In: A and B's storage word; Out: C's. Inputs are exact in their type; outputs rounded once.
#if defined(SUANLI_DTYPE_FP8)
using In = std::uint8_t;
using Out = float;
constexpr double kOutputUnitRoundoff = 1.0 / 16777216;  // fp32 C: 2^-24
constexpr Out kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr Out kGuardBits = 1234.5f;
In to_bits(float x) { return suanli::double_to_e4m3_bits(x); }
double in_value(In bits) { return suanli::e4m3_bits_to_double(bits); }
double out_value(Out x) { return x; }
#else
using In = unsigned short;
using Out = unsigned short;
#if defined(SUANLI_DTYPE_FP16)
constexpr double kOutputUnitRoundoff = 1.0 / 2048;  // fp16: 2^-11
constexpr Out kNaN = 0x7e00;
In to_bits(float x) { return mma_sync_emulation::float_to_half_bits(x); }
#else
constexpr double kOutputUnitRoundoff = 1.0 / 256;  // bf16: 2^-8
constexpr Out kNaN = 0x7fc0;
In to_bits(float x) { return mma_sync_emulation::float_to_bf16_bits(x); }
#endif
constexpr Out kGuardBits = 0x1234;
double in_value(In bits) { return mma_sync_emulation::elem_bits_to_float(bits); }
double out_value(Out bits) { return mma_sync_emulation::elem_bits_to_float(bits); }
#endif
constexpr std::size_t kGuard = 64;  // elements after C that must stay untouched
constexpr int kKMultiple = 16 / WGMMA_ELEM_BYTES;  // TMA's 16-byte rows

struct Problem {
  int m, n, k;
  float alpha = 1.0f, beta = 0.0f;
  unsigned sms = 3;  // persistent blocks: fewer than tiles, so blocks take several
};

struct Result {
  std::vector<In> a, b;  // a: (M, K), b: (K, N) row-major (the reference's layout)
  std::vector<In> b_device;  // b as the kernel reads it: (N, K)
  std::vector<Out> c_in, c;
  bool bad_barrier = false, bad_tma = false, bad_descriptor = false, stalled = false, misaligned_store = false;
};

TensorMap2d encode(const std::vector<In>& data, int rows, int k, int box_rows) {
  return wgmma_emulation::encode_tensor_map<TensorMap2d>(reinterpret_cast<const unsigned char*>(data.data()),
                                                         static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(k),
                                                         GEMM_WGMMA_BLOCK_K, static_cast<std::uint32_t>(box_rows));
}

Result run(const Problem& p, Fault fault = Fault::none, unsigned seed = 11) {
  Result r;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  gemm_reference_check::make_operands(p.m, p.n, p.k, p.beta != 0.0f, [&] { return to_bits(uniform(rng)); }, kNaN,
                                      kGuardBits, kGuard, r.a, r.b, r.c_in, r.c);
#if defined(SUANLI_DTYPE_FP8)
  if (p.beta != 0.0f)  // C drawn as values, not as the fp8 bits make_operands gives
    for (auto& x : r.c_in) x = uniform(rng);
  std::copy(r.c_in.begin(), r.c_in.end(), r.c.begin());
#endif
  r.b_device = gemm_reference_check::b_as_nk(r.b, p.k, p.n);
  const TensorMap2d a_map = encode(r.a, p.m, p.k, GEMM_WGMMA_BLOCK_M);
  const TensorMap2d b_map = encode(r.b_device, p.n, p.k, GEMM_WGMMA_BLOCK_N);

  model.barriers.clear();
  model.smem_bytes = sizeof gemm_smem;
  model.fault = fault;
  model.bad_barrier = model.bad_tma = model.bad_descriptor = model.stalled = model.misaligned_store = false;
  const unsigned tiles = static_cast<unsigned>(((p.m + GEMM_WGMMA_BLOCK_M - 1) / GEMM_WGMMA_BLOCK_M) *
                                               ((p.n + GEMM_WGMMA_BLOCK_N - 1) / GEMM_WGMMA_BLOCK_N));
  const unsigned grid = std::min(tiles, p.sms);
  for (unsigned bx = 0; bx < grid; ++bx) {
    model.barriers.clear();
    model.warpgroups.clear();
    for (int w = 0; w < GEMM_WGMMA_THREADS / 128; ++w) model.warpgroups.push_back(std::make_unique<std::barrier<>>(128));
    mma_sync_emulation::run_block(GEMM_WGMMA_THREADS, {bx, 0, 0}, {grid, 1, 1}, gemm_smem, sizeof gemm_smem, [&] {
      gemm_wgmma(p.m, p.n, p.k, p.alpha, p.beta, a_map, b_map, reinterpret_cast<wgmma_out_t*>(r.c.data()));
    });
  }
  r.bad_barrier = model.bad_barrier;
  r.bad_tma = model.bad_tma;
  r.bad_descriptor = model.bad_descriptor;
  r.stalled = model.stalled;
  r.misaligned_store = model.misaligned_store;
  return r;
}

std::size_t wrong_elements(const Problem& p, const Result& r) {
  const gemm_reference_check::Gemm<In, Out> g{p.m, p.n, p.k, p.alpha, p.beta, r.a, r.b, r.c_in, r.c};
  return gemm_reference_check::wrong_elements(g, {kOutputUnitRoundoff, 1e-30, 0, false}, in_value, out_value);
}

void expect_correct(const Problem& p) {
  ASSERT_EQ(p.k % kKMultiple, 0) << "TMA rows are 16-byte multiples";
  SCOPED_TRACE(std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k));
  const Result r = run(p);
  EXPECT_FALSE(r.bad_barrier);
  EXPECT_FALSE(r.bad_tma);
  EXPECT_FALSE(r.bad_descriptor);
  EXPECT_FALSE(r.stalled);
  EXPECT_FALSE(r.misaligned_store);
  EXPECT_EQ(wrong_elements(p, r), 0u);
  const std::size_t mn = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  for (std::size_t i = 0; i < kGuard; ++i) EXPECT_EQ(std::bit_cast<std::uint32_t>(static_cast<float>(out_value(r.c[mn + i]))),
                                                    std::bit_cast<std::uint32_t>(static_cast<float>(out_value(kGuardBits))));
}

TEST(GemmWgmmaEmulated, OneTileAndTheSmallestShape) {
  expect_correct({GEMM_WGMMA_BLOCK_M, GEMM_WGMMA_BLOCK_N, GEMM_WGMMA_BLOCK_K});
  expect_correct({1, 1, kKMultiple});
}

TEST(GemmWgmmaEmulated, PartialTilesAndAKTailAcrossAPersistentLoop) {
  // 2 x 2 tiles on 3 blocks (block 0 takes tiles 0 and 3: the ring's phases carry over);
  // K = one slice and a 16-byte tail.
  expect_correct({130, 260, GEMM_WGMMA_BLOCK_K + kKMultiple});
  // 3 x 2 tiles in GROUP_M order on 4 blocks, odd M and N.
  expect_correct({300, 300, 2 * kKMultiple, 1.0f, 0.0f, 4});
}

TEST(GemmWgmmaEmulated, LongKWrapsTheRingWithinATile) {
  expect_correct({64, 128, 9 * GEMM_WGMMA_BLOCK_K + kKMultiple, 1.0f, 0.0f, 1});
}

TEST(GemmWgmmaEmulated, AlphaAndBetaReadTheOldC) {
  expect_correct({100, 300, GEMM_WGMMA_BLOCK_K, 1.5f, -0.5f});
}

// An odd N: rows start at odd elements, so no column pair may be stored as one word (the
// model flags a misaligned paired store); the last column of each row is stored alone.
TEST(GemmWgmmaEmulated, AnOddNStoresElementByElement) {
  expect_correct({70, 257, GEMM_WGMMA_BLOCK_K, 1.5f, -0.5f});
}

// The check can fail: TMA writing plain rows while the descriptors say 128-byte swizzle (a
// layout disagreement between the copy and the multiply) gives wrong products.
TEST(GemmWgmmaEmulated, AnUnswizzledCopyIsCaught) {
  const Problem p{GEMM_WGMMA_BLOCK_M, GEMM_WGMMA_BLOCK_N, GEMM_WGMMA_BLOCK_K};
  const Result r = run(p, Fault::tma_unswizzled);
  EXPECT_GT(wrong_elements(p, r), static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n) / 2);
}

}  // namespace
