// kernels/cuda/peak_mma_sync.cu (with its prelude, kernels/cuda/mma_sync_common.cuh) run on
// the host against tests/mma_sync_emulation.h, its output judged by the harness's own exact
// replay (verify_peak_mma with the layout the catalog names for the dtype: "mma_m16n8k16", or
// "mma_m16n8k32" for int8 and fp8) from the harness's own inputs (peak_mma_inputs): the
// kernel's fragment reads, its int32 accumulators (int8) and their fp32 stores, and the host's
// tables must all agree, to the bit. Built per dtype (fp16, bf16, int8, fp8). Against the
// model, not a GPU.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "harness/dtype.h"
#include "harness/native_peak.h"
#include "kernels/native_catalog.h"
#include "tests/mma_sync_emulation.h"

#include "kernels/cuda/mma_sync_common.cuh"
#include "kernels/cuda/peak_mma_sync.cu"

namespace {

using mma_sync_emulation::Fault;
using mma_sync_emulation::machine;

#if defined(SUANLI_DTYPE_FP16)
constexpr suanli::DType kDType = suanli::DType::fp16;
#elif defined(SUANLI_DTYPE_BF16)
constexpr suanli::DType kDType = suanli::DType::bf16;
#elif defined(SUANLI_DTYPE_INT8)
constexpr suanli::DType kDType = suanli::DType::int8;
#else
constexpr suanli::DType kDType = suanli::DType::fp8_e4m3;
#endif

// The tables the harness replays this dtype with, as the catalog names them.
const suanli::PeakFragmentLayout& layout() {
  for (const suanli::NativePeakKernel& k : suanli::native_peak_kernels())
    if (k.name == "peak_mma_sync") return suanli::peak_fragment_layout(suanli::native_peak_fragment_layout(k, suanli::to_string(kDType)));
  throw std::runtime_error("peak_mma_sync is not in the native peak table");
}

struct Launch {
  suanli::PeakMmaInputs in;
  std::vector<float> out;
  std::int64_t warps = 0;
};

// `blocks` blocks of PEAK_MMA_WARPS warps, `iterations` trips, limit `limit`, fault `fault`.
Launch launch(unsigned blocks, int iterations, float limit = -FLT_MAX, Fault fault = Fault::none) {
  Launch l;
  l.warps = static_cast<std::int64_t>(blocks) * PEAK_MMA_WARPS;
  l.in = suanli::peak_mma_inputs(kDType, PEAK_MMA_CHAINS, l.warps, 9, &layout());
  l.out.assign(l.in.c_init.size(), std::nanf(""));
  machine.fault = fault;
  unsigned char no_smem[16];  // the kernel keeps everything in registers
  for (unsigned b = 0; b < blocks; ++b)
    mma_sync_emulation::run_block(PEAK_MMA_WARPS * 32, {b, 0, 0}, {blocks, 1, 1}, no_smem, sizeof no_smem, [&] {
      peak_mma_sync(iterations, limit, l.in.a_frags.data(), l.in.b_frags.data(), l.in.c_init.data(), l.out.data());
    });
  machine.fault = Fault::none;
  return l;
}

suanli::VerifyResult check(const Launch& l, int iterations) {
  const suanli::PeakMmaCheckInput in{kDType,       PEAK_MMA_CHAINS, iterations, l.warps, &l.in.a_frags, &l.in.b_frags,
                                     &l.in.c_init, &l.out,          1,          512,     &layout()};
  return suanli::verify_peak_mma(in);
}

// 18 trips: the unrolled loop and its remainder; 2 blocks.
TEST(PeakMmaEmulated, TheExactReplayAgreesWithTheKernel) {
  EXPECT_EQ(layout().k, MMA_SYNC_K);
  const Launch l = launch(2, 18);
  const suanli::VerifyResult r = check(l, 18);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.elements_checked, static_cast<std::size_t>(l.warps) * PEAK_MMA_CHAINS * 32 * 4);
}

// The replay can fail: B's two registers read in each other's place (the K halves of B
// swapped), or a trip count the kernel did not run, give mismatches.
TEST(PeakMmaEmulated, ASwappedFragmentOrWrongTripCountIsCaught) {
  const Launch swapped = launch(1, 5, -FLT_MAX, Fault::b_fragment_halves_swapped);
  EXPECT_FALSE(check(swapped, 5).ok);
  const Launch l = launch(1, 5);
  EXPECT_FALSE(check(l, 6).ok);
  EXPECT_TRUE(check(l, 5).ok);
}

// The timed launch's limit: no accumulator sum reaches FLT_MAX, so nothing is stored.
TEST(PeakMmaEmulated, TheTimedLimitStoresNothing) {
  const Launch l = launch(1, 3, FLT_MAX);
  for (const float v : l.out) ASSERT_TRUE(std::isnan(v));
}

}  // namespace
