#include "harness/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace suanli {

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) throw std::invalid_argument("percentile of no samples");
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double median_relative_ci(const std::vector<double>& sorted) {
  const auto n = static_cast<double>(sorted.size());
  if (sorted.size() < 6) return std::numeric_limits<double>::infinity();
  // Ranks of the 95% interval for the median: n/2 ± 1.96·√n/2 (1-based), widened outward.
  const double half = 0.98 * std::sqrt(n);
  const auto lo = static_cast<long>(std::floor(n / 2.0 - half));
  const auto hi = static_cast<long>(std::ceil(n / 2.0 + half)) + 1;
  if (lo < 1 || hi > static_cast<long>(sorted.size())) return std::numeric_limits<double>::infinity();
  const double med = percentile_sorted(sorted, 0.5);
  if (!(med > 0)) return std::numeric_limits<double>::infinity();
  return (sorted[static_cast<std::size_t>(hi - 1)] - sorted[static_cast<std::size_t>(lo - 1)]) / (2.0 * med);
}

SampleStats summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("no samples to summarize");
  for (double s : samples)
    if (!std::isfinite(s)) throw std::invalid_argument("non-finite timing sample");
  std::sort(samples.begin(), samples.end());
  SampleStats st;
  st.n = static_cast<int>(samples.size());
  st.min = samples.front();
  st.max = samples.back();
  st.median = percentile_sorted(samples, 0.5);
  st.p10 = percentile_sorted(samples, 0.1);
  st.p90 = percentile_sorted(samples, 0.9);
  st.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / st.n;
  double var = 0;
  for (double s : samples) var += (s - st.mean) * (s - st.mean);
  var = st.n > 1 ? var / (st.n - 1) : 0.0;
  st.cv = st.mean > 0 ? std::sqrt(var) / st.mean : 0.0;
  st.median_rel_ci = median_relative_ci(samples);
  return st;
}

std::string to_string(StopReason r) {
  switch (r) {
    case StopReason::keep_going: return "running";
    case StopReason::converged: return "converged";
    case StopReason::max_samples: return "max_samples";
    case StopReason::time_cap: return "time_cap";
  }
  return "unknown";
}

StopReason should_stop(const std::vector<double>& samples, double elapsed_seconds, const SamplingPolicy& policy) {
  const int n = static_cast<int>(samples.size());
  if (n >= policy.max_samples) return StopReason::max_samples;
  // The time cap never cuts below the minimum: a slow case still gets a median of several.
  if (n < policy.min_samples || elapsed_seconds < policy.min_seconds) return StopReason::keep_going;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  if (median_relative_ci(sorted) <= policy.target_rel_ci) return StopReason::converged;
  if (elapsed_seconds >= policy.max_seconds) return StopReason::time_cap;
  return StopReason::keep_going;
}

}  // namespace suanli
