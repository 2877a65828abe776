// gemm_mfma: matrix-core GEMM for AMD CDNA (gfx908 / MI100, gfx90a / MI200, gfx942 / MI300),
// native tier, HIP only.
//
//   C(M, N) = alpha · A(M, K) · B(K, N) + beta · C(M, N)      all row-major, dense
//
// Inputs fp16 (SUANLI_DTYPE_FP16) or bf16 (SUANLI_DTYPE_BF16), fp32 accumulation in the
// matrix cores, output in the input type (rounded to nearest even once, from the fp32
// accumulator). The instruction is the 32 × 32 × 8 MFMA of one wavefront (64 lanes):
//   fp16:              v_mfma_f32_32x32x8f16       (__builtin_amdgcn_mfma_f32_32x32x8f16)
//   bf16 gfx90a/gfx942: v_mfma_f32_32x32x8bf16_1k  (__builtin_amdgcn_mfma_f32_32x32x8bf16_1k)
//   bf16 gfx908:       two v_mfma_f32_32x32x4bf16 (the "_1k" form does not exist there; see
//                      mfma_32x32x8 for why two K = 4 halves make the same product)
//
// Register layout (AMD Matrix Instruction Calculator, CDNA "32x32x8" with one block),
// lane l = 0..63, element e = 0..3 of the lane's 4-wide 16-bit vector:
//   A fragment: A[l % 32][4 · (l / 32) + e]         (32 rows × 8 K)
//   B fragment: B[4 · (l / 32) + e][l % 32]         (8 K × 32 columns)
//   D register r = 0..15: D[8 · (r / 4) + 4 · (l / 32) + r % 4][l % 32]
// So a lane's A and B elements are 4 consecutive K positions: A is read as stored (row-major
// (m, k)), and B is kept transposed in LDS, (n, k), so both fragments are one 8-byte read.
//
// Structure:
//   - one block of GEMM_MFMA_WARPS_M × GEMM_MFMA_WARPS_N wavefronts per BLOCK_M × BLOCK_N
//     tile of C; grid = (ceil(N / BLOCK_N), ceil(M / BLOCK_M));
//   - each wavefront owns a WAVE_M × WAVE_N sub-tile, i.e. (WAVE_M / 32) × (WAVE_N / 32)
//     MFMA tiles of 16 fp32 accumulators per lane (64 at the defaults);
//   - K is walked in BLOCK_K slices through two LDS buffers: the next slice is loaded from
//     global memory into registers before the current one is multiplied, and written to the
//     other buffer after, so one barrier per slice suffices and the global latency overlaps
//     the MFMAs.
//
// Edges: any M, N, K. Tiles are loaded in runs of 4 elements: an 8-byte load when the run is
// wholly inside the matrix and 8-byte aligned (K or N a multiple of 4, typically), element
// by element with zeros outside the matrix otherwise, so the K tail adds zeros to the sums.
// Stores are guarded; beta == 0 never reads C (it may hold the harness's NaN poison).
//
// Dynamic LDS: 2 × (BLOCK_M + BLOCK_N) × (BLOCK_K + PAD) × 2 bytes (36,864 bytes at the
// defaults), passed at launch (kernels/native_catalog.cpp computes the same number).
//
// The fragment types, element conversions and mfma_32x32x8 (per dtype and arch) come from
// kernels/hip/mfma_common.hip, which the native catalog prepends (shared with
// attention_mfma.hip).
//
// The HIP backend prepends kernels/dialect/hip.h to this file as to every kernel: harmless,
// it defines macros (KERNEL, LOCAL, BARRIER, local_id, ...), the half_t / half2_t typedefs
// and SuanliVec templates, none of whose names this file uses, and includes nothing.
//
// GEMM_MFMA_HOST_EMULATION (tests only, tests/test_gemm_mfma_emulated.cpp): the file is
// compiled as host C++ with the types, loads and MFMA builtins below supplied by a software
// model of the wavefront (tests/gemm_mfma_emulation.h). The device build never defines it.

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Output tile per block. 128 × 128 with 2 × 2 wavefronts gives each a 64 × 64 sub-tile: 2 × 2
// MFMA tiles, 64 fp32 accumulators per lane (AccVGPRs on gfx908), 4 A and 4 B reads of 8
// bytes per 8-deep K step for 4 MFMAs.
#ifndef GEMM_MFMA_BLOCK_M
#define GEMM_MFMA_BLOCK_M 128
#endif
#ifndef GEMM_MFMA_BLOCK_N
#define GEMM_MFMA_BLOCK_N 128
#endif
// K slice per LDS buffer: a multiple of the MFMA's K (8) and of the 4-element load runs.
#ifndef GEMM_MFMA_BLOCK_K
#define GEMM_MFMA_BLOCK_K 32
#endif
// Wavefronts per block along M and N (named WARPS as in the CUDA kernel, so the native
// table describes both alike); the wavefront tile is BLOCK_M / WARPS_M × BLOCK_N / WARPS_N.
#ifndef GEMM_MFMA_WARPS_M
#define GEMM_MFMA_WARPS_M 2
#endif
#ifndef GEMM_MFMA_WARPS_N
#define GEMM_MFMA_WARPS_N 2
#endif
// LDS buffers: the register-prefetch scheme above needs exactly two.
#ifndef GEMM_MFMA_STAGES
#define GEMM_MFMA_STAGES 2
#endif
// Elements of padding per LDS row. 4 keeps every row 8-byte aligned for the fragment reads,
// and moves consecutive rows by 18 banks (of 32 four-byte banks) instead of 16, so the 32
// rows a fragment read touches spread over the banks instead of landing on two.
#ifndef GEMM_MFMA_PAD
#define GEMM_MFMA_PAD 4
#endif

#define GEMM_MFMA_THREADS (GEMM_MFMA_WARPS_M * GEMM_MFMA_WARPS_N * 64)
#define GEMM_MFMA_WAVE_M (GEMM_MFMA_BLOCK_M / GEMM_MFMA_WARPS_M)
#define GEMM_MFMA_WAVE_N (GEMM_MFMA_BLOCK_N / GEMM_MFMA_WARPS_N)
#define GEMM_MFMA_TILES_M (GEMM_MFMA_WAVE_M / 32)  // 32 × 32 MFMA tiles per wavefront
#define GEMM_MFMA_TILES_N (GEMM_MFMA_WAVE_N / 32)
#define GEMM_MFMA_PITCH (GEMM_MFMA_BLOCK_K + GEMM_MFMA_PAD)  // LDS row pitch, elements
#define GEMM_MFMA_A_STAGE (GEMM_MFMA_BLOCK_M * GEMM_MFMA_PITCH)
#define GEMM_MFMA_B_STAGE (GEMM_MFMA_BLOCK_N * GEMM_MFMA_PITCH)
// Runs of 4 elements each thread loads per slice.
#define GEMM_MFMA_A_RUNS (GEMM_MFMA_BLOCK_M * GEMM_MFMA_BLOCK_K / 4 / GEMM_MFMA_THREADS)
#define GEMM_MFMA_B_RUNS (GEMM_MFMA_BLOCK_K * GEMM_MFMA_BLOCK_N / 4 / GEMM_MFMA_THREADS)

static_assert(GEMM_MFMA_BLOCK_K % 8 == 0, "BLOCK_K must be a multiple of the MFMA K (8)");
static_assert(GEMM_MFMA_WAVE_M % 32 == 0 && GEMM_MFMA_WAVE_N % 32 == 0, "wavefront tiles are 32 x 32 MFMA tiles");
static_assert(GEMM_MFMA_A_RUNS * 4 * GEMM_MFMA_THREADS == GEMM_MFMA_BLOCK_M * GEMM_MFMA_BLOCK_K,
              "the A slice must split into whole 4-element runs per thread");
static_assert(GEMM_MFMA_B_RUNS * 4 * GEMM_MFMA_THREADS == GEMM_MFMA_BLOCK_K * GEMM_MFMA_BLOCK_N,
              "the B slice must split into whole 4-element runs per thread");
static_assert(GEMM_MFMA_STAGES == 2, "the kernel double-buffers LDS: exactly 2 stages");
static_assert(GEMM_MFMA_PAD % 4 == 0, "rows must stay 8-byte aligned");

// ---- Tile loads (one slice, global -> registers -> LDS) ----

// Four elements of a row starting at column `col` of a (rows, cols) row-major matrix; zero
// outside it. One 8-byte load when the run is inside and aligned.
__device__ inline unsigned long long load_run(const unsigned short* m, int rows, int cols, int row, int col) {
  if (row >= rows) return 0;
  const unsigned short* p = m + static_cast<long long>(row) * cols + col;
  if (col + 4 <= cols && aligned_u64(p)) return load_u64(p);
  unsigned long long v = 0;
  for (int e = 0; e < 4; ++e)
    if (col + e < cols) v |= static_cast<unsigned long long>(p[e]) << (16 * e);
  return v;
}

// The slice k0 .. k0 + BLOCK_K of this block: A rows m0 .., B columns n0 .., into registers.
// A run: row r of the tile, K columns c .. c+3; B run: K row r, columns c .. c+3.
struct GemmMfmaSlice {
  unsigned long long a[GEMM_MFMA_A_RUNS];
  unsigned long long b[GEMM_MFMA_B_RUNS];
};

__device__ inline void load_slice(GemmMfmaSlice& s, const unsigned short* a, const unsigned short* b, int M, int N, int K,
                                  int m0, int n0, int k0, int tid) {
  // Consecutive threads take consecutive runs of a row: coalesced along the row.
  for (int i = 0; i < GEMM_MFMA_A_RUNS; ++i) {
    const int run = tid + i * GEMM_MFMA_THREADS;
    s.a[i] = load_run(a, M, K, m0 + run / (GEMM_MFMA_BLOCK_K / 4), k0 + (run % (GEMM_MFMA_BLOCK_K / 4)) * 4);
  }
  for (int i = 0; i < GEMM_MFMA_B_RUNS; ++i) {
    const int run = tid + i * GEMM_MFMA_THREADS;
    s.b[i] = load_run(b, K, N, k0 + run / (GEMM_MFMA_BLOCK_N / 4), n0 + (run % (GEMM_MFMA_BLOCK_N / 4)) * 4);
  }
}

// a_s: (BLOCK_M, PITCH) as A is stored; b_s: (BLOCK_N, PITCH), B transposed (column n of the
// tile is row n here), so a lane's 4 K-consecutive B elements are adjacent.
__device__ inline void store_slice(const GemmMfmaSlice& s, unsigned short* a_s, unsigned short* b_s, int tid) {
  for (int i = 0; i < GEMM_MFMA_A_RUNS; ++i) {
    const int run = tid + i * GEMM_MFMA_THREADS;
    store_u64(a_s + (run / (GEMM_MFMA_BLOCK_K / 4)) * GEMM_MFMA_PITCH + (run % (GEMM_MFMA_BLOCK_K / 4)) * 4, s.a[i]);
  }
  for (int i = 0; i < GEMM_MFMA_B_RUNS; ++i) {
    const int run = tid + i * GEMM_MFMA_THREADS;
    const int k = run / (GEMM_MFMA_BLOCK_N / 4);
    const int n = (run % (GEMM_MFMA_BLOCK_N / 4)) * 4;
    for (int e = 0; e < 4; ++e) b_s[(n + e) * GEMM_MFMA_PITCH + k] = static_cast<unsigned short>(s.b[i] >> (16 * e));
  }
}

// ---- The kernel ----

// M, N, K: the problem; alpha, beta: fp32 scalars (beta == 0 never reads C); a: (M, K)
// row-major; b: (K, N) row-major; c: (M, N) row-major, written. Elements are the 16-bit
// patterns of the dtype (fp16 or bf16).
extern "C" __global__ void __launch_bounds__(GEMM_MFMA_THREADS)
gemm_mfma(int M, int N, int K, float alpha, float beta, const unsigned short* __restrict__ a,
          const unsigned short* __restrict__ b, unsigned short* __restrict__ c) {
  // LDS: 2 × a_s (BLOCK_M, PITCH), then 2 × b_s (BLOCK_N, PITCH), 16-bit elements.
  extern __shared__ __attribute__((aligned(16))) unsigned char gemm_mfma_lds[];
  unsigned short* const a_lds = reinterpret_cast<unsigned short*>(gemm_mfma_lds);
  unsigned short* const b_lds = a_lds + 2 * GEMM_MFMA_A_STAGE;

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = lane_id();
  const int wave = tid / 64;
  const int wave_m = wave / GEMM_MFMA_WARPS_N;  // wavefront row in the block
  const int wave_n = wave % GEMM_MFMA_WARPS_N;
  const int m0 = static_cast<int>(blockIdx.y) * GEMM_MFMA_BLOCK_M;
  const int n0 = static_cast<int>(blockIdx.x) * GEMM_MFMA_BLOCK_N;

  // acc[i][j]: the MFMA tile of rows 32·i .., columns 32·j .. of this wavefront's sub-tile.
  gemm_acc_t acc[GEMM_MFMA_TILES_M][GEMM_MFMA_TILES_N];
  for (int i = 0; i < GEMM_MFMA_TILES_M; ++i)
    for (int j = 0; j < GEMM_MFMA_TILES_N; ++j)
      for (int r = 0; r < 16; ++r) acc[i][j][r] = 0.0f;

  const int k_tiles = (K + GEMM_MFMA_BLOCK_K - 1) / GEMM_MFMA_BLOCK_K;
  GemmMfmaSlice slice;
  load_slice(slice, a, b, M, N, K, m0, n0, 0, tid);
  store_slice(slice, a_lds, b_lds, tid);
  __syncthreads();

  // This lane's fragment rows: row l % 32 of each 32-row tile, K offset 4 · (l / 32).
  const int frag_row = lane % 32;
  const int frag_k = 4 * (lane / 32);
  for (int kt = 0; kt < k_tiles; ++kt) {
    const int buf = kt % 2;
    const bool more = kt + 1 < k_tiles;
    // Global loads of the next slice in flight while this one is multiplied.
    if (more) load_slice(slice, a, b, M, N, K, m0, n0, (kt + 1) * GEMM_MFMA_BLOCK_K, tid);

    const unsigned short* const a_s = a_lds + buf * GEMM_MFMA_A_STAGE;
    const unsigned short* const b_s = b_lds + buf * GEMM_MFMA_B_STAGE;
    for (int kk = 0; kk < GEMM_MFMA_BLOCK_K; kk += 8) {
      gemm_frag_t a_frag[GEMM_MFMA_TILES_M], b_frag[GEMM_MFMA_TILES_N];
      for (int i = 0; i < GEMM_MFMA_TILES_M; ++i)
        a_frag[i] = load_frag(a_s + (wave_m * GEMM_MFMA_WAVE_M + i * 32 + frag_row) * GEMM_MFMA_PITCH + kk + frag_k);
      for (int j = 0; j < GEMM_MFMA_TILES_N; ++j)
        b_frag[j] = load_frag(b_s + (wave_n * GEMM_MFMA_WAVE_N + j * 32 + frag_row) * GEMM_MFMA_PITCH + kk + frag_k);
      for (int i = 0; i < GEMM_MFMA_TILES_M; ++i)
        for (int j = 0; j < GEMM_MFMA_TILES_N; ++j) mfma_32x32x8(acc[i][j], a_frag[i], b_frag[j]);
    }

    // The other buffer was last read in iteration kt - 1, which every thread finished before
    // the barrier that ended it; this barrier publishes slice kt + 1 and retires buffer `buf`.
    if (more) store_slice(slice, a_lds + (1 - buf) * GEMM_MFMA_A_STAGE, b_lds + (1 - buf) * GEMM_MFMA_B_STAGE, tid);
    __syncthreads();
  }

  // Epilogue: register r of tile (i, j) is row 8·(r / 4) + 4·(l / 32) + r % 4, column l % 32;
  // the 32 lanes of a half-wavefront write 32 consecutive columns of one row.
  const int col_in_tile = lane % 32;
  const int row_in_group = 4 * (lane / 32);
  for (int i = 0; i < GEMM_MFMA_TILES_M; ++i) {
    for (int j = 0; j < GEMM_MFMA_TILES_N; ++j) {
      const int col = n0 + wave_n * GEMM_MFMA_WAVE_N + j * 32 + col_in_tile;
      if (col >= N) continue;
      for (int r = 0; r < 16; ++r) {
        const int row = m0 + wave_m * GEMM_MFMA_WAVE_M + i * 32 + 8 * (r / 4) + row_in_group + r % 4;
        if (row >= M) continue;
        unsigned short* const out = c + static_cast<long long>(row) * N + col;
        float v = alpha * acc[i][j][r];
        if (beta != 0.0f) v += beta * from_elem(*out);
        *out = to_elem(v);
      }
    }
  }
}
