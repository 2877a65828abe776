// The attention workload: forward O = softmax(Q·Kᵀ·scale [+ causal])·V, fused on the
// portable tier (kernels/portable/attention.cl), on tensor cores on the native tier
// (harness/native_attention.h), the vendor's fused library or the unfused path over the
// vendor GEMM on the vendor tier (harness/attention_unfused.h); all verified row by row in fp64.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "kernels/gemm_configs.h"

namespace suanli {

// Tunables of kernels/portable/attention.cl (kernels/attention_configs.h holds the table).
struct AttentionConfig {
  std::string name;
  int head_dim = 0;  // compile-time bound on D: 64, 128 or 256
  int block_q = 0, block_kv = 0, wg = 0;
  std::vector<Define> defines() const;
  nlohmann::json to_json() const;
};

// The inverse of AttentionConfig::to_json; throws std::invalid_argument naming the bad field.
AttentionConfig attention_config_from_json(const nlohmann::json& j);

// The row for the device class with the smallest head_dim >= d; nullopt when d > 256.
std::optional<AttentionConfig> default_attention_config(const DeviceInfo& device, std::int64_t d);

// The config a case runs: spec.tuning["config"] when the parent chose one (tuning database
// or tuner candidate), else the default row (nullopt when there is none for d).
std::optional<AttentionConfig> attention_config_for(const DeviceInfo& device, const CaseSpec& spec);

// Why the portable kernel cannot run this case with `config` (the kernel's own #error
// checks included, so a tuner never compiles a config that cannot build), or nullopt.
std::optional<std::string> portable_attention_can_implement(const DeviceInfo& device, DType dtype, const AttentionShape& s,
                                                            const std::optional<AttentionConfig>& config);

// The arguments of a fused attention kernel (portable and native share the signature):
// (B, H, Hkv, Sq, Skv, D, scale, causal, q, k, v, o).
std::vector<KernelArg> fused_attention_args(const AttentionShape& s, double scale, Buffer q, Buffer k, Buffer v, Buffer o);

// The backend-facing description of a case for a fused vendor attention library.
AttentionProblem vendor_attention_problem(DType dtype, const AttentionShape& s, double scale);

// The kernel-config device class of a device (CPU, GPU, other).
GemmDeviceClass attention_device_class(const DeviceInfo& d);

// Bytes of Q, K, V and O, plus `score_elements` of an intermediate score matrix (the
// unfused path's S), against the device; nullopt when they fit.
std::optional<std::string> attention_memory_check(const DeviceInfo& device, DType dtype, const AttentionShape& s,
                                                  double score_elements = 0);

// One case: can_implement, inputs, first run, verification, timing (never throws).
nlohmann::json run_attention_case(Device& device, const CaseSpec& spec, const std::string& backend);

}  // namespace suanli
