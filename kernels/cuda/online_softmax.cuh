// online_softmax: the row softmax of the CUDA tensor-core attention kernels
// (attention_mma_sync.cu, attention_wgmma.cu), written once. Both hold a tile of scores
// S = Q·K_jᵀ in the m16n8 accumulator layout -- mma.sync's m16n8 tile, and wgmma's m64nN
// accumulators, which are that tile once per n8 block in each warp -- so one thread owns the
// same elements in both: rows g and g + 8 of its warp's 16 (g = lane / 4), columns 2t and
// 2t + 1 (t = lane % 4) of every n8 block. And in both, the four lanes of a row (4g .. 4g + 3)
// hold all of its columns, so a row reduction is two butterfly shuffles. The catalog
// (kernels/native_catalog.cpp) prepends this file after the kernel's own prelude, which
// supplies pack_elem2 (the input type's pair conversion); under MMA_SYNC_HOST_EMULATION the
// test's warp model supplies the shuffles (tests/mma_sync_emulation.h).
//
// Flattened tiles, as both kernels pass them (a float[n][4] array and a float[4n] one are the
// same registers): s[4n + i] and o_acc[4n + i] are element i of n8 block n, i.e. row
// g + 8·(i / 2), column 8n + 2t + i % 2 of the tile.

// log2(e): S is scaled by scale · log2(e), so that exp(x · scale) = exp2(s).
#define ONLINE_SOFTMAX_LOG2E 1.4426950408889634f

// The maximum and the sum of v over the four lanes of a row (lanes 4g .. 4g + 3).
__device__ __forceinline__ float quad_max(float v) {
  v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
  return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float quad_sum(float v) {
  v += __shfl_xor_sync(0xffffffffu, v, 1);
  return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// One key tile of the online softmax, FlashAttention-2's update, for the thread's two rows:
//   - S scaled by scale_log2 and masked: key key0 + 8n + 2t + i % 2 is visible to query row
//     row_q0 + 8·(i / 2) iff it is < Skv and, when causal, <= row + causal_shift
//     (bottom-right alignment); a masked score is -inf, so its P is exactly 0;
//   - the running maxima m_run (per row, across the row's four lanes), and rescale[r]: the
//     factor by which the running sums l_part (each lane's share; combined once at the end)
//     and the output accumulated so far must be multiplied for row r;
//   - P = exp2(S - m), summed into l_part in fp32.
// A row that has seen no visible key keeps m = -inf: nothing is rescaled (-inf - -inf would
// be NaN) and its P stays 0.
// Where P and the rescale go is the caller's choice (the two wrappers below): with o_acc
// (kOBlocks × 4) the output is rescaled here, else by online_softmax_rescale later; with p,
// P is rounded to the input type and packed as it is computed (online_softmax_pack's
// layout), else left in s in fp32. s: (kBlocks × 4) scores in.
template <int kBlocks, int kOBlocks>
__device__ __forceinline__ void online_softmax_step(float* s, float* o_acc, unsigned* p, float (&m_run)[2],
                                                    float (&l_part)[2], float (&rescale)[2], float scale_log2, int key0,
                                                    int t, int row_q0, int Skv, int causal, int causal_shift) {
  static_assert(kBlocks % 2 == 0, "P is packed 16 keys (two n8 blocks) at a time");
  float m_new[2] = {m_run[0], m_run[1]};
#pragma unroll
  for (int e = 0; e < 4 * kBlocks; ++e) {
    const int key = key0 + 8 * (e / 4) + 2 * t + e % 2;
    const int r = (e / 2) % 2;
    const bool visible = key < Skv && (!causal || key <= row_q0 + 8 * r + causal_shift);
    s[e] = visible ? s[e] * scale_log2 : -__int_as_float(0x7f800000);
    m_new[r] = fmaxf(m_new[r], s[e]);
  }
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    m_new[r] = quad_max(m_new[r]);
    const bool none = m_new[r] == -__int_as_float(0x7f800000);
    rescale[r] = none ? 1.0f : exp2f(m_run[r] - m_new[r]);
    const float offset = none ? 0.0f : m_new[r];
    m_run[r] = m_new[r];
    l_part[r] *= rescale[r];
#pragma unroll
    for (int d = 0; d < kOBlocks; ++d) {
      o_acc[4 * d + 2 * r] *= rescale[r];
      o_acc[4 * d + 2 * r + 1] *= rescale[r];
    }
#pragma unroll
    for (int n = 0; n < kBlocks; ++n) {
      const float p0 = exp2f(s[4 * n + 2 * r] - offset);
      const float p1 = exp2f(s[4 * n + 2 * r + 1] - offset);
      l_part[r] += p0 + p1;
      if (p != nullptr) {
        p[4 * (n / 2) + 2 * (n % 2) + r] = pack_elem2(p0, p1);
      } else {
        s[4 * n + 2 * r] = p0;
        s[4 * n + 2 * r + 1] = p1;
      }
    }
  }
}

// The whole tile at once -- output rescaled, P packed -- for a kernel whose P·V has
// completed before the next tile's softmax (attention_mma_sync). o_acc: (kOBlocks × 4);
// p: (kBlocks / 2 × 4) words.
template <int kBlocks, int kOBlocks>
__device__ __forceinline__ void online_softmax_tile(float* s, float* o_acc, unsigned* p, float (&m_run)[2],
                                                    float (&l_part)[2], float scale_log2, int key0, int t, int row_q0,
                                                    int Skv, int causal, int causal_shift) {
  float rescale[2];
  online_softmax_step<kBlocks, kOBlocks>(s, o_acc, p, m_run, l_part, rescale, scale_log2, key0, t, row_q0, Skv, causal,
                                         causal_shift);
}

// P in s (fp32) and the rescale out, neither applied yet: for a kernel whose previous P·V
// is still accumulating into the output and reading the packed P (attention_wgmma), which
// then calls online_softmax_rescale and online_softmax_pack once that wgmma has completed.
template <int kBlocks>
__device__ __forceinline__ void online_softmax_exp(float* s, float (&m_run)[2], float (&l_part)[2], float (&rescale)[2],
                                                   float scale_log2, int key0, int t, int row_q0, int Skv, int causal,
                                                   int causal_shift) {
  online_softmax_step<kBlocks, 0>(s, nullptr, nullptr, m_run, l_part, rescale, scale_log2, key0, t, row_q0, Skv, causal,
                                  causal_shift);
}

// P (fp32, as online_softmax_exp leaves it in s) rounded to the input type and packed in
// pairs: the pair of block n, row half r goes to p[4·(n / 2) + 2·(n % 2) + r] -- for each 16
// keys c the four registers of the A fragment of P·V (a[0], a[1] from block 2c, a[2], a[3]
// from 2c + 1), i.e. the accumulator layout reused as the next product's operand.
// p: (kBlocks / 2 × 4) words.
template <int kBlocks>
__device__ __forceinline__ void online_softmax_pack(const float* s, unsigned* p) {
#pragma unroll
  for (int n = 0; n < kBlocks; ++n)
#pragma unroll
    for (int r = 0; r < 2; ++r) p[4 * (n / 2) + 2 * (n % 2) + r] = pack_elem2(s[4 * n + 2 * r], s[4 * n + 2 * r + 1]);
}

// The output accumulated so far brought to the new running maxima (online_softmax_exp's
// rescale). o_acc: (kOBlocks × 4).
template <int kOBlocks>
__device__ __forceinline__ void online_softmax_rescale(float* o_acc, const float (&rescale)[2]) {
#pragma unroll
  for (int d = 0; d < kOBlocks; ++d) {
    o_acc[4 * d + 0] *= rescale[0];
    o_acc[4 * d + 1] *= rescale[0];
    o_acc[4 * d + 2] *= rescale[1];
    o_acc[4 * d + 3] *= rescale[1];
  }
}

// The end of the walk: 1 / l for each of the thread's two rows (the four lanes' shares of l
// combined), 0 for a row that saw no key. Every lane must call it (it shuffles), rows past
// Sq included.
__device__ __forceinline__ void online_softmax_inverse_sums(const float (&l_part)[2], float (&inv_l)[2]) {
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const float l = quad_sum(l_part[r]);
    inv_l[r] = l > 0.0f ? 1.0f / l : 0.0f;
  }
}
