// attention_mma_sync: fused attention forward on tensor cores, FlashAttention-2 style, for
// NVIDIA sm_80 and later (native tier, CUDA only).
//
//   O = softmax(Q·Kᵀ·scale [+ causal mask])·V
//   q: (B, H, Sq, D)   k, v: (B, Hkv, Skv, D)   o: (B, H, Sq, D)   contiguous row-major
//
// The semantics are the portable kernel's (kernels/portable/attention.cl): grouped-query
// heads (query head h reads kv head h / (H / Hkv)); the causal mask is bottom-right aligned,
// query row i sees key j iff j <= i + (Skv - Sq); a row that sees no key is written as zeros.
// Inputs fp16 or bf16 (SUANLI_DTYPE_*), both products on tensor cores
// (mma.sync.m16n8k16, fp32 accumulate), softmax in fp32, P rounded to the input type for
// the second product (as FlashAttention-2 and cuDNN do), O rounded once at the end.
//
// Structure (one block = BLOCK_Q query rows of one (batch, head); grid = (ceil(Sq /
// BLOCK_Q), H, B)):
//   - each warp owns 16 query rows; its Q fragments are loaded once (ldmatrix) and stay in
//     registers for the whole key walk;
//   - keys are walked in tiles of BLOCK_KV: K and V tiles are double-buffered in shared
//     memory and filled by cp.async, K of tile j + 1 loading while S_j is computed, V of
//     tile j + 1 while P_j·V_j is;
//   - S = Q·Kᵀ leaves the tensor cores in the accumulator layout (thread: rows g and g + 8,
//     columns 2t, 2t + 1 of each 8-column tile), which is also the layout of the A operand
//     of the next mma, so P = exp2(S - m) goes from fp32 registers to P·V without touching
//     shared memory (the FlashAttention-2 register reuse);
//   - online softmax per row: running max m and sum l; the four lanes of a row (same g)
//     combine their maxima with two butterfly shuffles; l stays a per-lane partial sum
//     (every lane rescales by the same factor) and is combined once at the end.
//
// Head dim: D <= ATTN_MMA_HEAD_DIM (64 or 128) and D % 8 == 0 (rows of 16-byte chunks for
// cp.async). Columns D .. HEAD_DIM are zero-filled in shared memory, so they add nothing to
// Q·Kᵀ, and the matching O columns are never stored. Keys past Skv and masked keys get
// S = -inf, hence P = 0 exactly.
//
// Causal work balance: with a causal mask later query tiles see more keys. Blocks run
// roughly in launch order, so block x takes query tile (gridDim.x - 1 - x): the longest
// tiles start first and the short ones fill the tail.
//
// Dynamic shared memory: (BLOCK_Q + 4 · BLOCK_KV) × (HEAD_DIM + 8) × 2 bytes (Q, two K and
// two V buffers; 87040 bytes at HEAD_DIM 128 and the default tile, 46080 at 64), passed at
// launch (harness/native_attention.cpp computes the same number). The 8-element row padding
// keeps ldmatrix free of bank conflicts (see gemm_mma_sync.cu).
//
// The element type, PTX wrappers and conversions come from kernels/cuda/mma_sync_common.cuh
// (prepended by the harness); MMA_SYNC_HOST_EMULATION runs this file on the host against
// tests/mma_sync_emulation.h (tests/test_attention_mma_emulated.cpp).

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Compile-time bound on D, and the width of the Q, K, V tiles in shared memory.
#ifndef ATTN_MMA_HEAD_DIM
#define ATTN_MMA_HEAD_DIM 128
#endif
// Warps per block; each owns 16 query rows, so BLOCK_Q = 16 × WARPS. 4 warps and 64 rows
// keep the K / V tiles' shared-memory traffic at one load per 64 rows while two blocks still
// fit an SM: NVRTC gives 234 registers per thread at HEAD_DIM 128 (Q, S and O hold about 130
// of them), and 2 × 128 × 234 = 59904 of the 65536; shared memory 2 × 87040 bytes.
#ifndef ATTN_MMA_WARPS
#define ATTN_MMA_WARPS 4
#endif
// Keys per tile: a multiple of 16 (the second product's K step).
#ifndef ATTN_MMA_BLOCK_KV
#define ATTN_MMA_BLOCK_KV 64
#endif

#if MMA_SYNC_K != 16
#error "attention_mma_sync: fp16 or bf16 only (P is packed two 16-bit values per register)"
#endif

#define ATTN_MMA_THREADS (ATTN_MMA_WARPS * 32)
#define ATTN_MMA_BLOCK_Q (ATTN_MMA_WARPS * 16)
#define ATTN_MMA_PITCH (ATTN_MMA_HEAD_DIM + 8)  // shared row pitch in elements
#define ATTN_MMA_Q_TILE (ATTN_MMA_BLOCK_Q * ATTN_MMA_PITCH)
#define ATTN_MMA_KV_TILE (ATTN_MMA_BLOCK_KV * ATTN_MMA_PITCH)
#define ATTN_MMA_D_STEPS (ATTN_MMA_HEAD_DIM / 16)  // k steps of Q·Kᵀ
#define ATTN_MMA_S_TILES (ATTN_MMA_BLOCK_KV / 8)   // n8 tiles of S per warp
#define ATTN_MMA_O_TILES (ATTN_MMA_HEAD_DIM / 8)   // n8 tiles of O per warp

static_assert(ATTN_MMA_HEAD_DIM % 16 == 0, "HEAD_DIM must be a multiple of the mma K (16)");
static_assert(ATTN_MMA_BLOCK_KV % 16 == 0, "BLOCK_KV must be a multiple of the mma K (16)");
static_assert((ATTN_MMA_BLOCK_Q * ATTN_MMA_HEAD_DIM / 8) % ATTN_MMA_THREADS == 0, "the Q tile must split into whole chunks");
static_assert((ATTN_MMA_BLOCK_KV * ATTN_MMA_HEAD_DIM / 8) % ATTN_MMA_THREADS == 0, "K / V tiles must split into whole chunks");

// rows × HEAD_DIM elements of one head, from row `first` on, into a (rows, PITCH) tile;
// rows past `seq` and columns past D are zero-filled (cp.async with src-size 0).
// src: (seq, D) of one head, 16-byte aligned rows (D % 8 == 0).
template <int rows>
__device__ __forceinline__ void load_tile(unsigned short* dst, const unsigned short* src, int seq, int D, int first,
                                          int tid) {
  constexpr int chunks_per_row = ATTN_MMA_HEAD_DIM / 8;
#pragma unroll
  for (int i = 0; i < rows * chunks_per_row / ATTN_MMA_THREADS; ++i) {
    const int chunk = tid + i * ATTN_MMA_THREADS;
    const int r = chunk / chunks_per_row;
    const int c = (chunk % chunks_per_row) * 8;
    const bool in = first + r < seq && c < D;
    const unsigned short* from = in ? src + (static_cast<long long>(first + r) * D + c) : src;
    cp_async_16(smem_address(dst + r * ATTN_MMA_PITCH + c), from, in ? 16 : 0);
  }
}

// B, H, Hkv, Sq, Skv, D: the problem (Hkv divides H; D <= HEAD_DIM, D % 8 == 0); scale: the
// softmax scale (1/√D by default); causal: 0 or 1. q, k, v: read; o: written, never read.
extern "C" __global__ void __launch_bounds__(ATTN_MMA_THREADS)
attention_mma_sync(int B, int H, int Hkv, int Sq, int Skv, int D, float scale, int causal,
                   const mma_elem_t* __restrict__ q, const mma_elem_t* __restrict__ k,
                   const mma_elem_t* __restrict__ v, mma_elem_t* __restrict__ o) {
  // smem: q_s (BLOCK_Q, PITCH), then k_s[2] and v_s[2] (BLOCK_KV, PITCH), 16-bit.
  extern __shared__ __align__(128) unsigned char attention_smem[];
  unsigned short* const q_s = reinterpret_cast<unsigned short*>(attention_smem);
  unsigned short* const k_s = q_s + ATTN_MMA_Q_TILE;
  unsigned short* const v_s = k_s + 2 * ATTN_MMA_KV_TILE;

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid % 32;
  const int warp = tid / 32;
  const int g = lane / 4;  // the thread's rows in the warp's 16: g and g + 8
  const int t = lane % 4;  // its column pair in each 8-column tile: 2t, 2t + 1
  const int q_tile = static_cast<int>(gridDim.x) - 1 - static_cast<int>(blockIdx.x);  // longest first
  const int h = static_cast<int>(blockIdx.y);
  const int b = static_cast<int>(blockIdx.z);
  const int h_kv = h / (H / Hkv);
  const int q0 = q_tile * ATTN_MMA_BLOCK_Q;
  (void)B;

  // Heads as (S, D) matrices: q_head, o_head (Sq, D); k_head, v_head (Skv, D).
  const long long q_offset = (static_cast<long long>(b) * H + h) * Sq * D;
  const long long kv_offset = (static_cast<long long>(b) * Hkv + h_kv) * Skv * D;
  const unsigned short* const q_head = reinterpret_cast<const unsigned short*>(q) + q_offset;
  const unsigned short* const k_head = reinterpret_cast<const unsigned short*>(k) + kv_offset;
  const unsigned short* const v_head = reinterpret_cast<const unsigned short*>(v) + kv_offset;
  mma_elem_t* const o_head = o + q_offset;

  // Query rows of this thread (absolute): row_q[0] = q0 + 16·warp + g, row_q[1] = +8.
  const int row_q0 = q0 + warp * 16 + g;
  // Keys visible to the block's last query row bound the walk; none: zeros.
  const int causal_shift = Skv - Sq;  // bottom-right alignment
  const int last_row = min(q0 + ATTN_MMA_BLOCK_Q, Sq) - 1;
  const int key_end = causal ? min(Skv, last_row + causal_shift + 1) : Skv;  // keys [0, key_end)
  const int kv_tiles = key_end > 0 ? (key_end + ATTN_MMA_BLOCK_KV - 1) / ATTN_MMA_BLOCK_KV : 0;

  // o_acc: (O_TILES) n8 tiles of the warp's 16 × HEAD_DIM output, accumulator layout.
  float o_acc[ATTN_MMA_O_TILES][4];
#pragma unroll
  for (int j = 0; j < ATTN_MMA_O_TILES; ++j)
#pragma unroll
    for (int e = 0; e < 4; ++e) o_acc[j][e] = 0.0f;
  float m_run[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};  // running max of rows g, g + 8
  float l_part[2] = {0.0f, 0.0f};  // this lane's share of the running sums
  const float scale_log2 = scale * ONLINE_SOFTMAX_LOG2E;

  // The pipeline's commit groups, in order: [Q, K_0], [V_0], then per tile j: [K_j+1],
  // [V_j+1] (empty past the end, so the counts below stay exact).
  if (kv_tiles > 0) {
    load_tile<ATTN_MMA_BLOCK_Q>(q_s, q_head, Sq, D, q0, tid);
    load_tile<ATTN_MMA_BLOCK_KV>(k_s, k_head, Skv, D, 0, tid);
    cp_async_commit();
    load_tile<ATTN_MMA_BLOCK_KV>(v_s, v_head, Skv, D, 0, tid);
    cp_async_commit();
  }

  // q_frag[kd]: the warp's 16 rows × columns 16·kd .. +16, A-operand layout.
  unsigned q_frag[ATTN_MMA_D_STEPS][4];

  for (int j = 0; j < kv_tiles; ++j) {
    const int buf = j % 2;
    const unsigned short* const k_t = k_s + buf * ATTN_MMA_KV_TILE;
    const unsigned short* const v_t = v_s + buf * ATTN_MMA_KV_TILE;
    // Pending before the wait: K_j (with Q when j == 0), V_j. At most 1 left: K_j is in.
    // The barrier publishes every thread's copies and frees the other buffers: nobody
    // reads K_j-1 or V_j-1 any more.
    cp_async_wait<1>();
    __syncthreads();
    if (j + 1 < kv_tiles)
      load_tile<ATTN_MMA_BLOCK_KV>(k_s + (1 - buf) * ATTN_MMA_KV_TILE, k_head, Skv, D, (j + 1) * ATTN_MMA_BLOCK_KV, tid);
    cp_async_commit();

    if (j == 0) {
      // ldmatrix: lane l names row l % 16, column half l / 16 (matrices A[0..7][0..7],
      // A[8..15][0..7], A[0..7][8..15], A[8..15][8..15] = a[0], a[1], a[2], a[3]).
#pragma unroll
      for (int kd = 0; kd < ATTN_MMA_D_STEPS; ++kd)
        ldmatrix_x4(q_frag[kd], smem_address(q_s + (warp * 16 + lane % 16) * ATTN_MMA_PITCH + kd * 16 + (lane / 16) * 8));
    }

    // s: (S_TILES) n8 tiles of S = Q·K_jᵀ, the warp's 16 rows × BLOCK_KV keys.
    float s[ATTN_MMA_S_TILES][4];
#pragma unroll
    for (int n = 0; n < ATTN_MMA_S_TILES; ++n)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[n][e] = 0.0f;
#pragma unroll
    for (int kd = 0; kd < ATTN_MMA_D_STEPS; ++kd) {
#pragma unroll
      for (int n = 0; n < ATTN_MMA_S_TILES; n += 2) {
        // K_j is (keys, d) row-major, i.e. Kᵀ column-major: the B operand as stored. Lane l
        // names key 8·n + 8·(l / 16) + l % 8 at column half (l / 8) % 2: r[0], r[1] = b0, b1
        // of key tile n; r[2], r[3] of tile n + 1.
        unsigned r[4];
        const int key = n * 8 + (lane / 16) * 8 + lane % 8;
        ldmatrix_x4(r, smem_address(k_t + key * ATTN_MMA_PITCH + kd * 16 + ((lane / 8) % 2) * 8));
        mma_m16n8(s[n], q_frag[kd], r[0], r[1]);
        mma_m16n8(s[n + 1], q_frag[kd], r[2], r[3]);
      }
    }

    // Scale, mask (keys past Skv; causal), online softmax (kernels/cuda/online_softmax.cuh).
    // p_a[c]: P as the A operand of P·V for keys 16·c .. +16 (the accumulator layout of S
    // tiles 2c and 2c + 1 is the A layout: a[0], a[1] from tile 2c, a[2], a[3] from 2c + 1).
    unsigned p_a[ATTN_MMA_BLOCK_KV / 16][4];
    online_softmax_tile<ATTN_MMA_S_TILES, ATTN_MMA_O_TILES>(&s[0][0], &o_acc[0][0], &p_a[0][0], m_run, l_part, scale_log2,
                                                            j * ATTN_MMA_BLOCK_KV, t, row_q0, Skv, causal, causal_shift);

    // Pending: V_j, K_j+1. At most 1 left: V_j is in; the barrier publishes it and frees
    // the other V buffer (V_j-1: read in the last tile, before this tile's first barrier).
    cp_async_wait<1>();
    __syncthreads();
    if (j + 1 < kv_tiles)
      load_tile<ATTN_MMA_BLOCK_KV>(v_s + (1 - buf) * ATTN_MMA_KV_TILE, v_head, Skv, D, (j + 1) * ATTN_MMA_BLOCK_KV, tid);
    cp_async_commit();

    // O += P·V_j. V_j is (keys, d) row-major: the B operand wants each thread's two
    // key-consecutive values in one register, hence ldmatrix .trans (as GEMM's B).
#pragma unroll
    for (int c = 0; c < ATTN_MMA_BLOCK_KV / 16; ++c) {
#pragma unroll
      for (int d = 0; d < ATTN_MMA_O_TILES; d += 2) {
        unsigned r[4];
        ldmatrix_x4_trans(r, smem_address(v_t + (c * 16 + lane % 16) * ATTN_MMA_PITCH + d * 8 + (lane / 16) * 8));
        mma_m16n8(o_acc[d], p_a[c], r[0], r[1]);
        mma_m16n8(o_acc[d + 1], p_a[c], r[2], r[3]);
      }
    }
  }
  cp_async_wait<0>();  // only empty groups can be pending here; leave none behind

  // Epilogue: O = o_acc / l per row (0 for a row that saw no key); columns 2t, 2t + 1 of
  // each 8-column tile as one 32-bit store (D % 8 == 0: both or neither exist).
  float inv_l[2];
  online_softmax_inverse_sums(l_part, inv_l);
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = row_q0 + r * 8;
    if (row >= Sq) continue;
#pragma unroll
    for (int d = 0; d < ATTN_MMA_O_TILES; ++d) {
      const int col = d * 8 + 2 * t;
      if (col >= D) continue;
      *reinterpret_cast<mma_elem2_t*>(o_head + static_cast<long long>(row) * D + col) =
          to_elem2(o_acc[d][2 * r] * inv_l[r], o_acc[d][2 * r + 1] * inv_l[r]);
    }
  }
}
