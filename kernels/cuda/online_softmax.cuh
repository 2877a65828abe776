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
//   - the running maxima m_run (per row, across the row's four lanes) and the rescale of the
//     running sums l_part (each lane's share; combined once at the end) and of o_acc;
//   - P = exp2(S - m), rounded to the input type and packed in pairs into p: the pair of
//     block n, row half r goes to p[4·(n / 2) + 2·(n % 2) + r] -- for each 16 keys c the
//     four registers of the A fragment of P·V (a[0], a[1] from block 2c, a[2], a[3] from
//     2c + 1), i.e. the accumulator layout reused as the next product's operand.
// A row that has seen no visible key keeps m = -inf: nothing is rescaled (-inf - -inf would
// be NaN) and its P stays 0.
// s: (kBlocks × 4) scores, overwritten; o_acc: (kOBlocks × 4); p: (kBlocks / 2 × 4) words.
template <int kBlocks, int kOBlocks>
__device__ __forceinline__ void online_softmax_tile(float* s, float* o_acc, unsigned* p, float (&m_run)[2],
                                                    float (&l_part)[2], float scale_log2, int key0, int t, int row_q0,
                                                    int Skv, int causal, int causal_shift) {
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
    const float rescale = none ? 1.0f : exp2f(m_run[r] - m_new[r]);
    const float offset = none ? 0.0f : m_new[r];
    m_run[r] = m_new[r];
    l_part[r] *= rescale;
#pragma unroll
    for (int d = 0; d < kOBlocks; ++d) {
      o_acc[4 * d + 2 * r] *= rescale;
      o_acc[4 * d + 2 * r + 1] *= rescale;
    }
#pragma unroll
    for (int n = 0; n < kBlocks; ++n) {
      const float p0 = exp2f(s[4 * n + 2 * r] - offset);
      const float p1 = exp2f(s[4 * n + 2 * r + 1] - offset);
      l_part[r] += p0 + p1;
      p[4 * (n / 2) + 2 * (n % 2) + r] = pack_elem2(p0, p1);
    }
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
