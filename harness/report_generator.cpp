#include "harness/report_generator.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "harness/child_process.h"
#include "harness/errors.h"

#ifndef SUANLI_REPORT_PYTHON
#define SUANLI_REPORT_PYTHON "/usr/bin/python3"
#endif
#ifndef SUANLI_REPORT_SOURCE_DIR
#define SUANLI_REPORT_SOURCE_DIR ""
#endif

namespace suanli {
namespace {

namespace fs = std::filesystem;

constexpr int kGeneratorUsageExit = 3;  // scripts/report/usage_problem.py EXIT_USAGE
constexpr const char* kScriptName = "suanli_report.py";

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

}  // namespace

std::string report_python() {
  const char* env = std::getenv("SUANLI_PYTHON");
  const bool from_env = env && *env;
  const std::string python = from_env ? env : SUANLI_REPORT_PYTHON;
  if (access(python.c_str(), X_OK) != 0)
    throw UsageError(std::string(from_env ? "SUANLI_PYTHON=" : "") + python +
                     ": no such executable; the report needs python3 with matplotlib (Debian: apt-get install "
                     "python3-matplotlib; or set SUANLI_PYTHON)");
  return python;
}

fs::path report_script() {
  if (const char* env = std::getenv("SUANLI_REPORT_SCRIPT"); env && *env) {
    if (!fs::is_regular_file(env)) throw UsageError(std::string("SUANLI_REPORT_SCRIPT=") + env + ": no such file");
    return env;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back((exe.parent_path() / ".." / "share" / "suanli" / "report" / kScriptName).lexically_normal());
  if (*SUANLI_REPORT_SOURCE_DIR) candidates.push_back(fs::path(SUANLI_REPORT_SOURCE_DIR) / kScriptName);
  for (const auto& path : candidates)
    if (fs::is_regular_file(path, ec)) return path;
  std::string tried;
  for (const auto& path : candidates) tried += (tried.empty() ? "" : ", ") + path.string();
  throw UsageError("the report generator is missing (looked for " + tried + "; set SUANLI_REPORT_SCRIPT)");
}

void run_report_generator(const std::vector<std::string>& args) {
  // -B: no __pycache__ written into an install tree. -E -s: the distribution's matplotlib
  // must meet the distribution's numpy; a numpy in the user's site-packages or on
  // PYTHONPATH breaks it (seen: pip's numpy 2 under Debian 12's matplotlib 3.6,
  // "_ARRAY_API not found").
  std::vector<std::string> argv = {report_python(), "-B", "-E", "-s", report_script().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const ChildResult r = run_child(argv);
  if (r.exit_code == 0) {
    std::cerr << r.err;
    return;
  }
  if (r.exit_code == kGeneratorUsageExit) throw UsageError(last_line(r.err));
  std::cerr << r.err;
  const std::string how = r.signal_name.empty() ? "exit code " + std::to_string(r.exit_code) : "killed: " + r.signal_name;
  throw std::runtime_error("report generator " + argv[4] + " failed (" + how + "): " + last_line(r.err));
}

}  // namespace suanli
