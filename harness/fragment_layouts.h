// Where the elements of one matrix instruction live: the vendors' fragment tables (which
// lane's register holds which element of A, B and the accumulator D) and the shared-memory
// layouts that Hopper's wgmma descriptors describe. Written once here and used by
//   - the peak replay that verifies the peak kernels on a GPU (harness/native_peak.cpp),
//   - the host models that run the CUDA kernel sources without a GPU
//     (tests/mma_sync_emulation.h, tests/wgmma_emulation.h),
// and checked, element by element, against an independent reading of the same tables
// (CUTLASS's CuTe layouts) in tests/test_fragment_layouts.cpp. Nothing here has been checked
// on hardware.
//
// Conventions: `lane` is the thread's index in its warp (wavefront; for wgmma, in its
// warpgroup of 128), `word` a 32-bit register of the fragment, `part` an element within the
// word from the lowest bits up (P elements per word: 1 for tf32, 2 for 16-bit types, 4 for
// 8-bit types). A and D positions are (row, column-of-K / column); B positions (k, column).
#pragma once

#include <utility>

namespace suanli::fragments {

// PTX ISA, "Matrix Fragments for mma.m16n8k8" (.tf32, P = 1), "... for mma.m16n8k16 with
// floating point type" (P = 2) and "... for mma.m16n8k32" (.s8 / .u8 / .e4m3, P = 4); with
// g = lane / 4 and t = lane % 4: A word w holds row g (+8 when w is odd), K columns P·t ..
// P·t + P − 1 (+4P when w >= 2); B word w holds K rows P·t .. (+4P for w = 1) of column g;
// accumulator r (fp32 or s32) holds row g (+8 for r >= 2), column 2t + r % 2.
template <int P>
constexpr std::pair<int, int> mma_a_at(int lane, int word, int part) {
  return {lane / 4 + (word & 1) * 8, P * (lane % 4) + (word >> 1) * 4 * P + part};
}
template <int P>
constexpr std::pair<int, int> mma_b_at(int lane, int word, int part) {
  return {P * (lane % 4) + word * 4 * P + part, lane / 4};
}
constexpr std::pair<int, int> mma_d_at(int lane, int reg) {
  return {lane / 4 + (reg >> 1) * 8, 2 * (lane % 4) + (reg & 1)};
}

// PTX ISA, ldmatrix .m8n8 .b16: each 8 × 8 matrix of 16-bit elements is named by the row
// addresses of 8 lanes (matrix i by lanes 8i .. 8i + 7); register i of every lane receives
// two elements of matrix i, `half` 0 in the low bits: (row l / 4, columns 2 (l % 4) + half),
// or with .trans (rows 2 (l % 4) + half, column l / 4).
constexpr std::pair<int, int> ldmatrix_at(int lane, int half, bool trans) {
  return trans ? std::pair<int, int>{2 * (lane % 4) + half, lane / 4} : std::pair<int, int>{lane / 4, 2 * (lane % 4) + half};
}

// PTX ISA, "Register Fragments and Shared Memory Matrix Layouts" of wgmma.mma_async m64nNk*:
// warp l / 32 of the warpgroup owns rows 16 (l / 32) .. +15, and within them each warp's
// part is the m16n8 accumulator tile above, repeated for every 8 columns: accumulator r of
// thread l holds row 16 (l / 32) + g + 8 ((r / 2) % 2), column 8 (r / 4) + 2t + r % 2.
constexpr std::pair<int, int> wgmma_d_at(int lane, int reg) {
  return {16 * (lane / 32) + (lane % 32) / 4 + 8 * ((reg / 2) % 2), 8 * (reg / 4) + 2 * (lane % 4) + reg % 2};
}
// The A operand of m64nNk16 (16-bit types) from registers: each warp's 16 rows hold the
// mma.m16n8k16 A fragment (four words of two elements).
constexpr std::pair<int, int> wgmma_a_regs_at(int lane, int word, int part) {
  const auto [row, k] = mma_a_at<2>(lane % 32, word, part);
  return {16 * (lane / 32) + row, k};
}

// AMD Matrix Instruction Calculator, CDNA v_mfma_f32_32x32x8 (one block, 64 lanes): lane l's
// element e (word e / 2, half e % 2) is A[l % 32][4 (l / 32) + e] and B[4 (l / 32) + e][l % 32];
// accumulator r is D[8 (r / 4) + 4 (l / 32) + r % 4][l % 32].
constexpr std::pair<int, int> mfma_a_at(int lane, int word, int half) {
  return {lane % 32, 4 * (lane / 32) + 2 * word + half};
}
constexpr std::pair<int, int> mfma_b_at(int lane, int word, int half) {
  return {4 * (lane / 32) + 2 * word + half, lane % 32};
}
constexpr std::pair<int, int> mfma_d_at(int lane, int reg) {
  return {8 * (reg / 4) + 4 * (lane / 32) + reg % 4, lane % 32};
}

// wgmma operands in shared memory with the 128-byte swizzle (PTX ISA, "Matrix Descriptor
// Format", "Shared Memory Matrix Layout"): the byte offset, from the descriptor's start
// address and before the swizzle, of one element. The hardware then swizzles the whole
// address (sw128_swizzle), which is why a start address inside an atom's first row is a
// plain add.
//   K-major (imm-trans 0): row r of M / N is 128 bytes of K; rows step by 128 bytes within an
//     8-row atom and by SBO (stride byte offset) from one atom to the next. LBO is unused.
constexpr unsigned sw128_k_major_offset(int row, unsigned k_byte, unsigned sbo) {
  return static_cast<unsigned>(row / 8) * sbo + static_cast<unsigned>(row % 8) * 128u + k_byte;
}
//   MN-major (imm-trans 1): a 128-byte row holds 128 / elem_bytes consecutive M / N elements
//     of one K index; K rows step by 128 bytes within an 8-row atom and by SBO to the next 8
//     K rows; the next 128 / elem_bytes M / N elements are LBO (leading byte offset) away.
constexpr unsigned sw128_mn_major_offset(int k, int mn, unsigned lbo, unsigned sbo, int elem_bytes) {
  const int per_row = 128 / elem_bytes;
  return static_cast<unsigned>(k / 8) * sbo + static_cast<unsigned>(k % 8) * 128u + static_cast<unsigned>(mn / per_row) * lbo +
         static_cast<unsigned>((mn % per_row) * elem_bytes);
}
// The 128-byte swizzle of a shared-memory byte address: address bits 4-6 XOR bits 7-9, so
// 16-byte chunk c of 128-byte row r (in a 1024-byte aligned atom) lands at chunk c ^ (r % 8).
constexpr unsigned sw128_swizzle(unsigned address) { return address ^ (((address >> 7) & 7u) << 4); }

}  // namespace suanli::fragments
