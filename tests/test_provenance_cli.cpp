// End-to-end on the fake GPU plugin (tests/fake_plugin/fake_gpu_plugin.cpp): throttling
// counted per row from what the device reported, the invalid rule judged against the peak
// at the clock the device was seen at, and the provenance every results file carries.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::read_json;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

std::map<std::string, std::string> fake_env(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR},
                                            {"SUANLI_FAKE_DEVICES", "1"},
                                            {"SUANLI_FAKE_GEMM_MS", "5"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

std::vector<std::string> fake_run(const fs::path& out, int samples, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run",     "--backend", "fakegpu",   "--device",      "0",
                                   "--tier",  "vendor",    "--dtype",   "fp32",          "--shape",
                                   "40x48x24", "--min-samples", std::to_string(samples), "--max-samples",
                                   std::to_string(samples), "--warmup", "1", "--out", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// 40 ms per fake GEMM: a state read is skipped only when the previous one took over 2 ms
// (20x, measure.cpp), which a loaded CI machine can reach against the default 4 ms.
const std::pair<const std::string, std::string> kLongGemm{"SUANLI_FAKE_GEMM_MS", "40"};

TEST(Throttling, TheRowCountsTheSamplesTheDeviceReportedThrottled) {
  TempDir dir;
  const auto out = dir / "r.json";
  const auto log = dir / "state.log";
  constexpr int kSamples = 10;
  const auto r = run_suanli(fake_run(out, kSamples),
                            fake_env({{"SUANLI_FAKE_THROTTLE_EVERY", "3"}, {"SUANLI_FAKE_STATE_LOG", log.string()}, kLongGemm}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = read_json(out);
  ASSERT_EQ(doc["cases"].size(), 1u);
  const auto& c = doc["cases"][0];
  ASSERT_EQ(c["status"], "ok") << c.dump();
  ASSERT_EQ(c["stats"]["n"], kSamples);

  // Every read the fake answered, in order: state_before, one before each later sample (the
  // fake's reads cost microseconds against 40 ms samples, so the rate bound never skips one),
  // state_after.
  const auto lines = read_lines(log);
  ASSERT_EQ(c["state_reads"], kSamples - 1);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kSamples + 1));
  int reported = 0;  // throttled reads that preceded a sample
  for (int i = 0; i < kSamples; ++i) reported += lines[static_cast<std::size_t>(i)].ends_with("throttled");
  EXPECT_EQ(reported, 3);  // reads 3, 6 and 9
  EXPECT_EQ(c["throttled_samples"], reported);
  EXPECT_EQ(c["throttle_reasons_seen"], nlohmann::json::array({"hardware slowdown"}));
  ASSERT_TRUE(c["warnings"].is_array());
  EXPECT_NE(c["warnings"][0].get<std::string>().find("throttled: 3 of 10 samples"), std::string::npos) << c["warnings"];
  EXPECT_EQ(c["max_sm_clock_mhz_seen"], 1980.0);
  EXPECT_NE(r.out.find("ok (throttled 3/10)"), std::string::npos) << r.out;  // the console table says it too

  // A clean run: zero, a known zero, and no warning.
  const auto clean = dir / "clean.json";
  ASSERT_EQ(run_suanli(fake_run(clean, 5), fake_env()).exit_code, 0);
  const auto clean_doc = read_json(clean);
  const auto& cc = clean_doc["cases"][0];
  EXPECT_EQ(cc["throttled_samples"], 0);
  EXPECT_EQ(cc["throttle_reasons_seen"], nlohmann::json::array());
  EXPECT_FALSE(cc.contains("warnings"));
}

TEST(Throttling, RepetitionsAddUpTheirThrottledSamples) {
  TempDir dir;
  const auto out = dir / "r.json";
  const auto log = dir / "state.log";
  constexpr int kSamples = 5, kRuns = 2;
  const auto r = run_suanli(fake_run(out, kSamples, {"--repetitions", std::to_string(kRuns)}),
                            fake_env({{"SUANLI_FAKE_THROTTLE_EVERY", "3"}, {"SUANLI_FAKE_STATE_LOG", log.string()}, kLongGemm}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = read_json(out);
  ASSERT_EQ(doc["cases"].size(), 1u);
  const auto& c = doc["cases"][0];
  ASSERT_EQ(c["stats"]["n"], kSamples * kRuns) << c.dump();
  // Each run: state_before, a read before each later sample, state_after.
  const auto lines = read_lines(log);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kRuns * (kSamples + 1)));
  int reported = 0, throttled_runs = 0;
  for (int run = 0; run < kRuns; ++run) {
    int in_run = 0;
    for (int i = 0; i < kSamples; ++i) in_run += lines[static_cast<std::size_t>(run * (kSamples + 1) + i)].ends_with("throttled");
    reported += in_run;
    throttled_runs += in_run > 0;
  }
  EXPECT_GT(reported, 0);
  EXPECT_EQ(c["throttled_samples"], reported);
  EXPECT_EQ(c["state_reads"], kRuns * (kSamples - 1));
  EXPECT_EQ(c["warnings"].size(), static_cast<std::size_t>(throttled_runs));  // one per throttled run
}

// A chips file whose one entry matches the fake device: fp32 peak 6e-6 TFLOPS at 2000 MHz.
// With a 20 ms sleep per GEMM (kSlowGemm) the fake measures 92160 FLOP per 20–31 ms, 3.0e-6 to
// 4.6e-6 TFLOPS: 50–77% of the figure, and above half of it. The sleep dominates the fake's
// host-side GEMM even under the sanitizers (about 3 ms there), so the verdicts below hold on
// a slow machine too.
const std::pair<const std::string, std::string> kSlowGemm{"SUANLI_FAKE_GEMM_MS", "20"};
fs::path write_fake_chip(const TempDir& dir, bool with_clock) {
  nlohmann::json chip = {{"name", "Fake GPU"},   {"vendor", "suanli tests"}, {"source", "tests"},
                         {"confidence", "high"}, {"launch_year", 2026},       {"match", {"Suanli Fake GPU"}},
                         {"peak_tflops", {{"fp32", 6e-6}}}};
  if (with_clock) chip["boost_clock_mhz"] = 2000;
  const auto path = dir / (with_clock ? "chips-clock.json" : "chips.json");
  std::ofstream(path) << nlohmann::json{{"schema_version", 1}, {"chips", {chip}}}.dump();
  return path;
}

TEST(ClockAdjustedPeak, AFakeGpuAtHalfItsClockIsJudgedAgainstHalfThePeak) {
  TempDir dir;
  const auto chips = write_fake_chip(dir, true);

  // At 2000 MHz (the figure's clock) the rate is 50–77% of the peak: ok.
  const auto full = dir / "full.json";
  auto r = run_suanli(fake_run(full, 5, {"--chips", chips.string()}), fake_env({{"SUANLI_FAKE_SM_CLOCK_MHZ", "2000"}, kSlowGemm}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto full_doc = read_json(full);
  const auto& ok = full_doc["cases"][0];
  EXPECT_EQ(ok["status"], "ok") << ok.dump();
  EXPECT_EQ(ok["validity_peak"]["clock_adjusted"], true);
  EXPECT_EQ(ok["validity_peak"]["device_clock_mhz"], 2000.0);
  EXPECT_EQ(ok["validity_peak"]["peak_clock_mhz"], 2000.0);

  // The device reports 1000 MHz: the chip can do at most 3e-6 there, so the rate is invalid.
  const auto half = dir / "half.json";
  r = run_suanli(fake_run(half, 5, {"--chips", chips.string()}), fake_env({{"SUANLI_FAKE_SM_CLOCK_MHZ", "1000"}, kSlowGemm}));
  EXPECT_EQ(r.exit_code, 1) << r.err;  // an invalid case fails the run
  const auto half_doc = read_json(half);
  const auto& bad = half_doc["cases"][0];
  EXPECT_EQ(bad["status"], "invalid") << bad.dump();
  EXPECT_TRUE(bad["tflops"].is_null());
  EXPECT_NE(bad["reason"].get<std::string>().find("scaled to the measured clock (1000 of 2000 MHz)"), std::string::npos)
      << bad["reason"];
  EXPECT_DOUBLE_EQ(bad["validity_peak"]["value"].get<double>(), 3e-6);

  // The same chip without a boost clock: the figure as given, and the record says so.
  const auto plain = dir / "plain.json";
  r = run_suanli(fake_run(plain, 5, {"--chips", write_fake_chip(dir, false).string()}),
                 fake_env({{"SUANLI_FAKE_SM_CLOCK_MHZ", "1000"}, kSlowGemm}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto plain_doc = read_json(plain);
  const auto& p = plain_doc["cases"][0];
  EXPECT_EQ(p["status"], "ok");
  EXPECT_EQ(p["validity_peak"]["clock_adjusted"], false);
}

TEST(Provenance, TheResultsFileSaysWhatRanWhereAndHow) {
  TempDir dir;
  const auto out = dir / "r.json";
  ASSERT_EQ(run_suanli(fake_run(out, 3, {"--seed", "7"}), fake_env()).exit_code, 0);
  const auto doc = read_json(out);
  EXPECT_GE(doc["schema_minor"], 3);
  const auto& tool = doc["tool"];
  for (const char* key : {"version", "git_revision", "build_type", "compiler", "cxx_flags", "sanitize"})
    EXPECT_TRUE(tool[key].is_string()) << key;
  EXPECT_FALSE(tool["compiler"].get<std::string>().empty());
  const auto& host = doc["host"];
  for (const char* key : {"hostname", "cpu", "os", "kernel", "kernel_build", "machine"}) EXPECT_TRUE(host[key].is_string()) << key;
  EXPECT_EQ(doc["seed"], 7);
  EXPECT_EQ(doc["options"]["seed"], 7);
  EXPECT_EQ(doc["options"]["min-samples"], 3);
  EXPECT_TRUE(doc["command"].is_array());

  const auto& info = doc["devices"][0]["info"];
  EXPECT_EQ(info["power_limit_w"], 700.0);
  EXPECT_EQ(info["max_sm_clock_mhz"], 1980);
  EXPECT_EQ(info["ecc_enabled"], true);
  for (const char* key : {"driver_version", "runtime_version", "compiler_version"}) EXPECT_TRUE(info[key].is_string()) << key;
  const auto& state = doc["cases"][0]["state_before"];
  EXPECT_EQ(state["throttled"], false);
  EXPECT_EQ(state["sm_clock_mhz"], 1980.0);
}

}  // namespace
}  // namespace suanli
