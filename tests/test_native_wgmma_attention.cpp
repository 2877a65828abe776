// attention_wgmma without a GPU: where the native tier chooses it (sm_90a only, ahead of
// attention_mma_sync) and the reasons elsewhere, the user's --native-kernel choice, its head-dim
// and dtype limits, its TMA launch (tensor-map arguments, grid, 384 threads, shared memory with
// the swizzle slack) and compile variants.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/case_spec.h"
#include "harness/dtype.h"
#include "harness/native_attention.h"
#include "harness/native_gemm.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

using test::cuda_gpu;

const NativeAttentionKernel& attention_wgmma() {
  for (const auto& k : native_attention_kernels())
    if (k.name == "attention_wgmma") return k;
  throw std::runtime_error("attention_wgmma is not in the native attention table");
}

AttentionShape shape(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s_q, std::int64_t s_kv, std::int64_t d,
                     bool causal = false) {
  AttentionShape a;
  a.b = b, a.h = h, a.h_kv = h_kv, a.s_q = s_q, a.s_kv = s_kv, a.d = d, a.causal = causal;
  return a;
}

std::optional<std::string> why_not(const DeviceInfo& d, DType dtype, const AttentionShape& s) {
  return native_attention_can_implement(attention_wgmma(), "cuda", d, dtype, s);
}

std::string chosen(const DeviceInfo& d, DType dtype, const AttentionShape& s, const std::string& only = "") {
  std::string why;
  const auto c = choose_native_attention("cuda", d, dtype, s, why, only);
  return c ? c->kernel->name : "none: " + why;
}

// The device infos the CUDA plugin reports for an H100 and an H200 (132 SMs, sm_90a).
DeviceInfo hopper(const std::string& name) {
  DeviceInfo d = cuda_gpu("sm_90a", 132);
  d.name = name;
  return d;
}

TEST(NativeWgmmaAttention, HopperChoosesItElsewhereAttentionMmaSyncRuns) {
  for (const DeviceInfo& d : {hopper("NVIDIA H100 80GB HBM3"), hopper("NVIDIA H200")})
    for (DType dtype : {DType::fp16, DType::bf16}) {
      EXPECT_EQ(chosen(d, dtype, shape(2, 32, 8, 4096, 4096, 128, true)), "attention_wgmma") << d.name;
      EXPECT_EQ(chosen(d, dtype, shape(1, 8, 8, 1024, 1024, 64)), "attention_wgmma") << d.name;
    }
  // The table's order is the choice: attention_wgmma first, attention_mma_sync after it.
  const auto& table = native_attention_kernels();
  const auto at = [&](const std::string& name) {
    return std::find_if(table.begin(), table.end(), [&](const NativeAttentionKernel& k) { return k.name == name; });
  };
  EXPECT_LT(at("attention_wgmma"), at("attention_mma_sync"));
  for (const char* arch : {"sm_80", "sm_89", "sm_90", "sm_100a", "sm_120"})
    EXPECT_EQ(chosen(cuda_gpu(arch), DType::bf16, shape(1, 8, 8, 1024, 1024, 128)), "attention_mma_sync") << arch;
}

TEST(NativeWgmmaAttention, ReasonsOffHopperAndForFp32) {
  EXPECT_EQ(why_not(cuda_gpu("sm_80"), DType::fp16, shape(1, 1, 1, 64, 64, 64)),
            "attention_wgmma needs sm_90 or later (wgmma); device is sm_80");
  for (const char* arch : {"sm_90", "sm_100a"}) {
    const auto why = why_not(cuda_gpu(arch), DType::fp16, shape(1, 1, 1, 64, 64, 64));
    ASSERT_TRUE(why.has_value()) << arch;
    EXPECT_NE(why->find("attention_wgmma runs on sm_90a only"), std::string::npos) << *why;
    EXPECT_NE(why->find(std::string("device is ") + arch), std::string::npos) << *why;
  }
  EXPECT_EQ(why_not(hopper("H100"), DType::fp32, shape(1, 1, 1, 64, 64, 64)),
            "attention_wgmma has no fp32 variant (fp16, bf16 only)");
  // fp32 on Hopper: neither native kernel, both reasons.
  const std::string fp32 = chosen(hopper("H100"), DType::fp32, shape(1, 1, 1, 64, 64, 64));
  EXPECT_NE(fp32.find("attention_wgmma has no fp32 variant"), std::string::npos) << fp32;
  EXPECT_NE(fp32.find("attention_mma_sync has no fp32 variant"), std::string::npos) << fp32;
}

TEST(NativeWgmmaAttention, HeadDimLimits) {
  const NativeAttentionKernel& k = attention_wgmma();
  EXPECT_EQ(k.head_dims, (std::vector<int>{64, 128}));
  const DeviceInfo h100 = hopper("H100");
  for (std::int64_t d : {8, 64, 72, 128}) EXPECT_EQ(why_not(h100, DType::bf16, shape(1, 1, 1, 17, 200, d)), std::nullopt) << d;
  EXPECT_EQ(why_not(h100, DType::bf16, shape(1, 1, 1, 17, 200, 136)), "attention_wgmma is compiled for D up to 128; D = 136");
  EXPECT_EQ(why_not(h100, DType::bf16, shape(1, 1, 1, 17, 200, 60)),
            "attention_wgmma needs D a multiple of 8 (rows of 16-byte chunks); D = 60");
  // TMA's 32-bit row coordinates over the 2-D views.
  const auto rows = why_not(h100, DType::bf16, shape(64, 64, 64, 1 << 20, 1024, 64));
  ASSERT_TRUE(rows.has_value());
  EXPECT_NE(rows->find("32-bit TMA coordinates"), std::string::npos) << *rows;
  // The user can pick either kernel on Hopper.
  EXPECT_EQ(chosen(h100, DType::fp16, shape(1, 8, 8, 1024, 1024, 64), "attention_mma_sync"), "attention_mma_sync");
  EXPECT_EQ(chosen(h100, DType::fp16, shape(1, 8, 8, 1024, 1024, 64), "attention_wgmma"), "attention_wgmma");
  EXPECT_EQ(chosen(cuda_gpu("sm_80"), DType::fp16, shape(1, 8, 8, 1024, 1024, 64), "attention_wgmma"),
            "none: attention_wgmma needs sm_90 or later (wgmma); device is sm_80");
}

TEST(NativeWgmmaAttention, LaunchGeometryAndSharedMemory) {
  const NativeAttentionKernel& k = attention_wgmma();
  EXPECT_TRUE(k.tma);
  EXPECT_EQ(native_attention_threads(k), 384);  // a producer and two consumer warpgroups
  EXPECT_EQ(native_attention_block_q(k), 128);
  // 1024 slack + Q (128 rows) + 2 stages × K and V (128 rows) of HEAD_DIM × 2 bytes + 9 mbarriers,
  // as the kernel's header says.
  EXPECT_EQ(native_attention_shared_bytes(k, 128), 1024u + (128 + 4 * 128) * 128 * 2 + 72);
  EXPECT_EQ(native_attention_shared_bytes(k, 128), 164936u);
  EXPECT_EQ(native_attention_shared_bytes(k, 64), 83016u);
  EXPECT_LE(native_attention_shared_bytes(k, 128), cuda_shared_optin_bytes(90));
  // Grid: (ceil(Sq / 128), H, B), as attention_mma_sync's with its own block_q.
  const AttentionShape s = shape(2, 4, 2, 130, 200, 72, true);
  const Dim3 grid = native_attention_grid(k, s);
  EXPECT_EQ(grid.x, 2u);
  EXPECT_EQ(grid.y, 4u);
  EXPECT_EQ(grid.z, 2u);
  // Arguments: the scalars, then q, k, v as tensor maps of the 2-D views, o as a buffer.
  int handles[4] = {};
  const Buffer q{&handles[0], 16}, kb{&handles[1], 16}, v{&handles[2], 16}, o{&handles[3], 16};
  const std::vector<KernelArg> args = native_attention_args(k, s, 0.125, q, kb, v, o);
  ASSERT_EQ(args.size(), 12u);
  EXPECT_EQ(args[0].kind, KernelArg::Kind::i32);
  EXPECT_EQ(args[6].kind, KernelArg::Kind::f32);
  const struct {
    std::size_t index;
    Buffer buffer;
    std::uint64_t rows;
    std::uint32_t box_rows;
  } maps[] = {{8, q, 2 * 4 * 130, 128}, {9, kb, 2 * 2 * 200, 128}, {10, v, 2 * 2 * 200, 128}};
  for (const auto& m : maps) {
    SCOPED_TRACE(m.index);
    const KernelArg& a = args[m.index];
    ASSERT_EQ(a.kind, KernelArg::Kind::tensor_map_2d);
    EXPECT_EQ(a.map.buffer.handle, m.buffer.handle);
    EXPECT_EQ(a.map.inner, 72u);
    EXPECT_EQ(a.map.outer, m.rows);
    EXPECT_EQ(a.map.box_inner, 64u);  // one 128-byte swizzle row
    EXPECT_EQ(a.map.box_outer, m.box_rows);
    EXPECT_EQ(a.map.swizzle_bytes, 128);
    EXPECT_EQ(a.map.element_bytes, 2);
  }
  EXPECT_EQ(args[11].kind, KernelArg::Kind::buffer);
  // attention_mma_sync keeps its pointers.
  for (const auto& other : native_attention_kernels()) {
    if (other.name != "attention_mma_sync") continue;
    EXPECT_EQ(native_attention_args(other, s, 0.125, q, kb, v, o)[8].kind, KernelArg::Kind::buffer);
  }
  // The record says how it launches.
  const nlohmann::json rec = native_attention_kernel_json({&k, 64}, CaseSpec{});
  EXPECT_EQ(rec["threads"], 384);
  EXPECT_EQ(rec["shared_bytes"], 83016);
  EXPECT_EQ(rec["defines"]["ATTN_WGMMA_HEAD_DIM"], "64");
  EXPECT_EQ(rec["defines"]["ATTN_WGMMA_STAGES"], "2");
  EXPECT_EQ(rec["source"], "kernels/cuda/attention_wgmma.cu");
}

TEST(NativeWgmmaAttention, CompiledForSm90aOnlyWithItsInstructionsAndPrelude) {
  int seen = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "attention_wgmma") continue;
    ++seen;
    SCOPED_TRACE(v.dtype + " " + v.config);
    EXPECT_EQ(v.archs, std::vector<std::string>{"sm_90a"});
    const std::string t = ptx_type_name(v.dtype);
    for (const std::string& needed : {"wgmma.mma_async.sync.aligned.m64n128k16.f32." + t + "." + t,
                                      std::string("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"),
                                      std::string("setmaxnreg.inc.sync.aligned.u32"), std::string("shfl.sync.bfly")})
      EXPECT_NE(std::find(v.ptx_requires.begin(), v.ptx_requires.end(), needed), v.ptx_requires.end()) << needed;
    EXPECT_TRUE(v.config == "hd64" || v.config == "hd128");
  }
  EXPECT_EQ(seen, 4);  // fp16, bf16 × hd64, hd128
  const std::string& src = native_kernel_source("attention_wgmma");
  const std::size_t prelude = src.find("wgmma_common: the Hopper (sm_90a) building blocks");
  const std::size_t kernel = src.find("attention_wgmma(int B");
  ASSERT_NE(prelude, std::string::npos);
  ASSERT_NE(kernel, std::string::npos);
  EXPECT_LT(prelude, kernel);
}

}  // namespace
}  // namespace suanli
