#include "harness/history.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <tuple>

#include "harness/errors.h"
#include "harness/host_info.h"
#include "harness/merge.h"

namespace suanli {
namespace {

// PRAGMA application_id "SULI": tells our database from any other SQLite file.
constexpr int kApplicationId = 0x53554c49;
// PRAGMA user_version. 2: cases.avg_power_w. A schema-1 file is upgraded when opened for
// writing (ALTER TABLE: its runs keep a null power) and read as it is otherwise.
constexpr int kHistorySchema = 2;

const char* const kCreateSchema = R"(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  run_key TEXT NOT NULL UNIQUE,       -- run_key() of merge.h: host, created_utc, revision, argv
  created_utc TEXT NOT NULL,
  host TEXT NOT NULL,
  git_revision TEXT NOT NULL,
  tool_version TEXT NOT NULL,
  source_path TEXT NOT NULL,          -- the result file the run was added from
  added_utc TEXT NOT NULL);
CREATE TABLE cases(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  case_key TEXT NOT NULL,             -- case_key() of result_file.h
  case_label TEXT NOT NULL,
  device TEXT NOT NULL,               -- "backend:index" on the run's host
  status TEXT NOT NULL,               -- the case status: ok | failed | skipped | invalid | suspicious | unverified
  median_s REAL,                      -- null unless ok
  tflops REAL,                        -- null unless ok and verified
  samples INTEGER NOT NULL,
  samples_s TEXT NOT NULL,            -- JSON array of the timed samples (seconds)
  avg_power_w REAL);                  -- the loop's average board power; null unless ok and measured
CREATE INDEX cases_by_key ON cases(case_key);
)";

[[noreturn]] void fail_sqlite(const std::string& path, sqlite3* db, int rc) {
  const int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB) throw UsageError(path + ": not an SQLite database (not a suanli history)");
  if (primary == SQLITE_CORRUPT) throw UsageError(path + ": the history database is corrupt (" + sqlite3_errmsg(db) + ")");
  throw UsageError(path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::string& path) : db_(db), path_(path) {
    const int rc = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    if (rc != SQLITE_OK) fail_sqlite(path_, db_, rc);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, const std::string& v) { check(sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT)); }
  void bind(int i, long long v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void bind(int i, const std::optional<double>& v) {
    check(v ? sqlite3_bind_double(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
  }
  // true: a row is ready; false: done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail_sqlite(path_, db_, rc);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<double> real(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(stmt_, col);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail_sqlite(path_, db_, rc);
  }
  sqlite3* db_;
  std::string path_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql, const std::string& path) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(path, db, rc);
}

long long pragma_value(sqlite3* db, const char* sql, const std::string& path) {
  Statement s(db, sql, path);
  return s.step() ? s.integer(0) : 0;
}

// Rolls back unless committed, so a run is stored whole or not at all.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) { exec(db_, "BEGIN IMMEDIATE", path_); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT", path_);
    done_ = true;
  }

 private:
  sqlite3* db_;
  std::string path_;
  bool done_ = false;
};

std::optional<double> number_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string default_history_db_path() {
  const char* env = std::getenv("SUANLI_HISTORY_DB");
  return env && *env ? env : "suanli-history.sqlite";
}

HistoryDb::HistoryDb(const std::string& path, Mode mode) : path_(path) {
  std::error_code ec;
  if (mode == Mode::read_only && !std::filesystem::exists(path, ec))
    throw UsageError(path + ": no history database here (create it with: suanli history add RESULT.json --db " + path + ")");
  if (std::filesystem::is_directory(path, ec)) throw UsageError(path + ": is a directory, not a history database");
  const int flags = mode == Mode::read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw UsageError(path + ": cannot open the history database (" + why + ")");
  }
  try {
    sqlite3_busy_timeout(db_, 10000);  // another `history add` holding the write lock
    // The first read of the header is where a non-database file shows itself.
    const long long app_id = pragma_value(db_, "PRAGMA application_id", path_);
    const long long tables = pragma_value(db_, "SELECT count(*) FROM sqlite_master", path_);
    if (app_id == 0 && tables == 0) {
      if (mode == Mode::read_only) throw UsageError(path + ": an empty SQLite database, not a suanli history");
      Transaction t(db_, path_);
      exec(db_, kCreateSchema, path_);
      exec(db_, ("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str(), path_);
      exec(db_, ("PRAGMA user_version = " + std::to_string(kHistorySchema)).c_str(), path_);
      t.commit();
    } else if (app_id != kApplicationId) {
      throw UsageError(path + ": an SQLite database, but not a suanli history");
    }
    schema_ = pragma_value(db_, "PRAGMA user_version", path_);
    if (schema_ > kHistorySchema)
      throw UsageError(path + ": history schema " + std::to_string(schema_) + " is newer than this build reads (" +
                       std::to_string(kHistorySchema) + ")");
    if (schema_ < 2 && mode != Mode::read_only) {
      Transaction t(db_, path_);
      exec(db_, "ALTER TABLE cases ADD COLUMN avg_power_w REAL", path_);
      exec(db_, ("PRAGMA user_version = " + std::to_string(kHistorySchema)).c_str(), path_);
      t.commit();
      schema_ = kHistorySchema;
    }
    exec(db_, "PRAGMA foreign_keys = ON", path_);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

HistoryDb::~HistoryDb() { sqlite3_close(db_); }

AddOutcome HistoryDb::add(const ResultFile& file) {
  AddOutcome out;
  const std::string now = utc_now_iso8601();
  for (const SourceRun& run : runs_of(file)) {
    Transaction t(db_, path_);
    Statement insert_run(db_,
                         "INSERT OR IGNORE INTO runs(run_key, created_utc, host, git_revision, tool_version, "
                         "source_path, added_utc) VALUES(?,?,?,?,?,?,?)",
                         path_);
    insert_run.bind(1, run_key(run));
    insert_run.bind(2, run.created_utc);
    insert_run.bind(3, run.host);
    insert_run.bind(4, run.git_revision);
    insert_run.bind(5, run.tool_version);
    insert_run.bind(6, run.path);
    insert_run.bind(7, now);
    insert_run.step();
    if (sqlite3_changes(db_) == 0) {
      ++out.runs_already_stored;
      continue;  // the transaction rolls back: nothing was written
    }
    const long long run_id = sqlite3_last_insert_rowid(db_);
    Statement insert_case(db_,
                          "INSERT INTO cases(run_id, case_key, case_label, device, status, median_s, tflops, "
                          "samples, samples_s, avg_power_w) VALUES(?,?,?,?,?,?,?,?,?,?)",
                          path_);
    for (const nlohmann::json* c : run.cases) {
      const std::vector<double> samples = case_samples(*c);
      const std::string status = c->at("status").get<std::string>();
      const auto stats = c->find("stats");
      const std::optional<double> median =
          status == "ok" && stats != c->end() && stats->is_object() ? number_at(*stats, "median_s") : std::nullopt;
      insert_case.bind(1, run_id);
      insert_case.bind(2, case_key(*c));
      insert_case.bind(3, case_label(*c));
      insert_case.bind(4, c->value("device", std::string()));
      insert_case.bind(5, status);
      insert_case.bind(6, median);
      insert_case.bind(7, status == "ok" ? number_at(*c, "tflops") : std::nullopt);
      insert_case.bind(8, static_cast<long long>(samples.size()));
      insert_case.bind(9, nlohmann::json(samples).dump());
      const auto energy = c->find("energy");
      insert_case.bind(10, status == "ok" && energy != c->end() && energy->is_object() ? number_at(*energy, "avg_power_w")
                                                                                     : std::nullopt);
      insert_case.step();
      insert_case.reset();
      ++out.cases_added;
    }
    t.commit();
    ++out.runs_added;
  }
  return out;
}

std::vector<HistorySeries> HistoryDb::series(const std::string& filter, std::size_t last) const {
  // A schema-1 file opened read-only has no power column: its runs read as null.
  const std::string power = schema_ >= 2 ? "c.avg_power_w" : "NULL";
  const std::string sql =
      "SELECT c.case_key, c.case_label, r.host, c.device, r.created_utc, r.git_revision, r.source_path, "
      "c.status, c.median_s, c.tflops, c.samples, " +
      power + " FROM cases c JOIN runs r ON r.id = c.run_id ORDER BY c.case_label, c.case_key, r.host, c.device, r.created_utc, r.id";
  Statement q(db_, sql.c_str(), path_);
  const std::string needle = lower(filter);
  std::vector<HistorySeries> out;
  while (q.step()) {
    const std::string key = q.text(0), label = q.text(1), host = q.text(2), device = q.text(3);
    if (!needle.empty() && lower(label).find(needle) == std::string::npos && lower(key).find(needle) == std::string::npos)
      continue;
    if (out.empty() || std::tie(out.back().case_key, out.back().host, out.back().device) != std::tie(key, host, device))
      out.push_back({key, label, host, device, {}});
    HistoryPoint p;
    p.created_utc = q.text(4);
    p.git_revision = q.text(5);
    p.host = host;
    p.source_path = q.text(6);
    p.status = q.text(7);
    p.median_s = q.real(8);
    p.tflops = q.real(9);
    p.samples = static_cast<int>(q.integer(10));
    p.avg_power_w = q.real(11);
    out.back().points.push_back(std::move(p));
  }
  if (last > 0)
    for (auto& s : out)
      if (s.points.size() > last) s.points.erase(s.points.begin(), s.points.end() - static_cast<std::ptrdiff_t>(last));
  return out;
}

int HistoryDb::run_count() const { return static_cast<int>(pragma_value(db_, "SELECT count(*) FROM runs", path_)); }

}  // namespace suanli
