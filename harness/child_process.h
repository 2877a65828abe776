// Runs another program to completion (the report generator, a Python script): no shell,
// arguments passed as they are, its stderr captured so the caller can turn a failure
// into one line. stdout is inherited.
#pragma once

#include <string>
#include <vector>

namespace suanli {

struct ChildResult {
  int exit_code = -1;       // -1 when killed by a signal
  std::string signal_name;  // "Segmentation fault" when killed, else empty
  std::string err;          // everything the child wrote to stderr
};

// argv[0] is the program's path. Throws std::runtime_error when it cannot be started.
ChildResult run_child(const std::vector<std::string>& argv);

}  // namespace suanli
