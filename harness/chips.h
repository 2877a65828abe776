// The chip database (results/chips.json): datasheet peaks with their sources, and the
// device-name patterns that tie a runtime's device to its entry. Efficiency columns
// ("% of datasheet peak") are computed against what this returns, so every figure
// carries its provenance (source, confidence) into the results document.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace suanli {

struct Chip {
  std::string vendor, name, arch, sparsity_basis, mem_gb, mem_type, source, confidence, notes;
  std::vector<std::string> match;  // case-insensitive ECMAScript regexes on the device name
  std::string match_note;          // where the patterns come from, or why there are none
  int launch_year = 0;
  // Dense peaks, TFLOPS (int8: TOPS). Keys: fp64, fp64_matrix, fp32, fp32_matrix, tf32,
  // fp16, bf16, fp8, int8; only the figures the datasheet gives.
  std::map<std::string, double> peak_tflops;
  std::optional<double> mem_bw_tbs;
  // The clock the peaks assume (optional "boost_clock_mhz"): a measured rate is judged
  // against the peak scaled to the clock the device ran at (harness/results.h,
  // clock_adjusted_peak). "low_precision_clock_mhz", where given, is the clock the tf32,
  // fp16, bf16, fp8 and int8 figures assume instead (Hopper rates its tensor cores at a lower
  // boost clock than the SM's maximum); "clock_source" says where the clocks come from.
  std::optional<double> boost_clock_mhz;
  std::optional<double> low_precision_clock_mhz;
  std::string clock_source;
};

// One-line message naming the file (origin) and the problem.
struct ChipDbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ChipDatabase {
 public:
  // `origin` names the text in error messages (a path, or e.g. "<embedded chips.json>").
  static ChipDatabase parse(std::string_view json_text, const std::string& origin);
  static ChipDatabase load_file(const std::string& path);

  const std::vector<Chip>& chips() const { return chips_; }

  // The chip one of whose patterns is found in `device_name`. When several chips match,
  // the one with the longest matching pattern wins (the most specific); on a tie, the
  // earlier chip in the file. nullptr when none matches.
  const Chip* match(const std::string& device_name) const;

 private:
  // The compiled chips_[i].match, defined in chips.cpp so that <regex> stays out of every
  // file that includes this header. Immutable once built, so copies share it.
  struct Patterns;
  std::vector<Chip> chips_;
  std::shared_ptr<const Patterns> patterns_;
};

// The entry as it appears in chips.json (parse() accepts it back).
nlohmann::json chip_to_json(const Chip& chip);

struct PeakEstimate {
  std::optional<double> tflops;
  std::string basis;   // "datasheet" | "computed" | "unknown"
  std::string method;  // human-readable: the entry and its source, the computation, or why unknown
  std::optional<double> clock_mhz = std::nullopt;  // the clock the figure assumes, where known
};

// The clock a chip's `dtype` figure assumes: low_precision_clock_mhz for tf32, fp16, bf16,
// fp8 and int8 where the chip gives one, else boost_clock_mhz (nullopt when neither).
std::optional<double> peak_clock_mhz(const Chip& chip, const std::string& dtype);

// Which units' figure: `fastest` is what a GEMM can reach (the larger of the vector and the
// matrix figure); `vector` is the vector units' alone (fp64 / fp32 without _matrix), the
// ceiling of the portable FMA-chain kernel (workload peak).
enum class PeakUnits { fastest, vector };

// The peak a GEMM of `dtype` can reach on the chip: for fp64/fp32 the larger of the
// vector and matrix figure (H100 fp64: 67 from the tensor cores, not 34), otherwise the
// one figure. dtype: "fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8".
// Unknown when the chip has no figure for the dtype, or a datasheet 0 (no such units).
PeakEstimate datasheet_peak(const Chip& chip, const std::string& dtype, PeakUnits units = PeakUnits::fastest);

// The memory bandwidth of the datasheet (mem_bw_tbs) in GB/s, the ceiling of workload stream.
struct BandwidthEstimate {
  std::optional<double> gbps;
  std::string basis;   // "datasheet" | "unknown"
  std::string method;
};
BandwidthEstimate datasheet_bandwidth(const Chip& chip);

// For a CPU OpenCL device (e.g. PoCL) with no chips.json entry:
//   compute_units x lanes x FMA units per core x 2 FLOP x max clock,
// lanes = the native vector width for the dtype; FMA units per core = 2 unless the
// environment variable SUANLI_CPU_FMA_UNITS gives another positive integer.
// Unknown when an input is not positive or dtype is not fp32/fp64.
// A one-line problem with SUANLI_CPU_FMA_UNITS (set but not a positive integer), or nullopt.
std::optional<std::string> cpu_fma_units_env_problem();

PeakEstimate computed_cpu_peak(int compute_units, int lanes, int max_clock_mhz, const std::string& dtype);

}  // namespace suanli
