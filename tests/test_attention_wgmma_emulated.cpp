// kernels/cuda/attention_wgmma.cu run on the host: the kernel source itself, compiled as C++
// against the software model of Hopper's TMA, mbarriers and wgmma (tests/wgmma_emulation.h),
// one std::thread per CUDA thread. Built once per dtype × head-dim bound (SUANLI_DTYPE_*,
// ATTN_WGMMA_HEAD_DIM from CMake). The output goes through the harness's own fp64 check
// (tests/attention_emulated_check.h: verify_attention, every row) with the allowance the
// workload gives the native kernels. What passes here proves the producer / consumer ring,
// the Q, K (K-major) and V (N-major) descriptors against the model's reading of the ISA, the
// register-A fragment of P, the online softmax and the masks -- against the model, not a GPU
// (docs/PERFORMANCE.md: compiled and emulated only).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tests/attention_emulated_check.h"
#include "tests/wgmma_emulation.h"

// The dynamic shared memory of the running block (C linkage: the kernel declares it extern
// inside its extern "C" body). 1024-aligned, as the swizzled tiles need.
extern "C" {
alignas(1024) unsigned char attention_smem[168 * 1024];
}

#include "kernels/cuda/wgmma_common.cuh"
#include "kernels/cuda/online_softmax.cuh"
#include "kernels/cuda/attention_wgmma.cu"

namespace {

using attention_emulated_check::kDType;
using attention_emulated_check::shape;
using suanli::AttentionShape;
using wgmma_emulation::Fault;
using wgmma_emulation::model;

static_assert(sizeof attention_smem >= 1024 + 2 * ATTN_WGMMA_HEAD_DIM * (ATTN_WGMMA_BLOCK_Q + 2 * ATTN_WGMMA_STAGES * ATTN_WGMMA_BLOCK_KV) +
                                           8 * (1 + 2 * ATTN_WGMMA_STAGES),
              "the kernel's shared-memory layout fits");

struct Outcome {
  suanli::VerifyResult check;
  bool bad_barrier = false, bad_tma = false, bad_descriptor = false, stalled = false, misaligned_store = false, guard_intact = true;
};

// A (rows, D) view of a tensor as the harness encodes it: boxes of (BLOCK rows, 64 columns),
// 128-byte swizzle.
TensorMap2d encode(const std::vector<unsigned char>& bytes, std::int64_t rows, std::int64_t d, int box_rows) {
  return wgmma_emulation::encode_tensor_map<TensorMap2d>(bytes.data(), static_cast<std::uint64_t>(rows),
                                                         static_cast<std::uint64_t>(d), ATTN_WGMMA_BOX_COLS,
                                                         static_cast<std::uint32_t>(box_rows));
}

// warp_fault: a fault of the warp model underneath (tests/mma_sync_emulation.h: the shuffles
// of the row maximum and sum).
Outcome run(const AttentionShape& s, Fault fault = Fault::none, double scale_multiple = 1.0, std::uint64_t seed = 11,
            mma_sync_emulation::Fault warp_fault = mma_sync_emulation::Fault::none) {
  attention_emulated_check::Inputs in = attention_emulated_check::make_inputs(kDType, s, scale_multiple, seed);
  // q: (B·H·Sq, D), k and v: (B·Hkv·Skv, D) as 2-D TMA views.
  const TensorMap2d q_map = encode(in.q.bytes, s.b * s.h * s.s_q, s.d, ATTN_WGMMA_BLOCK_Q);
  const TensorMap2d k_map = encode(in.k.bytes, s.b * s.h_kv * s.s_kv, s.d, ATTN_WGMMA_BLOCK_KV);
  const TensorMap2d v_map = encode(in.v.bytes, s.b * s.h_kv * s.s_kv, s.d, ATTN_WGMMA_BLOCK_KV);

  model.smem_bytes = sizeof attention_smem;
  model.fault = fault;
  mma_sync_emulation::machine.fault = warp_fault;
  model.bad_barrier = model.bad_tma = model.bad_descriptor = model.stalled = model.misaligned_store = false;
  const mma_sync_emulation::Dim3 grid{static_cast<unsigned>((s.s_q + ATTN_WGMMA_BLOCK_Q - 1) / ATTN_WGMMA_BLOCK_Q),
                                      static_cast<unsigned>(s.h), static_cast<unsigned>(s.b)};
  const auto i32 = [](std::int64_t x) { return static_cast<int>(x); };
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        model.barriers.clear();
        model.warpgroups.clear();
        for (int w = 0; w < ATTN_WGMMA_THREADS / 128; ++w) model.warpgroups.push_back(std::make_unique<std::barrier<>>(128));
        std::fill(std::begin(wgmma_emulation::wgmma_states), std::end(wgmma_emulation::wgmma_states), nullptr);
        mma_sync_emulation::run_block(ATTN_WGMMA_THREADS, {x, y, z}, grid, attention_smem, sizeof attention_smem, [&] {
          attention_wgmma(i32(s.b), i32(s.h), i32(s.h_kv), i32(s.s_q), i32(s.s_kv), i32(s.d), in.scale, s.causal ? 1 : 0,
                          q_map, k_map, v_map, reinterpret_cast<wgmma_out_t*>(in.o.data()));
        });
        named_barriers_settled();
      }

  mma_sync_emulation::machine.fault = mma_sync_emulation::Fault::none;
  Outcome out;
  out.bad_barrier = model.bad_barrier;
  out.bad_tma = model.bad_tma;
  out.bad_descriptor = model.bad_descriptor;
  out.stalled = model.stalled;
  out.misaligned_store = model.misaligned_store;
  const attention_emulated_check::Judged judged = attention_emulated_check::judge(kDType, s, in, seed);
  out.check = judged.check;
  out.guard_intact = judged.guard_intact;
  return out;
}

void expect_correct(const AttentionShape& s, double scale_multiple = 1.0) {
  SCOPED_TRACE(suanli::to_string(s) + ", scale x" + std::to_string(scale_multiple));
  const Outcome r = run(s, Fault::none, scale_multiple);
  EXPECT_TRUE(r.check.ok) << r.check.detail;
  EXPECT_EQ(r.check.method.find("every"), 0u) << r.check.method;  // a full check, not a sample
  EXPECT_EQ(r.check.nonfinite_outputs, 0);
  EXPECT_FALSE(r.bad_barrier);
  EXPECT_FALSE(r.bad_tma);
  EXPECT_FALSE(r.bad_descriptor);
  EXPECT_FALSE(r.stalled);
  EXPECT_FALSE(r.misaligned_store);
  EXPECT_TRUE(r.guard_intact) << "written past O";
}

// D as the bound, and a smaller D (a multiple of 8, not of 16 or 64) the same compile serves:
// TMA's zero columns, never stored.
constexpr std::int64_t kFullD = ATTN_WGMMA_HEAD_DIM;
constexpr std::int64_t kPartialD = ATTN_WGMMA_HEAD_DIM == 64 ? 40 : 72;

TEST(AttentionWgmmaEmulated, OneTileEachWay) { expect_correct(shape(1, 1, 1, 128, 128, kFullD, false)); }

// Two query tiles (Sq = 130: the second with 2 rows, the first's box running into the next
// head), Skv = 200 (a partial key tile whose box runs into the next kv head), grouped heads
// (H = 4 on Hkv = 2), a batch of 2, and a sharp softmax: the running maximum moves from tile
// to tile and the rescaling carries weight.
TEST(AttentionWgmmaEmulated, SharpGroupedHeadsAcrossTiles) {
  expect_correct(shape(2, 4, 2, 130, 200, kFullD, false), 8.0);
}

// Five key tiles through the two-stage ring (each stage refilled twice): a stage handed back
// before the P·V that reads it has completed shows here as V rows of a later tile.
TEST(AttentionWgmmaEmulated, LongKeyWalkWrapsTheRing) { expect_correct(shape(1, 1, 1, 64, 600, kFullD, false), 8.0); }

// Skv < Sq: one partial key tile for many queries; the odd D.
TEST(AttentionWgmmaEmulated, FewerKeysThanQueries) { expect_correct(shape(1, 2, 1, 140, 60, kPartialD, false)); }

// Causal, bottom-right aligned (the cases every native attention kernel runs), plus one where
// a whole 128-row query tile sees no key (Sq = 300, Skv = 3: its block copies nothing and
// writes zeros) and a sharp one with grouped heads, Sq = 17 < Skv = 300 (three key tiles
// through the two-stage ring).
TEST(AttentionWgmmaEmulated, CausalMasks) {
  for (const AttentionShape& s : attention_emulated_check::causal_cases(kFullD, kPartialD)) expect_correct(s);
  expect_correct(shape(1, 1, 1, 300, 3, kPartialD, true));
  expect_correct(shape(2, 4, 2, 17, 300, kPartialD, true), 8.0);
}

TEST(AttentionWgmmaEmulated, SingleRows) {
  expect_correct(shape(1, 1, 1, 1, 1, 8, false));
  expect_correct(shape(1, 2, 1, 1, 129, kFullD, true), 8.0);
}

// The test has teeth: TMA writing plain rows under swizzled descriptors, or V's N-major
// descriptor read with LBO and SBO in each other's roles (the other reading of the ISA), or a
// row maximum taken over one lane instead of the row's four, fails the harness's check -- at
// the workload's own scale (its data spreads Q so the softmax is sharp,
// harness/attention_inputs.h) and on a sharper one still (scale x 8).
TEST(AttentionWgmmaEmulated, FaultsAreCaught) {
  const AttentionShape s = shape(1, 1, 1, 64, 256, kFullD, false);
  for (const double scale_multiple : {1.0, 8.0}) {
    SCOPED_TRACE("scale x" + std::to_string(scale_multiple));
    for (const Fault f : {Fault::tma_unswizzled, Fault::mn_major_offsets_swapped}) {
      SCOPED_TRACE(static_cast<int>(f));
      const Outcome r = run(s, f, scale_multiple);
      EXPECT_FALSE(r.check.ok) << r.check.method << "; worst error / tolerance " << r.check.worst_error_ratio;
    }
    const Outcome r = run(s, Fault::none, scale_multiple, 11, mma_sync_emulation::Fault::quad_reduction_skipped);
    EXPECT_FALSE(r.check.ok) << "lane-local row maximum: " << r.check.method << "; worst error / tolerance "
                             << r.check.worst_error_ratio;
  }
}

}  // namespace
