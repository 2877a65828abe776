// Sample statistics and the stopping rule of the measurement loop.
#pragma once

#include <string>
#include <vector>

namespace suanli {

struct SampleStats {
  double median = 0, min = 0, max = 0, p10 = 0, p90 = 0, mean = 0;
  double cv = 0;  // standard deviation / mean
  // Half-width of the distribution-free 95% confidence interval of the median, divided
  // by the median: the noise figure the stopping rule drives down.
  double median_rel_ci = 0;
  int n = 0;
};

// Throws std::invalid_argument on an empty vector or a non-finite sample.
SampleStats summarize(std::vector<double> samples);

// Linear-interpolated percentile (q in [0, 1]) of sorted data.
double percentile_sorted(const std::vector<double>& sorted, double q);

// Relative half-width of the 95% CI of the median by order statistics (binomial with a
// normal approximation): no assumption about the shape of the timing distribution, which
// on real devices is skewed and often bimodal. Infinity when n is too small to bound it.
double median_relative_ci(const std::vector<double>& sorted);

struct SamplingPolicy {
  int min_samples = 10;
  int max_samples = 1000;
  double target_rel_ci = 0.01;  // stop once the median is known to ±1%
  double max_seconds = 5.0;     // per case, wall time of the timed loop (flushes included)
  // Keep sampling until the loop has run this long, converged or not (--min-time): a longer
  // window for the energy counter's average power, or steadier clocks. Capped by
  // max_samples, never by max_seconds.
  double min_seconds = 0.0;
};

enum class StopReason { keep_going, converged, max_samples, time_cap };
std::string to_string(StopReason r);

StopReason should_stop(const std::vector<double>& samples, double elapsed_seconds, const SamplingPolicy& policy);

}  // namespace suanli
