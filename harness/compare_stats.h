// The statistics `suanli compare` rests on, kept free of result files so they can be
// checked against reference values: a rank test (is there a shift at all?) and a
// bootstrap interval (how large is it?). For two independent samples, Mann–Whitney U and
// the ratio of medians; for paired runs (--paired: base and new taken in turn), the
// Wilcoxon signed-rank test and the median of the per-pair log ratios. All are
// distribution-free: device timings are skewed, often bimodal, never normal.
#pragma once

#include <cstdint>
#include <vector>

namespace suanli {

struct MannWhitney {
  double u = 0;        // U of the first sample: pairs (a_i, b_j) with a_i > b_j, ties 1/2
  double p_value = 1;  // two-sided
  bool exact = false;  // exact null distribution (no ties, small samples) or normal approximation
};

// Two-sided Mann–Whitney U test. Exact when there are no ties and the number of
// rankings fits a double exactly (n_a + n_b up to about 56); otherwise the normal
// approximation with tie correction and continuity correction (the textbook form, as in
// scipy.stats.mannwhitneyu). Throws std::invalid_argument on an empty sample.
MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b);

struct RatioInterval {
  double lo = 0, hi = 0;
};

// Percentile-bootstrap interval, confidence 1 - alpha, of median(fresh) / median(base):
// `resamples` times, both samples are drawn again with replacement (independently) and
// the ratio of their medians recorded. The generator is this file's own (splitmix64), so
// a seed gives the same interval on every platform and standard library.
RatioInterval bootstrap_median_ratio(const std::vector<double>& base, const std::vector<double>& fresh,
                                     double alpha, int resamples, std::uint64_t seed);

struct SignedRank {
  double w_plus = 0;   // sum of the ranks of |d| over the positive differences, ties mid-ranked
  int n = 0;           // differences used: the non-zero ones
  double p_value = 1;  // two-sided
  bool exact = false;  // exact null distribution (no ties, n <= kSignedRankExactMax) or normal approximation
};

constexpr int kSignedRankExactMax = 50;  // 2^50 sign patterns: every count exact in a double

// Two-sided Wilcoxon signed-rank test of "the differences are symmetric about 0". Zero
// differences are dropped (Wilcoxon's own treatment; scipy's zero_method="wilcox"). Exact
// when no two |d| tie and at most kSignedRankExactMax remain; otherwise the normal
// approximation with the tie correction of the variance and a continuity correction. No
// non-zero difference at all gives p = 1. Throws std::invalid_argument on an empty sample.
SignedRank wilcoxon_signed_rank(const std::vector<double>& differences);

// The smallest two-sided p-value n pairs can reach (every difference of one sign): 2 / 2^n.
double signed_rank_smallest_p(int n);

// Percentile-bootstrap interval, confidence 1 - alpha, of the median of one sample (the
// paired comparison resamples its pairs' log ratios). Same generator as above.
RatioInterval bootstrap_median_interval(const std::vector<double>& values, double alpha, int resamples,
                                        std::uint64_t seed);

// Median of unsorted data (the mean of the two middle values for an even count).
double median_of(std::vector<double> values);

}  // namespace suanli
