// `suanli tune` end to end on PoCL: a short search writes a database entry that is at least
// as fast as the default and verifies when `suanli run` uses it; a corrupt database is
// reported and the run falls back to defaults; Ctrl-C keeps what was found.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace suanli::test {
namespace {

std::map<std::string, std::string> env() { return {{"SUANLI_CACHE_DIR", SUANLI_TEST_KERNEL_CACHE_DIR}}; }

std::filesystem::path only_json_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") found.push_back(e.path());
  EXPECT_EQ(found.size(), 1u);
  return found.empty() ? std::filesystem::path() : found.front();
}

nlohmann::json first_case(const std::filesystem::path& results) {
  const auto doc = read_json(results);
  return doc.contains("cases") ? doc["cases"][0] : doc["devices"][0]["cases"][0];
}

nlohmann::json tunables(nlohmann::json config) {
  config.erase("name");
  return config;
}

// One search shared by the tests below (a few candidates' compiles on PoCL).
class TuneCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    result_ = new CommandResult(run_suanli({"tune", "--backend", "opencl", "--shape", "96x80x112", "--budget", "12",
                                            "--candidate-time", "0.2", "--tuning-dir", dir_->path().string()},
                                           env()));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete dir_;
  }
  static TempDir* dir_;
  static CommandResult* result_;
};
TempDir* TuneCli::dir_ = nullptr;
CommandResult* TuneCli::result_ = nullptr;

TEST_F(TuneCli, KeepsAConfigAtLeastAsFastAsTheDefault) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  EXPECT_NE(result_->out.find("gemm/fp32/small"), std::string::npos) << result_->out;
  EXPECT_NE(result_->err.find("[  1 "), std::string::npos) << "progress lines: " << result_->err;
  const auto db = read_json(only_json_in(dir_->path()));
  EXPECT_EQ(db["schema_version"], 1);
  ASSERT_EQ(db["entries"].size(), 1u);
  const auto& entry = db["entries"][0];
  EXPECT_EQ(entry["workload"], "gemm");
  EXPECT_EQ(entry["shape_class"], "small");
  const auto& m = entry["measured"];
  EXPECT_GE(m["candidates_tried"].get<int>(), 2);
  EXPECT_GT(m["default_gflops"].get<double>(), 0);
  EXPECT_GE(m["gflops"].get<double>(), m["default_gflops"].get<double>());
}

TEST_F(TuneCli, RunUsesTheEntryAndItVerifies) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  TempDir out;
  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape", "96x80x112", "--max-time", "0.2",
                             "--tuning-dir", dir_->path().string(), "--out", (out / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto c = first_case(out / "r.json");
  EXPECT_EQ(c["status"], "ok");
  EXPECT_TRUE(c["verified"].get<bool>());
  EXPECT_EQ(c["kernel"]["config_source"], "tuned");
  const auto db = read_json(only_json_in(dir_->path()));
  EXPECT_EQ(tunables(c["kernel"]["config"]), tunables(db["entries"][0]["config"]));
  EXPECT_EQ(c["kernel"]["tuning"]["entry"], "gemm/fp32/small");

  // --no-tuning: the device-class default.
  const auto d = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape", "96x80x112", "--max-time", "0.2",
                             "--tuning-dir", dir_->path().string(), "--no-tuning", "--out", (out / "d.json").string()},
                            env());
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(first_case(out / "d.json")["kernel"]["config_source"], "default");
}

TEST_F(TuneCli, ACorruptDatabaseIsReportedAndTheRunUsesDefaults) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  TempDir copy, out;
  const auto file = copy / only_json_in(dir_->path()).filename().string();
  std::ofstream(file) << "{\"schema_version\": 1, \"entries\": [";
  const auto r = run_suanli({"run", "--backend", "opencl", "--tier", "portable", "--shape", "96x80x112", "--max-time", "0.2",
                             "--tuning-dir", copy.path().string(), "--out", (out / "r.json").string()},
                            env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: tuning database " + file.string() + ": not valid JSON"), std::string::npos) << r.err;
  const auto c = first_case(out / "r.json");
  EXPECT_EQ(c["status"], "ok");
  EXPECT_EQ(c["kernel"]["config_source"], "default");
  EXPECT_NE(c["kernel"]["tuning"]["error"].get<std::string>().find("not valid JSON"), std::string::npos);

  // The tuner refuses to start on it (it would overwrite the file): one line, exit 2.
  const auto t = run_suanli({"tune", "--backend", "opencl", "--shape", "64x64x64", "--budget", "5", "--tuning-dir",
                             copy.path().string()},
                            env());
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_TRUE(one_line(t.err)) << t.err;
  EXPECT_NE(t.err.find(file.string()), std::string::npos) << t.err;
}

TEST(TuneCliInput, BadOptionsAreOneLineErrors) {
  TempDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tune", "--workload", "peak"}, {"tune", "--budget", "0"}, {"tune", "--dtype", "fp7"},
        {"tune", "--shape", "12x"}, {"tune", "--device", "x"}, {"tune", "--causal"}}) {
    auto full = args;
    full.insert(full.end(), {"--tuning-dir", dir.path().string()});
    const auto r = run_suanli(full, env());
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_TRUE(one_line(r.err)) << r.err;
  }
}

TEST(TuneCliInterrupt, CtrlCKeepsWhatWasFound) {
  TempDir dir;
  const auto err_file = dir / "err.txt";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen(err_file.c_str(), "w", stderr);
    setenv("SUANLI_CACHE_DIR", SUANLI_TEST_KERNEL_CACHE_DIR, 1);
    const char* moved = std::getenv("SUANLI_TEST_BINARY");
    std::string exe = moved && *moved ? moved : SUANLI_TEST_BINARY;
    std::vector<std::string> args = {exe, "tune", "--backend", "opencl", "--shape", "64x64x64", "--budget", "600",
                                     "--candidate-time", "0.2", "--tuning-dir", dir.path().string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  // Ctrl-C once the second candidate has reported (the default baseline is in), however
  // slow this machine or build (sanitizers) is.
  const auto stderr_text = [&] {
    std::ifstream in(err_file);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  for (int i = 0; i < 1200 && stderr_text().find("[  2 ") == std::string::npos; ++i) usleep(250 * 1000);
  ASSERT_NE(stderr_text().find("[  2 "), std::string::npos) << stderr_text();
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << stderr_text();
  EXPECT_EQ(WEXITSTATUS(status), 0) << stderr_text();
  std::filesystem::path db;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().extension() == ".json") db = e.path();
  ASSERT_FALSE(db.empty()) << "no database written after the interrupt";
  const auto j = read_json(db);
  EXPECT_TRUE(j["entries"][0]["measured"]["interrupted"].get<bool>());
  EXPECT_GE(j["entries"][0]["measured"]["candidates_tried"].get<int>(), 2);
}

}  // namespace
}  // namespace suanli::test
