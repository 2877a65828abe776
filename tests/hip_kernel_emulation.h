// The HIP kernel language as host C++, so that a kernels/hip/*.hip source runs on the host
// (tests/gemm_mfma_emulation.h, tests/gemm_dot2_emulation.h build their instruction models on
// it): the qualifiers compile away, threadIdx / blockIdx / gridDim are the calling
// std::thread's (tests/emulated_grid.h runs one per work-item), __syncthreads is the block's
// barrier, and 16-bit elements convert as the kernel's SUANLI_DTYPE_* says (fp16, bf16).
#pragma once

#include <barrier>

#include "harness/host_data.h"
#include "tests/emulated_grid.h"

#define __device__
#define __global__
#define __launch_bounds__(n)
#define __shared__

namespace hip_emulation {

struct Dim3 {
  unsigned x = 0, y = 0, z = 0;
};

struct ThreadState {
  Dim3 thread, block, grid;
  int lane = 0, wave = 0;  // in 64-lane wavefronts
};
inline thread_local ThreadState self;

// The running block's __syncthreads barrier. Blocks run one after another.
inline std::barrier<>* block_barrier = nullptr;

// Makes the calling std::thread work-item `tid` of `block` in a grid_x × grid_y grid.
inline void enter(const emulated_grid::Block& block, unsigned tid, unsigned grid_x, unsigned grid_y) {
  self = {};
  self.thread = {tid, 0, 0};
  self.block = {block.x, block.y, 0};
  self.grid = {grid_x, grid_y, 1};
  self.lane = static_cast<int>(tid % 64);
  self.wave = static_cast<int>(tid / 64);
}

#if defined(SUANLI_DTYPE_FP16)
inline float elem_bits_to_float(unsigned short h) { return suanli::half_bits_to_float(h); }
inline unsigned short float_to_elem_bits(float f) { return suanli::float_to_half_bits(f); }
#elif defined(SUANLI_DTYPE_BF16)
inline float elem_bits_to_float(unsigned short h) { return suanli::bf16_bits_to_float(h); }
inline unsigned short float_to_elem_bits(float f) { return suanli::float_to_bf16_bits(f); }
#endif

}  // namespace hip_emulation

// ---- The names the kernels use ----

#define threadIdx (hip_emulation::self.thread)
#define blockIdx (hip_emulation::self.block)
#define gridDim (hip_emulation::self.grid)

inline void __syncthreads() { hip_emulation::block_barrier->arrive_and_wait(); }
inline int lane_id() { return hip_emulation::self.lane; }
#if defined(SUANLI_DTYPE_FP16) || defined(SUANLI_DTYPE_BF16)
inline float from_elem(unsigned short bits) { return hip_emulation::elem_bits_to_float(bits); }
inline unsigned short to_elem(float x) { return hip_emulation::float_to_elem_bits(x); }
#endif
