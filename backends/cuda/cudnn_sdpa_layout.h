// The pure parts of the cuDNN SDPA graph: tensor dimensions and strides, the tensor UIDs,
// and the checks that need no library. No vendor header and no CUDA call here, so the
// tests can check them on any machine.
//
// Every graph tensor is 4-D (batch, head, row, column), row-major as backend.h lays out
// AttentionProblem's buffers:
//   Q (B, H, Sq, D)  ·  Kᵀ (B, Hkv, D, Skv)  ->  S (B, H, Sq, Skv)   (virtual, fp32)
//   P (B, H, Sq, Skv) · V (B, Hkv, Skv, D)   ->  O (B, H, Sq, D)
// Kᵀ is K itself, described with its last two strides swapped: no copy. Grouped-query
// attention is the head dimension Hkv < H on K and V; cuDNN's matmul broadcasts the kv head
// h / (H / Hkv) to query head h.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "backends/backend.h"

namespace suanli::cuda::sdpa {

struct TensorLayout {
  std::array<std::int64_t, 4> dims{};
  std::array<std::int64_t, 4> strides{};
};

// Dense row-major strides of dims.
inline TensorLayout row_major(std::int64_t d0, std::int64_t d1, std::int64_t d2, std::int64_t d3) {
  return {{d0, d1, d2, d3}, {d1 * d2 * d3, d2 * d3, d3, 1}};
}

inline TensorLayout q_layout(const AttentionProblem& p) { return row_major(p.b, p.h, p.s_q, p.d); }
inline TensorLayout o_layout(const AttentionProblem& p) { return row_major(p.b, p.h, p.s_q, p.d); }
inline TensorLayout v_layout(const AttentionProblem& p) { return row_major(p.b, p.h_kv, p.s_kv, p.d); }
// K (B, Hkv, Skv, D) in memory, seen as Kᵀ (B, Hkv, D, Skv).
inline TensorLayout k_transposed_layout(const AttentionProblem& p) {
  TensorLayout k = row_major(p.b, p.h_kv, p.s_kv, p.d);
  return {{p.b, p.h_kv, p.d, p.s_kv}, {k.strides[0], k.strides[1], 1, p.d}};
}
// The score and probability matrices (virtual: never in memory).
inline TensorLayout scores_layout(const AttentionProblem& p) { return row_major(p.b, p.h, p.s_q, p.s_kv); }
// One value per query row: the softmax's max, sum and (optionally output) statistics.
inline TensorLayout row_stats_layout(const AttentionProblem& p) { return row_major(p.b, p.h, p.s_q, 1); }
// A scalar passed by value (the scale, the mask's fill value, the diagonal offset).
inline TensorLayout scalar_layout() { return {{1, 1, 1, 1}, {1, 1, 1, 1}}; }

// Unique ids of the tensors that cross the graph's boundary (the variant pack's keys).
// Virtual tensors are numbered from kFirstVirtualUid, so the two ranges cannot meet.
enum Uid : std::int64_t {
  kUidQ = 1,
  kUidK = 2,
  kUidV = 3,
  kUidO = 4,
  kUidStats = 5,           // softmax statistics max + log(sum), when the graph writes them
  kUidScale = 6,           // by value
  kUidMaskFill = 7,        // by value: the score a masked key gets
  kUidDiagonalOffset = 8,  // by value: Skv - Sq, for the bottom-right causal mask
  kFirstVirtualUid = 100,
};

// Hands out the virtual tensors' ids in order.
class VirtualUids {
 public:
  std::int64_t next() { return next_++; }

 private:
  std::int64_t next_ = kFirstVirtualUid;
};

// cuDNN documents the fused flash-attention forward for head dims up to 128 that are a
// multiple of 8 (16-byte rows of fp16/bf16) on sm_80 and newer.
constexpr std::int64_t kMaxHeadDim = 128;
constexpr std::int64_t kHeadDimMultiple = 8;
// Largest tensor (elements) offered to cuDNN. Beyond 2^31 elements 32-bit offsets in a
// kernel would wrap; no such case has been tried, so it is refused rather than trusted.
constexpr std::int64_t kMaxTensorElements = std::int64_t{1} << 31;

// a * b, or nullopt when it overflows int64 (or an operand is negative).
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  if (a < 0 || b < 0) return std::nullopt;
  if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a) return std::nullopt;
  return a * b;
}

inline std::optional<std::int64_t> element_count(const TensorLayout& t) {
  std::optional<std::int64_t> n = 1;
  for (std::int64_t d : t.dims) {
    if (n) n = checked_mul(*n, d);
  }
  return n;
}

// Everything can_implement can decide without cuDNN or the GPU; nullopt = no objection.
inline std::optional<std::string> sdpa_problem_check(const AttentionProblem& p) {
  if (p.dtype != DType::fp16 && p.dtype != DType::bf16) {
    return std::string("cuDNN's fused attention takes fp16 or bf16 only");
  }
  if (p.b <= 0 || p.h <= 0 || p.h_kv <= 0 || p.s_q <= 0 || p.s_kv <= 0 || p.d <= 0) {
    return std::string("every attention dimension must be positive");
  }
  if (p.h % p.h_kv != 0) return std::string("kv heads must divide the query heads");
  if (p.d > kMaxHeadDim || p.d % kHeadDimMultiple != 0) {
    return "head dim " + std::to_string(p.d) + ": cuDNN's fused flash attention takes a multiple of " +
           std::to_string(kHeadDimMultiple) + " up to " + std::to_string(kMaxHeadDim);
  }
  if (p.causal && p.s_q > p.s_kv) {
    // Bottom-right aligned, the first Sq - Skv rows see no key: cuDNN's softmax over an
    // all-masked row is not the zero row backend.h defines.
    return std::string("causal with Sq > Skv leaves rows with no visible key");
  }
  // O has Q's size and V K's.
  if (!element_count(scores_layout(p)) || !element_count(q_layout(p)) || !element_count(v_layout(p))) {
    return std::string("attention sizes overflow 64-bit element counts");
  }
  for (const TensorLayout& t : {q_layout(p), v_layout(p)}) {
    const std::int64_t n = *element_count(t);  // checked above
    if (n >= kMaxTensorElements) {
      return "a tensor of " + std::to_string(n) + " elements: cuDNN is offered only tensors below 2^31 elements";
    }
  }
  return std::nullopt;
}

}  // namespace suanli::cuda::sdpa
