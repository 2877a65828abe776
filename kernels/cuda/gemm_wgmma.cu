// gemm_wgmma: Hopper GEMM on warpgroup MMA fed by TMA (native tier, CUDA sm_90a only).
//
//   C(M, N) = alpha · A(M, K) · B(N, K)ᵀ + beta · C(M, N)      all row-major, dense
//
// B is given as (N, K) row-major (the "TN" layout of cuBLASLt's fp8 GEMM): wgmma reads both
// operands K-major from shared memory, the only layout its fp8 form has, so one layout
// serves fp16 (SUANLI_DTYPE_FP16), bf16 (SUANLI_DTYPE_BF16) and fp8 e4m3 (SUANLI_DTYPE_FP8);
// the harness uploads B transposed (NativeGemmKernel::b_nk), as for the int8 mma.sync row.
// fp32 accumulation in the tensor cores; C in the input type (fp16, bf16: rounded once from
// fp32) or fp32 (fp8), as the vendor tier writes it.
//
// Structure (warp-specialized, persistent):
//   - 1 + CONSUMERS warpgroups of 128 threads. Warpgroup 0 is the producer: one thread
//     issues the TMA copies of A and B slices into a STAGES-deep ring of shared-memory
//     buffers. Warpgroups 1 .. CONSUMERS each own 64 rows of the (BLOCK_M × BLOCK_N) tile
//     and multiply with wgmma.m64n128 (BLOCK_N / 128 instructions per K step).
//   - Two mbarriers per stage: `full` (the producer announces the stage's bytes, TMA counts
//     them in; consumers wait on it) and `empty` (every consumer warp arrives once its
//     wgmma.wait_group has returned, i.e. the wgmma reading the stage has completed; the
//     producer waits on it before refilling). Per warp, not one thread per warpgroup: the
//     PTX ISA describes wait_group per executing thread, so one warp's return is not taken
//     to say the other three warps' part of the operation is done.
//   - Persistent grid: one block per SM (the harness launches min(tiles, SMs) blocks); block
//     b takes tiles b, b + gridDim.x, ... in GROUP_M-grouped order (see below), so the
//     producer fills the ring for the next tile while the consumers store the last one.
//   - The producer gives registers back (setmaxnreg.dec 40) and the consumers take them
//     (setmaxnreg.inc 232): the accumulators (BLOCK_N / 2 fp32 per thread) need them, the
//     copies do not. 128 × 40 + 256 × 232 = 64512 of the 65536 registers of an SM.
//
// Shared-memory layout: TMA writes each slice with the 128-byte swizzle, BLOCK_K elements =
// 128 bytes per row, rows 128 bytes apart, chunk c of row r at c ^ (r % 8) (this spreads the
// 8 rows a wgmma core matrix reads over all 32 banks), which the wgmma descriptors then
// describe (wgmma_descriptor in kernels/cuda/wgmma_common.cuh). Atoms of 8 rows must start
// 1024-byte aligned, so the kernel rounds its dynamic shared memory up to 1024 (the harness
// asks for 1024 bytes of slack):
//   a_s[STAGES]: (BLOCK_M, BLOCK_K)   b_s[STAGES]: (BLOCK_N, BLOCK_K)   full[STAGES], empty[STAGES]
//
// Edges: TMA fills every element of a box outside (M, K) or (N, K) with zero, so partial
// tiles and the K tail need no code here; stores are guarded. TMA needs 16-byte aligned row
// strides: K a multiple of 8 (16-bit) or 16 (fp8) -- the harness's can_implement says so.
//
// WGMMA_HOST_EMULATION (tests only, tests/test_gemm_wgmma_emulated.cpp): compiled as host
// C++ with the prelude's names supplied by tests/wgmma_emulation.h.

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Output tile per block: BLOCK_M = 64 × consumer warpgroups; BLOCK_N a multiple of 128 (one
// wgmma.m64n128 per 128 columns) and at most 256 (a TMA box's rows). 128 × 256 with two
// consumers gives each thread 128 accumulators and makes a K step 2 × 2 wgmma of 64 × 128,
// the shape published Hopper GEMMs use to reach cuBLAS.
#ifndef GEMM_WGMMA_BLOCK_M
#define GEMM_WGMMA_BLOCK_M 128
#endif
#ifndef GEMM_WGMMA_BLOCK_N
#define GEMM_WGMMA_BLOCK_N 256
#endif
// K slice per stage: one 128-byte swizzle row (64 16-bit or 128 fp8 elements). Fixed by the
// layout; a define so the harness's record of it and the kernel agree.
#ifndef GEMM_WGMMA_BLOCK_K
#define GEMM_WGMMA_BLOCK_K (128 / WGMMA_ELEM_BYTES)
#endif
// Consumer warps along M (4 per warpgroup) and N (1: a warpgroup spans the tile's columns).
#ifndef GEMM_WGMMA_WARPS_M
#define GEMM_WGMMA_WARPS_M 8
#endif
#ifndef GEMM_WGMMA_WARPS_N
#define GEMM_WGMMA_WARPS_N 1
#endif
// Ring depth: 4 × 48 KiB at 128 × 256, of the 227 KiB an sm_90 block may use.
#ifndef GEMM_WGMMA_STAGES
#define GEMM_WGMMA_STAGES 4
#endif
// Tile order: tiles are numbered in groups of GROUP_M tile rows, column by column within a
// group, so the blocks running at once share a few panels of A and B in L2 (as gemm_mma_sync).
#ifndef GEMM_WGMMA_GROUP_M
#define GEMM_WGMMA_GROUP_M 8
#endif

#define GEMM_WGMMA_CONSUMERS (GEMM_WGMMA_WARPS_M / 4)
#define GEMM_WGMMA_THREADS ((GEMM_WGMMA_CONSUMERS + 1) * 128)
#define GEMM_WGMMA_N_PARTS (GEMM_WGMMA_BLOCK_N / 128)  // wgmma.m64n128 per K step per consumer
#define GEMM_WGMMA_ROW_BYTES 128
#define GEMM_WGMMA_A_STAGE_BYTES (GEMM_WGMMA_BLOCK_M * GEMM_WGMMA_ROW_BYTES)
#define GEMM_WGMMA_B_STAGE_BYTES (GEMM_WGMMA_BLOCK_N * GEMM_WGMMA_ROW_BYTES)

static_assert(GEMM_WGMMA_BLOCK_K * WGMMA_ELEM_BYTES == GEMM_WGMMA_ROW_BYTES,
              "a K slice is one 128-byte swizzle row");
static_assert(GEMM_WGMMA_WARPS_N == 1 && GEMM_WGMMA_WARPS_M % 4 == 0, "consumers are whole warpgroups along M");
static_assert(GEMM_WGMMA_BLOCK_M == 64 * GEMM_WGMMA_CONSUMERS, "each consumer warpgroup owns 64 rows");
static_assert(GEMM_WGMMA_BLOCK_N % 128 == 0 && GEMM_WGMMA_BLOCK_N <= 256, "BLOCK_N: 128 or 256");
static_assert(GEMM_WGMMA_STAGES >= 2, "a ring needs at least 2 stages");
static_assert(GEMM_WGMMA_GROUP_M >= 1, "GROUP_M counts tile rows");

// The tile origin of persistent tile number `tile` of a (tiles_m × tiles_n) grid of tiles,
// numbered group by group of GROUP_M tile rows (the last group shorter), columns outer.
__device__ __forceinline__ void gemm_wgmma_tile_origin(int tile, int tiles_m, int tiles_n, int& m0, int& n0) {
  const int group_size = GEMM_WGMMA_GROUP_M * tiles_n;
  const int first_row = (tile / group_size) * GEMM_WGMMA_GROUP_M;
  const int group_rows = min(tiles_m - first_row, GEMM_WGMMA_GROUP_M);
  const int in_group = tile % group_size;
  m0 = (first_row + in_group % group_rows) * GEMM_WGMMA_BLOCK_M;
  n0 = (in_group / group_rows) * GEMM_WGMMA_BLOCK_N;
}

// M, N, K: the problem; alpha, beta: fp32 scalars (beta == 0 never reads C); a_map: A (M, K)
// row-major, box (BLOCK_M, BLOCK_K), 128-byte swizzle; b_map: B (N, K) row-major, box
// (BLOCK_N, BLOCK_K), 128-byte swizzle; c: (M, N) row-major, written.
extern "C" __global__ void __launch_bounds__(GEMM_WGMMA_THREADS, 1)
gemm_wgmma(int M, int N, int K, float alpha, float beta, const __grid_constant__ TensorMap2d a_map,
           const __grid_constant__ TensorMap2d b_map, wgmma_out_t* __restrict__ c) {
  extern __shared__ __align__(1024) unsigned char gemm_smem[];
  // The swizzle atoms need 1024-byte alignment, which the dynamic window does not promise.
  const unsigned base = (smem_address(gemm_smem) + 1023u) & ~1023u;
  const unsigned a_s = base;
  const unsigned b_s = a_s + GEMM_WGMMA_STAGES * GEMM_WGMMA_A_STAGE_BYTES;
  const unsigned bars = b_s + GEMM_WGMMA_STAGES * GEMM_WGMMA_B_STAGE_BYTES;
#define GEMM_WGMMA_FULL(s) (bars + 8u * static_cast<unsigned>(s))
#define GEMM_WGMMA_EMPTY(s) (bars + 8u * static_cast<unsigned>(GEMM_WGMMA_STAGES + (s)))

  const int tid = static_cast<int>(threadIdx.x);
  const int warpgroup = tid / 128;
  if (tid == 0) {
    for (int s = 0; s < GEMM_WGMMA_STAGES; ++s) {
      mbarrier_init(GEMM_WGMMA_FULL(s), 1);                       // the producer's expect_tx arrival
      mbarrier_init(GEMM_WGMMA_EMPTY(s), GEMM_WGMMA_CONSUMERS * 4);  // one arrival per consumer warp
    }
    mbarrier_init_fence();
  }
  __syncthreads();

  const int tiles_m = (M + GEMM_WGMMA_BLOCK_M - 1) / GEMM_WGMMA_BLOCK_M;
  const int tiles_n = (N + GEMM_WGMMA_BLOCK_N - 1) / GEMM_WGMMA_BLOCK_N;
  const int tiles = tiles_m * tiles_n;
  const int k_tiles = (K + GEMM_WGMMA_BLOCK_K - 1) / GEMM_WGMMA_BLOCK_K;

  // Every thread of both roles walks the same (tile, K slice) sequence, so the ring's stage
  // and phase stay in step: stage s is filled for the i-th time in phase (i % 2).
  if (warpgroup == 0) {
    setmaxnreg_dec<40>();
    if (tid != 0) return;
    int stage = 0;
    unsigned phase = 0;
    for (int tile = static_cast<int>(blockIdx.x); tile < tiles; tile += static_cast<int>(gridDim.x)) {
      int m0 = 0, n0 = 0;
      gemm_wgmma_tile_origin(tile, tiles_m, tiles_n, m0, n0);
      for (int kt = 0; kt < k_tiles; ++kt) {
        mbarrier_wait(GEMM_WGMMA_EMPTY(stage), phase ^ 1u);  // consumers are done with the stage's last fill
        mbarrier_arrive_expect_tx(GEMM_WGMMA_FULL(stage), GEMM_WGMMA_A_STAGE_BYTES + GEMM_WGMMA_B_STAGE_BYTES);
        tma_load_2d(a_s + static_cast<unsigned>(stage * GEMM_WGMMA_A_STAGE_BYTES), &a_map, kt * GEMM_WGMMA_BLOCK_K, m0,
                    GEMM_WGMMA_FULL(stage));
        tma_load_2d(b_s + static_cast<unsigned>(stage * GEMM_WGMMA_B_STAGE_BYTES), &b_map, kt * GEMM_WGMMA_BLOCK_K, n0,
                    GEMM_WGMMA_FULL(stage));
        if (++stage == GEMM_WGMMA_STAGES) {
          stage = 0;
          phase ^= 1u;
        }
      }
    }
    return;
  }

  setmaxnreg_inc<232>();
  const int consumer = warpgroup - 1;  // rows 64 · consumer .. + 64 of the tile
  const int warp = (tid % 128) / 32;   // rows 16 · warp .. + 16 of those
  const int lane = tid % 32;
  const bool arrives = lane == 0;  // the thread that releases stages for its warp
  int stage = 0;
  unsigned phase = 0;
  // acc: (N_PARTS) blocks of 64 × 128, 64 fp32 per thread each (layout at wgmma_m64n128).
  float acc[GEMM_WGMMA_N_PARTS][64];
  for (int tile = static_cast<int>(blockIdx.x); tile < tiles; tile += static_cast<int>(gridDim.x)) {
    int m0 = 0, n0 = 0;
    gemm_wgmma_tile_origin(tile, tiles_m, tiles_n, m0, n0);
#pragma unroll
    for (int p = 0; p < GEMM_WGMMA_N_PARTS; ++p)
#pragma unroll
      for (int e = 0; e < 64; ++e) acc[p][e] = 0.0f;

    int previous = -1;  // the stage the last K slice's wgmma read
    for (int kt = 0; kt < k_tiles; ++kt) {
      mbarrier_wait(GEMM_WGMMA_FULL(stage), phase);
      const unsigned a_rows = a_s + static_cast<unsigned>(stage * GEMM_WGMMA_A_STAGE_BYTES + consumer * 64 * GEMM_WGMMA_ROW_BYTES);
      const unsigned b_rows = b_s + static_cast<unsigned>(stage * GEMM_WGMMA_B_STAGE_BYTES);
      wgmma_fence();
#pragma unroll
      for (int kk = 0; kk < GEMM_WGMMA_BLOCK_K / WGMMA_K; ++kk) {
        const unsigned k_bytes = static_cast<unsigned>(kk * WGMMA_K * WGMMA_ELEM_BYTES);
        const unsigned long long a_desc = wgmma_descriptor(a_rows + k_bytes);
#pragma unroll
        for (int p = 0; p < GEMM_WGMMA_N_PARTS; ++p)
          wgmma_m64n128(acc[p], a_desc, wgmma_descriptor(b_rows + static_cast<unsigned>(p * 128 * GEMM_WGMMA_ROW_BYTES) + k_bytes));
      }
      wgmma_commit();
      // At most this slice's group pending: the previous slice's wgmma have read their stage.
      wgmma_wait<1>();
      if (previous >= 0 && arrives) mbarrier_arrive(GEMM_WGMMA_EMPTY(previous));
      previous = stage;
      if (++stage == GEMM_WGMMA_STAGES) {
        stage = 0;
        phase ^= 1u;
      }
    }
    wgmma_wait<0>();
#pragma unroll
    for (int p = 0; p < GEMM_WGMMA_N_PARTS; ++p)
#pragma unroll
      for (int e = 0; e < 64; ++e) wgmma_fence_operand(acc[p][e]);
    if (previous >= 0 && arrives) mbarrier_arrive(GEMM_WGMMA_EMPTY(previous));

    // Epilogue: element e of part p is D[16 · warp + g + 8 · ((e / 2) % 2)][128 · p + 8 · (e / 4) + 2t + e % 2]
    // of this warpgroup's 64 rows (g = lane / 4, t = lane % 4): elements e and e + 1 (e even)
    // are a column pair, stored as one word when both columns exist and N is even (the
    // column is even, so the pair is aligned).
    const int g = lane / 4;
    const int t = lane % 4;
    const bool pair_ok = (N % 2) == 0;
#pragma unroll
    for (int p = 0; p < GEMM_WGMMA_N_PARTS; ++p) {
#pragma unroll
      for (int e = 0; e < 64; e += 2) {
        const int row = m0 + consumer * 64 + warp * 16 + g + 8 * ((e / 2) % 2);
        const int col = n0 + p * 128 + 8 * (e / 4) + 2 * t;
        if (row >= M || col >= N) continue;
        wgmma_out_t* const out = c + static_cast<long long>(row) * N + col;
        const bool both = col + 1 < N;
        float v0 = alpha * acc[p][e];
        float v1 = alpha * acc[p][e + 1];
        if (beta != 0.0f) {
          v0 += beta * from_out(out[0]);
          if (both) v1 += beta * from_out(out[1]);
        }
        if (pair_ok && both) {
          store_out2(out, v0, v1);
        } else {
          out[0] = to_out(v0);
          if (both) out[1] = to_out(v1);
        }
      }
    }
  }
#undef GEMM_WGMMA_FULL
#undef GEMM_WGMMA_EMPTY
}
