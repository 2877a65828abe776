// The attention workload's native tier without a GPU: which devices, dtypes and shapes
// attention_mma_sync takes (and the reason when it does not), the head-dim bound a case
// compiles with, its shared memory and compile variants, and its source with the prelude.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/native_attention.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

using test::cuda_gpu;
using test::pocl_cpu;

const NativeAttentionKernel& attention_mma() {
  for (const auto& k : native_attention_kernels())
    if (k.name == "attention_mma_sync") return k;
  throw std::runtime_error("attention_mma_sync is not in the native attention table");
}

AttentionShape shape(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s, std::int64_t d, bool causal = false) {
  AttentionShape a;
  a.b = b, a.h = h, a.h_kv = h_kv, a.s_q = s, a.s_kv = s, a.d = d, a.causal = causal;
  return a;
}

std::optional<std::string> why_not(const std::string& backend, const DeviceInfo& d, DType dtype, const AttentionShape& s) {
  return native_attention_can_implement(attention_mma(), backend, d, dtype, s);
}

bool starts_with(const std::optional<std::string>& text, const std::string& prefix) {
  return text && text->rfind(prefix, 0) == 0;
}

TEST(NativeAttention, OtherBackendsAndOlderGpusGetTheReason) {
  EXPECT_EQ(why_not("opencl", pocl_cpu(), DType::fp16, shape(1, 8, 8, 1024, 64)),
            "no native cuda kernel for this device (opencl backend, arch skylake-avx512)");
  EXPECT_TRUE(starts_with(why_not("cuda", cuda_gpu("sm_75"), DType::fp16, shape(1, 8, 8, 1024, 64)),
                          "attention_mma_sync needs sm_80 or later"));
  EXPECT_EQ(why_not("cuda", cuda_gpu("sm_90a"), DType::fp32, shape(1, 8, 8, 1024, 64)),
            "attention_mma_sync has no fp32 variant (fp16, bf16 only)");
  EXPECT_EQ(why_not("cuda", cuda_gpu("sm_80"), DType::bf16, shape(1, 8, 8, 1024, 64)), std::nullopt);
  EXPECT_EQ(why_not("cuda", cuda_gpu("sm_90a"), DType::fp16, shape(2, 32, 8, 4096, 128, true)), std::nullopt);
}

TEST(NativeAttention, HeadDimPicksTheSmallestBoundAndNeedsWholeChunks) {
  const NativeAttentionKernel& k = attention_mma();
  EXPECT_EQ(native_attention_head_dim(k, 8), 64);
  EXPECT_EQ(native_attention_head_dim(k, 64), 64);
  EXPECT_EQ(native_attention_head_dim(k, 72), 128);
  EXPECT_EQ(native_attention_head_dim(k, 128), 128);
  EXPECT_EQ(native_attention_head_dim(k, 136), std::nullopt);
  const DeviceInfo h100 = cuda_gpu("sm_90a");
  EXPECT_EQ(why_not("cuda", h100, DType::fp16, shape(1, 1, 1, 17, 80)), std::nullopt);
  EXPECT_EQ(why_not("cuda", h100, DType::fp16, shape(1, 1, 1, 17, 256)),
            "attention_mma_sync is compiled for D up to 128; D = 256");
  EXPECT_EQ(why_not("cuda", h100, DType::fp16, shape(1, 1, 1, 17, 20)),
            "attention_mma_sync needs D a multiple of 8 (rows of 16-byte chunks); D = 20");
  std::string why;
  // On sm_80 (on Hopper attention_wgmma comes first: tests/test_native_wgmma_attention.cpp).
  const auto choice = choose_native_attention("cuda", cuda_gpu("sm_80"), DType::bf16, shape(1, 1, 1, 17, 96), why);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->kernel, &k);
  EXPECT_EQ(choice->head_dim, 128);
  EXPECT_FALSE(choose_native_attention("opencl", pocl_cpu(), DType::fp16, shape(1, 1, 1, 17, 64), why));
  // No kernel is the OpenCL plugin's: one reason, naming the plugins the table is written for.
  EXPECT_EQ(why, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
}

TEST(NativeAttention, GridLimitsAreReasonsNotLaunchErrors) {
  const DeviceInfo h100 = cuda_gpu("sm_90a");
  EXPECT_TRUE(starts_with(why_not("cuda", h100, DType::fp16, shape(1, 65536, 1, 8, 64)), "attention_mma_sync launches one block row"));
  EXPECT_TRUE(starts_with(why_not("cuda", h100, DType::fp16, shape(65536, 1, 1, 8, 64)), "attention_mma_sync launches one block row"));
}

TEST(NativeAttention, SharedMemoryMatchesTheKernelsTiles) {
  const NativeAttentionKernel& k = attention_mma();
  EXPECT_EQ(native_attention_threads(k), 128);
  EXPECT_EQ(native_attention_block_q(k), 64);
  // (BLOCK_Q + 4 · BLOCK_KV) rows × (HEAD_DIM + 8) × 2 bytes, as the kernel's header says.
  EXPECT_EQ(native_attention_shared_bytes(k, 128), 87040u);
  EXPECT_EQ(native_attention_shared_bytes(k, 64), 46080u);
  // Both fit every sm_80+ opt-in limit (99 KiB is the smallest).
  EXPECT_EQ(why_not("cuda", cuda_gpu("sm_86"), DType::fp16, shape(1, 1, 1, 8, 128)), std::nullopt);
  const nlohmann::json rec = native_attention_kernel_json({&k, 128}, CaseSpec{});
  EXPECT_EQ(rec["config"]["name"], "hd128");
  EXPECT_EQ(rec["config"]["block_q"], 64);
  EXPECT_EQ(rec["shared_bytes"], 87040);
  EXPECT_EQ(rec["defines"]["ATTN_MMA_HEAD_DIM"], "128");
  EXPECT_EQ(rec["source"], "kernels/cuda/attention_mma_sync.cu");
}

TEST(NativeAttention, VariantsCoverEveryDtypeAndHeadDimWithTheirInstructions) {
  int seen = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "attention_mma_sync") continue;
    ++seen;
    SCOPED_TRACE(v.dtype + " " + v.config);
    const std::string t = v.dtype == "fp16" ? "f16" : "bf16";
    EXPECT_NE(std::find(v.ptx_requires.begin(), v.ptx_requires.end(),
                        "mma.sync.aligned.m16n8k16.row.col.f32." + t + "." + t + ".f32"),
              v.ptx_requires.end());
    EXPECT_NE(std::find(v.ptx_requires.begin(), v.ptx_requires.end(), "shfl.sync.bfly"), v.ptx_requires.end());
    EXPECT_TRUE(v.config == "hd64" || v.config == "hd128");
  }
  EXPECT_EQ(seen, 4);  // fp16, bf16 × hd64, hd128
}

TEST(NativeAttention, SourceComesWithItsPrelude) {
  const std::string& src = native_kernel_source("attention_mma_sync");
  const std::size_t prelude = src.find("mma_sync_common: what every mma.sync kernel");
  const std::size_t kernel = src.find("attention_mma_sync(int B");
  ASSERT_NE(prelude, std::string::npos);
  ASSERT_NE(kernel, std::string::npos);
  EXPECT_LT(prelude, kernel);
  // The GEMM kernel shares the same prelude; the prelude alone is no kernel.
  EXPECT_NE(native_kernel_source("gemm_mma_sync").find("mma_sync_common: what every mma.sync kernel"), std::string::npos);
  EXPECT_EQ(native_kernel_source("mma_sync_common").find("__global__"), std::string::npos);
}

}  // namespace
}  // namespace suanli
