// The step detector on synthetic nightly series: quiet noise is not a step, a real step is
// found at the run where it happened, and one wild run is not a step.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "harness/change_point.h"

namespace suanli {
namespace {

std::vector<double> noisy(std::size_t n, double noise, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(0.0, noise);
  std::vector<double> x(n);
  for (auto& v : x) v = 1.0 + dist(rng);
  return x;
}

std::vector<double> with_step(std::vector<double> x, std::size_t at, double change) {
  for (std::size_t i = at; i < x.size(); ++i) x[i] *= 1 + change;
  return x;
}

TEST(ChangePoint, MidRanksShareTies) {
  EXPECT_EQ(mid_ranks({3, 1, 3, 2}), (std::vector<double>{3.5, 1, 3.5, 2}));
  EXPECT_EQ(mid_ranks({5, 5, 5}), (std::vector<double>{2, 2, 2}));
}

TEST(ChangePoint, FlatNoisySeriesIsNotFlagged) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    const ChangePoint cp = detect_change_point(noisy(20, 0.01, seed));
    ASSERT_TRUE(cp.enough_data);
    EXPECT_FALSE(cp.flagged) << "seed " << seed << ": change " << cp.change << " at " << cp.index << " p " << cp.p_value;
  }
}

// With no effect-size floor the permutation test alone decides: searching every split
// must not inflate the false-flag rate beyond alpha (0.05 by default; 300 flat series,
// so the bound below is about two standard deviations above it).
TEST(ChangePoint, SearchingAllSplitsKeepsTheFalseFlagRateNearAlpha) {
  ChangePointOptions options;
  options.min_effect = 0;
  options.permutations = 499;
  int flagged = 0;
  const int trials = 300;
  for (int seed = 0; seed < trials; ++seed) flagged += detect_change_point(noisy(20, 0.05, 1000 + seed), options).flagged;
  EXPECT_LE(flagged, trials * 8 / 100) << flagged << " of " << trials << " flat series flagged";
}

TEST(ChangePoint, StepIsFlaggedAtTheRunWhereItHappened) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    const ChangePoint cp = detect_change_point(with_step(noisy(20, 0.01, seed), 12, -0.08));
    ASSERT_TRUE(cp.flagged) << "seed " << seed << " p " << cp.p_value;
    EXPECT_EQ(cp.index, 12u) << "seed " << seed;
    EXPECT_NEAR(cp.change, -0.08, 0.015) << "seed " << seed;
    EXPECT_LT(cp.z, 0);
  }
  const ChangePoint up = detect_change_point(with_step(noisy(16, 0.01, 7), 5, 0.10));
  EXPECT_TRUE(up.flagged);
  EXPECT_EQ(up.index, 5u);
  EXPECT_GT(up.change, 0.08);
}

TEST(ChangePoint, StepNeedsMinSegmentRunsAfterIt) {
  const auto base = noisy(20, 0.01, 3);
  const ChangePoint three_after = detect_change_point(with_step(base, 17, -0.10));
  EXPECT_TRUE(three_after.flagged);
  EXPECT_EQ(three_after.index, 17u);
  EXPECT_FALSE(detect_change_point(with_step(base, 19, -0.10)).flagged);
  EXPECT_FALSE(detect_change_point(with_step(base, 18, -0.10)).flagged);
}

TEST(ChangePoint, SingleOutlierIsNotAStep) {
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    for (std::size_t at : {std::size_t{0}, std::size_t{3}, std::size_t{10}, std::size_t{17}, std::size_t{19}}) {
      auto x = noisy(20, 0.01, seed);
      x[at] *= 0.6;
      const ChangePoint cp = detect_change_point(x);
      EXPECT_FALSE(cp.flagged) << "seed " << seed << " outlier at " << at << ": change " << cp.change << " at "
                               << cp.index << " p " << cp.p_value;
    }
  }
}

TEST(ChangePoint, ConsistentShiftBelowTheMinimumEffectIsNotAStep) {
  const auto x = with_step(noisy(20, 0.001, 5), 10, -0.01);
  const ChangePoint cp = detect_change_point(x);
  EXPECT_LT(cp.p_value, 0.01);  // real, but too small to matter at the default 3%
  EXPECT_FALSE(cp.flagged);
  ChangePointOptions fine;
  fine.min_effect = 0.005;
  EXPECT_TRUE(detect_change_point(x, fine).flagged);
}

TEST(ChangePoint, ShortConstantAndInvalidSeries) {
  EXPECT_FALSE(detect_change_point({1, 2, 3, 4, 5}).enough_data);
  EXPECT_FALSE(detect_change_point({}).enough_data);
  const ChangePoint flat = detect_change_point(std::vector<double>(12, 2.0));
  EXPECT_TRUE(flat.enough_data);
  EXPECT_FALSE(flat.flagged);
  EXPECT_THROW(detect_change_point({1, 2, NAN, 4, 5, 6}), std::invalid_argument);
}

}  // namespace
}  // namespace suanli
