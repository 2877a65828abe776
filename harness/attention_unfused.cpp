#include "harness/attention_unfused.h"

#include "harness/attention_workload.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
namespace {

const SoftmaxConfigRow& softmax_config(const DeviceInfo& d) {
  const GemmDeviceClass cls = attention_device_class(d);
  for (const auto& row : kSoftmaxDefaultConfigs)
    if (row.device_class == cls) return row;
  return kSoftmaxDefaultConfigs[0];
}

std::int64_t score_elements(const AttentionShape& s) { return s.b * s.h * s.s_q * s.s_kv; }

}  // namespace

UnfusedAttentionGemms unfused_attention_gemms(DType dtype, const AttentionShape& s, double scale) {
  const std::int64_t group = s.h / s.h_kv;
  UnfusedAttentionGemms g;
  g.scores.dtype = g.output.dtype = dtype;
  g.scores.batch = g.output.batch = s.b * s.h_kv;
  g.scores.m = g.output.m = group * s.s_q;
  g.scores.n = s.s_kv;
  g.scores.k = s.d;
  g.scores.alpha = scale;
  g.scores.b_transposed = true;  // K is (Skv, D): the (n, k) layout
  g.output.n = s.d;
  g.output.k = s.s_kv;
  return g;
}

std::optional<std::string> unfused_attention_can_implement(const Device& device, DType dtype, const AttentionShape& s) {
  const DeviceInfo& info = device.info();
  if (device.vendor_library().empty()) return std::string("no vendor library on this backend (no vendor GEMM to build the unfused path from)");
  if (dtype != DType::fp32 && dtype != DType::fp16)
    return "the unfused path's softmax has no " + to_string(dtype) + " variant (fp32, fp16)";
  if (dtype == DType::fp16 && !info.has_fp16) return std::string("device has no fp16 arithmetic");
  const auto gemms = unfused_attention_gemms(dtype, s, 1.0);
  for (const GemmProblem* p : {&gemms.scores, &gemms.output})
    if (auto why = device.vendor_gemm_can_implement(*p))
      return "vendor gemm " + std::string(p == &gemms.scores ? "Q·Kᵀ" : "P·V") + ": " + *why;
  if (softmax_config(info).wg > info.max_work_group_size && info.max_work_group_size > 0)
    return "the softmax needs " + std::to_string(softmax_config(info).wg) + " work-items per group, device allows " +
           std::to_string(info.max_work_group_size);
  return attention_memory_check(info, dtype, s, static_cast<double>(score_elements(s)));
}

std::function<void()> prepare_unfused_attention(Device& device, BufferSet& bufs, const CaseSpec& spec, double scale,
                                                Buffer q, Buffer k, Buffer v, Buffer o, nlohmann::json& rec) {
  const AttentionShape& s = spec.attention;
  const SoftmaxConfigRow& config = softmax_config(device.info());
  std::vector<Define> defines = softmax_tunable_defines(config.wg);
  defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
  for (const auto& d : spec.extra_defines) defines.push_back(d);
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : defines) defs[d.name] = d.value;
  const std::string lib = device.vendor_library();
  rec["kernel"] = {{"name", "unfused gemm+softmax+gemm (" + lib + ")"},
                   {"steps", {lib + " gemm (Q·Kᵀ)", kSoftmaxEntry, lib + " gemm (P·V)"}},
                   {"library", lib},
                   {"source", "kernels/portable/softmax.cl"},
                   {"config", {{"name", config.name}, {"softmax_wg", config.wg}}},
                   {"defines", defs}};

  const Kernel softmax = device.compile(std::string(portable_kernel_source("softmax")), kSoftmaxEntry, defines);
  rec["kernel"]["from_cache"] = softmax.from_cache;
  rec["kernel"]["compile_s"] = softmax.compile_seconds;

  // s: (B, H, Sq, Skv) scores, then probabilities in place.
  const auto elem = static_cast<std::size_t>(format_bytes(gemm_output_format(spec.dtype)));
  const Buffer scores = bufs.alloc(static_cast<std::size_t>(score_elements(s)) * elem);
  const auto poison = nan_pattern(gemm_output_format(spec.dtype));
  device.fill(scores, poison.data(), poison.size());

  const UnfusedAttentionGemms gemms = unfused_attention_gemms(spec.dtype, s, scale);
  const auto rows = s.b * s.h * s.s_q;
  const std::vector<KernelArg> args = {KernelArg::i32(static_cast<std::int32_t>(rows)),
                                       KernelArg::i32(static_cast<std::int32_t>(s.s_q)),
                                       KernelArg::i32(static_cast<std::int32_t>(s.s_kv)), KernelArg::i32(s.causal ? 1 : 0),
                                       KernelArg::buf(scores)};
  const Dim3 grid{static_cast<std::size_t>(rows), 1, 1};
  const Dim3 block{static_cast<std::size_t>(config.wg), 1, 1};
  return [&device, gemms, softmax, grid, block, args, q, k, v, o, scores] {
    device.vendor_gemm(gemms.scores, q, k, scores);
    device.launch(softmax, grid, block, 0, args);
    device.vendor_gemm(gemms.output, scores, v, o);
  };
}

}  // namespace suanli
