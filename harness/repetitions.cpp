#include "harness/repetitions.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "harness/case_record.h"
#include "harness/compare_stats.h"
#include "harness/merge.h"
#include "harness/stats.h"

namespace suanli {
namespace {

bool has_samples(const nlohmann::json& rec) {
  const auto s = rec.find("samples_s");
  return s != rec.end() && s->is_array() && !s->empty();
}

// The stats fields measure_into writes, recomputed over all repetitions' samples; the
// fields that describe one timed loop (stop_reason) move into "repetitions".
void restate(nlohmann::json& rec, const std::vector<double>& samples, double loop_s) {
  const SampleStats st = summarize(samples);
  nlohmann::json& s = rec["stats"];
  s["median_s"] = st.median;
  s["min_s"] = st.min;
  s["max_s"] = st.max;
  s["p10_s"] = st.p10;
  s["p90_s"] = st.p90;
  s["mean_s"] = st.mean;
  s["cv"] = st.cv;
  s["n"] = st.n;
  s["median_rel_ci95"] = std::isfinite(st.median_rel_ci) ? nlohmann::json(st.median_rel_ci) : nlohmann::json(nullptr);
  s["stop_reason"] = "repetitions";
  s["loop_s"] = loop_s;
  rec["samples_s"] = samples;
  if (rec.contains("flops")) rec["tflops"] = rec.at("flops").get<double>() / st.median / 1e12;
  if (rec.contains("bytes")) rec["gbps"] = rec.at("bytes").get<double>() / st.median / 1e9;
}

// How many runs one record of a file stands for: its own repetitions, else 1.
std::size_t runs_in(const nlohmann::json& rec) {
  const auto r = rec.find("repetitions");
  return r != rec.end() && r->is_array() && !r->empty() ? r->size() : 1;
}

// The runs one record stands for: its own "repetitions" when it is already folded (a
// file of run --repetitions), else itself: {median_s, n, cv, stop_reason}.
void append_runs(const nlohmann::json& rec, nlohmann::json& list) {
  if (const auto r = rec.find("repetitions"); r != rec.end() && r->is_array() && !r->empty()) {
    for (const auto& one : *r) list.push_back(one);
    return;
  }
  // A record without stats (written by hand, or by another tool) still has its samples.
  const nlohmann::json st = rec.value("stats", nlohmann::json::object());
  const auto samples = rec.at("samples_s").get<std::vector<double>>();
  const nlohmann::json median = st.contains("median_s") ? st.at("median_s") : nlohmann::json(median_of(samples));
  list.push_back({{"median_s", median}, {"n", st.value("n", static_cast<int>(samples.size()))}, {"cv", st.value("cv", 0.0)},
                  {"stop_reason", st.value("stop_reason", "")}});
}

// One record for a case measured several times (`runs`, in time order): see fold_repetitions.
nlohmann::json fold_group(const std::vector<const nlohmann::json*>& runs) {
  const std::string status = runs.front()->value("status", "");
  bool uniform = true;
  for (const auto* r : runs) uniform = uniform && r->value("status", "") == status && has_samples(*r);

  nlohmann::json list = nlohmann::json::array();
  if (uniform) {
    nlohmann::json out = *runs.front();
    std::vector<double> all;
    double loop_s = 0;
    bool verified = true;
    for (const auto* r : runs) {
      append_runs(*r, list);
      const auto samples = r->at("samples_s").get<std::vector<double>>();
      all.insert(all.end(), samples.begin(), samples.end());
      loop_s += r->value("stats", nlohmann::json::object()).value("loop_s", 0.0);
      verified = verified && r->value("verified", false);
    }
    restate(out, all, loop_s);
    fold_throttle(out, runs);
    fold_energy(out, runs);
    out["verified"] = verified;
    if (runs.back()->contains("state_after")) out["state_after"] = runs.back()->at("state_after");
    out["repetitions"] = list;
    return out;
  }
  // One run that did not succeed decides the case; a case skipped on every run (a
  // can_implement refusal) reads as before.
  // The first failed run, else the first that is not ok.
  std::size_t stand_in = runs.size();
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const std::string s = runs[r]->value("status", "");
    list.push_back({{"status", s}});
    if (s == "failed" && (stand_in == runs.size() || runs[stand_in]->value("status", "") != "failed")) stand_in = r;
    if (s != "ok" && stand_in == runs.size()) stand_in = r;
  }
  if (stand_in == runs.size()) stand_in = 0;  // all ok, one without samples: keep the first
  nlohmann::json out = *runs[stand_in];
  bool same = true;
  for (const auto* r : runs) same = same && r->value("status", "") == out.value("status", "") && r->value("reason", "") == out.value("reason", "");
  if (!same)
    out["reason"] = "repetition " + std::to_string(stand_in + 1) + " of " + std::to_string(runs.size()) + ": " + out.value("reason", "");
  out["repetitions"] = list;
  return out;
}

}  // namespace

std::vector<CaseSpec> expand_repetitions(const std::vector<CaseSpec>& cases, int n) {
  if (n < 1) throw std::invalid_argument("repetitions must be >= 1");
  if (n == 1) return cases;
  std::vector<CaseSpec> out;
  out.reserve(cases.size() * static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r)
    for (CaseSpec c : cases) {
      c.id = c.id * n + r;
      out.push_back(std::move(c));
    }
  return out;
}

std::vector<nlohmann::json> fold_repetitions(const std::vector<nlohmann::json>& records, int n) {
  if (n < 1) throw std::invalid_argument("repetitions must be >= 1");
  if (n == 1) return records;
  // By case, then by pass: id = case * n + pass.
  std::map<int, std::map<int, const nlohmann::json*>> groups;
  for (const auto& rec : records) {
    const int id = rec.at("id").get<int>();
    groups[id / n][id % n] = &rec;
  }
  std::vector<nlohmann::json> out;
  for (const auto& [id, by_pass] : groups) {
    std::vector<const nlohmann::json*> runs;
    for (const auto& [pass, rec] : by_pass) runs.push_back(rec);
    out.push_back(fold_group(runs));
    out.back()["id"] = id;
  }
  return out;
}

std::vector<int> repetition_runs(const nlohmann::json& record) {
  std::vector<int> out;
  const auto list = record.find("repetitions");
  if (list == record.end() || !list->is_array()) return out;
  for (const auto& r : *list) {
    const auto run = r.find("run");
    out.push_back(run != r.end() && run->is_number_integer() ? run->get<int>() : static_cast<int>(out.size()));
  }
  return out;
}

std::vector<double> repetition_medians(const nlohmann::json& record) {
  const auto list = record.find("repetitions");
  if (list == record.end() || !list->is_array()) return {};
  std::vector<double> out;
  for (const auto& r : *list) {
    const auto m = r.find("median_s");
    if (m == r.end() || !m->is_number() || !(m->get<double>() > 0)) return {};
    out.push_back(m->get<double>());
  }
  return out;
}

}  // namespace suanli

namespace suanli {

ResultFile load_run_set(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return load_result_file(path);
  const std::vector<std::string> files = merge_input_paths({path}, "");
  if (files.size() == 1) return load_result_file(files.front());
  std::vector<ResultFile> loaded;
  for (const auto& f : files) loaded.push_back(load_result_file(f));
  // Cases by identity, in first-seen order; each file's copy is one more run of the case.
  // Runs are numbered across the set (file by file, a file's passes in order), so that a
  // case missing from one file leaves a gap rather than shifting the runs after it.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const nlohmann::json*>> by_key;
  std::map<const nlohmann::json*, int> first_run;
  int runs = 0;
  for (const auto& f : loaded) {
    std::size_t passes = 1;
    for (const auto& c : f.document.at("cases")) {
      const std::string key = case_key(c);
      if (!by_key.count(key)) order.push_back(key);
      by_key[key].push_back(&c);
      first_run[&c] = runs;
      passes = std::max(passes, runs_in(c));
    }
    runs += static_cast<int>(passes);
  }
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& key : order) {
    const auto& group = by_key[key];
    nlohmann::json folded = fold_group(group);
    // Each run's number, when every run has its entry (a case all of whose runs succeeded).
    nlohmann::json& list = folded["repetitions"];
    std::size_t entries = 0;
    for (const auto* rec : group) entries += runs_in(*rec);
    if (list.is_array() && list.size() == entries && !repetition_medians(folded).empty()) {
      std::size_t at = 0;
      for (const auto* rec : group)
        for (std::size_t pass = 0; pass < runs_in(*rec); ++pass) list[at++]["run"] = first_run[rec] + static_cast<int>(pass);
    }
    folded["id"] = cases.size();
    cases.push_back(std::move(folded));
  }
  nlohmann::json doc = loaded.front().document;
  doc["cases"] = std::move(cases);
  doc["run_set"] = {{"directory", path}, {"files", files}};
  ResultFile out = validate_result_document(std::move(doc), path + " (" + std::to_string(files.size()) + " runs)");
  return out;
}

}  // namespace suanli
