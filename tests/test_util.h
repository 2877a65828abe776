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
// entries are added to the environment.
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

// True when `text` is exactly one non-empty, newline-terminated line: the shape of every
// error message suanli prints for bad input.
bool one_line(const std::string& text);

}  // namespace suanli::test
