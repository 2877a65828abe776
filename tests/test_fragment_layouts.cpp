// The fragment tables and wgmma operand layouts of harness/fragment_layouts.h -- read from the
// PTX ISA and used by the peak replay on a GPU and by the host models of every CUDA kernel --
// checked element by element against a second, independent reading of the same ISA tables:
// the thread-value layouts of NVIDIA's CuTe (github.com/NVIDIA/cutlass, include/cute/atom/:
// mma_traits_sm80.hpp for mma.sync m16n8k8 .tf32, m16n8k16 and m16n8k32 .s8,
// copy_traits_sm75.hpp for ldmatrix .x4 with and without .trans,
// mma_traits_sm89.hpp for m16n8k32 .e4m3, mma_traits_sm90_gmma.hpp for the wgmma accumulator
// (CLayout_64xN), the register A operand (ALayout_64x16) and the descriptors' canonical
// layouts). Their shapes and strides are restated below as data and evaluated by this file's
// own code; and the CDNA MFMA tables against AMD's composable_kernel (below). No reading has
// been checked on hardware; two readings agreeing is what can be had without a GPU. Each
// check also shows that a plausible misreading would be told apart.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/fragment_layouts.h"
#include "harness/native_peak.h"

namespace suanli {
namespace {

namespace fr = fragments;

// One mode of a CuTe layout, flattened: `size` coordinates, `stride` apart.
struct Mode {
  int size = 1;
  long long stride = 0;
};

// The offset of index i over flattened modes, the first mode varying fastest (CuTe's
// colexicographic order).
long long offset_of(const std::vector<Mode>& modes, long long i) {
  long long off = 0;
  for (const Mode& m : modes) {
    off += (i % m.size) * m.stride;
    i /= m.size;
  }
  return off;
}

long long size_of(const std::vector<Mode>& modes) {
  long long n = 1;
  for (const Mode& m : modes) n *= m.size;
  return n;
}

// A CuTe thread-value layout: (thread, value) -> an index into a column-major (rows, cols)
// matrix (CuTe's MMA traits index A as (M, K), B as (N, K) and C as (M, N)).
struct TvLayout {
  std::vector<Mode> thread, value;
  int rows = 0;
  std::pair<int, int> at(int thread_index, int value_index) const {
    const long long idx = offset_of(thread, thread_index) + offset_of(value, value_index);
    return {static_cast<int>(idx % rows), static_cast<int>(idx / rows)};
  }
};

// A fragment table of harness/fragment_layouts.h as (lane, value) -> (row, col): an
// accumulator table as it is (value = register), an operand table through per_word, value v
// being part v % P of word v / P (CuTe numbers a fragment's values in register order, P to a
// 32-bit register).
using Table = std::function<std::pair<int, int>(int lane, int value)>;
template <int P, class F>
Table per_word(F f) {
  return [f](int lane, int v) { return f(lane, v / P, v % P); };
}
// B tables give (k, column); CuTe indexes B as (N, K).
template <int P, class F>
Table b_per_word(F f) {
  return [f](int lane, int v) {
    const auto [k, col] = f(lane, v / P, v % P);
    return std::pair<int, int>{col, k};
  };
}

// Elements where `table` and `cute` disagree, over every thread and value of the layout.
int mismatches(const TvLayout& cute, const Table& table, std::string* first = nullptr) {
  int bad = 0;
  for (int t = 0; t < size_of(cute.thread); ++t)
    for (int v = 0; v < size_of(cute.value); ++v)
      if (table(t, v) != cute.at(t, v)) {
        if (bad++ == 0 && first)
          *first = "lane " + std::to_string(t) + " value " + std::to_string(v) + ": table (" + std::to_string(table(t, v).first) +
                   ", " + std::to_string(table(t, v).second) + "), CuTe (" + std::to_string(cute.at(t, v).first) + ", " +
                   std::to_string(cute.at(t, v).second) + ")";
      }
  return bad;
}

// Every (thread, value) of `table` lands on a distinct element of the (rows, cols) matrix and
// together they cover it.
bool covers_once(const Table& table, int threads, int values, int rows, int cols) {
  std::set<std::pair<int, int>> seen;
  for (int t = 0; t < threads; ++t)
    for (int v = 0; v < values; ++v) {
      const auto rc = table(t, v);
      if (rc.first < 0 || rc.first >= rows || rc.second < 0 || rc.second >= cols || !seen.insert(rc).second) return false;
    }
  return static_cast<int>(seen.size()) == rows * cols;
}

#define EXPECT_SAME_LAYOUT(cute, table)            \
  do {                                             \
    std::string first_;                            \
    EXPECT_EQ(mismatches(cute, table, &first_), 0) \
        << first_;                                 \
  } while (0)

// SM80_16x8_Row: the m16n8 accumulator, (M 16, N 8).
const TvLayout kCuteMmaC{{{4, 32}, {8, 1}}, {{2, 16}, {2, 8}}, 16};

TEST(FragmentLayouts, MmaM16n8k16MatchesCute) {
  // SM80_16x8x16_F16F16F16F16_TN (also the fp32-accumulate and bf16 forms).
  const TvLayout a{{{4, 32}, {8, 1}}, {{2, 16}, {2, 8}, {2, 128}}, 16};
  const TvLayout b{{{4, 16}, {8, 1}}, {{2, 8}, {2, 64}}, 8};
  EXPECT_SAME_LAYOUT(a, per_word<2>(fr::mma_a_at<2>));
  EXPECT_SAME_LAYOUT(b, b_per_word<2>(fr::mma_b_at<2>));
  EXPECT_SAME_LAYOUT(kCuteMmaC, Table(fr::mma_d_at));
  EXPECT_TRUE(covers_once(per_word<2>(fr::mma_a_at<2>), 32, 8, 16, 16));
  EXPECT_TRUE(covers_once(b_per_word<2>(fr::mma_b_at<2>), 32, 4, 8, 16));

  // A misreading is told apart: A's second and third words swapped (the K half before the
  // row half).
  const auto k_half_first = [](int l, int w, int p) { return fr::mma_a_at<2>(l, (w == 1 || w == 2) ? 3 - w : w, p); };
  EXPECT_GT(mismatches(a, per_word<2>(k_half_first)), 0);
}

TEST(FragmentLayouts, MmaM16n8k8Tf32MatchesCute) {
  // SM80_16x8x8_F32TF32TF32F32_TN: one element per register.
  const TvLayout a{{{4, 16}, {8, 1}}, {{2, 8}, {2, 64}}, 16};
  const TvLayout b{{{4, 8}, {8, 1}}, {{2, 32}}, 8};
  EXPECT_SAME_LAYOUT(a, per_word<1>(fr::mma_a_at<1>));
  EXPECT_SAME_LAYOUT(b, b_per_word<1>(fr::mma_b_at<1>));
  EXPECT_TRUE(covers_once(per_word<1>(fr::mma_a_at<1>), 32, 4, 16, 8));
  EXPECT_TRUE(covers_once(b_per_word<1>(fr::mma_b_at<1>), 32, 2, 8, 8));
}

TEST(FragmentLayouts, MmaM16n8k32EightBitMatchesCute) {
  // SM80_16x8x32_S32S8S8S32_TN and SM89_16x8x32_F32E4M3E4M3F32_TN (the same layouts): four
  // K-consecutive bytes per register.
  const TvLayout a{{{4, 64}, {8, 1}}, {{4, 16}, {2, 8}, {2, 256}}, 16};
  const TvLayout b{{{4, 32}, {8, 1}}, {{4, 8}, {2, 128}}, 8};
  EXPECT_SAME_LAYOUT(a, per_word<4>(fr::mma_a_at<4>));
  EXPECT_SAME_LAYOUT(b, b_per_word<4>(fr::mma_b_at<4>));
  EXPECT_TRUE(covers_once(per_word<4>(fr::mma_a_at<4>), 32, 16, 16, 32));
  EXPECT_TRUE(covers_once(b_per_word<4>(fr::mma_b_at<4>), 32, 8, 8, 32));

  // The 16-bit table's element pairs read as byte pairs is told apart (bytes 2t, 2t + 1
  // instead of 4t .. 4t + 3).
  const auto as_pairs = [](int l, int w, int p) { return fr::mma_a_at<2>(l, 2 * w + p / 2, p % 2); };
  EXPECT_GT(mismatches(a, per_word<4>(as_pairs)), 0);
}

TEST(FragmentLayouts, PeakReplayUsesTheCheckedTables) {
  // The replay that verifies peak_mma_sync and peak_wgmma on a GPU reads these functions.
  EXPECT_EQ(mma_m16n8k16_layout().a_at, &fr::mma_a_at<2>);
  EXPECT_EQ(mma_m16n8k16_layout().b_at, &fr::mma_b_at<2>);
  EXPECT_EQ(mma_m16n8k16_layout().d_at, &fr::mma_d_at);
  EXPECT_EQ(mma_m16n8k32_layout().a_at, &fr::mma_a_at<4>);
  EXPECT_EQ(mma_m16n8k32_layout().b_at, &fr::mma_b_at<4>);
  EXPECT_EQ(wgmma_m64n128k16_layout().d_at, &fr::wgmma_d_at);
  EXPECT_EQ(wgmma_m64n128k32_layout().d_at, &fr::wgmma_d_at);
}

TEST(FragmentLayouts, LdmatrixMatchesCute) {
  // copy_traits_sm75.hpp, SM75_U32x4_LDSM_N and SM75_U16x8_LDSM_T: the destination layouts map
  // (lane, value bit) to a bit of the four 8 × 8 matrices of 16-bit elements, stored row by row
  // (128 bits a row, 1024 a matrix); value bits 32i .. 32i + 31 are register i.
  const std::vector<Mode> n_thread{{32, 32}}, n_value{{32, 1}, {4, 1024}};
  const std::vector<Mode> t_thread{{4, 256}, {8, 16}}, t_value{{16, 1}, {2, 128}, {4, 1024}};
  for (const bool trans : {false, true}) {
    SCOPED_TRACE(trans ? ".trans" : "no .trans");
    int bad = 0, bad_swapped_halves = 0;
    for (int lane = 0; lane < 32; ++lane)
      for (int reg = 0; reg < 4; ++reg)
        for (int half = 0; half < 2; ++half) {
          const long long bit = trans ? offset_of(t_thread, lane) + offset_of(t_value, 16 * half + 32 * reg)
                                      : offset_of(n_thread, lane) + offset_of(n_value, 16 * half + 32 * reg);
          ASSERT_EQ(bit % 16, 0);
          const int matrix = static_cast<int>(bit / 1024), row = static_cast<int>(bit % 1024 / 128),
                    col = static_cast<int>(bit % 128 / 16);
          bad += matrix != reg || fr::ldmatrix_at(lane, half, trans) != std::pair<int, int>{row, col};
          bad_swapped_halves += fr::ldmatrix_at(lane, 1 - half, trans) != std::pair<int, int>{row, col};
        }
    EXPECT_EQ(bad, 0);
    EXPECT_GT(bad_swapped_halves, 0);
  }
}

// CLayout_64xN: the wgmma m64nN accumulator, (M 64, N).
TvLayout cute_wgmma_c(int n) { return {{{4, 128}, {8, 1}, {4, 16}}, {{2, 64}, {2, 8}, {n / 8, 512}}, 64}; }

TEST(FragmentLayouts, WgmmaAccumulatorMatchesCute) {
  const Table d = Table(fr::wgmma_d_at);
  for (const int n : {64, 128, 256}) {
    SCOPED_TRACE("N = " + std::to_string(n));
    EXPECT_SAME_LAYOUT(cute_wgmma_c(n), d);
    EXPECT_TRUE(covers_once(d, 128, n / 2, 64, n));
  }
  // Warps owning interleaved rows (warp w rows w, w + 4, ...) instead of 16-row bands.
  const Table interleaved = [](int l, int r) {
    const auto [row, col] = fr::wgmma_d_at(l, r);
    return std::pair<int, int>{(row % 16) * 4 + row / 16, col};
  };
  EXPECT_GT(mismatches(cute_wgmma_c(128), interleaved), 0);
}

TEST(FragmentLayouts, WgmmaRegisterAMatchesCute) {
  // ALayout_64x16 (= CLayout_64x16), (M 64, K 16), two 16-bit elements per register.
  const TvLayout a{{{4, 128}, {8, 1}, {4, 16}}, {{2, 64}, {2, 8}, {2, 512}}, 64};
  EXPECT_SAME_LAYOUT(a, per_word<2>(fr::wgmma_a_regs_at));
  EXPECT_TRUE(covers_once(per_word<2>(fr::wgmma_a_regs_at), 128, 8, 64, 16));
  // The accumulator's register order (which a kernel gets by packing S's n8 blocks in pairs)
  // is the same table: D of an m64n16 as A of an m64nNk16.
  const Table d16 = Table(fr::wgmma_d_at);
  EXPECT_EQ(mismatches(a, d16), 0);
  // Each warp's 16 rows read as the whole warpgroup's (no 16-row band per warp).
  const auto no_band = [](int l, int w, int p) { return fr::mma_a_at<2>(l % 32, w, p); };
  EXPECT_GT(mismatches(a, per_word<2>(no_band)), 0);
}

// A wgmma descriptor's canonical layout (mma_traits_sm90_gmma.hpp, make_gmma_desc), in bytes:
// modes over the M / N index and over the K index.
struct OperandLayout {
  std::vector<Mode> mn, k;
  unsigned at(int mn_index, int k_index) const {
    return static_cast<unsigned>(offset_of(mn, mn_index) + offset_of(k, k_index));
  }
};

TEST(FragmentLayouts, WgmmaMnMajorDescriptorMatchesCute) {
  // Major-MN, 128-byte swizzle, in 16-byte units: ((8, n), (8, k)) : ((1, LBO), (8, SBO)),
  // with T = 16 / element bytes elements in each unit. attention_wgmma's V (N = D up to 128,
  // one k16 step): LBO = 16 KiB to the next 64-column TMA box, SBO = 1024 bytes to the next
  // 8 keys.
  for (const int elem : {2, 1}) {
    SCOPED_TRACE("element bytes " + std::to_string(elem));
    const unsigned lbo = 16384, sbo = 1024;
    const int per_unit = 16 / elem;
    const OperandLayout cute{{{per_unit, elem}, {8, 16}, {4, lbo}}, {{8, 128}, {4, sbo}}};
    const int n_max = 4 * 8 * per_unit, k_max = 32;
    int bad = 0, bad_swapped = 0;
    for (int n = 0; n < n_max; ++n)
      for (int k = 0; k < k_max; ++k) {
        bad += fr::sw128_mn_major_offset(k, n, lbo, sbo, elem) != cute.at(n, k);
        bad_swapped += fr::sw128_mn_major_offset(k, n, sbo, lbo, elem) != cute.at(n, k);
      }
    EXPECT_EQ(bad, 0);
    // The other reading (LBO between K groups, SBO between M / N groups): what
    // wgmma_emulation's mn_major_offsets_swapped fault models.
    EXPECT_GT(bad_swapped, 0);
  }
}

TEST(FragmentLayouts, WgmmaKMajorDescriptorMatchesCute) {
  // Major-K, 128-byte swizzle, in elements: ((8, m), (T, 2)) : ((8T, SBO), (1, T)) -- rows 128
  // bytes apart within an 8-row atom, atoms SBO apart, K contiguous within the row (one wgmma
  // reads 32 bytes of it; the kernels step the start address along the row). LBO unused.
  for (const int elem : {2, 1}) {
    SCOPED_TRACE("element bytes " + std::to_string(elem));
    const unsigned sbo = 1024;
    const OperandLayout cute{{{8, 128}, {16, sbo}}, {{128 / elem, elem}}};
    int bad = 0;
    for (int row = 0; row < 128; ++row)
      for (int k = 0; k < 128 / elem; ++k)
        bad += fr::sw128_k_major_offset(row, static_cast<unsigned>(k * elem), sbo) != cute.at(row, k);
    EXPECT_EQ(bad, 0);
  }
}

TEST(FragmentLayouts, Swizzle128ByteMovesChunksWithinEachRow) {
  // Chunk c of row r of an aligned 1024-byte atom lands at c ^ (r % 8); bytes within a chunk
  // keep their place; the whole atom maps onto itself once.
  std::set<unsigned> seen;
  for (unsigned r = 0; r < 8; ++r)
    for (unsigned c = 0; c < 8; ++c)
      for (unsigned b = 0; b < 16; ++b) {
        const unsigned at = fr::sw128_swizzle(2048 + r * 128 + c * 16 + b);
        EXPECT_EQ(at, 2048 + r * 128 + ((c ^ r) * 16) + b);
        seen.insert(at);
      }
  EXPECT_EQ(seen.size(), 1024u);
}

// AMD's side, against the same kind of second reading: the CDNA MFMA layouts as AMD's
// composable_kernel describes them (github.com/ROCm/composable_kernel,
// include/ck/tensor_operation/gpu/warp/xdlops_gemm.hpp): each instruction as parameters --
// mfma_f32_32x32x8f16 and mfma_f32_32x32x8bf16_1k are both group_size 4, num_groups_per_blk
// 4, num_threads_per_blk 32, num_input_blks 2, k_per_blk 4, a K reduction -- and lanes
// placed by them: lane l is (blk_id, blk_td) = (l / num_threads_per_blk, l %
// num_threads_per_blk); a K-reduction instruction's lane holds k_per_blk consecutive K of
// row (A) or column (B) blk_td starting at K blk_id · k_per_blk; accumulator r holds column
// blk_td and row (r / group_size) · num_input_blks · group_size + blk_id · group_size +
// r % group_size (the unmerge of the register index into (groups, input blocks, group)).
struct CkMfma {
  int group_size, num_groups_per_blk, num_threads_per_blk, num_input_blks, k_per_blk;
};

TEST(FragmentLayouts, Mfma32x32x8MatchesComposableKernel) {
  const CkMfma ck{4, 4, 32, 2, 4};
  int bad = 0, checked = 0;
  for (int lane = 0; lane < 64; ++lane) {
    const int blk_id = lane / ck.num_threads_per_blk, blk_td = lane % ck.num_threads_per_blk;
    for (int e = 0; e < ck.k_per_blk; ++e) {  // element e: word e / 2, half e % 2
      const int k = blk_id * ck.k_per_blk + e;
      bad += fr::mfma_a_at(lane, e / 2, e % 2) != std::pair<int, int>{blk_td, k};
      bad += fr::mfma_b_at(lane, e / 2, e % 2) != std::pair<int, int>{k, blk_td};
      checked += 2;
    }
    for (int r = 0; r < ck.group_size * ck.num_groups_per_blk; ++r) {
      const int row = r / ck.group_size * ck.num_input_blks * ck.group_size + blk_id * ck.group_size + r % ck.group_size;
      bad += fr::mfma_d_at(lane, r) != std::pair<int, int>{row, blk_td};
      ++checked;
    }
  }
  EXPECT_EQ(checked, 64 * (8 + 16));
  EXPECT_EQ(bad, 0);
  EXPECT_TRUE(covers_once(Table(fr::mfma_d_at), 64, 16, 32, 32));
  // The accumulator with the input block above the group (row 16 (l / 32) + ...) is told apart.
  int bad_order = 0;
  for (int lane = 0; lane < 64; ++lane)
    for (int r = 0; r < 16; ++r)
      bad_order += fr::mfma_d_at(lane, r) != std::pair<int, int>{16 * (lane / 32) + r, lane % 32};
  EXPECT_GT(bad_order, 0);
}

}  // namespace
}  // namespace suanli
