#include "harness/results.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "harness/errors.h"

#ifndef SUANLI_VERSION
#define SUANLI_VERSION "0.0.0"
#endif
#ifndef SUANLI_GIT_REVISION
#define SUANLI_GIT_REVISION "unknown"
#endif
#ifndef SUANLI_BUILD_TYPE
#define SUANLI_BUILD_TYPE "unknown"
#endif
#ifndef SUANLI_COMPILER
#define SUANLI_COMPILER "unknown"
#endif

namespace suanli {

nlohmann::json tool_json() {
  return {{"name", "suanli"},
          {"version", SUANLI_VERSION},
          {"git_revision", SUANLI_GIT_REVISION},
          {"build_type", SUANLI_BUILD_TYPE},
          {"compiler", SUANLI_COMPILER}};
}

void finalize_case(nlohmann::json& rec, const std::string& backend, const std::string& device_id,
                   const std::string& device_name, const PeakEstimate& peak) {
  rec["backend"] = backend;
  rec["device"] = device_id;
  rec["device_name"] = device_name;
  rec["peak_tflops"] = peak.tflops ? nlohmann::json(*peak.tflops) : nlohmann::json(nullptr);
  rec["peak_basis"] = peak.basis;
  const bool ok = rec.value("status", "") == "ok" && rec.value("verified", false);
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
  const double pct = 100.0 * tflops / *peak.tflops;
  if (pct > kMaxCrediblePctOfPeak) {
    // Faster than the chip can compute: a timing error, a wrong FLOP count or a wrong peak.
    // Kept for diagnosis (stats, samples, rejected_tflops) but never reported as a result.
    char buf[256];
    std::snprintf(buf, sizeof buf, "invalid: %.4g TFLOPS is %.1f%% of the %s peak %.4g TFLOPS (over 100%% is impossible: "
                  "a timing or FLOP-count error, or a wrong peak)", tflops, pct, peak.basis.c_str(), *peak.tflops);
    rec["status"] = "invalid";
    rec["reason"] = buf;
    rec["rejected_tflops"] = tflops;
    rec["tflops"] = nullptr;
    rec["pct_of_peak"] = nullptr;
    return;
  }
  rec["pct_of_peak"] = pct;
}

nlohmann::json summary_json(const std::vector<nlohmann::json>& cases) {
  int ok = 0, failed = 0, skipped = 0;
  for (const auto& c : cases) {
    const auto s = c.value("status", "");
    if (s == "ok") ++ok;
    else if (s == "skipped") ++skipped;
    else ++failed;
  }
  return {{"cases", cases.size()}, {"ok", ok}, {"failed", failed}, {"skipped", skipped}};
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
