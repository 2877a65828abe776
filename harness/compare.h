// `suanli compare`: regression verdicts between two results documents, case by case.
//
// The verdict of one case (r = the estimated ratio new / base of the median time, t = the
// threshold, a = alpha, p = the rank test's p-value, the interval r's bootstrap interval
// at confidence 1 - a):
//   SLOWER     p < a and r > 1 + t: slower with confidence, by more than the threshold
//              on the best estimate. `why` says whether the whole interval lies beyond
//              1 + t too, or reaches inside it (the size is then less sure than the sign).
//   FASTER     the mirror image: p < a and r < 1 / (1 + t).
//   SAME       the interval lies inside [1 / (1 + t), 1 + t]: any change is smaller than
//              the threshold, with confidence 1 - a.
//   AMBIGUOUS  anything else (no significant shift but too wide an interval for SAME, a
//              significant shift whose size is unclear, or too few samples to tell).
// A false SLOWER or FASTER needs p < a, so two runs of one build get one with probability
// at most a. The faster bound is 1 / (1 + t), not 1 - t, so that swapping the two files
// turns every SLOWER into FASTER and back. docs/REGRESSION.md explains the choice (an
// earlier rule asked for the whole interval beyond 1 + t) and measures both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/compare_stats.h"
#include "harness/result_file.h"

namespace suanli {

enum class Verdict { slower, ambiguous, faster, same };  // in the order reports list them
std::string to_string(Verdict v);                       // "SLOWER", ...

// What one observation is. `runs`: the per-run medians of `suanli run --repetitions N`
// (harness/repetitions.h), so a shift of the whole machine between runs counts as the
// noise it is; `samples`: the raw samples of one run. `automatic`: runs when both cases
// have at least min_samples runs, else samples.
enum class CompareUnit { automatic, runs, samples };
CompareUnit parse_compare_unit(const std::string& text);  // throws UsageError naming the text

struct CompareSettings {
  double threshold = 0.03;  // relative change of the median time that matters
  double alpha = 0.01;      // test level, and 1 - the interval's confidence
  int resamples = 2000;     // bootstrap draws per case
  std::uint64_t seed = 0x5375616E4C69ull;
  int min_samples = 5;  // fewer samples (or runs) on either side: AMBIGUOUS without testing
  CompareUnit unit = CompareUnit::automatic;
  // Runs as pairs: run i of BASE with run i of NEW (taken in turn, A B A B ...), tested by
  // the Wilcoxon signed-rank test on the per-pair log ratios. A drift of the machine that
  // both runs of a pair share then cancels. Run i is the i-th file of a directory (its
  // passes in order, for files of --repetitions) or the i-th pass of one file; a run that
  // lacks a case on one side drops that case's pair i only (counted in unpaired_runs).
  bool paired = false;
};

struct SampleComparison {
  Verdict verdict = Verdict::ambiguous;
  std::string why;  // one short phrase: what decided the verdict
  double base_median = 0, new_median = 0;
  double ratio = 0;             // new median / base median: > 1 is slower
  RatioInterval ratio_ci;       // bootstrap interval of ratio
  double p_value = 1;           // two-sided Mann–Whitney
  bool exact_p = false;
  int n_base = 0, n_new = 0;
  bool tested = false;          // false: too few samples, no test run (ci and p unset)
  std::string unit = "samples";  // what n_base / n_new count: "samples", "runs" or "pairs"
  int unpaired_runs = 0;         // --paired: runs of either side whose partner lacks the case
};

// The --threshold text: a percentage ("3%", "0.5%") or a fraction below 1 ("0.03"). A bare
// number of 1 or more is refused rather than guessed at ("3" could mean 3% or 300%).
// Throws UsageError naming the text.
double parse_threshold(const std::string& text);

// Throws std::invalid_argument on an empty sample or settings out of range.
SampleComparison compare_samples(const std::vector<double>& base, const std::vector<double>& fresh,
                                 const CompareSettings& settings, std::uint64_t seed);

// The paired form (settings.paired): base[i] and fresh[i] are the two runs of pair i.
// ratio is the median of the per-pair ratios, ratio_ci its bootstrap interval (pairs
// resampled), p_value the signed-rank test's; the verdict rules are the same. Throws
// std::invalid_argument on empty or unequal samples.
SampleComparison compare_pairs(const std::vector<double>& base, const std::vector<double>& fresh,
                               const CompareSettings& settings, std::uint64_t seed);

struct CaseComparison {
  std::string key, label;
  SampleComparison result;
};

// A case that could not be compared, and why ("only in NEW", "BASE: failed: ...").
struct UncomparedCase {
  std::string label;
  std::string reason;
};

struct Comparison {
  std::vector<CaseComparison> cases;     // in the order reports list them
  std::vector<UncomparedCase> uncompared;
  int count(Verdict v) const;
};

// Matches the cases of two documents by case_key() and compares each pair of "ok" cases.
// Each case's bootstrap seed is settings.seed mixed with its key, so a verdict depends
// only on the two cases, not on what else the files hold or in which order.
Comparison compare_results(const ResultFile& base, const ResultFile& fresh, const CompareSettings& settings);

}  // namespace suanli
