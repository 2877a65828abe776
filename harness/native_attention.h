// The attention workload's native tier: this project's own tensor-core attention kernels
// (kernels/native_catalog.h: native_attention_kernels), chosen per device and head dim,
// launched with their own geometry, and verified and timed by run_attention_case exactly as
// the portable tier is. Like native GEMM, a kernel not yet verified on the device's arch is
// recorded "unverified" (harness/native_gemm.h: apply_native_verified_on).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "kernels/native_catalog.h"

namespace suanli {

// The head-dim bound a case of head dim d compiles with: the smallest of k.head_dims >= d.
std::optional<int> native_attention_head_dim(const NativeAttentionKernel& k, std::int64_t d);

// Why kernel `k` cannot run (dtype, shape) on this device of plugin `backend`, or nullopt.
std::optional<std::string> native_attention_can_implement(const NativeAttentionKernel& k, const std::string& backend,
                                                          const DeviceInfo& device, DType dtype, const AttentionShape& s);

struct NativeAttentionChoice {
  const NativeAttentionKernel* kernel = nullptr;
  int head_dim = 0;  // the compiled bound (ATTN_MMA_HEAD_DIM)
};

// The first kernel of the table that can run the case (of those named `only`, when set:
// --native-kernel); otherwise `why` gets the reasons.
std::optional<NativeAttentionChoice> choose_native_attention(const std::string& backend, const DeviceInfo& device,
                                                             DType dtype, const AttentionShape& s, std::string& why,
                                                             const std::string& only = "");

// The case record's "kernel" section for a choice.
nlohmann::json native_attention_kernel_json(const NativeAttentionChoice& choice, const CaseSpec& spec);

// The launch grid: one block per block_q query rows of one (batch, head), (ceil(Sq / block_q), H, B).
Dim3 native_attention_grid(const NativeAttentionKernel& k, const AttentionShape& s);

// The kernel arguments: (B, H, Hkv, Sq, Skv, D, scale, causal, q, k, v, o); a tma kernel gets
// q as a (B·H·Sq, D) and k, v as (B·Hkv·Skv, D) tensor maps (boxes of 128 bytes × block_q or
// block_kv rows, 128-byte swizzle) in place of the buffers.
std::vector<KernelArg> native_attention_args(const NativeAttentionKernel& nk, const AttentionShape& s, double scale, Buffer q,
                                             Buffer k, Buffer v, Buffer o);

// Compiles the chosen kernel and returns the call that launches it on
// o = attention(q, k, v) (q, o: (B, H, Sq, D); k, v: (B, Hkv, Skv, D)); compile facts go
// into `kernel_rec`.
std::function<void()> native_attention_enqueue(Device& device, const NativeAttentionChoice& choice, const CaseSpec& spec,
                                               double scale, Buffer q, Buffer k, Buffer v, Buffer o,
                                               nlohmann::json& kernel_rec);

}  // namespace suanli
