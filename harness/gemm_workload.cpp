#include "harness/gemm_workload.h"

#include <chrono>
#include <cmath>

#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/measure.h"
#include "harness/verify_gemm.h"
#include "kernels/gemm_configs.h"
#include "kernels/portable_kernels.h"

namespace suanli {
namespace {

constexpr const char* kPortableEntry = "gemm_smem_tiled";

std::string dtype_define(DType dtype) {
  switch (dtype) {
    case DType::fp64: return "SUANLI_DTYPE_FP64";
    case DType::fp16: return "SUANLI_DTYPE_FP16";
    default: return "SUANLI_DTYPE_FP32";
  }
}

std::string gib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

nlohmann::json base_record(const CaseSpec& spec) {
  return {{"id", spec.id},
          {"workload", "gemm"},
          {"tier", spec.tier},
          {"dtype", to_string(spec.dtype)},
          {"shape", {{"m", spec.shape.m}, {"n", spec.shape.n}, {"k", spec.shape.k}}},
          {"shape_label", spec.shape.label},
          {"hot", spec.hot},
          {"seed", spec.seed},
          {"flops", gemm_flops(spec.shape)},
          {"verified", false},
          {"status", "skipped"},
          {"reason", ""}};
}

// Frees every buffer on scope exit, so a failed case leaves the device clean for the next.
struct BufferSet {
  Device& device;
  std::vector<Buffer> buffers;
  Buffer alloc(std::size_t bytes) {
    buffers.push_back(device.alloc(bytes));
    return buffers.back();
  }
  ~BufferSet() {
    for (auto& b : buffers) {
      try {
        device.free(b);
      } catch (...) {
      }
    }
  }
};

}  // namespace

std::vector<Define> GemmConfig::defines() const {
  return {{"GEMM_TILE_M", std::to_string(tile_m)},
          {"GEMM_TILE_N", std::to_string(tile_n)},
          {"GEMM_TILE_K", std::to_string(tile_k)},
          {"GEMM_WPT_M", std::to_string(wpt_m)},
          {"GEMM_WPT_N", std::to_string(wpt_n)},
          {"GEMM_PAD", std::to_string(pad)}};
}

nlohmann::json GemmConfig::to_json() const {
  return {{"name", name}, {"tile_m", tile_m}, {"tile_n", tile_n}, {"tile_k", tile_k}, {"wpt_m", wpt_m}, {"wpt_n", wpt_n}, {"pad", pad}};
}

GemmConfig default_gemm_config(const DeviceInfo& device, DType dtype) {
  const GemmDeviceClass cls = device.type == DeviceType::cpu   ? GemmDeviceClass::cpu
                              : device.type == DeviceType::gpu ? GemmDeviceClass::gpu
                                                               : GemmDeviceClass::other;
  const GemmConfigDType want = dtype == DType::fp64 ? GemmConfigDType::fp64
                               : dtype == DType::fp16 ? GemmConfigDType::fp16
                                                      : GemmConfigDType::fp32;
  const GemmConfigRow* pick = nullptr;
  for (const auto& row : kGemmDefaultConfigs) {
    if (row.device_class != cls) continue;
    if (row.dtype == want) pick = &row;  // a row for this dtype beats the class default
    else if (row.dtype == GemmConfigDType::any && !pick) pick = &row;
  }
  if (!pick) pick = &kGemmDefaultConfigs[0];
  return {pick->name, pick->tile_m, pick->tile_n, pick->tile_k, pick->wpt_m, pick->wpt_n, pick->pad};
}

std::optional<std::string> portable_gemm_can_implement(const DeviceInfo& device, DType dtype, const GemmConfig& c) {
  switch (dtype) {
    case DType::fp32: break;
    case DType::fp64:
      if (!device.has_fp64) return "device has no fp64 (cl_khr_fp64 / double support)";
      break;
    case DType::fp16:
      if (!device.has_fp16) return "device has no fp16 arithmetic (cl_khr_fp16)";
      break;
    default: return "the portable GEMM has no " + to_string(dtype) + " variant (native/vendor tiers only)";
  }
  const int threads = (c.tile_m / c.wpt_m) * (c.tile_n / c.wpt_n);
  if (device.max_work_group_size > 0 && threads > device.max_work_group_size)
    return "config " + c.name + " needs " + std::to_string(threads) + " work-items per group, device allows " +
           std::to_string(device.max_work_group_size);
  // The kernel stages tiles in its accumulate type (float for fp16).
  const std::uint64_t acc_bytes = dtype == DType::fp64 ? 8 : 4;
  const auto local_bytes = static_cast<std::uint64_t>(c.tile_k) * static_cast<std::uint64_t>(c.tile_m + c.tile_n + 2 * c.pad) * acc_bytes;
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
    return "needs a " + gib(largest) + " buffer, device allows at most " + gib(static_cast<double>(device.max_alloc_bytes)) +
           " per allocation";
  // Headroom for the cache-flush buffer and the runtime's own allocations.
  if (device.global_mem_bytes > 0 && a + b + c > 0.9 * static_cast<double>(device.global_mem_bytes))
    return "needs " + gib(a + b + c) + " for A, B and C, device has " + gib(static_cast<double>(device.global_mem_bytes));
  // The host keeps fp64 copies of A, B and C for verification.
  const double host = (a / e + b / e + c / eo) * 8.0 * 2.0;
  if (host > 64.0 * 1024 * 1024 * 1024)
    return "verification would need " + gib(host) + " of host memory";
  return std::nullopt;
}

nlohmann::json run_gemm_case(Device& device, const CaseSpec& spec) {
  nlohmann::json rec = base_record(spec);
  const DeviceInfo& info = device.info();
  const bool vendor = spec.tier == "vendor";
  GemmConfig config = default_gemm_config(info, spec.dtype);
  GemmProblem problem{spec.dtype, spec.shape.m, spec.shape.n, spec.shape.k, 1.0, 0.0};

  if (spec.tier != "portable" && spec.tier != "vendor") {
    rec["reason"] = "tier '" + spec.tier + "' has no GEMM kernels on this backend yet";
    return rec;
  }
  std::optional<std::string> why = vendor ? device.vendor_gemm_can_implement(problem) : portable_gemm_can_implement(info, spec.dtype, config);
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

  if (vendor) {
    rec["kernel"] = {{"name", device.vendor_library() + " gemm"}, {"library", device.vendor_library()}, {"b_layout", problem.b_transposed ? "(N, K) row-major" : "(K, N) row-major"}};
  } else {
    nlohmann::json defs = nlohmann::json::object();
    for (const auto& d : config.defines()) defs[d.name] = d.value;
    for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
    rec["kernel"] = {{"name", kPortableEntry}, {"source", "kernels/portable/gemm.cl"}, {"config", config.to_json()}, {"defines", defs}};
  }

  try {
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

    BufferSet bufs{device, {}};
    const Buffer da = bufs.alloc(a.bytes.size());
    const Buffer db = bufs.alloc(b.bytes.size());
    const Buffer dc = bufs.alloc(m * n * elem);
    device.upload(da, a.bytes.data(), a.bytes.size());
    device.upload(db, b.bytes.data(), b.bytes.size());
    const auto poison = nan_pattern(out_format);
    device.fill(dc, poison.data(), poison.size());

    std::function<void()> enqueue;
    Kernel kernel;
    if (vendor) {
      enqueue = [&] { device.vendor_gemm(problem, da, db, dc); };
    } else {
      std::vector<Define> defines = config.defines();
      defines.push_back({dtype_define(spec.dtype), "1"});
      for (const auto& d : spec.extra_defines) defines.push_back(d);
      kernel = device.compile(std::string(portable_kernel_source("gemm")), kPortableEntry, defines);
      rec["kernel"]["from_cache"] = kernel.from_cache;
      rec["kernel"]["compile_s"] = kernel.compile_seconds;
      // One work-group per output tile; each work-item owns a WPT_M x WPT_N block.
      const Dim3 block{static_cast<std::size_t>(config.tile_n / config.wpt_n), static_cast<std::size_t>(config.tile_m / config.wpt_m), 1};
      const Dim3 grid{(n + config.tile_n - 1) / config.tile_n, (m + config.tile_m - 1) / config.tile_m, 1};
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
    const VerifyResult v = verify_gemm(check);
    rec["verification"] = {{"method", v.method},
                           {"ok", v.ok},
                           {"worst_error_ratio", std::isfinite(v.worst_error_ratio) ? nlohmann::json(v.worst_error_ratio) : nlohmann::json(nullptr)},
                           {"elements_checked", v.elements_checked},
                           {"nonfinite_outputs", v.nonfinite_outputs},
                           {"detail", v.detail}};
    rec["verified"] = v.ok;
    if (!v.ok) {
      rec["status"] = "failed";
      rec["reason"] = "verification failed: " + v.detail;
      return rec;
    }

    MeasureOptions opts{spec.policy, spec.hot, spec.warmup_runs};
    const Measurement meas = measure(device, enqueue, opts);
    const auto& st = meas.stats;
    rec["stats"] = {{"median_s", st.median}, {"min_s", st.min},   {"max_s", st.max},
                    {"p10_s", st.p10},       {"p90_s", st.p90},   {"mean_s", st.mean},
                    {"cv", st.cv},           {"n", st.n},         {"median_rel_ci95", std::isfinite(st.median_rel_ci) ? nlohmann::json(st.median_rel_ci) : nlohmann::json(nullptr)},
                    {"stop_reason", to_string(meas.stop)},        {"loop_s", meas.loop_seconds}};
    rec["samples_s"] = meas.samples_s;
    rec["tflops"] = gemm_flops(spec.shape) / st.median / 1e12;
    rec["state_before"] = to_json(meas.state_before);
    rec["state_after"] = to_json(meas.state_after);
    rec["status"] = "ok";
  } catch (const BackendError& e) {
    rec["verified"] = false;
    if (e.kind == BackendError::Kind::out_of_memory || e.kind == BackendError::Kind::unsupported) {
      rec["status"] = "skipped";
    } else {
      rec["status"] = "failed";
    }
    rec["reason"] = e.what();
    if (!e.log.empty()) rec["compile_log"] = e.log.substr(0, 16384);
  } catch (const std::exception& e) {
    rec["verified"] = false;
    rec["status"] = "failed";
    rec["reason"] = e.what();
  }
  return rec;
}

}  // namespace suanli
