// End-to-end: the suanli binary on PoCL, as a user runs it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
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

// A compile cache in the build tree shared by every test process (ctest runs each test in
// its own), so a kernel that PoCL takes half a minute to compile is compiled once per
// build, not once per test; entries are keyed by source, defines and device and published
// by rename, so sharing is safe. The cache test uses a private one.
std::string shared_cache_dir() { return SUANLI_TEST_KERNEL_CACHE_DIR; }

std::map<std::string, std::string> base_env() {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", shared_cache_dir()}};
}

// Short sampling: these tests check behaviour, not speed.
std::vector<std::string> quick_run(std::vector<std::string> extra) {
  std::vector<std::string> args = {"run", "--backend", "opencl", "--min-samples", "3", "--max-time", "0.2", "--warmup", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}


TEST(Cli, DevicesListsOpenClAndExplainsBrokenPlugins) {
  const auto r = run_suanli({"devices"}, base_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("opencl: 1 device"), std::string::npos) << r.out;
  // The plugin whose runtime library is missing: unavailable, with the loader's reason.
  EXPECT_NE(r.out.find("missingrt: unavailable: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("libsuanli_fake_runtime.so: cannot open shared object file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("badabi: unavailable: "), std::string::npos);
  EXPECT_NE(r.out.find("backend ABI"), std::string::npos);
  // Not built, or built but with no driver/GPU here: either way unavailable, with a reason.
  EXPECT_NE(r.out.find("cuda: unavailable: "), std::string::npos);

  const auto j = run_suanli({"devices", "--json"}, base_env());
  ASSERT_EQ(j.exit_code, 0);
  const auto doc = nlohmann::json::parse(j.out);
  bool saw_opencl = false;
  for (const auto& b : doc) {
    if (b["backend"] == "opencl") {
      saw_opencl = true;
      EXPECT_TRUE(b["available"].get<bool>());
      ASSERT_FALSE(b["devices"].empty());
      EXPECT_EQ(b["devices"][0]["info"]["type"], "cpu");
      EXPECT_GT(b["devices"][0]["info"]["compute_units"].get<int>(), 0);
    }
  }
  EXPECT_TRUE(saw_opencl);
}

TEST(Cli, ChipsListsTheDatabase) {
  const auto r = run_suanli({"chips"}, base_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("H200 SXM"), std::string::npos);
  EXPECT_NE(r.out.find("989.4"), std::string::npos);
  const auto j = run_suanli({"chips", "--json"}, base_env());
  ASSERT_EQ(j.exit_code, 0);
  EXPECT_GT(nlohmann::json::parse(j.out).size(), 30u);
}

// The acceptance run: both tiers, two dtypes, odd shapes; the JSON checked field by field.
TEST(Cli, RunOnPoclWritesAVerifiedResultsDocument) {
  TempDir dir;
  const auto r = run_suanli(quick_run({"--dtype", "fp32,fp64", "--tier", "portable,vendor", "--shape", "1x1x1", "--shape",
                                       "17x33x65", "--shape", "1000x1x1000", "--shape", "129x257x63", "--out",
                                       (dir / "r.json").string(), "--csv", (dir / "r.csv").string(), "--gbench-out",
                                       (dir / "gb.json").string()}),
                            base_env());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("17x33x65"), std::string::npos);  // the console table
  const auto doc = read_json(dir / "r.json");

  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["tool"]["name"], "suanli");
  EXPECT_FALSE(doc["tool"]["version"].get<std::string>().empty());
  EXPECT_TRUE(doc["tool"]["git_revision"].is_string());
  EXPECT_TRUE(doc["created_utc"].get<std::string>().ends_with("Z"));
  EXPECT_FALSE(doc["host"]["hostname"].get<std::string>().empty());
  EXPECT_TRUE(doc["host"]["cpu"].is_string());
  EXPECT_TRUE(doc["host"]["os"].is_string());
  EXPECT_TRUE(doc["command"].is_array());
  EXPECT_EQ(doc["seed"], 42);

  ASSERT_EQ(doc["devices"].size(), 1u);
  const auto& dev = doc["devices"][0];
  EXPECT_EQ(dev["id"], "opencl:0");
  EXPECT_EQ(dev["info"]["type"], "cpu");
  EXPECT_TRUE(dev["chip"].is_null());  // PoCL is in no datasheet…
  EXPECT_EQ(dev["peaks"]["fp32"]["basis"], "computed");  // …so its peak is computed, and says how
  EXPECT_NE(dev["peaks"]["fp32"]["method"].get<std::string>().find("cores"), std::string::npos);
  EXPECT_GT(dev["peaks"]["fp32"]["tflops"].get<double>(), 0.0);

  const auto& cases = doc["cases"];
  ASSERT_EQ(cases.size(), 4u * 2u * 2u);
  std::set<std::string> tiers;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.dump().substr(0, 400));
    EXPECT_EQ(c["workload"], "gemm");
    EXPECT_EQ(c["backend"], "opencl");
    EXPECT_EQ(c["device"], "opencl:0");
    tiers.insert(c["tier"].get<std::string>());
    EXPECT_TRUE(c["dtype"] == "fp32" || c["dtype"] == "fp64");
    EXPECT_TRUE(c["kernel"].is_object());
    EXPECT_EQ(c["status"], "ok");
    EXPECT_EQ(c["reason"], "");
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_TRUE(c["verification"]["ok"].get<bool>());
    EXPECT_LT(c["verification"]["worst_error_ratio"].get<double>(), 1.0);
    const auto& s = c["shape"];
    const double flops = 2.0 * s["m"].get<double>() * s["n"].get<double>() * s["k"].get<double>();
    EXPECT_DOUBLE_EQ(c["flops"].get<double>(), flops);
    const auto& st = c["stats"];
    for (const char* key : {"median_s", "min_s", "max_s", "p10_s", "p90_s", "cv"}) EXPECT_TRUE(st[key].is_number()) << key;
    EXPECT_GE(st["n"].get<int>(), 3);
    EXPECT_LE(st["min_s"].get<double>(), st["p10_s"].get<double>());
    EXPECT_LE(st["p10_s"].get<double>(), st["median_s"].get<double>());
    EXPECT_LE(st["median_s"].get<double>(), st["p90_s"].get<double>());
    EXPECT_LE(st["p90_s"].get<double>(), st["max_s"].get<double>());
    EXPECT_GT(st["min_s"].get<double>(), 0.0);
    EXPECT_EQ(c["samples_s"].size(), st["n"].get<std::size_t>());
    EXPECT_NEAR(c["tflops"].get<double>(), flops / st["median_s"].get<double>() / 1e12, 1e-9);
    EXPECT_GT(c["peak_tflops"].get<double>(), 0.0);
    EXPECT_NEAR(c["pct_of_peak"].get<double>(), 100.0 * c["tflops"].get<double>() / c["peak_tflops"].get<double>(), 1e-9);
    EXPECT_TRUE(c.contains("state_before"));
    EXPECT_TRUE(c["throttled_samples"].is_null());  // OpenCL cannot read throttle reasons: unknown, not 0
    EXPECT_TRUE(c["energy"].is_null());             // nor an energy counter: no power, not 0 W
    EXPECT_FALSE(c.contains("tflops_per_w"));
  }
  EXPECT_EQ(tiers, (std::set<std::string>{"portable", "vendor"}));
  EXPECT_EQ(doc["summary"]["ok"], 16);

  // CSV: a header and one row per case.
  std::ifstream csv(dir / "r.csv");
  int lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, 17);
  // Google Benchmark JSON: one benchmark per sample (repetitions), for compare.py.
  const auto gb = read_json(dir / "gb.json");
  ASSERT_TRUE(gb["benchmarks"].is_array());
  EXPECT_GE(gb["benchmarks"].size(), 16u * 3u);
  EXPECT_EQ(gb["benchmarks"][0]["time_unit"], "ms");
  EXPECT_TRUE(gb["benchmarks"][0]["name"].get<std::string>().starts_with("gemm/opencl:0/"));
}

// Google Benchmark's own tools/compare.py reads two suanli runs and matches every case,
// whatever number of samples each run's stopping rule took.
TEST(Cli, GbenchOutputWorksWithCompareDotPy) {
  const char* compare = "/usr/share/benchmark/compare.py";
  if (!fs::exists(compare)) GTEST_SKIP() << compare << " missing (libbenchmark-tools, installed by scripts/setup.sh)";
  TempDir dir;
  for (const char* run : {"1", "2"}) {
    const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape", "48x40x32", "--max-time", "0.2",
                               "--min-samples", run[0] == '1' ? "5" : "9", "--out", (dir / (std::string("r") + run + ".json")).string(),
                               "--gbench-out", (dir / (std::string("gb") + run + ".json")).string()},
                              base_env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // The document is kept in a variable: a range-for over a member of a temporary would
  // iterate freed memory (AddressSanitizer caught it).
  const auto gb1 = read_json(dir / "gb1.json");
  for (const auto& b : gb1["benchmarks"]) EXPECT_EQ(b["name"].get<std::string>().find("repeats:"), std::string::npos);
  const std::string cmd = std::string("/usr/bin/python3 ") + compare + " benchmarks " + (dir / "gb1.json").string() + " " +
                          (dir / "gb2.json").string() + " > " + (dir / "cmp.txt").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(dir / "cmp.txt");
  const std::string text((std::istreambuf_iterator<char>(f)), {});
  EXPECT_NE(text.find("gemm/opencl:0/portable/fp32/48x40x32"), std::string::npos) << text;
  EXPECT_NE(text.find("U Test"), std::string::npos) << text;  // the samples reached its rank test
}

TEST(Cli, BrokenKernelIsCaughtAndReportsNoFlops) {
  TempDir dir;
  const auto r = run_suanli(quick_run({"--tier", "portable", "--dtype", "fp32", "--shape", "17x33x65", "--shape", "64x64x64",
                                       "--kernel-define", "GEMM_SKIP_LAST_K_TILE=1", "--out", (dir / "r.json").string()}),
                            base_env());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto doc = read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 2u);
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(c["status"], "failed");
    EXPECT_FALSE(c["verified"].get<bool>());
    EXPECT_TRUE(c["tflops"].is_null());
    EXPECT_TRUE(c["pct_of_peak"].is_null());
    EXPECT_NE(c["reason"].get<std::string>().find("verification failed"), std::string::npos);
  }
}

TEST(Cli, SecondRunLoadsKernelsFromTheCompileCache) {
  TempDir cache, dir;
  auto env = base_env();
  env["SUANLI_CACHE_DIR"] = cache.path().string();
  const auto args = quick_run({"--tier", "portable", "--shape", "33x17x9", "--out", (dir / "r.json").string()});
  ASSERT_EQ(run_suanli(args, env).exit_code, 0);
  EXPECT_FALSE(read_json(dir / "r.json")["cases"][0]["kernel"]["from_cache"].get<bool>());
  EXPECT_FALSE(fs::is_empty(cache.path()));
  ASSERT_EQ(run_suanli(args, env).exit_code, 0);
  EXPECT_TRUE(read_json(dir / "r.json")["cases"][0]["kernel"]["from_cache"].get<bool>());
}

TEST(Cli, ShapeBeyondDeviceMemoryIsASkippedRow) {
  TempDir dir;
  const auto r = run_suanli(quick_run({"--shape", "1048576x1048576x1", "--out", (dir / "r.json").string()}), base_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 2u);
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(c["status"], "skipped");
    EXPECT_NE(c["reason"].get<std::string>().find("GiB"), std::string::npos) << c["reason"];
    EXPECT_TRUE(c["tflops"].is_null());
  }
}

TEST(Cli, UnsupportedDtypeIsASkippedRowWithTheReason) {
  TempDir dir;
  const auto r = run_suanli(quick_run({"--dtype", "int8", "--shape", "16x16x16", "--out", (dir / "r.json").string()}), base_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto doc = read_json(dir / "r.json");  // kept alive for the loop
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(c["status"], "skipped");
    EXPECT_FALSE(c["reason"].get<std::string>().empty());
  }
}

// --dry-run: the case list a run would measure, printed; nothing written, no journal. An
// unavailable backend is named with its reason (a GPU job is checked where it is written);
// bad options are refused as in a real run.
TEST(Cli, DryRunPrintsThePlanAndWritesNothing) {
  TempDir dir;
  const std::string out = (dir / "r.json").string();
  auto r = run_suanli({"run", "--backend", "opencl", "--dtype", "fp32,fp16", "--tier", "portable,vendor", "--shape", "17x33x65",
                       "--shape", "64x64x64", "--repetitions", "3", "--out", out, "--csv", (dir / "r.csv").string(), "--dry-run"},
                      base_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dry run: 8 case(s) x 3 repetitions on opencl device 0 ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  #0 gemm fp32 portable 17x33x65\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  #7 gemm fp16 vendor 64x64x64\n"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_empty(dir.path())) << "a dry run wrote a file";

  r = run_suanli({"run", "--backend", "fakegpu", "--workload", "attention", "--tier", "native", "--native-kernel",
                  "attention_mma_sync", "--dtype", "bf16", "--shape", "1x32x4096x128", "--causal", "--out", out, "--dry-run"},
                 base_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  #0 attention bf16 native 1x32x4096x128 causal attention_mma_sync\n"), std::string::npos) << r.out;

  r = run_suanli({"run", "--backend", "cuda", "--shape", "64x64x64", "--out", out, "--dry-run"}, base_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("on cuda device 0 (unavailable here: "), std::string::npos) << r.out;

  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"run", "--backend", "opencl", "--tier", "native", "--native-kernel", "gemm_nope", "--dry-run"},
        std::vector<std::string>{"run", "--backend", "opencl", "--dtype", "fp7", "--dry-run"},
        std::vector<std::string>{"run", "--backend", "nope", "--dry-run"}}) {
    r = run_suanli(bad, base_env());
    EXPECT_EQ(r.exit_code, 2) << bad[3];
    EXPECT_TRUE(one_line(r.err)) << r.err;
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// Bad input: a one-line error naming the problem, exit 2, and no results file at all.
TEST(Cli, BadInputGivesOneLineErrorAndNoOutput) {
  TempDir dir;
  const std::string out = (dir / "r.json").string();
  {
    std::ofstream bad(dir / "bad-chips.json");
    bad << "{\"schema_version\": 1, \"chips\": [ {\"name\": 3} ]";
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--backend", "vulkan", "--out", out}, "unknown backend 'vulkan'"},
      {{"run", "--dtype", "fp99", "--out", out}, "unknown dtype 'fp99'"},
      {{"run", "--workload", "conv", "--out", out}, "unknown workload 'conv'"},
      {{"run", "--tier", "turbo", "--out", out}, "unknown tier 'turbo'"},
      {{"run", "--shape", "2048x", "--out", out}, "shape '2048x'"},
      {{"run", "--shape", "0x5x5", "--out", out}, "at least 1"},
      {{"run", "--shape", "-1x2x3", "--out", out}, "shape '-1x2x3'"},
      {{"run", "--shape", "axbxc", "--out", out}, "not an integer"},
      {{"run", "--shapes", "cubes", "--out", out}, "unknown shape set 'cubes'"},
      {{"run", "--backend", "opencl", "--device", "7", "--out", out}, "--device 7 does not exist"},
      {{"run", "--backend", "missingrt", "--out", out}, "unavailable"},
      {{"run", "--out", "/nonexistent-dir/r.json"}, "cannot write there"},
      {{"run", "--chips", (dir / "bad-chips.json").string(), "--out", out}, "bad-chips.json"},
      {{"run", "--chips", (dir / "missing.json").string(), "--out", out}, "missing.json"},
      {{"chips", "--chips", (dir / "bad-chips.json").string()}, "bad-chips.json"},
      {{"run", "--min-samples", "0", "--out", out}, "--min-samples"},
      {{"run", "--kernel-define", "A B=1", "--out", out}, "--kernel-define"},
      {{"run", "--device", "abc", "--out", out}, "--device"},
      {{"frobnicate"}, "frobnicate"},
  };
  for (const auto& [args, expected] : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    const auto r = run_suanli(args, base_env());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(one_line(r.err)) << "stderr: [" << r.err << "]";
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  // Nothing left behind: no temp files beside the target either.
  for (const auto& e : fs::directory_iterator(dir.path())) EXPECT_EQ(e.path().filename(), "bad-chips.json");
}

TEST(Cli, DefaultRunPicksTheFirstAvailableBackend) {
  TempDir dir;
  // Default backend and device, a small explicit shape so the test stays short.
  const auto r = run_suanli({"run", "--shape", "40x40x40", "--min-samples", "3", "--max-time", "0.1", "--out", (dir / "r.json").string()},
                            base_env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_json(dir / "r.json")["devices"][0]["backend"], "opencl");
}

}  // namespace
}  // namespace suanli

namespace suanli {
namespace {

using test::read_json;
using test::run_suanli;
using test::TempDir;

std::map<std::string, std::string> attention_env() { return base_env(); }

// The odd shapes on PoCL: S = 1, S = 17, Sq != Skv both ways, D = 80, GQA, causal
// and not; every case verified in fp64 before it is timed.
TEST(CliAttention, OddShapesVerifyOnPocl) {
  TempDir dir;
  struct Run {
    std::vector<std::string> extra;
  };
  const Run runs[] = {
      {{"--shape", "1x2x1x64", "--shape", "1x2x17x64", "--shape", "2x4x17x80"}},
      {{"--shape", "1x2x17x64", "--shape", "1x1x1x64", "--causal"}},
      {{"--shape", "2x4x17x80", "--kv-heads", "2", "--seq-kv", "33", "--causal"}},
      {{"--shape", "1x2x33x128", "--kv-heads", "1", "--seq-kv", "17", "--causal"}},
      {{"--shape", "1x2x33x128", "--seq-kv", "17"}},
  };
  for (const auto& run : runs) {
    std::vector<std::string> args = {"run", "--backend", "opencl", "--workload", "attention", "--tier", "portable,vendor",
                                     "--min-samples", "3", "--max-time", "0.2", "--warmup", "1", "--out", (dir / "r.json").string()};
    args.insert(args.end(), run.extra.begin(), run.extra.end());
    const auto r = run_suanli(args, attention_env());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto doc = read_json(dir / "r.json");  // kept alive for the loop
    for (const auto& c : doc["cases"]) {
      SCOPED_TRACE(c.dump().substr(0, 300));
      EXPECT_EQ(c["workload"], "attention");
      // Both tiers: the fused kernel and the unfused CLBlast gemm + softmax + gemm path.
      EXPECT_EQ(c["status"], "ok");
      EXPECT_TRUE(c["verified"].get<bool>());
      EXPECT_GT(c["tflops"].get<double>(), 0.0);
      const auto& s = c["shape"];
      const double full = 4.0 * s["b"].get<double>() * s["h"].get<double>() * s["s_q"].get<double>() *
                          s["s_kv"].get<double>() * s["d"].get<double>();
      EXPECT_DOUBLE_EQ(c["flops"].get<double>(), s["causal"].get<bool>() ? full / 2 : full);
    }
  }
}

// A kernel that does not compile: the case fails with the reason, the run goes on, and the
// compiler's log is saved beside the results (and named in the case record).
TEST(Cli, FailedCompileSavesTheLogBesideTheResults) {
  TempDir dir;
  const auto out = dir / "r.json";
  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape", "8x8x8", "--kernel-define",
                             "GEMM_TILE_M=0", "--min-samples", "3", "--out", out.string()},
                            base_env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = read_json(out);
  const auto& c = doc["cases"][0];
  EXPECT_EQ(c["status"], "failed");
  ASSERT_TRUE(c.contains("compile_log_file")) << c.dump().substr(0, 400);
  const std::string path = c["compile_log_file"].get<std::string>();
  EXPECT_EQ(path, out.string() + ".logs/case-0.compile.log");
  std::ifstream log(path);
  std::stringstream text;
  text << log.rdbuf();
  EXPECT_NE(text.str().find("tile sizes and WPT must be >= 1"), std::string::npos) << text.str();
}

TEST(CliAttention, BrokenKernelIsCaught) {
  TempDir dir;
  const auto r = run_suanli({"run", "--backend", "opencl", "--workload", "attention", "--tier", "portable", "--shape",
                             "1x2x17x80", "--seq-kv", "100", "--kernel-define", "ATTN_SKIP_LAST_KV_TILE=1", "--min-samples", "3",
                             "--out", (dir / "r.json").string()},
                            attention_env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto c = read_json(dir / "r.json")["cases"][0];
  EXPECT_EQ(c["status"], "failed");
  EXPECT_TRUE(c["tflops"].is_null());
}

// The unfused path's softmax with its last visible key dropped must fail verification too,
// causal or not (the causal rows drop a different key per row).
TEST(CliAttention, BrokenUnfusedSoftmaxIsCaught) {
  TempDir dir;
  for (const bool causal : {false, true}) {
    std::vector<std::string> args = {"run", "--backend", "opencl", "--workload", "attention", "--tier", "vendor",
                                     "--shape", "1x2x17x64", "--kv-heads", "1", "--kernel-define",
                                     "SOFTMAX_DROP_LAST_KEY=1", "--min-samples", "3", "--out", (dir / "r.json").string()};
    if (causal) args.push_back("--causal");
    const auto r = run_suanli(args, attention_env());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    const auto c = read_json(dir / "r.json")["cases"][0];
    EXPECT_EQ(c["status"], "failed") << c.dump().substr(0, 400);
    EXPECT_NE(c["reason"].get<std::string>().find("verification failed"), std::string::npos);
    EXPECT_TRUE(c["tflops"].is_null());
  }
}

TEST(CliAttention, BadShapesAreUsageErrorsAndLargeHeadDimIsSkipped) {
  TempDir dir;
  const std::string out = (dir / "r.json").string();
  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"--shape", "1x8x1024x0"}, "D must be at least 1"},
      {{"--shape", "1x8x0x64"}, "S must be at least 1"},
      {{"--shape", "1x8x64x64", "--kv-heads", "3"}, "not a multiple of the kv heads"},
  };
  for (const auto& [extra, why] : bad) {
    std::vector<std::string> args = {"run", "--backend", "opencl", "--workload", "attention", "--out", out};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_suanli(args, attention_env());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  const auto gemm_flag = run_suanli({"run", "--backend", "opencl", "--causal", "--out", out}, attention_env());
  EXPECT_EQ(gemm_flag.exit_code, 2);
  EXPECT_NE(gemm_flag.err.find("--workload attention only"), std::string::npos);

  const auto r = run_suanli({"run", "--backend", "opencl", "--workload", "attention", "--tier", "portable", "--shape", "1x1x4x300",
                             "--out", out},
                            attention_env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto c = read_json(out)["cases"][0];
  EXPECT_EQ(c["status"], "skipped");
  EXPECT_NE(c["reason"].get<std::string>().find("256"), std::string::npos);
}

}  // namespace
}  // namespace suanli
