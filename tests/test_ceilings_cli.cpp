// End-to-end: the ceiling workloads (peak, stream) through the suanli binary on PoCL —
// verified, positive numbers, the record fields the report reads, and broken kernels caught.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::read_json;
using test::run_suanli;
using test::TempDir;

std::map<std::string, std::string> pocl_env() {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", SUANLI_TEST_KERNEL_CACHE_DIR}};
}

// Short sampling: these tests check behaviour, not speed.
std::vector<std::string> quick_run(const std::string& workload, std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", "--backend", "opencl", "--workload", workload, "--min-samples", "3", "--max-time", "0.2",
                                   "--warmup", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A stream size well under the 4x-LLC default, so the tests move megabytes, not gigabytes.
constexpr const char* kSmallStream = "1048576";

TEST(CeilingsCli, PeakVerifiesOnPoclAndReportsPositiveNumbers) {
  TempDir dir;
  const auto r = run_suanli(quick_run("peak", {"--dtype", "fp32,fp64,int8", "--out", (dir / "r.json").string()}), pocl_env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("fma-chains"), std::string::npos) << r.out;
  const auto doc = read_json(dir / "r.json");
  EXPECT_GE(doc["schema_minor"], 2);
  ASSERT_EQ(doc["cases"].size(), 3u);  // the default tier of a ceiling: portable only
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 600));
    EXPECT_EQ(c["workload"], "peak");
    EXPECT_EQ(c["tier"], "portable");
    EXPECT_TRUE(c["shape"].is_object() && c["shape"].empty());
    if (c["dtype"] == "int8") {  // PoCL has no cl_khr_integer_dot_product: a skipped row, said why
      EXPECT_EQ(c["status"], "skipped");
      EXPECT_NE(c["reason"].get<std::string>().find("int8 dot product"), std::string::npos);
      continue;
    }
    EXPECT_EQ(c["status"], "ok");
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_EQ(c["kernel"]["name"], "peak_fma_chains");
    EXPECT_GT(c["flops"].get<double>(), 0);
    EXPECT_GT(c["tflops"].get<double>(), 0);
    EXPECT_GT(c["pct_of_peak"].get<double>(), 0);  // against the computed CPU peak
    EXPECT_EQ(c["peak_basis"], "computed");
    EXPECT_NE(c["verification"]["method"].get<std::string>().find("fp64 replay"), std::string::npos);
    EXPECT_GT(c["verification"]["elements_checked"].get<int>(), 0);
  }
}

TEST(CeilingsCli, StreamVerifiesOnPoclAndReportsBandwidth) {
  TempDir dir;
  const auto r = run_suanli(quick_run("stream", {"--shape", kSmallStream, "--out", (dir / "r.json").string(), "--csv", (dir / "r.csv").string()}),
                            pocl_env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("GB/s"), std::string::npos) << r.out;
  const auto doc = read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 2u);  // --op defaults to copy and triad
  EXPECT_EQ(doc["cases"][0]["op"], "copy");
  EXPECT_EQ(doc["cases"][1]["op"], "triad");
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 600));
    EXPECT_EQ(c["status"], "ok");
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_EQ(c["shape"]["op"], c["op"]);
    EXPECT_EQ(c["shape"]["elements"], 1048576);
    const double arrays = c["op"] == "copy" ? 2 : 3;
    EXPECT_DOUBLE_EQ(c["bytes"].get<double>(), arrays * 1048576 * 4);
    EXPECT_GT(c["gbps"].get<double>(), 0);
    EXPECT_FALSE(c.contains("tflops"));
    EXPECT_FALSE(c.contains("flops"));
    EXPECT_TRUE(c["pct_of_peak_bw"].is_null());  // PoCL is in no datasheet
    EXPECT_EQ(c["peak_bw_basis"], "unknown");
    EXPECT_EQ(c["verification"]["elements_checked"], 1048576);
    // 4 MiB arrays are far under 4x this host's last-level cache: the record says so.
    EXPECT_NE(c.value("note", "").find("under the 4x rule"), std::string::npos);
  }
  EXPECT_EQ(doc["devices"][0]["peak_bw"]["basis"], "unknown");
  std::ifstream csv(dir / "r.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_NE(header.find(",bytes,gbps,peak_bw_gbps,pct_of_peak_bw"), std::string::npos) << header;
}

TEST(CeilingsCli, BrokenPeakKernelIsCaught) {
  TempDir dir;
  const auto r = run_suanli(quick_run("peak", {"--dtype", "fp32", "--kernel-define", "PEAK_CORRUPT_ONE_ELEMENT=1", "--out",
                                               (dir / "r.json").string()}),
                            pocl_env());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto c = read_json(dir / "r.json")["cases"][0];
  EXPECT_EQ(c["status"], "failed");
  EXPECT_FALSE(c["verified"].get<bool>());
  EXPECT_TRUE(c["tflops"].is_null());
  EXPECT_NE(c["reason"].get<std::string>().find("verification failed: work-item 0 chain 0 x"), std::string::npos) << c["reason"];
}

TEST(CeilingsCli, BrokenStreamKernelIsCaught) {
  TempDir dir;
  const auto r = run_suanli(quick_run("stream", {"--op", "triad", "--shape", kSmallStream, "--kernel-define", "STREAM_CORRUPT_ONE_ELEMENT=1",
                                                 "--out", (dir / "r.json").string()}),
                            pocl_env());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto c = read_json(dir / "r.json")["cases"][0];
  EXPECT_EQ(c["status"], "failed");
  EXPECT_FALSE(c["verified"].get<bool>());
  EXPECT_TRUE(c["gbps"].is_null());
  EXPECT_NE(c["reason"].get<std::string>().find("1 of 1048576 elements wrong; first: a[524288]"), std::string::npos) << c["reason"];
}

}  // namespace
}  // namespace suanli
