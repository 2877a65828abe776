// Views of a Comparison: Markdown (a CI comment), a console table, and JSON (for tools).
// All three list the same cases in the same order: slower first.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/compare.h"
#include "harness/result_file.h"

namespace suanli {

struct CompareInputs {
  const ResultFile& base;
  const ResultFile& fresh;
  const CompareSettings& settings;
};

std::string compare_markdown(const Comparison& c, const CompareInputs& in);
std::string compare_text(const Comparison& c, const CompareInputs& in);
nlohmann::json compare_json(const Comparison& c, const CompareInputs& in);

// "1 slower, 0 faster, 10 same, 2 ambiguous, 3 not compared"
std::string compare_summary_line(const Comparison& c);

}  // namespace suanli
