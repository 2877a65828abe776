// gemm_mma_sync: tensor-core GEMM for NVIDIA sm_80 and later (native tier, CUDA only).
//
//   C(M, N) = alpha · A(M, K) · B(K, N) + beta · C(M, N)      all row-major, dense
//
// Inputs fp16 (SUANLI_DTYPE_FP16) or bf16 (SUANLI_DTYPE_BF16), fp32 accumulation in the
// tensor cores (mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32), output
// in the input type (rounded to nearest once, from the fp32 accumulator), as the vendor
// tier's cuBLAS GemmEx call does. Or tf32 (SUANLI_DTYPE_TF32): fp32 in memory and out,
// each operand rounded to tf32 in registers (cvt.rna) for mma.m16n8k8.tf32, as cuBLAS's
// tf32 mode does. Or int8 (SUANLI_DTYPE_INT8): mma.m16n8k32.s8 with int32 accumulation and
// int32 output, B given as (N, K) row-major (the "TN" layout of cuBLASLt's int8 GEMM), so
// both operands come out of shared memory by plain ldmatrix.
//
// Structure:
//   - one block of GEMM_MMA_WARPS_M × GEMM_MMA_WARPS_N warps per (BLOCK_M × BLOCK_N) tile
//     of C; grid = (ceil(N / BLOCK_N), ceil(M / BLOCK_M));
//   - K is walked in BLOCK_K slices through a GEMM_MMA_STAGES-deep ring of shared-memory
//     buffers filled by cp.async (16-byte copies that bypass L1, .cg), so the loads of
//     slice kt + STAGES - 1 are in flight while slice kt is multiplied;
//   - each warp owns a (WARP_M × WARP_N) sub-tile: fragments come out of shared memory by
//     ldmatrix (A as stored; B with .trans, because B is (K, N) row-major and the mma's B
//     operand wants each thread's two K-consecutive elements in one register). tf32's B
//     operand is one element per register, which ldmatrix (16-bit granules) cannot
//     transpose: it is read from shared memory element by element (conflict-free, see pitch).
//
// Edges: any M, N, K. Out-of-range rows / columns / K positions are zero-filled in shared
// memory (cp.async with src-size 0 reads nothing and writes zeros), so the K tail adds
// zeros to the sums; stores are guarded. 16-byte cp.async needs every row of A and B to
// start on a 16-byte boundary, i.e. K and N multiples of 8 (16-bit) or 4 (tf32) (the buffers
// themselves are 256-byte aligned by cuMemAlloc): compiled with GEMM_MMA_ROWS_16B=1 the harness uses
// that path only for such shapes; with GEMM_MMA_ROWS_16B=0 the tiles are loaded element
// by element with plain guarded loads (any leading dimension, slower, same pipeline).
//
// Dynamic shared memory: GEMM_MMA_STAGES × (BLOCK_M × (BLOCK_K + CHUNK) + BLOCK_K × (BLOCK_N + 8))
// × element bytes (75776 bytes at the 16-bit defaults, CHUNK = 8; tf32: CHUNK = 4, BLOCK_K
// 16, the same 75776), passed at launch (harness/native_gemm.cpp computes the same number).
// A's rows are padded by 16 bytes: consecutive rows move by 16 bytes modulo 128, so the 8
// row addresses of each ldmatrix 8×8 matrix fall in 8 distinct 16-byte bank groups (no bank
// conflicts) while every row stays 16-byte aligned for cp.async. B's by 8 elements: 16 bytes
// for ldmatrix as A; for tf32's element reads (lane (g, t) reads word t·(BLOCK_N + 8) + g)
// 8 words, so the 32 lanes hit 32 distinct banks.
//
// The element type (mma_elem_t), the PTX wrappers and the conversions come from
// kernels/cuda/mma_sync_common.cuh, which the harness prepends (the catalog's prelude). The
// CUDA backend prepends its dialect preamble (kernels/dialect/cuda.h) to that, as to every
// kernel. That is harmless: it only defines macros and small templates, none of whose names
// these files use, and includes cuda_fp16.h, which the prelude includes anyway.
//
// MMA_SYNC_HOST_EMULATION (tests only, tests/test_gemm_mma_emulated.cpp): the file is
// compiled as host C++ with the prelude's names supplied by a software model of the warp
// (tests/mma_sync_emulation.h), so the tiling, pipeline, fragment and edge logic is tested
// without a GPU. The device build never defines it.

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Output tile per block. 128 × 128 gives each of the 8 warps a 64 × 32 sub-tile: 64 fp32
// accumulators per thread, 4 A and 4 B fragments per 16-wide K step.
#ifndef GEMM_MMA_BLOCK_M
#define GEMM_MMA_BLOCK_M 128
#endif
#ifndef GEMM_MMA_BLOCK_N
#define GEMM_MMA_BLOCK_N 128
#endif
// K slice per pipeline stage: a multiple of the mma's K (16; tf32: 8; int8: 32). 64 bytes
// of each row: 32 16-bit elements, 16 tf32, 64 int8 -- the same stage bytes for A.
#ifndef GEMM_MMA_BLOCK_K
#define GEMM_MMA_BLOCK_K (64 / (int)sizeof(mma_bits_t))  // 64 bytes of each row per stage
#endif
// Warps per block along M and N; the warp tile is BLOCK_M / WARPS_M × BLOCK_N / WARPS_N.
#ifndef GEMM_MMA_WARPS_M
#define GEMM_MMA_WARPS_M 2
#endif
#ifndef GEMM_MMA_WARPS_N
#define GEMM_MMA_WARPS_N 4
#endif
// Shared-memory pipeline depth: STAGES - 1 slices are in flight while one is multiplied.
// 3 hides the load latency on A100 at this tile; 4 (default) leaves headroom for H100's
// faster tensor cores. Shared memory grows linearly (18944 bytes per stage here).
#ifndef GEMM_MMA_STAGES
#define GEMM_MMA_STAGES 4
#endif
// Block order: blocks run roughly in launch order (x fastest), and in plain row order the
// blocks in flight at once span few rows of C tiles but every column, so all of B streams
// through L2 for each tile row (8192^3 fp16: 128 MiB of B per tile row, more than any L2).
// Launch order is instead walked in groups of GROUP_M tile rows, column by column within a
// group, so the blocks in flight share GROUP_M panels of A and few panels of B. 1: plain order.
#ifndef GEMM_MMA_GROUP_M
#define GEMM_MMA_GROUP_M 8
#endif
// 1: K and N multiples of CHUNK (rows 16-byte aligned), tiles loaded by 16-byte cp.async;
// 0: element-wise guarded loads for any leading dimension.
#ifndef GEMM_MMA_ROWS_16B
#define GEMM_MMA_ROWS_16B 1
#endif

#define GEMM_MMA_THREADS (GEMM_MMA_WARPS_M * GEMM_MMA_WARPS_N * 32)
#define GEMM_MMA_WARP_M (GEMM_MMA_BLOCK_M / GEMM_MMA_WARPS_M)
#define GEMM_MMA_WARP_N (GEMM_MMA_BLOCK_N / GEMM_MMA_WARPS_N)
#define GEMM_MMA_FRAG_M (GEMM_MMA_WARP_M / 16)  // m16 tiles per warp
#define GEMM_MMA_FRAG_N (GEMM_MMA_WARP_N / 8)   // n8 tiles per warp
// Row pitches in elements (see the padding note above).
#define GEMM_MMA_A_PITCH (GEMM_MMA_BLOCK_K + MMA_SYNC_CHUNK)
// int8 keeps B as (N, K) (K-contiguous, as the s8 mma's B operand wants four K-consecutive
// bytes per register, and as cuBLASLt's int8 TN GEMM takes it): its tile is (BLOCK_N, BLOCK_K),
// padded like A's.
#if defined(SUANLI_DTYPE_INT8)
#define GEMM_MMA_B_NK 1
#define GEMM_MMA_B_PITCH (GEMM_MMA_BLOCK_K + MMA_SYNC_CHUNK)
#define GEMM_MMA_B_STAGE (GEMM_MMA_BLOCK_N * GEMM_MMA_B_PITCH)
#else
#define GEMM_MMA_B_NK 0
#define GEMM_MMA_B_PITCH (GEMM_MMA_BLOCK_N + 8)
#define GEMM_MMA_B_STAGE (GEMM_MMA_BLOCK_K * GEMM_MMA_B_PITCH)
#endif
#define GEMM_MMA_A_STAGE (GEMM_MMA_BLOCK_M * GEMM_MMA_A_PITCH)

static_assert(GEMM_MMA_BLOCK_K % MMA_SYNC_K == 0, "BLOCK_K must be a multiple of the mma K");
static_assert(GEMM_MMA_BLOCK_M % (16 * GEMM_MMA_WARPS_M) == 0, "warp tile M must be a multiple of 16");
// B fragments are loaded two n8 tiles at a time (ldmatrix .x4 .trans).
static_assert(GEMM_MMA_BLOCK_N % (16 * GEMM_MMA_WARPS_N) == 0, "warp tile N must be a multiple of 16");
static_assert((GEMM_MMA_BLOCK_M * GEMM_MMA_BLOCK_K / MMA_SYNC_CHUNK) % GEMM_MMA_THREADS == 0,
              "the A slice must split into whole 16-byte chunks per thread");
static_assert((GEMM_MMA_BLOCK_K * GEMM_MMA_BLOCK_N / MMA_SYNC_CHUNK) % GEMM_MMA_THREADS == 0,
              "the B slice must split into whole 16-byte chunks per thread");
static_assert(GEMM_MMA_STAGES >= 2, "a pipeline needs at least 2 stages");
static_assert(GEMM_MMA_GROUP_M >= 1, "GROUP_M counts tile rows");


// ---- Tile loads (one pipeline stage) ----

// dst: (ROWS, PITCH) <- src[r0 .. r0+ROWS, c0 .. c0+COLS] of a (rows, cols) row-major
// matrix, zero outside it. Raw storage (mma_bits_t): the bits are copied, never converted.
// 16-byte path: cols a multiple of CHUNK, so a chunk is wholly inside or wholly outside.
// Element-wise path: consecutive threads read consecutive columns of one row (coalesced).
template <int ROWS, int COLS, int PITCH>
__device__ __forceinline__ void load_tile(mma_bits_t* dst, const mma_bits_t* src, int rows, int cols, int r0, int c0,
                                          int tid) {
#if GEMM_MMA_ROWS_16B
  constexpr int chunks_per_row = COLS / MMA_SYNC_CHUNK;
#pragma unroll
  for (int i = 0; i < ROWS * chunks_per_row / GEMM_MMA_THREADS; ++i) {
    const int chunk = tid + i * GEMM_MMA_THREADS;
    const int r = chunk / chunks_per_row;
    const int c = (chunk % chunks_per_row) * MMA_SYNC_CHUNK;
    const bool in = (r0 + r < rows) && (c0 + c < cols);
    const mma_bits_t* from = in ? src + (static_cast<long long>(r0 + r) * cols + (c0 + c)) : src;
    cp_async_16(smem_address(dst + r * PITCH + c), from, in ? 16 : 0);
  }
#else
#pragma unroll 4
  for (int i = 0; i < ROWS * COLS / GEMM_MMA_THREADS; ++i) {
    const int e = tid + i * GEMM_MMA_THREADS;
    const int r = e / COLS;
    const int c = e % COLS;
    const bool in = (r0 + r < rows) && (c0 + c < cols);
    dst[r * PITCH + c] = in ? src[static_cast<long long>(r0 + r) * cols + (c0 + c)] : (mma_bits_t)0;
  }
#endif
}

// a_s: (BLOCK_M, A_PITCH) <- a[m0 .. m0+BLOCK_M, k0 .. k0+BLOCK_K], zero outside (M, K).
// b_s: (BLOCK_K, B_PITCH) <- b[k0 .. k0+BLOCK_K, n0 .. n0+BLOCK_N], zero outside (K, N);
//      int8 (B stored (N, K)): (BLOCK_N, B_PITCH) <- b[n0 .. n0+BLOCK_N, k0 .. k0+BLOCK_K].
__device__ __forceinline__ void load_stage(mma_bits_t* a_s, mma_bits_t* b_s, const mma_bits_t* a,
                                           const mma_bits_t* b, int M, int N, int K, int m0, int n0, int k0,
                                           int tid) {
  load_tile<GEMM_MMA_BLOCK_M, GEMM_MMA_BLOCK_K, GEMM_MMA_A_PITCH>(a_s, a, M, K, m0, k0, tid);
#if GEMM_MMA_B_NK
  load_tile<GEMM_MMA_BLOCK_N, GEMM_MMA_BLOCK_K, GEMM_MMA_B_PITCH>(b_s, b, N, K, n0, k0, tid);
#else
  load_tile<GEMM_MMA_BLOCK_K, GEMM_MMA_BLOCK_N, GEMM_MMA_B_PITCH>(b_s, b, K, N, k0, n0, tid);
#endif
}

// ---- The kernel ----

// M, N, K: the problem; alpha, beta: fp32 scalars (beta == 0 never reads C, which may hold
// poison); a: (M, K) row-major; b: (K, N) row-major (int8: (N, K) row-major); c: (M, N)
// row-major, written (int8: int32).
extern "C" __global__ void __launch_bounds__(GEMM_MMA_THREADS)
gemm_mma_sync(int M, int N, int K, float alpha, float beta, const mma_elem_t* __restrict__ a,
              const mma_elem_t* __restrict__ b, mma_out_t* __restrict__ c) {
  // int8: integer alpha and beta (the harness passes 1 and 0), applied in int32 as cuBLASLt's
  // int32 scale type does.
  const mma_acc_t alpha_acc = static_cast<mma_acc_t>(alpha);
  const mma_acc_t beta_acc = static_cast<mma_acc_t>(beta);
  // smem: STAGES × a_s (BLOCK_M, A_PITCH), then STAGES × b_s (BLOCK_K, B_PITCH), raw bits.
  extern __shared__ __align__(128) unsigned char gemm_smem[];
  mma_bits_t* const a_smem = reinterpret_cast<mma_bits_t*>(gemm_smem);
  mma_bits_t* const b_smem = a_smem + GEMM_MMA_STAGES * GEMM_MMA_A_STAGE;
  const mma_bits_t* const a_bits = reinterpret_cast<const mma_bits_t*>(a);
  const mma_bits_t* const b_bits = reinterpret_cast<const mma_bits_t*>(b);

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid % 32;
  const int warp = tid / 32;
  const int warp_m = warp / GEMM_MMA_WARPS_N;  // warp row in the block
  const int warp_n = warp % GEMM_MMA_WARPS_N;
  // This block's tile of C (see GEMM_MMA_GROUP_M): the launch index, renumbered group by
  // group; a bijection on the grid, the last group being shorter when the rows run out.
  const int tiles_n = static_cast<int>(gridDim.x);
  const int tiles_m = static_cast<int>(gridDim.y);
  const int launch = static_cast<int>(blockIdx.y) * tiles_n + static_cast<int>(blockIdx.x);
  const int group_size = GEMM_MMA_GROUP_M * tiles_n;  // blocks per group of tile rows
  const int first_row = (launch / group_size) * GEMM_MMA_GROUP_M;
  const int group_rows = min(tiles_m - first_row, GEMM_MMA_GROUP_M);
  const int in_group = launch % group_size;
  const int m0 = (first_row + in_group % group_rows) * GEMM_MMA_BLOCK_M;
  const int n0 = (in_group / group_rows) * GEMM_MMA_BLOCK_N;

  // acc: (FRAG_M, FRAG_N) mma tiles of 16 × 8, 4 fp32 per thread each (layout at mma_m16n8).
  mma_acc_t acc[GEMM_MMA_FRAG_M][GEMM_MMA_FRAG_N][4];
#pragma unroll
  for (int i = 0; i < GEMM_MMA_FRAG_M; ++i)
#pragma unroll
    for (int j = 0; j < GEMM_MMA_FRAG_N; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[i][j][e] = 0;

  const int k_tiles = (K + GEMM_MMA_BLOCK_K - 1) / GEMM_MMA_BLOCK_K;

  // Prologue: slices 0 .. STAGES-2 in flight, one commit group each (empty past the end,
  // so the group count below stays exact).
#pragma unroll
  for (int s = 0; s < GEMM_MMA_STAGES - 1; ++s) {
    if (s < k_tiles)
      load_stage(a_smem + s * GEMM_MMA_A_STAGE, b_smem + s * GEMM_MMA_B_STAGE, a_bits, b_bits, M, N, K, m0, n0,
                 s * GEMM_MMA_BLOCK_K, tid);
    cp_async_commit();
  }

  // ldmatrix row addresses of this lane (see ldmatrix_x4): A rows lane % 16 of a 16-row
  // tile, column half lane / 16 (a 16-byte chunk: K columns (lane / 16) · CHUNK); B (K-rows)
  // lane % 16 of a 16-deep slice, n8 tile lane / 16. tf32's element-wise B reads: row t
  // (and t + 4) of the 8-deep step, column g of each n8 tile.
  const int a_row = warp_m * GEMM_MMA_WARP_M + lane % 16;
  const int a_col = (lane / 16) * MMA_SYNC_CHUNK;
#if GEMM_MMA_B_NK
  // B as (N, K) rows: lane names n row (lane / 16) · 8 + lane % 8 of a 16-row pair of n8
  // tiles, K half (lane / 8) % 2 (as attention's K operand).
  const int b_row = warp_n * GEMM_MMA_WARP_N + (lane / 16) * 8 + lane % 8;
  const int b_col = ((lane / 8) % 2) * MMA_SYNC_CHUNK;
#elif MMA_SYNC_K == 16
  const int b_row = lane % 16;
  const int b_col = warp_n * GEMM_MMA_WARP_N + (lane / 16) * 8;
#else
  const int b_row = lane % 4;
  const int b_col = warp_n * GEMM_MMA_WARP_N + lane / 4;
#endif

  for (int kt = 0; kt < k_tiles; ++kt) {
    // Groups committed so far: STAGES - 1 + kt; at most STAGES - 2 pending means slice kt
    // has landed (for this thread); the barrier makes every thread's copies visible and
    // tells everyone that stage (kt - 1) % STAGES is no longer being read.
    cp_async_wait<GEMM_MMA_STAGES - 2>();
    __syncthreads();

    const int next = kt + GEMM_MMA_STAGES - 1;
    if (next < k_tiles) {
      const int s = next % GEMM_MMA_STAGES;
      load_stage(a_smem + s * GEMM_MMA_A_STAGE, b_smem + s * GEMM_MMA_B_STAGE, a_bits, b_bits, M, N, K, m0, n0,
                 next * GEMM_MMA_BLOCK_K, tid);
    }
    cp_async_commit();

    const mma_bits_t* const a_s = a_smem + (kt % GEMM_MMA_STAGES) * GEMM_MMA_A_STAGE;
    const mma_bits_t* const b_s = b_smem + (kt % GEMM_MMA_STAGES) * GEMM_MMA_B_STAGE;
#pragma unroll
    for (int kk = 0; kk < GEMM_MMA_BLOCK_K; kk += MMA_SYNC_K) {
      // a_frag[i]: rows 16·i .. +16 of the warp tile, K columns kk .. kk+MMA_SYNC_K.
      unsigned a_frag[GEMM_MMA_FRAG_M][4];
#pragma unroll
      for (int i = 0; i < GEMM_MMA_FRAG_M; ++i) {
        ldmatrix_x4(a_frag[i], smem_address(a_s + (a_row + i * 16) * GEMM_MMA_A_PITCH + kk + a_col));
#pragma unroll
        for (int e = 0; e < 4; ++e) a_frag[i][e] = mma_operand(a_frag[i][e]);
      }
      // b_frag[j]: K rows kk .. kk+MMA_SYNC_K, columns 8·j .. +8 of the warp tile.
      unsigned b_frag[GEMM_MMA_FRAG_N][2];
#if GEMM_MMA_B_NK
      // One .x4 (no .trans: B is stored K-contiguous) gives two n8 tiles: matrices 0, 1 = K
      // halves of tile j, 2, 3 of tile j + 1.
#pragma unroll
      for (int j = 0; j < GEMM_MMA_FRAG_N; j += 2) {
        unsigned r[4];
        ldmatrix_x4(r, smem_address(b_s + (b_row + j * 8) * GEMM_MMA_B_PITCH + kk + b_col));
        b_frag[j][0] = r[0];
        b_frag[j][1] = r[1];
        b_frag[j + 1][0] = r[2];
        b_frag[j + 1][1] = r[3];
      }
#elif MMA_SYNC_K == 16
      // One .x4.trans gives two n8 tiles: matrices 0, 1 = K halves of tile j, 2, 3 of tile j + 1.
#pragma unroll
      for (int j = 0; j < GEMM_MMA_FRAG_N; j += 2) {
        unsigned r[4];
        ldmatrix_x4_trans(r, smem_address(b_s + (kk + b_row) * GEMM_MMA_B_PITCH + b_col + j * 8));
        b_frag[j][0] = r[0];
        b_frag[j][1] = r[1];
        b_frag[j + 1][0] = r[2];
        b_frag[j + 1][1] = r[3];
      }
#else
      // b[0] = B[t][g], b[1] = B[t + 4][g] of each n8 tile.
#pragma unroll
      for (int j = 0; j < GEMM_MMA_FRAG_N; ++j) {
        b_frag[j][0] = mma_operand(b_s[(kk + b_row) * GEMM_MMA_B_PITCH + b_col + j * 8]);
        b_frag[j][1] = mma_operand(b_s[(kk + b_row + 4) * GEMM_MMA_B_PITCH + b_col + j * 8]);
      }
#endif
#pragma unroll
      for (int i = 0; i < GEMM_MMA_FRAG_M; ++i)
#pragma unroll
        for (int j = 0; j < GEMM_MMA_FRAG_N; ++j) mma_m16n8(acc[i][j], a_frag[i], b_frag[j][0], b_frag[j][1]);
    }
  }
  cp_async_wait<0>();  // only empty groups can be pending here; leave none behind

  // Epilogue: d[0..1] at (row g, cols 2t, 2t+1), d[2..3] at (row g + 8, same cols) of each
  // 16 × 8 tile. Pairs are stored as one 32-bit word when both columns exist and the word
  // is aligned (N even: the column is always even).
  const int g = lane / 4;
  const int t = lane % 4;
  const bool pair_ok = (N % 2) == 0;
#pragma unroll
  for (int i = 0; i < GEMM_MMA_FRAG_M; ++i) {
#pragma unroll
    for (int j = 0; j < GEMM_MMA_FRAG_N; ++j) {
      const int col = n0 + warp_n * GEMM_MMA_WARP_N + j * 8 + 2 * t;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = m0 + warp_m * GEMM_MMA_WARP_M + i * 16 + g + h * 8;
        if (row >= M) continue;
        mma_out_t* const out = c + static_cast<long long>(row) * N + col;
        mma_acc_t v0 = alpha_acc * acc[i][j][2 * h];
        mma_acc_t v1 = alpha_acc * acc[i][j][2 * h + 1];
        if (beta != 0.0f) {
          if (col < N) v0 += beta_acc * from_out(out[0]);
          if (col + 1 < N) v1 += beta_acc * from_out(out[1]);
        }
        if (pair_ok && col + 1 < N) {
          *reinterpret_cast<mma_out2_t*>(out) = to_out2(v0, v1);
        } else {
          if (col < N) out[0] = to_out(v0);
          if (col + 1 < N) out[1] = to_out(v1);
        }
      }
    }
  }
}
