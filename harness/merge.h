// Merging result files from many hosts (one per node of a Slurm job) into one results
// document, and reading any document back as the runs it holds.
//
// The merged document is an ordinary results document (schema_version 1) plus:
//   sources [{path, host, created_utc, finished_utc, tool_version, git_revision,
//             schema_minor, command, cases}]   one entry per distinct run merged
//   merge {files, schema_minor_min, schema_minor_max, duplicate_cases, duplicate_runs}
// Every case and device gains "host" (the hostname of the run it came from); every case
// gains "source" (its index into sources). A device is identified by (host, id).
// Top-level fields describe the merge itself, the way they describe a run in a run's file:
// tool, created_utc, finished_utc, command and host are those of the merging process;
// seed is the runs' common seed, or null when they differ; backends is the union by name
// (available if available anywhere); summary is recomputed over the merged cases.
// A merged document can itself be merged again: its sources are carried over.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/result_file.h"

namespace suanli {

// One run inside a results document: the whole document for a run's own file, one entry
// of "sources" for a merged one.
struct SourceRun {
  std::string path;  // the file the run was written to
  std::string host;
  std::string created_utc;
  std::string finished_utc;
  std::string git_revision;
  std::string tool_version;
  nlohmann::json command;  // argv of the run, null when unknown
  int schema_minor = 0;
  std::vector<const nlohmann::json*> cases;  // into the ResultFile's document
};

// Identity of a run, stable across copies and merges of its file: a hash of host,
// created_utc, git revision and command line.
std::string run_key(const SourceRun& run);

// The runs of a document (throws UsageError naming the file on a malformed "sources" or
// "source" index). The pointers live as long as file.
std::vector<SourceRun> runs_of(const ResultFile& file);

struct MergeStats {
  int files = 0;
  int runs = 0;
  int duplicate_runs = 0;   // the same run given twice (same file, or a copy of it)
  int duplicate_cases = 0;  // identical case records (same host) dropped
};

// Merges already-loaded files (in the order given). command is recorded as the merge's.
nlohmann::json merge_results(const std::vector<ResultFile>& files, const nlohmann::json& command,
                             MergeStats* stats = nullptr);

// Expands the command line's DIR|FILE arguments into result files: a directory gives every
// *.json directly inside it (sorted; not recursive), except the file named skip (the
// merge's own output when it is written into the same folder). Throws UsageError for a
// missing path or a directory with no .json files.
std::vector<std::string> merge_input_paths(const std::vector<std::string>& args, const std::string& skip);

}  // namespace suanli
