#include "harness/chips.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

// GCC 12's <regex> trips -Wmaybe-uninitialized inside std::function when built with
// sanitizers (a false positive in the library, not here); keep it from failing -Werror.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace suanli {

struct ChipDatabase::Patterns {
  std::vector<std::vector<std::regex>> per_chip;  // per_chip[i][j] compiles chips_[i].match[j]
};

namespace {

using nlohmann::json;

// Every key a chips.json peak table may hold. A key outside this set is rejected rather
// than ignored: a typo ("bf61") would otherwise silently drop a peak.
constexpr std::array<const char*, 9> kPeakKeys = {"fp64", "fp64_matrix", "fp32", "fp32_matrix", "tf32",
                                                  "fp16", "bf16",        "fp8",  "int8"};

constexpr int kSchemaVersion = 1;
constexpr int kDefaultFmaUnits = 2;
constexpr const char* kFmaUnitsEnv = "SUANLI_CPU_FMA_UNITS";

// Messages end up on one console line and in a JSON string; the parser's own message can
// quote raw input, so any line break in it is flattened here.
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

[[noreturn]] void fail(const std::string& origin, const std::string& problem) {
  throw ChipDbError(one_line(origin + ": " + problem));
}

// "989.4", "67", "0.25": the figure as a reader would write it.
std::string format_number(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

bool is_peak_key(const std::string& key) {
  for (const char* known : kPeakKeys) {
    if (key == known) return true;
  }
  return false;
}

// Reads one chip object, naming the chip (index, and name once known) in every error.
class ChipReader {
 public:
  ChipReader(const std::string& origin, std::size_t index, const json& object)
      : origin_(origin), object_(object), where_("chips[" + std::to_string(index) + "]") {}

  Chip read() {
    if (!object_.is_object()) problem(std::string("must be an object, got ") + object_.type_name());
    Chip chip;
    chip.name = required_string("name");
    if (chip.name.empty()) problem("field 'name' is empty");
    where_ += " (\"" + chip.name + "\")";
    chip.vendor = required_string("vendor");
    chip.source = required_string("source");
    chip.confidence = required_string("confidence");
    chip.arch = optional_string("arch");
    chip.sparsity_basis = optional_string("sparsity_basis");
    chip.mem_gb = optional_string("mem_gb");
    chip.mem_type = optional_string("mem_type");
    chip.notes = optional_string("notes");
    chip.match_note = optional_string("match_note");
    chip.launch_year = read_launch_year();
    chip.match = read_match();
    chip.peak_tflops = read_peaks();
    chip.mem_bw_tbs = read_bandwidth();
    chip.boost_clock_mhz = read_optional_number("boost_clock_mhz");
    chip.low_precision_clock_mhz = read_optional_number("low_precision_clock_mhz");
    chip.clock_source = optional_string("clock_source");
    if (chip.low_precision_clock_mhz && !chip.boost_clock_mhz)
      problem("field 'low_precision_clock_mhz' without 'boost_clock_mhz'");
    return chip;
  }

  [[noreturn]] void problem(const std::string& what) const { fail(origin_, where_ + ": " + what); }

 private:
  const json& field(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end()) problem(std::string("missing field '") + key + "'");
    return *it;
  }

  std::string required_string(const char* key) const {
    const json& value = field(key);
    if (!value.is_string()) {
      problem(std::string("field '") + key + "' must be a string, got " + value.type_name());
    }
    return value.get<std::string>();
  }

  std::string optional_string(const char* key) const {
    if (!object_.contains(key)) return {};
    return required_string(key);
  }

  int read_launch_year() const {
    const json& value = field("launch_year");
    if (!value.is_number_integer()) {
      problem(std::string("field 'launch_year' must be an integer, got ") + value.type_name());
    }
    const auto year = value.get<long long>();
    if (year <= 0 || year > 9999) problem("field 'launch_year' is " + std::to_string(year) + ", not a year");
    return static_cast<int>(year);
  }

  std::vector<std::string> read_match() const {
    const json& value = field("match");
    if (!value.is_array()) problem(std::string("field 'match' must be an array, got ") + value.type_name());
    std::vector<std::string> patterns;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string label = "match[" + std::to_string(i) + "]";
      if (!value[i].is_string()) problem(label + " must be a string, got " + value[i].type_name());
      patterns.push_back(value[i].get<std::string>());
      // An empty pattern matches every device name: certainly a mistake.
      if (patterns.back().empty()) problem(label + " is empty (it would match every device)");
    }
    return patterns;
  }

  double checked_number(const json& value, const std::string& label) const {
    if (!value.is_number()) problem(label + " must be a number, got " + value.type_name());
    const double number = value.get<double>();
    if (!std::isfinite(number) || number < 0) {
      problem(label + " is " + format_number(number) + "; it must be finite and non-negative");
    }
    return number;
  }

  std::map<std::string, double> read_peaks() const {
    const json& value = field("peak_tflops");
    if (!value.is_object()) {
      problem(std::string("field 'peak_tflops' must be an object, got ") + value.type_name());
    }
    std::map<std::string, double> peaks;
    for (const auto& [key, figure] : value.items()) {
      if (!is_peak_key(key)) {
        problem("unknown key 'peak_tflops." + key +
                "' (known: fp64, fp64_matrix, fp32, fp32_matrix, tf32, fp16, bf16, fp8, int8)");
      }
      peaks[key] = checked_number(figure, "'peak_tflops." + key + "'");
    }
    return peaks;
  }

  std::optional<double> read_bandwidth() const { return read_optional_number("mem_bw_tbs"); }

  std::optional<double> read_optional_number(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::nullopt;
    return checked_number(*it, std::string("field '") + key + "'");
  }

  const std::string& origin_;
  const json& object_;
  std::string where_;
};

std::string peak_unit(const std::string& dtype) { return dtype == "int8" ? "TOPS" : "TFLOPS"; }

std::string provenance(const Chip& chip) {
  std::string text;
  if (!chip.sparsity_basis.empty()) text += "; basis: " + chip.sparsity_basis;
  text += "; source: " + chip.source + "; confidence: " + chip.confidence;
  return text;
}

PeakEstimate unknown(std::string why) { return {std::nullopt, "unknown", std::move(why)}; }

// SUANLI_CPU_FMA_UNITS as a number: nullopt when unset; 0 when it is not a positive integer.
std::optional<int> fma_units_env() {
  const char* text = std::getenv(kFmaUnitsEnv);
  if (text == nullptr || *text == '\0') return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (errno == 0 && end != text && *end == '\0' && value > 0 && value <= 1 << 20) return static_cast<int>(value);
  return 0;
}

// The FMA units per core: SUANLI_CPU_FMA_UNITS when it is a positive integer, else the
// assumption (2: what current x86 server cores and big Arm cores issue per cycle). The CLI
// refuses a bad value up front (cpu_fma_units_env_problem); the fallback is for library use.
std::pair<int, std::string> fma_units_per_core() {
  const auto units = fma_units_env();
  if (!units) return {kDefaultFmaUnits, "assumed"};
  if (*units > 0) return {*units, std::string("given by ") + kFmaUnitsEnv};
  return {kDefaultFmaUnits,
          std::string("assumed; ") + kFmaUnitsEnv + "='" + std::getenv(kFmaUnitsEnv) + "' is not a positive integer"};
}

}  // namespace

std::optional<std::string> cpu_fma_units_env_problem() {
  const auto units = fma_units_env();
  if (units && *units == 0)
    return std::string(kFmaUnitsEnv) + "='" + std::getenv(kFmaUnitsEnv) + "' is not a positive integer (FMA units per CPU core, e.g. 2)";
  return std::nullopt;
}

ChipDatabase ChipDatabase::parse(std::string_view json_text, const std::string& origin) {
  json document;
  try {
    document = json::parse(json_text.begin(), json_text.end());
  } catch (const json::exception& err) {
    // A syntax error (parse_error, with "line L, column C") or a number too large for a
    // double (out_of_range). The "[json.exception...]" tag is noise to a reader.
    std::string what = err.what();
    if (const auto tag_end = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && tag_end != std::string::npos) {
      what.erase(0, tag_end + 2);
    }
    fail(origin, "not valid JSON: " + what);
  }

  if (!document.is_object())
    fail(origin, std::string("top level must be an object, got ") + document.type_name());
  const auto version = document.find("schema_version");
  if (version == document.end()) fail(origin, "missing field 'schema_version'");
  if (!version->is_number_integer() || version->get<long long>() != kSchemaVersion) {
    fail(origin, "unsupported schema_version " + version->dump() + " (this build reads " +
                     std::to_string(kSchemaVersion) + ")");
  }
  const auto chips = document.find("chips");
  if (chips == document.end()) fail(origin, "missing field 'chips'");
  if (!chips->is_array())
    fail(origin, std::string("field 'chips' must be an array, got ") + chips->type_name());

  ChipDatabase db;
  auto patterns = std::make_shared<Patterns>();
  std::set<std::string> names;
  for (std::size_t i = 0; i < chips->size(); ++i) {
    ChipReader reader(origin, i, (*chips)[i]);
    Chip chip = reader.read();
    if (!names.insert(chip.name).second) reader.problem("duplicate chip name");

    std::vector<std::regex> compiled;
    for (std::size_t j = 0; j < chip.match.size(); ++j) {
      try {
        compiled.emplace_back(chip.match[j], std::regex::ECMAScript | std::regex::icase);
      } catch (const std::regex_error& err) {
        reader.problem("match[" + std::to_string(j) + "] '" + chip.match[j] +
                       "' is not a valid regex: " + err.what());
      }
    }
    db.chips_.push_back(std::move(chip));
    patterns->per_chip.push_back(std::move(compiled));
  }
  db.patterns_ = std::move(patterns);
  return db;
}

ChipDatabase ChipDatabase::load_file(const std::string& path) {
  // A directory opens as a stream on Linux and then reads as empty: say what it is.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not a chips database");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open chips database: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, "cannot read chips database");
  return parse(text.str(), path);
}

const Chip* ChipDatabase::match(const std::string& device_name) const {
  const Chip* best = nullptr;
  if (!patterns_) return best;  // a default-constructed (empty) database
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < chips_.size(); ++i) {
    const std::vector<std::regex>& compiled = patterns_->per_chip[i];
    for (std::size_t j = 0; j < compiled.size(); ++j) {
      const std::size_t length = chips_[i].match[j].size();
      // Strictly longer: on a tie the earlier chip keeps the match, so the result does
      // not depend on anything but the file's order.
      if (length > best_length && std::regex_search(device_name, compiled[j])) {
        best = &chips_[i];
        best_length = length;
      }
    }
  }
  return best;
}

nlohmann::json chip_to_json(const Chip& chip) {
  json peaks = json::object();
  for (const auto& [key, value] : chip.peak_tflops) peaks[key] = value;
  json out{
      {"vendor", chip.vendor},
      {"name", chip.name},
      {"match", chip.match},
      {"match_note", chip.match_note},
      {"launch_year", chip.launch_year},
      {"arch", chip.arch},
      {"peak_tflops", peaks},
      {"sparsity_basis", chip.sparsity_basis},
      {"mem_bw_tbs", chip.mem_bw_tbs ? json(*chip.mem_bw_tbs) : json(nullptr)},
      {"mem_gb", chip.mem_gb},
      {"mem_type", chip.mem_type},
      {"source", chip.source},
      {"confidence", chip.confidence},
      {"notes", chip.notes},
  };
  if (chip.boost_clock_mhz) out["boost_clock_mhz"] = *chip.boost_clock_mhz;
  if (chip.low_precision_clock_mhz) out["low_precision_clock_mhz"] = *chip.low_precision_clock_mhz;
  if (!chip.clock_source.empty()) out["clock_source"] = chip.clock_source;
  return out;
}

PeakEstimate datasheet_peak(const Chip& chip, const std::string& dtype, PeakUnits units) {
  const std::string entry = "chips.json \"" + chip.name + "\"";
  std::vector<std::string> keys;
  if ((dtype == "fp64" || dtype == "fp32") && units == PeakUnits::vector) {
    keys = {dtype};
  } else if (dtype == "fp64" || dtype == "fp32") {
    keys = {dtype, dtype + "_matrix"};  // a GEMM runs on whichever unit is faster
  } else if (dtype == "tf32" || dtype == "fp16" || dtype == "bf16" || dtype == "fp8" || dtype == "int8") {
    keys = {dtype};
  } else {
    return unknown("unknown dtype '" + dtype + "' (expected fp64, fp32, tf32, fp16, bf16, fp8 or int8)");
  }

  std::string best_key;
  double best = 0;
  bool listed = false;
  for (const std::string& key : keys) {
    const auto it = chip.peak_tflops.find(key);
    if (it == chip.peak_tflops.end()) continue;
    listed = true;
    if (it->second > best) {
      best = it->second;
      best_key = key;
    }
  }
  if (!listed) return unknown(entry + " gives no " + dtype + " figure" + provenance(chip));
  // A datasheet 0 says the chip has no such units; no efficiency can be taken against it.
  if (best_key.empty())
    return unknown(entry + " gives " + dtype + " = 0 (no " + dtype + " units)" + provenance(chip));

  std::string method =
      "datasheet: " + entry + " " + best_key + " = " + format_number(best) + " " + peak_unit(dtype);
  for (const std::string& key : keys) {
    const auto it = chip.peak_tflops.find(key);
    if (key != best_key && it != chip.peak_tflops.end()) {
      method += " (the larger of it and " + key + " = " + format_number(it->second) + ")";
    }
  }
  const auto clock = peak_clock_mhz(chip, dtype);
  if (clock) method += "; assumes " + format_number(*clock) + " MHz";
  return {best, "datasheet", method + provenance(chip), clock};
}

std::optional<double> peak_clock_mhz(const Chip& chip, const std::string& dtype) {
  const bool low_precision = dtype == "tf32" || dtype == "fp16" || dtype == "bf16" || dtype == "fp8" || dtype == "int8";
  if (low_precision && chip.low_precision_clock_mhz) return chip.low_precision_clock_mhz;
  return chip.boost_clock_mhz;
}

BandwidthEstimate datasheet_bandwidth(const Chip& chip) {
  const std::string entry = "chips.json \"" + chip.name + "\"";
  if (!chip.mem_bw_tbs || *chip.mem_bw_tbs <= 0)
    return {std::nullopt, "unknown", entry + " gives no memory bandwidth" + provenance(chip)};
  return {*chip.mem_bw_tbs * 1000.0, "datasheet",
          "datasheet: " + entry + " mem_bw_tbs = " + format_number(*chip.mem_bw_tbs) + " TB/s" + provenance(chip)};
}

PeakEstimate computed_cpu_peak(int compute_units, int lanes, int max_clock_mhz, const std::string& dtype) {
  if (dtype != "fp32" && dtype != "fp64") {
    return unknown("no CPU peak for " + dtype +
                   ": it is computed only for fp32 and fp64, the widths the device reports");
  }
  if (compute_units <= 0)
    return unknown("cannot compute a CPU peak: the device reports " + std::to_string(compute_units) +
                   " compute units");
  if (lanes <= 0)
    return unknown("cannot compute a CPU peak: the device reports native " + dtype + " vector width " +
                   std::to_string(lanes));
  if (max_clock_mhz <= 0)
    return unknown("cannot compute a CPU peak: the device reports max clock " +
                   std::to_string(max_clock_mhz) + " MHz");

  const auto [fma_units, fma_origin] = fma_units_per_core();
  const double ghz = max_clock_mhz / 1000.0;
  const double tflops = static_cast<double>(compute_units) * lanes * fma_units * 2.0 * ghz / 1000.0;
  char figures[64];
  std::snprintf(figures, sizeof figures, " x 2 FLOP x %.3f GHz = %.3f TFLOPS", ghz, tflops);
  return {tflops, "computed",
          "computed: " + std::to_string(compute_units) + " cores x " + std::to_string(lanes) + " " + dtype +
              " lanes x " + std::to_string(fma_units) + " FMA units (" + fma_origin + ")" + figures,
          static_cast<double>(max_clock_mhz)};
}

}  // namespace suanli
