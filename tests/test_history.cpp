// The SQLite run history: a run is stored once however often it is added, every stored
// field reads back, merged files add each of their runs, and bad database files are a
// one-line error naming the file.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "harness/errors.h"
#include "harness/history.h"
#include "harness/merge.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

const fs::path kLab = fs::path(SUANLI_TEST_SOURCE_DIR) / "tests/fixtures/merge/lab";

struct TempDb {
  fs::path dir = fs::temp_directory_path() / ("suanli_hist_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDb() { fs::create_directories(dir); }
  ~TempDb() { fs::remove_all(dir); }
  std::string path(const std::string& name = "h.sqlite") const { return (dir / name).string(); }
};

// A nightly run of node02's fixture: created at `created`, all times scaled by `scale`.
ResultFile nightly(const std::string& created, double scale, const std::string& revision = "r1") {
  ResultFile f = load_result_file((kLab / "node02-42.json").string());
  f.document["created_utc"] = created;
  f.document["tool"]["git_revision"] = revision;
  for (auto& c : f.document["cases"]) {
    c["stats"]["median_s"] = c["stats"]["median_s"].get<double>() * scale;
    c["tflops"] = c["tflops"].get<double>() / scale;
  }
  return f;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(History, AddingTheSameRunTwiceStoresItOnce) {
  TempDb t;
  HistoryDb db(t.path(), HistoryDb::Mode::create);
  const ResultFile f = nightly("2026-11-20T02:00:00Z", 1.0);
  const AddOutcome first = db.add(f);
  EXPECT_EQ(first.runs_added, 1);
  EXPECT_EQ(first.cases_added, 2);
  const AddOutcome again = db.add(f);
  EXPECT_EQ(again.runs_added, 0);
  EXPECT_EQ(again.runs_already_stored, 1);
  EXPECT_EQ(db.run_count(), 1);
  for (const auto& s : db.series("", 0)) EXPECT_EQ(s.points.size(), 1u);
}

TEST(History, StoredFieldsReadBackPerCase) {
  TempDb t;
  const ResultFile f = nightly("2026-11-20T02:00:00Z", 1.0, "abc123");
  {
    HistoryDb db(t.path(), HistoryDb::Mode::create);
    db.add(f);
  }
  const HistoryDb db(t.path(), HistoryDb::Mode::read_only);
  const auto all = db.series("", 0);
  ASSERT_EQ(all.size(), 2u);
  for (const auto& s : all) {
    const nlohmann::json* match = nullptr;
    for (const auto& c : f.document["cases"])
      if (case_key(c) == s.case_key) match = &c;
    ASSERT_NE(match, nullptr) << s.case_key;
    EXPECT_EQ(s.case_label, case_label(*match));
    EXPECT_EQ(s.host, "node02");
    EXPECT_EQ(s.device, (*match)["device"].get<std::string>());
    ASSERT_EQ(s.points.size(), 1u);
    const HistoryPoint& p = s.points[0];
    EXPECT_EQ(p.created_utc, "2026-11-20T02:00:00Z");
    EXPECT_EQ(p.git_revision, "abc123");
    EXPECT_EQ(p.status, "ok");
    ASSERT_TRUE(p.median_s && p.tflops);
    EXPECT_DOUBLE_EQ(*p.median_s, (*match)["stats"]["median_s"].get<double>());
    EXPECT_DOUBLE_EQ(*p.tflops, (*match)["tflops"].get<double>());
    EXPECT_EQ(p.samples, static_cast<int>(case_samples(*match).size()));
  }
}

// History schema 2 stores the run's average board power; a schema-1 file is read as it is
// (powers null) and upgraded in place when opened for writing, its old runs kept.
TEST(History, AveragePowerIsStoredAndASchemaOneFileIsUpgraded) {
  TempDb t;
  {
    HistoryDb db(t.path(), HistoryDb::Mode::create);
    db.add(nightly("2026-11-20T02:00:00Z", 1.0));
  }
  sqlite3* raw = nullptr;  // the file as a schema-1 build wrote it
  ASSERT_EQ(sqlite3_open(t.path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "ALTER TABLE cases DROP COLUMN avg_power_w; PRAGMA user_version = 1", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  {
    const HistoryDb old(t.path(), HistoryDb::Mode::read_only);
    const auto all = old.series("", 0);
    ASSERT_EQ(all.size(), 2u);
    for (const auto& s : all) EXPECT_FALSE(s.points.at(0).avg_power_w.has_value());
  }
  ResultFile with_power = nightly("2026-11-21T02:00:00Z", 1.0);
  for (auto& c : with_power.document["cases"]) c["energy"] = {{"joules", 1300.0}, {"window_s", 2.0}, {"avg_power_w", 650.0}};
  {
    HistoryDb db(t.path(), HistoryDb::Mode::create);
    EXPECT_EQ(db.add(with_power).runs_added, 1);
  }
  ASSERT_EQ(sqlite3_open(t.path().c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* version = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &version, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(version), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(version, 0), 2);
  sqlite3_finalize(version);
  sqlite3_close(raw);
  const HistoryDb db(t.path(), HistoryDb::Mode::read_only);
  for (const auto& s : db.series("", 0)) {
    ASSERT_EQ(s.points.size(), 2u);
    EXPECT_FALSE(s.points[0].avg_power_w.has_value());  // stored before the upgrade
    ASSERT_TRUE(s.points[1].avg_power_w.has_value());
    EXPECT_DOUBLE_EQ(*s.points[1].avg_power_w, 650.0);
  }
}

TEST(History, SeriesAreOrderedByDateFilteredAndCutToTheLastRuns) {
  TempDb t;
  HistoryDb db(t.path(), HistoryDb::Mode::create);
  // Added out of order: the series is ordered by the runs' own dates.
  for (const char* day : {"2026-11-23", "2026-11-21", "2026-11-22", "2026-11-20"})
    db.add(nightly(std::string(day) + "T02:00:00Z", 1.0));
  const auto all = db.series("", 0);
  ASSERT_EQ(all.size(), 2u);
  ASSERT_EQ(all[0].points.size(), 4u);
  EXPECT_EQ(all[0].points.front().created_utc, "2026-11-20T02:00:00Z");
  EXPECT_EQ(all[0].points.back().created_utc, "2026-11-23T02:00:00Z");

  const auto last2 = db.series("", 2);
  ASSERT_EQ(last2[0].points.size(), 2u);
  EXPECT_EQ(last2[0].points.front().created_utc, "2026-11-22T02:00:00Z");

  const auto one = db.series("48X40X24", 0);  // case-insensitive, on the label
  ASSERT_EQ(one.size(), 1u);
  EXPECT_NE(one[0].case_label.find("48x40x24"), std::string::npos);
  EXPECT_TRUE(db.series("no such case", 0).empty());
}

TEST(History, MergedFileAddsEachRunAndMatchesTheRunsOwnFiles) {
  TempDb t;
  HistoryDb db(t.path(), HistoryDb::Mode::create);
  std::vector<ResultFile> files;
  for (const char* n : {"node01-42.json", "node02-42.json", "node03-42.json"})
    files.push_back(load_result_file((kLab / n).string()));
  const ResultFile merged = validate_result_document(merge_results(files, nullptr), "merged.json");
  const AddOutcome o = db.add(merged);
  EXPECT_EQ(o.runs_added, 3);
  EXPECT_EQ(db.add(files[1]).runs_already_stored, 1);  // node02's own file: the same run
  std::set<std::string> hosts;
  for (const auto& s : db.series("", 0)) hosts.insert(s.host);
  EXPECT_EQ(hosts, (std::set<std::string>{"node01", "node02", "node03"}));
}

TEST(History, FailedCasesAreStoredWithoutNumbers) {
  TempDb t;
  HistoryDb db(t.path(), HistoryDb::Mode::create);
  ResultFile f = nightly("2026-11-20T02:00:00Z", 1.0);
  auto& c = f.document["cases"][0];
  c["status"] = "failed";
  c["tflops"] = nullptr;
  db.add(f);
  const auto s = db.series(case_label(c), 0);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].points[0].status, "failed");
  EXPECT_FALSE(s[0].points[0].median_s);
  EXPECT_FALSE(s[0].points[0].tflops);
  EXPECT_EQ(s[0].points[0].samples, 0);
}

TEST(History, BadDatabaseFilesAreUsageErrorsNamingTheFile) {
  TempDb t;
  EXPECT_NE(error_of([&] { HistoryDb(t.path("absent.sqlite"), HistoryDb::Mode::read_only); }).find("absent.sqlite: no history database"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(t.path("absent.sqlite")));

  std::ofstream(t.path("text.sqlite")) << "this is not a database, it is a note to self\n";
  for (auto mode : {HistoryDb::Mode::read_only, HistoryDb::Mode::create})
    EXPECT_NE(error_of([&] { HistoryDb(t.path("text.sqlite"), mode); }).find("text.sqlite: not an SQLite database"),
              std::string::npos);

  // Some other program's SQLite database is left alone.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(t.path("other.sqlite").c_str(), &other), SQLITE_OK);
  sqlite3_exec(other, "CREATE TABLE notes(text TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_NE(error_of([&] { HistoryDb(t.path("other.sqlite"), HistoryDb::Mode::create); }).find("not a suanli history"),
            std::string::npos);

  EXPECT_NE(error_of([&] { HistoryDb(t.dir.string(), HistoryDb::Mode::create); }).find("is a directory"), std::string::npos);
  EXPECT_NE(error_of([&] { HistoryDb(t.path("no/such/dir/h.sqlite"), HistoryDb::Mode::create); }).find("cannot open"),
            std::string::npos);
}

TEST(History, CorruptDatabaseIsAUsageError) {
  TempDb t;
  {
    HistoryDb db(t.path(), HistoryDb::Mode::create);
    for (int day = 10; day < 30; ++day) db.add(nightly("2026-11-" + std::to_string(day) + "T02:00:00Z", 1.0));
  }
  // Overwrite everything after the header page: the schema and data pages are garbage.
  const auto size = fs::file_size(t.path());
  ASSERT_GT(size, 8192u);
  {
    std::fstream f(t.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    const std::string junk(size - 100, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  const std::string err = error_of([&] {
    const HistoryDb db(t.path(), HistoryDb::Mode::read_only);
    db.series("", 0);
  });
  EXPECT_EQ(err.rfind(t.path() + ": ", 0), 0u) << err;
}

}  // namespace
}  // namespace suanli
