// The check of the emulated native GEMM tests (tests/test_gemm_mma_emulated.cpp,
// tests/test_gemm_mfma_emulated.cpp): C (M, N) against α·A·B + β·C_in computed in fp64 from
// the same 16-bit inputs, all row-major.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace gemm_reference_check {

struct Gemm {
  int m, n, k;
  float alpha, beta;
  const std::vector<unsigned short>& a;     // (M, K)
  const std::vector<unsigned short>& b;     // (K, N)
  const std::vector<unsigned short>& c_in;  // (M, N), read when beta != 0
  const std::vector<unsigned short>& c;     // (M, N) as written
};

// Elements of C off by more than one output rounding (`unit_roundoff` relative, plus
// `absolute_roundoff` for the dtype's subnormals) plus the fp32 accumulation error bound for
// K terms (K·2^-24·Σ|terms|, with slack for the order the tensor / matrix cores add in).
template <typename ToFloat>
std::size_t wrong_elements(const Gemm& g, double unit_roundoff, double absolute_roundoff, ToFloat to_float) {
  const auto at = [](int row, int col, int cols) {
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(cols) + static_cast<std::size_t>(col);
  };
  std::size_t wrong = 0;
  for (int i = 0; i < g.m; ++i) {
    for (int j = 0; j < g.n; ++j) {
      double ref = 0, mag = 0;
      for (int l = 0; l < g.k; ++l) {
        const double x = static_cast<double>(to_float(g.a[at(i, l, g.k)])) * static_cast<double>(to_float(g.b[at(l, j, g.n)]));
        ref += x;
        mag += std::fabs(x);
      }
      ref *= g.alpha;
      mag *= std::fabs(g.alpha);
      if (g.beta != 0.0f) {
        const double old = g.beta * static_cast<double>(to_float(g.c_in[at(i, j, g.n)]));
        ref += old;
        mag += std::fabs(old);
      }
      const double got = to_float(g.c[at(i, j, g.n)]);
      const double tol = 1.01 * unit_roundoff * std::fabs(ref) + absolute_roundoff + (g.k + 32) * std::ldexp(mag, -24);
      if (!(std::fabs(got - ref) <= tol)) ++wrong;
    }
  }
  return wrong;
}

}  // namespace gemm_reference_check
