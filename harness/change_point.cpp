#include "harness/change_point.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

#include "harness/stats.h"

namespace suanli {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return percentile_sorted(v, 0.5);
}

// Sum over tie groups of t^3 - t: the tie correction of the U variance. Ranks are a
// permutation of the same multiset in every shuffle, so this is computed once.
double tie_term(const std::vector<double>& ranks) {
  std::map<double, double> groups;
  for (double r : ranks) groups[r] += 1;
  double sum = 0;
  for (const auto& [rank, t] : groups) sum += t * t * t - t;
  return sum;
}

struct BestSplit {
  std::size_t index = 0;
  double z = 0;
};

// Standardized Mann-Whitney U of x[k..n) against x[0..k) for every allowed split k, from
// prefix sums of the ranks: O(n) for all splits. z[k] is 0 outside [min_segment, n - min_segment].
std::vector<double> split_z(const std::vector<double>& ranks, std::size_t min_segment, double ties) {
  const std::size_t n = ranks.size();
  const double nd = static_cast<double>(n);
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + ranks[i];
  std::vector<double> z(n + 1, 0.0);
  for (std::size_t k = min_segment; k + min_segment <= n; ++k) {
    const double na = static_cast<double>(k), nb = nd - na;
    const double u = (prefix[n] - prefix[k]) - nb * (nb + 1) / 2;
    const double var = na * nb / 12.0 * ((nd + 1) - ties / (nd * (nd - 1)));
    z[k] = var > 0 ? (u - na * nb / 2) / std::sqrt(var) : 0.0;
  }
  return z;
}

double max_abs_z(const std::vector<double>& ranks, std::size_t min_segment, double ties) {
  double best = 0;
  for (double z : split_z(ranks, min_segment, ties)) best = std::max(best, std::fabs(z));
  return best;
}

double abs_deviation_from_median(const std::vector<double>& x, std::size_t begin, std::size_t end) {
  const double m = median_of(std::vector<double>(x.begin() + static_cast<std::ptrdiff_t>(begin),
                                                 x.begin() + static_cast<std::ptrdiff_t>(end)));
  double sum = 0;
  for (std::size_t i = begin; i < end; ++i) sum += std::fabs(x[i] - m);
  return sum;
}

// Where the step is: the split with the least total absolute deviation from the two
// segments' medians. (The rank statistic decides whether there is a step, but it cannot
// place it: every split inside a clean step separates the ranks equally well, and its
// standardization favours the more balanced one.)
std::size_t locate_split(const std::vector<double>& x, std::size_t min_segment) {
  std::size_t best = min_segment;
  double best_cost = INFINITY;
  for (std::size_t k = min_segment; k + min_segment <= x.size(); ++k) {
    const double cost = abs_deviation_from_median(x, 0, k) + abs_deviation_from_median(x, k, x.size());
    if (cost < best_cost - 1e-15) {
      best = k;
      best_cost = cost;
    }
  }
  return best;
}

double relative_change(const std::vector<double>& x, std::size_t split, std::size_t skip) {
  std::vector<double> before, after;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (i != skip) (i < split ? before : after).push_back(x[i]);
  const double m_before = median_of(before);
  return m_before != 0 ? median_of(after) / m_before - 1 : 0.0;
}

// The change that survives leaving out any one run: the smallest in magnitude of the
// leave-one-out changes, 0 when leaving one out flips its sign.
double robust_change(const std::vector<double>& x, std::size_t split, double change) {
  double smallest = std::fabs(change);
  for (std::size_t skip = 0; skip < x.size(); ++skip) {
    const double c = relative_change(x, split, skip);
    smallest = std::min(smallest, c * change > 0 ? std::fabs(c) : 0.0);
  }
  return std::copysign(smallest, change);
}

}  // namespace

std::vector<double> mid_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // ranks i+1 .. j
    for (std::size_t t = i; t < j; ++t) ranks[order[t]] = mid;
    i = j;
  }
  return ranks;
}

ChangePoint detect_change_point(const std::vector<double>& series, const ChangePointOptions& options) {
  for (double v : series)
    if (!std::isfinite(v)) throw std::invalid_argument("change point: non-finite value in the series");
  ChangePoint out;
  const std::size_t min_segment = std::max<std::size_t>(options.min_segment, 1);
  if (series.size() < 2 * min_segment) return out;
  out.enough_data = true;

  std::vector<double> ranks = mid_ranks(series);
  const double ties = tie_term(ranks);
  const double observed = max_abs_z(ranks, min_segment, ties);
  out.max_abs_z = observed;
  out.index = locate_split(series, min_segment);
  out.z = split_z(ranks, min_segment, ties)[out.index];
  out.change = relative_change(series, out.index, series.size());
  out.robust_change = robust_change(series, out.index, out.change);

  // Permutation p-value of the maximum |z| over all splits (counting the observed order).
  std::mt19937_64 rng(options.seed);
  int at_least = 0;
  const int permutations = std::max(options.permutations, 1);
  for (int p = 0; p < permutations; ++p) {
    std::shuffle(ranks.begin(), ranks.end(), rng);
    if (max_abs_z(ranks, min_segment, ties) >= observed - 1e-9) ++at_least;
  }
  out.p_value = (at_least + 1.0) / (permutations + 1.0);
  out.flagged = out.p_value < options.alpha && std::fabs(out.robust_change) >= options.min_effect;
  return out;
}

}  // namespace suanli
