#include "harness/compare.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "harness/errors.h"
#include "harness/repetitions.h"

namespace suanli {
namespace {

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 0x100000001B3ull;
  }
  return h;
}

void check_settings(const CompareSettings& s) {
  if (!(s.threshold > 0) || !std::isfinite(s.threshold)) throw std::invalid_argument("threshold must be > 0");
  if (!(s.alpha > 0 && s.alpha < 1)) throw std::invalid_argument("alpha must lie in (0, 1)");
  if (s.resamples < 100) throw std::invalid_argument("at least 100 bootstrap resamples");
  if (s.min_samples < 2) throw std::invalid_argument("min_samples must be >= 2");
}

// Cases of one document by key; a key seen more than once maps to every index.
std::map<std::string, std::vector<std::size_t>> index_by_key(const nlohmann::json& cases) {
  std::map<std::string, std::vector<std::size_t>> out;
  for (std::size_t i = 0; i < cases.size(); ++i) out[case_key(cases[i])].push_back(i);
  return out;
}

// Why one side's case cannot be compared; empty when it can.
std::string side_problem(const char* side, const nlohmann::json& c, std::size_t copies) {
  if (copies > 1)
    return std::string(side) + ": appears " + std::to_string(copies) + " times (which one to compare is ambiguous)";
  const std::string status = c.at("status").get<std::string>();
  if (status != "ok") {
    std::string reason = c.value("reason", "");
    return std::string(side) + ": " + status + (reason.empty() ? "" : " (" + reason + ")");
  }
  if (case_samples(c).empty()) return std::string(side) + ": no timing samples";
  return "";
}

double log_change(const CaseComparison& c) { return std::fabs(std::log(c.result.ratio)); }

// One side's runs of a case by run number (repetition_runs); a file without
// --repetitions is one run, number 0: its median.
std::map<int, double> runs_by_number(const nlohmann::json& c) {
  std::map<int, double> out;
  const std::vector<double> medians = repetition_medians(c);
  const std::vector<int> numbers = repetition_runs(c);
  for (std::size_t i = 0; i < medians.size(); ++i) out[numbers[i]] = medians[i];
  if (out.empty()) out[0] = median_of(case_samples(c));
  return out;
}

// The observations of the two sides in the unit the settings ask for; "" or why not.
// `unpaired`: with --paired, the runs of either side whose number the other side lacks.
std::string observations(const nlohmann::json& b, const nlohmann::json& n, const CompareSettings& s, std::vector<double>& base,
                         std::vector<double>& fresh, std::string& unit, int& unpaired) {
  unpaired = 0;
  if (s.paired) {
    // Run i of BASE with run i of NEW: the i-th file (or pass) of each side, so a run
    // that lacks the case on one side drops that pair only.
    const std::map<int, double> base_runs = runs_by_number(b), new_runs = runs_by_number(n);
    base.clear();
    fresh.clear();
    for (const auto& [run, median] : base_runs)
      if (const auto other = new_runs.find(run); other != new_runs.end()) {
        base.push_back(median);
        fresh.push_back(other->second);
      }
    unpaired = static_cast<int>(base_runs.size() + new_runs.size() - 2 * base.size());
    if (base.empty())
      return "no run of BASE has a partner in NEW (--paired pairs run i of each side: the i-th file or pass)";
    unit = "pairs";
    return "";
  }
  base = repetition_medians(b);
  fresh = repetition_medians(n);
  const auto enough = [&](const std::vector<double>& v) { return static_cast<int>(v.size()) >= s.min_samples; };
  if (s.unit == CompareUnit::runs) {
    std::string problem;
    if (!enough(base)) problem = "BASE: " + std::to_string(base.size()) + " runs";
    if (!enough(fresh)) problem += (problem.empty() ? "" : "; ") + std::string("NEW: ") + std::to_string(fresh.size()) + " runs";
    if (!problem.empty())
      return problem + " (--unit runs needs at least " + std::to_string(s.min_samples) + ": suanli run --repetitions N)";
    unit = "runs";
    return "";
  }
  if (s.unit == CompareUnit::automatic && enough(base) && enough(fresh)) {
    unit = "runs";
    return "";
  }
  base = case_samples(b);
  fresh = case_samples(n);
  unit = "samples";
  return "";
}

// The verdict of a tested comparison from its p-value, estimate and interval (the rules
// at the top of compare.h), shared by the independent and the paired forms.
void decide(SampleComparison& out, const CompareSettings& settings) {
  const double up = 1.0 + settings.threshold;
  const double down = 1.0 / up;
  const bool significant = out.p_value < settings.alpha;
  const bool within = out.ratio_ci.lo >= down && out.ratio_ci.hi <= up;
  if (significant && (out.ratio > up || out.ratio < down)) {
    out.verdict = out.ratio > up ? Verdict::slower : Verdict::faster;
    const bool sure = out.ratio > up ? out.ratio_ci.lo > up : out.ratio_ci.hi < down;
    out.why = sure ? "significant, interval beyond the threshold"
                   : "significant, estimate beyond the threshold, interval reaches inside it";
  } else if (within) {
    out.verdict = Verdict::same;
    out.why = significant ? "significant but within the threshold" : "interval within the threshold";
  } else {
    out.verdict = Verdict::ambiguous;
    out.why = significant ? "significant, estimate within the threshold, interval crosses it"
                          : "not significant, interval wider than the threshold";
  }
}

}  // namespace

double parse_threshold(const std::string& text) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  double value = 0;
  std::size_t used = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size() || !std::isfinite(value))
    throw UsageError("--threshold '" + text + "': expected a percentage (3%) or a fraction (0.03)");
  if (percent) value /= 100.0;
  if (!(value > 0)) throw UsageError("--threshold '" + text + "': must be greater than 0");
  if (!percent && value >= 1)
    throw UsageError("--threshold '" + text + "': a bare number must be a fraction below 1; write " + text +
                     "% for a percentage");
  return value;
}

CompareUnit parse_compare_unit(const std::string& text) {
  if (text == "auto") return CompareUnit::automatic;
  if (text == "runs") return CompareUnit::runs;
  if (text == "samples") return CompareUnit::samples;
  throw UsageError("--unit '" + text + "': expected auto, runs or samples");
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::slower: return "SLOWER";
    case Verdict::ambiguous: return "AMBIGUOUS";
    case Verdict::faster: return "FASTER";
    case Verdict::same: return "SAME";
  }
  return "UNKNOWN";
}

int Comparison::count(Verdict v) const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [v](const auto& c) { return c.result.verdict == v; }));
}

SampleComparison compare_samples(const std::vector<double>& base, const std::vector<double>& fresh,
                                 const CompareSettings& settings, std::uint64_t seed) {
  check_settings(settings);
  SampleComparison out;
  out.base_median = median_of(base);
  out.new_median = median_of(fresh);
  out.ratio = out.new_median / out.base_median;
  out.n_base = static_cast<int>(base.size());
  out.n_new = static_cast<int>(fresh.size());
  if (out.n_base < settings.min_samples || out.n_new < settings.min_samples) {
    // A bootstrap of two or three values has almost no distinct resamples: its interval
    // would look tight and call SAME on no evidence.
    out.verdict = Verdict::ambiguous;
    out.why = "fewer than " + std::to_string(settings.min_samples) + " samples";
    return out;
  }
  out.tested = true;
  const MannWhitney test = mann_whitney_u(fresh, base);
  out.p_value = test.p_value;
  out.exact_p = test.exact;
  out.ratio_ci = bootstrap_median_ratio(base, fresh, settings.alpha, settings.resamples, seed);
  decide(out, settings);
  return out;
}

SampleComparison compare_pairs(const std::vector<double>& base, const std::vector<double>& fresh,
                               const CompareSettings& settings, std::uint64_t seed) {
  check_settings(settings);
  if (base.empty() || base.size() != fresh.size())
    throw std::invalid_argument("paired comparison needs two samples of one non-zero size");
  SampleComparison out;
  out.unit = "pairs";
  out.base_median = median_of(base);
  out.new_median = median_of(fresh);
  out.n_base = out.n_new = static_cast<int>(base.size());
  // d: (pairs) log(new / base); the median of d is the median log ratio (the log is monotone).
  std::vector<double> d(base.size());
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = std::log(fresh[i] / base[i]);
  out.ratio = std::exp(median_of(d));
  if (out.n_base < settings.min_samples) {
    out.verdict = Verdict::ambiguous;
    out.why = "fewer than " + std::to_string(settings.min_samples) + " pairs";
    return out;
  }
  out.tested = true;
  const SignedRank test = wilcoxon_signed_rank(d);
  out.p_value = test.p_value;
  out.exact_p = test.exact;
  const RatioInterval log_ci = bootstrap_median_interval(d, settings.alpha, settings.resamples, seed);
  out.ratio_ci = {std::exp(log_ci.lo), std::exp(log_ci.hi)};
  decide(out, settings);
  if (out.verdict == Verdict::ambiguous && signed_rank_smallest_p(out.n_base) >= settings.alpha)
    out.why += " (" + std::to_string(out.n_base) + " pairs cannot reach p < alpha)";
  return out;
}

Comparison compare_results(const ResultFile& base, const ResultFile& fresh, const CompareSettings& settings) {
  check_settings(settings);
  const nlohmann::json& base_cases = base.document.at("cases");
  const nlohmann::json& new_cases = fresh.document.at("cases");
  const auto base_index = index_by_key(base_cases);
  const auto new_index = index_by_key(new_cases);

  Comparison out;
  auto note = [&](const nlohmann::json& c, std::string reason) {
    out.uncompared.push_back({case_label(c), std::move(reason)});
  };
  for (const auto& [key, base_at] : base_index) {
    const nlohmann::json& b = base_cases[base_at.front()];
    const auto match = new_index.find(key);
    if (match == new_index.end()) {
      note(b, "only in BASE");
      continue;
    }
    const nlohmann::json& n = new_cases[match->second.front()];
    std::string problem = side_problem("BASE", b, base_at.size());
    const std::string new_problem = side_problem("NEW", n, match->second.size());
    if (!new_problem.empty()) problem += (problem.empty() ? "" : "; ") + new_problem;
    if (!problem.empty()) {
      note(b, problem);
      continue;
    }
    std::vector<double> base_obs, new_obs;
    std::string unit;
    int unpaired = 0;
    if (std::string why = observations(b, n, settings, base_obs, new_obs, unit, unpaired); !why.empty()) {
      note(b, why);
      continue;
    }
    const std::uint64_t seed = settings.seed ^ fnv1a(key);
    SampleComparison result = settings.paired ? compare_pairs(base_obs, new_obs, settings, seed)
                                              : compare_samples(base_obs, new_obs, settings, seed);
    result.unit = unit;
    result.unpaired_runs = unpaired;
    if (unpaired > 0)
      result.why += "; " + std::to_string(unpaired) + (unpaired == 1 ? " run" : " runs") +
                    " without a partner on the other side left out";
    out.cases.push_back({key, case_label(b), std::move(result)});
  }
  for (const auto& [key, new_at] : new_index)
    if (!base_index.count(key)) note(new_cases[new_at.front()], "only in NEW");

  // Slower first, the largest change first within a verdict: the top of a CI comment is
  // what a reviewer needs to see.
  std::stable_sort(out.cases.begin(), out.cases.end(), [](const CaseComparison& x, const CaseComparison& y) {
    if (x.result.verdict != y.result.verdict) return x.result.verdict < y.result.verdict;
    if (log_change(x) != log_change(y)) return log_change(x) > log_change(y);
    return x.label < y.label;
  });
  std::stable_sort(out.uncompared.begin(), out.uncompared.end(),
                   [](const auto& x, const auto& y) { return x.label < y.label; });
  return out;
}

}  // namespace suanli
