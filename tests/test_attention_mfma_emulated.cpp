// kernels/hip/attention_mfma.hip run on the host: the kernel source itself (with its prelude
// kernels/hip/mfma_common.hip), compiled as C++ against the software wavefront of
// tests/gemm_mfma_emulation.h (the 32x32x8 / 32x32x4 MFMA layouts, ds_bpermute), one
// std::thread per work-item (tests/emulated_grid.h). Built per dtype, MFMA path and head-dim
// bound (SUANLI_DTYPE_*, __gfx908__, ATTN_MFMA_HEAD_DIM from CMake). The output goes through
// the harness's own fp64 check (tests/attention_emulated_check.h: verify_attention, every
// row) with the allowance the workload gives the native kernels, so what passes here is what
// a GPU run would call verified -- for the transposed products, the register reuse of P, the
// LDS staging, the online softmax with its cross-lane maximum, the masks and the edges; not
// for the instructions' hardware behaviour (no AMD GPU run yet).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tests/attention_emulated_check.h"
#include "tests/emulated_grid.h"
#include "tests/gemm_mfma_emulation.h"

// The dynamic LDS of the running block (C linkage: the kernel declares it extern inside its
// extern "C" body).
extern "C" {
alignas(16) unsigned char attention_mfma_lds[64 * 1024];
}

#include "kernels/hip/mfma_common.hip"
#include "kernels/hip/attention_mfma.hip"

namespace {

using attention_emulated_check::shape;
using gemm_mfma_emulation::Fault;
using gemm_mfma_emulation::machine;
using suanli::AttentionShape;

using attention_emulated_check::kDType;
#if defined(SUANLI_DTYPE_BF16) && defined(__gfx908__)
constexpr long long kInstructionsPerProduct = 2;  // two 32x32x4bf16 per 32x32x8 product
#else
constexpr long long kInstructionsPerProduct = 1;
#endif

struct Outcome {
  attention_emulated_check::Judged judged;
  long long mfma_calls = 0;
};

// The harness's grid, (ceil(Sq / BLOCK_Q), H, B): emulated_grid walks two dimensions, so its
// y runs over H × B and each work-item is given its (head, batch) as blockIdx.y, .z.
Outcome run(const AttentionShape& s, Fault fault = Fault::none, double scale_multiple = 1.0, std::uint64_t seed = 11) {
  static_assert(sizeof(attention_mfma_lds) >=
                (ATTN_MFMA_BLOCK_KV * ATTN_MFMA_K_PITCH + ATTN_MFMA_HEAD_DIM * ATTN_MFMA_V_PITCH) * 2);
  attention_emulated_check::Inputs in = attention_emulated_check::make_inputs(kDType, s, scale_multiple, seed);
  machine = {};
  machine.fault = fault;
  const auto grid_x = static_cast<unsigned>((s.s_q + ATTN_MFMA_BLOCK_Q - 1) / ATTN_MFMA_BLOCK_Q);
  const auto heads = static_cast<unsigned>(s.h), batch = static_cast<unsigned>(s.b);
  const auto i32 = [](std::int64_t x) { return static_cast<int>(x); };
  const auto* q = reinterpret_cast<const unsigned short*>(in.q.bytes.data());
  const auto* k = reinterpret_cast<const unsigned short*>(in.k.bytes.data());
  const auto* v = reinterpret_cast<const unsigned short*>(in.v.bytes.data());
  Outcome out;
  emulated_grid::run(
      grid_x, heads * batch, ATTN_MFMA_THREADS, 64,
      [&](emulated_grid::Block& block) {
        // LDS is garbage on a GPU: 0x7f bytes (fp16 NaN, bf16 3.4e38) show any unstaged read.
        std::memset(attention_mfma_lds, 0x7f, sizeof attention_mfma_lds);
        hip_emulation::block_barrier = &block.block_barrier;
        machine.wave_barriers = block.group_barrier_pointers();
        machine.waves.assign(machine.wave_barriers.size(), {});
      },
      [&](const emulated_grid::Block& block, unsigned tid) {
        hip_emulation::enter(block, tid, grid_x, heads * batch);
        hip_emulation::self.block = {block.x, block.y % heads, block.y / heads};
        hip_emulation::self.grid = {grid_x, heads, batch};
        attention_mfma(i32(s.b), i32(s.h), i32(s.h_kv), i32(s.s_q), i32(s.s_kv), i32(s.d), in.scale, s.causal ? 1 : 0, q, k,
                       v, in.o.data());
      },
      [&](const emulated_grid::Block&) {
        for (const auto& w : machine.waves) out.mfma_calls += w.calls;
      });
  out.judged = attention_emulated_check::judge(kDType, s, in, seed);
  return out;
}

Outcome expect_correct(const AttentionShape& s, double scale_multiple = 1.0) {
  SCOPED_TRACE(suanli::to_string(s) + ", scale x" + std::to_string(scale_multiple));
  const Outcome r = run(s, Fault::none, scale_multiple);
  EXPECT_TRUE(r.judged.check.ok) << r.judged.check.detail;
  EXPECT_EQ(r.judged.check.method.find("every"), 0u) << r.judged.check.method;  // a full check, not a sample
  EXPECT_EQ(r.judged.check.nonfinite_outputs, 0);
  EXPECT_TRUE(r.judged.guard_intact) << "written past O";
  return r;
}

// D as the bound, and a smaller D the same compile serves (zeros in LDS and Q; 84: runs of
// the K / V rows straddle the 8-byte boundaries of 16-element groups differently).
constexpr std::int64_t kFullD = ATTN_MFMA_HEAD_DIM;
constexpr std::int64_t kPartialD = ATTN_MFMA_HEAD_DIM == 64 ? 40 : 84;

// One block, one key tile: every wavefront issues D / 8 products per Sᵀ tile and
// HEAD_DIM / 32 per 8-key step of Oᵀ.
TEST(AttentionMfmaEmulated, OneTileEachWay) {
  const Outcome r = expect_correct(shape(1, 1, 1, ATTN_MFMA_BLOCK_Q, ATTN_MFMA_BLOCK_KV, kFullD, false));
  EXPECT_EQ(r.mfma_calls, ATTN_MFMA_WARPS * (ATTN_MFMA_S_TILES * ATTN_MFMA_D_STEPS + ATTN_MFMA_P_STEPS * ATTN_MFMA_O_TILES) *
                              kInstructionsPerProduct);
}

// A sharp softmax (scores spread over tens of units): the running maximum changes from
// tile to tile and the rescaling carries real weight.
TEST(AttentionMfmaEmulated, SharpSoftmax) { expect_correct(shape(1, 1, 1, 32, 200, kFullD, true), 8.0); }

// Sq != Skv, a partial query tile, three key tiles (the last partial), grouped query heads
// (2 query heads per kv head) and a batch of 2.
TEST(AttentionMfmaEmulated, GroupedHeadsAndPartialTiles) { expect_correct(shape(2, 2, 1, 17, 150, kPartialD, false)); }

// Causal, bottom-right aligned: Sq > Skv (rows and a whole block seeing no key), Sq < Skv.
TEST(AttentionMfmaEmulated, CausalMasks) {
  for (const AttentionShape& s : attention_emulated_check::causal_cases(kFullD, kPartialD)) expect_correct(s);
}

TEST(AttentionMfmaEmulated, SingleRowAndKey) { expect_correct(shape(1, 1, 1, 1, 1, 8, false)); }

// The test has teeth: the row maximum and sum taken over one half-wavefront's keys (the
// exchange with lane l ^ 32 skipped), or a B fragment whose K groups come from the wrong
// half-wavefront, fail the harness's check on a sharp softmax.
TEST(AttentionMfmaEmulated, FaultsAreCaught) {
  const AttentionShape s = shape(1, 1, 1, 32, 130, kFullD, false);
  for (const Fault f : {Fault::bpermute_skipped, Fault::b_k_groups_swapped}) {
    SCOPED_TRACE(static_cast<int>(f));
    EXPECT_FALSE(run(s, f, 8.0).judged.check.ok);
  }
}

// ... and at the scale a run verifies with (1/√D on the workload's data, whose Q is spread
// so the softmax is sharp: harness/attention_inputs.h).
TEST(AttentionMfmaEmulated, FaultsAreCaughtAtTheWorkloadsScale) {
  for (const AttentionShape& s : {shape(1, 1, 1, 32, 130, kFullD, false), shape(1, 2, 1, 17, 150, kPartialD, true)}) {
    SCOPED_TRACE(suanli::to_string(s));
    for (const Fault f : {Fault::bpermute_skipped, Fault::b_k_groups_swapped}) {
      SCOPED_TRACE(static_cast<int>(f));
      EXPECT_FALSE(run(s, f).judged.check.ok);
    }
  }
}

}  // namespace
