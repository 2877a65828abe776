#include "harness/native_attention.h"

#include <cstdint>
#include <limits>

#include "harness/attention_workload.h"
#include "harness/dtype.h"
#include "harness/native_gemm.h"

namespace suanli {
namespace {

constexpr std::int64_t kMaxGridYZ = 65535;  // CUDA's limit on gridDim.y (heads) and .z (batch); kept for HIP too
constexpr auto kIntMax = static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max());

}  // namespace

std::optional<int> native_attention_head_dim(const NativeAttentionKernel& k, std::int64_t d) {
  for (const int hd : k.head_dims)
    if (hd >= d) return hd;
  return std::nullopt;
}

std::optional<std::string> native_attention_can_implement(const NativeAttentionKernel& k, const std::string& backend,
                                                          const DeviceInfo& device, DType dtype, const AttentionShape& s) {
  const bool hip = k.backend == "hip";
  if (auto why = hip ? native_hip_target_reason(k.name, k.backend, k.archs, k.hip_needs, k.dtypes, "", backend, device, dtype)
                     : native_cuda_target_reason(k.name, k.backend, k.min_sm, k.archs, k.dtypes, k.lower_lacks, backend,
                                                 device, dtype))
    return why;
  const std::string d_text = "D = " + std::to_string(s.d);
  const std::optional<int> head_dim = native_attention_head_dim(k, s.d);
  if (!head_dim) return k.name + " is compiled for D up to " + std::to_string(k.head_dims.back()) + "; " + d_text;
  if (s.d < 1) return k.name + " needs D of at least 1; " + d_text;
  if (s.d % k.d_multiple != 0)
    return k.name + " needs D a multiple of " + std::to_string(k.d_multiple) + " (rows of " +
           std::to_string(k.d_multiple * k.element_bytes) + "-byte chunks); " + d_text;
  if (s.s_q < 1 || s.s_kv < 1 || s.h < 1 || s.h_kv < 1 || s.b < 1 || s.h % s.h_kv != 0)
    return "B, H, Hkv, Sq and Skv must be at least 1 and Hkv must divide H";
  if (s.h > kMaxGridYZ || s.b > kMaxGridYZ)
    return k.name + " launches one block row per head and batch entry: at most " + std::to_string(kMaxGridYZ) + " of each";
  if (s.s_q > kIntMax || s.s_kv > kIntMax) return k.name + " takes the sequence lengths as 32-bit ints";
  // TMA row coordinates are 32-bit: q viewed as (B·H·Sq, D) rows, k and v as (B·Hkv·Skv, D).
  if (k.tma && (s.b * s.h * s.s_q > kIntMax || s.b * s.h_kv * s.s_kv > kIntMax))
    return k.name + " addresses q as B·H·Sq rows and k, v as B·Hkv·Skv rows of 32-bit TMA coordinates: at most " +
           std::to_string(kIntMax) + " each";
  const std::size_t smem = native_attention_shared_bytes(k, *head_dim);
  const std::size_t smem_limit = hip ? kHipLdsBytes : cuda_shared_optin_bytes(sm_version(device.arch).value_or(0));
  if (smem > smem_limit)
    return k.name + " needs " + std::to_string(smem) + " bytes of shared memory per block; " + device.arch + " allows " +
           std::to_string(smem_limit);
  if (device.max_work_group_size > 0 && native_attention_threads(k) > device.max_work_group_size)
    return k.name + " needs " + std::to_string(native_attention_threads(k)) + " threads per block";
  return std::nullopt;
}

std::optional<NativeAttentionChoice> choose_native_attention(const std::string& backend, const DeviceInfo& device,
                                                             DType dtype, const AttentionShape& s, std::string& why,
                                                             const std::string& only) {
  const NativeAttentionKernel* k = first_native_kernel(
      native_attention_kernels(), backend,
      [&](const NativeAttentionKernel& c) { return native_attention_can_implement(c, backend, device, dtype, s); }, why,
      "no native attention kernels in this build", only);
  if (!k) return std::nullopt;
  return NativeAttentionChoice{k, *native_attention_head_dim(*k, s.d)};
}

nlohmann::json native_attention_kernel_json(const NativeAttentionChoice& choice, const CaseSpec& spec) {
  const NativeAttentionKernel& k = *choice.kernel;
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : native_attention_defines(k, to_string(spec.dtype), choice.head_dim)) defs[d.name] = d.value;
  for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
  return {{"name", k.name},
          {"source", k.source_path},
          {"config",
           {{"name", "hd" + std::to_string(choice.head_dim)}, {"head_dim", choice.head_dim},
            {"block_q", native_attention_block_q(k)}, {"block_kv", k.block_kv}, {"warps", k.warps},
            {"wave_size", k.wave_size}}},
          {"threads", native_attention_threads(k)},
          {"shared_bytes", native_attention_shared_bytes(k, choice.head_dim)},
          {"defines", defs}};
}

Dim3 native_attention_grid(const NativeAttentionKernel& k, const AttentionShape& s) {
  const auto block_q = static_cast<std::int64_t>(native_attention_block_q(k));
  // One block per BLOCK_Q query rows of one (batch, head).
  return {static_cast<std::size_t>((s.s_q + block_q - 1) / block_q), static_cast<std::size_t>(s.h),
          static_cast<std::size_t>(s.b)};
}

std::vector<KernelArg> native_attention_args(const NativeAttentionKernel& nk, const AttentionShape& s, double scale, Buffer q,
                                             Buffer k, Buffer v, Buffer o) {
  std::vector<KernelArg> args = fused_attention_args(s, scale, q, k, v, o);
  if (nk.tma) {
    // q, k, v (args 8 .. 10) as 2-D tensor maps: q (B·H·Sq, D), k and v (B·Hkv·Skv, D), boxes
    // of one 128-byte swizzle row (64 16-bit columns) by a query or key tile.
    const auto map = [&](Buffer buf, std::int64_t rows, int box_rows) {
      return KernelArg::tensor_map(TensorMap2d{.buffer = buf,
                                               .element_bytes = nk.element_bytes,
                                               .inner = static_cast<std::uint64_t>(s.d),
                                               .outer = static_cast<std::uint64_t>(rows),
                                               .box_inner = static_cast<std::uint32_t>(128 / nk.element_bytes),
                                               .box_outer = static_cast<std::uint32_t>(box_rows),
                                               .swizzle_bytes = 128});
    };
    args[8] = map(q, s.b * s.h * s.s_q, native_attention_block_q(nk));
    args[9] = map(k, s.b * s.h_kv * s.s_kv, nk.block_kv);
    args[10] = map(v, s.b * s.h_kv * s.s_kv, nk.block_kv);
  }
  return args;
}

std::function<void()> native_attention_enqueue(Device& device, const NativeAttentionChoice& choice, const CaseSpec& spec,
                                               double scale, Buffer q, Buffer k, Buffer v, Buffer o,
                                               nlohmann::json& kernel_rec) {
  const NativeAttentionKernel& nk = *choice.kernel;
  std::vector<Define> defines = native_attention_defines(nk, to_string(spec.dtype), choice.head_dim);
  for (const auto& d : spec.extra_defines) defines.push_back(d);
  const Kernel kernel = device.compile(native_kernel_source(nk.source), nk.name, defines);
  kernel_rec["from_cache"] = kernel.from_cache;
  kernel_rec["compile_s"] = kernel.compile_seconds;
  const AttentionShape& s = spec.attention;
  const Dim3 grid = native_attention_grid(nk, s);
  const Dim3 block{static_cast<std::size_t>(native_attention_threads(nk)), 1, 1};
  const std::size_t shared = native_attention_shared_bytes(nk, choice.head_dim);
  const std::vector<KernelArg> args = native_attention_args(nk, s, scale, q, k, v, o);
  return [&device, kernel, grid, block, shared, args] { device.launch(kernel, grid, block, shared, args); };
}

}  // namespace suanli
