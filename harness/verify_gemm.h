// GEMM verification in fp64: Freivalds' check over the whole output plus a random
// sample of elements recomputed exactly, with tolerances from the dtype's unit round-off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "harness/shapes.h"

namespace suanli {

struct VerifyResult {
  bool ok = false;
  std::string method;   // what was checked
  std::string detail;   // the first failure, or "" when ok
  // Largest |error| / tolerance over every compared quantity (< 1 passes); the margin
  // a kernel has, so a regression in accuracy shows before it fails.
  double worst_error_ratio = 0;
  int elements_checked = 0;
  int nonfinite_outputs = 0;
};

// Tolerance multiplier on u·√K. Rounding errors of a K-term sum grow like √K·u in
// practice (K·u is the worst case); 8 covers the blocked summation orders of every
// kernel and vendor library we run, and a real bug (a missing tile, a wrong index) is
// off by whole products, orders of magnitude above it.
constexpr double kGemmToleranceFactor = 8.0;

// Problems up to this many multiply-adds are recomputed element by element in full
// (about a second on one host core); larger ones get Freivalds plus a sample.
constexpr double kFullCheckMacs = 1 << 28;

struct GemmCheckInput {
  DType dtype = DType::fp32;
  GemmShape shape;
  double alpha = 1.0;
  const std::vector<double>* a = nullptr;  // A: (M, K) row-major, the device's values
  const std::vector<double>* b = nullptr;  // B: (K, N) row-major
  const std::vector<double>* c = nullptr;  // C: (M, N) row-major, read back from the device
  std::uint64_t seed = 1;
  int sampled_elements = 1024;
};

// C is compared with alpha·A·B (beta = 0: the harness never feeds C back in).
VerifyResult verify_gemm(const GemmCheckInput& in);

}  // namespace suanli
