// One run of a HIP GEMM kernel source on the host (tests/test_gemm_mfma_emulated.cpp,
// tests/test_gemm_dot2_emulated.cpp): operands drawn from a seed, the kernel's grid run block
// after block by tests/emulated_grid.h with the HIP names of tests/hip_kernel_emulation.h set
// per work-item, and C judged against fp64 (tests/gemm_reference_check.h).
#pragma once

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

// a (M, K), b (K, N), b_nk: B as (N, K) for kernels that read it so (else empty), c_in (M, N),
// c: C as written, then kGuard words that must stay kGuardBits. In, Out: storage words.
template <typename In, typename Out>
struct Operands {
  std::vector<In> a, b, b_nk;
  std::vector<Out> c_in, c;
};
constexpr std::size_t kGuard = 64;
constexpr int kGuardBits = 0x1234;

// The kernel's geometry: C tile per block, threads per block, its dynamic LDS (one array),
// and whether it takes B as (N, K).
struct Launch {
  int block_m, block_n, threads;
  unsigned char* lds;
  std::size_t lds_bytes;
  bool b_nk = false;
};

// Draws the operands (draw(rng) gives one input word; C the poison `nan` unless beta != 0),
// then for every block: LDS filled with 0x7f bytes (garbage on a GPU; fp16 NaN, bf16 3.4e38
// here, so a read of anything the kernel did not store shows in C), prepare(block), and
// kernel(operands) on every work-item, 64-lane wavefronts; finish(block) after its threads
// returned.
template <typename In, typename Out, typename Draw, typename Prepare, typename Kernel, typename Finish>
Operands<In, Out> run(const Problem& p, const Launch& launch, Draw draw, Out nan, Prepare prepare, Kernel kernel,
                      Finish finish, unsigned seed = 7) {
  Operands<In, Out> r;
  std::mt19937 rng(seed);
  gemm_reference_check::make_operands(
      p.m, p.n, p.k, p.beta != 0.0f, [&] { return draw(rng); }, nan, static_cast<Out>(kGuardBits), kGuard, r.a, r.b,
      r.c_in, r.c);
  if (launch.b_nk) r.b_nk = gemm_reference_check::b_as_nk(r.b, p.k, p.n);
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

// Elements of C off from the fp64 reference by more than `tolerance` and the fp32
// accumulation bound; in_value, out_value: a storage word's value.
template <typename In, typename Out, typename InValue, typename OutValue>
std::size_t wrong_elements(const Problem& p, const Operands<In, Out>& r, const gemm_reference_check::Tolerance& tolerance,
                           InValue in_value, OutValue out_value) {
  const gemm_reference_check::Gemm<In, Out> g{p.m, p.n, p.k, p.alpha, p.beta, r.a, r.b, r.c_in, r.c};
  return gemm_reference_check::wrong_elements(g, tolerance, in_value, out_value);
}

// The first guard word after C that the kernel overwrote, or C's size plus kGuard if none.
template <typename In, typename Out>
std::size_t first_written_guard(const Problem& p, const Operands<In, Out>& r) {
  std::size_t i = static_cast<std::size_t>(p.m) * static_cast<std::size_t>(p.n);
  while (i < r.c.size() && r.c[i] == static_cast<Out>(kGuardBits)) ++i;
  return i;
}

}  // namespace hip_gemm_emulated_run
