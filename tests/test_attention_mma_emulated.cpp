// kernels/cuda/attention_mma_sync.cu run on the host: the kernel source itself, compiled as
// C++ against the software warp of tests/mma_sync_emulation.h, one std::thread per CUDA
// thread. Built once per dtype × head-dim bound (SUANLI_DTYPE_*, ATTN_MMA_HEAD_DIM from
// CMake). The output goes through the harness's own fp64 check (verify_attention, every row
// of these small problems) with the allowance the workload gives this kernel, so what passes
// here is what a GPU run would call verified -- for the tiling, the pipeline, the fragment
// reuse, the online softmax and the masks; not for the instructions' hardware behaviour.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/attention_emulated_check.h"
#include "tests/mma_sync_emulation.h"

// The dynamic shared memory of the running block (C linkage: the kernel declares it extern
// inside its extern "C" body).
extern "C" {
alignas(128) unsigned char attention_smem[96 * 1024];
}

#include "kernels/cuda/mma_sync_common.cuh"
#include "kernels/cuda/online_softmax.cuh"
#include "kernels/cuda/attention_mma_sync.cu"

namespace {

using mma_sync_emulation::Fault;
using mma_sync_emulation::machine;
using suanli::AttentionShape;

using attention_emulated_check::kDType;
struct Outcome {
  suanli::VerifyResult check;
  bool out_of_range_read = false, misaligned = false, guard_intact = true;
};

using attention_emulated_check::shape;

const unsigned char* begin_of(const std::vector<unsigned char>& v) { return v.data(); }
const unsigned char* end_of(const std::vector<unsigned char>& v) { return v.data() + v.size(); }

Outcome run(const AttentionShape& s, Fault fault = Fault::none, double scale_multiple = 1.0, std::uint64_t seed = 11) {
  static_assert(sizeof(attention_smem) >= (ATTN_MMA_BLOCK_Q + 4 * ATTN_MMA_BLOCK_KV) * ATTN_MMA_PITCH * 2);
  attention_emulated_check::Inputs in = attention_emulated_check::make_inputs(kDType, s, scale_multiple, seed);
  const suanli::HostMatrix& q = in.q;
  const suanli::HostMatrix& k = in.k;
  const suanli::HostMatrix& v = in.v;

  machine = {};
  machine.fault = fault;
  machine.readable = {{begin_of(q.bytes), end_of(q.bytes)}, {begin_of(k.bytes), end_of(k.bytes)}, {begin_of(v.bytes), end_of(v.bytes)}};
  const mma_sync_emulation::Dim3 grid{static_cast<unsigned>((s.s_q + ATTN_MMA_BLOCK_Q - 1) / ATTN_MMA_BLOCK_Q),
                                      static_cast<unsigned>(s.h), static_cast<unsigned>(s.b)};
  const auto i32 = [](std::int64_t x) { return static_cast<int>(x); };
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x)
        mma_sync_emulation::run_block(ATTN_MMA_THREADS, {x, y, z}, grid, attention_smem, sizeof attention_smem, [&] {
          attention_mma_sync(i32(s.b), i32(s.h), i32(s.h_kv), i32(s.s_q), i32(s.s_kv), i32(s.d), in.scale, s.causal ? 1 : 0,
                             reinterpret_cast<const mma_elem_t*>(q.bytes.data()),
                             reinterpret_cast<const mma_elem_t*>(k.bytes.data()),
                             reinterpret_cast<const mma_elem_t*>(v.bytes.data()), reinterpret_cast<mma_elem_t*>(in.o.data()));
        });

  Outcome out;
  out.out_of_range_read = machine.out_of_range_read;
  out.misaligned = machine.misaligned;
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
  EXPECT_FALSE(r.out_of_range_read);
  EXPECT_FALSE(r.misaligned);
  EXPECT_TRUE(r.guard_intact) << "written past O";
}

// D as the bound, and the smaller D the same compile serves (zero-filled columns).
constexpr std::int64_t kFullD = ATTN_MMA_HEAD_DIM;
constexpr std::int64_t kPartialD = ATTN_MMA_HEAD_DIM == 64 ? 40 : 80;

TEST(AttentionMmaEmulated, OneTileEachWay) { expect_correct(shape(1, 1, 1, 64, 64, kFullD, false)); }

// A sharp softmax (scores spread over tens of units): the running maximum changes from
// tile to tile and the rescaling carries real weight.
TEST(AttentionMmaEmulated, SharpSoftmax) { expect_correct(shape(1, 1, 1, 32, 200, kFullD, true), 8.0); }

// Sq != Skv, a partial query tile, three key tiles through the two K / V buffers, grouped
// query heads (2 query heads per kv head) and a batch of 2.
TEST(AttentionMmaEmulated, GroupedHeadsAndPartialTiles) {
  expect_correct(shape(2, 2, 1, 17, 150, kPartialD, false));
}

// Causal, bottom-right aligned: Sq > Skv (rows and a whole block seeing no key), Sq < Skv.
TEST(AttentionMmaEmulated, CausalMasks) {
  for (const AttentionShape& s : attention_emulated_check::causal_cases(kFullD, kPartialD)) expect_correct(s);
}

TEST(AttentionMmaEmulated, SingleRowAndKey) { expect_correct(shape(1, 1, 1, 1, 1, 8, false)); }

// The test has teeth: a wrong fragment layout, a row reduction over one lane instead of
// four, or reading K / V before cp.async.wait_group fails the harness's check.
TEST(AttentionMmaEmulated, FaultsAreCaught) {
  const AttentionShape s = shape(1, 1, 1, 32, 130, kFullD, false);
  for (const Fault f : {Fault::b_fragment_halves_swapped, Fault::quad_reduction_skipped, Fault::no_wait_before_read}) {
    SCOPED_TRACE(static_cast<int>(f));
    EXPECT_FALSE(run(s, f, 8.0).check.ok);
  }
}

// ... and at the scale a run verifies with (1/√D on the workload's data): a lane-local row
// maximum moved bf16 O at D = 128 by less than the tolerance while the data's softmax was
// near-uniform (harness/attention_inputs.h says why Q is spread), so a GPU run at default
// settings would have called it verified.
TEST(AttentionMmaEmulated, FaultsAreCaughtAtTheWorkloadsScale) {
  for (const AttentionShape& s : {shape(1, 1, 1, 32, 130, kFullD, false), shape(1, 2, 1, 17, 150, kPartialD, true)}) {
    SCOPED_TRACE(suanli::to_string(s));
    EXPECT_FALSE(run(s, Fault::quad_reduction_skipped).check.ok);
    EXPECT_FALSE(run(s, Fault::b_fragment_halves_swapped).check.ok);
  }
}

}  // namespace
