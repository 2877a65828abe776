// One run of a HIP GEMM kernel source on the host (tests/test_gemm_mfma_emulated.cpp,
// tests/test_gemm_dot2_emulated.cpp): 16-bit operands drawn from a seed, the kernel's grid run
// block after block by tests/emulated_grid.h with the HIP names of tests/hip_kernel_emulation.h
// set per work-item, and C judged against fp64 (tests/gemm_reference_check.h).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "tests/emulated_grid.h"
#include "tests/gemm_reference_check.h"
#include "tests/hip_kernel_emulation.h"

namespace hip_gemm_emulated_run {

struct Problem {
  int m, n, k;
  float alpha = 1.0f, beta = 0.0f;
};

// a (M, K), b (K, N), c_in (M, N), c: C as written, then kGuard words that must stay kGuardBits.
struct Operands {
  std::vector<unsigned short> a, b, c_in, c;
};
constexpr std::size_t kGuard = 64;
constexpr unsigned short kGuardBits = 0x1234;

// The kernel's geometry: C tile per block, threads per block, its dynamic LDS (one array).
struct Launch {
  int block_m, block_n, threads;
  unsigned char* lds;
  std::size_t lds_bytes;
};

// Draws the operands (inputs in [-1, 1]; C the NaN poison `nan` unless beta != 0), then for
// every block: LDS filled with 0x7f bytes (garbage on a GPU; fp16 NaN, bf16 3.4e38 here, so a
// read of anything the kernel did not store shows in C), prepare(block), and kernel(operands)
// on every work-item, 64-lane wavefronts; finish(block) after its threads returned.
template <typename Prepare, typename Kernel, typename Finish>
Operands run(const Problem& p, const Launch& launch, unsigned short nan, Prepare prepare, Kernel kernel, Finish finish,
             unsigned seed = 7) {
  Operands r;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  gemm_reference_check::make_operands(
      p.m, p.n, p.k, p.beta != 0.0f, [&] { return to_elem(uniform(rng)); }, nan, kGuardBits, kGuard, r.a, r.b, r.c_in,
      r.c);
  const auto grid_x = static_cast<unsigned>((p.n + launch.block_n - 1) / launch.block_n);
  const auto grid_y = static_cast<unsigned>((p.m + launch.block_m - 1) / launch.block_m);
  emulated_grid::run(
      grid_x, grid_y, static_cast<unsigned>(launch.threads), 64,
      [&](emulated_grid::Block& block) {
        std::memset(launch.lds, 0x7f, launch.lds_bytes);
        hip_emulation::block_barrier = &block.block_barrier;
        prepare(block);
      },
      [&](const emulated_grid::Block& block, unsigned tid) {
        hip_emulation::enter(block, tid, grid_x, grid_y);
        kernel(r);
      },
      finish);
  return r;
}

// Elements of C off from the fp64 reference by more than the output rounding (relative
// `unit_roundoff`, absolute `absolute_roundoff` for subnormals) and the fp32 accumulation bound.
inline std::size_t wrong_elements(const Problem& p, const Operands& r, double unit_roundoff, double absolute_roundoff) {
  const gemm_reference_check::Gemm<unsigned short, unsigned short> g{p.m, p.n, p.k, p.alpha, p.beta, r.a, r.b, r.c_in, r.c};
  return gemm_reference_check::wrong_elements(g, {unit_roundoff, absolute_roundoff}, from_elem, from_elem);
}

// The first guard word after C that the kernel overwrote, or C's size plus kGuard if none.
inline std::size_t first_written_guard(const Problem& p, const Operands& r) {
  std::size_t i = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  while (i < r.c.size() && r.c[i] == kGuardBits) ++i;
  return i;
}

}  // namespace hip_gemm_emulated_run
