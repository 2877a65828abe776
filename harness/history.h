// The run history: result files stored in an SQLite database, one row per run and one per
// case, and read back as a series per case for trends and change-point detection.
//
// A run is identified by run_key() (merge.h): host, created_utc, git revision and command
// line. Adding a file whose run is stored already adds nothing, so a nightly job may add
// every file it finds. A merged file (merge.h) adds one run per source.
// A series is one case (case_key) on one host and device: identical cards in one box, or
// the same card model in two boxes, are separate series.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/result_file.h"

struct sqlite3;

namespace suanli {

// $SUANLI_HISTORY_DB when set and not empty, else "suanli-history.sqlite" in the current
// directory.
std::string default_history_db_path();

struct HistoryPoint {
  std::string created_utc, git_revision, host, source_path;
  std::string status;
  std::optional<double> median_s, tflops;
  std::optional<double> avg_power_w;  // the run's average board power (result schema_minor 4), where it had one
  int samples = 0;
};

struct HistorySeries {
  std::string case_key, case_label, host, device;
  std::vector<HistoryPoint> points;  // oldest first (created_utc)
};

struct AddOutcome {
  int runs_added = 0;
  int runs_already_stored = 0;
  int cases_added = 0;
};

class HistoryDb {
 public:
  enum class Mode { read_only, create };
  // Throws UsageError naming the file: missing (read_only), not an SQLite database,
  // corrupt, or an SQLite database that is not a suanli history.
  HistoryDb(const std::string& path, Mode mode);
  ~HistoryDb();
  HistoryDb(const HistoryDb&) = delete;
  HistoryDb& operator=(const HistoryDb&) = delete;

  // Stores every run of the file not stored yet, each run in one transaction.
  AddOutcome add(const ResultFile& file);
  // Series whose label or key contains filter (case-insensitive; empty: all), each with
  // only its newest `last` points (0: all).
  std::vector<HistorySeries> series(const std::string& filter, std::size_t last) const;
  int run_count() const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
  long long schema_ = 0;  // the file's user_version after open (a read-only schema-1 file stays 1)
};

}  // namespace suanli
