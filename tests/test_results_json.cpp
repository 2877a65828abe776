#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/case_spec.h"
#include "harness/errors.h"
#include "harness/results.h"
#include "harness/results_view.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

TEST(ResultsJson, CaseSpecRoundTrip) {
  CaseSpec c;
  c.id = 7;
  c.tier = "vendor";
  c.dtype = DType::fp64;
  c.shape = {129, 257, 63, "odd"};
  c.hot = true;
  c.seed = 12345678901234ULL;
  c.policy = {3, 50, 0.02, 1.5};
  c.warmup_runs = 4;
  c.extra_defines = {{"GEMM_SKIP_LAST_K_TILE", "1"}};
  const CaseSpec d = case_spec_from_json(nlohmann::json::parse(to_json(c).dump()));
  EXPECT_EQ(d.id, 7);
  EXPECT_EQ(d.tier, "vendor");
  EXPECT_EQ(d.dtype, DType::fp64);
  EXPECT_EQ(d.shape, c.shape);
  EXPECT_EQ(d.shape.label, "odd");
  EXPECT_TRUE(d.hot);
  EXPECT_EQ(d.seed, c.seed);
  EXPECT_EQ(d.policy.min_samples, 3);
  EXPECT_EQ(d.policy.max_samples, 50);
  EXPECT_DOUBLE_EQ(d.policy.target_rel_ci, 0.02);
  EXPECT_DOUBLE_EQ(d.policy.max_seconds, 1.5);
  EXPECT_EQ(d.warmup_runs, 4);
  ASSERT_EQ(d.extra_defines.size(), 1u);
  EXPECT_EQ(d.extra_defines[0].name, "GEMM_SKIP_LAST_K_TILE");
}

TEST(ResultsJson, DeviceInfoRoundTrip) {
  DeviceInfo i;
  i.name = "NVIDIA H200";
  i.vendor = "NVIDIA";
  i.arch = "sm_90a";
  i.type = DeviceType::gpu;
  i.compute_units = 132;
  i.global_mem_bytes = 150000000000ULL;
  i.has_fp16 = true;
  i.extensions = {"a", "b"};
  const DeviceInfo j = device_info_from_json(nlohmann::json::parse(to_json(i).dump()));
  EXPECT_EQ(j.name, i.name);
  EXPECT_EQ(j.type, DeviceType::gpu);
  EXPECT_EQ(j.compute_units, 132);
  EXPECT_EQ(j.global_mem_bytes, i.global_mem_bytes);
  EXPECT_TRUE(j.has_fp16);
  EXPECT_EQ(j.extensions, i.extensions);
}

TEST(ResultsJson, UnknownDeviceStateIsNull) {
  DeviceState s;
  s.sm_clock_mhz = 1980;
  const auto j = to_json(s);
  EXPECT_EQ(j["sm_clock_mhz"], 1980);
  EXPECT_TRUE(j["temperature_c"].is_null());
  EXPECT_TRUE(j["throttle_reasons"].is_null());
}

TEST(ResultsJson, FinalizeComputesPercentOnlyForVerifiedCases) {
  nlohmann::json ok = {{"status", "ok"}, {"verified", true}, {"tflops", 0.5}, {"shape", {{"m", 1}, {"n", 1}, {"k", 1}}}};
  finalize_case(ok, "opencl", "opencl:0", "dev", {2.0, "computed", "x"});
  EXPECT_DOUBLE_EQ(ok["pct_of_peak"].get<double>(), 25.0);
  EXPECT_EQ(ok["backend"], "opencl");
  EXPECT_EQ(ok["peak_basis"], "computed");

  nlohmann::json bad = {{"status", "failed"}, {"verified", false}, {"tflops", 9.9}, {"shape", {{"m", 1}, {"n", 1}, {"k", 1}}}};
  finalize_case(bad, "opencl", "opencl:0", "dev", {2.0, "computed", "x"});
  EXPECT_TRUE(bad["tflops"].is_null());  // a wrong kernel's speed is never reported
  EXPECT_TRUE(bad["pct_of_peak"].is_null());

  nlohmann::json unknown_peak = {{"status", "ok"}, {"verified", true}, {"tflops", 0.5}, {"shape", {{"m", 1}, {"n", 1}, {"k", 1}}}};
  finalize_case(unknown_peak, "opencl", "opencl:0", "dev", {std::nullopt, "unknown", "no entry"});
  EXPECT_TRUE(unknown_peak["pct_of_peak"].is_null());
  EXPECT_TRUE(unknown_peak["peak_tflops"].is_null());
}

TEST(ResultsJson, AboveThePeakIsInvalidNotARecord) {
  nlohmann::json fast = {{"status", "ok"}, {"verified", true}, {"tflops", 2.5}, {"shape", {{"m", 1}, {"n", 1}, {"k", 1}}}};
  finalize_case(fast, "cuda", "cuda:0", "dev", {2.0, "datasheet", "x"});
  EXPECT_EQ(fast["status"], "invalid");
  EXPECT_TRUE(fast["tflops"].is_null());
  EXPECT_TRUE(fast["pct_of_peak"].is_null());
  EXPECT_DOUBLE_EQ(fast["rejected_tflops"].get<double>(), 2.5);
  EXPECT_NE(fast["reason"].get<std::string>().find("125.0% of the datasheet peak"), std::string::npos) << fast["reason"];
  EXPECT_EQ(summary_json({fast})["failed"], 1);  // counted with the failures, so the run exits 1

  nlohmann::json at_peak = {{"status", "ok"}, {"verified", true}, {"tflops", 2.0}, {"shape", {{"m", 1}, {"n", 1}, {"k", 1}}}};
  finalize_case(at_peak, "cuda", "cuda:0", "dev", {2.0, "datasheet", "x"});
  EXPECT_EQ(at_peak["status"], "ok");
  EXPECT_DOUBLE_EQ(at_peak["pct_of_peak"].get<double>(), 100.0);
}

TEST(ResultsJson, SummaryCounts) {
  std::vector<nlohmann::json> cases = {{{"status", "ok"}}, {{"status", "failed"}}, {{"status", "skipped"}}, {{"status", "ok"}}};
  const auto s = summary_json(cases);
  EXPECT_EQ(s["cases"], 4);
  EXPECT_EQ(s["ok"], 2);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["skipped"], 1);
}

TEST(PendingOutput, UnwritablePathIsAUsageErrorAndLeavesNothing) {
  EXPECT_THROW(PendingOutput{"/nonexistent-dir/x/results.json"}, UsageError);
  EXPECT_THROW(PendingOutput{fs::temp_directory_path()}, UsageError);  // a directory
}

TEST(PendingOutput, NoPartialFileWithoutCommit) {
  const fs::path dir = fs::temp_directory_path() / ("suanli-pending-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path target = dir / "r.json";
  {
    PendingOutput out(target);
    EXPECT_TRUE(fs::exists(out.temp_path()));
    EXPECT_FALSE(fs::exists(target));
  }
  EXPECT_TRUE(fs::is_empty(dir));  // abandoned: temp gone, target never created
  {
    PendingOutput out(target);
    out.commit("{\"x\": 1}\n");
  }
  std::ifstream f(target);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(text, "{\"x\": 1}\n");
  fs::remove_all(dir);
}

TEST(ResultsView, TableAndCsvAreViewsOfTheDocument) {
  nlohmann::json doc = {
      {"devices", {{{"id", "opencl:0"}, {"info", {{"name", "cpu dev"}}}, {"chip", nullptr}, {"peaks", {{"fp32", {{"method", "computed: …"}}}}}}}},
      {"cases",
       {{{"device", "opencl:0"}, {"backend", "opencl"}, {"tier", "portable"}, {"dtype", "fp32"},
         {"shape", {{"m", 64}, {"n", 32}, {"k", 16}}}, {"kernel", {{"name", "gemm_smem_tiled"}}},
         {"stats", {{"median_s", 0.002}, {"cv", 0.05}, {"n", 12}}}, {"tflops", 0.0123}, {"pct_of_peak", 3.7},
         {"verified", true}, {"status", "ok"}, {"reason", ""}},
        {{"device", "opencl:0"}, {"backend", "opencl"}, {"tier", "vendor"}, {"dtype", "fp16"},
         {"shape", {{"m", 64}, {"n", 32}, {"k", 16}}}, {"stats", nullptr}, {"tflops", nullptr}, {"pct_of_peak", nullptr},
         {"verified", false}, {"status", "skipped"}, {"reason", "device has no fp16, really"}}}},
      {"summary", {{"cases", 2}, {"ok", 1}, {"failed", 0}, {"skipped", 1}}}};
  const std::string table = results_table(doc);
  EXPECT_NE(table.find("64x32x16"), std::string::npos);
  EXPECT_NE(table.find("2.000"), std::string::npos);   // median in ms
  EXPECT_NE(table.find("0.0123"), std::string::npos);  // TFLOPS
  EXPECT_NE(table.find("skipped: device has no fp16"), std::string::npos);
  const std::string csv = results_csv(doc);
  EXPECT_NE(csv.find("opencl,opencl:0"), std::string::npos);
  EXPECT_NE(csv.find("\"device has no fp16, really\""), std::string::npos);  // quoted comma
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

}  // namespace
}  // namespace suanli
