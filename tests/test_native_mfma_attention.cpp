// attention_mfma (kernels/hip/attention_mfma.hip) in the attention workload's native tier,
// without a GPU: the devices it takes (CDNA: gfx908, gfx90a, gfx942) and the reason
// elsewhere (gfx906, RDNA, another plugin), the head-dim bound, its launch geometry and LDS,
// and its compile variants with the instructions the hiprtc check looks for.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/native_attention.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

using test::amd_gpu;
using test::cuda_gpu;

const NativeAttentionKernel& attention_mfma() {
  for (const auto& k : native_attention_kernels())
    if (k.name == "attention_mfma") return k;
  throw std::runtime_error("attention_mfma is not in the native attention table");
}

AttentionShape shape(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s, std::int64_t d, bool causal = false) {
  AttentionShape a;
  a.b = b, a.h = h, a.h_kv = h_kv, a.s_q = s, a.s_kv = s, a.d = d, a.causal = causal;
  return a;
}

std::optional<std::string> why_not(const std::string& backend, const DeviceInfo& d, DType dtype, const AttentionShape& s) {
  return native_attention_can_implement(attention_mfma(), backend, d, dtype, s);
}

TEST(NativeMfmaAttention, CdnaArchsChooseIt) {
  for (const std::string arch : {"gfx908", "gfx90a", "gfx942", "gfx90a:sramecc+:xnack-"}) {
    SCOPED_TRACE(arch);
    for (const DType dtype : {DType::fp16, DType::bf16}) {
      std::string why;
      const auto choice = choose_native_attention("hip", amd_gpu(arch), dtype, shape(2, 32, 8, 1024, 128, true), why);
      ASSERT_TRUE(choice) << why;
      EXPECT_EQ(choice->kernel, &attention_mfma());
      EXPECT_EQ(choice->head_dim, 128);
    }
  }
  // D a multiple of 4 (8-byte loads), not of 8 as cp.async wants.
  std::string why;
  const auto choice = choose_native_attention("hip", amd_gpu("gfx942"), DType::fp16, shape(1, 1, 1, 17, 20), why);
  ASSERT_TRUE(choice) << why;
  EXPECT_EQ(choice->head_dim, 64);
}

TEST(NativeMfmaAttention, OtherArchsAndBackendsGetTheReason) {
  const std::string needs = "attention_mfma needs AMD matrix cores (MFMA: gfx908, gfx90a, gfx942); ";
  const AttentionShape s = shape(1, 8, 8, 1024, 64);
  EXPECT_EQ(why_not("hip", amd_gpu("gfx906"), DType::fp16, s), needs + "gfx906 (MI50 / Hygon Z100) has no MFMA");
  EXPECT_EQ(why_not("hip", amd_gpu("gfx1100"), DType::fp16, s), needs + "device arch is gfx1100");
  EXPECT_EQ(why_not("cuda", cuda_gpu("sm_90a"), DType::fp16, s),
            "no native hip kernel for this device (cuda backend, arch sm_90a)");
  EXPECT_EQ(why_not("hip", amd_gpu("gfx90a"), DType::fp32, s), "attention_mfma has no fp32 variant (fp16, bf16 only)");
  // The hip table has a kernel, so the chooser reports only its reason, not the CUDA one's.
  std::string why;
  EXPECT_FALSE(choose_native_attention("hip", amd_gpu("gfx1100"), DType::bf16, s, why));
  EXPECT_EQ(why, needs + "device arch is gfx1100");
}

TEST(NativeMfmaAttention, HeadDimAboveTheBoundOrUnalignedIsRefused) {
  EXPECT_EQ(why_not("hip", amd_gpu("gfx90a"), DType::fp16, shape(1, 1, 1, 17, 256)),
            "attention_mfma is compiled for D up to 128; D = 256");
  EXPECT_EQ(why_not("hip", amd_gpu("gfx90a"), DType::fp16, shape(1, 1, 1, 17, 129)),
            "attention_mfma is compiled for D up to 128; D = 129");
  EXPECT_EQ(native_attention_head_dim(attention_mfma(), 65), 128);
  EXPECT_EQ(why_not("hip", amd_gpu("gfx90a"), DType::fp16, shape(1, 1, 1, 17, 30)),
            "attention_mfma needs D a multiple of 4 (rows of 8-byte chunks); D = 30");
}

TEST(NativeMfmaAttention, GeometryMatchesTheKernel) {
  const NativeAttentionKernel& k = attention_mfma();
  // 2 wavefronts of 64 lanes, 32 query rows each (ATTN_MFMA_WARPS, the MFMA's 32 columns).
  EXPECT_EQ(native_attention_threads(k), 128);
  EXPECT_EQ(native_attention_block_q(k), 64);
  // K (64, HEAD_DIM + 4) and Vᵀ (HEAD_DIM, 64 + 4), 2 bytes each, as the kernel's header says.
  EXPECT_EQ(native_attention_shared_bytes(k, 128), 34304u);
  EXPECT_EQ(native_attention_shared_bytes(k, 64), 17408u);
  const nlohmann::json rec = native_attention_kernel_json({&k, 64}, CaseSpec{});
  EXPECT_EQ(rec["config"]["name"], "hd64");
  EXPECT_EQ(rec["config"]["block_q"], 64);
  EXPECT_EQ(rec["config"]["wave_size"], 64);
  EXPECT_EQ(rec["shared_bytes"], 17408);
  EXPECT_EQ(rec["defines"]["ATTN_MFMA_HEAD_DIM"], "64");
  EXPECT_EQ(rec["defines"]["ATTN_MFMA_WARPS"], "2");
  EXPECT_EQ(rec["defines"]["ATTN_MFMA_BLOCK_KV"], "64");
  EXPECT_EQ(rec["source"], "kernels/hip/attention_mfma.hip");
}

TEST(NativeMfmaAttention, VariantsPerArchWithTheirInstructions) {
  int seen = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "attention_mfma") continue;
    ++seen;
    SCOPED_TRACE(v.dtype + " " + v.config);
    EXPECT_EQ(v.backend, "hip");
    EXPECT_EQ(v.archs, (std::vector<std::string>{"gfx908", "gfx90a", "gfx942"}));
    const std::string mfma = v.dtype == "fp16" ? "v_mfma_f32_32x32x8f16" : "v_mfma_f32_32x32x8bf16_1k";
    EXPECT_EQ(native_required_instructions(v, "gfx90a"), (std::vector<std::string>{mfma, "ds_bpermute_b32", "v_exp_f32"}));
    // gfx908 has no "_1k" bf16 MFMA: two 32x32x4bf16 instead, the other checks kept.
    const std::string mfma908 = v.dtype == "fp16" ? mfma : "v_mfma_f32_32x32x4bf16";
    EXPECT_EQ(native_required_instructions(v, "gfx908"),
              (std::vector<std::string>{mfma908, "ds_bpermute_b32", "v_exp_f32"}));
  }
  EXPECT_EQ(seen, 4);  // fp16, bf16 × hd64, hd128
}

TEST(NativeMfmaAttention, SourceComesWithTheMfmaPrelude) {
  const std::string& src = native_kernel_source("attention_mfma");
  const std::size_t prelude = src.find("mfma_common: what the HIP MFMA kernels");
  const std::size_t kernel = src.find("attention_mfma(int B");
  ASSERT_NE(prelude, std::string::npos);
  ASSERT_NE(kernel, std::string::npos);
  EXPECT_LT(prelude, kernel);
  EXPECT_NE(native_kernel_source("gemm_mfma").find("mfma_common: what the HIP MFMA kernels"), std::string::npos);
}

}  // namespace
}  // namespace suanli
