// peak_mma_sync: the tensor-core ceiling of NVIDIA sm_80 and later (native tier of the
// peak workload, CUDA only) — how many mma.sync.aligned m16n8k16 (int8: m16n8k32) per second
// the tensor cores retire with no memory traffic to hide.
//
// Inputs fp16 (SUANLI_DTYPE_FP16) or bf16 (SUANLI_DTYPE_BF16), fp32 accumulation:
// mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32, 2·16·8·16 = 4096 FLOP
// per instruction per warp; or int8 (SUANLI_DTYPE_INT8), int32 accumulation:
// mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32, 2·16·8·32 = 8192 OPS (the same registers
// hold four 8-bit elements each, so K doubles); or fp8 e4m3 (SUANLI_DTYPE_FP8, sm_89+), fp32
// accumulation: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32, 8192 FLOP. The
// instruction and its fragment layouts are kernels/cuda/mma_sync_common.cuh's (mma_m16n8),
// which kernels/native_catalog.cpp prepends.
//
// Technique: every warp holds one A (16×K) and one B (K×8) fragment in registers, read
// once from `a_frags` / `b_frags`, and PEAK_MMA_CHAINS independent accumulators (16×8
// each), started from `c_init`. Each loop trip issues D_j = A·B + D_j for every chain j:
// the mmas of one chain depend on each other, those of different chains do not, so the
// chains are the independent work that covers the instruction's latency.
//
// Verifiable exactly: the host fills A and B with small integers (|x| <= 3, exact in fp16,
// bf16 and e4m3) and c_init with integers, so every product, every partial sum and every
// accumulator is an integer far below 2^24 — exact in fp32 whatever order or internal
// alignment the tensor cores sum in (int8: int32, exact by construction). After n trips
// chain j holds c_init_j + n·(A·B), which the host computes from the PTX ISA's fragment
// tables (harness/native_peak.cpp, "mma_m16n8k16" / "mma_m16n8k32"): a wrong fragment
// layout, a lost or doubled mma, or a wrong accumulator is an exact mismatch.
// Bound: |A·B| <= K·3·3 per trip (144; int8, fp8 288), so the timed launch's 32768 trips stay
// below 2^24 (9.4 million at most for int8): the int32 accumulators convert to fp32 exactly,
// which is how they are summed and stored (one fp32 `out` and one host replay for every
// dtype; c_init's integers convert to int32 exactly on the way in).
//
// The accumulators are stored only if their sum exceeds `limit`, a kernel argument (as in
// kernels/portable/peak.cl): the compiler cannot delete the work, yet a timed launch
// (limit = FLT_MAX) writes nothing. The verification launch passes -FLT_MAX.
//
// Launch: blocks of PEAK_MMA_WARPS warps (32 · PEAK_MMA_WARPS threads), any number of
// blocks in x; the harness launches compute units × blocks-per-CU of them
// (kernels/native_catalog.cpp).
//
// Entry point: peak_mma_sync(int iterations, float limit, const unsigned* a_frags,
//                            const unsigned* b_frags, const float* c_init, float* out)
//   a_frags: (warps, 32 lanes, 4) 32-bit registers, each two packed 16-bit elements (int8,
//            fp8: four bytes), the lower-indexed element in the lower bits
//   b_frags: (warps, 32 lanes, 2) the same
//   c_init, out: (warps, PEAK_MMA_CHAINS, 32 lanes, 4) fp32
// where "warps" counts every warp of the grid (blockIdx.x · PEAK_MMA_WARPS + warp in block).
//
// The CUDA backend prepends its dialect preamble (kernels/dialect/cuda.h): harmless, as for
// gemm_mma_sync.cu (macros and small templates, none of whose names this file uses).

// ---- Tunables (#ifndef defaults; the harness passes them as -D defines) ----

// Independent accumulator chains per warp. An m16n8k16 mma has a latency of roughly 30
// cycles on Ampere / Hopper and a sub-core issues one every 8 (A100) or fewer cycles, so
// one warp per sub-core needs about 4 mmas in flight; 8 covers it with room (and 8 warps
// per block, 4 blocks per SM, give each sub-core 8 warps besides). 4 registers per chain.
#ifndef PEAK_MMA_CHAINS
#define PEAK_MMA_CHAINS 8
#endif
// Warps per block.
#ifndef PEAK_MMA_WARPS
#define PEAK_MMA_WARPS 8
#endif
// Trips unrolled per loop iteration of the kernel (the loop count stays a kernel argument).
#ifndef PEAK_MMA_UNROLL
#define PEAK_MMA_UNROLL 4
#endif

#if defined(SUANLI_DTYPE_TF32)
#error "peak_mma_sync: fp16, bf16, int8 or fp8 (the host's replay tables are m16n8k16 and m16n8k32)"
#endif

static_assert(PEAK_MMA_CHAINS >= 1 && PEAK_MMA_WARPS >= 1 && PEAK_MMA_UNROLL >= 1, "tunables are counts");

extern "C" __global__ void __launch_bounds__(PEAK_MMA_WARPS * 32)
peak_mma_sync(int iterations, float limit, const unsigned* __restrict__ a_frags, const unsigned* __restrict__ b_frags,
              const float* __restrict__ c_init, float* __restrict__ out) {
  const int lane = static_cast<int>(threadIdx.x) % 32;
  const long long warp = static_cast<long long>(blockIdx.x) * PEAK_MMA_WARPS + static_cast<int>(threadIdx.x) / 32;

  unsigned a[4];
#pragma unroll
  for (int r = 0; r < 4; ++r) a[r] = a_frags[(warp * 32 + lane) * 4 + r];
  const unsigned b0 = b_frags[(warp * 32 + lane) * 2 + 0];
  const unsigned b1 = b_frags[(warp * 32 + lane) * 2 + 1];

  // mma_acc_t: fp32, or int32 for int8.
  mma_acc_t acc[PEAK_MMA_CHAINS][4];
#pragma unroll
  for (int j = 0; j < PEAK_MMA_CHAINS; ++j)
#pragma unroll
    for (int r = 0; r < 4; ++r)
      acc[j][r] = static_cast<mma_acc_t>(c_init[((warp * PEAK_MMA_CHAINS + j) * 32 + lane) * 4 + r]);

  // `iterations` trips in all: the unrolled body, then the remainder one trip at a time.
  int trip = 0;
  for (; trip + PEAK_MMA_UNROLL <= iterations; trip += PEAK_MMA_UNROLL) {
#pragma unroll
    for (int u = 0; u < PEAK_MMA_UNROLL; ++u)
#pragma unroll
      for (int j = 0; j < PEAK_MMA_CHAINS; ++j) mma_m16n8(acc[j], a, b0, b1);
  }
  for (; trip < iterations; ++trip) {
#pragma unroll
    for (int j = 0; j < PEAK_MMA_CHAINS; ++j) mma_m16n8(acc[j], a, b0, b1);
  }

  float sum = 0.0f;
#pragma unroll
  for (int j = 0; j < PEAK_MMA_CHAINS; ++j)
#pragma unroll
    for (int r = 0; r < 4; ++r) sum += static_cast<float>(acc[j][r]);
  if (sum > limit) {
#pragma unroll
    for (int j = 0; j < PEAK_MMA_CHAINS; ++j)
#pragma unroll
      for (int r = 0; r < 4; ++r) out[((warp * PEAK_MMA_CHAINS + j) * 32 + lane) * 4 + r] = static_cast<float>(acc[j][r]);
  }
}
