// A software model of what the mma.sync kernels (kernels/cuda/gemm_mma_sync.cu,
// attention_mma_sync.cu) need from a GPU, so that the kernel source itself runs on the host
// (tests/test_gemm_mma_emulated.cpp, test_attention_mma_emulated.cpp): one std::thread
// per CUDA thread, a block barrier for __syncthreads, a warp barrier for the warp-collective
// instructions, and the instructions written from the PTX ISA's definitions:
//   - cp.async: each copy is queued in the issuing thread's current group and performed
//     only when cp.async.wait_group lets that group complete (the latest moment the
//     hardware may), so reading a stage before waiting for it reads stale data here;
//   - ldmatrix .x4 [.trans]: lane l names row l % 8 of matrix l / 8; it receives row l / 4,
//     columns 2(l % 4), +1 of each matrix (.trans: rows 2(l % 4), +1 of column l / 4);
//   - mma.m16n8k16 .row.col, fp32 accumulate: the fragments gathered from all 32 lanes by
//     the layout tables of "Matrix Fragments for mma.m16n8k16 with floating point type"
//     (m16n8k8 .tf32, m16n8k32 .s8 and .e4m3 likewise, by their tables), written once in
//     harness/fragment_layouts.h and checked against CUTLASS's reading in
//     tests/test_fragment_layouts.cpp;
//   - shfl.sync.bfly (__shfl_xor_sync): every lane publishes its value, then reads lane ^ mask.
// Include before kernels/cuda/mma_sync_common.cuh and the kernel, with the kernel's
// SUANLI_DTYPE_* define set. tests/wgmma_emulation.h builds on this one's block runner.
#pragma once

#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "harness/fragment_layouts.h"
#include "tests/emulated_grid.h"
#include "harness/host_data.h"

#define MMA_SYNC_HOST_EMULATION 1
#define __device__
#define __forceinline__ inline
#define __global__
#define __launch_bounds__(...)
#define __shared__
#define __align__(n)  // the test defines gemm_smem aligned

namespace mma_sync_emulation {

struct Dim3 {
  unsigned x = 0, y = 0, z = 0;
};

// fp16 / bf16 storage: the bits only; arithmetic happens in float.
struct Half {
  unsigned short bits;
};
struct Bf16 {
  unsigned short bits;
};
struct Half2 {
  Half x, y;
};
struct Bf162 {
  Bf16 x, y;
};

// The harness's own fp16 conversions (round to nearest even), not _Float16: clang 14, the
// sanitize build's compiler, has no _Float16 on x86.
inline float half_bits_to_float(unsigned short h) { return suanli::half_bits_to_float(h); }
inline unsigned short float_to_half_bits(float f) { return suanli::float_to_half_bits(f); }
inline float bf16_bits_to_float(unsigned short h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }
inline unsigned short float_to_bf16_bits(float f) {  // round to nearest even (no NaN inputs here)
  const auto u = std::bit_cast<std::uint32_t>(f);
  return static_cast<unsigned short>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

#if defined(SUANLI_DTYPE_FP16)
inline float elem_bits_to_float(unsigned short h) { return half_bits_to_float(h); }
#elif defined(SUANLI_DTYPE_BF16)
inline float elem_bits_to_float(unsigned short h) { return bf16_bits_to_float(h); }
#endif
// What the tensor cores read of a tf32 operand register: sign, exponent and 10 fraction
// bits; the low 13 bits are ignored (so an operand nobody rounded is truncated).
inline float tf32_operand_value(unsigned reg) { return std::bit_cast<float>(reg & 0xffffe000u); }
struct Float2 {
  float x, y;
};
struct Int2 {
  int x, y;
};

// What a fault injection changes, to prove the test catches a wrong fragment layout.
// quad_reduction_skipped: __shfl_xor_sync returns the caller's own value, so a reduction
// over the four lanes of a row (attention's row max and sum) sees one lane only.
enum class Fault { none, b_fragment_halves_swapped, no_wait_before_read, quad_reduction_skipped };

// One block's shared state. Blocks run one after another.
struct Machine {
  unsigned char* smem = nullptr;  // the dynamic shared memory of the running block
  std::barrier<>* block_barrier = nullptr;
  std::vector<std::barrier<>*> warp_barriers;
  // Per-warp exchange slots of the warp-collective instructions.
  struct Warp {
    unsigned addr[32];
    unsigned a[32][4];
    unsigned b[32][2];
    float shfl[32];
  };
  std::vector<Warp> warps;
  // Address ranges cp.async may read (A and B): a read outside is a kernel bug.
  std::vector<std::pair<const unsigned char*, const unsigned char*>> readable;
  Fault fault = Fault::none;
  bool out_of_range_read = false;
  bool misaligned = false;
  bool unrounded_tf32_operand = false;  // an mma read a tf32 register with low bits set
};
inline Machine machine;

struct Copy {
  unsigned dst;
  const unsigned char* src;
  int src_bytes;
};
struct ThreadState {
  Dim3 thread, block, grid;
  int lane = 0, warp = 0;
  std::vector<Copy> open_group;
  std::deque<std::vector<Copy>> committed;
};
inline thread_local ThreadState self;

inline void perform(const Copy& c) {
  std::memset(machine.smem + c.dst, 0, 16);
  if (c.src_bytes > 0) std::memcpy(machine.smem + c.dst, c.src, static_cast<std::size_t>(c.src_bytes));
}

inline void warp_sync() { machine.warp_barriers[static_cast<std::size_t>(self.warp)]->arrive_and_wait(); }

inline unsigned short smem_u16(unsigned addr) {
  unsigned short v = 0;
  std::memcpy(&v, machine.smem + addr, 2);
  return v;
}

// Runs fn() in every thread of one block, as a GPU would start them: `threads` threads (a
// multiple of 32), shared memory starting as garbage (0x7f bytes: NaN in fp16, bf16 and
// fp32, so reading anything the kernel did not write shows in the output), one barrier for
// the block and one per warp. Blocks run one after another.
template <class Fn>
void run_block(unsigned threads, Dim3 block, Dim3 grid, unsigned char* smem, std::size_t smem_bytes, const Fn& fn) {
  std::memset(smem, 0x7f, smem_bytes);
  machine.smem = smem;
  machine.warps.assign(threads / 32, {});
  emulated_grid::run_one(
      block.x, block.y, threads, 32,
      [](emulated_grid::Block& b) {
        machine.block_barrier = &b.block_barrier;
        machine.warp_barriers = b.group_barrier_pointers();
      },
      [&](const emulated_grid::Block&, unsigned tid) {
        self = {};
        self.thread = {tid, 0, 0};
        self.block = block;
        self.grid = grid;
        self.lane = static_cast<int>(tid % 32);
        self.warp = static_cast<int>(tid / 32);
        fn();
      },
      [](const emulated_grid::Block&) {});
}

}  // namespace mma_sync_emulation

// ---- The names the kernel uses ----

typedef mma_sync_emulation::Half __half;
typedef mma_sync_emulation::Bf16 __nv_bfloat16;
#define threadIdx (mma_sync_emulation::self.thread)
#define blockIdx (mma_sync_emulation::self.block)
#define gridDim (mma_sync_emulation::self.grid)

inline int min(int a, int b) { return a < b ? a : b; }  // CUDA's device min
typedef mma_sync_emulation::Int2 int2;
inline int2 make_int2(int x, int y) { return {x, y}; }

inline void __syncthreads() { mma_sync_emulation::machine.block_barrier->arrive_and_wait(); }

inline unsigned smem_address(const void* p) {
  return static_cast<unsigned>(static_cast<const unsigned char*>(p) - mma_sync_emulation::machine.smem);
}

inline void cp_async_16(unsigned dst, const void* src, int src_bytes) {
  using namespace mma_sync_emulation;
  const auto* s = static_cast<const unsigned char*>(src);
  bool inside = src_bytes == 0;
  for (const auto& [lo, hi] : machine.readable) inside = inside || (s >= lo && s + src_bytes <= hi);
  // Recorded, not performed: the test fails on the flag instead of reading foreign memory.
  if (!inside) machine.out_of_range_read = true;
  if (dst % 16 != 0 || (src_bytes > 0 && reinterpret_cast<std::uintptr_t>(s) % 16 != 0)) machine.misaligned = true;
  self.open_group.push_back({dst, inside ? s : nullptr, inside ? src_bytes : 0});
}

inline void cp_async_commit() {
  using namespace mma_sync_emulation;
  self.committed.push_back(std::move(self.open_group));
  self.open_group.clear();
}

template <int n>
inline void cp_async_wait() {
  using namespace mma_sync_emulation;
  const std::size_t keep = machine.fault == Fault::no_wait_before_read ? self.committed.size() : static_cast<std::size_t>(n);
  while (self.committed.size() > keep) {
    for (const Copy& c : self.committed.front()) perform(c);
    self.committed.pop_front();
  }
}

inline float __shfl_xor_sync(unsigned /*mask: always the full warp here*/, float v, int lane_mask) {
  using namespace mma_sync_emulation;
  auto& w = machine.warps[static_cast<std::size_t>(self.warp)];
  w.shfl[self.lane] = v;
  warp_sync();
  const float out = machine.fault == Fault::quad_reduction_skipped ? v : w.shfl[self.lane ^ lane_mask];
  warp_sync();
  return out;
}

inline float __int_as_float(int bits) { return std::bit_cast<float>(bits); }

inline void ldmatrix_any(unsigned (&r)[4], unsigned addr, bool trans) {
  using namespace mma_sync_emulation;
  auto& w = machine.warps[static_cast<std::size_t>(self.warp)];
  w.addr[self.lane] = addr;
  warp_sync();
  const int l = self.lane;
  // Register i is matrix i, whose row j lane 8i + j named (harness/fragment_layouts.h).
  for (int i = 0; i < 4; ++i) {
    unsigned short half[2];
    for (int h = 0; h < 2; ++h) {
      const auto [row, col] = suanli::fragments::ldmatrix_at(l, h, trans);
      half[h] = smem_u16(w.addr[i * 8 + row] + static_cast<unsigned>(2 * col));
    }
    r[i] = static_cast<unsigned>(half[0]) | (static_cast<unsigned>(half[1]) << 16);
  }
  warp_sync();
}
inline void ldmatrix_x4(unsigned (&r)[4], unsigned addr) { ldmatrix_any(r, addr, false); }
inline void ldmatrix_x4_trans(unsigned (&r)[4], unsigned addr) { ldmatrix_any(r, addr, true); }

// The accumulator type and the K of the build's mma (tf32's K of 8 uses half of 16).
#if defined(SUANLI_DTYPE_INT8)
typedef int mma_emulated_acc_t;
constexpr int kMmaEmulatedK = 32;
#elif defined(SUANLI_DTYPE_FP8)
typedef float mma_emulated_acc_t;
constexpr int kMmaEmulatedK = 32;
#else
typedef float mma_emulated_acc_t;
constexpr int kMmaEmulatedK = 16;
#endif

// The value of element `part` (from the lowest bits) of a fragment register, and how many
// one register holds: four bytes (.s8 / .e4m3), one tf32, two 16-bit halves.
#if defined(SUANLI_DTYPE_INT8) || defined(SUANLI_DTYPE_FP8)
constexpr int kMmaPartsPerWord = 4;
inline mma_emulated_acc_t mma_fragment_part(unsigned reg, int part) {
  const auto byte = static_cast<unsigned char>((reg >> (8 * part)) & 0xffu);
#if defined(SUANLI_DTYPE_FP8)
  return static_cast<float>(suanli::e4m3_bits_to_double(byte));
#else
  return static_cast<int>(static_cast<signed char>(byte));
#endif
}
#elif defined(SUANLI_DTYPE_TF32)
constexpr int kMmaPartsPerWord = 1;
inline float mma_fragment_part(unsigned reg, int) {
  if ((reg & 0x1fffu) != 0) mma_sync_emulation::machine.unrounded_tf32_operand = true;
  return mma_sync_emulation::tf32_operand_value(reg);
}
#else
constexpr int kMmaPartsPerWord = 2;
inline float mma_fragment_part(unsigned reg, int part) {
  return mma_sync_emulation::elem_bits_to_float(static_cast<unsigned short>(part == 0 ? reg & 0xffffu : reg >> 16));
}
#endif

inline void mma_m16n8(mma_emulated_acc_t (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  using namespace mma_sync_emulation;
  auto& w = machine.warps[static_cast<std::size_t>(self.warp)];
  const int l = self.lane;
  for (int i = 0; i < 4; ++i) w.a[l][i] = a[i];
  const bool swap = machine.fault == Fault::b_fragment_halves_swapped;
  w.b[l][0] = swap ? b1 : b0;
  w.b[l][1] = swap ? b0 : b1;
  warp_sync();
  mma_emulated_acc_t A[16][kMmaEmulatedK] = {}, B[kMmaEmulatedK][8] = {};
  // The fragments gathered from all 32 lanes by the PTX ISA's tables (harness/fragment_layouts.h;
  // tf32's K of 8 leaves columns 8..15 of A and rows 8..15 of B at 0).
  for (int lane = 0; lane < 32; ++lane) {
    for (int word = 0; word < 4; ++word)
      for (int part = 0; part < kMmaPartsPerWord; ++part) {
        const auto [row, k] = suanli::fragments::mma_a_at<kMmaPartsPerWord>(lane, word, part);
        A[row][k] = mma_fragment_part(w.a[lane][word], part);
      }
    for (int word = 0; word < 2; ++word)
      for (int part = 0; part < kMmaPartsPerWord; ++part) {
        const auto [k, col] = suanli::fragments::mma_b_at<kMmaPartsPerWord>(lane, word, part);
        B[k][col] = mma_fragment_part(w.b[lane][word], part);
      }
  }
  for (int e = 0; e < 4; ++e) {
    const auto [row, col] = suanli::fragments::mma_d_at(l, e);
    mma_emulated_acc_t sum = 0;
    for (int k = 0; k < kMmaEmulatedK; ++k) sum += A[row][k] * B[k][col];
    d[e] += sum;
  }
  warp_sync();
}

#if defined(SUANLI_DTYPE_FP16)
inline __half to_elem(float x) { return {mma_sync_emulation::float_to_half_bits(x)}; }
inline float from_elem(__half x) { return mma_sync_emulation::half_bits_to_float(x.bits); }
typedef mma_sync_emulation::Half2 mma_elem2_t;
inline mma_elem2_t to_elem2(float x, float y) { return {to_elem(x), to_elem(y)}; }
#elif defined(SUANLI_DTYPE_BF16)
inline __nv_bfloat16 to_elem(float x) { return {mma_sync_emulation::float_to_bf16_bits(x)}; }
inline float from_elem(__nv_bfloat16 x) { return mma_sync_emulation::bf16_bits_to_float(x.bits); }
typedef mma_sync_emulation::Bf162 mma_elem2_t;
inline mma_elem2_t to_elem2(float x, float y) { return {to_elem(x), to_elem(y)}; }
#elif defined(SUANLI_DTYPE_TF32)
inline float to_elem(float x) { return x; }
inline float from_elem(float x) { return x; }
typedef mma_sync_emulation::Float2 mma_elem2_t;
inline mma_elem2_t to_elem2(float x, float y) { return {x, y}; }
#endif

#if defined(SUANLI_DTYPE_TF32)
// cvt.rna.tf32.f32: round to 10 fraction bits, to nearest, ties away from zero (finite inputs).
inline unsigned mma_operand(unsigned r) { return (r + 0x1000u) & 0xffffe000u; }
#else
inline unsigned mma_operand(unsigned r) { return r; }
#endif
#if defined(SUANLI_DTYPE_FP16) || defined(SUANLI_DTYPE_BF16)
inline unsigned pack_elem2(float lo, float hi) {
  const mma_elem2_t v = to_elem2(lo, hi);
  return static_cast<unsigned>(v.x.bits) | (static_cast<unsigned>(v.y.bits) << 16);
}
#endif
