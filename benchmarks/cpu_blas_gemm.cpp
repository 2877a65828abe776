// The host CPU's BLAS GEMM (OpenBLAS cblas_sgemm / cblas_dgemm), timed like suanli times a
// device kernel: random inputs, warm-up, the median of repeated runs, a checked result. It
// gives the PoCL numbers in docs/PERFORMANCE.md their CPU ceiling ("tuned portable >= 0.5x
// OpenBLAS on the same cores", issue 9); scripts/pocl_gemm_vs_blas.sh runs both.
//
// usage: suanli_cpu_blas_gemm [fp32|fp64] M N K [repetitions]
// prints one JSON line: {"library", "dtype", "m", "n", "k", "threads", "median_s", "gflops", "max_rel_error"}
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

template <typename T>
void gemm(int m, int n, int k, const T* a, const T* b, T* c);

template <>
void gemm<float>(int m, int n, int k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}

template <>
void gemm<double>(int m, int n, int k, const double* a, const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
}

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(' '));
  s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

template <typename T>
int run(const char* dtype, int m, int n, int k, int reps) {
  // A: (M, K), B: (K, N), C: (M, N), row-major; uniform in [-1, 1), never zeros.
  std::vector<T> a(static_cast<std::size_t>(m) * k), b(static_cast<std::size_t>(k) * n), c(static_cast<std::size_t>(m) * n);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (auto& x : a) x = static_cast<T>(u(rng));
  for (auto& x : b) x = static_cast<T>(u(rng));
  gemm(m, n, k, a.data(), b.data(), c.data());  // warm-up (thread pool start, page faults)
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    gemm(m, n, k, a.data(), b.data(), c.data());
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  // 64 sampled outputs against an fp64 dot product: a wrong library is not a ceiling.
  double worst = 0;
  for (int s = 0; s < 64; ++s) {
    const int i = static_cast<int>(rng() % static_cast<unsigned>(m)), j = static_cast<int>(rng() % static_cast<unsigned>(n));
    double ref = 0, mag = 0;
    for (int p = 0; p < k; ++p) {
      const double prod = static_cast<double>(a[static_cast<std::size_t>(i) * k + p]) * static_cast<double>(b[static_cast<std::size_t>(p) * n + j]);
      ref += prod;
      mag += std::fabs(prod);
    }
    worst = std::max(worst, std::fabs(ref - static_cast<double>(c[static_cast<std::size_t>(i) * n + j])) / mag);
  }
  const double tol = (sizeof(T) == 4 ? 6e-8 : 1.2e-16) * 8.0 * (std::sqrt(static_cast<double>(k)) + 1.0);
  std::printf(
      "{\"library\": \"%s\", \"dtype\": \"%s\", \"m\": %d, \"n\": %d, \"k\": %d, \"threads\": %d, \"repetitions\": %d, "
      "\"median_s\": %.6g, \"gflops\": %.4g, \"max_rel_error\": %.3g, \"verified\": %s}\n",
      trimmed(OPENBLAS_VERSION).c_str(), dtype, m, n, k, openblas_get_num_threads(), reps, median, 2.0 * m * n * k / median / 1e9, worst,
      worst <= tol ? "true" : "false");
  return worst <= tol ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: suanli_cpu_blas_gemm fp32|fp64 M N K [repetitions]\n");
    return 2;
  }
  const std::string dtype = argv[1];
  const int m = std::atoi(argv[2]), n = std::atoi(argv[3]), k = std::atoi(argv[4]);
  const int reps = argc > 5 ? std::atoi(argv[5]) : 10;
  if (m < 1 || n < 1 || k < 1 || reps < 1 || (dtype != "fp32" && dtype != "fp64")) {
    std::fprintf(stderr, "suanli_cpu_blas_gemm: expected fp32|fp64 and positive M N K repetitions\n");
    return 2;
  }
  return dtype == "fp32" ? run<float>("fp32", m, n, k, reps) : run<double>("fp64", m, n, k, reps);
}
