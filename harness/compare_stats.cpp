#include "harness/compare_stats.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "harness/stats.h"

namespace suanli {
namespace {

struct Ranked {
  double rank_sum_a = 0;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  bool has_ties = false;
};

// Mid-ranks of the pooled samples (tied values share the mean of their ranks).
Ranked rank_pooled(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<std::pair<double, bool>> pooled;  // (value, from a)
  pooled.reserve(a.size() + b.size());
  for (double v : a) pooled.emplace_back(v, true);
  for (double v : b) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  Ranked r;
  for (std::size_t i = 0; i < pooled.size();) {
    std::size_t j = i;
    while (j < pooled.size() && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i);
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (pooled[k].second) r.rank_sum_a += mid_rank;
    if (t > 1) {
      r.has_ties = true;
      r.tie_term += t * t * t - t;
    }
    i = j;
  }
  return r;
}

// Number of rankings of m + n distinct values with each value of U, as the coefficients
// of the Gaussian binomial [m+n choose m](q) = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i),
// worked out as power series truncated at degree m*n. Every intermediate is an integer no
// larger than C(m+n, m), so doubles hold it exactly while that stays below 2^53.
std::vector<double> exact_u_counts(std::size_t m, std::size_t n) {
  if (m > n) std::swap(m, n);
  const std::size_t top = m * n;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1.0;
  for (std::size_t i = 1; i <= m; ++i) {
    for (std::size_t u = top; u >= n + i; --u) c[u] -= c[u - n - i];
    for (std::size_t u = i; u <= top; ++u) c[u] += c[u - i];
  }
  return c;
}

bool rankings_fit_a_double(std::size_t m, std::size_t n) {
  const double log_rankings = std::lgamma(static_cast<double>(m + n + 1)) - std::lgamma(static_cast<double>(m + 1)) -
                              std::lgamma(static_cast<double>(n + 1));
  return log_rankings < 52.0 * std::log(2.0);
}

double normal_upper_tail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// An index in [0, n). The modulo bias is below n / 2^64, and unlike
// std::uniform_int_distribution the result is the same with every standard library.
std::size_t draw_index(std::uint64_t& state, std::size_t n) {
  return static_cast<std::size_t>(splitmix64(state) % static_cast<std::uint64_t>(n));
}

// Reorders values; the bootstrap calls it on its scratch buffer to avoid a copy per draw.
double median_in_place(std::vector<double>& values) {
  if (values.empty()) throw std::invalid_argument("median of no values");
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2.0;
}

double resampled_median(const std::vector<double>& from, std::vector<double>& scratch, std::uint64_t& state) {
  scratch.resize(from.size());
  for (auto& v : scratch) v = from[draw_index(state, from.size())];
  return median_in_place(scratch);
}

// Percentiles alpha/2 and 1 - alpha/2 of the draws (sorted in place).
RatioInterval percentile_interval(std::vector<double>& draws, double alpha) {
  std::sort(draws.begin(), draws.end());
  return {percentile_sorted(draws, alpha / 2.0), percentile_sorted(draws, 1.0 - alpha / 2.0)};
}

void check_bootstrap(double alpha, int resamples) {
  if (!(alpha > 0 && alpha < 1)) throw std::invalid_argument("bootstrap alpha must lie in (0, 1)");
  if (resamples < 1) throw std::invalid_argument("bootstrap needs at least one resample");
}

// Number of sign patterns of ranks 1..n with each rank sum W+ (0 .. n(n+1)/2): the
// coefficients of prod_{k=1..n} (1 + q^k). Every count is at most 2^n, exact in a double
// for n <= kSignedRankExactMax.
std::vector<double> exact_signed_rank_counts(int n) {
  const auto top = static_cast<std::size_t>(n) * static_cast<std::size_t>(n + 1) / 2;
  std::vector<double> c(top + 1, 0.0);
  c[0] = 1.0;
  std::size_t reach = 0;
  for (std::size_t k = 1; k <= static_cast<std::size_t>(n); ++k) {
    reach += k;
    for (std::size_t s = reach; s >= k; --s) c[s] += c[s - k];
  }
  return c;
}

}  // namespace

double median_of(std::vector<double> values) { return median_in_place(values); }

MannWhitney mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) throw std::invalid_argument("Mann-Whitney U test of an empty sample");
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  const Ranked r = rank_pooled(a, b);
  MannWhitney out;
  out.u = r.rank_sum_a - na * (na + 1.0) / 2.0;
  const double u_larger = std::max(out.u, na * nb - out.u);

  if (!r.has_ties && rankings_fit_a_double(a.size(), b.size())) {
    const std::vector<double> counts = exact_u_counts(a.size(), b.size());
    double total = 0, at_least = 0;
    for (std::size_t u = 0; u < counts.size(); ++u) {
      total += counts[u];
      if (static_cast<double>(u) >= u_larger) at_least += counts[u];
    }
    out.exact = true;
    out.p_value = std::min(1.0, 2.0 * at_least / total);
    return out;
  }

  const double n = na + nb;
  const double variance = na * nb / 12.0 * ((n + 1.0) - r.tie_term / (n * (n - 1.0)));
  if (!(variance > 0)) {  // every value equal: no evidence of any shift
    out.p_value = 1.0;
    return out;
  }
  const double z = (u_larger - na * nb / 2.0 - 0.5) / std::sqrt(variance);
  out.p_value = std::clamp(2.0 * normal_upper_tail(z), 0.0, 1.0);
  return out;
}

SignedRank wilcoxon_signed_rank(const std::vector<double>& differences) {
  if (differences.empty()) throw std::invalid_argument("signed-rank test of an empty sample");
  std::vector<double> d;
  for (double v : differences)
    if (v != 0.0) d.push_back(v);
  SignedRank out;
  out.n = static_cast<int>(d.size());
  if (d.empty()) return out;  // no non-zero difference: no evidence of a shift
  std::sort(d.begin(), d.end(), [](double x, double y) { return std::fabs(x) < std::fabs(y); });
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < d.size();) {
    std::size_t j = i;
    while (j < d.size() && std::fabs(d[j]) == std::fabs(d[i])) ++j;
    const double t = static_cast<double>(j - i);
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (d[k] > 0) out.w_plus += mid_rank;
    tie_term += t * t * t - t;
    i = j;
  }
  const double n = static_cast<double>(out.n);
  const double mean = n * (n + 1.0) / 4.0;
  const double w_far = std::max(out.w_plus, 2.0 * mean - out.w_plus);  // the farther tail, by symmetry

  if (tie_term == 0 && out.n <= kSignedRankExactMax) {
    const std::vector<double> counts = exact_signed_rank_counts(out.n);
    double at_least = 0;
    for (std::size_t s = 0; s < counts.size(); ++s)
      if (static_cast<double>(s) >= w_far) at_least += counts[s];
    out.exact = true;
    out.p_value = std::min(1.0, 2.0 * at_least / std::ldexp(1.0, out.n));
    return out;
  }
  const double variance = n * (n + 1.0) * (2.0 * n + 1.0) / 24.0 - tie_term / 48.0;
  if (!(variance > 0)) {
    out.p_value = 1.0;
    return out;
  }
  const double z = std::max(0.0, w_far - mean - 0.5) / std::sqrt(variance);
  out.p_value = std::clamp(2.0 * normal_upper_tail(z), 0.0, 1.0);
  return out;
}

double signed_rank_smallest_p(int n) { return n <= 0 ? 1.0 : std::min(1.0, std::ldexp(2.0, -n)); }

RatioInterval bootstrap_median_interval(const std::vector<double>& values, double alpha, int resamples,
                                        std::uint64_t seed) {
  if (values.empty()) throw std::invalid_argument("bootstrap of an empty sample");
  check_bootstrap(alpha, resamples);
  std::uint64_t state = seed;
  std::vector<double> medians(static_cast<std::size_t>(resamples));
  std::vector<double> scratch;
  for (auto& m : medians) m = resampled_median(values, scratch, state);
  return percentile_interval(medians, alpha);
}

RatioInterval bootstrap_median_ratio(const std::vector<double>& base, const std::vector<double>& fresh, double alpha,
                                     int resamples, std::uint64_t seed) {
  if (base.empty() || fresh.empty()) throw std::invalid_argument("bootstrap of an empty sample");
  check_bootstrap(alpha, resamples);
  std::uint64_t state = seed;
  std::vector<double> ratios(static_cast<std::size_t>(resamples));
  std::vector<double> scratch;
  for (auto& ratio : ratios) {
    const double base_median = resampled_median(base, scratch, state);
    const double fresh_median = resampled_median(fresh, scratch, state);
    ratio = fresh_median / base_median;
  }
  return percentile_interval(ratios, alpha);
}

}  // namespace suanli
