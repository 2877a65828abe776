#include "harness/verify_gemm.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "harness/dtype.h"
#include "harness/host_data.h"

namespace suanli {
namespace {

// Absolute tolerance of a quantity whose exact value is `exact` and whose terms have
// magnitudes summing to `abs_sum`: accumulation error ~ factor·u_acc·√K·Σ|terms| plus the
// final rounding to the storage type, u_store·|exact|. The floor keeps an exact zero
// from demanding bit-exactness.
// The last term is the host's own fp64 arithmetic (Freivalds sums n + k products per
// row), which matters only where the device is exact (int8).
double tolerance(double abs_sum, double exact, double u_acc, double u_store, double sqrt_k, double terms) {
  const double host_slack = 4.0 * std::ldexp(1.0, -53) * terms * abs_sum;
  const double tol = kGemmToleranceFactor * u_acc * (sqrt_k + 1.0) * abs_sum + 2.0 * u_store * std::abs(exact) + host_slack;
  return std::max(tol, 1e-300);
}

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

}  // namespace

VerifyResult verify_gemm(const GemmCheckInput& in) {
  const auto m = static_cast<std::size_t>(in.shape.m);
  const auto n = static_cast<std::size_t>(in.shape.n);
  const auto k = static_cast<std::size_t>(in.shape.k);
  const auto& a = *in.a;
  const auto& b = *in.b;
  const auto& c = *in.c;
  const double u_acc = accumulate_unit_roundoff(in.dtype);
  const double u_store = format_unit_roundoff(gemm_output_format(in.dtype));
  const double sqrt_k = std::sqrt(static_cast<double>(k));
  const double alpha_abs = std::abs(in.alpha);

  VerifyResult r;
  const bool full = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) <= kFullCheckMacs;
  r.method = std::string("freivalds(fp64) + ") +
             (full ? "every element" : std::to_string(std::min<std::size_t>(static_cast<std::size_t>(in.sampled_elements), m * n)) + " sampled elements") +
             " recomputed in fp64; tol = " + fmt(kGemmToleranceFactor) + "·u·(√K+1)·Σ|a·b| + 2·u·|c|";

  // Unwritten or overflowing outputs first: the poison is NaN, and a NaN must fail even
  // where a comparison would silently be false.
  for (double v : c)
    if (!std::isfinite(v)) ++r.nonfinite_outputs;
  if (r.nonfinite_outputs > 0) {
    r.ok = false;
    r.detail = std::to_string(r.nonfinite_outputs) + " of " + std::to_string(c.size()) + " outputs are NaN or Inf";
    r.worst_error_ratio = INFINITY;
    return r;
  }

  // Freivalds: for random x, C·x must equal alpha·A·(B·x). Each row's tolerance is the
  // elementwise tolerance propagated through x: Σ_j |x_j|·tol_ij, bounded using |A|·(|B|·|x|).
  SplitMix64 rng(in.seed);
  std::vector<double> x(n), abs_x(n);
  for (std::size_t j = 0; j < n; ++j) {
    x[j] = rng.uniform_pm1();
    abs_x[j] = std::abs(x[j]);
  }
  std::vector<double> bx(k, 0.0), abs_bx(k, 0.0);
  for (std::size_t p = 0; p < k; ++p) {
    const double* brow = &b[p * n];
    double s = 0, sa = 0;
    for (std::size_t j = 0; j < n; ++j) {
      s += brow[j] * x[j];
      sa += std::abs(brow[j]) * abs_x[j];
    }
    bx[p] = s;
    abs_bx[p] = sa;
  }
  bool ok = true;
  for (std::size_t i = 0; i < m; ++i) {
    const double* arow = &a[i * k];
    double expect = 0, abs_sum = 0;
    for (std::size_t p = 0; p < k; ++p) {
      expect += arow[p] * bx[p];
      abs_sum += std::abs(arow[p]) * abs_bx[p];
    }
    expect *= in.alpha;
    abs_sum *= alpha_abs;
    const double* crow = &c[i * n];
    double got = 0, c_abs = 0;
    for (std::size_t j = 0; j < n; ++j) {
      got += crow[j] * x[j];
      c_abs += std::abs(crow[j]) * abs_x[j];
    }
    const double tol = tolerance(abs_sum, c_abs, u_acc, u_store, sqrt_k, static_cast<double>(n + k));
    const double ratio = std::abs(got - expect) / tol;
    r.worst_error_ratio = std::max(r.worst_error_ratio, ratio);
    if (!(ratio <= 1.0) && ok) {
      ok = false;
      r.detail = "freivalds row " + std::to_string(i) + ": C·x = " + fmt(got) + ", A·(B·x) = " + fmt(expect) +
                 " (tolerance " + fmt(tol) + ")";
    }
  }

  // Sampled elements recomputed directly: catches what a projection can hide, and names
  // the element for whoever debugs the kernel. The corners are always included because
  // edge tiles are where predication bugs live.
  // Small problems are checked in full: cheap, and a single wrong element can hide under
  // Freivalds' row tolerance.
  std::vector<std::pair<std::size_t, std::size_t>> picks;
  const double macs = static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (macs <= kFullCheckMacs) {
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) picks.emplace_back(i, j);
  } else {
    picks = {{0, 0}, {m - 1, n - 1}, {0, n - 1}, {m - 1, 0}};
    const auto want = std::min<std::size_t>(static_cast<std::size_t>(std::max(in.sampled_elements, 4)), m * n);
    while (picks.size() < want) picks.emplace_back(rng.next() % m, rng.next() % n);
  }
  for (auto [i, j] : picks) {
    double exact = 0, abs_sum = 0;
    for (std::size_t p = 0; p < k; ++p) {
      const double t = a[i * k + p] * b[p * n + j];
      exact += t;
      abs_sum += std::abs(t);
    }
    exact *= in.alpha;
    abs_sum *= alpha_abs;
    const double got = c[i * n + j];
    const double tol = tolerance(abs_sum, exact, u_acc, u_store, sqrt_k, static_cast<double>(k));
    const double ratio = std::abs(got - exact) / tol;
    r.worst_error_ratio = std::max(r.worst_error_ratio, ratio);
    ++r.elements_checked;
    if (!(ratio <= 1.0) && ok) {
      ok = false;
      r.detail = "C[" + std::to_string(i) + "," + std::to_string(j) + "] = " + fmt(got) + ", expected " + fmt(exact) +
                 " (tolerance " + fmt(tol) + ")";
    }
  }
  r.ok = ok;
  return r;
}

}  // namespace suanli
