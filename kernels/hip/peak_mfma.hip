// peak_mfma: the matrix-core ceiling of AMD CDNA (gfx908, gfx90a, gfx942), native tier of
// the peak workload, HIP only: how many 32 × 32 × 8 MFMA products per second the matrix
// cores retire with no memory traffic to hide.
//
// Inputs fp16 (SUANLI_DTYPE_FP16) or bf16 (SUANLI_DTYPE_BF16), fp32 accumulation; one trip
// of one chain is one 32 × 32 × 8 product, 2 · 32 · 32 · 8 = 16,384 FLOP per wavefront:
// v_mfma_f32_32x32x8f16, v_mfma_f32_32x32x8bf16_1k (gfx90a, gfx942), or on gfx908 bf16 two
// v_mfma_f32_32x32x4bf16 (see peak_mfma_step).
//
// Technique (as kernels/cuda/peak_mma_sync.cu): every wavefront holds one A (32 × 8) and one
// B (8 × 32) fragment in registers, read once from `a_frags` / `b_frags`, and
// PEAK_MFMA_CHAINS independent accumulators of 32 × 32 fp32, started from `c_init`. Each
// loop trip issues D_j = A·B + D_j for every chain j; the chains are the independent work
// that covers the instruction's latency.
//
// Register layout (AMD Matrix Instruction Calculator, CDNA 32x32x8, one block), lane l:
//   A: element e (0..3) = A[l % 32][4 · (l / 32) + e]
//   B: element e        = B[4 · (l / 32) + e][l % 32]
//   D: register r (0..15) = D[8 · (r / 4) + 4 · (l / 32) + r % 4][l % 32]
// a_frags / b_frags hold each lane's 4 elements as 2 32-bit words, element 2w in the low
// half of word w; the host replays the same tables (harness/native_peak.cpp).
//
// Verifiable exactly: A and B are small integers (|x| <= 3, exact in fp16 and bf16) and
// c_init integers, so every sum is an integer far below 2^24 — exact in fp32 whatever order
// the matrix cores add in. Bound: |A·B| <= 8 · 3 · 3 = 72 per trip, so 2^24 allows over
// 230,000 trips (the timed launch runs 16,384: kernels/native_catalog.cpp).
//
// The accumulators are stored only if their sum exceeds `limit` (a kernel argument, as in
// kernels/portable/peak.cl): the compiler cannot delete the work, yet a timed launch
// (limit = FLT_MAX) writes nothing. The verification launch passes -FLT_MAX.
//
// Entry point: peak_mfma(int iterations, float limit, const unsigned* a_frags,
//                        const unsigned* b_frags, const float* c_init, float* out)
//   a_frags, b_frags: (wavefronts, 64 lanes, 2) 32-bit words
//   c_init, out:      (wavefronts, PEAK_MFMA_CHAINS, 64 lanes, 16) fp32
// where "wavefronts" counts every wavefront of the grid (blockIdx.x · PEAK_MFMA_WARPS + wave).
//
// The HIP backend prepends kernels/dialect/hip.h: harmless (macros, two typedefs and small
// templates, none of whose names this file uses).

// ---- Tunables (#ifndef defaults; the harness passes them as -D defines) ----

// Independent accumulator chains per wavefront. A 32x32x8 MFMA occupies its SIMD's matrix
// core for 16 passes (64 cycles) and its result is ready a few cycles after, so 2 chains
// nearly cover it; 4 (64 AccVGPRs) cover it with room, and the 2 wavefronts per SIMD at the
// defaults below give the scheduler another source of independent MFMAs.
#ifndef PEAK_MFMA_CHAINS
#define PEAK_MFMA_CHAINS 4
#endif
// Wavefronts per block (named WARPS as in the CUDA kernel, so the native table describes
// both alike). 4: one per SIMD of a CU.
#ifndef PEAK_MFMA_WARPS
#define PEAK_MFMA_WARPS 4
#endif
// Trips unrolled per loop iteration of the kernel (the loop count stays a kernel argument).
#ifndef PEAK_MFMA_UNROLL
#define PEAK_MFMA_UNROLL 4
#endif

#if !defined(SUANLI_DTYPE_FP16) && !defined(SUANLI_DTYPE_BF16)
#error "peak_mfma: define SUANLI_DTYPE_FP16 or SUANLI_DTYPE_BF16"
#endif

#if defined(__AMDGCN__) && !defined(__gfx908__) && !defined(__gfx90a__) && !defined(__gfx940__) && \
    !defined(__gfx941__) && !defined(__gfx942__)
#error "peak_mfma needs the CDNA matrix cores (gfx908, gfx90a, gfx942)"
#endif

static_assert(PEAK_MFMA_CHAINS >= 1 && PEAK_MFMA_WARPS >= 1 && PEAK_MFMA_UNROLL >= 1, "tunables are counts");

typedef float peak_acc_t __attribute__((ext_vector_type(16)));
typedef unsigned peak_words_t __attribute__((ext_vector_type(2)));
#if defined(SUANLI_DTYPE_FP16)
typedef _Float16 peak_frag_t __attribute__((ext_vector_type(4)));
#else
typedef short peak_frag_t __attribute__((ext_vector_type(4)));
typedef short peak_frag2_t __attribute__((ext_vector_type(2)));
#endif

// d(32 × 32, fp32) += a(32 × 8) · b(8 × 32). gfx908 bf16 (no "_1k" MFMA): two 32x32x4bf16,
// fed elements 0, 1 then 2, 3 of every lane; each sums over half of the 8 K positions, A and
// B split alike (kernels/hip/gemm_mfma.hip explains the layout), so together they are the
// same product. The builtins are convergent and have no memory effect the compiler could
// drop them for: their results feed the conditional store below.
__device__ inline void peak_mfma_step(peak_acc_t& d, peak_frag_t a, peak_frag_t b) {
#if defined(SUANLI_DTYPE_FP16)
  d = __builtin_amdgcn_mfma_f32_32x32x8f16(a, b, d, 0, 0, 0);
#elif defined(__gfx908__)
  const peak_frag2_t a_lo = {a[0], a[1]}, a_hi = {a[2], a[3]};
  const peak_frag2_t b_lo = {b[0], b[1]}, b_hi = {b[2], b[3]};
  d = __builtin_amdgcn_mfma_f32_32x32x4bf16(a_lo, b_lo, d, 0, 0, 0);
  d = __builtin_amdgcn_mfma_f32_32x32x4bf16(a_hi, b_hi, d, 0, 0, 0);
#else
  d = __builtin_amdgcn_mfma_f32_32x32x8bf16_1k(a, b, d, 0, 0, 0);
#endif
}

extern "C" __global__ void __launch_bounds__(PEAK_MFMA_WARPS * 64)
peak_mfma(int iterations, float limit, const unsigned* __restrict__ a_frags, const unsigned* __restrict__ b_frags,
          const float* __restrict__ c_init, float* __restrict__ out) {
  const int lane = static_cast<int>(threadIdx.x) % 64;
  const long long wave = static_cast<long long>(blockIdx.x) * PEAK_MFMA_WARPS + static_cast<int>(threadIdx.x) / 64;
  const long long at = wave * 64 + lane;

  const peak_words_t a_words = {a_frags[at * 2], a_frags[at * 2 + 1]};
  const peak_words_t b_words = {b_frags[at * 2], b_frags[at * 2 + 1]};
  // Same 8 bytes, seen as 4 16-bit elements (element 0 in the low half of word 0).
  const peak_frag_t a = __builtin_bit_cast(peak_frag_t, a_words);
  const peak_frag_t b = __builtin_bit_cast(peak_frag_t, b_words);

  peak_acc_t acc[PEAK_MFMA_CHAINS];
#pragma unroll
  for (int j = 0; j < PEAK_MFMA_CHAINS; ++j)
#pragma unroll
    for (int r = 0; r < 16; ++r) acc[j][r] = c_init[((wave * PEAK_MFMA_CHAINS + j) * 64 + lane) * 16 + r];

  // `iterations` trips in all: the unrolled body, then the remainder one trip at a time.
  int trip = 0;
  for (; trip + PEAK_MFMA_UNROLL <= iterations; trip += PEAK_MFMA_UNROLL) {
#pragma unroll
    for (int u = 0; u < PEAK_MFMA_UNROLL; ++u)
#pragma unroll
      for (int j = 0; j < PEAK_MFMA_CHAINS; ++j) peak_mfma_step(acc[j], a, b);
  }
  for (; trip < iterations; ++trip) {
#pragma unroll
    for (int j = 0; j < PEAK_MFMA_CHAINS; ++j) peak_mfma_step(acc[j], a, b);
  }

  float sum = 0.0f;
#pragma unroll
  for (int j = 0; j < PEAK_MFMA_CHAINS; ++j)
#pragma unroll
    for (int r = 0; r < 16; ++r) sum += acc[j][r];
  if (sum > limit) {
#pragma unroll
    for (int j = 0; j < PEAK_MFMA_CHAINS; ++j)
#pragma unroll
      for (int r = 0; r < 16; ++r) out[((wave * PEAK_MFMA_CHAINS + j) * 64 + lane) * 16 + r] = acc[j][r];
  }
}
