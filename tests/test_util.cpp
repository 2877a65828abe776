#include "tests/test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace suanli::test {

namespace fs = std::filesystem;

CommandResult run_suanli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  TempDir io;
  const fs::path out = io / "stdout", err = io / "stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    std::freopen(err.c_str(), "w", stderr);
    std::freopen("/dev/null", "r", stdin);
    // The tests' expectations are the device-class defaults: the checkout's tuning database
    // (results/tuning, measured on some machine) is not consulted unless a test says so
    // (--tuning-dir, or this variable in `env`).
    setenv("SUANLI_TUNING_DIR", "/nonexistent/suanli-tests-use-default-configs", 1);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    // The build tree's path is compiled in; a build carried to another machine (the GPU
    // device check) names the binary's new place in the environment.
    const char* moved = std::getenv("SUANLI_TEST_BINARY");
    std::string exe = moved && *moved ? moved : SUANLI_TEST_BINARY;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(exe.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  auto slurp = [](const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  };
  r.out = slurp(out);
  r.err = without_sanitizer_notes(slurp(err));
  return r;
}

std::string without_sanitizer_notes(const std::string& text) {
  static const std::regex kNote(R"(==\d+==Unable to get registers from thread \d+\.)");
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (std::regex_match(line, kNote)) continue;
    out += line;
    if (!in.eof()) out += '\n';
  }
  return out;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() / ("suanli-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

bool one_line(const std::string& text) {
  return !text.empty() && std::count(text.begin(), text.end(), '\n') == 1 && text.back() == '\n';
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream f(file);
  if (!f) throw std::runtime_error("cannot open " + file.string());
  return nlohmann::json::parse(f);
}

}  // namespace suanli::test
