// gemm_dot2: packed-dot GEMM for Vega 20 (gfx906: AMD MI50 / MI60, Radeon VII, Hygon DCU
// Z100), fp16 and int8, native tier, HIP only. gfx906 has no matrix cores; the most it offers
// per lane is the dot instructions, e.g. dot2: two fp16 products summed into an fp32
// accumulator:
//
//   C(M, N) = alpha · A(M, K) · B(K, N) + beta · C(M, N)      all row-major, dense
//
//   v_dot2_f32_f16 d, a, b, c:  d = a.lo · b.lo + a.hi · b.hi + c   (a, b: two fp16 in 32 bits)
//   (__builtin_amdgcn_fdot2(half2 a, half2 b, float c, bool clamp), clamp off)
//
// Inputs fp16, fp32 accumulation, output fp16 rounded once from the fp32 accumulator (as
// gemm_mfma and the vendor libraries do). Each dot2 takes two K-consecutive elements of one
// row of A and the same two K positions of one column of B, so both operands are kept in LDS
// as "K-pair words": 32 bits holding (x[2p], x[2p + 1]) along K.
//
// int8 (SUANLI_DTYPE_INT8), the same structure on the dot4 instruction, int32 accumulation and
// int32 output, integer alpha and beta (as gemm_mma_sync's int8 and cuBLASLt's int32 scale):
//   v_dot4_i32_i8 d, a, b, c:  d = Σ_e a.byte[e] · b.byte[e] + c   (signed bytes, no clamp)
//   (__builtin_amdgcn_sdot4(int a, int b, int c, bool clamp))
// A word is then a K quad, BLOCK_K is 64 (16 words, as fp16's 32), and B is given as (N, K)
// row-major (table flag b_nk, the harness uploads it so): its quads are adjacent in memory and
// load and store exactly as A's, so only fp16 needs the two-row gather below. "Pair" in what
// follows is a K word of either kind.
//
// Structure:
//   - one block of GEMM_DOT2_WARPS_M × GEMM_DOT2_WARPS_N wavefronts (64 lanes) per BLOCK_M ×
//     BLOCK_N tile of C; grid = (ceil(N / BLOCK_N), ceil(M / BLOCK_M));
//   - each wavefront owns a WAVE_M × WAVE_N sub-tile, its lanes a LANES_M × LANES_N grid, each
//     lane a THREAD_M × THREAD_N micro-tile of fp32 accumulators in registers (8 × 8 = 64 at
//     the defaults), made of groups of 4 rows (columns) strided by WAVE_M / (THREAD_M / 4)
//     (see the LDS layout for why strided);
//   - per K pair a lane reads THREAD_M A words and THREAD_N B words from LDS and issues
//     THREAD_M · THREAD_N dot2s (8 + 8 words for 64 dot2s at the defaults), the next pair's
//     words read before this pair's dot2s;
//   - K is walked in BLOCK_K slices through two LDS buffers: the next slice is loaded from
//     global memory into registers before the current one is multiplied, and written to the
//     other buffer after, so one barrier per slice suffices (as in gemm_mfma).
//
// LDS layout, per buffer: a_s (BLOCK_K / 2, A_PITCH) and b_s (BLOCK_K / 2, B_PITCH) words,
// row p holding K pair p of every tile row m (a_s[p][m] = A[m][2p], A[m][2p + 1]) or tile
// column n (b_s[p][n] = B[2p][n], B[2p + 1][n]). Why this way round:
//   - reads: a lane's 4 rows (columns) of a group are 4 adjacent words, one 16-byte
//     ds_read_b128; the 8 lanes of a wavefront that differ in lane_m (for A; lane_n for B)
//     read adjacent 16-byte chunks (128 contiguous bytes: each of the 32 four-byte banks
//     once), and the lanes that share it read the same address (a broadcast): conflict-free;
//   - B's pairs come from two rows of global B: a lane loads 2 columns of rows 2p and 2p + 1
//     (two 4-byte loads, coalesced along the rows), swaps halves in registers into two K-pair
//     words and writes them as one 8-byte store; a wavefront's stores are 512 contiguous
//     bytes: conflict-free;
//   - A's pairs are already adjacent in global A (one 4-byte load); the lanes of a wavefront
//     take 16 K pairs of 4 rows (coalesced along the rows), so they store to 16 LDS rows: with
//     an unpadded pitch (128 words, a multiple of the 32 banks) all 16 land on the same 4
//     banks (16-way conflict); GEMM_DOT2_PAD = 4 moves each LDS row by 4 banks, so the 64
//     words hit every bank exactly twice, the minimum for 64 lanes, and keeps the 16-byte
//     reads aligned.
//
// Edges: any M, N, K. A slice wholly inside A and B with K and N even is loaded word by word
// without checks. Elsewhere a word is one 4-byte load when both elements are inside the matrix
// and 4-byte aligned, element by element with zeros outside it otherwise, so an odd K's last
// pair and the K tail of the last slice add zeros to the sums. Stores are guarded; beta == 0
// never reads C (it may hold the harness's NaN poison).
//
// Dynamic LDS: 2 × BLOCK_K × (BLOCK_M + PAD + BLOCK_N + PAD) × element bytes (33,792 bytes at
// the defaults of either dtype), passed at launch (kernels/native_catalog.cpp computes the same number: the
// table row says A is stored K-major, `a_k_rows`).
//
// The HIP backend prepends kernels/dialect/hip.h to this file as to every kernel: harmless,
// it defines macros and typedefs none of whose names this file uses, and includes nothing.
//
// GEMM_DOT2_HOST_EMULATION (tests only, tests/test_gemm_dot2_emulated.cpp): the file is
// compiled as host C++ with the types, memory helpers and the dot2 builtin supplied by a
// software model (tests/gemm_dot2_emulation.h). The device build never defines it.

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Output tile per block. 128 × 128 with 2 × 2 wavefronts of 8 × 8 lanes gives each lane an
// 8 × 8 micro-tile: 16 LDS words read per 64 dot2s, and 64 accumulators, which with two K
// pairs of operands and the prefetched slice stays under gfx906's 256 VGPRs per lane (no
// spills in suanli_hiprtc_check).
#ifndef GEMM_DOT2_BLOCK_M
#define GEMM_DOT2_BLOCK_M 128
#endif
#ifndef GEMM_DOT2_BLOCK_N
#define GEMM_DOT2_BLOCK_N 128
#endif
// K slice per LDS buffer: a multiple of two K words (walked two at a time). 32 fp16 (64 int8)
// make 16 words, so a wavefront's A words are 16 words × 4 rows (the bank note above) and the
// slice loads split evenly.
#ifndef GEMM_DOT2_BLOCK_K
#if defined(SUANLI_DTYPE_INT8)
#define GEMM_DOT2_BLOCK_K 64
#else
#define GEMM_DOT2_BLOCK_K 32
#endif
#endif
// Wavefronts per block along M and N (named WARPS as in the other native kernels, so the
// native table describes all alike); the wavefront tile is BLOCK_M / WARPS_M × BLOCK_N / WARPS_N.
#ifndef GEMM_DOT2_WARPS_M
#define GEMM_DOT2_WARPS_M 2
#endif
#ifndef GEMM_DOT2_WARPS_N
#define GEMM_DOT2_WARPS_N 2
#endif
// Micro-tile per lane: multiples of 4, one 16-byte LDS read per 4 rows (columns).
#ifndef GEMM_DOT2_THREAD_M
#define GEMM_DOT2_THREAD_M 8
#endif
#ifndef GEMM_DOT2_THREAD_N
#define GEMM_DOT2_THREAD_N 8
#endif
// LDS buffers: the register-prefetch scheme above needs exactly two.
#ifndef GEMM_DOT2_STAGES
#define GEMM_DOT2_STAGES 2
#endif
// Words of padding per LDS row: 4 keeps rows 16-byte aligned and spreads A's stores over
// every bank (see the LDS layout above).
#ifndef GEMM_DOT2_PAD
#define GEMM_DOT2_PAD 4
#endif

#if !defined(SUANLI_DTYPE_FP16) && !defined(SUANLI_DTYPE_INT8)
#error "gemm_dot2: define SUANLI_DTYPE_FP16 (v_dot2_f32_f16) or SUANLI_DTYPE_INT8 (v_dot4_i32_i8)"
#endif

// Elements per 32-bit K word: a K pair of fp16, a K quad of int8.
#if defined(SUANLI_DTYPE_INT8)
#define GEMM_DOT2_ELEMS 4
#else
#define GEMM_DOT2_ELEMS 2
#endif

// v_dot2_f32_f16 is a "dot2-insts" instruction: Vega 20 and CDNA have it. The native table
// runs this kernel on gfx906 only; the CDNA GPUs have gemm_mfma.
#if defined(__AMDGCN__) && !defined(__gfx906__) && !defined(__gfx908__) && !defined(__gfx90a__)
#error "gemm_dot2 needs v_dot2_f32_f16 (gfx906, gfx908, gfx90a)"
#endif

#define GEMM_DOT2_THREADS (GEMM_DOT2_WARPS_M * GEMM_DOT2_WARPS_N * 64)
#define GEMM_DOT2_WAVE_M (GEMM_DOT2_BLOCK_M / GEMM_DOT2_WARPS_M)
#define GEMM_DOT2_WAVE_N (GEMM_DOT2_BLOCK_N / GEMM_DOT2_WARPS_N)
#define GEMM_DOT2_LANES_M (GEMM_DOT2_WAVE_M / GEMM_DOT2_THREAD_M)  // lane grid of a wavefront
#define GEMM_DOT2_LANES_N (GEMM_DOT2_WAVE_N / GEMM_DOT2_THREAD_N)
// Distance between a lane's groups of 4 rows (columns): the lane grid's 4-wide slots side by side.
#define GEMM_DOT2_GROUP_STRIDE_M (4 * GEMM_DOT2_LANES_M)
#define GEMM_DOT2_GROUP_STRIDE_N (4 * GEMM_DOT2_LANES_N)
#define GEMM_DOT2_KWORDS (GEMM_DOT2_BLOCK_K / GEMM_DOT2_ELEMS)  // K words (LDS rows) per slice
#define GEMM_DOT2_A_PITCH (GEMM_DOT2_BLOCK_M + GEMM_DOT2_PAD)  // LDS row pitch, words
#define GEMM_DOT2_B_PITCH (GEMM_DOT2_BLOCK_N + GEMM_DOT2_PAD)
#define GEMM_DOT2_A_STAGE (GEMM_DOT2_KWORDS * GEMM_DOT2_A_PITCH)
#define GEMM_DOT2_B_STAGE (GEMM_DOT2_KWORDS * GEMM_DOT2_B_PITCH)
// Per thread per slice: A words (one K pair of one row), B quads (2 K rows × 2 columns).
#define GEMM_DOT2_A_WORDS (GEMM_DOT2_BLOCK_M * GEMM_DOT2_KWORDS / GEMM_DOT2_THREADS)
#define GEMM_DOT2_B_QUADS (GEMM_DOT2_KWORDS * (GEMM_DOT2_BLOCK_N / 2) / GEMM_DOT2_THREADS)  // fp16
#define GEMM_DOT2_B_WORDS (GEMM_DOT2_BLOCK_N * GEMM_DOT2_KWORDS / GEMM_DOT2_THREADS)        // int8

static_assert(GEMM_DOT2_BLOCK_K % (2 * GEMM_DOT2_ELEMS) == 0, "BLOCK_K must be a multiple of two K words");
static_assert(GEMM_DOT2_BLOCK_N % 2 == 0, "B is loaded two columns at a time");
static_assert(GEMM_DOT2_THREAD_M % 4 == 0 && GEMM_DOT2_THREAD_N % 4 == 0, "micro-tiles are groups of 4");
static_assert(GEMM_DOT2_LANES_M * GEMM_DOT2_THREAD_M == GEMM_DOT2_WAVE_M &&
                  GEMM_DOT2_LANES_N * GEMM_DOT2_THREAD_N == GEMM_DOT2_WAVE_N,
              "the wavefront tile must split into whole micro-tiles");
static_assert(GEMM_DOT2_LANES_M * GEMM_DOT2_LANES_N == 64, "a wavefront is 64 lanes");
static_assert(GEMM_DOT2_A_WORDS * GEMM_DOT2_THREADS == GEMM_DOT2_BLOCK_M * GEMM_DOT2_KWORDS,
              "the A slice must split into whole words per thread");
static_assert(GEMM_DOT2_B_QUADS * GEMM_DOT2_THREADS == GEMM_DOT2_KWORDS * (GEMM_DOT2_BLOCK_N / 2) &&
                  GEMM_DOT2_B_WORDS * GEMM_DOT2_THREADS == GEMM_DOT2_BLOCK_N * GEMM_DOT2_KWORDS,
              "the B slice must split into whole quads (words) per thread");
static_assert(GEMM_DOT2_STAGES == 2, "the kernel double-buffers LDS: exactly 2 stages");
static_assert(GEMM_DOT2_PAD % 4 == 0, "rows must stay 16-byte aligned");

// Storage of A and B elements, of the accumulators, of C's elements.
#if defined(SUANLI_DTYPE_INT8)
typedef signed char gemm_dot2_elem_t;
typedef int gemm_dot2_acc_t;
typedef int gemm_dot2_out_t;
#else
typedef unsigned short gemm_dot2_elem_t;  // fp16 bits
typedef float gemm_dot2_acc_t;
typedef unsigned short gemm_dot2_out_t;
#endif

#ifndef GEMM_DOT2_HOST_EMULATION
// ---- Device types and helpers (the emulation supplies its own) ----

// Two fp16 in the type the builtin takes.
typedef _Float16 gemm_dot2_half2_t __attribute__((ext_vector_type(2)));
typedef unsigned gemm_dot2_words4_t __attribute__((ext_vector_type(4)));

__device__ inline unsigned load_u32(const gemm_dot2_elem_t* p) { return *reinterpret_cast<const unsigned*>(p); }
__device__ inline bool aligned_u32(const gemm_dot2_elem_t* p) {
  return (reinterpret_cast<unsigned long long>(p) & 3) == 0;
}
__device__ inline void store_u64(unsigned* p, unsigned lo, unsigned hi) {
  *reinterpret_cast<unsigned long long*>(p) = static_cast<unsigned long long>(hi) << 32 | lo;
}
// Four adjacent LDS words, one ds_read_b128 (p is 16-byte aligned: see the static_asserts).
__device__ inline void load_words4(const unsigned* p, unsigned* out) {
  const gemm_dot2_words4_t v = *reinterpret_cast<const gemm_dot2_words4_t*>(p);
  out[0] = v.x;
  out[1] = v.y;
  out[2] = v.z;
  out[3] = v.w;
}
__device__ inline int lane_id() { return static_cast<int>(threadIdx.x) % 64; }
__device__ inline float from_elem(unsigned short bits) { return static_cast<float>(__builtin_bit_cast(_Float16, bits)); }
__device__ inline unsigned short to_elem(float x) { return __builtin_bit_cast(unsigned short, static_cast<_Float16>(x)); }
#endif  // GEMM_DOT2_HOST_EMULATION

// acc + the dot product of two K words: a.lo · b.lo + a.hi · b.hi (fp16), or of the four
// signed bytes (int8, v_dot4_i32_i8, no saturation).
__device__ inline gemm_dot2_acc_t dot(unsigned a, unsigned b, gemm_dot2_acc_t acc) {
#if defined(SUANLI_DTYPE_INT8)
  return __builtin_amdgcn_sdot4(static_cast<int>(a), static_cast<int>(b), acc, false);
#else
  return __builtin_amdgcn_fdot2(__builtin_bit_cast(gemm_dot2_half2_t, a), __builtin_bit_cast(gemm_dot2_half2_t, b), acc,
                                false);
#endif
}

// ---- Tile loads (one slice, global -> registers -> LDS) ----

// Elements (row, col) .. (row, col + ELEMS - 1) of a (rows, cols) row-major matrix as one word
// (the first in the low bits); zero outside it. One 4-byte load when all are inside and aligned.
__device__ inline unsigned load_word(const gemm_dot2_elem_t* m, int rows, int cols, int row, int col) {
  if (row >= rows) return 0;
  const gemm_dot2_elem_t* p = m + static_cast<long long>(row) * cols + col;
  if (col + GEMM_DOT2_ELEMS <= cols && aligned_u32(p)) return load_u32(p);
  constexpr int bits = 32 / GEMM_DOT2_ELEMS;
  unsigned v = 0;
  for (int e = 0; e < GEMM_DOT2_ELEMS; ++e)
    if (col + e < cols) v |= (static_cast<unsigned>(p[e]) & ((1u << bits) - 1)) << (bits * e);
  return v;
}

// The slice k0 .. k0 + BLOCK_K of this block in registers. a[i]: A word (tile row m, K word p).
// fp16: b_even[i], b_odd[i]: columns n, n + 1 of B's K rows 2p and 2p + 1 (tile quad (p, n / 2)).
// int8: b[i]: B word (tile column n, K word p), B being (N, K).
struct GemmDot2Slice {
  unsigned a[GEMM_DOT2_A_WORDS];
#if defined(SUANLI_DTYPE_INT8)
  unsigned b[GEMM_DOT2_B_WORDS];
#else
  unsigned b_even[GEMM_DOT2_B_QUADS];
  unsigned b_odd[GEMM_DOT2_B_QUADS];
#endif
};

// Consecutive threads take consecutive words of a row of A (and of B's (N, K) rows for int8),
// and consecutive column pairs of two rows of B (fp16): coalesced along the rows. A word: tile
// row m, K word p; B quad: K pair p, columns n, n + 1. `word(matrix, rows, cols, row, col)`
// loads one word.
template <typename LoadWord>
__device__ inline void load_slice_by(GemmDot2Slice& s, const gemm_dot2_elem_t* a, const gemm_dot2_elem_t* b, int M,
                                     int N, int K, int m0, int n0, int k0, int tid, LoadWord word) {
  for (int i = 0; i < GEMM_DOT2_A_WORDS; ++i) {
    const int w = tid + i * GEMM_DOT2_THREADS;
    s.a[i] = word(a, M, K, m0 + w / GEMM_DOT2_KWORDS, k0 + GEMM_DOT2_ELEMS * (w % GEMM_DOT2_KWORDS));
  }
#if defined(SUANLI_DTYPE_INT8)
  for (int i = 0; i < GEMM_DOT2_B_WORDS; ++i) {
    const int w = tid + i * GEMM_DOT2_THREADS;
    s.b[i] = word(b, N, K, n0 + w / GEMM_DOT2_KWORDS, k0 + GEMM_DOT2_ELEMS * (w % GEMM_DOT2_KWORDS));
  }
#else
  for (int i = 0; i < GEMM_DOT2_B_QUADS; ++i) {
    const int q = tid + i * GEMM_DOT2_THREADS;
    const int k = k0 + 2 * (q / (GEMM_DOT2_BLOCK_N / 2));
    const int n = n0 + 2 * (q % (GEMM_DOT2_BLOCK_N / 2));
    s.b_even[i] = word(b, K, N, k, n);
    s.b_odd[i] = word(b, K, N, k + 1, n);
  }
#endif
}

// `interior`: the slice lies wholly inside A and B and every word is 4-byte aligned, the same
// for every thread of the block (a branch on scalar registers). Then every word is one
// unconditional load: without the per-word branches of load_pair, whose divergent paths make
// the compiler wait for each load before issuing the next, all are in flight together while
// the current slice is multiplied. Edge slices take the guarded path.
__device__ inline void load_slice(GemmDot2Slice& s, const gemm_dot2_elem_t* a, const gemm_dot2_elem_t* b, int M, int N,
                                  int K, int m0, int n0, int k0, int tid, bool interior) {
  if (interior)
    load_slice_by(s, a, b, M, N, K, m0, n0, k0, tid, [](const gemm_dot2_elem_t* m, int, int cols, int row, int col) {
      return load_u32(m + static_cast<long long>(row) * cols + col);
    });
  else
    load_slice_by(s, a, b, M, N, K, m0, n0, k0, tid, load_word);
}

// a_s: (PAIRS, A_PITCH) words, b_s: (PAIRS, B_PITCH) words, K pair p in row p (header comment).
__device__ inline void store_slice(const GemmDot2Slice& s, unsigned* a_s, unsigned* b_s, int tid) {
  for (int i = 0; i < GEMM_DOT2_A_WORDS; ++i) {
    const int w = tid + i * GEMM_DOT2_THREADS;
    a_s[(w % GEMM_DOT2_KWORDS) * GEMM_DOT2_A_PITCH + w / GEMM_DOT2_KWORDS] = s.a[i];
  }
#if defined(SUANLI_DTYPE_INT8)
  for (int i = 0; i < GEMM_DOT2_B_WORDS; ++i) {
    const int w = tid + i * GEMM_DOT2_THREADS;
    b_s[(w % GEMM_DOT2_KWORDS) * GEMM_DOT2_B_PITCH + w / GEMM_DOT2_KWORDS] = s.b[i];
  }
#else
  for (int i = 0; i < GEMM_DOT2_B_QUADS; ++i) {
    const int q = tid + i * GEMM_DOT2_THREADS;
    const int p = q / (GEMM_DOT2_BLOCK_N / 2);
    const int n = 2 * (q % (GEMM_DOT2_BLOCK_N / 2));
    // Column n's pair is the low halves of the two rows, column n + 1's the high halves.
    const unsigned col_n = (s.b_even[i] & 0xffffu) | (s.b_odd[i] << 16);
    const unsigned col_n1 = (s.b_even[i] >> 16) | (s.b_odd[i] & 0xffff0000u);
    store_u64(b_s + p * GEMM_DOT2_B_PITCH + n, col_n, col_n1);
  }
#endif
}

// ---- The product of one K pair ----

// A lane's words of one K pair: its THREAD_M rows of A and THREAD_N columns of B.
struct GemmDot2Fragments {
  unsigned a[GEMM_DOT2_THREAD_M];
  unsigned b[GEMM_DOT2_THREAD_N];
};

// a_s, b_s: the stage's LDS at the lane's first row / column (row0, col0 of the kernel).
__device__ inline void load_fragments(GemmDot2Fragments& f, const unsigned* a_s, const unsigned* b_s, int p) {
  for (int g = 0; g < GEMM_DOT2_THREAD_M / 4; ++g)
    load_words4(a_s + p * GEMM_DOT2_A_PITCH + g * GEMM_DOT2_GROUP_STRIDE_M, f.a + 4 * g);
  for (int g = 0; g < GEMM_DOT2_THREAD_N / 4; ++g)
    load_words4(b_s + p * GEMM_DOT2_B_PITCH + g * GEMM_DOT2_GROUP_STRIDE_N, f.b + 4 * g);
}

__device__ inline void multiply(gemm_dot2_acc_t (&acc)[GEMM_DOT2_THREAD_M][GEMM_DOT2_THREAD_N],
                                const GemmDot2Fragments& f) {
  for (int i = 0; i < GEMM_DOT2_THREAD_M; ++i)
    for (int j = 0; j < GEMM_DOT2_THREAD_N; ++j) acc[i][j] = dot(f.a[i], f.b[j], acc[i][j]);
}

// C's element from the accumulator: fp16 rounded once from alpha · acc + beta · C in fp32;
// int8 (int32 C): integer alpha and beta applied in int32, as gemm_mma_sync's int8 does.
__device__ inline void store_c(gemm_dot2_out_t* out, gemm_dot2_acc_t acc, float alpha, float beta) {
#if defined(SUANLI_DTYPE_INT8)
  int v = static_cast<int>(alpha) * acc;
  if (beta != 0.0f) v += static_cast<int>(beta) * *out;
  *out = v;
#else
  float v = alpha * acc;
  if (beta != 0.0f) v += beta * from_elem(*out);
  *out = to_elem(v);
#endif
}

// ---- The kernel ----

// M, N, K: the problem; alpha, beta: fp32 scalars (beta == 0 never reads C); a: (M, K)
// row-major; b: (K, N) row-major (int8: (N, K)); c: (M, N) row-major, written. Elements: fp16
// bit patterns, or int8 in and int32 out (alpha, beta then integers).
extern "C" __global__ void __launch_bounds__(GEMM_DOT2_THREADS)
gemm_dot2(int M, int N, int K, float alpha, float beta, const gemm_dot2_elem_t* __restrict__ a,
          const gemm_dot2_elem_t* __restrict__ b, gemm_dot2_out_t* __restrict__ c) {
  // LDS: 2 × a_s (PAIRS, A_PITCH), then 2 × b_s (PAIRS, B_PITCH), 32-bit K-pair words.
  extern __shared__ __attribute__((aligned(16))) unsigned char gemm_dot2_lds[];
  unsigned* const a_lds = reinterpret_cast<unsigned*>(gemm_dot2_lds);
  unsigned* const b_lds = a_lds + 2 * GEMM_DOT2_A_STAGE;

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = lane_id();
  const int wave = tid / 64;
  const int m0 = static_cast<int>(blockIdx.y) * GEMM_DOT2_BLOCK_M;
  const int n0 = static_cast<int>(blockIdx.x) * GEMM_DOT2_BLOCK_N;
  // This lane's first row and column in the block tile; its groups follow at the strides.
  const int row0 = (wave / GEMM_DOT2_WARPS_N) * GEMM_DOT2_WAVE_M + 4 * (lane / GEMM_DOT2_LANES_N);
  const int col0 = (wave % GEMM_DOT2_WARPS_N) * GEMM_DOT2_WAVE_N + 4 * (lane % GEMM_DOT2_LANES_N);

  // acc[i][j]: row row0 + (i / 4)·GROUP_STRIDE_M + i % 4, column col0 + (j / 4)·GROUP_STRIDE_N + j % 4.
  gemm_dot2_acc_t acc[GEMM_DOT2_THREAD_M][GEMM_DOT2_THREAD_N];
  for (int i = 0; i < GEMM_DOT2_THREAD_M; ++i)
    for (int j = 0; j < GEMM_DOT2_THREAD_N; ++j) acc[i][j] = 0;

  const int k_tiles = (K + GEMM_DOT2_BLOCK_K - 1) / GEMM_DOT2_BLOCK_K;
  // Slices wholly inside (all but the K tail, in blocks inside M and N) whose rows are all
  // 4-byte aligned (K and N even for fp16; K a multiple of 4 for int8, whose B is (N, K)) take
  // the unconditional loads (load_slice).
#if defined(SUANLI_DTYPE_INT8)
  const bool aligned = K % 4 == 0 && aligned_u32(a) && aligned_u32(b);
#else
  const bool aligned = K % 2 == 0 && N % 2 == 0 && aligned_u32(a) && aligned_u32(b);
#endif
  const bool inside_mn = m0 + GEMM_DOT2_BLOCK_M <= M && n0 + GEMM_DOT2_BLOCK_N <= N;
  const int interior_k_tiles = aligned && inside_mn ? K / GEMM_DOT2_BLOCK_K : 0;
  GemmDot2Slice slice;
  load_slice(slice, a, b, M, N, K, m0, n0, 0, tid, interior_k_tiles > 0);
  store_slice(slice, a_lds, b_lds, tid);
  __syncthreads();

  for (int kt = 0; kt < k_tiles; ++kt) {
    const int buf = kt % 2;
    const bool more = kt + 1 < k_tiles;
    // Global loads of the next slice in flight while this one is multiplied.
    if (more) load_slice(slice, a, b, M, N, K, m0, n0, (kt + 1) * GEMM_DOT2_BLOCK_K, tid, kt + 1 < interior_k_tiles);

    // The K pairs two at a time, the next pair's LDS reads issued before this pair's dot2s:
    // with one wavefront per SIMD (a block's VGPRs and LDS allow no more) little else hides
    // the LDS latency.
    const unsigned* const a_s = a_lds + buf * GEMM_DOT2_A_STAGE + row0;
    const unsigned* const b_s = b_lds + buf * GEMM_DOT2_B_STAGE + col0;
    GemmDot2Fragments even, odd;
    load_fragments(even, a_s, b_s, 0);
    for (int p = 0; p < GEMM_DOT2_KWORDS; p += 2) {
      load_fragments(odd, a_s, b_s, p + 1);
      multiply(acc, even);
      if (p + 2 < GEMM_DOT2_KWORDS) load_fragments(even, a_s, b_s, p + 2);
      multiply(acc, odd);
    }

    // The other buffer was last read in iteration kt - 1, which every thread finished before
    // the barrier that ended it; this barrier publishes slice kt + 1 and retires buffer `buf`.
    if (more) store_slice(slice, a_lds + (1 - buf) * GEMM_DOT2_A_STAGE, b_lds + (1 - buf) * GEMM_DOT2_B_STAGE, tid);
    __syncthreads();
  }

  // Epilogue: the LANES_N lanes of a lane row write 4 adjacent columns each, so a wavefront's
  // stores to one row of C are runs of 4 · LANES_N elements.
  for (int i = 0; i < GEMM_DOT2_THREAD_M; ++i) {
    const int row = m0 + row0 + (i / 4) * GEMM_DOT2_GROUP_STRIDE_M + i % 4;
    if (row >= M) continue;
    for (int j = 0; j < GEMM_DOT2_THREAD_N; ++j) {
      const int col = n0 + col0 + (j / 4) * GEMM_DOT2_GROUP_STRIDE_N + j % 4;
      if (col >= N) continue;
      store_c(c + static_cast<long long>(row) * N + col, acc[i][j], alpha, beta);
    }
  }
}
