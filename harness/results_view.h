// Views of a results document: the console table and CSV. Both read only the document,
// so a saved result file renders exactly as the live run did.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace suanli {

std::string results_table(const nlohmann::json& document);
// A case's shape as text: "MxNxK" for gemm; "BxHxSxD" plus kv heads, seq_kv and causal
// for attention; "copy" / "triad n=N" for stream; "fma-chains" for peak (the same text for
// every view, and stable across runs for matching).
std::string case_shape_text(const nlohmann::json& case_record);
std::string results_csv(const nlohmann::json& document);

}  // namespace suanli
