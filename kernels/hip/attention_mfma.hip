// attention_mfma: fused attention forward on the AMD CDNA matrix cores (gfx908 / MI100,
// gfx90a / MI200, gfx942 / MI300), FlashAttention-2 style, native tier, HIP only.
//
//   O = softmax(Q·Kᵀ·scale [+ causal mask])·V
//   q: (B, H, Sq, D)   k, v: (B, Hkv, Skv, D)   o: (B, H, Sq, D)   contiguous row-major
//
// The semantics are kernels/cuda/attention_mma_sync.cu's (and the portable kernel's):
// grouped-query heads (query head h reads kv head h / (H / Hkv)); the causal mask is
// bottom-right aligned, query row i sees key j iff j <= i + (Skv - Sq); a row that sees no
// key is written as zeros. Inputs fp16 or bf16 (SUANLI_DTYPE_*), both products on the 32 × 32
// × 8 MFMA (fp32 accumulate), softmax in fp32, P rounded to the input type for the second
// product (as the CUDA kernel, FlashAttention-2 and cuDNN do), O rounded once at the end.
//
// Transposed products. The MFMA's D layout (kernels/hip/mfma_common.hip) gives lane l one
// column l % 32 and 16 rows; the B operand gives lane l column l % 32 and 4 consecutive K.
// So the kernel computes Sᵀ = K·Qᵀ (keys as rows, queries as columns) and Oᵀ += Vᵀ·Pᵀ:
//   - Sᵀ's register r of lane l is key 8·(r / 4) + 4·(l / 32) + r % 4, query l % 32, which
//     is exactly the Pᵀ B-fragment of K step r / 4 (element r % 4): P goes from the fp32
//     accumulators to the second product without LDS (the FlashAttention-2 register reuse);
//   - each lane owns one query row (l % 32) whole: its 16 keys per 32-key tile and lane
//     l ^ 32's other 16 are the row's keys, so a row maximum is a max over the lane's own
//     registers and one exchange with lane l ^ 32, and the running max, sum and rescale
//     factor are per lane, not per register;
//   - Oᵀ's register r of lane l is head-dim column 8·(r / 4) + 4·(l / 32) + r % 4 of query
//     l % 32: the rescale touches every O register of the lane by the same factor.
//
// Cross-lane exchange: __builtin_amdgcn_ds_bpermute (what __shfl_xor compiles to). DPP moves
// data within rows of 16 lanes (and row broadcasts), and the partner here is 32 lanes away;
// the builtin also needs no HIP header, which hiprtc would otherwise have to supply. One
// exchange per key tile for the maximum and one at the end for the sum (each lane keeps a
// partial sum over its keys, rescaled by the same factor as its partner's).
//
// Structure (one block = WARPS wavefronts of 32 query rows each, BLOCK_Q = 32 · WARPS rows of
// one (batch, head); grid = (ceil(Sq / BLOCK_Q), H, B)):
//   - each wavefront loads its Q fragments (Qᵀ as B operand: 4 head-dim-consecutive elements
//     of its query) once from global memory into registers;
//   - keys are walked in tiles of BLOCK_KV: the block stages K as (keys, d) and V transposed
//     as (d, keys) in LDS, so both A fragments (K for Sᵀ, Vᵀ for Oᵀ) are one 8-byte read; one
//     buffer, two barriers per tile (simple first: no performance was measurable here);
//   - keys past Skv and masked keys get Sᵀ = -inf, hence P = 0 exactly.
//
// Head dim: D <= ATTN_MFMA_HEAD_DIM (64 or 128) and D % 4 == 0 (rows of whole 8-byte runs:
// branch-free loads, see load_run4). Columns D .. HEAD_DIM are zero in LDS and in the Q
// fragments, so they add nothing to Sᵀ, and the matching O columns are never stored.
//
// Causal work balance: block x takes query tile (gridDim.x - 1 - x), longest first, as the
// CUDA kernel does.
//
// Dynamic LDS: BLOCK_KV × (HEAD_DIM + 4) + HEAD_DIM × (BLOCK_KV + 4) 16-bit elements (34,304
// bytes at HEAD_DIM 128 and the default tile, 17,408 at 64), passed at launch
// (kernels/native_catalog.cpp computes the same number). The 4-element padding keeps rows
// 8-byte aligned and moves consecutive rows off the same banks (as in gemm_mfma.hip).
//
// The fragment types, conversions, mfma_32x32x8 (per dtype and arch; gfx908 bf16: two
// 32x32x4) and load_u64 come from kernels/hip/mfma_common.hip, prepended by the catalog.
// GEMM_MFMA_HOST_EMULATION runs this file on the host against tests/gemm_mfma_emulation.h
// (tests/test_attention_mfma_emulated.cpp).

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Compile-time bound on D: the width of the Q fragments and K tile, the height of the Vᵀ
// tile, a multiple of 32 (Oᵀ is HEAD_DIM / 32 MFMA tiles of 32 head-dim rows).
#ifndef ATTN_MFMA_HEAD_DIM
#define ATTN_MFMA_HEAD_DIM 128
#endif
// Wavefronts per block; each owns 32 query rows. 2 give the CUDA kernel's 64-row block, so
// every K / V tile staged in LDS serves 64 queries, while Q (32 VGPRs at HEAD_DIM 128), Oᵀ
// (64 accumulators) and Sᵀ (32) leave room for two blocks per SIMD.
#ifndef ATTN_MFMA_WARPS
#define ATTN_MFMA_WARPS 2
#endif
// Keys per tile: a multiple of 32 (Sᵀ tiles have 32 key rows).
#ifndef ATTN_MFMA_BLOCK_KV
#define ATTN_MFMA_BLOCK_KV 64
#endif

#define ATTN_MFMA_THREADS (ATTN_MFMA_WARPS * 64)
#define ATTN_MFMA_BLOCK_Q (ATTN_MFMA_WARPS * 32)
#define ATTN_MFMA_K_PITCH (ATTN_MFMA_HEAD_DIM + 4)  // K tile row pitch (one key), elements
#define ATTN_MFMA_V_PITCH (ATTN_MFMA_BLOCK_KV + 4)  // Vᵀ tile row pitch (one head-dim column)
#define ATTN_MFMA_D_STEPS (ATTN_MFMA_HEAD_DIM / 8)  // K steps of Sᵀ = K·Qᵀ
#define ATTN_MFMA_S_TILES (ATTN_MFMA_BLOCK_KV / 32)  // 32-key tiles of Sᵀ
#define ATTN_MFMA_P_STEPS (ATTN_MFMA_BLOCK_KV / 8)  // K steps of Oᵀ += Vᵀ·Pᵀ
#define ATTN_MFMA_O_TILES (ATTN_MFMA_HEAD_DIM / 32)  // 32-row tiles of Oᵀ
#define ATTN_MFMA_RUNS (ATTN_MFMA_BLOCK_KV * ATTN_MFMA_HEAD_DIM / 4 / ATTN_MFMA_THREADS)  // per thread per tile

static_assert(ATTN_MFMA_HEAD_DIM % 32 == 0, "HEAD_DIM must be a multiple of the MFMA tile (32)");
static_assert(ATTN_MFMA_BLOCK_KV % 32 == 0, "BLOCK_KV must be a multiple of the MFMA tile (32)");
static_assert(ATTN_MFMA_RUNS * 4 * ATTN_MFMA_THREADS == ATTN_MFMA_BLOCK_KV * ATTN_MFMA_HEAD_DIM,
              "K / V tiles must split into whole 4-element runs per thread");

// log2(e): Sᵀ is scaled by scale · log2(e), so that exp(x · scale) = exp2(s).
#define ATTN_MFMA_LOG2E 1.4426950408889634f

// The value of lane (this lane ^ 32): the other half of this lane's query row.
__device__ inline float other_half(float v) {
  const int from = (lane_id() ^ 32) * 4;  // ds_bpermute addresses lanes in bytes
  return __builtin_bit_cast(float, __builtin_amdgcn_ds_bpermute(from, __builtin_bit_cast(int, v)));
}

// Four elements of row `row` of a (rows, cols) matrix from column `col`, zeros outside it.
// cols % 4 == 0, so a run is wholly inside or outside, 8-byte aligned, and one load (of the
// matrix's first run when outside) and a select do: no branch. load_run's element-wise
// fallback (any cols, branches per run) left hiprtc holding an exec mask per unrolled run:
// SGPR spills at every head-dim bound.
__device__ inline unsigned long long load_run4(const unsigned short* m, int rows, int cols, int row, int col) {
  const bool in = row < rows && col < cols;
  const unsigned long long v = load_u64(m + (in ? static_cast<long long>(row) * cols + col : 0));
  return in ? v : 0;
}

// Keys first .. first + BLOCK_KV of one head into LDS: k_s (BLOCK_KV, K_PITCH) as stored,
// v_s (HEAD_DIM, V_PITCH) transposed. Keys past seq and columns past D are zeros.
// k_head, v_head: (seq, D).
__device__ inline void stage_kv(unsigned short* k_s, unsigned short* v_s, const unsigned short* k_head,
                                const unsigned short* v_head, int seq, int D, int first, int tid) {
  constexpr int runs_per_row = ATTN_MFMA_HEAD_DIM / 4;
  for (int i = 0; i < ATTN_MFMA_RUNS; ++i) {
    // Consecutive threads take consecutive runs of a key row: coalesced along the row.
    const int run = tid + i * ATTN_MFMA_THREADS;
    const int r = run / runs_per_row;
    const int c = (run % runs_per_row) * 4;
    store_u64(k_s + r * ATTN_MFMA_K_PITCH + c, load_run4(k_head, seq, D, first + r, c));
    const unsigned long long vr = load_run4(v_head, seq, D, first + r, c);
    for (int e = 0; e < 4; ++e) v_s[(c + e) * ATTN_MFMA_V_PITCH + r] = static_cast<unsigned short>(vr >> (16 * e));
  }
}

// Four fp32 values rounded to the element type, as one fragment.
__device__ inline gemm_frag_t frag_of(float x0, float x1, float x2, float x3) {
  const unsigned long long bits = static_cast<unsigned long long>(to_elem(x0)) |
                                  static_cast<unsigned long long>(to_elem(x1)) << 16 |
                                  static_cast<unsigned long long>(to_elem(x2)) << 32 |
                                  static_cast<unsigned long long>(to_elem(x3)) << 48;
  return __builtin_bit_cast(gemm_frag_t, bits);
}

// B, H, Hkv, Sq, Skv, D: the problem (Hkv divides H; D <= HEAD_DIM, D % 4 == 0); scale: the softmax scale
// (1/√D by default); causal: 0 or 1. q, k, v: read; o: written, never read. Elements are the
// 16-bit patterns of the dtype. The argument list is attention_mma_sync's.
extern "C" __global__ void __launch_bounds__(ATTN_MFMA_THREADS)
attention_mfma(int B, int H, int Hkv, int Sq, int Skv, int D, float scale, int causal,
               const unsigned short* __restrict__ q, const unsigned short* __restrict__ k,
               const unsigned short* __restrict__ v, unsigned short* __restrict__ o) {
  // LDS: k_s (BLOCK_KV, K_PITCH), then v_s (HEAD_DIM, V_PITCH), 16-bit elements.
  extern __shared__ __attribute__((aligned(16))) unsigned char attention_mfma_lds[];
  unsigned short* const k_s = reinterpret_cast<unsigned short*>(attention_mfma_lds);
  unsigned short* const v_s = k_s + ATTN_MFMA_BLOCK_KV * ATTN_MFMA_K_PITCH;

  const int tid = static_cast<int>(threadIdx.x);
  const int lane = lane_id();
  const int wave = tid / 64;
  const int frag_row = lane % 32;      // the lane's row of an A fragment / column of B and D
  const int frag_k = 4 * (lane / 32);  // its first K position in an 8-deep step
  const int q_tile = static_cast<int>(gridDim.x) - 1 - static_cast<int>(blockIdx.x);  // longest first
  const int h = static_cast<int>(blockIdx.y);
  const int b = static_cast<int>(blockIdx.z);
  const int h_kv = h / (H / Hkv);
  const int q0 = q_tile * ATTN_MFMA_BLOCK_Q;
  (void)B;

  // Heads as (S, D) matrices: q_head, o_head (Sq, D); k_head, v_head (Skv, D).
  const long long q_offset = (static_cast<long long>(b) * H + h) * Sq * D;
  const long long kv_offset = (static_cast<long long>(b) * Hkv + h_kv) * Skv * D;
  const unsigned short* const q_head = q + q_offset;
  const unsigned short* const k_head = k + kv_offset;
  const unsigned short* const v_head = v + kv_offset;
  unsigned short* const o_head = o + q_offset;

  // This lane's query row (absolute); it may be past Sq (its Q is zeros, its O not stored).
  const int row = q0 + wave * 32 + frag_row;
  // Keys visible to the block's last query row bound the walk; none: zeros.
  const int causal_shift = Skv - Sq;  // bottom-right alignment
  // The row sees keys [0, row_end): one compare per score, against one per-lane bound, so
  // the masks of a tile need not stay live together (they are SGPR pairs).
  const int row_causal_end = row + causal_shift + 1;
  const int row_end = causal && row_causal_end < Skv ? row_causal_end : Skv;
  const int last_row = (q0 + ATTN_MFMA_BLOCK_Q < Sq ? q0 + ATTN_MFMA_BLOCK_Q : Sq) - 1;
  const int causal_end = last_row + causal_shift + 1;
  const int key_end = causal && causal_end < Skv ? causal_end : Skv;  // keys [0, key_end)
  const int kv_tiles = key_end > 0 ? (key_end + ATTN_MFMA_BLOCK_KV - 1) / ATTN_MFMA_BLOCK_KV : 0;

  // q_frag[kd]: Qᵀ's B fragment of head-dim step kd: columns 8·kd + frag_k .. +3 of the row.
  gemm_frag_t q_frag[ATTN_MFMA_D_STEPS];
  for (int kd = 0; kd < ATTN_MFMA_D_STEPS; ++kd)
    q_frag[kd] = __builtin_bit_cast(gemm_frag_t, load_run4(q_head, Sq, D, row, kd * 8 + frag_k));

  // o_acc[t]: Oᵀ rows (head-dim columns) 32·t .. +32 of the wavefront's 32 queries.
  gemm_acc_t o_acc[ATTN_MFMA_O_TILES];
  for (int t = 0; t < ATTN_MFMA_O_TILES; ++t)
    for (int r = 0; r < 16; ++r) o_acc[t][r] = 0.0f;
  const float neg_inf = -__builtin_inff();
  float m_run = neg_inf;  // running maximum of the row
  float l_part = 0.0f;    // this lane's share of the running sum (its keys)
  const float scale_log2 = scale * ATTN_MFMA_LOG2E;

  for (int j = 0; j < kv_tiles; ++j) {
    const int key0 = j * ATTN_MFMA_BLOCK_KV;
    // Every wavefront finished reading the previous tile; then this one is published.
    __syncthreads();
    stage_kv(k_s, v_s, k_head, v_head, Skv, D, key0, tid);
    __syncthreads();

    // s[n]: Sᵀ tile n (keys key0 + 32·n .., the wavefront's 32 queries) = K·Qᵀ.
    gemm_acc_t s[ATTN_MFMA_S_TILES];
    for (int n = 0; n < ATTN_MFMA_S_TILES; ++n) {
      for (int r = 0; r < 16; ++r) s[n][r] = 0.0f;
      for (int kd = 0; kd < ATTN_MFMA_D_STEPS; ++kd)
        mfma_32x32x8(s[n], load_frag(k_s + (n * 32 + frag_row) * ATTN_MFMA_K_PITCH + kd * 8 + frag_k), q_frag[kd]);
    }

    // Scale, mask (keys past Skv; causal), the row's new maximum.
    float m_new = m_run;
    for (int n = 0; n < ATTN_MFMA_S_TILES; ++n) {
      for (int r = 0; r < 16; ++r) {
        const int key = key0 + n * 32 + 8 * (r / 4) + frag_k + r % 4;
        s[n][r] = key < row_end ? s[n][r] * scale_log2 : neg_inf;
        m_new = __builtin_fmaxf(m_new, s[n][r]);
      }
    }
    m_new = __builtin_fmaxf(m_new, other_half(m_new));
    // A row with no visible key so far keeps m = -inf: subtract 0 (P is 0 anyway) and do not
    // rescale (-inf - -inf would be NaN).
    const bool none = m_new == neg_inf;
    const float rescale = none ? 1.0f : __builtin_exp2f(m_run - m_new);
    const float offset = none ? 0.0f : m_new;
    m_run = m_new;
    l_part *= rescale;
    for (int t = 0; t < ATTN_MFMA_O_TILES; ++t)
      for (int r = 0; r < 16; ++r) o_acc[t][r] *= rescale;

    // Oᵀ += Vᵀ·Pᵀ, 8 keys per step: Pᵀ's B fragment of step c is registers 4·(c % 4) .. +3
    // of Sᵀ tile c / 4, as they are.
    for (int c = 0; c < ATTN_MFMA_P_STEPS; ++c) {
      float p[4];
      for (int e = 0; e < 4; ++e) {
        p[e] = __builtin_exp2f(s[c / 4][4 * (c % 4) + e] - offset);
        l_part += p[e];
      }
      const gemm_frag_t p_frag = frag_of(p[0], p[1], p[2], p[3]);
      for (int t = 0; t < ATTN_MFMA_O_TILES; ++t)
        mfma_32x32x8(o_acc[t], load_frag(v_s + (t * 32 + frag_row) * ATTN_MFMA_V_PITCH + c * 8 + frag_k), p_frag);
    }
  }

  // Epilogue: O = Oᵀ / l for the row (0 for a row that saw no key). Both halves of the
  // wavefront take part in the exchange before any lane leaves.
  const float l = l_part + other_half(l_part);
  if (row >= Sq) return;
  const float inv_l = l > 0.0f ? 1.0f / l : 0.0f;
  for (int t = 0; t < ATTN_MFMA_O_TILES; ++t) {
    for (int r = 0; r < 16; ++r) {
      const int col = t * 32 + 8 * (r / 4) + frag_k + r % 4;
      if (col < D) o_head[static_cast<long long>(row) * D + col] = to_elem(o_acc[t][r] * inv_l);
    }
  }
}
