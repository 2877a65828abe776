// The run journal: crash safety for `suanli run`. Every finished case is appended, as one
// JSON line, to <out>.journal.jsonl and fsync'd before the next case starts, so a run
// killed by anything (kill -9, power loss, a driver that takes the host down) loses at
// most the case in flight; `suanli run --resume JOURNAL` reads it back and runs the rest.
//
// Format (JSON Lines, journal_version 1):
//   line 1   {"type":"header","journal_version":1,"created_utc","command",[argv],
//             "out", "options" {…}, "backend", "devices" [{"id","index"}], "cases" [CaseSpec]}
//   then     {"type":"device","device":"backend:index","info":{…}}    a worker opened it
//            {"type":"case","device":"backend:index","record":{…}}   a finished case
// Only newline-terminated lines count: a line cut short by a kill is ignored with a note.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli {

constexpr int kJournalVersion = 1;

// "<out>.journal.jsonl": beside the results file, so the two are found together.
std::filesystem::path journal_path_for(const std::filesystem::path& out);

class JournalWriter {
 public:
  // Starts a journal with its header line. Throws UsageError when the file exists (the
  // journal of an interrupted run: resume it or delete it, never overwrite it).
  static std::unique_ptr<JournalWriter> create(const std::filesystem::path& path, const nlohmann::json& header);
  // Continues a journal, first cutting it at `valid_bytes` (what read_journal accepted),
  // so a torn last line does not run into the next one.
  static std::unique_ptr<JournalWriter> reopen(const std::filesystem::path& path, std::uint64_t valid_bytes);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Writes one line and fsyncs it before returning. Safe from several threads (one per
  // device). Throws std::runtime_error on a write error: a journal that cannot be written
  // no longer protects anything, so the run should not go on as if it did.
  void append(const nlohmann::json& entry);
  // Closes and deletes the journal (the complete results file now holds everything).
  void remove();
  const std::filesystem::path& path() const { return path_; }

 private:
  JournalWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
  std::mutex mutex_;
};

struct JournalContents {
  nlohmann::json header;
  std::vector<nlohmann::json> devices;  // "device" entries, in order
  std::vector<nlohmann::json> cases;    // "case" entries, in order
  std::uint64_t valid_bytes = 0;        // length up to and including the last good line
  std::optional<std::string> note;      // e.g. a truncated last line that was ignored
};

// Reads and checks a journal. Throws UsageError "FILE:LINE: problem" for anything but a
// torn last line: unreadable file, bad JSON, a missing or foreign header, an unknown
// entry type, a case for a device or case id the header does not have, a case twice.
JournalContents read_journal(const std::filesystem::path& path);

}  // namespace suanli
