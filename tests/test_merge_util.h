// Helpers shared by the history / merge / Slurm end-to-end tests.
#pragma once

#include <string>

namespace suanli::test {

// (one_line(), for one-line errors, is in tests/test_util.h.)

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace suanli::test
