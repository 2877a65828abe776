// End-to-end on a real NVIDIA GPU (CTest label `gpu`): both tiers, three dtypes, odd and
// square shapes, every case verified. Skipped, with the reason, where cuda is unavailable.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "harness/native_gemm.h"
#include "tests/cuda/cuda_test_util.h"
#include "tests/test_util.h"

using suanli::test::cuda_listing;
using suanli::test::cuda_test_env;
using suanli::test::read_json;
using suanli::test::run_suanli;
using suanli::test::TempDir;

namespace {

// Why this machine cannot run the test (cuda unavailable, or an arch below `min_sm` when
// given), or "" when it can.
std::string skip_reason(const std::map<std::string, std::string>& env, int min_sm = 0) {
  const nlohmann::json cuda = cuda_listing(env);
  if (!cuda.is_object() || !cuda.value("available", false))
    return "cuda is unavailable here: " +
           (cuda.is_object() ? cuda.value("reason", std::string("(no reason)")) : std::string("not listed"));
  const std::string arch = cuda["devices"][0]["info"].value("arch", std::string());
  if (suanli::sm_version(arch).value_or(0) < min_sm)
    return "needs sm_" + std::to_string(min_sm) + " or later; device is " + arch;
  return "";
}

}  // namespace

TEST(CudaGpu, RunPortableAndVendorTiersVerified) {
  TempDir dir;
  const auto env = cuda_test_env((dir / "cache").string());
  if (const std::string why = skip_reason(env); !why.empty()) GTEST_SKIP() << why;

  const auto r = run_suanli({"run", "--backend", "cuda", "--dtype", "fp32,fp16,bf16", "--tier", "portable,vendor",
                             "--shape", "1000x1x1000", "--shape", "129x257x63", "--shape", "1024x1024x1024",
                             "--min-samples", "5", "--max-time", "0.5", "--out", (dir / "r.json").string()},
                            env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = read_json(dir / "r.json");
  const auto& cases = doc["cases"];
  ASSERT_EQ(cases.size(), 3u * 3u * 2u);
  std::set<std::string> vendor_ok;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dump().substr(0, 600));
    EXPECT_EQ(c["backend"], "cuda");
    const std::string tier = c["tier"], dtype = c["dtype"];
    if (tier == "portable" && dtype == "bf16") {
      // The portable GEMM has no bf16 variant: a skipped row with its reason, not an error.
      EXPECT_EQ(c["status"], "skipped");
      EXPECT_FALSE(c.value("reason", std::string()).empty());
      continue;
    }
    EXPECT_EQ(c["status"], "ok");
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_GT(c["tflops"].get<double>(), 0.0);
    if (tier == "vendor") vendor_ok.insert(dtype);
  }
  EXPECT_EQ(vendor_ok, (std::set<std::string>{"fp32", "fp16", "bf16"}));
}

// The native tier's gemm_mma_sync on odd and square shapes, both load paths (K and N
// multiples of 8 or not), fp16, bf16, tf32 and int8: every case verified in fp64. Its status is
// `unverified` while kernels/cuda/verified_on.json does not list this arch (numbers kept),
// `ok` once it does; never failed or skipped on an sm_80+ GPU.
TEST(CudaGpu, NativeMmaSyncGemmVerified) {
  TempDir dir;
  const auto env = cuda_test_env((dir / "cache").string());
  if (const std::string why = skip_reason(env, 80); !why.empty()) GTEST_SKIP() << "gemm_mma_sync " << why;

  // Named: on Hopper the native tier would run gemm_wgmma for most of these (the test below).
  const auto r = run_suanli({"run", "--backend", "cuda", "--tier", "native", "--native-kernel", "gemm_mma_sync", "--dtype",
                             "fp16,bf16,tf32,int8", "--shape", "129x257x63", "--shape", "1000x1x1000", "--shape", "1x1x1", "--shape", "4096x4096x4096",
                             "--shape", "1024x1032x1040", "--min-samples", "5", "--max-time", "0.5", "--out",
                             (dir / "r.json").string()},
                            env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 4u * 5u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 800));
    EXPECT_EQ(c["kernel"]["name"], "gemm_mma_sync");
    EXPECT_TRUE(c["verified"].get<bool>());
    const std::string status = c["status"];
    EXPECT_TRUE(status == "unverified" || status == "ok") << status;
    EXPECT_GT(c["tflops"].get<double>(), 0.0);
  }
}

// gemm_wgmma on Hopper (sm_90a only): TMA edges (M, N not tile multiples, K a 16-byte
// multiple with a tail slice), a persistent grid with more tiles than SMs, fp16 bf16 fp8,
// every case verified in fp64; `unverified` or `ok` as above.
TEST(CudaGpu, NativeWgmmaGemmVerified) {
  TempDir dir;
  const auto env = cuda_test_env((dir / "cache").string());
  if (const std::string why = skip_reason(env, 90); !why.empty()) GTEST_SKIP() << "gemm_wgmma " << why;
  const std::string arch = cuda_listing(env)["devices"][0]["info"].value("arch", std::string());
  if (arch != "sm_90a") GTEST_SKIP() << "gemm_wgmma runs on sm_90a only; device is " << arch;

  const auto r = run_suanli({"run", "--backend", "cuda", "--tier", "native", "--native-kernel", "gemm_wgmma", "--dtype",
                             "fp16,bf16,fp8", "--shape", "129x257x80", "--shape", "1x1x16", "--shape", "4096x4096x4096",
                             "--shape", "1000x3000x1040", "--min-samples", "5", "--max-time", "0.5", "--out",
                             (dir / "r.json").string()},
                            env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 3u * 4u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 800));
    EXPECT_EQ(c["kernel"]["name"], "gemm_wgmma");
    EXPECT_TRUE(c["verified"].get<bool>());
    const std::string status = c["status"];
    EXPECT_TRUE(status == "unverified" || status == "ok") << status;
    EXPECT_GT(c["tflops"].get<double>(), 0.0);
  }
}

namespace {

// The native attention tier over each shape (its run options), fp16 and bf16, `extra`
// options added (e.g. --native-kernel): every case run by `kernel`, verified in fp64, status
// `unverified` or `ok` (kernels/cuda/verified_on.json), with a rate.
void expect_native_attention_verified(const std::map<std::string, std::string>& env, const TempDir& dir,
                                      const std::string& kernel, const std::vector<std::string>& extra,
                                      const std::vector<std::vector<std::string>>& shapes) {
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const std::string out = (dir / ("attention-" + std::to_string(i) + ".json")).string();
    std::vector<std::string> args = {"run", "--workload", "attention", "--backend", "cuda", "--tier", "native",
                                     "--dtype", "fp16,bf16", "--min-samples", "5", "--max-time", "0.5", "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), shapes[i].begin(), shapes[i].end());
    const auto r = run_suanli(args, env);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const nlohmann::json doc = read_json(out);
    ASSERT_EQ(doc["cases"].size(), 2u);
    for (const auto& c : doc["cases"]) {
      SCOPED_TRACE(c.dump().substr(0, 800));
      EXPECT_EQ(c["kernel"]["name"], kernel);
      EXPECT_TRUE(c["verified"].get<bool>());
      const std::string status = c["status"];
      EXPECT_TRUE(status == "unverified" || status == "ok") << status;
      EXPECT_GT(c["tflops"].get<double>(), 0.0);
    }
  }
}

}  // namespace

// The native tier's attention_mma_sync: both head-dim bounds (D = 64; D = 80 and 128 on the
// 128 build), Sq != Skv, grouped-query heads, causal and not, fp16 and bf16, every case
// verified in fp64; `unverified` or `ok` as for the GEMM above. Named, since on Hopper the
// native tier chooses attention_wgmma.
TEST(CudaGpu, NativeMmaSyncAttentionVerified) {
  TempDir dir;
  const auto env = cuda_test_env((dir / "cache").string());
  if (const std::string why = skip_reason(env, 80); !why.empty()) GTEST_SKIP() << "attention_mma_sync " << why;

  expect_native_attention_verified(env, dir, "attention_mma_sync", {"--native-kernel", "attention_mma_sync"},
                                   {{"--shape", "2x8x1000x64"},
                                    {"--shape", "1x8x777x128", "--kv-heads", "2", "--seq-kv", "1500", "--causal"},
                                    {"--shape", "1x4x300x80", "--seq-kv", "100", "--causal"},
                                    {"--shape", "1x16x4096x128"}});
}

// The native tier's attention_wgmma (sm_90a only, chosen there by default): both head-dim
// bounds (D = 64; D = 72 and 128 on the 128 build), Sq != Skv both ways and not a multiple of
// the 128-key tile, grouped-query heads, causal and not, fp16 and bf16, every case verified
// in fp64; `unverified` or `ok` as for the GEMM above (kernels/cuda/verified_on.json).
TEST(CudaGpu, NativeWgmmaAttentionVerified) {
  TempDir dir;
  const auto env = cuda_test_env((dir / "cache").string());
  if (const std::string why = skip_reason(env, 90); !why.empty()) GTEST_SKIP() << "attention_wgmma " << why;
  const std::string arch = cuda_listing(env)["devices"][0]["info"].value("arch", std::string());
  if (arch != "sm_90a") GTEST_SKIP() << "attention_wgmma runs on sm_90a only; device is " << arch;

  expect_native_attention_verified(env, dir, "attention_wgmma", {},
                                   {{"--shape", "2x8x1000x64"},
                                    {"--shape", "2x4x130x128", "--kv-heads", "2", "--seq-kv", "200", "--causal"},
                                    {"--shape", "1x4x300x72", "--seq-kv", "100", "--causal"},
                                    {"--shape", "1x16x4096x128"}});
}
