#include "harness/tuning_db.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace suanli {
namespace {

bool same_key(const TuningEntry& a, const std::string& workload, const std::string& dtype, const std::string& shape_class) {
  return a.workload == workload && a.dtype == dtype && a.shape_class == shape_class;
}

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool upper = c >= 'A' && c <= 'Z';
    if (alnum || upper) {
      out += upper ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

}  // namespace

const TuningEntry* TuningDb::find(const std::string& workload, const std::string& dtype, const std::string& shape_class) const {
  for (const auto& e : entries)
    if (same_key(e, workload, dtype, shape_class)) return &e;
  return nullptr;
}

void TuningDb::upsert(const TuningEntry& entry) {
  for (auto& e : entries)
    if (same_key(e, entry.workload, entry.dtype, entry.shape_class)) {
      e = entry;
      return;
    }
  entries.push_back(entry);
}

std::string tuning_device_key(const std::string& backend, const DeviceInfo& info) {
  std::string name = slug(info.name);
  if (name.empty()) name = "unnamed";
  // Long CPU brand strings would make unwieldy file names; the tail is the model.
  if (name.size() > 80) name = name.substr(name.size() - 80);
  return slug(backend) + "-" + name + "-" + std::to_string(info.compute_units) + "cu";
}

std::string gemm_shape_class(const GemmShape& s) {
  const double mean = std::cbrt(static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k));
  return mean < 384 ? "small" : mean < 1536 ? "medium" : "large";
}

std::string attention_shape_class(std::int64_t head_dim) {
  return head_dim <= 64 ? "hd64" : head_dim <= 128 ? "hd128" : "hd256";
}

std::string tuning_db_path(const std::string& dir, const std::string& device_key) {
  return (std::filesystem::path(dir) / (device_key + ".json")).string();
}

std::string default_tuning_dir() {
  if (const char* env = std::getenv("SUANLI_TUNING_DIR"); env != nullptr && *env != '\0') return env;
#ifdef SUANLI_SOURCE_TUNING_DIR
  std::error_code ec;
  if (std::filesystem::is_directory(SUANLI_SOURCE_TUNING_DIR, ec)) return SUANLI_SOURCE_TUNING_DIR;
#endif
  return "";
}

nlohmann::json to_json(const TuningDb& db) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : db.entries)
    entries.push_back({{"workload", e.workload},
                       {"dtype", e.dtype},
                       {"shape_class", e.shape_class},
                       {"config", e.config},
                       {"measured", e.measured}});
  return {{"schema_version", kTuningSchemaVersion},
          {"description", "suanli tune: best portable-kernel configurations for one device (results/tuning/README.md)"},
          {"device_key", db.device_key},
          {"device", db.device},
          {"entries", entries}};
}

TuningDb tuning_db_from_json(const nlohmann::json& j, const std::string& path) {
  const auto fail = [&](const std::string& what) { return TuningDbError("tuning database " + path + ": " + what); };
  if (!j.is_object()) throw fail("not a JSON object");
  if (!j.contains("schema_version") || !j["schema_version"].is_number_integer())
    throw fail("no integer schema_version");
  if (j["schema_version"].get<int>() != kTuningSchemaVersion)
    throw fail("schema_version " + j["schema_version"].dump() + ", this suanli reads " + std::to_string(kTuningSchemaVersion));
  if (!j.contains("device_key") || !j["device_key"].is_string()) throw fail("no device_key string");
  if (!j.contains("entries") || !j["entries"].is_array()) throw fail("no entries array");
  TuningDb db;
  db.device_key = j["device_key"].get<std::string>();
  db.device = j.value("device", nlohmann::json::object());
  std::size_t i = 0;
  for (const auto& e : j["entries"]) {
    const std::string where = "entry " + std::to_string(i++);
    if (!e.is_object()) throw fail(where + " is not an object");
    for (const char* field : {"workload", "dtype", "shape_class"})
      if (!e.contains(field) || !e[field].is_string()) throw fail(where + " has no string '" + field + "'");
    if (!e.contains("config") || !e["config"].is_object()) throw fail(where + " has no config object");
    TuningEntry entry{e["workload"].get<std::string>(), e["dtype"].get<std::string>(), e["shape_class"].get<std::string>(),
                      e["config"], e.value("measured", nlohmann::json::object())};
    if (db.find(entry.workload, entry.dtype, entry.shape_class) != nullptr)
      throw fail(where + " repeats " + entry.workload + "/" + entry.dtype + "/" + entry.shape_class);
    db.entries.push_back(std::move(entry));
  }
  return db;
}

TuningDb load_tuning_db(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TuningDbError("tuning database " + path + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw TuningDbError("tuning database " + path + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
  }
  return tuning_db_from_json(j, path);
}

void save_tuning_db(const std::string& path, const TuningDb& db) {
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  const std::filesystem::path temp = target.string() + ".tmp-" + std::to_string(static_cast<long>(getpid()));
  {
    std::ofstream out(temp);
    out << to_json(db).dump(2) << '\n';
    out.flush();
    if (!out) throw TuningDbError("tuning database " + path + ": cannot write " + temp.string());
  }
  std::filesystem::rename(temp, target);
}

}  // namespace suanli
