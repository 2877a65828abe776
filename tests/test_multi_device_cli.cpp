// End-to-end: `suanli run --device all` on the fake many-GPU backend (tests/fake_plugin/
// fake_gpu_plugin.cpp), one of whose devices is made slow through the environment.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::one_line;
using test::read_json;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

std::map<std::string, std::string> fake_env(int devices, const std::string& slow) {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR},
          {"SUANLI_FAKE_DEVICES", std::to_string(devices)},
          {"SUANLI_FAKE_SLOW_DEVICES", slow},
          {"SUANLI_FAKE_GEMM_MS", "50"},
          {"SUANLI_FAKE_SLOW_FACTOR", "1.5"}};
}

std::vector<std::string> fake_run(const fs::path& out, const std::string& device) {
  return {"run",           "--backend", "fakegpu", "--device", device,  "--tier",        "vendor", "--dtype",
          "fp32",          "--shape",   "40x48x24", "--shape",  "33x17x65", "--min-samples", "10",    "--max-samples",
          "10",            "--warmup",  "1",        "--out",    out.string()};
}


TEST(MultiDevice, AllDevicesRunConcurrentlyAndOnlyTheSlowOneIsFlagged) {
  TempDir dir;
  const auto out = dir / "box.json";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_suanli(fake_run(out, "all"), fake_env(8, "5"));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = read_json(out);

  ASSERT_EQ(doc["devices"].size(), 8u);
  std::map<std::string, std::set<int>> ids;
  double serial_s = 0;  // the timed loops alone, one after another: a lower bound of a serial run
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(c["status"], "ok") << c.dump();
    EXPECT_TRUE(c["verified"].get<bool>());
    ids[c["device"].get<std::string>()].insert(c["id"].get<int>());
    serial_s += c["stats"]["loop_s"].get<double>();
  }
  ASSERT_EQ(ids.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(ids["fakegpu:" + std::to_string(i)], (std::set<int>{0, 1})) << i;
  // Concurrent: the whole command (probing included) in well under the serial sum. About
  // 8.5 s of timed loops; a serial run could not finish under that, a concurrent one takes
  // about one device's share plus start-up.
  EXPECT_LT(wall, 0.75 * serial_s) << "wall " << wall << " s, serial sum " << serial_s << " s";

  const auto& health = doc["health"];
  EXPECT_EQ(health["threshold_pct"], 5.0);
  EXPECT_EQ(health["flagged"], nlohmann::json::array({"fakegpu:5"})) << health.dump(2);
  for (const auto& d : health["devices"]) {
    EXPECT_EQ(d["siblings"].size(), 7u);
    if (d["device"] == "fakegpu:5") {
      EXPECT_EQ(d["verdict"], "flagged");
      ASSERT_EQ(d["flags"].size(), 2u);
      for (const auto& f : d["flags"]) {
        EXPECT_GT(f["pct_below"].get<double>(), 20.0);  // 1.5x the sleep: ~33% less throughput
        EXPECT_EQ(f["state_after"]["temperature_c"], 91.0);
        EXPECT_EQ(f["state_before"]["sm_clock_mhz"], 1350.0);
      }
    } else {
      EXPECT_EQ(d["verdict"], "ok") << d.dump();
    }
  }
  EXPECT_NE(r.out.find("device health"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fakegpu:5  Suanli Fake GPU  FLAGGED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("91 C"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out.string() + ".journal.jsonl"));  // removed once the results are written
}

TEST(MultiDevice, ALoneDeviceHasNoSiblingsAndOneDeviceStillWorks) {
  TempDir dir;
  const auto lone = run_suanli(fake_run(dir / "lone.json", "all"), fake_env(1, ""));
  ASSERT_EQ(lone.exit_code, 0) << lone.err;
  const auto doc = read_json(dir / "lone.json");
  ASSERT_EQ(doc["health"]["devices"].size(), 1u);
  EXPECT_EQ(doc["health"]["devices"][0]["verdict"], "no siblings to compare");
  EXPECT_NE(lone.out.find("no siblings to compare"), std::string::npos);

  const auto one = run_suanli(fake_run(dir / "one.json", "2"), fake_env(4, "2"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto single = read_json(dir / "one.json");
  ASSERT_EQ(single["devices"].size(), 1u);
  EXPECT_EQ(single["devices"][0]["id"], "fakegpu:2");
  EXPECT_EQ(single["cases"].size(), 2u);
  EXPECT_FALSE(single.contains("health"));
}

// The fake board draws 640 W all the time (its energy counter is 640 J per second): the run
// records the counter's difference over each timed loop, the average power where the window
// is at least 1 s, and the rate per watt; a shorter window gets no power, and runs of
// --repetitions add their windows up.
TEST(MultiDevice, EnergyCounterGivesTheAveragePowerOverTheTimedLoop) {
  TempDir dir;
  auto env = fake_env(1, "");
  env["SUANLI_FAKE_GEMM_MS"] = "20";
  const auto args = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> a = {"run", "--backend", "fakegpu", "--device", "0", "--tier", "vendor", "--dtype", "fp32",
                                  "--shape", "40x48x24", "--min-samples", "3", "--warmup", "0",
                                  "--out", (dir / (name + ".json")).string(), "--csv", (dir / (name + ".csv")).string()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const auto long_run = run_suanli(args("long", {"--min-time", "1.2", "--gbench-out", (dir / "gb.json").string()}), env);
  ASSERT_EQ(long_run.exit_code, 0) << long_run.err;
  EXPECT_NE(long_run.out.find("avg W"), std::string::npos) << long_run.out;  // the table's power column
  EXPECT_NE(long_run.out.find(" 640 "), std::string::npos) << long_run.out;
  const auto doc = read_json(dir / "long.json");
  EXPECT_GE(doc["schema_minor"], 4);
  const auto& c = doc["cases"][0];
  ASSERT_EQ(c["status"], "ok") << c.dump();
  EXPECT_GE(c["stats"]["loop_s"].get<double>(), 1.2);  // --min-time kept it sampling past convergence
  EXPECT_TRUE(c["state_before"]["energy_j"].is_number());
  const auto& e = c["energy"];
  ASSERT_TRUE(e.is_object()) << c.dump();
  EXPECT_GE(e["window_s"].get<double>(), c["stats"]["loop_s"].get<double>());
  EXPECT_NEAR(e["avg_power_w"].get<double>(), 640.0, 6.4) << e.dump();
  EXPECT_NEAR(e["joules"].get<double>(), 640.0 * e["window_s"].get<double>(), 0.01 * e["joules"].get<double>());
  ASSERT_TRUE(c["tflops_per_w"].is_number()) << c.dump();
  EXPECT_DOUBLE_EQ(c["tflops_per_w"].get<double>(), c["tflops"].get<double>() / e["avg_power_w"].get<double>());
  std::ifstream csv_in(dir / "long.csv");
  std::stringstream csv_text;
  csv_text << csv_in.rdbuf();
  const std::string csv = csv_text.str();
  EXPECT_NE(csv.find(",avg_power_w,tflops_per_w\n"), std::string::npos) << csv;
  const auto gb = read_json(dir / "gb.json");  // Google Benchmark JSON: the power as a counter
  ASSERT_FALSE(gb["benchmarks"].empty());
  EXPECT_DOUBLE_EQ(gb["benchmarks"][0]["avg_power_w"].get<double>(), e["avg_power_w"].get<double>());

  const auto short_run = run_suanli(args("short", {"--max-samples", "3"}), env);
  ASSERT_EQ(short_run.exit_code, 0) << short_run.err;
  EXPECT_EQ(short_run.out.find("avg W"), std::string::npos) << short_run.out;  // no power in any row: no column
  const auto short_doc = read_json(dir / "short.json");
  const auto& s = short_doc["cases"][0];
  ASSERT_TRUE(s["energy"].is_object()) << s.dump();
  EXPECT_LT(s["energy"]["window_s"].get<double>(), 1.0);
  EXPECT_TRUE(s["energy"]["avg_power_w"].is_null());
  EXPECT_NE(s["energy"].value("note", "").find("--min-time"), std::string::npos) << s.dump();
  EXPECT_FALSE(s.contains("tflops_per_w"));

  // Two runs of about 0.6 s each: neither window alone reaches 1 s, the folded one does.
  const auto reps = run_suanli(args("reps", {"--min-time", "0.6", "--repetitions", "2"}), env);
  ASSERT_EQ(reps.exit_code, 0) << reps.err;
  const auto reps_doc = read_json(dir / "reps.json");
  const auto& r = reps_doc["cases"][0];
  ASSERT_EQ(r["repetitions"].size(), 2u) << r.dump();
  EXPECT_GE(r["energy"]["window_s"].get<double>(), 1.2);
  EXPECT_NEAR(r["energy"]["avg_power_w"].get<double>(), 640.0, 6.4) << r.dump();
  EXPECT_TRUE(r["tflops_per_w"].is_number());
}

// The sanitize preset's leak checker sometimes notes at exit that it could not stop a thread
// (seen once in CI on this test's `--device 4`): only that note is dropped from stderr.
TEST(TestUtil, OnlyTheLeakCheckersThreadNoteIsDropped) {
  const std::string err = "suanli: --device 4 does not exist\n";
  EXPECT_EQ(test::without_sanitizer_notes("==22155==Unable to get registers from thread 22154.\n" + err), err);
  EXPECT_EQ(test::without_sanitizer_notes(err), err);
  EXPECT_EQ(test::without_sanitizer_notes("no newline"), "no newline");
  const std::string report = "==7==ERROR: LeakSanitizer: detected memory leaks\n";
  EXPECT_EQ(test::without_sanitizer_notes(report + err), report + err);
}

TEST(MultiDevice, BadDeviceValuesAreOneLineErrors) {
  TempDir dir;
  for (const std::string bad : {"-1", "x", "4", "1.5", "", "all,0", "99999999999"}) {
    const auto r = run_suanli(fake_run(dir / "r.json", bad), fake_env(4, ""));
    EXPECT_EQ(r.exit_code, 2) << "--device '" << bad << "': " << r.err;
    EXPECT_TRUE(one_line(r.err)) << "--device '" << bad << "': " << r.err;
    EXPECT_NE(r.err.find("device"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_empty(dir.path())) << "--device '" << bad << "' left a file";
  }
  const auto thr = run_suanli({"run", "--backend", "fakegpu", "--device", "all", "--health-threshold", "0", "--out", (dir / "r.json").string()},
                              fake_env(4, ""));
  EXPECT_EQ(thr.exit_code, 2);
  EXPECT_TRUE(one_line(thr.err)) << thr.err;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace suanli
