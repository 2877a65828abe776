// A software model of what kernels/hip/gemm_mfma.hip (and attention_mfma.hip) needs from an AMD GPU, so that the
// kernel source itself runs on the host (tests/test_gemm_mfma_emulated.cpp): the HIP kernel
// language of tests/hip_kernel_emulation.h (one std::thread per work-item, a block barrier
// for __syncthreads), a wavefront barrier (64 lanes) for the MFMA builtins, which are
// wavefront-collective, and the builtins written from the CDNA
// register layout (AMD Matrix Instruction Calculator), for one block:
//   32x32x8 (f16, bf16_1k): lane l element e holds A[l % 32][4(l / 32) + e], B[4(l / 32) + e][l % 32]
//   32x32x4 bf16 (gfx908):  lane l element e holds A[l % 32][2(l / 32) + e], B[2(l / 32) + e][l % 32]
//   D register r (both):    D[8(r / 4) + 4(l / 32) + r % 4][l % 32] (harness/fragment_layouts.h)
// Include before the kernel, with the kernel's SUANLI_DTYPE_* define set (and __gfx908__ for
// the gfx908 bf16 path).
#pragma once

#include <barrier>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "harness/fragment_layouts.h"
#include "tests/hip_kernel_emulation.h"

#define GEMM_MFMA_HOST_EMULATION 1

namespace gemm_mfma_emulation {

using hip_emulation::elem_bits_to_float;

// 16 fp32 accumulators of a lane.
struct Acc16 {
  float v[16];
  float& operator[](int i) { return v[i]; }
  float operator[](int i) const { return v[i]; }
};
// A lane's 16-bit fragment elements, as bits (4 for the 32x32x8 forms, 2 for 32x32x4bf16).
struct Frag4 {
  unsigned short e[4];
  short operator[](int i) const { return static_cast<short>(e[i]); }
};
struct Frag2 {
  short e[2];
};

// What a fault injection changes, to prove the test catches a wrong layout: B's two K groups
// taken from the wrong half-wavefront, or D's rows and columns exchanged.
// For attention_mfma: the cross-lane exchange returning the lane's own value (a row reduction
// over half its keys).
enum class Fault { none, b_k_groups_swapped, d_transposed, bpermute_skipped };

// One block's wavefront state. Blocks run one after another.
struct Machine {
  std::vector<std::barrier<>*> wave_barriers;
  // Per-wavefront exchange slots of the MFMA: every lane's A and B elements.
  struct Wave {
    unsigned short a[64][4];
    unsigned short b[64][4];
    int exchange[64];  // ds_bpermute's source values
    long long calls;   // MFMA instructions issued, counted by lane 0
  };
  std::vector<Wave> waves;
  Fault fault = Fault::none;
};
inline Machine machine;

inline void wave_sync() {
  machine.wave_barriers[static_cast<std::size_t>(hip_emulation::self.wave)]->arrive_and_wait();
}

// The wavefront's D += A(32 × kpl·2) · B, kpl elements per lane: every lane deposits its
// fragments, then computes its own 16 accumulators from everyone's.
inline Acc16 mfma_32x32(const unsigned short* a, const unsigned short* b, int kpl, Acc16 c) {
  auto& w = machine.waves[static_cast<std::size_t>(hip_emulation::self.wave)];
  const int l = hip_emulation::self.lane;
  for (int e = 0; e < kpl; ++e) {
    w.a[l][e] = a[e];
    w.b[l][e] = b[e];
  }
  if (l == 0) ++w.calls;
  wave_sync();
  const bool swap_b = machine.fault == Fault::b_k_groups_swapped;
  for (int r = 0; r < 16; ++r) {
    auto [row, col] = suanli::fragments::mfma_d_at(l, r);
    if (machine.fault == Fault::d_transposed) std::swap(row, col);
    float sum = 0.0f;
    for (int k = 0; k < 2 * kpl; ++k) {
      const int group = k / kpl, e = k % kpl;
      const float x = elem_bits_to_float(w.a[row + 32 * group][e]);
      const float y = elem_bits_to_float(w.b[col + 32 * (swap_b ? 1 - group : group)][e]);
      sum += x * y;
    }
    c[r] += sum;
  }
  wave_sync();
  return c;
}

inline Acc16 mfma_32x32x8(Frag4 a, Frag4 b, Acc16 c, int, int, int) { return mfma_32x32(a.e, b.e, 4, c); }
inline Acc16 mfma_32x32x4bf16(Frag2 a, Frag2 b, Acc16 c, int, int, int) {
  const unsigned short ab[2] = {static_cast<unsigned short>(a.e[0]), static_cast<unsigned short>(a.e[1])};
  const unsigned short bb[2] = {static_cast<unsigned short>(b.e[0]), static_cast<unsigned short>(b.e[1])};
  return mfma_32x32(ab, bb, 2, c);
}

// ds_bpermute_b32: every lane deposits `value`, then reads the one of lane address / 4.
inline int ds_bpermute(int address, int value) {
  auto& w = machine.waves[static_cast<std::size_t>(hip_emulation::self.wave)];
  const int l = hip_emulation::self.lane;
  w.exchange[l] = value;
  wave_sync();
  const int out = machine.fault == Fault::bpermute_skipped ? value : w.exchange[(address / 4) % 64];
  wave_sync();
  return out;
}

}  // namespace gemm_mfma_emulation

// ---- The names the kernel uses ----

typedef gemm_mfma_emulation::Acc16 gemm_acc_t;
typedef gemm_mfma_emulation::Frag4 gemm_frag_t;
typedef gemm_mfma_emulation::Frag2 gemm_frag2_t;
// The builtins, by their names in the kernel (the fp16 and bf16_1k forms differ only in how
// the host decodes the bits, which SUANLI_DTYPE_* selects).
#define __builtin_amdgcn_mfma_f32_32x32x8f16 gemm_mfma_emulation::mfma_32x32x8
#define __builtin_amdgcn_mfma_f32_32x32x8bf16_1k gemm_mfma_emulation::mfma_32x32x8
#define __builtin_amdgcn_mfma_f32_32x32x4bf16 gemm_mfma_emulation::mfma_32x32x4bf16
#define __builtin_amdgcn_ds_bpermute gemm_mfma_emulation::ds_bpermute

inline unsigned long long load_u64(const unsigned short* p) {
  unsigned long long v = 0;
  std::memcpy(&v, p, 8);
  return v;
}
inline void store_u64(unsigned short* p, unsigned long long v) { std::memcpy(p, &v, 8); }
inline gemm_frag_t load_frag(const unsigned short* p) {
  gemm_frag_t f;
  std::memcpy(f.e, p, 8);
  return f;
}
inline bool aligned_u64(const unsigned short* p) { return reinterpret_cast<std::uintptr_t>(p) % 8 == 0; }
