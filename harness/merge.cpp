#include "harness/merge.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "harness/errors.h"
#include "harness/host_info.h"
#include "harness/results.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

std::string text_at(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string hostname_of(const nlohmann::json& doc) {
  const auto host = doc.find("host");
  std::string name = host != doc.end() && host->is_object() ? text_at(*host, "hostname") : std::string();
  return name.empty() ? "unknown" : name;
}

// FNV-1a, 64 bits: a short, stable name for a run; not a security boundary.
std::string fnv1a_hex(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

[[noreturn]] void fail(const std::string& origin, const std::string& what) { throw UsageError(origin + ": " + what); }

SourceRun run_of_source(const ResultFile& file, const nlohmann::json& source, std::size_t index) {
  if (!source.is_object()) fail(file.path, "sources[" + std::to_string(index) + "] is not an object");
  SourceRun run;
  run.path = text_at(source, "path");
  run.host = text_at(source, "host");
  if (run.host.empty()) run.host = "unknown";
  run.created_utc = text_at(source, "created_utc");
  run.finished_utc = text_at(source, "finished_utc");
  run.git_revision = text_at(source, "git_revision");
  run.tool_version = text_at(source, "tool_version");
  run.command = source.value("command", nlohmann::json());
  run.schema_minor = source.value("schema_minor", file.schema_minor);
  return run;
}

}  // namespace

std::string run_key(const SourceRun& run) {
  return fnv1a_hex(run.host + "\n" + run.created_utc + "\n" + run.git_revision + "\n" + run.command.dump());
}

std::vector<SourceRun> runs_of(const ResultFile& file) {
  const nlohmann::json& doc = file.document;
  const nlohmann::json& cases = doc.at("cases");
  const auto sources = doc.find("sources");
  if (sources == doc.end()) {
    SourceRun run;
    run.path = file.path;
    run.host = hostname_of(doc);
    run.created_utc = text_at(doc, "created_utc");
    run.finished_utc = text_at(doc, "finished_utc");
    if (const auto tool = doc.find("tool"); tool != doc.end() && tool->is_object()) {
      run.git_revision = text_at(*tool, "git_revision");
      run.tool_version = text_at(*tool, "version");
    }
    run.command = doc.value("command", nlohmann::json());
    run.schema_minor = file.schema_minor;
    for (const auto& c : cases) run.cases.push_back(&c);
    return {run};
  }
  if (!sources->is_array()) fail(file.path, "\"sources\" is not an array");
  std::vector<SourceRun> runs;
  for (std::size_t i = 0; i < sources->size(); ++i) runs.push_back(run_of_source(file, (*sources)[i], i));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto source = cases[i].find("source");
    if (source == cases[i].end() || !source->is_number_unsigned() || source->get<std::size_t>() >= runs.size())
      fail(file.path, "case " + std::to_string(i) + " has no valid \"source\" index into sources");
    runs[source->get<std::size_t>()].cases.push_back(&cases[i]);
  }
  return runs;
}

nlohmann::json merge_results(const std::vector<ResultFile>& files, const nlohmann::json& command, MergeStats* stats) {
  MergeStats st;
  nlohmann::json sources = nlohmann::json::array();
  std::map<std::string, std::size_t> source_of_key;
  std::vector<nlohmann::json> cases;
  std::set<std::string> case_seen;
  nlohmann::json devices = nlohmann::json::array();
  std::set<std::string> device_seen;
  std::vector<nlohmann::json> backends;
  nlohmann::json seed;
  bool seed_set = false;
  int minor_min = -1, minor_max = -1;

  for (const ResultFile& file : files) {
    ++st.files;
    const nlohmann::json& doc = file.document;
    const std::vector<SourceRun> runs = runs_of(file);
    for (const SourceRun& run : runs) {
      minor_min = minor_min < 0 ? run.schema_minor : std::min(minor_min, run.schema_minor);
      minor_max = std::max(minor_max, run.schema_minor);
      const std::string key = run_key(run);
      auto [it, fresh] = source_of_key.emplace(key, sources.size());
      if (fresh) {
        sources.push_back({{"path", run.path},
                           {"host", run.host},
                           {"created_utc", run.created_utc},
                           {"finished_utc", run.finished_utc},
                           {"tool_version", run.tool_version},
                           {"git_revision", run.git_revision},
                           {"schema_minor", run.schema_minor},
                           {"command", run.command},
                           {"cases", 0}});
      } else {
        ++st.duplicate_runs;
      }
      for (const nlohmann::json* c : run.cases) {
        nlohmann::json rec = *c;
        rec.erase("source");
        rec["host"] = run.host;
        // Identical records (same host, same samples) are one measurement seen twice.
        if (!case_seen.insert(rec.dump()).second) {
          ++st.duplicate_cases;
          continue;
        }
        rec["source"] = it->second;
        sources[it->second]["cases"] = sources[it->second]["cases"].get<int>() + 1;
        cases.push_back(std::move(rec));
      }
    }
    // Devices: a run's own file names its host once; a merged file names it per device.
    const std::string file_host = runs.size() == 1 ? runs.front().host : std::string("unknown");
    if (const auto d = doc.find("devices"); d != doc.end() && d->is_array())
      for (const auto& device : *d) {
        if (!device.is_object()) continue;
        nlohmann::json rec = device;
        if (text_at(rec, "host").empty()) rec["host"] = file_host;
        if (device_seen.insert(rec["host"].get<std::string>() + "\n" + text_at(rec, "id")).second) devices.push_back(rec);
      }
    if (const auto b = doc.find("backends"); b != doc.end() && b->is_array())
      for (const auto& backend : *b) {
        if (!backend.is_object()) continue;
        auto same = std::find_if(backends.begin(), backends.end(), [&](const nlohmann::json& x) {
          return text_at(x, "backend") == text_at(backend, "backend");
        });
        if (same == backends.end()) backends.push_back(backend);
        else if (!same->value("available", false) && backend.value("available", false)) *same = backend;
      }
    const nlohmann::json file_seed = doc.value("seed", nlohmann::json());
    if (!seed_set) seed = file_seed;
    else if (seed != file_seed) seed = nullptr;
    seed_set = true;
  }
  st.runs = static_cast<int>(sources.size());
  if (stats) *stats = st;

  const std::string now = utc_now_iso8601();
  return {{"schema_version", kResultsSchemaVersion},
          {"schema_minor", kResultsSchemaMinor},
          {"tool", tool_json()},
          {"created_utc", now},
          {"finished_utc", now},
          {"command", command},
          {"seed", seed},
          {"host", host_info_json()},
          {"backends", backends},
          {"devices", devices},
          {"cases", cases},
          {"summary", summary_json(cases)},
          {"sources", sources},
          {"merge",
           {{"files", st.files},
            {"runs", st.runs},
            {"schema_minor_min", std::max(minor_min, 0)},
            {"schema_minor_max", std::max(minor_max, 0)},
            {"duplicate_runs", st.duplicate_runs},
            {"duplicate_cases", st.duplicate_cases}}}};
}

std::vector<std::string> merge_input_paths(const std::vector<std::string>& args, const std::string& skip) {
  std::error_code ec;
  const fs::path skip_path = skip.empty() ? fs::path() : fs::weakly_canonical(skip, ec);
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    const fs::file_status status = fs::status(arg, ec);
    if (!fs::exists(status)) fail(arg, "no such file or directory");
    if (!fs::is_directory(status)) {
      out.push_back(arg);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(arg, ec)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      if (!skip_path.empty() && fs::weakly_canonical(entry.path(), ec) == skip_path) continue;
      found.push_back(entry.path().string());
    }
    if (ec) fail(arg, "cannot list directory: " + ec.message());
    if (found.empty()) fail(arg, "no .json result files in this directory");
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace suanli
