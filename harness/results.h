// The results document (one JSON per run, schema below) and its atomic writing.
//
// Schema (schema_version 1, schema_minor 4):
//   schema_version, schema_minor, tool {name, version, git_revision, build_type, compiler,
//     cxx_flags, sanitize (minor 3)}, created_utc, finished_utc, command [argv], seed,
//   options {…} (minor 3: the resolved run options, as the journal header keeps them),
//   host {hostname, cpu, logical_cpus, os, kernel, kernel_build (minor 3), machine},
//   backends [{backend, available, reason, plugin_path}],
//   devices [{id "backend:index", backend, index, info {… DeviceInfo; minor 3: power_limit_w,
//             max_sm_clock_mhz, ecc_enabled, null = unknown}, chip {…}|null,
//             peaks {dtype: {tflops|null, basis, method}}}],
//   cases [{id, workload, backend, device, device_name, tier, dtype, shape {m,n,k},
//           shape_label, kernel {…}, hot, seed, stats {median_s, min_s, max_s, p10_s,
//           p90_s, mean_s, cv, n, median_rel_ci95, stop_reason, loop_s}, samples_s [],
//           flops, tflops, peak_tflops, peak_basis, pct_of_peak, verified,
//           verification {…}, status "ok"|"failed"|"skipped"|"invalid"|"suspicious"|
//           "unverified" (minor 3: a native kernel verified in this run on an arch not in
//           kernels/cuda/verified_on.json; numbers kept, never a result), reason,
//           state_before {…}, state_after {…}  (sm_clock_mhz, mem_clock_mhz, temperature_c,
//             power_w, throttle_reasons, throttled (minor 3), energy_j (minor 4: the board's
//             energy counter); null = unknown)}],
//         measured cases (minor 3): throttled_samples (samples taken while the device
//           reported a slowdown; null where the backend cannot read the reasons),
//           throttle_reasons_seen [] | null, state_reads (reads inside the loop),
//           max_sm_clock_mhz_seen | null, warnings [] (present when not empty: a throttled
//           sample adds one); validity_peak {value, figure, clock_adjusted,
//           device_clock_mhz, device_clock_source "measured"|"device max"|null,
//           peak_clock_mhz, text}: the peak the invalid / suspicious rule used.
//         measured cases (minor 4): energy {joules, window_s, avg_power_w | null [, note]}
//           | null: the energy counter's difference over the timed loop (flushes included;
//           null: no counter), avg_power_w only for a window of 1 s or more
//           (harness/measure.h); tflops_per_w (present where both the rate and the average
//           power are: TOPS per watt for int8).
//         `run --repetitions N` (minor 3): repetitions [{median_s, n, cv, stop_reason}]
//           one entry per run (harness/repetitions.h); samples_s and stats cover all runs,
//           stats.stop_reason "repetitions". A case whose runs did not all succeed carries
//           the first failed run's status and reason, and repetitions [{status}].
//         workload "peak" (minor 2): shape {}, the gemm fields, peak_tflops the vector units'
//           figure; workload "stream" (minor 2): shape {op [, elements]}, op, elements,
//           array_bytes, bytes (moved per launch), gbps, peak_bw_gbps, peak_bw_basis,
//           pct_of_peak_bw, llc_bytes, array_sizing [, note]; no flops / tflops.
//   summary {cases, ok, failed, skipped, suspicious (minor 2), unverified (minor 3)}
//   health {…}   (minor 1; `run --device all` only: the sibling check, harness/device_health.h)
//   resumed {journal, command, resumed_utc, cases_from_journal}   (minor 1; `run --resume` only)
// A case that is not "ok" carries no tflops / pct_of_peak (null): a number from an
// unverified or unfinished case is never reported — except "suspicious", a verified
// ceiling kept with its numbers and the reason it is doubted.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/chips.h"

namespace suanli {

constexpr int kResultsSchemaVersion = 1;
// Minor versions add fields only; a reader of major 1 reads every minor.
// 1: optional "health" and "resumed"; 2: workloads peak and stream; 3: provenance (tool
// flags, options, device limits) and throttling per row, validity_peak, repetitions; 4: energy
// and average power per row (state energy_j, energy, tflops_per_w).
constexpr int kResultsSchemaMinor = 4;

nlohmann::json tool_json();

// A measured rate above this share of the peak — scaled to the clock the device was seen at
// where both clocks are known (clock_adjusted_peak) — is not a record but an error
// somewhere: the case becomes "invalid".
constexpr double kMaxCrediblePctOfPeak = 100.0;

// A measured ceiling (workloads peak and stream) above this share of the datasheet peak —
// scaled to the clock the device ran at, where both clocks are known — is not silently a
// record: the case becomes "suspicious", its numbers kept, the reason naming both. A
// ceiling may beat a datasheet by a little (boost above the rated clock, a rounded figure),
// so the margin is 5 %, where a kernel (gemm, attention) over 100 % is simply "invalid".
constexpr double kSuspiciousCeilingPct = 105.0;

// The clock a device was seen at, for scaling its peak: the highest SM clock of the case's
// state reads ("measured"), else the device's maximum clock from DeviceInfo ("device max").
struct DeviceClock {
  std::optional<double> mhz;
  std::string source;  // "measured" | "device max" | "" (unknown)
};

// The peak the `invalid` (gemm, attention) and `suspicious` (peak) rules judge a rate
// against — one function for both: the figure × device clock / the clock the figure assumes
// (chips.json boost_clock_mhz, or the clock a computed CPU peak used) when both clocks are
// known, else the figure as given. Recorded in the row as `validity_peak` (schema_minor 3).
struct ValidityPeak {
  double value = 0;  // the rules' 100 %
  double figure = 0;  // the peak as given
  bool clock_adjusted = false;
  std::optional<double> device_clock_mhz, peak_clock_mhz;
  std::string device_clock_source;
  std::string text;  // "the datasheet peak 67 TFLOPS scaled to the measured clock (1400 of 1980 MHz) = 47.39 TFLOPS"
};
ValidityPeak clock_adjusted_peak(double peak, const std::string& unit, const std::string& basis,
                                 std::optional<double> peak_clock_mhz, const DeviceClock& device_clock);
nlohmann::json to_json(const ValidityPeak& peak);

// The reason a measured ceiling is suspicious, or nullopt. `unit` names the rate ("TFLOPS",
// "GB/s"); the peak is scaled by run_clock / peak_clock when both are known.
std::optional<std::string> suspicious_ceiling_reason(double measured, double peak, const std::string& unit,
                                                     const std::string& basis, std::optional<double> run_clock_mhz,
                                                     std::optional<double> peak_clock_mhz);

// Adds device/backend identity and the peak fields to a worker's case record; clears the
// performance fields of any case that is not "ok". An "ok" gemm / attention case above the
// peak becomes status "invalid" with the reason (its rate kept only as rejected_tflops); an
// "ok" peak case is judged against the vector peak and a stream case against `bandwidth`
// by the suspicious rule above.
// `device_max_clock_mhz` (DeviceInfo) stands in for the device clock when the case's state
// reads have none.
void finalize_case(nlohmann::json& rec, const std::string& backend, const std::string& device_id,
                   const std::string& device_name, const PeakEstimate& peak, const BandwidthEstimate& bandwidth = {},
                   std::optional<double> device_max_clock_mhz = std::nullopt);

nlohmann::json summary_json(const std::vector<nlohmann::json>& cases);

// Writes each case's compiler log (a failed kernel build) to a file beside the results,
// <target>.logs/case-<id>.compile.log, and records its path as "compile_log_file"; the
// record keeps its (truncated) "compile_log" either way. A log that cannot be written is
// reported on stderr, not an error: the results must still be written.
void save_compile_logs(nlohmann::json& document, const std::filesystem::path& target);

// An output file reserved at the start of a run: a temp file beside the target is created
// at once (so an unwritable path fails before any work), and commit() renames it over the
// target. Destroyed without commit, it removes the temp file: never a partial result.
class PendingOutput {
 public:
  // `option` names the flag the path came from in error messages ("--csv PATH: ...").
  explicit PendingOutput(std::filesystem::path target, std::string option = "--out");  // throws UsageError
  ~PendingOutput();
  PendingOutput(const PendingOutput&) = delete;
  PendingOutput& operator=(const PendingOutput&) = delete;
  void commit(const std::string& content);  // throws std::runtime_error
  // For writers that produce the file themselves: write to temp_path(), then commit().
  void commit();
  const std::filesystem::path& temp_path() const { return temp_; }
  // The temp file a process `pid` reserves for `target` (a resumed run removes the one
  // its killed predecessor left).
  static std::filesystem::path temp_path_for(const std::filesystem::path& target, long pid);
  const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_, temp_;
  bool committed_ = false;
};

}  // namespace suanli
