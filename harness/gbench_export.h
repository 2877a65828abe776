// Google Benchmark JSON export of a results document, written by Google Benchmark's own
// JSON reporter so its tools/compare.py reads suanli results directly.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace suanli {

// Each verified case becomes one benchmark "workload/device/tier/dtype/shape" with one
// repetition per device-timed sample (one iteration each, manual time), so compare.py's
// U test sees the raw samples. Only "ok" cases are exported. Throws std::runtime_error.
// Google Benchmark keeps global state: call at most once per process.
void write_gbench_json(const nlohmann::json& document, const std::filesystem::path& file);

}  // namespace suanli
