// Portable fused attention forward (FlashAttention-style, online softmax):
//   O = softmax(Q * K^T * scale [+ causal mask]) * V
// All tensors contiguous row-major:
//   Q: (B, H,   Sq,  D)      O: (B, H, Sq, D)
//   K: (B, Hkv, Skv, D)      V: (B, Hkv, Skv, D)
// Grouped-query attention: query head h reads kv head h / (H / Hkv); the host checks that
// Hkv divides H. Causal mask, bottom-right aligned as in FlashAttention 2 (so Sq != Skv
// works like a decoder continuing a cached prefix): query row i sees key j iff
// j <= i + (Skv - Sq). A query row that sees no key at all (causal with Sq > Skv) is
// written as zeros.
//
// Written once in suanli's portable dialect (kernels/dialect/*.h) and compiled at run
// time by OpenCL, NVRTC and hiprtc; tunables and the dtype arrive as -D defines.
//
// Technique. A work-group owns ATTN_BLOCK_Q query rows of one (batch, head). It stages
// those rows once in local memory (pre-multiplied by scale * log2(e), so the softmax is
// exp2 of a difference), then walks the keys in tiles of ATTN_BLOCK_KV:
//   1. stage K^T of the tile in local memory;
//   2. S = Q_tile * K_tile^T, register-blocked: each work-item computes an
//      ATTN_ROWS_PER_WI x ATTN_S_COLS_PER_WI block of S in registers;
//   3. row maxima: per-work-item partial maxima go through local memory, one work-item
//      per row combines them into the running maximum m and the rescale factor
//      exp2(m_old - m_new); meanwhile the V tile replaces the K tile in local memory;
//   4. P = exp2(S - m) (masked keys give exactly 0), written to local memory; each
//      work-item rescales its accumulator rows and its partial row sums;
//   5. O_acc += P * V_tile, register-blocked: ATTN_ROWS_PER_WI x ATTN_O_COLS_PER_WI.
// The Sq x Skv score matrix never leaves local memory; accumulation is in float.
// At the end the per-work-item partial row sums are combined and O = O_acc / l.
//
// Thread layout (one layout for both products). ATTN_LANES work-items share a row group
// ("lanes"); lane c takes key columns c, c + LANES, ... of S and head-dim columns
// c, c + LANES, ... of O; row group g takes rows g, g + ROW_GROUPS, ... of the tile.
// ATTN_LANES = min(ATTN_WG, ATTN_BLOCK_KV, 16), a derived constant (not a tunable):
//   - on GPUs a half-warp per row group gives square-ish register blocks (e.g. 8 x 2 for
//     S, 8 x 4 for O) and, within a warp, only broadcast or consecutive local reads
//     (consecutive lanes read consecutive K^T / V columns; the lanes of a row group read
//     the same Q / P element);
//   - on PoCL (CPU) the best measured work-group is a single work-item (ATTN_WG = 1, one
//     lane, one row group): it owns the whole BLOCK_Q x BLOCK_KV score tile and
//     BLOCK_Q x HEAD_DIM accumulator, and LLVM vectorizes the fully unrolled blocks
//     inside the work-item. Splitting the tile over work-items measured slower, in step
//     with the work-item count (BQ 32-64, HD 64, fp32: WG 16 ~11-13 GFLOPS, 8 ~15-17,
//     4 ~17-22, 2 ~23, 1 ~28): PoCL's vectorization across work-items turns the per-lane
//     local reads into gathers and keeps the accumulators in memory across barriers.
//
// Launch geometry (the host computes exactly this):
//   work-group size       = (ATTN_WG, 1, 1)
//   number of work-groups = (ceil(Sq / ATTN_BLOCK_Q), H, B)
//   (OpenCL global size = number of work-groups * work-group size, per dimension.)
// Only static local arrays are used; no dynamic shared memory is needed. Local memory in
// floats: BLOCK_Q*(HEAD_DIM+1) + HEAD_DIM*(BLOCK_KV+1) + BLOCK_Q*(BLOCK_KV+1) + 2*BLOCK_Q
// (the K^T and V tiles share one buffer); the GPU rows of kernels/attention_configs.h
// stay under 48 KiB.
//
// Entry point: attention_online_softmax(int B, int H, int Hkv, int Sq, int Skv, int D,
//                  float scale, int causal, GLOBAL const T* Q, GLOBAL const T* K,
//                  GLOBAL const T* V, GLOBAL T* O)
// Dtype (exactly one): -DSUANLI_DTYPE_FP32 (T = float)
//                      -DSUANLI_DTYPE_FP16 (T = half_t; computed in float)
// Any B, H, Sq, Skv >= 1 and 1 <= D <= ATTN_HEAD_DIM (D is a run-time argument; the
// head-dim columns past D are zero in local memory and never stored). Edge tiles are
// zero-filled on load and masked on store; O is only written, never read.

// ---- element type ----------------------------------------------------------------------

#if defined(SUANLI_DTYPE_FP32)
typedef float T;
#elif defined(SUANLI_DTYPE_FP16)
#ifndef SUANLI_HAS_FP16
#error "attention.cl: SUANLI_DTYPE_FP16 requested but the device has no fp16 (SUANLI_HAS_FP16 undefined)"
#endif
// fp16 storage, fp32 arithmetic: the softmax sums and the running rescale would lose the
// result to fp16 rounding.
typedef half_t T;
#else
#error "attention.cl: define exactly one of SUANLI_DTYPE_FP32, SUANLI_DTYPE_FP16"
#endif

#if (defined(SUANLI_DTYPE_FP32) + defined(SUANLI_DTYPE_FP16)) > 1
#error "attention.cl: more than one SUANLI_DTYPE_* defined"
#endif

// Storage <-> float by plain casts: valid for float and half in OpenCL C (cl_khr_fp16) and
// for __half / _Float16 in CUDA / HIP C++.
#define ATTN_LOAD(x) ((float)(x))
#define ATTN_STORE(x) ((T)(x))

#define ATTN_MAX(a, b) ((a) > (b) ? (a) : (b))
#define ATTN_MIN(a, b) ((a) < (b) ? (a) : (b))

// Initial running maximum: finite, so "no key seen yet" never produces -inf - -inf = NaN.
// Masked keys never enter the maximum and get p = 0 explicitly, so a row that has seen
// only masked keys keeps m = ATTN_NEG_BIG, rescale factor exp2(0) = 1 on a zero
// accumulator, and l = 0, which the epilogue writes as zeros.
#define ATTN_NEG_BIG (-1.0e30f)

// log2(e): Q is pre-scaled by scale * log2(e) so that exp(x * scale) = exp2(q' . k).
#define ATTN_LOG2E 1.4426950408889634f

// ---- tunables ----------------------------------------------------------------------------
// The host always passes all four (kernels/attention_configs.h). The defaults are the
// best fp32 configuration measured on PoCL 3.1 (CPU, 2-core AVX-512 Xeon) for head_dim 64
// (B=1, H=8, S=1024), so a kernel compiled with no defines at all is sane on a CI machine.
// GPU rows are typically HEAD_DIM 64: 64 / 32 / 128 (BLOCK_Q / BLOCK_KV / WG).

#ifndef ATTN_HEAD_DIM
// Compile-time upper bound on the run-time D: sizes the Q / K / V tiles in local memory
// and the accumulator in registers. The host passes the smallest of 64, 128, 256 that is
// >= D; columns D..HEAD_DIM-1 cost work but are zero and never stored.
#define ATTN_HEAD_DIM 64
#endif

#ifndef ATTN_BLOCK_Q
// Query rows per work-group: how often each staged K / V element is reused. Larger blocks
// cut K / V traffic but grow the accumulator (BLOCK_Q * HEAD_DIM / WG floats per
// work-item) and the Q tile in local memory. PoCL: 32 beat 16 and 64 (at WG 1-2).
#define ATTN_BLOCK_Q 32
#endif

#ifndef ATTN_BLOCK_KV
// Keys per tile staged in local memory: amortizes the five barriers per tile; bounded by
// local memory (the K^T / V buffer is HEAD_DIM * BLOCK_KV floats) and by the S block in
// registers (BLOCK_Q * BLOCK_KV / WG floats per work-item). PoCL: 64 beat 32 and 128.
#define ATTN_BLOCK_KV 64
#endif

#ifndef ATTN_WG
// Work-items per work-group (1-D). PoCL: 1 (see the thread layout above); GPUs: 64-256.
#define ATTN_WG 1
#endif

// Deliberately broken kernel for the harness's own tests: ATTN_SKIP_LAST_KV_TILE=1 drops
// the last key tile of every work-group, so the result is wrong (for Skv a multiple of
// ATTN_BLOCK_KV or not) and verification must reject it. Never set in a measured run.
#ifndef ATTN_SKIP_LAST_KV_TILE
#define ATTN_SKIP_LAST_KV_TILE 0
#endif

// ---- derived layout and consistency checks ------------------------------------------------

#if ATTN_HEAD_DIM < 1 || ATTN_BLOCK_Q < 1 || ATTN_BLOCK_KV < 1 || ATTN_WG < 1
#error "attention.cl: ATTN_HEAD_DIM, ATTN_BLOCK_Q, ATTN_BLOCK_KV and ATTN_WG must be >= 1"
#endif
#if ATTN_WG > 1024
#error "attention.cl: work-group larger than 1024 work-items (the CUDA / HIP limit)"
#endif

// Lanes per row group: min(WG, BLOCK_KV, 16) (why: see the header comment).
#if ATTN_WG <= ATTN_BLOCK_KV && ATTN_WG <= 16
#define ATTN_LANES ATTN_WG
#elif ATTN_BLOCK_KV <= 16
#define ATTN_LANES ATTN_BLOCK_KV
#else
#define ATTN_LANES 16
#endif

#if ATTN_WG % ATTN_LANES != 0
#error "attention.cl: ATTN_WG must be a multiple of min(ATTN_WG, ATTN_BLOCK_KV, 16)"
#endif
#define ATTN_ROW_GROUPS (ATTN_WG / ATTN_LANES)

#if ATTN_BLOCK_Q % ATTN_ROW_GROUPS != 0
#error "attention.cl: ATTN_BLOCK_Q must be a multiple of ATTN_WG / min(ATTN_WG, ATTN_BLOCK_KV, 16)"
#endif
#if ATTN_BLOCK_KV % ATTN_LANES != 0
#error "attention.cl: ATTN_BLOCK_KV must be a multiple of min(ATTN_WG, ATTN_BLOCK_KV, 16)"
#endif
#if ATTN_HEAD_DIM % ATTN_LANES != 0
#error "attention.cl: ATTN_HEAD_DIM must be a multiple of min(ATTN_WG, ATTN_BLOCK_KV, 16)"
#endif

#define ATTN_ROWS_PER_WI (ATTN_BLOCK_Q / ATTN_ROW_GROUPS)  // rows of S and O per work-item
#define ATTN_S_COLS_PER_WI (ATTN_BLOCK_KV / ATTN_LANES)    // key columns of S per work-item
#define ATTN_O_COLS_PER_WI (ATTN_HEAD_DIM / ATTN_LANES)    // head-dim columns of O per work-item

// Local row strides. The +1 pads keep GPU shared-memory banks apart: K^T is written with
// consecutive work-items on consecutive d (stride BLOCK_KV + 1 words), and within a warp
// two row groups read Q and P rows that would otherwise start in the same bank.
#define ATTN_Q_STRIDE (ATTN_HEAD_DIM + 1)
#define ATTN_KT_STRIDE (ATTN_BLOCK_KV + 1)
#define ATTN_P_STRIDE (ATTN_BLOCK_KV + 1)
// One buffer holds K^T (HEAD_DIM x KT_STRIDE) and then V (BLOCK_KV x HEAD_DIM).
#define ATTN_KV_FLOATS (ATTN_HEAD_DIM * ATTN_KT_STRIDE)

// ---- kernel ---------------------------------------------------------------------------------

KERNEL WORK_GROUP_SIZE(ATTN_WG, 1, 1) void attention_online_softmax(
    int B, int H, int Hkv, int Sq, int Skv, int D, float scale, int causal,
    GLOBAL const T* RESTRICT Q,  // Q: (B, H,   Sq,  D)
    GLOBAL const T* RESTRICT K,  // K: (B, Hkv, Skv, D)
    GLOBAL const T* RESTRICT V,  // V: (B, Hkv, Skv, D)
    GLOBAL T* RESTRICT O)        // O: (B, H,   Sq,  D)
{
    LOCAL float q_tile[ATTN_BLOCK_Q * ATTN_Q_STRIDE];   // Q rows * scale * log2(e): (BLOCK_Q, HEAD_DIM)
    LOCAL float kv_tile[ATTN_KV_FLOATS];                // K^T: (HEAD_DIM, BLOCK_KV), then V: (BLOCK_KV, HEAD_DIM)
    LOCAL float p_tile[ATTN_BLOCK_Q * ATTN_P_STRIDE];   // P: (BLOCK_Q, BLOCK_KV); also row partials
    LOCAL float row_max[ATTN_BLOCK_Q];                  // running maximum m per row (log2 domain)
    LOCAL float row_rescale[ATTN_BLOCK_Q];              // exp2(m_old - m_new) of the current tile

    const int t = local_id(0);
#if ATTN_ROW_GROUPS == 1
    // Written out so that PoCL sees the lane as the work-item id itself (contiguous).
    const int lane = t;
    const int group = 0;
#else
    const int lane = t % ATTN_LANES;
    const int group = t / ATTN_LANES;
#endif

    const int q0 = group_id(0) * ATTN_BLOCK_Q;  // first query row of this work-group
    const int h = group_id(1);
    const int b = group_id(2);
    const int hkv = h / (H / Hkv);
    (void)B;  // the grid carries B; kept in the signature for the host's uniformity

    const size_t q_base = ((size_t)b * (size_t)H + (size_t)h) * (size_t)Sq * (size_t)D;
    const size_t kv_base = ((size_t)b * (size_t)Hkv + (size_t)hkv) * (size_t)Skv * (size_t)D;
    const int diag = Skv - Sq;  // causal: row i sees keys j <= i + diag

    // Stage Q, pre-scaled; rows past Sq and columns past D are zero.
    const float q_scale = scale * ATTN_LOG2E;
    for (int idx = t; idx < ATTN_BLOCK_Q * ATTN_HEAD_DIM; idx += ATTN_WG) {
        const int d = idx % ATTN_HEAD_DIM;
        const int r = idx / ATTN_HEAD_DIM;
        const int row = q0 + r;
        float v = 0.0f;
        if (row < Sq && d < D) {
            v = ATTN_LOAD(Q[q_base + (size_t)row * (size_t)D + (size_t)d]) * q_scale;
        }
        q_tile[r * ATTN_Q_STRIDE + d] = v;
    }
    for (int r = t; r < ATTN_BLOCK_Q; r += ATTN_WG) {
        row_max[r] = ATTN_NEG_BIG;
    }

    // Per work-item state: its rows' key limits, accumulators and partial row sums.
    int key_limit[ATTN_ROWS_PER_WI];  // keys j < key_limit are visible to the row
    float acc[ATTN_ROWS_PER_WI][ATTN_O_COLS_PER_WI];
    float l_part[ATTN_ROWS_PER_WI];   // this lane's share of the row sum of P
#pragma unroll
    for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
        const int row = q0 + group + i * ATTN_ROW_GROUPS;
        key_limit[i] = causal ? ATTN_MIN(Skv, row + diag + 1) : Skv;
        l_part[i] = 0.0f;
#pragma unroll
        for (int j = 0; j < ATTN_O_COLS_PER_WI; ++j) {
            acc[i][j] = 0.0f;
        }
    }

    // Key range of the whole work-group: with the causal mask the tiles past the last
    // row's diagonal are skipped entirely (this halves the work for Sq = Skv).
    const int last_row = ATTN_MIN(q0 + ATTN_BLOCK_Q, Sq) - 1;
    int kv_end = causal ? ATTN_MIN(Skv, last_row + diag + 1) : Skv;
    if (kv_end < 0) kv_end = 0;
    int num_kv_tiles = (kv_end + ATTN_BLOCK_KV - 1) / ATTN_BLOCK_KV;
#if ATTN_SKIP_LAST_KV_TILE
    // TEST HOOK, deliberately wrong (see ATTN_SKIP_LAST_KV_TILE above).
    num_kv_tiles -= 1;
#endif

    for (int kt = 0; kt < num_kv_tiles; ++kt) {
        const int k0 = kt * ATTN_BLOCK_KV;

        // 1. K^T tile. Consecutive work-items read consecutive d of one key (contiguous in
        //    global memory); keys past Skv and columns past D are zero.
        for (int idx = t; idx < ATTN_BLOCK_KV * ATTN_HEAD_DIM; idx += ATTN_WG) {
            const int d = idx % ATTN_HEAD_DIM;
            const int j = idx / ATTN_HEAD_DIM;
            const int key = k0 + j;
            float v = 0.0f;
            if (key < Skv && d < D) {
                v = ATTN_LOAD(K[kv_base + (size_t)key * (size_t)D + (size_t)d]);
            }
            kv_tile[d * ATTN_KT_STRIDE + j] = v;
        }
        BARRIER();  // K^T (and, on the first tile, Q and row_max) complete

        // 2. S block = Q rows . K columns, over the run-time D only.
        float s[ATTN_ROWS_PER_WI][ATTN_S_COLS_PER_WI];
#pragma unroll
        for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
#pragma unroll
            for (int j = 0; j < ATTN_S_COLS_PER_WI; ++j) {
                s[i][j] = 0.0f;
            }
        }
        for (int d = 0; d < D; ++d) {
            float q_reg[ATTN_ROWS_PER_WI];
            float k_reg[ATTN_S_COLS_PER_WI];
#pragma unroll
            for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
                q_reg[i] = q_tile[(group + i * ATTN_ROW_GROUPS) * ATTN_Q_STRIDE + d];
            }
#pragma unroll
            for (int j = 0; j < ATTN_S_COLS_PER_WI; ++j) {
                k_reg[j] = kv_tile[d * ATTN_KT_STRIDE + lane + j * ATTN_LANES];
            }
#pragma unroll
            for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
#pragma unroll
                for (int j = 0; j < ATTN_S_COLS_PER_WI; ++j) {
                    s[i][j] = q_reg[i] * k_reg[j] + s[i][j];
                }
            }
        }

        // 3a. Partial row maxima over this lane's visible keys (p_tile is free: the last
        //     reader of the previous tile's P passed the barrier at the end of the loop).
#pragma unroll
        for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
            float m = ATTN_NEG_BIG;
#pragma unroll
            for (int j = 0; j < ATTN_S_COLS_PER_WI; ++j) {
                const int key = k0 + lane + j * ATTN_LANES;
                if (key < key_limit[i]) m = ATTN_MAX(m, s[i][j]);
            }
            p_tile[(group + i * ATTN_ROW_GROUPS) * ATTN_P_STRIDE + lane] = m;
        }
        BARRIER();  // partial maxima complete; nobody reads K^T any more

        // 3b. One work-item per row: new running maximum and the rescale factor.
        for (int r = t; r < ATTN_BLOCK_Q; r += ATTN_WG) {
            const float m_old = row_max[r];
            float m_new = m_old;
            for (int c = 0; c < ATTN_LANES; ++c) {
                m_new = ATTN_MAX(m_new, p_tile[r * ATTN_P_STRIDE + c]);
            }
            row_max[r] = m_new;
            row_rescale[r] = exp2_f32(m_old - m_new);  // 1 while no key seen: exp2(0)
        }
        // 3c. V tile replaces K^T, in its natural (key, d) layout.
        for (int idx = t; idx < ATTN_BLOCK_KV * ATTN_HEAD_DIM; idx += ATTN_WG) {
            const int d = idx % ATTN_HEAD_DIM;
            const int j = idx / ATTN_HEAD_DIM;
            const int key = k0 + j;
            float v = 0.0f;
            if (key < Skv && d < D) {
                v = ATTN_LOAD(V[kv_base + (size_t)key * (size_t)D + (size_t)d]);
            }
            kv_tile[j * ATTN_HEAD_DIM + d] = v;
        }
        BARRIER();  // maxima, rescale factors and V complete; partials consumed

        // 4. P = exp2(S - m) for visible keys, exactly 0 for masked ones; rescale the
        //    accumulator and the partial sums to the new maximum.
#pragma unroll
        for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
            const int r = group + i * ATTN_ROW_GROUPS;
            const float m = row_max[r];
            const float alpha = row_rescale[r];
            float l = l_part[i] * alpha;
#pragma unroll
            for (int j = 0; j < ATTN_S_COLS_PER_WI; ++j) {
                const int key = k0 + lane + j * ATTN_LANES;
                const float p = key < key_limit[i] ? exp2_f32(s[i][j] - m) : 0.0f;
                l += p;
                p_tile[r * ATTN_P_STRIDE + lane + j * ATTN_LANES] = p;
            }
            l_part[i] = l;
#pragma unroll
            for (int j = 0; j < ATTN_O_COLS_PER_WI; ++j) {
                acc[i][j] *= alpha;
            }
        }
        BARRIER();  // P complete

        // 5. O_acc += P . V over the whole tile (keys past Skv have P = 0 and V = 0).
#pragma unroll 4
        for (int j = 0; j < ATTN_BLOCK_KV; ++j) {
            float p_reg[ATTN_ROWS_PER_WI];
            float v_reg[ATTN_O_COLS_PER_WI];
#pragma unroll
            for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
                p_reg[i] = p_tile[(group + i * ATTN_ROW_GROUPS) * ATTN_P_STRIDE + j];
            }
#pragma unroll
            for (int c = 0; c < ATTN_O_COLS_PER_WI; ++c) {
                v_reg[c] = kv_tile[j * ATTN_HEAD_DIM + lane + c * ATTN_LANES];
            }
#pragma unroll
            for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
#pragma unroll
                for (int c = 0; c < ATTN_O_COLS_PER_WI; ++c) {
                    acc[i][c] = p_reg[i] * v_reg[c] + acc[i][c];
                }
            }
        }
        BARRIER();  // V and P consumed before the next tile overwrites them
    }

    // Epilogue: combine the lanes' partial row sums, O = O_acc / l; l == 0 (no visible
    // key) writes zeros. p_tile is free here (after the loop's last barrier, or unused).
#pragma unroll
    for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
        p_tile[(group + i * ATTN_ROW_GROUPS) * ATTN_P_STRIDE + lane] = l_part[i];
    }
    BARRIER();
#pragma unroll
    for (int i = 0; i < ATTN_ROWS_PER_WI; ++i) {
        const int r = group + i * ATTN_ROW_GROUPS;
        const int row = q0 + r;
        float l = 0.0f;
        for (int c = 0; c < ATTN_LANES; ++c) {
            l += p_tile[r * ATTN_P_STRIDE + c];
        }
        const float inv_l = l > 0.0f ? 1.0f / l : 0.0f;
        if (row < Sq) {
#pragma unroll
            for (int c = 0; c < ATTN_O_COLS_PER_WI; ++c) {
                const int d = lane + c * ATTN_LANES;
                if (d < D) {
                    O[q_base + (size_t)row * (size_t)D + (size_t)d] = ATTN_STORE(acc[i][c] * inv_l);
                }
            }
        }
    }
}
