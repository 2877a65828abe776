// End-to-end: `suanli run --tier native` on devices that have no native kernel (PoCL, the
// fake GPU plugin) gives skipped rows with the reason, exit 0, and no numbers.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::read_json;
using test::run_suanli;
using test::TempDir;

std::map<std::string, std::string> env() {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", SUANLI_TEST_KERNEL_CACHE_DIR}};
}

void expect_skipped_with(const nlohmann::json& doc, std::size_t cases, const std::string& reason_start) {
  ASSERT_EQ(doc["cases"].size(), cases);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 400));
    EXPECT_EQ(c["tier"], "native");
    EXPECT_EQ(c["status"], "skipped");
    EXPECT_EQ(c["reason"].get<std::string>().rfind(reason_start, 0), 0u);
    EXPECT_TRUE(c["tflops"].is_null());
    EXPECT_TRUE(c["samples_s"].empty());
  }
  EXPECT_EQ(doc["summary"]["skipped"], cases);
  EXPECT_EQ(doc["summary"]["failed"], 0);
}

TEST(NativeCli, PoclGetsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "native", "--dtype", "fp16,bf16", "--shape",
                             "129x257x63", "--out", (dir / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("skipped: the native tier has no kernels for the opencl backend (they are written for cuda and hip)"), std::string::npos) << r.out;
  expect_skipped_with(read_json(dir / "r.json"), 2, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
}

TEST(NativeCli, NonCudaGpuGetsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli({"run", "--backend", "fakegpu", "--tier", "native", "--dtype", "fp16", "--shape", "256x256x256",
                             "--out", (dir / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_skipped_with(read_json(dir / "r.json"), 1, "the native tier has no kernels for the fakegpu backend (they are written for cuda and hip)");
}

TEST(NativeCli, AttentionOnPoclGetsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli({"run", "--workload", "attention", "--backend", "opencl", "--tier", "native", "--dtype",
                             "fp16,bf16", "--shape", "1x2x64x64", "--causal", "--out", (dir / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json doc = read_json(dir / "r.json");
  expect_skipped_with(doc, 2, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
  for (const auto& c : doc["cases"]) EXPECT_EQ(c["workload"], "attention");
}

TEST(NativeCli, PeakOnPoclGetsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli({"run", "--workload", "peak", "--backend", "opencl", "--tier", "native", "--dtype", "fp16,bf16",
                             "--out", (dir / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("skipped: the native tier has no kernels for the opencl backend (they are written for cuda and hip)"), std::string::npos) << r.out;
  const nlohmann::json doc = read_json(dir / "r.json");
  expect_skipped_with(doc, 2, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
  for (const auto& c : doc["cases"]) EXPECT_EQ(c["workload"], "peak");
}

TEST(NativeCli, PeakOnANonCudaGpuGetsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli({"run", "--workload", "peak", "--backend", "fakegpu", "--tier", "native", "--dtype", "bf16",
                             "--out", (dir / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_skipped_with(read_json(dir / "r.json"), 1, "the native tier has no kernels for the fakegpu backend (they are written for cuda and hip)");
}

// --native-kernel names a kernel of the workload's native table: a bad name, a kernel of
// another workload or a run without the native tier is a usage error (exit 2, one line,
// no results file); a good one reaches the case (recorded in the worker's spec).
TEST(NativeCli, NativeKernelIsCheckedAgainstTheWorkloadsTable) {
  TempDir dir;
  const auto out = (dir / "r.json").string();
  const auto bad = [&](const std::vector<std::string>& args, const std::string& message) {
    std::vector<std::string> all = {"run", "--backend", "opencl", "--dtype", "fp16", "--out", out};
    all.insert(all.end(), args.begin(), args.end());
    const auto r = run_suanli(all, env());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  };
  bad({"--tier", "native", "--native-kernel", "gemm_nope"}, "--native-kernel 'gemm_nope': no native gemm kernel of that name (known: gemm_wgmma, gemm_mma_sync");
  bad({"--workload", "peak", "--tier", "native", "--native-kernel", "gemm_wgmma"}, "no native peak kernel of that name");
  bad({"--tier", "vendor", "--native-kernel", "gemm_mma_sync"}, "--native-kernel applies to --tier native");

  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "native", "--native-kernel", "gemm_mma_sync", "--dtype",
                             "fp16", "--shape", "64x64x64", "--out", out},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The named kernel is CUDA's, and the OpenCL plugin has none: the same one reason.
  expect_skipped_with(read_json(dir / "r.json"), 1, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
}

}  // namespace
}  // namespace suanli
