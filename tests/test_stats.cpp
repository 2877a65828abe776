#include <gtest/gtest.h>

#include <cmath>

#include "harness/stats.h"

namespace suanli {
namespace {

TEST(Stats, SummarizeKnownSample) {
  const SampleStats s = summarize({5.0, 1.0, 3.0, 2.0, 4.0});
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.median, 3.0);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 5.0);
  EXPECT_DOUBLE_EQ(s.mean, 3.0);
  EXPECT_DOUBLE_EQ(s.p10, 1.4);  // linear interpolation: position 0.4 between 1 and 2
  EXPECT_DOUBLE_EQ(s.p90, 4.6);
  EXPECT_NEAR(s.cv, std::sqrt(2.5) / 3.0, 1e-12);  // sample standard deviation
}

TEST(Stats, EvenCountMedianInterpolates) {
  EXPECT_DOUBLE_EQ(summarize({4.0, 1.0, 2.0, 3.0}).median, 2.5);
}

TEST(Stats, RejectsEmptyAndNonFinite) {
  EXPECT_THROW(summarize({}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, NAN}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, INFINITY}), std::invalid_argument);
}

TEST(Stats, MedianCiShrinksWithMoreSamples) {
  std::vector<double> few, many;
  for (int i = 0; i < 10; ++i) few.push_back(1.0 + 0.01 * (i % 5));
  for (int i = 0; i < 200; ++i) many.push_back(1.0 + 0.01 * (i % 5));
  std::sort(few.begin(), few.end());
  std::sort(many.begin(), many.end());
  const double ci_few = median_relative_ci(few), ci_many = median_relative_ci(many);
  EXPECT_GT(ci_few, 0.0);
  EXPECT_LE(ci_many, ci_few);
  EXPECT_TRUE(std::isinf(median_relative_ci({1.0, 2.0})));  // too few to bound
}

TEST(Stats, StopRuleHonoursMinimumThenConverges) {
  SamplingPolicy p{5, 100, 0.01, 10.0};
  std::vector<double> same(4, 1.0);
  EXPECT_EQ(should_stop(same, 0.0, p), StopReason::keep_going);  // below the minimum
  EXPECT_EQ(should_stop(same, 100.0, p), StopReason::keep_going);  // time cap never cuts below it
  same.assign(10, 1.0);
  EXPECT_EQ(should_stop(same, 0.0, p), StopReason::converged);
}

TEST(Stats, StopRuleTimeCapAndMaxSamples) {
  SamplingPolicy p{5, 12, 0.001, 1.0};
  std::vector<double> noisy;
  for (int i = 0; i < 10; ++i) noisy.push_back(i % 2 ? 1.0 : 2.0);
  EXPECT_EQ(should_stop(noisy, 0.5, p), StopReason::keep_going);
  EXPECT_EQ(should_stop(noisy, 1.5, p), StopReason::time_cap);
  noisy.resize(12, 1.5);
  EXPECT_EQ(should_stop(noisy, 0.0, p), StopReason::max_samples);
}

TEST(Stats, StopRuleMinimumTimeHoldsPastConvergenceButNotPastMaxSamples) {
  SamplingPolicy p{5, 40, 0.01, 1.0, 2.0};  // min_seconds 2 above max_seconds 1
  std::vector<double> same(10, 1.0);
  EXPECT_EQ(should_stop(same, 0.5, p), StopReason::keep_going);   // converged, but under 2 s
  EXPECT_EQ(should_stop(same, 1.5, p), StopReason::keep_going);   // past the time cap, still under 2 s
  EXPECT_EQ(should_stop(same, 2.0, p), StopReason::converged);
  same.resize(40, 1.0);
  EXPECT_EQ(should_stop(same, 0.5, p), StopReason::max_samples);  // the sample cap still holds
}

}  // namespace
}  // namespace suanli
