// gemm_wgmma without a GPU: where the native tier chooses it (sm_90a only) and where it falls
// back to gemm_mma_sync, the user's --native-kernel choice, its TMA launch (tensor-map
// arguments, persistent grid, shared memory with the swizzle slack) and compile variants.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/case_spec.h"
#include "harness/dtype.h"
#include "harness/native_gemm.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

using test::cuda_gpu;

GemmShape shape(std::int64_t m, std::int64_t n, std::int64_t k) { return GemmShape{m, n, k, ""}; }

const NativeGemmKernel& wgmma(const std::string& dtype) {
  for (const auto& k : native_gemm_kernels())
    if (k.name == "gemm_wgmma" && std::find(k.dtypes.begin(), k.dtypes.end(), dtype) != k.dtypes.end()) return k;
  throw std::runtime_error("no gemm_wgmma row for " + dtype);
}

std::string chosen(const DeviceInfo& d, DType dtype, const GemmShape& s, const std::string& only = "") {
  std::string why;
  const auto c = choose_native_gemm("cuda", d, dtype, s, why, only);
  return c ? c->kernel->name : "none: " + why;
}

TEST(NativeWgmma, HopperChoosesItElsewhereGemmMmaSyncRuns) {
  for (DType dtype : {DType::fp16, DType::bf16, DType::fp8_e4m3})
    EXPECT_EQ(chosen(cuda_gpu("sm_90a"), dtype, shape(8192, 8192, 8192)), "gemm_wgmma") << to_string(dtype);
  for (const char* arch : {"sm_80", "sm_89", "sm_90", "sm_100a", "sm_120"})
    EXPECT_EQ(chosen(cuda_gpu(arch), DType::bf16, shape(4096, 4096, 4096)), "gemm_mma_sync") << arch;
  // Blackwell has no wgmma: the reason names the one arch it runs on.
  const auto blackwell = native_gemm_can_implement(wgmma("bf16"), "cuda", cuda_gpu("sm_100a"), DType::bf16, shape(64, 64, 64));
  ASSERT_TRUE(blackwell.has_value());
  EXPECT_NE(blackwell->find("runs on sm_90a only"), std::string::npos) << *blackwell;
  EXPECT_NE(blackwell->find("device is sm_100a"), std::string::npos) << *blackwell;
  // fp8 has no mma.sync row: before Hopper there is no native fp8 GEMM, and the reason says why.
  const std::string ampere_fp8 = chosen(cuda_gpu("sm_80"), DType::fp8_e4m3, shape(256, 256, 256));
  EXPECT_NE(ampere_fp8.find("gemm_wgmma needs sm_90 or later (wgmma, TMA); device is sm_80"), std::string::npos)
      << ampere_fp8;
}

TEST(NativeWgmma, TmaRowsNeedSixteenByteRowsAndAnyMAndN) {
  // M and N are free (TMA zero-fills past the edges); K * element bytes a multiple of 16.
  for (const GemmShape& s : {shape(1, 1, 8), shape(129, 257, 72), shape(8192, 8192, 8192), shape(3, 1000, 8)})
    EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::bf16, s), "gemm_wgmma") << s.m << "x" << s.n << "x" << s.k;
  const auto odd_k = native_gemm_can_implement(wgmma("bf16"), "cuda", cuda_gpu("sm_90a"), DType::bf16, shape(64, 64, 12));
  ASSERT_TRUE(odd_k.has_value());
  EXPECT_NE(odd_k->find("K a multiple of 8 (K = 12)"), std::string::npos) << *odd_k;
  // bf16 with such a K still runs natively, on gemm_mma_sync's element-wise path.
  EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::bf16, shape(64, 64, 12)), "gemm_mma_sync");
  // fp8 rows are 1 byte per element: K a multiple of 16, and nothing else takes fp8.
  const std::string fp8 = chosen(cuda_gpu("sm_90a"), DType::fp8_e4m3, shape(64, 64, 24));
  EXPECT_NE(fp8.find("K a multiple of 16 (K = 24)"), std::string::npos) << fp8;
  EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::fp8_e4m3, shape(64, 64, 32)), "gemm_wgmma");
}

TEST(NativeWgmma, TheUserCanPickTheKernel) {
  EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::fp16, shape(8192, 8192, 8192), "gemm_mma_sync"), "gemm_mma_sync");
  EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::fp16, shape(8192, 8192, 8192), "gemm_wgmma"), "gemm_wgmma");
  // A named kernel that cannot run gives its own reasons only.
  EXPECT_EQ(chosen(cuda_gpu("sm_80"), DType::fp16, shape(64, 64, 64), "gemm_wgmma"),
            "none: gemm_wgmma needs sm_90 or later (wgmma, TMA); device is sm_80");
  EXPECT_EQ(chosen(cuda_gpu("sm_90a"), DType::fp16, shape(64, 64, 64), "gemm_mfma"),
            "none: no native kernel named gemm_mfma for the cuda backend");
  // The choice travels to the worker with the case.
  CaseSpec spec;
  spec.native_kernel = "gemm_mma_sync";
  EXPECT_EQ(case_spec_from_json(to_json(spec)).native_kernel, "gemm_mma_sync");
}

TEST(NativeWgmma, LaunchGeometryIsPersistentWithTheSwizzleSlack) {
  for (const char* dtype : {"bf16", "fp8"}) {
    SCOPED_TRACE(dtype);
    const NativeGemmKernel& k = wgmma(dtype);
    EXPECT_TRUE(k.tma);
    EXPECT_TRUE(k.b_nk);  // B as (N, K): wgmma's K-major operand, the only fp8 layout
    EXPECT_EQ(native_gemm_threads(k), 384);  // a producer and two consumer warpgroups
    // 4 stages x (128 + 256) rows x 128 bytes, 1024 bytes of alignment slack, 8 mbarriers.
    EXPECT_EQ(native_gemm_shared_bytes(k), 4u * 384 * 128 + 1024 + 64);
    EXPECT_LE(native_gemm_shared_bytes(k), cuda_shared_optin_bytes(90));
    EXPECT_EQ(k.tile.block_k * k.element_bytes, 128);  // one 128-byte swizzle row per stage
    // One block per SM, never more blocks than tiles.
    const Dim3 big = native_gemm_grid(k, 8192, 8192, 132);
    EXPECT_EQ(big.x, 132u);
    EXPECT_EQ(big.y, 1u);
    EXPECT_EQ(native_gemm_grid(k, 129, 257, 132).x, 4u);  // 2 x 2 tiles of 128 x 256
    EXPECT_EQ(native_gemm_grid(k, 129, 257).x, 4u);
  }
  // The record says how it loads and launches.
  std::string why;
  const auto choice = choose_native_gemm("cuda", cuda_gpu("sm_90a"), DType::bf16, shape(256, 256, 256), why);
  ASSERT_TRUE(choice) << why;
  const nlohmann::json rec = native_gemm_kernel_json(*choice, CaseSpec{});
  EXPECT_EQ(rec["b_layout"], "(N, K) row-major");
  EXPECT_EQ(rec["threads"], 384);
  EXPECT_NE(rec["grid"].get<std::string>().find("persistent"), std::string::npos);
  EXPECT_NE(rec["load_path"].get<std::string>().find("TMA"), std::string::npos);
}

TEST(NativeWgmma, CompiledForSm90aOnlyWithItsInstructions) {
  int seen = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "gemm_wgmma") continue;
    ++seen;
    SCOPED_TRACE(v.dtype);
    EXPECT_EQ(v.archs, std::vector<std::string>{"sm_90a"});
    const std::string mma = v.dtype == "fp8" ? "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3"
                                             : "wgmma.mma_async.sync.aligned.m64n128k16.f32." + ptx_type_name(v.dtype) +
                                                   "." + ptx_type_name(v.dtype);
    for (const std::string& needed : {mma, std::string("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes"),
                                      std::string("setmaxnreg.inc.sync.aligned.u32")})
      EXPECT_NE(std::find(v.ptx_requires.begin(), v.ptx_requires.end(), needed), v.ptx_requires.end()) << needed;
  }
  EXPECT_EQ(seen, 3);  // fp16, bf16, fp8
  // The mma.sync kernels keep every arch of the check.
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "gemm_mma_sync") continue;
    EXPECT_TRUE(v.archs.empty());
  }
}

}  // namespace
}  // namespace suanli
