// Step-change detection on a short series (one value per nightly run), for `suanli history`.
//
// Method (a rank version of Pettitt's test, with a permutation p-value):
//  1. Rank the series (mid-ranks for ties), so one wild run moves a rank by at most the
//     series length and never dominates the way it would dominate a mean.
//  2. For every split k with at least min_segment runs on each side, the Mann-Whitney U
//     of after = x[k..n) against before = x[0..k), standardized: z_k = (U - nA*nB/2) / sd
//     (tie-corrected). The candidate change point is the k with the largest |z_k|.
//  3. p-value: the same maximum over random permutations of the ranks (a fixed seed, so a
//     report is reproducible). Taking the maximum over every split inside the null
//     distribution accounts for having searched for the best split: on a flat series the
//     flag rate is alpha however many splits there were.
//  4. Where: the split with the least total absolute deviation from the two segments'
//     medians (every split inside a clean step separates the ranks equally well, so the
//     rank statistic decides "whether", this robust least-deviation fit decides "where").
//  5. Flag a step when p < alpha AND the segment medians differ by at least min_effect
//     (relative) even with any one run left out, so a tiny but consistent shift on a
//     quiet machine is not a "step", and neither is one wild run at the start of a short
//     segment (the median of 3 runs, one of them wild, is the lower of the other two).
// A single outlier is not a step: it changes one rank, and the median of its segment not
// at all. A step needs min_segment runs after it before it can be flagged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace suanli {

struct ChangePointOptions {
  std::size_t min_segment = 3;  // runs on each side of a split
  // Significance of the permutation test. 0.05 rather than 0.01: with 0.01 a clean step
  // needs 4-5 runs after it before it shows; with 0.05, 3 runs once the window holds about
  // 12. On a flat series the min_effect floor, not alpha, keeps quiet cases from flagging.
  double alpha = 0.05;
  double min_effect = 0.03;     // |median(after) / median(before) - 1| needed to flag
  int permutations = 1999;
  std::uint64_t seed = 0x5eedULL;
};

struct ChangePoint {
  bool enough_data = false;  // at least 2 * min_segment values
  bool flagged = false;
  std::size_t index = 0;  // first value of the "after" segment (when enough_data)
  double change = 0;      // median(after) / median(before) - 1
  double robust_change = 0;  // the same with the one run left out that shrinks it most (0 if the sign flips)
  double p_value = 1;
  double z = 0;  // standardized U at index (sign: after above before is positive)
  double max_abs_z = 0;  // the test statistic: largest |z| over all splits
};

// series: oldest first. Throws std::invalid_argument on a non-finite value.
ChangePoint detect_change_point(const std::vector<double>& series, const ChangePointOptions& options = {});

// Mid-ranks (1-based; tied values share the mean of their ranks).
std::vector<double> mid_ranks(const std::vector<double>& values);

}  // namespace suanli
