// How `suanli run` uses the tuning database (harness/tuning_db.h): the parent looks up each
// portable case's (workload, dtype, shape class) for its device and hands the worker the
// config to run; the worker records where the config came from.
#pragma once

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"

namespace suanli {

struct TuningKey {
  std::string workload, dtype, shape_class;
  std::string text() const { return workload + "/" + dtype + "/" + shape_class; }
};

// The database key of a case; nullopt for cases the tuner does not cover (vendor and
// native tiers, workloads without tunables).
std::optional<TuningKey> tuning_key_of(const CaseSpec& spec);

// For each case with a key, the device's database entry (exact shape class; no entry: the
// device-class default). `tuning_dir` "" disables the lookup. A database that cannot be
// used is reported once on `warn` (one line) and its error is recorded in every case it
// would have served, which then run their defaults.
void apply_tuning(std::vector<CaseSpec>& cases, const std::string& backend, const DeviceInfo& info,
                  const std::string& tuning_dir, std::ostream& warn);

// Worker side: the config a case runs, from `config_for` (a workload's *_config_for, which
// throws std::invalid_argument naming the field when the tuned entry handed down cannot be
// read); nullopt with rec["reason"] = "bad tuned config: ..." then, and the case is skipped.
template <class ConfigFor>
auto tuned_config_or_reason(nlohmann::json& rec, ConfigFor&& config_for) -> std::optional<decltype(config_for())> {
  try {
    return config_for();
  } catch (const std::invalid_argument& e) {
    rec["reason"] = std::string("bad tuned config: ") + e.what();
    return std::nullopt;
  }
}

// Worker side: writes config_source ("tuned" or "default") and the lookup's details into a
// case record's kernel section.
void record_config_source(nlohmann::json& kernel, const CaseSpec& spec);

}  // namespace suanli
