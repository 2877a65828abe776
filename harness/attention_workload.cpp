#include "harness/attention_workload.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "harness/attention_inputs.h"
#include "harness/attention_unfused.h"
#include "harness/case_record.h"
#include "harness/tuning_apply.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/native_attention.h"
#include "harness/native_gemm.h"
#include "harness/verify_attention.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
namespace {

constexpr std::int64_t kMaxHeadDim = 256;

// The fused kernel on the portable tier: compiles it and returns its enqueue.
std::function<void()> prepare_fused_attention(Device& device, const CaseSpec& spec, const AttentionConfig& config,
                                              double scale, Buffer dq, Buffer dk, Buffer dv, Buffer d_o,
                                              nlohmann::json& rec) {
  const AttentionShape& s = spec.attention;
  std::vector<Define> defines = config.defines();
  defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
  for (const auto& d : spec.extra_defines) defines.push_back(d);
  const Kernel kernel = device.compile(std::string(portable_kernel_source("attention")), kAttentionEntry, defines);
  rec["kernel"]["from_cache"] = kernel.from_cache;
  rec["kernel"]["compile_s"] = kernel.compile_seconds;
  const std::vector<KernelArg> args = fused_attention_args(s, scale, dq, dk, dv, d_o);
  // One work-group per ATTN_BLOCK_Q query rows of one head of one batch entry.
  const Dim3 grid{static_cast<std::size_t>((s.s_q + config.block_q - 1) / config.block_q), static_cast<std::size_t>(s.h),
                  static_cast<std::size_t>(s.b)};
  const Dim3 block{static_cast<std::size_t>(config.wg), 1, 1};
  return [&device, kernel, grid, block, args] { device.launch(kernel, grid, block, 0, args); };
}

}  // namespace

std::vector<KernelArg> fused_attention_args(const AttentionShape& s, double scale, Buffer q, Buffer k, Buffer v, Buffer o) {
  const auto i32 = [](std::int64_t x) { return KernelArg::i32(static_cast<std::int32_t>(x)); };
  return {i32(s.b), i32(s.h), i32(s.h_kv), i32(s.s_q), i32(s.s_kv), i32(s.d), KernelArg::f32(static_cast<float>(scale)),
          i32(s.causal ? 1 : 0), KernelArg::buf(q), KernelArg::buf(k), KernelArg::buf(v), KernelArg::buf(o)};
}

AttentionProblem vendor_attention_problem(DType dtype, const AttentionShape& s, double scale) {
  AttentionProblem p;
  p.dtype = dtype;
  p.b = s.b, p.h = s.h, p.h_kv = s.h_kv, p.s_q = s.s_q, p.s_kv = s.s_kv, p.d = s.d;
  p.scale = static_cast<double>(static_cast<float>(scale));  // what the kernels see
  p.causal = s.causal;
  return p;
}

GemmDeviceClass attention_device_class(const DeviceInfo& d) {
  return d.type == DeviceType::cpu ? GemmDeviceClass::cpu : d.type == DeviceType::gpu ? GemmDeviceClass::gpu : GemmDeviceClass::other;
}

std::vector<Define> AttentionConfig::defines() const { return attention_tunable_defines(head_dim, block_q, block_kv, wg); }

nlohmann::json AttentionConfig::to_json() const {
  return {{"name", name}, {"head_dim", head_dim}, {"block_q", block_q}, {"block_kv", block_kv}, {"wg", wg}};
}

AttentionConfig attention_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("attention config is not an object");
  AttentionConfig c;
  c.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "unnamed";
  for (const char* key : {"head_dim", "block_q", "block_kv", "wg"})
    if (!j.contains(key) || !j[key].is_number_integer())
      throw std::invalid_argument(std::string("attention config field '") + key + "' is missing or not an integer");
  c.head_dim = j["head_dim"].get<int>();
  c.block_q = j["block_q"].get<int>();
  c.block_kv = j["block_kv"].get<int>();
  c.wg = j["wg"].get<int>();
  return c;
}

std::optional<AttentionConfig> attention_config_for(const DeviceInfo& device, const CaseSpec& spec) {
  if (spec.tuning.is_object() && spec.tuning.contains("config")) return attention_config_from_json(spec.tuning["config"]);
  return default_attention_config(device, spec.attention.d);
}

std::optional<AttentionConfig> default_attention_config(const DeviceInfo& device, std::int64_t d) {
  const GemmDeviceClass cls = attention_device_class(device);
  const AttentionConfigRow* best = nullptr;
  for (const auto& row : kAttentionDefaultConfigs) {
    if (row.device_class != cls || row.head_dim < d) continue;
    if (!best || row.head_dim < best->head_dim) best = &row;
  }
  if (!best) return std::nullopt;
  return AttentionConfig{best->name, best->head_dim, best->block_q, best->block_kv, best->wg};
}

std::optional<std::string> portable_attention_can_implement(const DeviceInfo& device, DType dtype, const AttentionShape& s,
                                                            const std::optional<AttentionConfig>& config) {
  if (dtype != DType::fp32 && dtype != DType::fp16)
    return "the portable attention has no " + to_string(dtype) + " variant (fp32, fp16)";
  if (dtype == DType::fp16 && !device.has_fp16) return "device has no fp16 arithmetic (cl_khr_fp16)";
  if (s.d > kMaxHeadDim) return "head dim " + std::to_string(s.d) + " exceeds the portable kernel's limit of 256";
  if (!config) return "no attention config for this device class and head dim " + std::to_string(s.d);
  const std::string who = "config " + config->name + ": ";
  if (config->head_dim < s.d) return who + "head_dim " + std::to_string(config->head_dim) + " < D = " + std::to_string(s.d);
  if (config->head_dim < 1 || config->block_q < 1 || config->block_kv < 1 || config->wg < 1 || config->wg > 1024)
    return who + "head_dim, block_q, block_kv must be >= 1 and wg in 1..1024";
  // attention.cl's lane split: min(WG, BLOCK_KV, 16) lanes per row group.
  const int lanes = std::min({config->wg, config->block_kv, 16});
  if (config->wg % lanes != 0 || config->block_q % (config->wg / lanes) != 0 || config->block_kv % lanes != 0 ||
      config->head_dim % lanes != 0)
    return who + "wg, block_q, block_kv and head_dim must divide into " + std::to_string(lanes) + "-lane row groups";
  if (device.max_work_group_size > 0 && config->wg > device.max_work_group_size)
    return "config " + config->name + " needs " + std::to_string(config->wg) + " work-items per group, device allows " +
           std::to_string(device.max_work_group_size);
  return std::nullopt;
}

std::optional<std::string> attention_memory_check(const DeviceInfo& device, DType dtype, const AttentionShape& s,
                                                  double score_elements) {
  const double e = static_cast<double>(format_bytes(gemm_input_format(dtype)));
  const double q = static_cast<double>(s.b * s.h) * static_cast<double>(s.s_q * s.d) * e;
  const double kv = static_cast<double>(s.b * s.h_kv) * static_cast<double>(s.s_kv * s.d) * e;
  const double scores = score_elements * static_cast<double>(format_bytes(gemm_output_format(dtype)));
  const double total = 2.0 * q + 2.0 * kv + scores;  // Q, O, K, V (and S)
  const double largest = std::max({q, kv, scores});
  if (device.max_alloc_bytes > 0 && largest > static_cast<double>(device.max_alloc_bytes))
    return "needs a " + gib_text(largest) + " buffer" + (largest == scores ? " for the score matrix" : "") +
           ", device allows at most " + gib_text(static_cast<double>(device.max_alloc_bytes)) + " per allocation";
  if (device.global_mem_bytes > 0 && total > 0.9 * static_cast<double>(device.global_mem_bytes))
    return "needs " + gib_text(total) + (scores > 0 ? " for Q, K, V, O and the scores" : " for Q, K, V and O") +
           ", device has " + gib_text(static_cast<double>(device.global_mem_bytes));
  if ((2.0 * q + 2.0 * kv) / e * 8.0 > 64.0 * 1024 * 1024 * 1024)
    return "verification would need " + gib_text((2.0 * q + 2.0 * kv) / e * 8.0) + " of host memory";
  if (score_elements > 0 && s.b * s.h * s.s_q > 2147483647)  // the softmax's row index is an int
    return "more than 2^31 score rows";
  return std::nullopt;
}

nlohmann::json run_attention_case(Device& device, const CaseSpec& spec, const std::string& backend) {
  nlohmann::json rec = case_record_base(spec);
  const AttentionShape& s = spec.attention;
  rec["flops"] = attention_flops(s);
  const DeviceInfo& info = device.info();
  const bool vendor = spec.tier == "vendor";
  const bool native = spec.tier == "native";
  if (spec.tier != "portable" && !vendor && !native) {
    rec["reason"] = "no " + spec.tier + " attention tier";
    return rec;
  }
  // The vendor tier is the vendor's fused attention where the backend has one, else the
  // unfused path over its GEMM; the record says which and why.
  const double scale = 1.0 / std::sqrt(static_cast<double>(s.d));
  const AttentionProblem problem = vendor_attention_problem(spec.dtype, s, scale);
  const std::optional<std::string> no_fused = vendor ? device.vendor_attention_can_implement(problem) : std::nullopt;
  const bool fused_vendor = vendor && !no_fused;
  std::optional<std::string> why;
  std::optional<AttentionConfig> config;
  std::optional<NativeAttentionChoice> native_choice;
  if (native) {
    std::string reason;
    native_choice = choose_native_attention(backend, info, spec.dtype, s, reason, spec.native_kernel);
    if (!native_choice) why = reason;
  } else if (!vendor) {
    const auto tuned = tuned_config_or_reason(rec, [&] { return attention_config_for(info, spec); });
    if (!tuned) return rec;
    config = *tuned;
    why = portable_attention_can_implement(info, spec.dtype, s, config);
  }
  else if (!fused_vendor) why = unfused_attention_can_implement(device, spec.dtype, s);
  if (why && vendor) why = "fused: " + *no_fused + "; unfused: " + *why;
  // (the unfused check above already counted its score matrix)
  if (!why && (!vendor || fused_vendor)) why = attention_memory_check(info, spec.dtype, s);
  if (why) {
    rec["reason"] = *why;
    return rec;
  }
  if (native) {
    rec["kernel"] = native_attention_kernel_json(*native_choice, spec);
  } else if (!vendor) {
    nlohmann::json defs = nlohmann::json::object();
    for (const auto& d : config->defines()) defs[d.name] = d.value;
    for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
    rec["kernel"] = {{"name", kAttentionEntry}, {"source", "kernels/portable/attention.cl"}, {"config", config->to_json()}, {"defines", defs}};
    record_config_source(rec["kernel"], spec);
  }

  run_guarded(rec, [&] {
    // q: (B, H, Sq, D), k and v: (B, Hkv, Skv, D), o: (B, H, Sq, D) like q.
    const AttentionInputs inputs = attention_inputs(spec.dtype, s, spec.seed);
    const HostMatrix& q = inputs.q;
    const HostMatrix& k = inputs.k;
    const HostMatrix& v = inputs.v;
    const ElementFormat format = gemm_input_format(spec.dtype);

    BufferSet bufs(device);
    const Buffer dq = bufs.alloc(q.bytes.size());
    const Buffer dk = bufs.alloc(k.bytes.size());
    const Buffer dv = bufs.alloc(v.bytes.size());
    const Buffer d_o = bufs.alloc(q.bytes.size());
    device.upload(dq, q.bytes.data(), q.bytes.size());
    device.upload(dk, k.bytes.data(), k.bytes.size());
    device.upload(dv, v.bytes.data(), v.bytes.size());
    const auto poison = nan_pattern(format);
    device.fill(d_o, poison.data(), poison.size());

    std::function<void()> enqueue;
    if (fused_vendor) {
      const std::string lib = device.vendor_attention_library();
      rec["kernel"] = {{"name", lib + " fused attention"}, {"library", lib}};
      enqueue = [&device, problem, dq, dk, dv, d_o] { device.vendor_attention(problem, dq, dk, dv, d_o); };
    } else if (vendor) {
      enqueue = prepare_unfused_attention(device, bufs, spec, scale, dq, dk, dv, d_o, rec);
      rec["kernel"]["fused_unavailable"] = *no_fused;
    } else if (native) {
      enqueue = native_attention_enqueue(device, *native_choice, spec, scale, dq, dk, dv, d_o, rec["kernel"]);
    } else {
      enqueue = prepare_fused_attention(device, spec, *config, scale, dq, dk, dv, d_o, rec);
    }
    enqueue();
    device.synchronize();
    std::vector<unsigned char> o_bytes(q.bytes.size());
    device.download(o_bytes.data(), d_o, o_bytes.size());
    const std::vector<double> o = decode(format, o_bytes);
    // The kernels see scale rounded to float (the fused kernel's argument, the GEMM's alpha).
    AttentionCheckInput check{spec.dtype, s, static_cast<double>(static_cast<float>(scale)), &q.values, &k.values, &v.values, &o,
                              spec.seed ^ 0xa77eULL, 256};
    // The unfused path stores S and P in the data type; a fused library may too (cuDNN
    // keeps P in the input type for its second product; whether S passes through the data
    // type inside it is not documented), so both get the allowance for both. The native
    // kernels keep S in fp32 registers and round only P to the input type for P·V
    // (FlashAttention-2's register reuse): the allowance for P alone.
    const double u_data = format_unit_roundoff(gemm_output_format(spec.dtype));
    if (vendor) check.u_scores = u_data;
    if (vendor || native) check.u_probs = u_data;
    if (!record_verification(rec, verify_attention(check))) return;
    measure_into(rec, device, enqueue, spec);
    if (native) apply_native_verified_on(rec, native_choice->kernel->name, to_string(spec.dtype), info.arch);
  });
  return rec;
}

}  // namespace suanli
