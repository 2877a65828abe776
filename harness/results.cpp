#include "harness/results.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "harness/build_info.h"
#include "harness/errors.h"

namespace suanli {

nlohmann::json tool_json() {
  return {{"name", "suanli"},
          {"version", build_info::version},
          {"git_revision", build_info::git_revision},
          {"build_type", build_info::build_type},
          {"compiler", build_info::compiler},
          {"cxx_flags", build_info::cxx_flags},  // schema_minor 3
          {"sanitize", build_info::sanitize}};
}

namespace {

std::string rate_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// The clock the device ran at during the samples: the highest SM clock of its state reads
// (every read of the loop since schema_minor 3; before and after in older records), so a
// device that idled before the loop is not judged against a lowered peak.
DeviceClock device_clock(const nlohmann::json& rec, std::optional<double> device_max_clock_mhz) {
  std::optional<double> clock;
  const auto note = [&clock](const nlohmann::json& mhz) {
    if (mhz.is_number() && mhz.get<double>() > 0) clock = std::max(clock.value_or(0.0), mhz.get<double>());
  };
  if (const auto seen = rec.find("max_sm_clock_mhz_seen"); seen != rec.end()) note(*seen);
  for (const char* key : {"state_before", "state_after"}) {
    const auto state = rec.find(key);
    if (state == rec.end() || !state->is_object()) continue;
    if (const auto mhz = state->find("sm_clock_mhz"); mhz != state->end()) note(*mhz);
  }
  if (clock) return {clock, "measured"};
  if (device_max_clock_mhz && *device_max_clock_mhz > 0) return {device_max_clock_mhz, "device max"};
  return {};
}

void mark_suspicious(nlohmann::json& rec, const std::optional<std::string>& why) {
  if (!why) return;
  rec["status"] = "suspicious";
  rec["reason"] = *why;
}

// Workload stream: GB/s against the datasheet bandwidth.
void finalize_bandwidth(nlohmann::json& rec, bool ok, const BandwidthEstimate& bandwidth) {
  rec["peak_bw_gbps"] = bandwidth.gbps ? nlohmann::json(*bandwidth.gbps) : nlohmann::json(nullptr);
  rec["peak_bw_basis"] = bandwidth.basis;
  if (!ok || !rec.contains("gbps") || !rec["gbps"].is_number()) {
    rec["gbps"] = nullptr;
    rec["pct_of_peak_bw"] = nullptr;
    return;
  }
  const double gbps = rec["gbps"].get<double>();
  if (!(bandwidth.gbps && *bandwidth.gbps > 0)) {
    rec["pct_of_peak_bw"] = nullptr;
    return;
  }
  rec["pct_of_peak_bw"] = 100.0 * gbps / *bandwidth.gbps;
  // Memory clocks do not follow the SM clock: the bandwidth is judged unscaled.
  mark_suspicious(rec, suspicious_ceiling_reason(gbps, *bandwidth.gbps, "GB/s", bandwidth.basis, std::nullopt, std::nullopt));
}

}  // namespace

ValidityPeak clock_adjusted_peak(double peak, const std::string& unit, const std::string& basis,
                                 std::optional<double> peak_clock_mhz, const DeviceClock& device_clock) {
  ValidityPeak v;
  v.value = v.figure = peak;
  v.peak_clock_mhz = peak_clock_mhz;
  v.device_clock_mhz = device_clock.mhz;
  v.device_clock_source = device_clock.source;
  v.text = "the " + basis + " peak " + rate_text(peak) + " " + unit;
  const auto& run = device_clock.mhz;
  if (!(peak > 0) || !run || !peak_clock_mhz || !(*run > 0) || !(*peak_clock_mhz > 0)) return v;
  v.clock_adjusted = true;
  v.value = peak * *run / *peak_clock_mhz;
  v.text += std::string(" scaled to the ") + (device_clock.source == "device max" ? "device's maximum" : "measured") +
            " clock (" + rate_text(*run) + " of " + rate_text(*peak_clock_mhz) + " MHz) = " + rate_text(v.value) + " " + unit;
  return v;
}

nlohmann::json to_json(const ValidityPeak& v) {
  const auto opt = [](const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); };
  return {{"value", v.value},
          {"figure", v.figure},
          {"clock_adjusted", v.clock_adjusted},
          {"device_clock_mhz", opt(v.device_clock_mhz)},
          {"device_clock_source", v.device_clock_source.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.device_clock_source)},
          {"peak_clock_mhz", opt(v.peak_clock_mhz)},
          {"text", v.text}};
}

namespace {

std::optional<std::string> suspicious_reason(double measured, const ValidityPeak& limit, const std::string& unit) {
  if (!(limit.value > 0)) return std::nullopt;
  const double pct = 100.0 * measured / limit.value;
  if (pct <= kSuspiciousCeilingPct) return std::nullopt;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.1f%%", pct);
  return "suspicious: measured " + rate_text(measured) + " " + unit + " is " + buf + " of " + limit.text +
         " (over 105%: a timing or work-count error, a wrong datasheet figure, or a clock above the one it assumes)";
}

}  // namespace

std::optional<std::string> suspicious_ceiling_reason(double measured, double peak, const std::string& unit,
                                                     const std::string& basis, std::optional<double> run_clock,
                                                     std::optional<double> peak_clock) {
  return suspicious_reason(measured, clock_adjusted_peak(peak, unit, basis, peak_clock, {run_clock, "measured"}), unit);
}

void finalize_case(nlohmann::json& rec, const std::string& backend, const std::string& device_id,
                   const std::string& device_name, const PeakEstimate& peak, const BandwidthEstimate& bandwidth,
                   std::optional<double> device_max_clock_mhz) {
  rec["backend"] = backend;
  rec["device"] = device_id;
  rec["device_name"] = device_name;
  const std::string workload = rec.value("workload", "gemm");
  // "unverified" (a native kernel on an arch it was never checked on, harness/native_gemm.h)
  // passed this run's verification: its rate is computed and judged like an ok case's, but
  // only "ok" counts as a result (bests, comparisons, history, health, gbench).
  const std::string status = rec.value("status", "");
  const bool ok = (status == "ok" || status == "unverified") && rec.value("verified", false);
  if (workload == "stream") {  // a bandwidth, not a FLOP rate
    finalize_bandwidth(rec, ok, bandwidth);
    if (!ok) {
      if (!rec.contains("stats")) rec["stats"] = nullptr;
      if (!rec.contains("samples_s")) rec["samples_s"] = nlohmann::json::array();
    }
    return;
  }
  rec["peak_tflops"] = peak.tflops ? nlohmann::json(*peak.tflops) : nlohmann::json(nullptr);
  rec["peak_basis"] = peak.basis;
  if (!ok) {
    rec["tflops"] = nullptr;
    rec["pct_of_peak"] = nullptr;
    if (!rec.contains("stats")) rec["stats"] = nullptr;
    if (!rec.contains("samples_s")) rec["samples_s"] = nlohmann::json::array();
    return;
  }
  const double tflops = rec.at("tflops").get<double>();
  if (!(peak.tflops && *peak.tflops > 0)) {
    rec["pct_of_peak"] = nullptr;
    return;
  }
  // pct_of_peak stays against the figure as given (the efficiency a reader compares across
  // chips); the rules below judge against the peak at the clock the device was seen at.
  const double pct = 100.0 * tflops / *peak.tflops;
  const std::string unit = rec.value("dtype", "") == "int8" ? "TOPS" : "TFLOPS";
  const ValidityPeak limit =
      clock_adjusted_peak(*peak.tflops, unit, peak.basis, peak.clock_mhz, device_clock(rec, device_max_clock_mhz));
  rec["validity_peak"] = to_json(limit);
  if (workload == "peak") {  // a measured ceiling: kept, but never silently above the datasheet
    rec["pct_of_peak"] = pct;
    mark_suspicious(rec, suspicious_reason(tflops, limit, unit));
    return;
  }
  const double pct_of_limit = 100.0 * tflops / limit.value;
  if (pct_of_limit > kMaxCrediblePctOfPeak) {
    // Faster than the chip can compute: a timing error, a wrong FLOP count or a wrong peak.
    // Kept for diagnosis (stats, samples, rejected_tflops) but never reported as a result.
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f%%", pct_of_limit);
    rec["status"] = "invalid";
    rec["reason"] = "invalid: " + rate_text(tflops) + " " + unit + " is " + buf + " of " + limit.text +
                    " (over 100% is impossible: a timing or FLOP-count error, or a wrong peak)";
    rec["rejected_tflops"] = tflops;
    rec["tflops"] = nullptr;
    rec["pct_of_peak"] = nullptr;
    return;
  }
  rec["pct_of_peak"] = pct;
}

nlohmann::json summary_json(const std::vector<nlohmann::json>& cases) {
  int ok = 0, failed = 0, skipped = 0, suspicious = 0, unverified = 0;
  for (const auto& c : cases) {
    const auto s = c.value("status", "");
    if (s == "ok") ++ok;
    else if (s == "skipped") ++skipped;
    else if (s == "suspicious") ++suspicious;  // verified and kept, doubted: not a failure
    else if (s == "unverified") ++unverified;  // verified here, kernel not yet checked on this arch
    else ++failed;
  }
  return {{"cases", cases.size()}, {"ok", ok}, {"failed", failed}, {"skipped", skipped}, {"suspicious", suspicious},
          {"unverified", unverified}};
}

void save_compile_logs(nlohmann::json& document, const std::filesystem::path& target) {
  std::filesystem::path dir = target;
  dir += ".logs";
  for (auto& c : document["cases"]) {
    const auto log = c.find("compile_log");
    if (log == c.end() || !log->is_string() || log->get<std::string>().empty()) continue;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const auto file = dir / ("case-" + std::to_string(c.value("id", 0)) + ".compile.log");
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << log->get<std::string>();
    out.close();
    if (ec || !out) {
      std::fprintf(stderr, "suanli: warning: cannot write %s; the log stays in the results file\n", file.c_str());
      continue;
    }
    c["compile_log_file"] = file.string();
  }
}

PendingOutput::PendingOutput(std::filesystem::path target, std::string option) : target_(std::move(target)) {
  if (target_.empty()) throw UsageError(option + ": empty path");
  std::error_code ec;
  if (std::filesystem::is_directory(target_, ec)) throw UsageError(option + " " + target_.string() + ": is a directory");
  temp_ = temp_path_for(target_, getpid());
  std::FILE* f = std::fopen(temp_.c_str(), "w");
  if (!f) throw UsageError(option + " " + target_.string() + ": cannot write there (" + std::strerror(errno) + ")");
  std::fclose(f);
}

std::filesystem::path PendingOutput::temp_path_for(const std::filesystem::path& target, long pid) {
  std::filesystem::path p = target;
  p += ".tmp." + std::to_string(pid);
  return p;
}

PendingOutput::~PendingOutput() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void PendingOutput::commit(const std::string& content) {
  {
    std::ofstream f(temp_, std::ios::binary | std::ios::trunc);
    f << content;
    f.flush();
    if (!f) throw std::runtime_error("writing " + temp_.string() + " failed");
  }
  commit();
}

void PendingOutput::commit() {
  std::error_code ec;
  std::filesystem::rename(temp_, target_, ec);
  if (ec) throw std::runtime_error("renaming " + temp_.string() + " to " + target_.string() + ": " + ec.message());
  committed_ = true;
}

}  // namespace suanli
