#include "harness/case_record.h"

#include <cmath>
#include <cstdio>

namespace suanli {
namespace {

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

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

std::string gib_text(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

}  // namespace suanli
