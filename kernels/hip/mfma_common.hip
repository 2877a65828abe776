// mfma_common: what the HIP MFMA kernels (kernels/hip/gemm_mfma.hip, attention_mfma.hip)
// share, prepended to each of them by the native catalog (kernels/native_catalog.cpp:
// kPreludes) so both run the one tested definition of the 32 × 32 × 8 product:
//   - the dtype and arch checks (fp16 / bf16; CDNA matrix cores);
//   - the fragment and accumulator types, 16-bit element loads and conversions (the host
//     emulation, GEMM_MFMA_HOST_EMULATION, supplies its own: tests/gemm_mfma_emulation.h);
//   - mfma_32x32x8, the product in the register layout below, per dtype and arch.
//
// Register layout (AMD Matrix Instruction Calculator, CDNA "32x32x8" with one block),
// lane l = 0..63, element e = 0..3 of the lane's 4-wide 16-bit vector:
//   A fragment: A[l % 32][4 · (l / 32) + e]         (32 rows × 8 K)
//   B fragment: B[4 · (l / 32) + e][l % 32]         (8 K × 32 columns)
//   D register r = 0..15: D[8 · (r / 4) + 4 · (l / 32) + r % 4][l % 32]

#if !defined(SUANLI_DTYPE_FP16) && !defined(SUANLI_DTYPE_BF16)
#error "mfma kernels: define SUANLI_DTYPE_FP16 or SUANLI_DTYPE_BF16"
#endif

#if defined(__AMDGCN__) && !defined(__gfx908__) && !defined(__gfx90a__) && !defined(__gfx940__) && \
    !defined(__gfx941__) && !defined(__gfx942__)
#error "the MFMA kernels need the CDNA matrix cores (gfx908, gfx90a, gfx942)"
#endif

#ifndef GEMM_MFMA_HOST_EMULATION
// ---- Device types and helpers (the emulation supplies its own) ----

// 16 fp32 accumulators of one lane (D of a 32 × 32 MFMA).
typedef float gemm_acc_t __attribute__((ext_vector_type(16)));
// A lane's 4 K-consecutive 16-bit elements, in the type the builtin takes.
#if defined(SUANLI_DTYPE_FP16)
typedef _Float16 gemm_frag_t __attribute__((ext_vector_type(4)));
#else
typedef short gemm_frag_t __attribute__((ext_vector_type(4)));
typedef short gemm_frag2_t __attribute__((ext_vector_type(2)));
#endif

__device__ inline unsigned long long load_u64(const unsigned short* p) {
  return *reinterpret_cast<const unsigned long long*>(p);
}
__device__ inline void store_u64(unsigned short* p, unsigned long long v) { *reinterpret_cast<unsigned long long*>(p) = v; }
__device__ inline gemm_frag_t load_frag(const unsigned short* p) { return *reinterpret_cast<const gemm_frag_t*>(p); }
__device__ inline bool aligned_u64(const unsigned short* p) { return (reinterpret_cast<unsigned long long>(p) & 7) == 0; }
__device__ inline int lane_id() { return static_cast<int>(threadIdx.x) % 64; }

#if defined(SUANLI_DTYPE_FP16)
__device__ inline float from_elem(unsigned short bits) { return static_cast<float>(__builtin_bit_cast(_Float16, bits)); }
__device__ inline unsigned short to_elem(float x) { return __builtin_bit_cast(unsigned short, static_cast<_Float16>(x)); }
#else
__device__ inline float from_elem(unsigned short bits) {
  return __builtin_bit_cast(float, static_cast<unsigned>(bits) << 16);
}
// Round to nearest even; a NaN stays a (quiet) NaN instead of rounding into infinity.
__device__ inline unsigned short to_elem(float x) {
  const unsigned u = __builtin_bit_cast(unsigned, x);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<unsigned short>((u >> 16) | 0x40u);
  return static_cast<unsigned short>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
#endif
#endif  // GEMM_MFMA_HOST_EMULATION

// acc(32 × 32, fp32) += a(32 × 8) · b(8 × 32), fragments in the layout of the header comment.
// gfx908 bf16: v_mfma_f32_32x32x4bf16 takes 2 elements per lane, A[l % 32][2 · (l / 32) + e]
// (same calculator). Fed elements 0, 1 of every lane it sums over K positions {0, 1, 4, 5} of
// the 8-deep step, fed elements 2, 3 over {2, 3, 6, 7}; A and B are split alike, so the two
// together are the whole 8-deep product.
__device__ inline void mfma_32x32x8(gemm_acc_t& acc, gemm_frag_t a, gemm_frag_t b) {
#if defined(SUANLI_DTYPE_FP16)
  acc = __builtin_amdgcn_mfma_f32_32x32x8f16(a, b, acc, 0, 0, 0);
#elif defined(__gfx908__)
  const gemm_frag2_t a_lo = {a[0], a[1]}, a_hi = {a[2], a[3]};
  const gemm_frag2_t b_lo = {b[0], b[1]}, b_hi = {b[2], b[3]};
  acc = __builtin_amdgcn_mfma_f32_32x32x4bf16(a_lo, b_lo, acc, 0, 0, 0);
  acc = __builtin_amdgcn_mfma_f32_32x32x4bf16(a_hi, b_hi, acc, 0, 0, 0);
#else
  acc = __builtin_amdgcn_mfma_f32_32x32x8bf16_1k(a, b, acc, 0, 0, 0);
#endif
}
