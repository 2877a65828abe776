// Runs the suanli binary as a user would, for the end-to-end tests.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli::test {

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs the suanli binary ($SUANLI_TEST_BINARY, else the build tree's) with `args`; `env`
// entries are added to the environment. stderr comes back without the leak checker's own
// notes (without_sanitizer_notes).
CommandResult run_suanli(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {});

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

nlohmann::json read_json(const std::filesystem::path& file);

// `text` without the lines the leak checker (sanitize preset) prints about itself at exit
// when it cannot stop a thread: "==PID==Unable to get registers from thread TID." It says
// nothing about the program; a leak or any other sanitizer error is a report of its own and
// a failing exit status, which the tests still see.
std::string without_sanitizer_notes(const std::string& text);

// True when `text` is exactly one non-empty, newline-terminated line: the shape of every
// error message suanli prints for bad input.
bool one_line(const std::string& text);

}  // namespace suanli::test
