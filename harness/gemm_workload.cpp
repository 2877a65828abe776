#include "harness/gemm_workload.h"

#include <chrono>
#include <cmath>

#include "harness/case_record.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/verify_gemm.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
std::vector<Define> GemmConfig::defines() const { return gemm_tunable_defines(tile_m, tile_n, tile_k, wpt_m, wpt_n, pad); }

nlohmann::json GemmConfig::to_json() const {
  return {{"name", name}, {"tile_m", tile_m}, {"tile_n", tile_n}, {"tile_k", tile_k}, {"wpt_m", wpt_m}, {"wpt_n", wpt_n}, {"pad", pad}};
}

GemmConfig default_gemm_config(const DeviceInfo& device, DType dtype) {
  const GemmDeviceClass cls = device.type == DeviceType::cpu   ? GemmDeviceClass::cpu
                              : device.type == DeviceType::gpu ? GemmDeviceClass::gpu
                                                               : GemmDeviceClass::other;
  const std::string name = to_string(dtype);
  for (const auto& row : kGemmDefaultConfigs)
    if (row.device_class == cls && gemm_row_applies(row, name))
      return {row.name, row.tile_m, row.tile_n, row.tile_k, row.wpt_m, row.wpt_n, row.pad};
  const auto& row = kGemmDefaultConfigs[0];
  return {row.name, row.tile_m, row.tile_n, row.tile_k, row.wpt_m, row.wpt_n, row.pad};
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

nlohmann::json run_gemm_case(Device& device, const CaseSpec& spec) {
  nlohmann::json rec = case_record_base(spec);
  rec["flops"] = gemm_flops(spec.shape);
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
    rec["kernel"] = {{"name", kGemmEntry}, {"source", "kernels/portable/gemm.cl"}, {"config", config.to_json()}, {"defines", defs}};
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
    if (vendor) {
      enqueue = [&] { device.vendor_gemm(problem, da, db, dc); };
    } else {
      std::vector<Define> defines = config.defines();
      defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
      for (const auto& d : spec.extra_defines) defines.push_back(d);
      kernel = device.compile(std::string(portable_kernel_source("gemm")), kGemmEntry, defines);
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
    if (!record_verification(rec, verify_gemm(check))) return;
    measure_into(rec, device, enqueue, spec);
  });
  return rec;
}

}  // namespace suanli
