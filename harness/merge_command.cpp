// `suanli merge DIR|FILE... -o OUT.json`: one results document from many hosts' files.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <set>

#include "harness/errors.h"
#include "harness/merge.h"
#include "harness/result_file.h"
#include "harness/results.h"
#include "harness/subcommand.h"

namespace suanli {
namespace {

const char* kMergeFooter = R"(
A directory gives every *.json file directly inside it (not recursive). Cases keep their
host; identical cases and runs given twice are kept once; files of any schema_minor of
schema_version 1 are accepted. Any unreadable or invalid file stops the merge (exit 2)
and no output is written.

Examples:
  suanli merge /shared/suanli/job-1234/nodes -o /shared/suanli/job-1234/merged.json
  suanli merge node01.json node02.json -o lab.json)";

class MergeCommand : public Subcommand {
 public:
  CLI::App* add_to(CLI::App& app) override {
    auto* sub = app.add_subcommand("merge", "Merge result files from many hosts (one per node) into one document");
    sub->footer(kMergeFooter);
    sub->add_option("inputs", inputs_, "Result files, or directories of them")->required();
    sub->add_option("-o,--out", out_, "The merged results JSON")->required();
    return sub;
  }

  int run() override {
    // Reserved first: an unwritable output fails before any reading, and an invalid input
    // below leaves no output file behind (the temp file goes with `out`).
    PendingOutput out(out_);
    std::vector<ResultFile> files;
    for (const std::string& path : merge_input_paths(inputs_, out_)) files.push_back(load_result_file(path));

    nlohmann::json command = {"suanli", "merge"};
    for (const auto& in : inputs_) command.push_back(in);
    command.push_back("-o");
    command.push_back(out_);
    MergeStats stats;
    const nlohmann::json doc = merge_results(files, command, &stats);
    out.commit(doc.dump(2) + "\n");

    std::set<std::string> hosts;
    for (const auto& s : doc.at("sources")) hosts.insert(s.value("host", ""));
    const auto& m = doc.at("merge");
    std::cout << "merged " << stats.files << " file(s): " << stats.runs << " run(s) from " << hosts.size()
              << " host(s), " << doc.at("cases").size() << " cases (" << stats.duplicate_cases
              << " duplicate cases and " << stats.duplicate_runs << " duplicate runs dropped), schema_minor "
              << m.at("schema_minor_min").get<int>() << ".." << m.at("schema_minor_max").get<int>() << "\n";
    std::cerr << "results: " << out.target().string() << "\n";
    return kExitOk;
  }

 private:
  std::vector<std::string> inputs_;
  std::string out_;
};

}  // namespace

std::unique_ptr<Subcommand> make_merge_command() { return std::make_unique<MergeCommand>(); }

}  // namespace suanli
