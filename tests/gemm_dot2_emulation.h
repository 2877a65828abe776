// A software model of what kernels/hip/gemm_dot2.hip needs from a gfx906, so that the kernel
// source itself runs on the host (tests/test_gemm_dot2_emulated.cpp): the HIP kernel language
// of tests/hip_kernel_emulation.h, the kernel's memory helpers, and the dot builtins. They are
// per lane (no wavefront exchange), written from the ISA manual's
//   v_dot2_f32_f16: d = a[15:0] · b[15:0] + a[31:16] · b[31:16] + c   (fp16 halves, fp32 sum)
//   v_dot4_i32_i8:  d = Σ_e a[8e+7:8e] · b[8e+7:8e] + c              (signed bytes, int32 sum)
// The 16-byte LDS reads count misaligned addresses, which the hardware's ds_read_b128 does not
// take. Include before the kernel, with SUANLI_DTYPE_FP16 or SUANLI_DTYPE_INT8 set.
#pragma once

#include <cstdint>
#include <cstring>

#include "tests/hip_kernel_emulation.h"

#define GEMM_DOT2_HOST_EMULATION 1

namespace gemm_dot2_emulation {

// Two fp16 as the builtin takes them: what a K-pair word bit-casts to.
struct Half2 {
  unsigned short lo, hi;
};

// What a fault injection changes, to prove the test catches it: the halves (int8: bytes) of
// B's word multiplied crosswise (a word packed the wrong way round), or the high half (int8:
// the high bytes) dropped (K positions lost).
enum class Fault { none, pair_halves_crossed, high_half_dropped };
inline Fault fault = Fault::none;

// Per work-item counts; the test sums them when each thread's kernel call returns.
inline thread_local long long dot_calls = 0;
inline thread_local long long misaligned_reads = 0;

#if defined(SUANLI_DTYPE_FP16)
inline float fdot2(Half2 a, Half2 b, float c, bool /*clamp*/) {
  ++dot_calls;
  const auto f = hip_emulation::elem_bits_to_float;
  const bool crossed = fault == Fault::pair_halves_crossed;
  const float lo = f(a.lo) * f(crossed ? b.hi : b.lo);
  const float hi = fault == Fault::high_half_dropped ? 0.0f : f(a.hi) * f(crossed ? b.lo : b.hi);
  return c + lo + hi;
}
#endif

inline int sdot4(int a, int b, int c, bool /*clamp*/) {
  ++dot_calls;
  const auto byte = [](int word, int e) { return static_cast<int>(static_cast<signed char>(word >> (8 * e))); };
  int sum = c;
  for (int e = 0; e < 4; ++e) {
    if (fault == Fault::high_half_dropped && e >= 2) continue;
    sum += byte(a, e) * byte(b, fault == Fault::pair_halves_crossed ? 3 - e : e);
  }
  return sum;
}

}  // namespace gemm_dot2_emulation

// ---- The names the kernel uses ----

typedef gemm_dot2_emulation::Half2 gemm_dot2_half2_t;
#define __builtin_amdgcn_fdot2 gemm_dot2_emulation::fdot2
#define __builtin_amdgcn_sdot4 gemm_dot2_emulation::sdot4

// Element types differ by dtype (fp16 bits, signed bytes).
template <typename Elem>
inline unsigned load_u32(const Elem* p) {
  unsigned v = 0;
  std::memcpy(&v, p, 4);
  return v;
}
template <typename Elem>
inline bool aligned_u32(const Elem* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 4 == 0;
}
inline void store_u64(unsigned* p, unsigned lo, unsigned hi) {
  p[0] = lo;
  p[1] = hi;
}
inline void load_words4(const unsigned* p, unsigned* out) {
  if (reinterpret_cast<std::uintptr_t>(p) % 16 != 0) ++gemm_dot2_emulation::misaligned_reads;
  std::memcpy(out, p, 16);
}
