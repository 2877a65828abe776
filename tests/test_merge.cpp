// Merging result files from several hosts (fixtures in tests/fixtures/merge/lab: node01
// with one case recorded twice, node02 and an identical copy of it, node03 written with
// schema_minor 1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "harness/errors.h"
#include "harness/merge.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(SUANLI_TEST_SOURCE_DIR) / "tests/fixtures/merge";

std::vector<ResultFile> load_all(const std::vector<std::string>& paths) {
  std::vector<ResultFile> out;
  for (const auto& p : paths) out.push_back(load_result_file(p));
  return out;
}

std::vector<ResultFile> lab_files() { return load_all(merge_input_paths({(kFixtures / "lab").string()}, "")); }

// Counted from the fixtures themselves, so a changed fixture changes the expectation.
std::size_t distinct_cases(const std::vector<ResultFile>& files) {
  std::set<std::string> seen;
  for (const auto& f : files)
    for (const auto& c : f.document["cases"]) seen.insert(f.document["host"]["hostname"].get<std::string>() + c.dump());
  return seen.size();
}

TEST(Merge, DirectoryGivesItsJsonFilesSortedAndSkipsTheOutput) {
  const auto lab = (kFixtures / "lab").string();
  const auto paths = merge_input_paths({lab}, "");
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  const auto skipped = merge_input_paths({lab}, lab + "/node01-42.json");
  EXPECT_EQ(skipped.size(), 3u);
  EXPECT_EQ(std::count(skipped.begin(), skipped.end(), lab + "/node01-42.json"), 0);
}

TEST(Merge, MissingPathOrEmptyDirectoryIsAUsageError) {
  try {
    merge_input_paths({(kFixtures / "absent").string()}, "");
    ADD_FAILURE();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("absent: no such file or directory"), std::string::npos);
  }
  const fs::path empty = fs::temp_directory_path() / ("suanli_merge_empty_" + std::to_string(::getpid()));
  fs::create_directories(empty);
  EXPECT_THROW(merge_input_paths({empty.string()}, ""), UsageError);
  fs::remove_all(empty);
}

TEST(Merge, KeepsEveryHostsCasesOnceAndRecordsTheSources) {
  const auto files = lab_files();
  MergeStats st;
  const nlohmann::json doc = merge_results(files, {"suanli", "merge"}, &st);
  // The merged document is itself a valid results document.
  EXPECT_NO_THROW(validate_result_document(doc, "merged"));

  EXPECT_EQ(st.files, 4);
  EXPECT_EQ(st.runs, 3);  // node02's copy is the same run
  EXPECT_EQ(st.duplicate_runs, 1);
  EXPECT_EQ(doc["cases"].size(), distinct_cases(files));
  std::size_t total = 0;
  for (const auto& f : files) total += f.document["cases"].size();
  EXPECT_EQ(static_cast<std::size_t>(st.duplicate_cases), total - doc["cases"].size());
  EXPECT_GT(st.duplicate_cases, static_cast<int>(files[2].document["cases"].size()));  // the copy, and node01's twin

  ASSERT_EQ(doc["sources"].size(), 3u);
  std::map<std::string, int> cases_per_host;
  for (const auto& c : doc["cases"]) {
    const auto& src = doc["sources"][c["source"].get<std::size_t>()];
    EXPECT_EQ(c["host"], src["host"]);
    ++cases_per_host[c["host"].get<std::string>()];
  }
  for (const auto& s : doc["sources"]) {
    EXPECT_EQ(s["cases"].get<int>(), cases_per_host[s["host"].get<std::string>()]);
    EXPECT_FALSE(s["path"].get<std::string>().empty());
    EXPECT_FALSE(s["created_utc"].get<std::string>().empty());
    EXPECT_EQ(s["git_revision"], "b112078");
  }
  EXPECT_EQ(cases_per_host.size(), 3u);
  EXPECT_EQ(doc["merge"]["schema_minor_min"], 0);
  EXPECT_EQ(doc["merge"]["schema_minor_max"], 1);
  // One device per host (each node has opencl:0), each naming its host.
  ASSERT_EQ(doc["devices"].size(), 3u);
  for (const auto& d : doc["devices"]) EXPECT_TRUE(d["host"].is_string());
  EXPECT_EQ(doc["summary"]["cases"].get<std::size_t>(), doc["cases"].size());
  EXPECT_EQ(doc["command"], nlohmann::json({"suanli", "merge"}));
}

TEST(Merge, FieldsOfANewerMinorAreKept) {
  const nlohmann::json doc = merge_results(lab_files(), nullptr);
  int with_power = 0;
  for (const auto& c : doc["cases"]) with_power += c.contains("power_w");
  EXPECT_EQ(with_power, 2);  // node03's two cases
}

TEST(Merge, MergingAMergedFileAgainGivesTheSameRuns) {
  const auto files = lab_files();
  const nlohmann::json all = merge_results(files, nullptr);
  const nlohmann::json first_two = merge_results({files[0], files[1]}, nullptr);
  const ResultFile partial = validate_result_document(first_two, "partial.json");
  const nlohmann::json again = merge_results({partial, files[2], files[3]}, nullptr);
  EXPECT_EQ(again["sources"].size(), all["sources"].size());
  EXPECT_EQ(again["cases"].size(), all["cases"].size());
  EXPECT_EQ(again["merge"]["schema_minor_max"], 1);
}

TEST(Merge, RunsOfAMergedFileSplitItBySource) {
  const auto files = lab_files();
  const ResultFile merged = validate_result_document(merge_results(files, nullptr), "merged.json");
  const auto runs = runs_of(merged);
  ASSERT_EQ(runs.size(), 3u);
  for (const auto& run : runs) {
    for (const auto* c : run.cases) EXPECT_EQ((*c)["host"], run.host);
    // The run's key is the key of the file it came from.
    bool matched = false;
    for (const auto& f : files) matched = matched || run_key(runs_of(f).front()) == run_key(run);
    EXPECT_TRUE(matched) << run.host;
  }
  auto broken = merged.document;
  broken["cases"][0]["source"] = 17;
  EXPECT_THROW(runs_of(validate_result_document(broken, "broken.json")), UsageError);
}

TEST(Merge, RunKeyDependsOnHostDateRevisionAndCommand) {
  const ResultFile f = lab_files()[0];
  const SourceRun base = runs_of(f).front();
  for (int field = 0; field < 4; ++field) {
    SourceRun other = base;
    if (field == 0) other.host += "x";
    if (field == 1) other.created_utc += "x";
    if (field == 2) other.git_revision += "x";
    if (field == 3) other.command.push_back("--hot");
    EXPECT_NE(run_key(other), run_key(base)) << field;
  }
  SourceRun moved = base;
  moved.path = "/elsewhere/copy.json";  // a copied file is the same run
  EXPECT_EQ(run_key(moved), run_key(base));
}

}  // namespace
}  // namespace suanli
