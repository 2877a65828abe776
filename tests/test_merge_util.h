// Helpers shared by the history / merge / Slurm end-to-end tests.
#pragma once

#include <algorithm>
#include <string>

namespace suanli::test {

// Errors are one line: "suanli: ...\n".
inline bool one_line(const std::string& s) {
  return !s.empty() && std::count(s.begin(), s.end(), '\n') == 1 && s.back() == '\n';
}

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace suanli::test
