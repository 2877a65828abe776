#include "harness/case_spec.h"

#include "harness/dtype.h"

namespace suanli {

nlohmann::json shape_json(const CaseSpec& c) {
  if (c.workload == "attention") {
    const auto& a = c.attention;
    return {{"b", a.b}, {"h", a.h}, {"h_kv", a.h_kv}, {"s_q", a.s_q}, {"s_kv", a.s_kv}, {"d", a.d}, {"causal", a.causal}};
  }
  if (c.workload == "peak") return nlohmann::json::object();
  if (c.workload == "stream") {
    nlohmann::json s = {{"op", c.stream.op}};
    if (c.stream.elements > 0) s["elements"] = c.stream.elements;
    return s;
  }
  return {{"m", c.shape.m}, {"n", c.shape.n}, {"k", c.shape.k}};
}

nlohmann::json to_json(const CaseSpec& c) {
  nlohmann::json defines = nlohmann::json::array();
  for (const auto& d : c.extra_defines) defines.push_back({{"name", d.name}, {"value", d.value}});
  return {{"id", c.id},
          {"workload", c.workload},
          {"tier", c.tier},
          {"dtype", to_string(c.dtype)},
          {"shape", shape_json(c)},
          {"label", c.workload == "attention" ? c.attention.label : c.shape.label},
          {"hot", c.hot},
          {"seed", c.seed},
          {"policy",
           {{"min_samples", c.policy.min_samples},
            {"max_samples", c.policy.max_samples},
            {"target_rel_ci", c.policy.target_rel_ci},
            {"max_seconds", c.policy.max_seconds},
            {"min_seconds", c.policy.min_seconds}}},
          {"warmup_runs", c.warmup_runs},
          {"extra_defines", defines},
          {"native_kernel", c.native_kernel},
          {"tuning", c.tuning}};
}

nlohmann::json case_record_base(const CaseSpec& c) {
  return {{"id", c.id},
          {"workload", c.workload},
          {"tier", c.tier},
          {"dtype", to_string(c.dtype)},
          {"shape", shape_json(c)},
          {"shape_label", c.workload == "attention" ? c.attention.label : c.shape.label},
          {"hot", c.hot},
          {"seed", c.seed},
          {"verified", false},
          {"status", "skipped"},
          {"reason", ""}};
}

CaseSpec case_spec_from_json(const nlohmann::json& j) {
  CaseSpec c;
  c.id = j.at("id").get<int>();
  c.workload = j.at("workload").get<std::string>();
  c.tier = j.at("tier").get<std::string>();
  const auto dt = parse_dtype(j.at("dtype").get<std::string>());
  if (!dt) throw std::invalid_argument("unknown dtype in case");
  c.dtype = *dt;
  const auto& s = j.at("shape");
  const std::string label = j.value("label", std::string());
  if (c.workload == "attention") {
    c.attention = {s.at("b").get<std::int64_t>(), s.at("h").get<std::int64_t>(), s.at("h_kv").get<std::int64_t>(),
                   s.at("s_q").get<std::int64_t>(), s.at("s_kv").get<std::int64_t>(), s.at("d").get<std::int64_t>(),
                   s.at("causal").get<bool>(), label};
  } else if (c.workload == "stream") {
    c.stream = {s.at("op").get<std::string>(), s.value("elements", std::int64_t{0})};
  } else if (c.workload != "peak") {
    c.shape = {s.at("m").get<std::int64_t>(), s.at("n").get<std::int64_t>(), s.at("k").get<std::int64_t>(), label};
  }
  c.hot = j.at("hot").get<bool>();
  c.seed = j.at("seed").get<std::uint64_t>();
  const auto& p = j.at("policy");
  c.policy.min_samples = p.at("min_samples").get<int>();
  c.policy.max_samples = p.at("max_samples").get<int>();
  c.policy.target_rel_ci = p.at("target_rel_ci").get<double>();
  c.policy.max_seconds = p.at("max_seconds").get<double>();
  c.policy.min_seconds = p.value("min_seconds", 0.0);
  c.warmup_runs = j.at("warmup_runs").get<int>();
  for (const auto& d : j.at("extra_defines")) c.extra_defines.push_back({d.at("name").get<std::string>(), d.at("value").get<std::string>()});
  if (j.contains("tuning")) c.tuning = j["tuning"];
  if (j.contains("native_kernel")) c.native_kernel = j.at("native_kernel").get<std::string>();
  return c;
}

std::string to_string(DeviceType t) {
  switch (t) {
    case DeviceType::cpu: return "cpu";
    case DeviceType::gpu: return "gpu";
    case DeviceType::accelerator: return "accelerator";
    case DeviceType::other: return "other";
  }
  return "other";
}

namespace {
DeviceType device_type_from_string(const std::string& s) {
  if (s == "cpu") return DeviceType::cpu;
  if (s == "gpu") return DeviceType::gpu;
  if (s == "accelerator") return DeviceType::accelerator;
  return DeviceType::other;
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

template <typename T>
std::optional<T> optional_from_json(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}
}  // namespace

nlohmann::json to_json(const DeviceInfo& d) {
  return {{"name", d.name},
          {"vendor", d.vendor},
          {"arch", d.arch},
          {"type", to_string(d.type)},
          {"driver_version", d.driver_version},
          {"runtime_version", d.runtime_version},
          {"compiler_version", d.compiler_version},
          {"compute_units", d.compute_units},
          {"max_clock_mhz", d.max_clock_mhz},
          {"global_mem_bytes", d.global_mem_bytes},
          {"max_alloc_bytes", d.max_alloc_bytes},
          {"last_level_cache_bytes", d.last_level_cache_bytes},
          {"local_mem_bytes", d.local_mem_bytes},
          {"max_work_group_size", d.max_work_group_size},
          {"native_vector_width_fp32", d.native_vector_width_fp32},
          {"native_vector_width_fp64", d.native_vector_width_fp64},
          {"has_fp64", d.has_fp64},
          {"has_fp16", d.has_fp16},
          {"extensions", d.extensions},
          {"power_limit_w", optional_json(d.power_limit_w)},
          {"max_sm_clock_mhz", optional_json(d.max_sm_clock_mhz)},
          {"ecc_enabled", optional_json(d.ecc_enabled)}};
}

DeviceInfo device_info_from_json(const nlohmann::json& j) {
  DeviceInfo d;
  d.name = j.at("name").get<std::string>();
  d.vendor = j.at("vendor").get<std::string>();
  d.arch = j.at("arch").get<std::string>();
  d.type = device_type_from_string(j.at("type").get<std::string>());
  d.driver_version = j.at("driver_version").get<std::string>();
  d.runtime_version = j.at("runtime_version").get<std::string>();
  d.compiler_version = j.at("compiler_version").get<std::string>();
  d.compute_units = j.at("compute_units").get<int>();
  d.max_clock_mhz = j.at("max_clock_mhz").get<int>();
  d.global_mem_bytes = j.at("global_mem_bytes").get<std::uint64_t>();
  d.max_alloc_bytes = j.at("max_alloc_bytes").get<std::uint64_t>();
  d.last_level_cache_bytes = j.at("last_level_cache_bytes").get<std::uint64_t>();
  d.local_mem_bytes = j.at("local_mem_bytes").get<std::uint64_t>();
  d.max_work_group_size = j.at("max_work_group_size").get<int>();
  d.native_vector_width_fp32 = j.at("native_vector_width_fp32").get<int>();
  d.native_vector_width_fp64 = j.at("native_vector_width_fp64").get<int>();
  d.has_fp64 = j.at("has_fp64").get<bool>();
  d.has_fp16 = j.at("has_fp16").get<bool>();
  d.extensions = j.at("extensions").get<std::vector<std::string>>();
  // Absent in journals and results of schema_minor < 3.
  d.power_limit_w = optional_from_json<double>(j, "power_limit_w");
  d.max_sm_clock_mhz = optional_from_json<int>(j, "max_sm_clock_mhz");
  d.ecc_enabled = optional_from_json<bool>(j, "ecc_enabled");
  return d;
}

nlohmann::json to_json(const DeviceState& s) {
  return {{"sm_clock_mhz", optional_json(s.sm_clock_mhz)},
          {"mem_clock_mhz", optional_json(s.mem_clock_mhz)},
          {"temperature_c", optional_json(s.temperature_c)},
          {"power_w", optional_json(s.power_w)},
          {"energy_j", optional_json(s.energy_j)},
          {"throttle_reasons", optional_json(s.throttle_reasons)},
          {"throttled", optional_json(s.throttled)}};
}

}  // namespace suanli
