#include "harness/gemm_workload.h"

#include <chrono>
#include <cmath>

#include "harness/case_record.h"
#include "harness/tuning_apply.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/native_gemm.h"
#include "harness/verify_gemm.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
std::vector<Define> GemmConfig::defines() const {
  return gemm_tunable_defines(kernel, tile_m, tile_n, tile_k, wpt_m, wpt_n, pad, vw);
}

nlohmann::json GemmConfig::to_json() const {
  return {{"name", name}, {"kernel", to_string(kernel)}, {"tile_m", tile_m}, {"tile_n", tile_n}, {"tile_k", tile_k},
          {"wpt_m", wpt_m}, {"wpt_n", wpt_n}, {"pad", pad}, {"vw", vw}};
}

const char* GemmConfig::entry() const { return gemm_entry(kernel); }

Dim3 GemmConfig::block() const {
  if (kernel == GemmKernel::packed_panel) return {1, 1, 1};
  return {static_cast<std::size_t>(tile_n / wpt_n), static_cast<std::size_t>(tile_m / wpt_m), 1};
}

Dim3 GemmConfig::grid(std::size_t m, std::size_t n) const {
  const auto tm = static_cast<std::size_t>(tile_m);
  const auto tn = static_cast<std::size_t>(tile_n);
  // packed_panel walks M in dimension 0 (consecutive groups share columns of B).
  if (kernel == GemmKernel::packed_panel) return {(m + tm - 1) / tm, (n + tn - 1) / tn, 1};
  return {(n + tn - 1) / tn, (m + tm - 1) / tm, 1};
}

GemmConfig gemm_config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("gemm config is not an object");
  GemmConfig c;
  const auto int_field = [&](const char* key, int fallback) {
    if (!j.contains(key)) return fallback;
    if (!j[key].is_number_integer()) throw std::invalid_argument(std::string("gemm config field '") + key + "' is not an integer");
    return j[key].get<int>();
  };
  c.name = j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "unnamed";
  const std::string kernel = j.contains("kernel") && j["kernel"].is_string() ? j["kernel"].get<std::string>() : "smem_tiled";
  if (kernel == "packed_panel") {
    c.kernel = GemmKernel::packed_panel;
  } else if (kernel != "smem_tiled") {
    throw std::invalid_argument("gemm config kernel '" + kernel + "' is not smem_tiled or packed_panel");
  }
  for (const char* key : {"tile_m", "tile_n", "tile_k", "wpt_m", "wpt_n"})
    if (!j.contains(key)) throw std::invalid_argument(std::string("gemm config has no '") + key + "'");
  c.tile_m = int_field("tile_m", 0);
  c.tile_n = int_field("tile_n", 0);
  c.tile_k = int_field("tile_k", 0);
  c.wpt_m = int_field("wpt_m", 0);
  c.wpt_n = int_field("wpt_n", 0);
  c.pad = int_field("pad", 0);
  c.vw = int_field("vw", 1);
  return c;
}

GemmConfig default_gemm_config(const DeviceInfo& device, DType dtype) {
  const GemmDeviceClass cls = device_class_of(device.type);
  const std::string name = to_string(dtype);
  const auto from_row = [](const GemmConfigRow& r) {
    return GemmConfig{r.name, r.kernel, r.tile_m, r.tile_n, r.tile_k, r.wpt_m, r.wpt_n, r.pad, r.vw};
  };
  for (const auto& row : kGemmDefaultConfigs)
    if (row.device_class == cls && gemm_row_applies(row, name)) return from_row(row);
  return from_row(kGemmDefaultConfigs[0]);
}

GemmConfig gemm_config_for(const DeviceInfo& device, const CaseSpec& spec) {
  if (spec.tuning.is_object() && spec.tuning.contains("config")) return gemm_config_from_json(spec.tuning["config"]);
  return default_gemm_config(device, spec.dtype);
}

namespace {

// The kernel's #error checks, asked before compiling so a tuner never pays for a compile
// that cannot succeed (and a bad database entry is skipped with the reason).
std::optional<std::string> gemm_config_shape_error(const GemmConfig& c) {
  const std::string who = "config " + c.name + ": ";
  if (c.tile_m < 1 || c.tile_n < 1 || c.tile_k < 1 || c.wpt_m < 1 || c.wpt_n < 1 || c.pad < 0 || c.vw < 1)
    return who + "tiles, register blocks and vw must be >= 1, pad >= 0";
  if (c.tile_m % c.wpt_m != 0) return who + "tile_m must be a multiple of wpt_m";
  if (c.kernel == GemmKernel::packed_panel) {
    if (c.vw != 1 && c.vw != 2 && c.vw != 4 && c.vw != 8 && c.vw != 16) return who + "vw must be 1, 2, 4, 8 or 16";
    if (c.tile_n % c.vw != 0) return who + "tile_n must be a multiple of vw";
    if (c.wpt_n != c.tile_n) return who + "packed_panel's register block spans the tile (wpt_n = tile_n)";
    return std::nullopt;
  }
  if (c.tile_n % c.wpt_n != 0) return who + "tile_n must be a multiple of wpt_n";
  const int wg = (c.tile_m / c.wpt_m) * (c.tile_n / c.wpt_n);
  if (wg > 1024) return who + "more than 1024 work-items per group";
  if ((c.tile_m * c.tile_k) % wg != 0 || (c.tile_k * c.tile_n) % wg != 0)
    return who + "the A and B panels must split evenly over the " + std::to_string(wg) + " work-items";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> portable_gemm_can_implement(const DeviceInfo& device, DType dtype, const GemmConfig& c) {
  switch (dtype) {
    case DType::fp32: break;
    case DType::fp64:
      if (!device.has_fp64) return "device has no fp64 (cl_khr_fp64 / double support)";
      break;
    case DType::fp16:
      if (!device.has_fp16) return "device has no fp16 arithmetic (cl_khr_fp16)";
      if (c.kernel == GemmKernel::packed_panel) return "config " + c.name + ": packed_panel has no fp16 variant";
      break;
    default: return "the portable GEMM has no " + to_string(dtype) + " variant (native/vendor tiers only)";
  }
  if (auto bad = gemm_config_shape_error(c)) return bad;
  const Dim3 block = c.block();
  const auto threads = static_cast<int>(block.x * block.y * block.z);
  if (device.max_work_group_size > 0 && threads > device.max_work_group_size)
    return "config " + c.name + " needs " + std::to_string(threads) + " work-items per group, device allows " +
           std::to_string(device.max_work_group_size);
  // Both kernels keep local arrays in the accumulate type (float for fp16).
  const std::uint64_t acc_bytes = dtype == DType::fp64 ? 8 : 4;
  const auto tm = static_cast<std::uint64_t>(c.tile_m), tn = static_cast<std::uint64_t>(c.tile_n),
             tk = static_cast<std::uint64_t>(c.tile_k), pad = static_cast<std::uint64_t>(c.pad);
  const std::uint64_t local_bytes =
      (c.kernel == GemmKernel::packed_panel ? (tk * tn + tm * tn) : tk * (tm + tn + 2 * pad)) * acc_bytes;
  if (device.local_mem_bytes > 0 && local_bytes > device.local_mem_bytes)
    return "config " + c.name + " needs " + std::to_string(local_bytes) + " bytes of local memory, device has " +
           std::to_string(device.local_mem_bytes);
  return std::nullopt;
}

std::optional<std::string> gemm_memory_check(const DeviceInfo& device, DType dtype, const GemmShape& s) {
  const double e = static_cast<double>(format_bytes(gemm_input_format(dtype)));
  const double eo = static_cast<double>(format_bytes(gemm_output_format(dtype)));
  const double a = static_cast<double>(s.m) * static_cast<double>(s.k) * e;
  const double b = static_cast<double>(s.k) * static_cast<double>(s.n) * e;
  const double c = static_cast<double>(s.m) * static_cast<double>(s.n) * eo;
  const double largest = std::max({a, b, c});
  if (device.max_alloc_bytes > 0 && largest > static_cast<double>(device.max_alloc_bytes))
    return "needs a " + gib_text(largest) + " buffer, device allows at most " + gib_text(static_cast<double>(device.max_alloc_bytes)) +
           " per allocation";
  // Headroom for the cache-flush buffer and the runtime's own allocations.
  if (device.global_mem_bytes > 0 && a + b + c > 0.9 * static_cast<double>(device.global_mem_bytes))
    return "needs " + gib_text(a + b + c) + " for A, B and C, device has " + gib_text(static_cast<double>(device.global_mem_bytes));
  // The host keeps fp64 copies of A, B and C for verification.
  const double host = (a / e + b / e + c / eo) * 8.0 * 2.0;
  if (host > 64.0 * 1024 * 1024 * 1024)
    return "verification would need " + gib_text(host) + " of host memory";
  return std::nullopt;
}

nlohmann::json run_gemm_case(Device& device, const CaseSpec& spec, const std::string& backend) {
  nlohmann::json rec = case_record_base(spec);
  rec["flops"] = gemm_flops(spec.shape);
  const DeviceInfo& info = device.info();
  const bool vendor = spec.tier == "vendor";
  const bool native = spec.tier == "native";
  GemmConfig config;
  if (spec.tier == "portable") {
    const auto tuned = tuned_config_or_reason(rec, [&] { return gemm_config_for(info, spec); });
    if (!tuned) return rec;
    config = *tuned;
  }
  GemmProblem problem{spec.dtype, spec.shape.m, spec.shape.n, spec.shape.k, 1.0, 0.0};

  if (spec.tier != "portable" && spec.tier != "vendor" && !native) {
    rec["reason"] = "unknown tier '" + spec.tier + "'";
    return rec;
  }
  std::optional<NativeGemmChoice> native_choice;
  std::optional<std::string> why;
  if (native) {
    std::string reason;
    native_choice = choose_native_gemm(backend, info, spec.dtype, spec.shape, reason, spec.native_kernel);
    if (!native_choice) why = reason;
    // The int8 and wgmma kernels read B as (N, K), as cuBLASLt's int8 and fp8 GEMMs do.
    else problem.b_transposed = native_choice->kernel->b_nk;
  } else {
    why = vendor ? device.vendor_gemm_can_implement(problem) : portable_gemm_can_implement(info, spec.dtype, config);
  }
  if (vendor && why && *why == kNeedsTransposedB) {
    // fp8/int8 matrix units want B as (N, K): give the library what it needs rather
    // than skip, and record it.
    problem.b_transposed = true;
    why = device.vendor_gemm_can_implement(problem);
  }
  if (why) {
    rec["reason"] = *why;
    return rec;
  }
  if (auto too_big = gemm_memory_check(info, spec.dtype, spec.shape)) {
    rec["reason"] = *too_big;
    return rec;
  }

  if (native) {
    rec["kernel"] = native_gemm_kernel_json(*native_choice, spec);
  } else if (vendor) {
    rec["kernel"] = {{"name", device.vendor_library() + " gemm"}, {"library", device.vendor_library()}, {"b_layout", problem.b_transposed ? "(N, K) row-major" : "(K, N) row-major"}};
  } else {
    nlohmann::json defs = nlohmann::json::object();
    for (const auto& d : config.defines()) defs[d.name] = d.value;
    for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
    rec["kernel"] = {{"name", config.entry()}, {"source", "kernels/portable/gemm.cl"}, {"config", config.to_json()}, {"defines", defs}};
    record_config_source(rec["kernel"], spec);
  }

  run_guarded(rec, [&] {
    const auto m = static_cast<std::size_t>(spec.shape.m);
    const auto n = static_cast<std::size_t>(spec.shape.n);
    const auto k = static_cast<std::size_t>(spec.shape.k);
    const ElementFormat out_format = gemm_output_format(spec.dtype);
    const std::size_t elem = format_bytes(out_format);
    // A: (M, K), B: (K, N), C: (M, N), all row-major; distinct seeds so A != B.
    const HostMatrix a = random_matrix(spec.dtype, m * k, spec.seed * 3 + 1);
    HostMatrix b = random_matrix(spec.dtype, k * n, spec.seed * 3 + 2);
    // B as stored on the device: (N, K) row-major when the library asked for TN. The
    // fp64 copy stays (K, N) for verification.
    if (problem.b_transposed) b.bytes = transpose_bytes(b.bytes, k, n, format_bytes(gemm_input_format(spec.dtype)));

    BufferSet bufs(device);
    const Buffer da = bufs.alloc(a.bytes.size());
    const Buffer db = bufs.alloc(b.bytes.size());
    const Buffer dc = bufs.alloc(m * n * elem);
    device.upload(da, a.bytes.data(), a.bytes.size());
    device.upload(db, b.bytes.data(), b.bytes.size());
    const auto poison = nan_pattern(out_format);
    device.fill(dc, poison.data(), poison.size());

    std::function<void()> enqueue;
    Kernel kernel;
    if (native) {
      enqueue = native_gemm_enqueue(device, *native_choice, spec, problem, da, db, dc, rec["kernel"]);
    } else if (vendor) {
      enqueue = [&] { device.vendor_gemm(problem, da, db, dc); };
    } else {
      std::vector<Define> defines = config.defines();
      defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
      for (const auto& d : spec.extra_defines) defines.push_back(d);
      kernel = device.compile(std::string(portable_kernel_source("gemm")), config.entry(), defines);
      rec["kernel"]["from_cache"] = kernel.from_cache;
      rec["kernel"]["compile_s"] = kernel.compile_seconds;
      // One work-group per output tile (the geometry each entry point documents).
      const Dim3 block = config.block();
      const Dim3 grid = config.grid(m, n);
      const bool f64 = spec.dtype == DType::fp64;
      const std::vector<KernelArg> args = {
          KernelArg::i32(static_cast<std::int32_t>(m)), KernelArg::i32(static_cast<std::int32_t>(n)),
          KernelArg::i32(static_cast<std::int32_t>(k)),
          f64 ? KernelArg::f64(problem.alpha) : KernelArg::f32(static_cast<float>(problem.alpha)),
          f64 ? KernelArg::f64(problem.beta) : KernelArg::f32(static_cast<float>(problem.beta)),
          KernelArg::buf(da), KernelArg::buf(db), KernelArg::buf(dc)};
      enqueue = [&device, kernel, grid, block, args] { device.launch(kernel, grid, block, 0, args); };
    }

    // Prove it correct, then time it: the first run's output is checked before any sample.
    enqueue();
    device.synchronize();
    std::vector<unsigned char> c_bytes(m * n * elem);
    device.download(c_bytes.data(), dc, c_bytes.size());
    const std::vector<double> c = decode(out_format, c_bytes);
    GemmCheckInput check{spec.dtype, spec.shape, problem.alpha, &a.values, &b.values, &c, spec.seed ^ 0x5eedULL, 1024};
    if (!record_verification(rec, verify_gemm(check))) return;
    measure_into(rec, device, enqueue, spec);
    if (native) apply_native_verified_on(rec, native_choice->kernel->name, to_string(spec.dtype), info.arch);
  });
  return rec;
}

}  // namespace suanli
