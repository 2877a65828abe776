// The attention vendor tier where the backend has no fused attention library: the unfused
// path a user would otherwise write, timed as one case —
//   1. vendor GEMM   S = scale · Q · Kᵀ        (batched over batch × kv-head)
//   2. portable row softmax with the causal mask, in place   (kernels/portable/softmax.cl)
//   3. vendor GEMM   O = P · V                 (batched the same way)
// S is materialized in device memory (B·H·Sq·Skv elements): the cost the fused kernel
// avoids, and the reason the two are compared.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/attention_shapes.h"
#include "harness/case_record.h"
#include "harness/case_spec.h"

namespace suanli {

// Grouped-query heads make each (batch, kv head) one GEMM: the G = H / Hkv query heads
// that share a kv head are adjacent in Q, so they form one (G·Sq × D) matrix.
struct UnfusedAttentionGemms {
  GemmProblem scores;  // q: (G·Sq, D) · kᵀ, k stored (Skv, D) → s: (G·Sq, Skv); alpha = scale
  GemmProblem output;  // p: (G·Sq, Skv) · v: (Skv, D) → o: (G·Sq, D)
};
UnfusedAttentionGemms unfused_attention_gemms(DType dtype, const AttentionShape& s, double scale);

// Why this device cannot run the unfused path (no vendor GEMM for these problems, no
// softmax variant for the dtype, S too large for the device), or nullopt.
std::optional<std::string> unfused_attention_can_implement(const Device& device, DType dtype, const AttentionShape& s);

// Compiles the softmax, allocates S in `bufs`, writes the kernel description into rec and
// returns the enqueue of the three steps (q, k, v: inputs, o: output, shapes as above).
std::function<void()> prepare_unfused_attention(Device& device, BufferSet& bufs, const CaseSpec& spec, double scale,
                                                Buffer q, Buffer k, Buffer v, Buffer o, nlohmann::json& rec);

}  // namespace suanli
