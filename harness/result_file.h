// Reading results documents back (compare, merge, history, report): one loader that
// names the file and the problem, and one definition of which cases are "the same case"
// across runs, hosts and builds.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli {

struct ResultFile {
  std::string path;
  nlohmann::json document;  // validated: schema_version major 1, a "cases" array of objects
  int schema_minor = 0;     // absent in files written before minors existed: 0
};

// Throws UsageError ("FILE: problem") for a missing or unreadable file, text that is not
// JSON (a truncated file included), a document that is not a suanli result, an unknown
// schema major version, or a case without the identity fields case_key() needs.
ResultFile load_result_file(const std::string& path);
// The same checks on an in-memory document; origin names it in messages.
ResultFile validate_result_document(nlohmann::json document, const std::string& origin);

// Identity of a case across runs: workload, backend, device model (name), tier, dtype,
// shape (stream: the op, and the elements when given; peak: none) and hot/cold caches.
// The kernel config is not part of it, so a retuned or deliberately slowed kernel still
// matches its baseline.
std::string case_key(const nlohmann::json& case_record);
// The same identity for people: "gemm fp32 portable 2048x2048x2048 opencl <device name>".
std::string case_label(const nlohmann::json& case_record);

// Timed samples (seconds) of an "ok" case; empty for any other case.
std::vector<double> case_samples(const nlohmann::json& case_record);

}  // namespace suanli
