// End-to-end: `suanli merge` through the binary, and the Slurm scripts (scripts/slurm/)
// run without Slurm and with a stand-in srun.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>

#include "harness/result_file.h"
#include "tests/test_merge_util.h"
#include "tests/test_util.h"

namespace suanli {
namespace {

using test::one_line;
using test::read_json;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

const fs::path kSource = SUANLI_TEST_SOURCE_DIR;
const fs::path kFixtures = kSource / "tests/fixtures/merge";

std::string suanli_binary() {
  const char* moved = std::getenv("SUANLI_TEST_BINARY");
  return moved && *moved ? moved : SUANLI_TEST_BINARY;
}

struct ShellResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

ShellResult run_shell(const std::string& command) {
  ShellResult r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

TEST(MergeCli, MergesADirectoryOfHostsIntoOneDocument) {
  TempDir t;
  const auto out = t / "merged.json";
  const auto r = run_suanli({"merge", (kFixtures / "lab").string(), "-o", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("from 3 host(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("schema_minor 0..1"), std::string::npos) << r.out;
  const ResultFile merged = load_result_file(out.string());  // valid results document
  std::set<std::string> hosts;
  for (const auto& c : merged.document["cases"]) hosts.insert(c["host"].get<std::string>());
  EXPECT_EQ(hosts, (std::set<std::string>{"node01", "node02", "node03"}));
  EXPECT_EQ(merged.document["merge"]["duplicate_runs"], 1);
  EXPECT_EQ(merged.document["sources"].size(), 3u);
  EXPECT_EQ(files_in(t.path()), std::vector<std::string>{"merged.json"});  // no temp files left
}

TEST(MergeCli, OutputInsideTheInputFolderIsNotReadBack) {
  TempDir t;
  for (const auto& e : fs::directory_iterator(kFixtures / "lab")) fs::copy_file(e.path(), t / e.path().filename().string());
  const auto out = t / "merged.json";
  ASSERT_EQ(run_suanli({"merge", t.path().string(), "-o", out.string()}).exit_code, 0);
  const auto first = read_json(out);
  const auto again = run_suanli({"merge", t.path().string(), "-o", out.string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_json(out)["merge"]["files"], first["merge"]["files"]);
}

TEST(MergeCli, TruncatedFileIsAOneLineErrorNamingItAndNoOutput) {
  TempDir t;
  const auto out = t / "merged.json";
  const auto bad = (kFixtures / "bad/node04-42.json").string();
  const auto r = run_suanli({"merge", (kFixtures / "lab").string(), bad, "-o", out.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find(bad + ": not valid JSON"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(files_in(t.path()).empty());  // neither the output nor its temp file

  // The same for the bad folder given as a directory.
  const auto d = run_suanli({"merge", (kFixtures / "bad").string(), "-o", out.string()});
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_NE(d.err.find("node04-42.json"), std::string::npos) << d.err;
  EXPECT_FALSE(fs::exists(out));
}

TEST(MergeCli, BadArgumentsAreOneLineErrors) {
  TempDir t;
  const auto out = (t / "m.json").string();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"merge", (t / "absent").string(), "-o", out},
           {"merge", t.path().string(), "-o", out},  // empty folder
           {"merge", (kFixtures / "lab").string()},  // no -o
           {"merge", (kFixtures / "lab").string(), "-o", (t / "no/such/dir/m.json").string()},
       }) {
    const auto r = run_suanli(args);
    EXPECT_EQ(r.exit_code, 2) << args[1];
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_EQ(r.err.rfind("suanli: ", 0), 0u) << r.err;
  }
  EXPECT_FALSE(fs::exists(out));
}

// Both scripts parse, and pass shellcheck where it is installed.
TEST(SlurmScripts, AreValidShell) {
  for (const char* s : {"suanli-node.sh", "suanli-lab.sbatch"}) {
    const auto path = (kSource / "scripts/slurm" / s).string();
    const auto syntax = run_shell("bash -n " + path);
    EXPECT_EQ(syntax.exit_code, 0) << syntax.output;
    if (run_shell("command -v shellcheck").exit_code == 0) {
      const auto lint = run_shell("shellcheck " + path);
      EXPECT_EQ(lint.exit_code, 0) << lint.output;
    }
  }
}

std::string env_prefix(const TempDir& t, const fs::path& out_root) {
  return "SUANLI_BIN=" + suanli_binary() + " SUANLI_PLUGIN_PATH=" + SUANLI_TEST_PLUGIN_DIR +
         " SUANLI_CACHE_DIR=" + (t / "cache").string() + " SUANLI_OUT=" + out_root.string() +
         " SUANLI_RUN_ARGS='--backend opencl --shape 32x24x16 --dtype fp32 --tier portable --min-samples 3"
         " --max-time 0.1 --warmup 1' ";
}

fs::path only_job_dir(const fs::path& out_root) {
  std::vector<fs::path> jobs;
  for (const auto& e : fs::directory_iterator(out_root)) jobs.push_back(e.path());
  return jobs.size() == 1 ? jobs[0] : fs::path();
}

// No SLURM_* variables: the job runs on this machine as its one node, then merges.
TEST(SlurmScripts, RunLocallyWithoutSlurmOnPocl) {
  TempDir t;
  const auto out_root = t / "lab";
  const auto r = run_shell("env -u SLURM_JOB_ID " + env_prefix(t, out_root) + "SUANLI_HISTORY_DB=" +
                           (t / "h.sqlite").string() + " bash " + (kSource / "scripts/slurm/suanli-lab.sbatch").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 of 1 node(s) wrote results"), std::string::npos) << r.output;
  const fs::path job = only_job_dir(out_root);
  ASSERT_FALSE(job.empty());
  const auto merged = read_json(job / "merged.json");
  ASSERT_EQ(merged["sources"].size(), 1u);
  const std::string host = merged["sources"][0]["host"];
  // The node's file is named after its host.
  bool named = false;
  for (const auto& f : files_in(job / "nodes")) named = named || (f.rfind(host + "-", 0) == 0 && fs::path(f).extension() == ".json");
  EXPECT_TRUE(named);
  ASSERT_EQ(merged["cases"].size(), 1u);
  EXPECT_EQ(merged["cases"][0]["status"], "ok");
  EXPECT_TRUE(fs::exists(t / "h.sqlite"));  // SUANLI_HISTORY_DB: the merged run was added
}

// With SLURM_JOB_ID set the job goes through srun: a stand-in srun runs the node script
// once per "node", each seeing its own hostname.
TEST(SlurmScripts, UnderSlurmEveryNodeWritesItsFileAndTheJobMerges) {
  TempDir t;
  const auto bin = t / "bin";
  for (const char* node : {"gpu-a", "gpu-b"}) {
    fs::create_directories(bin / node);
    std::ofstream(bin / node / "hostname") << "#!/bin/sh\necho " << node << "\n";
    fs::permissions(bin / node / "hostname", fs::perms::owner_all);
  }
  std::ofstream(bin / "srun") << "#!/usr/bin/env bash\n"
                                 "while [ \"${1#--}\" != \"$1\" ]; do shift; done\n"
                                 "for n in gpu-a gpu-b; do PATH=\"" << bin.string() << "/$n:$PATH\" \"$@\" || exit $?; done\n";
  fs::permissions(bin / "srun", fs::perms::owner_all);
  const auto out_root = t / "lab";
  const auto r = run_shell("PATH=" + bin.string() + ":$PATH SLURM_JOB_ID=4242 SLURM_JOB_NUM_NODES=2 SLURM_SUBMIT_DIR=" +
                           (kSource / "scripts/slurm").string() + " " + env_prefix(t, out_root) + "bash " +
                           (kSource / "scripts/slurm/suanli-lab.sbatch").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 of 2 node(s) wrote results"), std::string::npos) << r.output;
  const fs::path job = out_root / "job-4242";
  EXPECT_TRUE(fs::exists(job / "nodes/gpu-a-4242.json"));
  EXPECT_TRUE(fs::exists(job / "nodes/gpu-b-4242.json"));
  // (The stand-in changes only what the script sees; suanli still records the real host.)
  const auto merged = read_json(job / "merged.json");
  EXPECT_EQ(merged["sources"].size(), 2u);
  EXPECT_EQ(merged["cases"].size(), 2u);
}

TEST(SlurmScripts, NodeScriptFailsClearlyWhenNoResultsAreWritten) {
  TempDir t;
  const auto r = run_shell("SUANLI_BIN=" + suanli_binary() + " bash " + (kSource / "scripts/slurm/suanli-node.sh").string() +
                           " " + (t / "out").string() + " --shape not-a-shape");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no results written"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace suanli
