#include <gtest/gtest.h>

#include <cmath>

#include "harness/host_data.h"
#include "harness/verify_gemm.h"

namespace suanli {
namespace {

struct Problem {
  GemmShape shape;
  HostMatrix a, b;
  std::vector<double> c;  // fp64 product rounded to the dtype, as a correct kernel writes it
};

Problem make(DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, int skip_k_from = -1) {
  Problem p{{m, n, k, ""}, random_matrix(dtype, static_cast<std::size_t>(m * k), 1),
            random_matrix(dtype, static_cast<std::size_t>(k * n), 2), {}};
  p.c.assign(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;  // fp32 accumulation in the natural order, like a simple kernel
      double acc64 = 0.0;
      for (std::int64_t p2 = 0; p2 < k; ++p2) {
        if (skip_k_from >= 0 && p2 >= skip_k_from) break;
        acc += static_cast<float>(p.a.values[i * k + p2] * p.b.values[p2 * n + j]);
        acc64 += p.a.values[i * k + p2] * p.b.values[p2 * n + j];
      }
      p.c[i * n + j] = dtype == DType::fp64 ? acc64 : static_cast<double>(acc);
    }
  return p;
}

VerifyResult check(const Problem& p, DType dtype) {
  GemmCheckInput in{dtype, p.shape, 1.0, &p.a.values, &p.b.values, &p.c, 99, 256};
  return verify_gemm(in);
}

TEST(VerifyGemm, CorrectFp32AndFp64Pass) {
  for (auto [m, n, k] : {std::tuple{1, 1, 1}, {17, 33, 65}, {129, 257, 63}, {64, 64, 1024}}) {
    const auto r32 = check(make(DType::fp32, m, n, k), DType::fp32);
    EXPECT_TRUE(r32.ok) << m << "x" << n << "x" << k << ": " << r32.detail;
    EXPECT_LT(r32.worst_error_ratio, 0.5);  // a real fp32 kernel has margin
    const auto r64 = check(make(DType::fp64, m, n, k), DType::fp64);
    EXPECT_TRUE(r64.ok) << r64.detail;
  }
}

TEST(VerifyGemm, MissingLastKTileFails) {
  // The broken kernel of the acceptance test: the last 16-wide K tile never accumulated.
  const auto r = check(make(DType::fp32, 17, 33, 65, 64), DType::fp32);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.detail.empty());
  EXPECT_GT(r.worst_error_ratio, 100.0);
}

TEST(VerifyGemm, SingleWrongElementIsCaught) {
  Problem p = make(DType::fp32, 100, 100, 100);
  p.c[57 * 100 + 42] += 0.01;  // one element off by far more than rounding
  const auto r = check(p, DType::fp32);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("C[57,42]"), std::string::npos) << r.detail;
  EXPECT_NE(r.method.find("every element"), std::string::npos);
}

TEST(VerifyGemm, LargeProblemsAreSampledAndAWrongRowIsCaught) {
  // Above the full-check size, Freivalds must catch an error spread along a row.
  const std::int64_t m = 64, n = 2048, k = 2100;
  Problem p{{m, n, k, ""}, random_matrix(DType::fp32, m * k, 1), random_matrix(DType::fp32, k * n, 2), {}};
  p.c.assign(m * n, 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t q = 0; q < k; ++q) {
      const double a = p.a.values[i * k + q];
      for (std::int64_t j = 0; j < n; ++j) p.c[i * n + j] += a * p.b.values[q * n + j];
    }
  ASSERT_GT(static_cast<double>(m * n * k), kFullCheckMacs);
  EXPECT_TRUE(check(p, DType::fp32).ok);
  for (std::int64_t j = 0; j < n; ++j) p.c[5 * n + j] *= 1.01;  // row 5 scaled by 1%
  const auto r = check(p, DType::fp32);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.method.find("sampled"), std::string::npos);
}

TEST(VerifyGemm, NanOutputFailsAndIsCounted) {
  Problem p = make(DType::fp32, 8, 8, 8);
  p.c[5] = NAN;
  p.c[6] = INFINITY;
  const auto r = check(p, DType::fp32);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.nonfinite_outputs, 2);
}

TEST(VerifyGemm, Fp32ResultFailsTheFp64Tolerance) {
  // The tolerance follows the dtype: an fp32-accurate answer is not an fp64 answer.
  Problem p = make(DType::fp64, 64, 64, 256);
  for (auto& v : p.c) v = static_cast<float>(v) * (1.0 + 1e-7);
  EXPECT_FALSE(check(p, DType::fp64).ok);
}

}  // namespace
}  // namespace suanli

namespace suanli {
namespace {

TEST(VerifyGemm, Int8IsExact) {
  const std::int64_t m = 33, n = 17, k = 300;
  const HostMatrix a = random_matrix(ElementFormat::i8, m * k, 1), b = random_matrix(ElementFormat::i8, k * n, 2);
  std::vector<double> c(m * n, 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t q = 0; q < k; ++q) c[i * n + j] += a.values[i * k + q] * b.values[q * n + j];
  GemmCheckInput in{DType::int8, {m, n, k, ""}, 1.0, &a.values, &b.values, &c, 3, 256};
  EXPECT_TRUE(verify_gemm(in).ok);
  c[7] += 1.0;  // off by one: an integer GEMM has no rounding to hide behind
  EXPECT_FALSE(verify_gemm(in).ok);
}

TEST(VerifyGemm, Tf32ToleranceAdmitsTf32RoundingButNotGarbage) {
  const std::int64_t m = 32, n = 32, k = 512;
  const HostMatrix a = random_matrix(DType::fp32, m * k, 1), b = random_matrix(DType::fp32, k * n, 2);
  // What tf32 units compute: inputs rounded to 10 fraction bits, exact products, fp32 sums.
  auto tf32 = [](double v) {
    if (v == 0) return 0.0;
    const int e = std::ilogb(v);  // v = 1.f x 2^e; keep 10 fraction bits
    return std::ldexp(std::round(std::ldexp(v, 10 - e)), e - 10);
  };
  std::vector<double> c(m * n, 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      float acc = 0;
      for (std::int64_t q = 0; q < k; ++q) acc += static_cast<float>(tf32(a.values[i * k + q]) * tf32(b.values[q * n + j]));
      c[i * n + j] = acc;
    }
  GemmCheckInput in{DType::tf32, {m, n, k, ""}, 1.0, &a.values, &b.values, &c, 3, 256};
  EXPECT_TRUE(verify_gemm(in).ok) << verify_gemm(in).detail;
  in.dtype = DType::fp32;  // the same numbers are not fp32-accurate
  EXPECT_FALSE(verify_gemm(in).ok);
}

}  // namespace
}  // namespace suanli
