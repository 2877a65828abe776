#include "harness/tuning_apply.h"

#include <filesystem>

#include "harness/dtype.h"
#include "harness/tuning_db.h"

namespace suanli {

std::optional<TuningKey> tuning_key_of(const CaseSpec& spec) {
  if (spec.tier != "portable") return std::nullopt;
  if (spec.workload == "gemm") return TuningKey{"gemm", to_string(spec.dtype), gemm_shape_class(spec.shape)};
  if (spec.workload == "attention")
    return TuningKey{"attention", to_string(spec.dtype), attention_shape_class(spec.attention.d)};
  return std::nullopt;
}

void apply_tuning(std::vector<CaseSpec>& cases, const std::string& backend, const DeviceInfo& info,
                  const std::string& tuning_dir, std::ostream& warn) {
  if (tuning_dir.empty()) return;
  const std::string path = tuning_db_path(tuning_dir, tuning_device_key(backend, info));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // an untuned device: defaults, nothing to say
  std::optional<TuningDb> db;
  std::string error;
  try {
    db = load_tuning_db(path);
  } catch (const TuningDbError& e) {
    error = e.what();
    warn << "suanli: warning: " << error << "; using the default configs\n";
  }
  for (auto& spec : cases) {
    const auto key = tuning_key_of(spec);
    if (!key) continue;
    if (!db) {
      spec.tuning = {{"file", path}, {"error", error}};
      continue;
    }
    const TuningEntry* entry = db->find(key->workload, key->dtype, key->shape_class);
    if (entry == nullptr) continue;
    spec.tuning = {{"file", path}, {"entry", key->text()}, {"config", entry->config}};
  }
}

void record_config_source(nlohmann::json& kernel, const CaseSpec& spec) {
  const bool tuned = spec.tuning.is_object() && spec.tuning.contains("config");
  kernel["config_source"] = tuned ? "tuned" : "default";
  if (!spec.tuning.is_object()) return;
  nlohmann::json details = spec.tuning;
  details.erase("config");  // already in kernel["config"]
  if (!details.empty()) kernel["tuning"] = details;
}

}  // namespace suanli
