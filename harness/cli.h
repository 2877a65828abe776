// The suanli command line (CLI11): devices, chips, run, and the hidden worker.
#pragma once

namespace suanli {

// Returns the process exit code: 0 ok, 1 a case failed verification or ran into a fault,
// 2 bad input (one line on stderr naming the problem).
int run_cli(int argc, char** argv);

}  // namespace suanli
