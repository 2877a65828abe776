// The check of the emulated native GEMM tests (tests/test_gemm_mma_emulated.cpp,
// tests/test_gemm_mfma_emulated.cpp): C (M, N) against α·A·B + β·C_in computed in fp64 from
// the same inputs, all row-major. Inputs and outputs are storage words (16-bit patterns,
// fp32 bits, int8 bytes, int32 words) read through the caller's conversion.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace gemm_reference_check {

template <typename In, typename Out>
struct Gemm {
  int m, n, k;
  float alpha, beta;
  const std::vector<In>& a;      // (M, K)
  const std::vector<In>& b;      // (K, N)
  const std::vector<Out>& c_in;  // (M, N), read when beta != 0
  const std::vector<Out>& c;     // (M, N) as written
};

// The operands of an emulated GEMM test, row-major: a (M, K) and b (K, N) from `draw` (one
// storage word per call); c_in drawn too when read_c (beta != 0), else the harness's poison
// `nan`, which must never be read; c = c_in followed by `guard` words of `guard_bits` that
// must stay untouched.
template <typename In, typename Out, typename Draw>
void make_operands(int m, int n, int k, bool read_c, const Draw& draw, Out nan, Out guard_bits, std::size_t guard,
                   std::vector<In>& a, std::vector<In>& b, std::vector<Out>& c_in, std::vector<Out>& c) {
  const auto size = [](int rows, int cols) { return static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols); };
  a.resize(size(m, k));
  for (auto& x : a) x = draw();
  b.resize(size(k, n));
  for (auto& x : b) x = draw();
  c_in.assign(size(m, n), nan);
  if (read_c)
    for (auto& x : c_in) x = static_cast<Out>(draw());
  c = c_in;
  c.resize(size(m, n) + guard, guard_bits);
}

// b (K, N) row-major as (N, K) row-major: the "TN" B that int8 and wgmma kernels read.
template <typename T>
std::vector<T> b_as_nk(const std::vector<T>& b, int k, int n) {
  std::vector<T> out(b.size());
  for (std::size_t kk = 0; kk < static_cast<std::size_t>(k); ++kk)
    for (std::size_t nn = 0; nn < static_cast<std::size_t>(n); ++nn)
      out[nn * static_cast<std::size_t>(k) + kk] = b[kk * static_cast<std::size_t>(n) + nn];
  return out;
}

struct Tolerance {
  double unit_roundoff = 0;        // of the output rounding, relative
  double absolute_roundoff = 0;    // for the output dtype's subnormals
  double input_unit_roundoff = 0;  // operands rounded inside the matrix unit (tf32): 2u per product
  bool exact = false;              // integer GEMM: every element exactly
};

// Elements of C off by more than the tolerance plus the fp32 accumulation error bound for K
// terms (K·2^-24·Σ|terms|, with slack for the order the tensor / matrix cores add in).
template <typename In, typename Out, typename InValue, typename OutValue>
std::size_t wrong_elements(const Gemm<In, Out>& g, const Tolerance& tol, InValue in_value, OutValue out_value) {
  const auto at = [](int row, int col, int cols) {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(col);
  };
  std::size_t wrong = 0;
  for (int i = 0; i < g.m; ++i) {
    for (int j = 0; j < g.n; ++j) {
      double ref = 0, mag = 0;
      for (int l = 0; l < g.k; ++l) {
        const double x = static_cast<double>(in_value(g.a[at(i, l, g.k)])) * static_cast<double>(in_value(g.b[at(l, j, g.n)]));
        ref += x;
        mag += std::fabs(x);
      }
      ref *= g.alpha;
      mag *= std::fabs(g.alpha);
      if (g.beta != 0.0f) {
        const double old = g.beta * static_cast<double>(out_value(g.c_in[at(i, j, g.n)]));
        ref += old;
        mag += std::fabs(old);
      }
      const double got = static_cast<double>(out_value(g.c[at(i, j, g.n)]));
      const double bound = tol.exact ? 0.0
                                     : 1.01 * tol.unit_roundoff * std::fabs(ref) + tol.absolute_roundoff +
                                           2.01 * tol.input_unit_roundoff * mag + (g.k + 32) * std::ldexp(mag, -24);
      if (!(std::fabs(got - ref) <= bound)) ++wrong;
    }
  }
  return wrong;
}

}  // namespace gemm_reference_check
