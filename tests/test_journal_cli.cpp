// End-to-end crash safety: a real `suanli run` on PoCL is killed with SIGKILL (its whole
// process group, workers included) once the journal holds a finished case; the journal is
// checked, and `suanli run --resume` finishes the run with every case exactly once.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "tests/test_util.h"

namespace suanli {
namespace {

using test::one_line;
using test::read_json;
using test::run_suanli;
using test::TempDir;
namespace fs = std::filesystem;

std::map<std::string, std::string> pocl_env() {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_FAKE_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", SUANLI_TEST_KERNEL_CACHE_DIR}};
}

// Six small cases, each sampling for its full --max-time (the CI target cannot be met), so
// the run lasts seconds after its first case is journaled.
std::vector<std::string> slow_run(const fs::path& out) {
  std::vector<std::string> args = {"run", "--backend", "opencl", "--tier", "portable", "--dtype", "fp32", "--min-samples", "3",
                                   "--max-samples", "1000000", "--target-ci", "1e-9", "--max-time", "0.4", "--warmup", "1",
                                   "--out", out.string()};
  for (const char* s : {"16x16x16", "24x8x40", "8x32x8", "33x17x9", "20x20x20", "40x8x16"}) {
    args.push_back("--shape");
    args.push_back(s);
  }
  return args;
}

// Starts suanli as the leader of a new process group, so one kill reaches its workers too.
pid_t start_in_own_group(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    std::freopen(log.c_str(), "w", stdout);
    std::freopen(log.c_str(), "a", stderr);
    std::freopen("/dev/null", "r", stdin);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    const char* moved = std::getenv("SUANLI_TEST_BINARY");
    std::string exe = moved && *moved ? moved : SUANLI_TEST_BINARY;
    std::vector<std::string> copy = args;
    std::vector<char*> argv = {exe.data()};
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also from the parent: no window where a kill misses the group
  return pid;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Case ids in the journal's complete lines.
std::vector<int> journaled_cases(const fs::path& journal) {
  std::vector<int> ids;
  std::stringstream s(slurp(journal));
  std::string line;
  while (std::getline(s, line)) {
    if (s.eof()) break;  // no newline after it: not complete
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.value("type", "") == "case") ids.push_back(j["record"]["id"].get<int>());
  }
  return ids;
}


TEST(JournalCli, KilledRunResumesToACompleteResult) {
  TempDir dir;
  const auto out = dir / "r.json";
  const fs::path journal = out.string() + ".journal.jsonl";
  const pid_t pid = start_in_own_group(slow_run(out), pocl_env(), dir / "first.log");
  // PoCL may compile the kernel first (cold cache): allow minutes for the first case.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (std::chrono::steady_clock::now() < deadline && (!fs::exists(journal) || journaled_cases(journal).empty()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ::kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended by itself before the kill:\n" << slurp(dir / "first.log");

  // Every finished case is readable; the results file was never written.
  const auto before = journaled_cases(journal);
  ASSERT_GE(before.size(), 1u) << slurp(dir / "first.log");
  EXPECT_LT(before.size(), 6u) << "the kill came after the last case; resume has nothing to run";
  EXPECT_FALSE(fs::exists(out));

  // Starting the same run again must not overwrite the journal.
  const auto again = run_suanli(slow_run(out), pocl_env());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(one_line(again.err)) << again.err;
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;

  // A conflicting option on resume: one line, exit 2, nothing touched.
  const auto conflict = run_suanli({"run", "--resume", journal.string(), "--dtype", "fp64"}, pocl_env());
  EXPECT_EQ(conflict.exit_code, 2);
  EXPECT_TRUE(one_line(conflict.err)) << conflict.err;
  EXPECT_NE(conflict.err.find("--dtype"), std::string::npos) << conflict.err;

  // A corrupt copy: named with its line.
  const fs::path corrupt = dir / "corrupt.jsonl";
  {
    const std::string text = slurp(journal);
    std::ofstream f(corrupt);
    f << text.substr(0, text.find('\n') + 1) << "{\"type\":\"case\",\n" << text.substr(text.find('\n') + 1);
  }
  const auto bad = run_suanli({"run", "--resume", corrupt.string()}, pocl_env());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(one_line(bad.err)) << bad.err;
  EXPECT_NE(bad.err.find(corrupt.string() + ":2:"), std::string::npos) << bad.err;
  fs::remove(corrupt);

  // A line torn by the kill is ignored with a note; options repeated with the same value
  // are not conflicts.
  {
    std::ofstream f(journal, std::ios::app);
    f << R"({"type":"case","device":"opencl:0","rec)";
  }
  const auto resumed = run_suanli({"run", "--resume", journal.string(), "--backend", "opencl", "--max-time", "0.4"}, pocl_env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("truncated last line"), std::string::npos) << resumed.err;

  const auto doc = read_json(out);
  std::multiset<int> ids;
  for (const auto& c : doc["cases"]) {
    ids.insert(c["id"].get<int>());
    EXPECT_EQ(c["status"], "ok") << c.dump();
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_EQ(c["device"], "opencl:0");
  }
  EXPECT_EQ(ids, (std::multiset<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(doc["summary"]["ok"], 6);
  EXPECT_EQ(doc["resumed"]["cases_from_journal"].get<std::size_t>(), before.size());
  EXPECT_EQ(doc["command"][1], "run");  // the original command line, not the resume's
  EXPECT_FALSE(fs::exists(journal));
  // Nothing else left behind: no temp file of the killed run either.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"first.log", "r.json"}));
}

}  // namespace
}  // namespace suanli
