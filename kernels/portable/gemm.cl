// Portable GEMM: C = alpha * A * B + beta * C, all matrices row-major.
//   A: (M, K) row-major, lda = K
//   B: (K, N) row-major, ldb = N
//   C: (M, N) row-major, ldc = N
//
// Written once in suanli's portable dialect (kernels/dialect/*.h) and compiled at run
// time by OpenCL, NVRTC and hiprtc; tunables and the dtype arrive as -D defines.
//
// Technique: shared-memory (local-memory) tiling plus register blocking.
//   - A work-group owns a GEMM_TILE_M x GEMM_TILE_N tile of C. It walks K in steps of
//     GEMM_TILE_K, staging the matching A and B panels in local memory, so each global
//     element is read once per work-group instead of once per output.
//   - Each work-item accumulates a GEMM_WPT_M x GEMM_WPT_N block of C in private
//     registers; per k it loads WPT_M values of A and WPT_N values of B from local memory
//     and does WPT_M * WPT_N multiply-adds (an outer product), which is what makes the
//     kernel compute-bound rather than local-memory-bound.
//   - A work-item's outputs are strided across the tile (row ly + i * WG_M, column
//     lx + j * WG_N), not contiguous: neighbouring work-items in dimension 0 then touch
//     neighbouring columns, which gives coalesced global stores and conflict-free local
//     reads on GPUs. (On PoCL a contiguous per-work-item block measured 2x slower: it
//     loses PoCL's vectorization across work-items and gains nothing in return.)
//
// Launch geometry (the host computes exactly this):
//   work-group size      = (GEMM_TILE_N / GEMM_WPT_N, GEMM_TILE_M / GEMM_WPT_M)  in dims (0, 1)
//   number of work-groups = (ceil(N / GEMM_TILE_N), ceil(M / GEMM_TILE_M))       in dims (0, 1)
//   (OpenCL global size = number of work-groups * work-group size, per dimension.)
// Only static local arrays are used; no dynamic shared memory is needed.
//
// Entry points (same arguments):
//   gemm_smem_tiled(int M, int N, int K, ACC alpha, ACC beta,
//                   GLOBAL const T* A, GLOBAL const T* B, GLOBAL T* C)
//   gemm_packed_panel(...)   for CPUs, see its own section at the end of this file
// Dtype (exactly one): -DSUANLI_DTYPE_FP32 (T = float,  ACC = float)
//                      -DSUANLI_DTYPE_FP64 (T = double, ACC = double)
//                      -DSUANLI_DTYPE_FP16 (T = half_t, ACC = float)
// Any M, N, K >= 1: edge tiles are zero-filled on load and masked on store.
// beta == 0 never reads C, so a NaN-poisoned C does not leak into the result.

// ---- element and accumulate types --------------------------------------------------

#if defined(SUANLI_DTYPE_FP32)
typedef float T;
typedef float ACC;
#define GEMM_ACC_NAME float
#elif defined(SUANLI_DTYPE_FP64)
#ifndef SUANLI_HAS_FP64
#error "gemm.cl: SUANLI_DTYPE_FP64 requested but the device has no fp64 (SUANLI_HAS_FP64 undefined)"
#endif
typedef double T;
typedef double ACC;
#define GEMM_ACC_NAME double
#elif defined(SUANLI_DTYPE_FP16)
#ifndef SUANLI_HAS_FP16
#error "gemm.cl: SUANLI_DTYPE_FP16 requested but the device has no fp16 (SUANLI_HAS_FP16 undefined)"
#endif
// fp16 storage, fp32 accumulation: summing K products in fp16 would lose the result
// to rounding long before K reaches realistic sizes.
typedef half_t T;
typedef float ACC;
#define GEMM_ACC_NAME float
#else
#error "gemm.cl: define exactly one of SUANLI_DTYPE_FP32, SUANLI_DTYPE_FP64, SUANLI_DTYPE_FP16"
#endif

#if (defined(SUANLI_DTYPE_FP32) + defined(SUANLI_DTYPE_FP64) + defined(SUANLI_DTYPE_FP16)) > 1
#error "gemm.cl: more than one SUANLI_DTYPE_* defined"
#endif

// Conversions between storage and accumulate type. A plain cast works for all three
// dtypes in OpenCL C (half with cl_khr_fp16) and in CUDA / HIP (__half has float
// conversions), so the kernel body never needs to know which dtype it is.
#define GEMM_LOAD(x) ((ACC)(x))
#define GEMM_STORE(x) ((T)(x))

// Multiply-add written plainly: every compiler here contracts a*b+c into an FMA where
// the hardware has one (OpenCL and NVRTC/hiprtc contract by default), and a plain
// expression keeps the source valid in both C dialects.
#define GEMM_MAD(a, b, c) ((a) * (b) + (c))

// ---- tunables ----------------------------------------------------------------------
// The defaults are the best fp32 configuration measured on PoCL 3.1 (CPU, 2-core
// AVX-512 Xeon): a CI machine must get a sane kernel with no tuning table at all. GPUs
// get their configuration from the host's tuning tables as -D overrides; a sensible
// starting point there is TILE 128x128x8, WPT 8x8, PAD 1 (256 work-items; fp64:
// TILE 64x64x16, WPT 4x4, PAD 1, which keeps the register block small enough for
// two or more blocks per SM).
//
// Why these numbers on PoCL: PoCL vectorizes across the dimension-0 work-items of a
// work-group, but clang hoists every local_id-derived address out of the K loop, and
// PoCL then keeps it per work-item across the barriers, so each local-memory read in
// the inner loop becomes a gather over 4 lanes. Throughput is therefore set by
// FMAs per gather, (WPT_M * WPT_N) / (WPT_M + WPT_N), against register pressure; wider
// WPT_N or larger blocks measured slower. fp64 prefers TILE 64x64x32, WPT 8x4.

#ifndef GEMM_TILE_M
// Rows of C per work-group. With WPT_M = 8: 8 work-items in dimension 1.
#define GEMM_TILE_M 64
#endif

#ifndef GEMM_TILE_N
// Columns of C per work-group. With WPT_N = 2: 16 work-items in dimension 0.
#define GEMM_TILE_N 32
#endif

#ifndef GEMM_TILE_K
// Depth of the A and B panels staged per barrier pair. Longer steps amortize the two
// barriers and PoCL's per-region reload of the accumulators; 32 beat 16 and 64 on PoCL.
// GPUs want 8-16 (shared memory per block, and more blocks per SM).
#define GEMM_TILE_K 32
#endif

#ifndef GEMM_WPT_M
// Rows of the register block per work-item: how often each B value is reused.
#define GEMM_WPT_M 8
#endif

#ifndef GEMM_WPT_N
// Columns of the register block per work-item: how often each A value is reused.
#define GEMM_WPT_N 2
#endif

#ifndef GEMM_PAD
// Extra elements per local-memory row. The A panel is written transposed, so
// consecutive work-items store TILE_M + PAD elements apart; with TILE_M a multiple of
// the GPU bank count (32) that is one bank, and a pad of 1 spreads the store over all
// banks. CPUs have no banks, so the CPU default is 0; GPU configs should set 1.
#define GEMM_PAD 0
#endif

#ifndef GEMM_EXTRA_WORK_PCT
// FOR REGRESSION-DETECTION VALIDATION ONLY (docs/REGRESSION.md; `suanli run
// --kernel-define GEMM_EXTRA_WORK_PCT=5`): runs this percentage more K tiles, whose
// multiply-adds are real but add exactly zero — a known slowdown for `suanli compare` to
// find. 0, the default, compiles none of it. Never set it in a measured run.
#define GEMM_EXTRA_WORK_PCT 0
#endif

// ---- consistency checks --------------------------------------------------------------

#define GEMM_WG_N (GEMM_TILE_N / GEMM_WPT_N)  // work-group size, dimension 0
#define GEMM_WG_M (GEMM_TILE_M / GEMM_WPT_M)  // work-group size, dimension 1
#define GEMM_WG_SIZE (GEMM_WG_N * GEMM_WG_M)

#if GEMM_TILE_M < 1 || GEMM_TILE_N < 1 || GEMM_TILE_K < 1 || GEMM_WPT_M < 1 || GEMM_WPT_N < 1 || GEMM_PAD < 0
#error "gemm.cl: tile sizes and WPT must be >= 1, GEMM_PAD >= 0"
#endif
#if GEMM_TILE_M % GEMM_WPT_M != 0
#error "gemm.cl: GEMM_TILE_M must be a multiple of GEMM_WPT_M"
#endif
#if GEMM_TILE_N % GEMM_WPT_N != 0
#error "gemm.cl: GEMM_TILE_N must be a multiple of GEMM_WPT_N"
#endif
#if (GEMM_TILE_M * GEMM_TILE_K) % GEMM_WG_SIZE != 0
#error "gemm.cl: the A panel (GEMM_TILE_M * GEMM_TILE_K) must split evenly over the work-group"
#endif
#if (GEMM_TILE_K * GEMM_TILE_N) % GEMM_WG_SIZE != 0
#error "gemm.cl: the B panel (GEMM_TILE_K * GEMM_TILE_N) must split evenly over the work-group"
#endif
#if GEMM_EXTRA_WORK_PCT < 0
#error "gemm.cl: GEMM_EXTRA_WORK_PCT must be >= 0"
#endif
#if GEMM_WG_SIZE > 1024
#error "gemm.cl: work-group larger than 1024 work-items (the CUDA / HIP limit)"
#endif

// Loads per work-item to fill each panel (integral by the checks above).
#define GEMM_LOADS_A ((GEMM_TILE_M * GEMM_TILE_K) / GEMM_WG_SIZE)
#define GEMM_LOADS_B ((GEMM_TILE_K * GEMM_TILE_N) / GEMM_WG_SIZE)

// Only the entry point the host asked for is compiled (GEMM_PACKED_PANEL selects the CPU
// kernel below): on a GPU, packed_panel's default register block would spill and its
// fp64 local arrays exceed the 48 KiB static shared-memory limit.
#if !defined(GEMM_PACKED_PANEL) || !GEMM_PACKED_PANEL

// ---- kernel ----------------------------------------------------------------------------

KERNEL WORK_GROUP_SIZE(GEMM_WG_N, GEMM_WG_M, 1) void gemm_smem_tiled(int M, int N, int K, ACC alpha, ACC beta,
                            GLOBAL const T* RESTRICT A,  // A: (M, K) row-major
                            GLOBAL const T* RESTRICT B,  // B: (K, N) row-major
                            GLOBAL T* RESTRICT C)        // C: (M, N) row-major
{
    // The A panel is stored transposed, k-major: the compute loop then reads, for one k,
    // values of A and of B that lie along the same local-memory row.
    LOCAL ACC a_panel[GEMM_TILE_K][GEMM_TILE_M + GEMM_PAD];  // A tile^T: (TILE_K, TILE_M)
    LOCAL ACC b_panel[GEMM_TILE_K][GEMM_TILE_N + GEMM_PAD];  // B tile:   (TILE_K, TILE_N)

    const int lx = local_id(0);  // column lane within the tile
    const int ly = local_id(1);  // row lane within the tile
    const int flat_id = ly * GEMM_WG_N + lx;

    const int tile_row0 = group_id(1) * GEMM_TILE_M;
    const int tile_col0 = group_id(0) * GEMM_TILE_N;

    ACC acc[GEMM_WPT_M][GEMM_WPT_N];
#pragma unroll
    for (int i = 0; i < GEMM_WPT_M; ++i) {
#pragma unroll
        for (int j = 0; j < GEMM_WPT_N; ++j) {
            acc[i][j] = (ACC)0;
        }
    }

    int num_k_tiles = (K + GEMM_TILE_K - 1) / GEMM_TILE_K;
#if defined(GEMM_SKIP_LAST_K_TILE) && GEMM_SKIP_LAST_K_TILE
    // TEST HOOK, deliberately wrong: drops the contribution of the last K step so the
    // harness can prove that its verification rejects a broken kernel. Never set it in
    // a measured run.
    num_k_tiles -= 1;
#endif

#if GEMM_EXTRA_WORK_PCT > 0
    {
        // Extra K tiles past the end of K: the bounds checks of the staging loops fill
        // both panels with zeros, so the unchanged compute loop does its full work and adds
        // exactly zero (the result and its verification do not change). A whole tile is too
        // coarse for small K (8 tiles at K = 256), so the tiles are spread over the
        // work-groups: groups 0..g run floor((g + 1) * tiles * PCT / 100) extra tiles in
        // all, PCT% of the grid's work within one tile. The count is uniform within a group
        // (the barriers stay legal) and unknown to the compiler. Extra code anywhere in the
        // compute loop instead made PoCL stop vectorizing it (10% ran 3x slower).
        const size_t groups_n = (size_t)((N + GEMM_TILE_N - 1) / GEMM_TILE_N);
        const size_t group = (size_t)group_id(1) * groups_n + (size_t)group_id(0);
        const size_t scaled_tiles = (size_t)num_k_tiles * (size_t)GEMM_EXTRA_WORK_PCT;
        num_k_tiles += (int)((group + 1) * scaled_tiles / 100 - group * scaled_tiles / 100);
    }
#endif

    for (int kt = 0; kt < num_k_tiles; ++kt) {
        const int k0 = kt * GEMM_TILE_K;

        // Stage the A panel. Consecutive work-items take consecutive k, which is the
        // contiguous direction of row-major A, so the global reads coalesce (GPU) or
        // vectorize (CPU); the transpose happens on the local-memory side. Out-of-range
        // elements are zero so that edge tiles need no special case in the compute loop.
#pragma unroll
        for (int l = 0; l < GEMM_LOADS_A; ++l) {
            const int idx = flat_id + l * GEMM_WG_SIZE;
            const int kk = idx % GEMM_TILE_K;
            const int mm = idx / GEMM_TILE_K;
            const int row = tile_row0 + mm;
            const int col = k0 + kk;
            ACC v = (ACC)0;
            if (row < M && col < K) {
                v = GEMM_LOAD(A[(size_t)row * (size_t)K + (size_t)col]);
            }
            a_panel[kk][mm] = v;
        }

        // Stage the B panel: row-major B is already contiguous along n, the direction
        // consecutive work-items take, so both sides of the copy are contiguous.
#pragma unroll
        for (int l = 0; l < GEMM_LOADS_B; ++l) {
            const int idx = flat_id + l * GEMM_WG_SIZE;
            const int nn = idx % GEMM_TILE_N;
            const int kk = idx / GEMM_TILE_N;
            const int row = k0 + kk;
            const int col = tile_col0 + nn;
            ACC v = (ACC)0;
            if (row < K && col < N) {
                v = GEMM_LOAD(B[(size_t)row * (size_t)N + (size_t)col]);
            }
            b_panel[kk][nn] = v;
        }

        BARRIER();

        // Register-blocked outer products over the staged K step. Fully unrolled so the
        // private arrays live in registers and, on PoCL, so the work-item loop it wraps
        // around this region is the innermost loop and gets vectorized.
#pragma unroll
        for (int k = 0; k < GEMM_TILE_K; ++k) {
            ACC a_reg[GEMM_WPT_M];
            ACC b_reg[GEMM_WPT_N];
#pragma unroll
            for (int i = 0; i < GEMM_WPT_M; ++i) {
                a_reg[i] = a_panel[k][ly + i * GEMM_WG_M];
            }
#pragma unroll
            for (int j = 0; j < GEMM_WPT_N; ++j) {
                b_reg[j] = b_panel[k][lx + j * GEMM_WG_N];
            }
#pragma unroll
            for (int i = 0; i < GEMM_WPT_M; ++i) {
#pragma unroll
                for (int j = 0; j < GEMM_WPT_N; ++j) {
                    acc[i][j] = GEMM_MAD(a_reg[i], b_reg[j], acc[i][j]);
                }
            }
        }

        // The next iteration overwrites the panels; nobody may still be reading them.
        BARRIER();
    }

    // Epilogue. beta == 0 is a separate path, not beta * C with beta = 0: C may hold
    // NaN/Inf (the harness poisons it) and NaN * 0 is NaN.
#pragma unroll
    for (int i = 0; i < GEMM_WPT_M; ++i) {
        const int row = tile_row0 + ly + i * GEMM_WG_M;
#pragma unroll
        for (int j = 0; j < GEMM_WPT_N; ++j) {
            const int col = tile_col0 + lx + j * GEMM_WG_N;
            if (row < M && col < N) {
                const size_t off = (size_t)row * (size_t)N + (size_t)col;
                ACC result = alpha * acc[i][j];
                if (beta != (ACC)0) {
                    result = GEMM_MAD(beta, GEMM_LOAD(C[off]), result);
                }
                C[off] = GEMM_STORE(result);
            }
        }
    }
}

#endif  // !GEMM_PACKED_PANEL

// =======================================================================================
// gemm_packed_panel: a packed B panel and a vector register block, for CPU runtimes.
//
// Why a second kernel: on a CPU the caches do what local memory does on a GPU, and what
// limits gemm_smem_tiled there is the code PoCL can make of it (gathers, see above), not
// data reuse. This kernel is written the way a CPU GEMM is: one work-item per group owns a
// GEMM_PP_TILE_M x GEMM_PP_N block of C and walks K in GEMM_PP_KC steps. Per step it copies
// the (KC x PP_N) slice of B into a contiguous panel, because rows of B lie N elements apart
// and for power-of-two N every row maps to the same L1 set (4K aliasing: measured 2.2x
// slower unpacked at N = 2048 than at N = 2080). Then, for each GEMM_PP_RB_M-row micro
// block, it keeps an (RB_M x PP_N) block of C in vector registers (SUANLI_VEC, so the
// loads and FMAs are SIMD whatever the runtime's vectorizer proves) and streams the panel
// through it: per k, PP_N / VW vector loads of B, RB_M broadcasts of A, RB_M * PP_N / VW
// vector FMAs. Partial sums live in a local (TILE_M x PP_N) C tile between K steps, so C
// itself is read once (beta) and written once.
// It runs on any device (GPUs get a correct but slow kernel: one thread per group); the
// tuner searches it on CPUs only. fp32 and fp64 (fp16 storage would need half vector
// loads; fp16 on CPUs uses gemm_smem_tiled).
//
// Compiled only with -DGEMM_PACKED_PANEL=1 (the host adds it with the GEMM_PP_* tunables).
// Launch geometry: work-group size (1, 1, 1);
//   number of work-groups = (ceil(M / GEMM_PP_TILE_M), ceil(N / GEMM_PP_N)) in dims (0, 1).
// Dimension 0 walks M so that consecutive groups (one PoCL thread's chunk) share the
// same columns of B, which then stay in the L2 cache.
// Any M, N, K >= 1: rows past M read row M - 1 and are not stored; panel columns past N
// and past K are zero; the edge column block stores lane by lane.

#if defined(GEMM_PACKED_PANEL) && GEMM_PACKED_PANEL

#ifndef GEMM_PP_VW
// SIMD width in elements: 16 floats = one AVX-512 register (8 doubles: set 8 for fp64).
#define GEMM_PP_VW 16
#endif

#ifndef GEMM_PP_NV
// Vectors per row of the register block: GEMM_PP_N = VW * NV columns of C.
#define GEMM_PP_NV 2
#endif

#ifndef GEMM_PP_RB_M
// Rows of the register block: RB_M * NV vector accumulators (16 of AVX-512's 32 registers
// at 8 x 2, leaving room for the B vectors and the broadcast).
#define GEMM_PP_RB_M 8
#endif

#ifndef GEMM_PP_TILE_M
// Rows of C per work-group: how often each packed panel is reused.
#define GEMM_PP_TILE_M 128
#endif

#ifndef GEMM_PP_KC
// K step: the panel is KC * PP_N elements (32 KiB at 256 x 32 fp32, an L1-sized slice).
#define GEMM_PP_KC 256
#endif

#define GEMM_PP_N (GEMM_PP_VW * GEMM_PP_NV)

#if GEMM_PP_VW != 1 && GEMM_PP_VW != 2 && GEMM_PP_VW != 4 && GEMM_PP_VW != 8 && GEMM_PP_VW != 16
#error "gemm.cl: GEMM_PP_VW must be 1, 2, 4, 8 or 16"
#endif
#if GEMM_PP_NV < 1 || GEMM_PP_RB_M < 1 || GEMM_PP_KC < 1 || GEMM_PP_TILE_M < 1
#error "gemm.cl: GEMM_PP_NV, GEMM_PP_RB_M, GEMM_PP_KC and GEMM_PP_TILE_M must be >= 1"
#endif
#if GEMM_PP_TILE_M % GEMM_PP_RB_M != 0
#error "gemm.cl: GEMM_PP_TILE_M must be a multiple of GEMM_PP_RB_M"
#endif

typedef SUANLI_VEC(GEMM_ACC_NAME, GEMM_PP_VW) ACCV;

KERNEL WORK_GROUP_SIZE(1, 1, 1) void gemm_packed_panel(int M, int N, int K, ACC alpha, ACC beta,
                                                        GLOBAL const T* RESTRICT A,  // A: (M, K) row-major
                                                        GLOBAL const T* RESTRICT B,  // B: (K, N) row-major
                                                        GLOBAL T* RESTRICT C)        // C: (M, N) row-major
{
    LOCAL ACC panel[GEMM_PP_KC * GEMM_PP_N];       // B slice: (KC, PP_N), contiguous rows
    LOCAL ACC c_tile[GEMM_PP_TILE_M * GEMM_PP_N];  // partial C: (TILE_M, PP_N)

    const int row0 = group_id(0) * GEMM_PP_TILE_M;
    const int col0 = group_id(1) * GEMM_PP_N;
    const int cols = min(GEMM_PP_N, N - col0);  // valid columns in this block

    int k_steps = (K + GEMM_PP_KC - 1) / GEMM_PP_KC;
#if defined(GEMM_SKIP_LAST_K_TILE) && GEMM_SKIP_LAST_K_TILE
    k_steps -= 1;  // TEST HOOK, deliberately wrong (see gemm_smem_tiled)
#endif
#if GEMM_EXTRA_WORK_PCT > 0
    // REGRESSION-VALIDATION HOOK (see gemm_smem_tiled): every group runs PCT% of K more
    // (rounded to whole elements) as steps past the end of K whose panel is all zeros. Per
    // group and element-exact, unlike whole extra steps spread over the groups: a 256^3
    // GEMM has 16 groups of one step each, so whole steps could not add 5% (measured: the
    // "5%" define cost 2% on PoCL).
    const int real_steps = k_steps;
    const int extra_k = (K * GEMM_EXTRA_WORK_PCT + 50) / 100;
    k_steps += (extra_k + GEMM_PP_KC - 1) / GEMM_PP_KC;
#endif

    for (int step = 0; step < k_steps; ++step) {
        // Past the end of K (only the extra-work hook gets there): a step of zeros whose A
        // reads stay inside the row (the first min(KC, K) elements).
        const int past_k = step * GEMM_PP_KC >= K;
        const int k0 = past_k ? 0 : step * GEMM_PP_KC;
#if GEMM_EXTRA_WORK_PCT > 0
        // An extra step covers what is left of extra_k, and A's reads stay within its row.
        const int kc = past_k ? min(min(GEMM_PP_KC, K), extra_k - (step - real_steps) * GEMM_PP_KC) : min(GEMM_PP_KC, K - k0);
#else
        const int kc = min(GEMM_PP_KC, K - k0);
#endif
        // Pack. Full column blocks copy whole vectors; the edge block copies lane by lane
        // and zero-fills, so the compute loop below never needs a bounds check.
        if (past_k) {
            for (int e = 0; e < kc * GEMM_PP_N; ++e) panel[e] = (ACC)0;
        } else if (cols == GEMM_PP_N) {
            for (int kk = 0; kk < kc; ++kk) {
                GLOBAL const T* b_row = B + (size_t)(k0 + kk) * (size_t)N + col0;
#pragma unroll
                for (int v = 0; v < GEMM_PP_NV; ++v) {
                    vec_store(GEMM_ACC_NAME, GEMM_PP_VW, vec_load(GEMM_ACC_NAME, GEMM_PP_VW, b_row + v * GEMM_PP_VW),
                              panel + kk * GEMM_PP_N + v * GEMM_PP_VW);
                }
            }
        } else {
            for (int kk = 0; kk < kc; ++kk) {
                for (int j = 0; j < GEMM_PP_N; ++j) {
                    panel[kk * GEMM_PP_N + j] = j < cols ? (ACC)B[(size_t)(k0 + kk) * (size_t)N + col0 + j] : (ACC)0;
                }
            }
        }

        for (int mb = 0; mb < GEMM_PP_TILE_M; mb += GEMM_PP_RB_M) {
            ACCV acc[GEMM_PP_RB_M][GEMM_PP_NV];
            GLOBAL const T* a_row[GEMM_PP_RB_M];
#pragma unroll
            for (int i = 0; i < GEMM_PP_RB_M; ++i) {
                a_row[i] = A + (size_t)min(row0 + mb + i, M - 1) * (size_t)K + k0;
#pragma unroll
                for (int v = 0; v < GEMM_PP_NV; ++v) {
                    acc[i][v] = step == 0 ? vec_splat(GEMM_ACC_NAME, GEMM_PP_VW, (ACC)0)
                                        : vec_load(GEMM_ACC_NAME, GEMM_PP_VW, c_tile + (mb + i) * GEMM_PP_N + v * GEMM_PP_VW);
                }
            }
            for (int kk = 0; kk < kc; ++kk) {
                ACCV b[GEMM_PP_NV];
#pragma unroll
                for (int v = 0; v < GEMM_PP_NV; ++v) {
                    b[v] = vec_load(GEMM_ACC_NAME, GEMM_PP_VW, panel + kk * GEMM_PP_N + v * GEMM_PP_VW);
                }
#pragma unroll
                for (int i = 0; i < GEMM_PP_RB_M; ++i) {
                    const ACCV a = vec_splat(GEMM_ACC_NAME, GEMM_PP_VW, GEMM_LOAD(a_row[i][kk]));
#pragma unroll
                    for (int v = 0; v < GEMM_PP_NV; ++v) {
                        acc[i][v] = a * b[v] + acc[i][v];
                    }
                }
            }
#pragma unroll
            for (int i = 0; i < GEMM_PP_RB_M; ++i) {
#pragma unroll
                for (int v = 0; v < GEMM_PP_NV; ++v) {
                    vec_store(GEMM_ACC_NAME, GEMM_PP_VW, acc[i][v], c_tile + (mb + i) * GEMM_PP_N + v * GEMM_PP_VW);
                }
            }
        }
    }

    // Epilogue over the valid rows and columns. beta == 0 never reads C (it may hold NaN).
    const int rows = min(GEMM_PP_TILE_M, M - row0);
    for (int i = 0; i < rows; ++i) {
        GLOBAL T* c_row = C + (size_t)(row0 + i) * (size_t)N + col0;
        for (int j = 0; j < cols; ++j) {
            ACC result = alpha * c_tile[i * GEMM_PP_N + j];
            if (beta != (ACC)0) {
                result = GEMM_MAD(beta, GEMM_LOAD(c_row[j]), result);
            }
            c_row[j] = GEMM_STORE(result);
        }
    }
}

#endif  // GEMM_PACKED_PANEL
