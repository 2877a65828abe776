#include "harness/case_record.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

namespace suanli {
namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// schema_minor 3: throttling per row. Unknown (null) where the backend cannot read the
// reasons, never 0; a throttled sample adds a warning but leaves the status alone.
void record_throttle(nlohmann::json& rec, const Measurement& meas) {
  const ThrottleCount& t = meas.throttle;
  rec["throttled_samples"] = t.known ? nlohmann::json(t.throttled_samples) : nlohmann::json(nullptr);
  rec["throttle_reasons_seen"] = t.known ? nlohmann::json(t.reasons) : nlohmann::json(nullptr);
  rec["state_reads"] = t.state_reads;
  rec["max_sm_clock_mhz_seen"] = t.max_sm_clock_mhz ? nlohmann::json(*t.max_sm_clock_mhz) : nlohmann::json(nullptr);
  if (!t.known || t.throttled_samples == 0) return;
  std::string reasons;
  for (const auto& r : t.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
  add_warning(rec, "throttled: " + std::to_string(t.throttled_samples) + " of " + std::to_string(meas.samples_s.size()) +
                       " samples were taken while the device reported " + reasons);
}

}  // namespace

BufferSet::~BufferSet() {
  for (auto& b : buffers_) {
    try {
      device_.free(b);
    } catch (...) {
      // Freeing after a device fault can fail too; the worker is replaced after a failed case.
    }
  }
}

Buffer BufferSet::alloc(std::size_t bytes) {
  buffers_.push_back(device_.alloc(bytes));
  return buffers_.back();
}

bool record_verification(nlohmann::json& rec, const VerifyResult& v) {
  rec["verification"] = {{"method", v.method},
                         {"ok", v.ok},
                         {"worst_error_ratio", finite_or_null(v.worst_error_ratio)},
                         {"elements_checked", v.elements_checked},
                         {"nonfinite_outputs", v.nonfinite_outputs},
                         {"detail", v.detail}};
  rec["verified"] = v.ok;
  if (!v.ok) {
    rec["status"] = "failed";
    rec["reason"] = "verification failed: " + v.detail;
  }
  return v.ok;
}

void measure_into(nlohmann::json& rec, Device& device, const std::function<void()>& enqueue, const CaseSpec& spec) {
  const Measurement meas = measure(device, enqueue, MeasureOptions{spec.policy, spec.hot, spec.warmup_runs});
  const auto& st = meas.stats;
  rec["stats"] = {{"median_s", st.median},
                  {"min_s", st.min},
                  {"max_s", st.max},
                  {"p10_s", st.p10},
                  {"p90_s", st.p90},
                  {"mean_s", st.mean},
                  {"cv", st.cv},
                  {"n", st.n},
                  {"median_rel_ci95", finite_or_null(st.median_rel_ci)},
                  {"stop_reason", to_string(meas.stop)},
                  {"loop_s", meas.loop_seconds}};
  rec["samples_s"] = meas.samples_s;
  // A workload declares its work as FLOPs (a rate in TFLOPS) or as bytes moved (GB/s).
  if (rec.contains("flops")) rec["tflops"] = rec.at("flops").get<double>() / st.median / 1e12;
  if (rec.contains("bytes")) rec["gbps"] = rec.at("bytes").get<double>() / st.median / 1e9;
  rec["state_before"] = to_json(meas.state_before);
  rec["state_after"] = to_json(meas.state_after);
  record_throttle(rec, meas);
  record_energy(rec, meas.energy);
  rec["status"] = "ok";
}

void run_guarded(nlohmann::json& rec, const std::function<void()>& body) {
  try {
    body();
  } catch (const BackendError& e) {
    rec["verified"] = false;
    const bool cannot_run = e.kind == BackendError::Kind::out_of_memory || e.kind == BackendError::Kind::unsupported;
    rec["status"] = cannot_run ? "skipped" : "failed";
    rec["reason"] = e.what();
    if (!e.log.empty()) rec["compile_log"] = e.log.substr(0, 16384);
  } catch (const std::exception& e) {
    rec["verified"] = false;
    rec["status"] = "failed";
    rec["reason"] = e.what();
  }
}

void fold_throttle(nlohmann::json& out, const std::vector<const nlohmann::json*>& runs) {
  if (runs.empty() || !runs.front()->contains("throttled_samples")) return;  // measured before minor 3
  // Counts as int64: result files hold each below 2^31 (validate_result_document), a run set
  // may add up many.
  nlohmann::json count = 0, reasons = nlohmann::json::array(), warnings = nlohmann::json::array(), clock = nullptr;
  std::int64_t reads = 0;
  for (const auto* r : runs) {
    const auto& n = r->value("throttled_samples", nlohmann::json(nullptr));
    count = n.is_number() && count.is_number() ? nlohmann::json(count.get<std::int64_t>() + n.get<std::int64_t>()) : nlohmann::json(nullptr);
    for (const auto& reason : r->value("throttle_reasons_seen", nlohmann::json::array()))
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
    for (const auto& w : r->value("warnings", nlohmann::json::array())) warnings.push_back(w);
    reads += r->value("state_reads", std::int64_t{0});
    const auto& mhz = r->value("max_sm_clock_mhz_seen", nlohmann::json(nullptr));
    if (mhz.is_number() && (clock.is_null() || mhz.get<double>() > clock.get<double>())) clock = mhz;
  }
  out["throttled_samples"] = count;
  out["throttle_reasons_seen"] = count.is_null() ? nlohmann::json(nullptr) : reasons;
  out["state_reads"] = reads;
  out["max_sm_clock_mhz_seen"] = clock;
  if (warnings.empty()) out.erase("warnings");
  else out["warnings"] = warnings;
}

void record_energy(nlohmann::json& rec, const std::optional<EnergyWindow>& energy) {
  rec.erase("tflops_per_w");
  if (!energy) {
    rec["energy"] = nullptr;
    return;
  }
  nlohmann::json out = {{"joules", energy->joules}, {"window_s", energy->seconds}, {"avg_power_w", nullptr}};
  if (energy->seconds >= kEnergyMinWindowSeconds && energy->joules > 0) {
    const double watts = energy->joules / energy->seconds;
    out["avg_power_w"] = watts;
    if (const auto t = rec.find("tflops"); t != rec.end() && t->is_number()) rec["tflops_per_w"] = t->get<double>() / watts;
  } else if (energy->seconds < kEnergyMinWindowSeconds) {
    char note[96];
    std::snprintf(note, sizeof note, "no average power: a window under %.0f s (--min-time lengthens it)", kEnergyMinWindowSeconds);
    out["note"] = note;
  } else {
    out["note"] = "no average power: the energy counter did not advance over the window";
  }
  rec["energy"] = std::move(out);
}

void fold_energy(nlohmann::json& out, const std::vector<const nlohmann::json*>& runs) {
  if (runs.empty() || !runs.front()->contains("energy")) return;  // measured before minor 4
  std::optional<EnergyWindow> sum = EnergyWindow{};
  for (const auto* r : runs) {
    const auto e = r->find("energy");
    if (!sum || e == r->end() || !e->is_object()) {
      sum.reset();
      continue;
    }
    sum->joules += e->value("joules", 0.0);
    sum->seconds += e->value("window_s", 0.0);
  }
  record_energy(out, sum);
}

void add_warning(nlohmann::json& rec, const std::string& warning) {
  auto& list = rec["warnings"];
  if (!list.is_array()) list = nlohmann::json::array();
  list.push_back(warning);
}

std::string gib_text(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace suanli
