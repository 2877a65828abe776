// attention_wgmma: fused attention forward on Hopper's warpgroup MMA fed by TMA,
// FlashAttention-3 style, simplified (native tier, CUDA sm_90a only).
//
//   O = softmax(Q·Kᵀ·scale [+ causal mask])·V
//   q: (B, H, Sq, D)   k, v: (B, Hkv, Skv, D)   o: (B, H, Sq, D)   contiguous row-major
//
// The semantics, arguments and grid are attention_mma_sync's (kernels/cuda/attention_mma_sync.cu):
// grouped-query heads (query head h reads kv head h / (H / Hkv)); the causal mask bottom-right
// aligned (query row i sees key j iff j <= i + (Skv - Sq)); a row that sees no key written as
// zeros; fp16 or bf16 inputs (SUANLI_DTYPE_*), both products on tensor cores with fp32
// accumulation, softmax in fp32 with exp2, P rounded to the input type for P·V, O rounded
// once. Only the tensors q, k, v arrive as TMA tensor maps instead of pointers.
//
// Structure (one block = BLOCK_Q = 128 query rows of one (batch, head); grid (ceil(Sq / 128),
// H, B), query tile gridDim.x - 1 - blockIdx.x so that causal's longest tiles start first):
//   - 3 warpgroups of 128 threads, as gemm_wgmma: warpgroup 0 is the producer, one thread
//     of it issues every TMA copy (Q once, then the K and V tiles of each key tile into a
//     STAGES-deep ring, with a `full` and an `empty` mbarrier per stage for K and another
//     pair for V) and gives its registers back (setmaxnreg.dec); warpgroups 1 and 2 are
//     consumers (setmaxnreg.inc), each owning 64 query rows;
//   - S = Q·Kᵀ: wgmma.m64n128k16, A = Q and B = the K tile, both K-major from shared memory
//     (gemm_wgmma's operand form), HEAD_DIM / 16 k steps;
//   - the online softmax runs on S in its accumulator registers (the m16n8 layout per n8
//     block: a thread holds rows g and g + 8 of its warp's 16, columns 2t, 2t + 1): running
//     max m and sum l per row, the 4 lanes of a row combining maxima by shuffles, as
//     attention_mma_sync (kernels/cuda/online_softmax.cuh);
//   - O += P·V: wgmma.m64n{HEAD_DIM}k16 with A = P from registers (two adjacent n8 blocks of
//     S, rounded and packed, are one k16 step's A fragment) and B = the V tile read N-major
//     (V is (keys, D) with D contiguous: B = keys × D, imm-trans-b 1), BLOCK_KV / 16 steps;
//   - the two products overlap the softmax within a consumer, FlashAttention-3's
//     intra-warpgroup pipelining: for tile j, S_j = Q·K_jᵀ and O += P_{j-1}·V_{j-1} are issued
//     together; once S_j is done (wgmma_wait<1>: groups complete in order) its softmax runs
//     while P_{j-1}·V_{j-1} still accumulates, and only after that wgmma completes
//     (wgmma_wait<0>) is O rescaled and P_j packed into the registers the next P·V reads;
//   - a K tile is released (its empty barrier, one arrival per consumer warp) once S has read
//     it, a V tile once P·V has, so the producer refills K a whole P·V earlier than V.
//   - the two consumers take turns issuing their products (ATTN_WGMMA_PINGPONG, named barriers
//     1 and 2): FlashAttention-3's ping-pong, so one's softmax runs against the other's
//     products on the tensor cores.
// Simplified against FlashAttention-3: the grid is not persistent (one block per query tile,
// like attention_mma_sync), and O is stored from registers (a column pair per store).
// ptxas reports when it had to serialize the wgmma pipeline (a register of an in-flight wgmma
// touched before its wait), and suanli_nvrtc_check fails on it: the structure below -- both
// barrier waits before the two issues, the first and last tiles peeled, P packed only after
// the wait -- is what it takes for ptxas to leave the overlap in place.
//
// TMA views: Q as a 2-D tensor of (B·H·Sq) rows × D columns, K and V as (B·Hkv·Skv) × D; boxes
// of 64 columns (128 bytes, the 128-byte swizzle's row) × 128 rows, so HEAD_DIM 128 is two
// boxes side by side. D <= HEAD_DIM and D % 8 == 0 (TMA's 16-byte row strides); columns D ..
// HEAD_DIM come in as TMA's zeros and add nothing to Q·Kᵀ, and the O columns there are never
// stored. A box's rows may run into the next head (or off the tensor: zeros): keys past Skv
// get S = -inf, so P = 0 exactly and the V rows there (finite data of another head, or zeros)
// add 0; query rows past Sq are computed and never stored.
//
// Dynamic shared memory (the harness asks for the same number, native_attention_shared_bytes):
// 1024 bytes of alignment slack (the swizzle atoms need 1024-byte alignment, which the dynamic
// window does not promise), then
//   q_s: HEAD_DIM / 64 boxes of (BLOCK_Q, 64)
//   k_s[STAGES], v_s[STAGES]: HEAD_DIM / 64 boxes of (BLOCK_KV, 64) each
//   q_full, full_k[STAGES], full_v[STAGES], empty_k[STAGES], empty_v[STAGES]: 8-byte mbarriers
// = 1024 + 2 · HEAD_DIM · (BLOCK_Q + 2 · STAGES · BLOCK_KV) + 8 · (1 + 4 · STAGES) bytes:
// 164936 at HEAD_DIM 128, 83016 at 64 (default tiles, 2 stages).
//
// Registers: a consumer thread holds S (64 fp32), O (HEAD_DIM / 2 fp32) and P (32 words) --
// 160 at HEAD_DIM 128, with room under setmaxnreg.inc 240.
//
// WGMMA_HOST_EMULATION (tests only, tests/test_attention_wgmma_emulated.cpp): compiled as host
// C++ with the prelude's names supplied by tests/wgmma_emulation.h.

// ---- Tunables (every one an #ifndef default; the harness passes them as -D defines) ----

// Compile-time bound on D: 64 or 128 (one or two 64-column TMA boxes, and the N of P·V's
// wgmma).
#ifndef ATTN_WGMMA_HEAD_DIM
#define ATTN_WGMMA_HEAD_DIM 128
#endif
// Consumer warps: 4 per consumer warpgroup of 64 query rows (BLOCK_Q = 16 × WARPS). Two
// consumers share each K / V tile, halving its shared-memory traffic per row, and fit the
// register file with the producer (128 × 24 + 256 × 240 = 64512 of 65536).
#ifndef ATTN_WGMMA_WARPS
#define ATTN_WGMMA_WARPS 8
#endif
// Keys per tile: the N of Q·Kᵀ's wgmma.m64n128 (fixed by the instruction used) and the rows of
// a K / V box.
#ifndef ATTN_WGMMA_BLOCK_KV
#define ATTN_WGMMA_BLOCK_KV 128
#endif
// Ring depth: 2 × 64 KiB of K and V at HEAD_DIM 128 (with Q's 32 KiB, 161 KiB of the 227 KiB a
// Hopper block may use): the next tile loads while this one is multiplied.
#ifndef ATTN_WGMMA_STAGES
#define ATTN_WGMMA_STAGES 2
#endif

// Ping-pong of the two consumer warpgroups (FlashAttention-3): they take turns issuing their
// products, passing the turn through named barriers, so the tensor cores run one consumer's
// S and P·V while the other runs its softmax. 0: each issues as soon as it is ready.
#ifndef ATTN_WGMMA_PINGPONG
#define ATTN_WGMMA_PINGPONG 1
#endif

#if WGMMA_ELEM_BYTES != 2
#error "attention_wgmma: fp16 or bf16 only (P is packed two 16-bit values per register)"
#endif

#define ATTN_WGMMA_CONSUMERS (ATTN_WGMMA_WARPS / 4)
#define ATTN_WGMMA_THREADS ((ATTN_WGMMA_CONSUMERS + 1) * 128)
#define ATTN_WGMMA_BLOCK_Q (ATTN_WGMMA_WARPS * 16)
#define ATTN_WGMMA_ROW_BYTES 128                                 // one swizzle row: 64 elements
#define ATTN_WGMMA_BOX_COLS (ATTN_WGMMA_ROW_BYTES / WGMMA_ELEM_BYTES)  // 64
#define ATTN_WGMMA_BOXES (ATTN_WGMMA_HEAD_DIM / ATTN_WGMMA_BOX_COLS)   // 64-column boxes per row
#define ATTN_WGMMA_Q_BOX_BYTES (ATTN_WGMMA_BLOCK_Q * ATTN_WGMMA_ROW_BYTES)
#define ATTN_WGMMA_KV_BOX_BYTES (ATTN_WGMMA_BLOCK_KV * ATTN_WGMMA_ROW_BYTES)
#define ATTN_WGMMA_KV_TILE_BYTES (ATTN_WGMMA_BOXES * ATTN_WGMMA_KV_BOX_BYTES)  // one K or V tile
#define ATTN_WGMMA_O_REGS (ATTN_WGMMA_HEAD_DIM / 2)  // m64n{HEAD_DIM} accumulators per thread

static_assert(ATTN_WGMMA_HEAD_DIM == 64 || ATTN_WGMMA_HEAD_DIM == 128, "HEAD_DIM: 64 or 128 (P·V's wgmma N)");
static_assert(ATTN_WGMMA_BLOCK_KV == 128, "BLOCK_KV: Q·Kᵀ is one wgmma.m64n128 per k step");
static_assert(ATTN_WGMMA_WARPS % 4 == 0 && ATTN_WGMMA_CONSUMERS >= 1 && ATTN_WGMMA_BLOCK_Q <= 256,
              "consumers are whole warpgroups; a Q box has at most 256 rows");
static_assert(ATTN_WGMMA_STAGES >= 2, "a ring needs at least 2 stages");
static_assert(!ATTN_WGMMA_PINGPONG || ATTN_WGMMA_CONSUMERS == 2, "ping-pong takes two consumer warpgroups");

// The turn of consumer c (0 or 1) to issue its products: named barrier 1 + c, of both
// consumers' 256 threads, completes when c syncs on it and the other consumer has passed the
// turn by arriving on it (consumer 1 passes the first turn before it starts). Each consumer
// takes the turn once per issue phase -- S_0; S_j with P_{j-1}·V_{j-1} for each later tile;
// the last P·V -- and passes it after each, except consumer 1 after its last: then every
// arrival is waited for and no barrier is left half full when the block ends.
__device__ __forceinline__ void attention_wgmma_take_turn(int consumer) {
#if ATTN_WGMMA_PINGPONG
  if (consumer == 0) named_barrier_sync<1, 256>();
  else named_barrier_sync<2, 256>();
#else
  (void)consumer;
#endif
}
__device__ __forceinline__ void attention_wgmma_pass_turn(int consumer) {
#if ATTN_WGMMA_PINGPONG
  if (consumer == 0) named_barrier_arrive<2, 256>();
  else named_barrier_arrive<1, 256>();
#else
  (void)consumer;
#endif
}

// S = Q·K_jᵀ for a consumer's 64 rows × BLOCK_KV keys, issued and committed as one group
// (s zeroed first; accumulator layout, as o_acc). q_rows: the consumer's Q rows in the first
// Q box; k_t: the stage's K tile. k step kk: columns 16·kk .. + 16 of Q and K, box kk / 4,
// 32 bytes in per step.
__device__ __forceinline__ void attention_wgmma_issue_s(float (&s)[64], unsigned q_rows, unsigned k_t) {
#pragma unroll
  for (int e = 0; e < 64; ++e) s[e] = 0.0f;
  wgmma_fence();  // s zeroed (and o_acc rescaled, P written) since the last wgmma
#pragma unroll
  for (int kk = 0; kk < ATTN_WGMMA_HEAD_DIM / 16; ++kk) {
    const auto k_bytes = static_cast<unsigned>((kk % 4) * 16 * WGMMA_ELEM_BYTES);
    const auto q_box = static_cast<unsigned>((kk / 4) * ATTN_WGMMA_Q_BOX_BYTES);
    const auto kv_box = static_cast<unsigned>((kk / 4) * ATTN_WGMMA_KV_BOX_BYTES);
    wgmma_m64n128(s, wgmma_descriptor(q_rows + q_box + k_bytes), wgmma_descriptor(k_t + kv_box + k_bytes));
  }
  wgmma_commit();
}

// O += P·V for one key tile, issued and committed as one group: k step c reads keys
// 16·c .. + 16 of the stage's V tile v_t, two whole 8-row atoms (2048 bytes in); N = HEAD_DIM
// columns, the second 64 of them in the next box (LBO). p[c]: P of keys 16·c .. + 16 as the A
// fragment, in registers the wgmma reads until its wait.
__device__ __forceinline__ void attention_wgmma_issue_pv(float (&o_acc)[ATTN_WGMMA_O_REGS],
                                                         const unsigned (&p)[ATTN_WGMMA_BLOCK_KV / 16][4], unsigned v_t) {
#pragma unroll
  for (int c = 0; c < ATTN_WGMMA_BLOCK_KV / 16; ++c)
    wgmma_m64_regs_a(o_acc, p[c], wgmma_descriptor(v_t + static_cast<unsigned>(c * 16 * ATTN_WGMMA_ROW_BYTES), ATTN_WGMMA_KV_BOX_BYTES));
  wgmma_commit();
}

// P (fp32, in the S accumulator layout) rounded and packed into p, P·V's A fragments
// (online_softmax_pack: p[c] holds keys 16·c .. + 16, n8 blocks 2c and 2c + 1 of S). Each
// word is pinned where it is written: a pack the compiler sank past the next wgmma_fence
// would define the P·V's input registers inside the wgmma pipeline, and ptxas would then
// serialize it (C7513).
__device__ __forceinline__ void attention_wgmma_pack_p(const float (&s)[64], unsigned (&p)[ATTN_WGMMA_BLOCK_KV / 16][4]) {
  online_softmax_pack<16>(s, &p[0][0]);
#pragma unroll
  for (int c = 0; c < ATTN_WGMMA_BLOCK_KV / 16; ++c)
#pragma unroll
    for (int i = 0; i < 4; ++i) wgmma_fence_operand(p[c][i]);
}

// After the wait that completes a P·V: o_acc and p are read and written by the kernel again.
__device__ __forceinline__ void attention_wgmma_fence_pv(float (&o_acc)[ATTN_WGMMA_O_REGS],
                                                         unsigned (&p)[ATTN_WGMMA_BLOCK_KV / 16][4]) {
#pragma unroll
  for (int e = 0; e < ATTN_WGMMA_O_REGS; ++e) wgmma_fence_operand(o_acc[e]);
#pragma unroll
  for (int c = 0; c < ATTN_WGMMA_BLOCK_KV / 16; ++c)
#pragma unroll
    for (int i = 0; i < 4; ++i) wgmma_fence_operand(p[c][i]);
}

// B, H, Hkv, Sq, Skv, D: the problem (Hkv divides H; D <= HEAD_DIM, D % 8 == 0); scale: the
// softmax scale; causal: 0 or 1. q_map: q as (B·H·Sq, D), k_map / v_map: k / v as (B·Hkv·Skv, D),
// each box (128 rows, 64 columns), 128-byte swizzle. o: (B, H, Sq, D), written, never read.
extern "C" __global__ void __launch_bounds__(ATTN_WGMMA_THREADS, 1)
attention_wgmma(int B, int H, int Hkv, int Sq, int Skv, int D, float scale, int causal,
                const __grid_constant__ TensorMap2d q_map, const __grid_constant__ TensorMap2d k_map,
                const __grid_constant__ TensorMap2d v_map, wgmma_out_t* __restrict__ o) {
  extern __shared__ __align__(1024) unsigned char attention_smem[];
  const unsigned base = (smem_address(attention_smem) + 1023u) & ~1023u;
  const unsigned q_s = base;
  const unsigned k_s = q_s + ATTN_WGMMA_BOXES * ATTN_WGMMA_Q_BOX_BYTES;
  const unsigned v_s = k_s + ATTN_WGMMA_STAGES * ATTN_WGMMA_KV_TILE_BYTES;
  const unsigned bars = v_s + ATTN_WGMMA_STAGES * ATTN_WGMMA_KV_TILE_BYTES;
  const unsigned q_full = bars;
  // Per stage, K and V have their own pair of barriers: a K tile is released as soon as S has
  // read it, a V tile only after P·V has, and the producer refills each as soon as it is free.
#define ATTN_WGMMA_FULL_K(s) (bars + 8u * static_cast<unsigned>(1 + (s)))
#define ATTN_WGMMA_FULL_V(s) (bars + 8u * static_cast<unsigned>(1 + ATTN_WGMMA_STAGES + (s)))
#define ATTN_WGMMA_EMPTY_K(s) (bars + 8u * static_cast<unsigned>(1 + 2 * ATTN_WGMMA_STAGES + (s)))
#define ATTN_WGMMA_EMPTY_V(s) (bars + 8u * static_cast<unsigned>(1 + 3 * ATTN_WGMMA_STAGES + (s)))

  const int tid = static_cast<int>(threadIdx.x);
  const int warpgroup = tid / 128;
  const int q_tile = static_cast<int>(gridDim.x) - 1 - static_cast<int>(blockIdx.x);  // longest first
  const int h = static_cast<int>(blockIdx.y);
  const int b = static_cast<int>(blockIdx.z);
  const int h_kv = h / (H / Hkv);
  const int q0 = q_tile * ATTN_WGMMA_BLOCK_Q;
  (void)B;

  // The walk's bound, as attention_mma_sync: keys visible to the block's last query row.
  const int causal_shift = Skv - Sq;  // bottom-right alignment
  const int last_row = min(q0 + ATTN_WGMMA_BLOCK_Q, Sq) - 1;
  const int key_end = causal ? min(Skv, last_row + causal_shift + 1) : Skv;  // keys [0, key_end)
  const int kv_tiles = key_end > 0 ? (key_end + ATTN_WGMMA_BLOCK_KV - 1) / ATTN_WGMMA_BLOCK_KV : 0;
  // First rows of this block's Q and this head's K / V in the 2-D views (int: the harness
  // refuses B·H·Sq or B·Hkv·Skv past 2^31 - 1).
  const int q_row0 = (b * H + h) * Sq + q0;
  const int kv_row0 = (b * Hkv + h_kv) * Skv;

  if (tid == 0) {
    mbarrier_init(q_full, 1);
    for (int s = 0; s < ATTN_WGMMA_STAGES; ++s) {
      mbarrier_init(ATTN_WGMMA_FULL_K(s), 1);  // the producer's expect_tx arrival
      mbarrier_init(ATTN_WGMMA_FULL_V(s), 1);
      mbarrier_init(ATTN_WGMMA_EMPTY_K(s), ATTN_WGMMA_CONSUMERS * 4);  // one arrival per consumer warp
      mbarrier_init(ATTN_WGMMA_EMPTY_V(s), ATTN_WGMMA_CONSUMERS * 4);
    }
    mbarrier_init_fence();
  }
  __syncthreads();

  // Both roles walk the same kv_tiles key tiles, so the ring's stage and phase stay in step:
  // tile j lives in stage j % STAGES, whose barriers are in phase (j / STAGES) % 2. No tile (a
  // causal block that sees no key): no copy at all, not even Q, so none is in flight when the
  // block ends.
  if (warpgroup == 0) {
    setmaxnreg_dec<24>();
    if (tid != 0 || kv_tiles == 0) return;
    mbarrier_arrive_expect_tx(q_full, ATTN_WGMMA_BOXES * ATTN_WGMMA_Q_BOX_BYTES);
    for (int c = 0; c < ATTN_WGMMA_BOXES; ++c)
      tma_load_2d(q_s + static_cast<unsigned>(c * ATTN_WGMMA_Q_BOX_BYTES), &q_map, c * ATTN_WGMMA_BOX_COLS, q_row0, q_full);
    for (int j = 0; j < kv_tiles; ++j) {
      const int stage = j % ATTN_WGMMA_STAGES;
      const unsigned phase = static_cast<unsigned>(j / ATTN_WGMMA_STAGES) & 1u;
      const int row = kv_row0 + j * ATTN_WGMMA_BLOCK_KV;
      const auto tile = static_cast<unsigned>(stage * ATTN_WGMMA_KV_TILE_BYTES);
      // K_j once both consumers' S has read the stage's last K; V_j once their P·V has read
      // its last V (later: the consumers run S of one tile beside P·V of the one before).
      mbarrier_wait(ATTN_WGMMA_EMPTY_K(stage), phase ^ 1u);
      mbarrier_arrive_expect_tx(ATTN_WGMMA_FULL_K(stage), ATTN_WGMMA_KV_TILE_BYTES);
      for (int c = 0; c < ATTN_WGMMA_BOXES; ++c)
        tma_load_2d(k_s + tile + static_cast<unsigned>(c * ATTN_WGMMA_KV_BOX_BYTES), &k_map, c * ATTN_WGMMA_BOX_COLS, row,
                    ATTN_WGMMA_FULL_K(stage));
      mbarrier_wait(ATTN_WGMMA_EMPTY_V(stage), phase ^ 1u);
      mbarrier_arrive_expect_tx(ATTN_WGMMA_FULL_V(stage), ATTN_WGMMA_KV_TILE_BYTES);
      for (int c = 0; c < ATTN_WGMMA_BOXES; ++c)
        tma_load_2d(v_s + tile + static_cast<unsigned>(c * ATTN_WGMMA_KV_BOX_BYTES), &v_map, c * ATTN_WGMMA_BOX_COLS, row,
                    ATTN_WGMMA_FULL_V(stage));
    }
    return;
  }

  setmaxnreg_inc<240>();
  const int consumer = warpgroup - 1;  // rows 64 · consumer .. + 64 of the block
  const int warp = (tid % 128) / 32;   // rows 16 · warp .. + 16 of those
  const int lane = tid % 32;
  const int g = lane / 4;  // the thread's rows in the warp's 16: g and g + 8
  const int t = lane % 4;  // its column pair in each n8 block: 2t, 2t + 1
  // Every warp releases a stage after its own wgmma_wait, as in gemm_wgmma: the ISA states
  // wait_group's guarantee for the executing thread, not for its warpgroup.
  const bool arrives = lane == 0;
  const int row_q0 = q0 + consumer * 64 + warp * 16 + g;  // absolute query row of the thread's row g

  // o_acc: this warpgroup's 64 × HEAD_DIM output, element e at row 16·warp + g + 8·((e / 2) % 2),
  // column 8·(e / 4) + 2t + e % 2 (the wgmma accumulator layout).
  float o_acc[ATTN_WGMMA_O_REGS];
#pragma unroll
  for (int e = 0; e < ATTN_WGMMA_O_REGS; ++e) o_acc[e] = 0.0f;
  float m_run[2] = {-__int_as_float(0x7f800000), -__int_as_float(0x7f800000)};  // running max of rows g, g + 8
  float l_part[2] = {0.0f, 0.0f};  // this lane's share of the running sums
  const float scale_log2 = scale * ONLINE_SOFTMAX_LOG2E;

  // This warpgroup's 64 Q rows within each box (1024-aligned: 64 rows of 128 bytes).
  const unsigned q_rows = q_s + static_cast<unsigned>(consumer * 64 * ATTN_WGMMA_ROW_BYTES);
  // Tile j >= 1: S_j = Q·K_jᵀ is issued, then O += P_{j-1}·V_{j-1}, both in flight at once;
  // the softmax of S_j runs while P·V still accumulates (FlashAttention-3's overlap of the
  // softmax with the other product, within a warpgroup), and O takes the rescale S_j asks for
  // once that P·V has completed. Tile 0 has no P·V before it and the last tile's follows the
  // loop: peeled, so that every issue and its wait sit in one straight line of code -- a
  // wait under a condition ptxas cannot match with its issue's makes it serialize the
  // pipeline (suanli_nvrtc_check refuses that).
  if (kv_tiles > 0) {
    mbarrier_wait(q_full, 0);
    // p: P of the tile before, packed: the A operand of its P·V, read by that wgmma until its
    // wgmma_wait, so the next tile's P stays in s, in fp32, until then. s: S_j, then P_j.
    unsigned p[ATTN_WGMMA_BLOCK_KV / 16][4];
    float s[64];
    float rescale[2];
    if (consumer == 1) attention_wgmma_pass_turn(consumer);  // consumer 0 goes first
    mbarrier_wait(ATTN_WGMMA_FULL_K(0), 0);
    attention_wgmma_take_turn(consumer);
    attention_wgmma_issue_s(s, q_rows, k_s);
    attention_wgmma_pass_turn(consumer);
    wgmma_wait<0>();
#pragma unroll
    for (int e = 0; e < 64; ++e) wgmma_fence_operand(s[e]);
    if (arrives) mbarrier_arrive(ATTN_WGMMA_EMPTY_K(0));  // S_0 has read K_0
    // o_acc is still 0: its rescale is moot.
    online_softmax_exp<16>(s, m_run, l_part, rescale, scale_log2, 0, t, row_q0, Skv, causal, causal_shift);
    attention_wgmma_pack_p(s, p);
    for (int j = 1; j < kv_tiles; ++j) {
      const int stage = j % ATTN_WGMMA_STAGES, prev = (j - 1) % ATTN_WGMMA_STAGES;  // tiles j, j - 1
      // Both waits first: the two groups are issued back to back, with no loop (a barrier's
      // spin) between them, which ptxas would answer with a fence of its own.
      mbarrier_wait(ATTN_WGMMA_FULL_K(stage), static_cast<unsigned>(j / ATTN_WGMMA_STAGES) & 1u);
      mbarrier_wait(ATTN_WGMMA_FULL_V(prev), static_cast<unsigned>((j - 1) / ATTN_WGMMA_STAGES) & 1u);
      attention_wgmma_take_turn(consumer);
      attention_wgmma_issue_s(s, q_rows, k_s + static_cast<unsigned>(stage * ATTN_WGMMA_KV_TILE_BYTES));
      attention_wgmma_issue_pv(o_acc, p, v_s + static_cast<unsigned>(prev * ATTN_WGMMA_KV_TILE_BYTES));
      attention_wgmma_pass_turn(consumer);
      wgmma_wait<1>();  // groups complete in order: S_j is done, P·V may not be
#pragma unroll
      for (int e = 0; e < 64; ++e) wgmma_fence_operand(s[e]);
      if (arrives) mbarrier_arrive(ATTN_WGMMA_EMPTY_K(stage));  // S_j has read K_j

      // Scale, mask (keys past Skv; causal) and exponentiate S_j in place (online_softmax.cuh:
      // s is 16 n8 blocks of 4, element e at key 8·(e / 4) + 2t + e % 2, row g + 8·((e / 2) % 2))
      // while P_{j-1}·V_{j-1} runs. Packing P into p waits for that wgmma: p is its operand.
      online_softmax_exp<16>(s, m_run, l_part, rescale, scale_log2, j * ATTN_WGMMA_BLOCK_KV, t, row_q0, Skv, causal,
                             causal_shift);
      wgmma_wait<0>();  // P_{j-1}·V_{j-1} has completed: o_acc and p are the kernel's again
      attention_wgmma_fence_pv(o_acc, p);
      if (arrives) mbarrier_arrive(ATTN_WGMMA_EMPTY_V(prev));  // and has read V_{j-1}
      online_softmax_rescale<ATTN_WGMMA_O_REGS / 4>(o_acc, rescale);
      attention_wgmma_pack_p(s, p);
    }
    // The last tile's O += P·V.
    const int last = (kv_tiles - 1) % ATTN_WGMMA_STAGES;
    mbarrier_wait(ATTN_WGMMA_FULL_V(last), static_cast<unsigned>((kv_tiles - 1) / ATTN_WGMMA_STAGES) & 1u);
    attention_wgmma_take_turn(consumer);
    wgmma_fence();  // o_acc rescaled and p written since the last wgmma
    attention_wgmma_issue_pv(o_acc, p, v_s + static_cast<unsigned>(last * ATTN_WGMMA_KV_TILE_BYTES));
    if (consumer == 0) attention_wgmma_pass_turn(consumer);  // consumer 1 has one more turn to take
    wgmma_wait<0>();
    attention_wgmma_fence_pv(o_acc, p);
    if (arrives) mbarrier_arrive(ATTN_WGMMA_EMPTY_V(last));
  }

  // Epilogue: O = o_acc / l per row (0 for a row that saw no key), rows < Sq and columns < D.
  // Stores from registers: O is D values per row against the Skv · D products behind each, so staging
  // it through shared memory for a TMA store would not show in the time.
  wgmma_out_t* const o_head = o + (static_cast<long long>(b) * H + h) * Sq * D;
  float inv_l[2];
  online_softmax_inverse_sums(l_part, inv_l);
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = row_q0 + r * 8;
    if (row >= Sq) continue;
#pragma unroll
    for (int e = 2 * r; e < ATTN_WGMMA_O_REGS; e += 4) {
      const int col = 8 * (e / 4) + 2 * t;
      if (col >= D) continue;
      // D is a multiple of 8 (TMA's 16-byte rows) and col even: the pair is aligned.
      store_out2(o_head + static_cast<long long>(row) * D + col, o_acc[e] * inv_l[r], o_acc[e + 1] * inv_l[r]);
    }
  }
#undef ATTN_WGMMA_FULL_K
#undef ATTN_WGMMA_FULL_V
#undef ATTN_WGMMA_EMPTY_K
#undef ATTN_WGMMA_EMPTY_V
}
