// End-to-end: `suanli compare` through the binary: exit codes, the three formats, -o, and
// bad input (exit 2, one line naming the problem, no report file left behind).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::one_line;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

std::vector<double> timings(double center, int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(center * std::exp(noise(gen)));
  return out;
}

nlohmann::json gemm_case(int m, std::vector<double> samples) {
  return {{"workload", "gemm"}, {"backend", "opencl"}, {"device_name", "dev"}, {"tier", "portable"},
          {"dtype", "fp32"},    {"shape", {{"m", m}, {"n", m}, {"k", m}}},      {"status", "ok"},
          {"hot", false},       {"samples_s", samples}};
}

fs::path write_doc(const TempDir& dir, const std::string& name, std::vector<nlohmann::json> cases) {
  const fs::path p = dir / name;
  std::ofstream(p) << nlohmann::json{{"schema_version", 1}, {"cases", cases}}.dump();
  return p;
}

// BASE and NEW: 64^3 unchanged, 128^3 12% slower, 256^3 only in NEW.
struct Fixture {
  TempDir dir;
  fs::path base = write_doc(dir, "base.json", {gemm_case(64, timings(1e-3, 40, 1)), gemm_case(128, timings(2e-3, 40, 2))});
  fs::path same = write_doc(dir, "same.json", {gemm_case(64, timings(1e-3, 40, 3)), gemm_case(128, timings(2e-3, 40, 4))});
  fs::path slower = write_doc(dir, "new.json", {gemm_case(64, timings(1e-3, 40, 5)), gemm_case(128, timings(2.24e-3, 40, 6)),
                                                gemm_case(256, timings(9e-3, 40, 7))});
};

// PoCL through the built plugins, with a compile cache private to `dir`.
std::map<std::string, std::string> pocl_env(const TempDir& dir) {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", (dir / "cache").string()}};
}

// A short PoCL GEMM run of one shape into `out`, with extra arguments.
test::CommandResult quick_gemm_run(const TempDir& dir, const std::string& shape, const fs::path& out,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", "--backend", "opencl", "--shape", shape, "--dtype", "fp32", "--tier",
                                   "portable", "--min-samples", "6", "--max-time", "0.2", "--warmup", "1", "--hot",
                                   "--out", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_suanli(args, pocl_env(dir));
}

TEST(CompareCli, NothingSlowerExitsZero) {
  Fixture f;
  const auto r = run_suanli({"compare", f.base.string(), f.same.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("summary: 0 slower, 0 faster, 2 same, 0 ambiguous, 0 not compared"), std::string::npos) << r.out;
}

TEST(CompareCli, ASlowerCaseExitsOneInEveryFormat) {
  Fixture f;
  const auto text = run_suanli({"compare", f.base.string(), f.slower.string(), "--format", "text"});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_NE(text.out.find("SLOWER"), std::string::npos);
  EXPECT_NE(text.out.find("only in NEW"), std::string::npos);

  const auto md = run_suanli({"compare", f.base.string(), f.slower.string(), "--format", "md"});
  EXPECT_EQ(md.exit_code, 1);
  const auto slower_row = md.out.find("| **SLOWER** | gemm fp32 portable 128x128x128");
  ASSERT_NE(slower_row, std::string::npos) << md.out;
  EXPECT_LT(slower_row, md.out.find("SAME</summary>"));
  EXPECT_NE(md.out.find("- gemm fp32 portable 256x256x256 opencl dev: only in NEW"), std::string::npos) << md.out;

  const auto js = run_suanli({"compare", f.base.string(), f.slower.string(), "--format", "json", "--threshold", "0.05"});
  EXPECT_EQ(js.exit_code, 1);
  const auto doc = nlohmann::json::parse(js.out);
  EXPECT_EQ(doc["summary"]["slower"], 1);
  EXPECT_EQ(doc["summary"]["same"], 1);
  EXPECT_EQ(doc["summary"]["not_compared"], 1);
  EXPECT_DOUBLE_EQ(doc["settings"]["threshold"].get<double>(), 0.05);
  EXPECT_NEAR(doc["cases"][0]["ratio"].get<double>(), 1.12, 0.01);

  // Swapped, the regression is an improvement: nothing is slower.
  const auto swapped = run_suanli({"compare", f.slower.string(), f.base.string()});
  EXPECT_EQ(swapped.exit_code, 0);
  EXPECT_NE(swapped.out.find("FASTER"), std::string::npos);
  EXPECT_NE(swapped.out.find("only in BASE"), std::string::npos);
}

TEST(CompareCli, OutputFileGetsTheReport) {
  Fixture f;
  const fs::path out = f.dir / "comment.md";
  const auto r = run_suanli({"compare", f.base.string(), f.slower.string(), "--format", "md", "-o", out.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("1 slower"), std::string::npos) << r.err;
  std::ifstream in(out);
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(body.rfind("### suanli compare: 1 slower", 0), 0u) << body;
}

TEST(CompareCli, BadInputExitsTwoWithOneLineAndNoReport) {
  Fixture f;
  const fs::path truncated = f.dir / "truncated.json";
  {
    std::ifstream in(f.base);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated) << text.substr(0, text.size() / 2);
  }
  const fs::path out = f.dir / "report.txt";
  const std::string base = f.base.string(), fresh = f.same.string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"compare", base, (f.dir / "missing.json").string()}, "missing.json: cannot open"},
      {{"compare", truncated.string(), fresh}, "truncated.json: not valid JSON (truncated?)"},
      {{"compare", base, fresh, "--threshold", "-5%"}, "--threshold '-5%'"},
      {{"compare", base, fresh, "--threshold", "abc"}, "--threshold 'abc'"},
      {{"compare", base, fresh, "--threshold", "3"}, "--threshold '3'"},
      {{"compare", base, fresh, "--format", "html"}, "--format 'html'"},
      {{"compare", base, fresh, "--alpha", "0.7"}, "--alpha"},
      {{"compare", base, fresh, "--paired", "--unit", "samples"}, "--paired pairs runs"},
      {{"compare", base}, "new"},
  };
  for (auto [args, expected] : cases) {
    args.insert(args.end(), {"-o", out.string()});
    const auto r = run_suanli(args);
    EXPECT_EQ(r.exit_code, 2) << args[2] << ": " << r.err;
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_EQ(r.err.rfind("suanli: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_FALSE(fs::exists(out)) << "a report was written for bad input: " << r.err;
  }
  // Nothing else (no temp file) is left in the directory either.
  for (const auto& e : fs::directory_iterator(f.dir.path()))
    EXPECT_TRUE(e.path().extension() == ".json") << e.path();
}

// A real PoCL result file compared with itself: the loader, matching and verdicts agree
// with what `suanli run` writes.
TEST(CompareCli, ARealRunComparedWithItselfIsNotSlower) {
  TempDir dir;
  const fs::path run = dir / "run.json";
  const auto r = quick_gemm_run(dir, "64x48x40", run);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = run_suanli({"compare", run.string(), run.string(), "--format", "json"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  const auto doc = nlohmann::json::parse(c.out);
  ASSERT_EQ(doc["cases"].size(), 1u);
  EXPECT_EQ(doc["cases"][0]["ratio"], 1.0);
  EXPECT_NE(doc["cases"][0]["verdict"], "SLOWER");
}

// The validation define of kernels/portable/gemm.cl adds work but must not change the
// result: the slowed kernel still passes verification, on an odd shape with edge tiles.
TEST(CompareCli, InjectedExtraWorkKeepsTheGemmVerified) {
  TempDir dir;
  const fs::path run = dir / "slow.json";
  const auto r = quick_gemm_run(dir, "100x70x300", run, {"--kernel-define", "GEMM_EXTRA_WORK_PCT=50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = test::read_json(run);
  ASSERT_EQ(doc["cases"].size(), 1u);
  for (const auto& c : doc["cases"]) {
    EXPECT_EQ(c["status"], "ok") << c.dump();
    EXPECT_TRUE(c["verified"].get<bool>());
  }
}

// run --repetitions: every case measured in passes, folded back to one record per case
// with one median per run; compare then takes the runs as its unit.
TEST(CompareCli, RepeatedRunsFoldPerCaseAndAreComparedRunByRun) {
  TempDir dir;
  const fs::path run = dir / "rep.json";
  const auto r = run_suanli({"run", "--backend", "opencl", "--shape", "64x48x40", "--shape", "40x32x24", "--dtype", "fp32",
                             "--tier", "portable", "--min-samples", "3", "--max-samples", "5", "--warmup", "0", "--hot",
                             "--repetitions", "5", "--out", run.string()},
                            pocl_env(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = test::read_json(run);
  ASSERT_EQ(doc["cases"].size(), 2u);  // folded: one record per case, not ten
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& c = doc["cases"][i];
    EXPECT_EQ(c["id"], static_cast<int>(i));
    EXPECT_EQ(c["status"], "ok") << c.dump();
    ASSERT_EQ(c["repetitions"].size(), 5u);
    int n = 0;
    for (const auto& rep : c["repetitions"]) n += rep["n"].get<int>();
    EXPECT_EQ(c["samples_s"].size(), static_cast<std::size_t>(n));
    EXPECT_EQ(c["stats"]["n"], n);
  }
  EXPECT_EQ(doc["summary"]["ok"], 2);

  const auto c = run_suanli({"compare", run.string(), run.string(), "--format", "json"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  const auto cmp = nlohmann::json::parse(c.out);
  ASSERT_EQ(cmp["cases"].size(), 2u);
  for (const auto& row : cmp["cases"]) {
    EXPECT_EQ(row["unit"], "runs");
    EXPECT_EQ(row["n_base"], 5);
    EXPECT_EQ(row["ratio"], 1.0);
  }
}

// BASE and NEW as directories of runs (one file each, e.g. taken in turn A B A B): each
// file is one run of the case, so compare tests the runs.
TEST(CompareCli, DirectoriesOfRunsAreComparedRunByRun) {
  TempDir dir;
  fs::create_directories(dir / "base");
  fs::create_directories(dir / "new");
  for (int i = 0; i < 5; ++i) {
    const double drift = 1.0 + 0.01 * (i % 3);  // the machine moves between runs
    write_doc(dir, "base/run" + std::to_string(i) + ".json",
              {gemm_case(64, timings(1e-3 * drift, 20, 100 + i)), gemm_case(128, timings(2e-3 * drift, 20, 200 + i))});
    write_doc(dir, "new/run" + std::to_string(i) + ".json",
              {gemm_case(64, timings(1e-3 * drift, 20, 300 + i)), gemm_case(128, timings(2.4e-3 * drift, 20, 400 + i))});
  }
  const auto r = run_suanli({"compare", (dir / "base").string(), (dir / "new").string(), "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // 128^3 is 20% slower in every run
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["cases"].size(), 2u);
  for (const auto& row : doc["cases"]) {
    EXPECT_EQ(row["unit"], "runs");
    EXPECT_EQ(row["n_base"], 5);
    EXPECT_EQ(row["n_new"], 5);
  }
  EXPECT_EQ(doc["cases"][0]["verdict"], "SLOWER");
  EXPECT_NE(doc["cases"][0]["label"].get<std::string>().find("128x128x128"), std::string::npos);
  EXPECT_NE(doc["cases"][1]["verdict"], "SLOWER");
  EXPECT_NE(doc["base"]["path"].get<std::string>().find("(5 runs)"), std::string::npos);
}

// Runs taken in turn (A B A B ...), the machine moving ±6% between pairs, 128^3 6% slower:
// as independent runs the drift hides the change; as pairs (--paired) it cancels.
// Ten runs a side into dir/base and dir/new, taken in turn: the machine moving ±6% between
// pairs, 64^3 unchanged, 128^3 6% slower in NEW; 128^3 left out of BASE's run `base_lacks`
// and NEW's run `new_lacks` (-1: none).
void write_interleaved_runs(const TempDir& dir, int base_lacks = -1, int new_lacks = -1) {
  fs::create_directories(dir / "base");
  fs::create_directories(dir / "new");
  const double drift[10] = {1.00, 1.07, 0.95, 1.04, 0.93, 1.09, 0.97, 1.02, 0.94, 1.06};
  for (int i = 0; i < 10; ++i) {
    const std::string name = "run" + std::to_string(10 + i) + ".json";  // name order = run order
    std::vector<nlohmann::json> b{gemm_case(64, timings(1e-3 * drift[i], 20, 100 + i))};
    std::vector<nlohmann::json> n{gemm_case(64, timings(1e-3 * drift[i], 20, 300 + i))};
    if (i != base_lacks) b.push_back(gemm_case(128, timings(2e-3 * drift[i], 20, 200 + i)));
    if (i != new_lacks) n.push_back(gemm_case(128, timings(2.12e-3 * drift[i], 20, 400 + i)));
    write_doc(dir, "base/" + name, b);
    write_doc(dir, "new/" + name, n);
  }
}

TEST(CompareCli, PairedRunsCancelADriftThePairsShare) {
  TempDir dir;
  write_interleaved_runs(dir);
  const std::string base = (dir / "base").string(), fresh = (dir / "new").string();
  const auto unpaired = run_suanli({"compare", base, fresh, "--format", "json"});
  EXPECT_EQ(unpaired.exit_code, 0) << unpaired.out;
  const auto paired = run_suanli({"compare", base, fresh, "--paired", "--format", "json"});
  EXPECT_EQ(paired.exit_code, 1) << paired.err;
  const auto doc = nlohmann::json::parse(paired.out);
  EXPECT_EQ(doc["settings"]["paired"], true);
  ASSERT_EQ(doc["cases"].size(), 2u);
  EXPECT_EQ(doc["cases"][0]["verdict"], "SLOWER");
  EXPECT_EQ(doc["cases"][0]["unit"], "pairs");
  EXPECT_NE(doc["cases"][0]["label"].get<std::string>().find("128x128x128"), std::string::npos);
  EXPECT_EQ(doc["cases"][1]["verdict"], "SAME");
}

// The same, but each side lacks 128^3 in a different run file (BASE's 4th, NEW's 7th): the
// runs are numbered per file, so the other runs keep their partners (8 pairs, 2 runs left
// out and counted) instead of shifting onto the wrong ones.
TEST(CompareCli, PairsFollowTheRunFilesWhenACaseIsMissingFromOne) {
  TempDir dir;
  write_interleaved_runs(dir, 3, 6);
  const auto r = run_suanli({"compare", (dir / "base").string(), (dir / "new").string(), "--paired", "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["cases"].size(), 2u);
  const auto& slow = doc["cases"][0];
  EXPECT_NE(slow["label"].get<std::string>().find("128x128x128"), std::string::npos);
  EXPECT_EQ(slow["verdict"], "SLOWER") << slow.dump();
  EXPECT_EQ(slow["n_base"], 8);
  EXPECT_EQ(slow["unpaired_runs"], 2);
  EXPECT_NE(slow["why"].get<std::string>().find("2 runs without a partner"), std::string::npos) << slow.dump();
  EXPECT_EQ(doc["cases"][1]["n_base"], 10);
  EXPECT_EQ(doc["cases"][1]["unpaired_runs"], 0);
}

}  // namespace
}  // namespace suanli
