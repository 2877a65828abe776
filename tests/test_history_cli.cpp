// End-to-end: `suanli history add|show` through the binary: a step in a series of nightly
// files is flagged at the right run, and every kind of bad input is a one-line error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>

#include "tests/test_merge_util.h"
#include "tests/test_util.h"

namespace suanli {
namespace {

using test::count_of;
using test::one_line;
using test::read_json;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

const fs::path kLab = fs::path(SUANLI_TEST_SOURCE_DIR) / "tests/fixtures/merge/lab";

// Nightly files from node01's fixture: run i on 2026-12-(i+1), the first case's median
// multiplied by factor(i) (with a little deterministic jitter), the other case unchanged.
std::vector<std::string> write_nightlies(const TempDir& t, int runs, const std::function<double(int)>& factor) {
  const nlohmann::json base = read_json(kLab / "node01-42.json");
  std::vector<std::string> paths;
  for (int i = 0; i < runs; ++i) {
    nlohmann::json doc = base;
    char day[32];
    std::snprintf(day, sizeof day, "2026-12-%02dT02:00:00Z", i + 1);
    doc["created_utc"] = day;
    doc["tool"]["git_revision"] = "rev" + std::to_string(i);
    doc["cases"].erase(doc["cases"].size() - 1);  // drop node01's duplicated record
    auto& c = doc["cases"][0];
    const double f = factor(i) * (1 + 0.004 * ((i * 7) % 5 - 2));
    c["stats"]["median_s"] = c["stats"]["median_s"].get<double>() * f;
    c["tflops"] = c["tflops"].get<double>() / f;
    const auto path = (t / ("night" + std::to_string(i) + ".json")).string();
    std::ofstream(path) << doc.dump(2);
    paths.push_back(path);
  }
  return paths;
}

std::vector<std::string> add_args(const std::string& db, const std::vector<std::string>& files) {
  std::vector<std::string> args = {"history", "add", "--db", db};
  args.insert(args.end(), files.begin(), files.end());
  return args;
}

TEST(HistoryCli, AddsRunsOnceAndShowsTheTrend) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  const auto files = write_nightlies(t, 4, [](int) { return 1.0; });
  const auto args = add_args(db, files);
  const auto add = run_suanli(args);
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(count_of(add.out, "1 run(s) added"), 4u) << add.out;
  const auto again = run_suanli(args);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(count_of(again.out, "already stored"), 4u) << again.out;
  EXPECT_NE(again.out.find("4 run(s) stored"), std::string::npos) << again.out;

  const auto show = run_suanli({"history", "show", "--db", db});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  // Two cases, four runs each, oldest first; too few for step detection.
  EXPECT_EQ(count_of(show.out, "2026-12-0"), 8u) << show.out;
  EXPECT_LT(show.out.find("2026-12-01"), show.out.find("2026-12-04"));
  EXPECT_EQ(count_of(show.out, "too few ok runs"), 2u) << show.out;
  EXPECT_NE(show.out.find("rev3"), std::string::npos);
  EXPECT_EQ(show.out.find("avg W"), std::string::npos) << show.out;  // no run recorded a power

  const auto last = run_suanli({"history", "show", "--db", db, "--last", "2", "--case", "32X32"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(count_of(last.out, "2026-12-0"), 2u) << last.out;
  EXPECT_EQ(last.out.find("2026-12-01"), std::string::npos);

  // The database path from the environment.
  const auto env = run_suanli({"history", "show"}, {{"SUANLI_HISTORY_DB", db}});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, show.out);
}

// Runs that recorded an average board power show it beside their TFLOPS.
TEST(HistoryCli, ShowsTheAveragePowerOfRunsThatHadOne) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  const auto files = write_nightlies(t, 2, [](int) { return 1.0; });
  nlohmann::json doc = read_json(files[1]);
  doc["cases"][0]["energy"] = {{"joules", 1234.0}, {"window_s", 2.0}, {"avg_power_w", 617.0}};
  std::ofstream(files[1]) << doc.dump(2);
  ASSERT_EQ(run_suanli(add_args(db, files)).exit_code, 0);
  const auto show = run_suanli({"history", "show", "--db", db});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("avg W"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find(" 617 "), std::string::npos) << show.out;
}

TEST(HistoryCli, FlagsAStepAtTheRunWhereItHappened) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  // Run 9 onwards is 10% slower: throughput -9.1%.
  const auto files = write_nightlies(t, 14, [](int i) { return i >= 9 ? 1.10 : 1.0; });
  const auto args = add_args(db, files);
  ASSERT_EQ(run_suanli(args).exit_code, 0);
  const auto show = run_suanli({"history", "show", "--db", db});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(count_of(show.out, "STEP "), 1u) << show.out;  // only the case that changed
  EXPECT_NE(show.out.find("STEP -9."), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("at run 2026-12-10T02:00:00Z (rev rev9)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("no step over the last 14 ok runs"), std::string::npos) << show.out;
  // Over only the last 4 runs the step has too few runs before it to be tested.
  const auto short_window = run_suanli({"history", "show", "--db", db, "--last", "4"});
  EXPECT_EQ(count_of(short_window.out, "STEP "), 0u) << short_window.out;
}

TEST(HistoryCli, UnknownCaseFilterIsNotAnError) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  ASSERT_EQ(run_suanli({"history", "add", "--db", db, (kLab / "node02-42.json").string()}).exit_code, 0);
  const auto r = run_suanli({"history", "show", "--db", db, "--case", "fp8 on a toaster"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no stored case matches 'fp8 on a toaster'"), std::string::npos) << r.out;
}

TEST(HistoryCli, BadInputIsAOneLineErrorWithExit2) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  const auto good = (kLab / "node02-42.json").string();
  const auto truncated = (fs::path(SUANLI_TEST_SOURCE_DIR) / "tests/fixtures/merge/bad/node04-42.json").string();
  std::ofstream(t / "notes.txt") << "not a database\n";
  const auto notes = (t / "notes.txt").string();

  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"history", "show", "--db", (t / "absent.sqlite").string()}, "absent.sqlite: no history database"},
      {{"history", "show", "--db", notes}, "notes.txt: not an SQLite database"},
      {{"history", "add", "--db", notes, good}, "notes.txt: not an SQLite database"},
      {{"history", "add", "--db", db, good, truncated}, "node04-42.json: not valid JSON"},
      {{"history", "add", "--db", db, (t / "absent.json").string()}, "absent.json: cannot open"},
      {{"history", "show", "--db", db, "--last", "0"}, "--last must be at least 1"},
      {{"history", "show", "--db", db, "--last", "many"}, "--last"},
      {{"history", "show", "--db", db, "--min-step", "-1"}, "--min-step"},
      {{"history"}, "suanli: "},
  };
  for (const auto& c : cases) {
    const auto r = run_suanli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args.back() << "\n" << r.err;
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
  }
  // The add with a truncated file in it stored nothing (files are checked first).
  EXPECT_FALSE(fs::exists(db));
  EXPECT_EQ(read_json(good)["cases"].size(), 2u);
}

TEST(HistoryCli, CorruptDatabaseIsAOneLineError) {
  TempDir t;
  const auto db = (t / "h.sqlite").string();
  const auto files = write_nightlies(t, 12, [](int) { return 1.0; });
  const auto args = add_args(db, files);
  ASSERT_EQ(run_suanli(args).exit_code, 0);
  const auto size = fs::file_size(db);
  fs::resize_file(db, size / 2 + 100);  // cut mid-page, as an interrupted copy would
  {
    // and the schema page scribbled over (the header, with its application id, kept)
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    const std::string junk(3000, '\x7f');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  for (const auto& sub : {"show", "add"}) {
    std::vector<std::string> a = {"history", sub, "--db", db};
    if (std::string(sub) == "add") a.push_back((kLab / "node02-42.json").string());
    const auto r = run_suanli(a);
    EXPECT_EQ(r.exit_code, 2) << sub << ": " << r.out << r.err;
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_NE(r.err.find(db), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace suanli
