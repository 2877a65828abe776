// Error types the harness maps to exit codes (2 = bad input, 1 = a case failed).
#pragma once

#include <stdexcept>

namespace suanli {

// Bad input from the user (CLI values, shape strings, files): a one-line message, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr int kExitOk = 0;
constexpr int kExitCaseFailed = 1;
constexpr int kExitUsage = 2;

}  // namespace suanli
