// kernels/cuda/peak_wgmma.cu run on the host against tests/wgmma_emulation.h, its output judged
// by the harness's own exact replay (verify_peak_mma with the "wgmma_m64n128k16" tables, fp8
// "wgmma_m64n128k32") from the harness's own inputs (peak_mma_inputs): the kernel's tile
// stores, the descriptors, the accumulator layout and the host's tables must all agree, to
// the bit. Built per dtype (fp16, bf16, fp8). Against the model, not a GPU.
#include <gtest/gtest.h>

#include <barrier>
#include <cfloat>
#include <cmath>
#include <memory>
#include <vector>

#include "harness/native_peak.h"
#include "tests/wgmma_emulation.h"

// The dynamic shared memory of the running block (C language linkage: see
// tests/test_gemm_mma_emulated.cpp).
extern "C" {
alignas(1024) unsigned char peak_smem[4 * 24576 + 1024];  // up to 4 warpgroups
}

#include "kernels/cuda/wgmma_common.cuh"
#include "kernels/cuda/peak_wgmma.cu"

static_assert(sizeof peak_smem >= PEAK_WGMMA_WARPS * PEAK_WGMMA_GROUP_BYTES + 1024);

namespace {

using wgmma_emulation::model;

#if defined(SUANLI_DTYPE_FP16)
constexpr suanli::DType kDType = suanli::DType::fp16;
#elif defined(SUANLI_DTYPE_BF16)
constexpr suanli::DType kDType = suanli::DType::bf16;
#else
constexpr suanli::DType kDType = suanli::DType::fp8_e4m3;
#endif
// Elements per fragment word (two 16-bit, four e4m3) and the tables the harness replays with.
constexpr int kParts = 4 / WGMMA_ELEM_BYTES;
const suanli::PeakFragmentLayout& layout() {
  return kParts == 4 ? suanli::wgmma_m64n128k32_layout() : suanli::wgmma_m64n128k16_layout();
}

struct Launch {
  suanli::PeakMmaInputs in;
  std::vector<float> out;
  std::int64_t groups = 0;
  bool stalled = false, bad_descriptor = false;
};

// `blocks` blocks of PEAK_WGMMA_WARPS warpgroups, `iterations` trips, the verification limit.
Launch launch(unsigned blocks, int iterations) {
  Launch l;
  l.groups = static_cast<std::int64_t>(blocks) * PEAK_WGMMA_WARPS;
  l.in = suanli::peak_mma_inputs(kDType, PEAK_WGMMA_CHAINS, l.groups, 5, &layout());
  l.out.assign(l.in.c_init.size(), std::nanf(""));
  model.smem_bytes = sizeof peak_smem;
  model.stalled = model.bad_descriptor = false;
  for (unsigned b = 0; b < blocks; ++b) {
    model.warpgroups.clear();
    for (int w = 0; w < PEAK_WGMMA_WARPS; ++w) model.warpgroups.push_back(std::make_unique<std::barrier<>>(128));
    mma_sync_emulation::run_block(PEAK_WGMMA_WARPS * 128, {b, 0, 0}, {blocks, 1, 1}, peak_smem, sizeof peak_smem, [&] {
      peak_wgmma(iterations, -FLT_MAX, l.in.a_frags.data(), l.in.b_frags.data(), l.in.c_init.data(), l.out.data());
    });
  }
  l.stalled = model.stalled;
  l.bad_descriptor = model.bad_descriptor;
  return l;
}

suanli::VerifyResult check(const Launch& l, int iterations, const suanli::PeakFragmentLayout& layout) {
  const suanli::PeakMmaCheckInput in{kDType,    PEAK_WGMMA_CHAINS, iterations, l.groups, &l.in.a_frags, &l.in.b_frags,
                                     &l.in.c_init, &l.out,          1,          512,      &layout};
  return suanli::verify_peak_mma(in);
}

// 18 trips: the unrolled loop and its remainder; 2 blocks of 2 warpgroups.
TEST(PeakWgmmaEmulated, TheExactReplayAgreesWithTheKernel) {
  const Launch l = launch(2, 18);
  EXPECT_FALSE(l.stalled);
  EXPECT_FALSE(l.bad_descriptor);
  EXPECT_EQ(layout().k, WGMMA_K);
  const suanli::VerifyResult r = check(l, 18, layout());
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.elements_checked, static_cast<std::size_t>(l.groups) * PEAK_WGMMA_CHAINS * 128 * 64);
}

// The replay can fail: tables that read B's K index from the other element of each pair
// (halves, or bytes 0 and 1 and 2 and 3 for fp8), or a trip count the kernel did not run,
// give mismatches.
std::pair<int, int> b_parts_swapped(int lane, int word, int part) { return {kParts * word + (part ^ 1), lane}; }

TEST(PeakWgmmaEmulated, AWrongTableOrTripCountIsCaught) {
  const Launch l = launch(1, 5);
  suanli::PeakFragmentLayout wrong = layout();
  wrong.b_at = b_parts_swapped;
  EXPECT_FALSE(check(l, 5, wrong).ok);
  EXPECT_FALSE(check(l, 6, layout()).ok);
  EXPECT_TRUE(check(l, 5, layout()).ok);
}

}  // namespace
