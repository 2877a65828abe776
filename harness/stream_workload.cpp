#include "harness/stream_workload.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "harness/case_record.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
namespace {

// Automatic sizes are whole MiB-element multiples: readable in the record.
constexpr std::int64_t kElementQuantum = 1 << 20;

template <typename T>
std::vector<unsigned char> random_array(std::size_t n, std::uint64_t seed) {
  std::vector<unsigned char> bytes(n * sizeof(T));
  SplitMix64 rng(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const T v = static_cast<T>(rng.uniform_pm1());
    std::memcpy(&bytes[i * sizeof(T)], &v, sizeof(T));
  }
  return bytes;
}

template <typename T>
VerifyResult check_array(const std::string& op, const std::vector<unsigned char>& a, std::uint64_t seed_b, std::uint64_t seed_c) {
  VerifyResult r;
  const bool triad = op == "triad";
  r.method = triad ? "exact: every element of a against b + 2c, recomputed on the host"
                   : "exact: every element of a against b, regenerated on the host";
  const std::size_t n = a.size() / sizeof(T);
  SplitMix64 rb(seed_b), rc(seed_c);
  const T s = static_cast<T>(kStreamTriadScalar);
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const T b = static_cast<T>(rb.uniform_pm1());
    const T want = triad ? static_cast<T>(b + s * static_cast<T>(rc.uniform_pm1())) : b;
    T got;
    std::memcpy(&got, &a[i * sizeof(T)], sizeof(T));
    if (got == want) continue;
    if (!std::isfinite(got)) ++r.nonfinite_outputs;
    if (wrong++ == 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "a[%zu] = %.9g, want %.9g", i, static_cast<double>(got), static_cast<double>(want));
      r.detail = buf;
    }
  }
  r.elements_checked = static_cast<int>(std::min<std::size_t>(n, 2147483647));
  r.ok = wrong == 0 && n > 0;
  r.worst_error_ratio = wrong == 0 ? 0.0 : INFINITY;
  if (wrong > 0) r.detail = std::to_string(wrong) + " of " + std::to_string(n) + " elements wrong; first: " + r.detail;
  if (n == 0) r.detail = "nothing was checked";
  return r;
}

std::string size_text(double bytes) {
  char buf[32];
  if (bytes >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  else std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024));
  return buf;
}

}  // namespace

int stream_arrays(const std::string& op) { return op == "copy" ? 2 : op == "triad" ? 3 : 0; }

std::vector<Define> StreamConfig::defines() const { return stream_tunable_defines(wg, chunked); }

nlohmann::json StreamConfig::to_json() const {
  return {{"name", name}, {"wg", wg}, {"groups_per_cu", groups_per_cu}, {"chunked", chunked}};
}

StreamConfig default_stream_config(const DeviceInfo& device) {
  const GemmDeviceClass cls = device_class_of(device.type);
  for (const auto& row : kStreamDefaultConfigs)
    if (row.device_class == cls) return {row.name, row.wg, row.groups_per_cu, row.chunked};
  const auto& row = kStreamDefaultConfigs[0];
  return {row.name, row.wg, row.groups_per_cu, row.chunked};
}

std::optional<std::string> stream_can_implement(const DeviceInfo& device, DType dtype) {
  if (dtype == DType::fp64 && !device.has_fp64) return "device has no fp64 (cl_khr_fp64 / double support)";
  if (dtype != DType::fp32 && dtype != DType::fp64)
    return "stream moves fp32 or fp64 arrays (bandwidth does not depend on the type; " + to_string(dtype) + " adds nothing)";
  return std::nullopt;
}

StreamSizing stream_sizing(const DeviceInfo& device, DType dtype, const std::string& op, std::int64_t requested) {
  StreamSizing out;
  const double e = static_cast<double>(dtype_bytes(dtype));
  const int arrays = stream_arrays(op);
  const double max_alloc = device.max_alloc_bytes > 0 ? static_cast<double>(device.max_alloc_bytes) : INFINITY;
  const double global = device.global_mem_bytes > 0 ? static_cast<double>(device.global_mem_bytes) : INFINITY;
  const double llc = static_cast<double>(device.last_level_cache_bytes);
  if (requested > 0) {
    const double bytes = static_cast<double>(requested) * e;
    if (bytes > max_alloc)
      out.skip = "needs a " + gib_text(bytes) + " array, device allows at most " + gib_text(max_alloc) + " per allocation";
    else if (arrays * bytes > 0.9 * global)
      out.skip = "needs " + gib_text(arrays * bytes) + " for " + std::to_string(arrays) + " arrays, device has " + gib_text(global);
    out.elements = requested;
    out.basis = "given (--shape)";
    return out;
  }
  // Room for the arrays beside the cache-flush buffer and the runtime's own allocations.
  const double cap = std::min(max_alloc, 0.8 * global / arrays);
  const double floor_bytes = kStreamLlcMultiple * llc;
  const double want = std::max(floor_bytes, kStreamMinArrayBytes);
  auto elements = static_cast<std::int64_t>(std::ceil(want / e / kElementQuantum)) * kElementQuantum;
  if (static_cast<double>(elements) * e > cap) elements = static_cast<std::int64_t>(std::floor(cap / e / kElementQuantum)) * kElementQuantum;
  if (elements <= 0 || static_cast<double>(elements) * e < floor_bytes) {
    out.skip = std::to_string(arrays) + " arrays of " + gib_text(floor_bytes) + " (4x the " + size_text(llc) +
               " last-level cache) do not fit: the device allows " + gib_text(max_alloc) + " per allocation and has " + gib_text(global);
    return out;
  }
  out.elements = elements;
  if (llc <= 0) out.basis = "last-level cache unknown: " + size_text(kStreamMinArrayBytes) + " per array";
  else if (static_cast<double>(elements) * e < want) out.basis = "as large as fits, at least 4x the " + size_text(llc) + " last-level cache";
  else if (floor_bytes >= kStreamMinArrayBytes) out.basis = "4x the " + size_text(llc) + " last-level cache";
  else out.basis = "the " + size_text(kStreamMinArrayBytes) + " minimum (above 4x the " + size_text(llc) + " last-level cache)";
  return out;
}

std::vector<unsigned char> stream_random_array(DType dtype, std::size_t elements, std::uint64_t seed) {
  return dtype == DType::fp64 ? random_array<double>(elements, seed) : random_array<float>(elements, seed);
}

VerifyResult verify_stream(DType dtype, const std::string& op, const std::vector<unsigned char>& a, std::uint64_t seed_b,
                           std::uint64_t seed_c) {
  return dtype == DType::fp64 ? check_array<double>(op, a, seed_b, seed_c) : check_array<float>(op, a, seed_b, seed_c);
}

nlohmann::json run_stream_case(Device& device, const CaseSpec& spec) {
  nlohmann::json rec = case_record_base(spec);
  const DeviceInfo& info = device.info();
  const std::string& op = spec.stream.op;
  rec["op"] = op;
  if (stream_arrays(op) == 0) {
    rec["reason"] = "unknown stream op '" + op + "'";
    return rec;
  }
  if (spec.tier != "portable") {
    rec["reason"] = "the " + spec.tier + " tier has no stream kernel (bandwidth is measured by the portable copy and triad)";
    return rec;
  }
  if (auto why = stream_can_implement(info, spec.dtype)) {
    rec["reason"] = *why;
    return rec;
  }
  const StreamSizing sizing = stream_sizing(info, spec.dtype, op, spec.stream.elements);
  if (sizing.skip) {
    rec["reason"] = *sizing.skip;
    return rec;
  }
  const auto n = static_cast<std::size_t>(sizing.elements);
  const std::size_t array_bytes = n * dtype_bytes(spec.dtype);
  const double llc = static_cast<double>(info.last_level_cache_bytes);
  rec["elements"] = sizing.elements;
  rec["array_bytes"] = array_bytes;
  rec["bytes"] = static_cast<double>(stream_arrays(op)) * static_cast<double>(array_bytes);
  rec["llc_bytes"] = info.last_level_cache_bytes;
  rec["array_sizing"] = sizing.basis;
  if (llc > 0 && static_cast<double>(array_bytes) < kStreamLlcMultiple * llc) {
    char buf[200];
    std::snprintf(buf, sizeof buf, "arrays are %.2fx the last-level cache, under the 4x rule: the rate may be cache, not memory, bandwidth",
                  static_cast<double>(array_bytes) / llc);
    rec["note"] = buf;
  }
  const StreamConfig config = default_stream_config(info);
  const char* entry = op == "copy" ? kStreamCopyEntry : kStreamTriadEntry;
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : config.defines()) defs[d.name] = d.value;
  for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
  rec["kernel"] = {{"name", entry}, {"source", "kernels/portable/stream.cl"}, {"config", config.to_json()}, {"defines", defs}};

  run_guarded(rec, [&] {
    const std::uint64_t seed_b = spec.seed * 11 + 1, seed_c = spec.seed * 11 + 2;
    BufferSet bufs(device);
    // a, b, c: (n,). One host array at a time: generated, uploaded, dropped.
    const Buffer da = bufs.alloc(array_bytes);
    const Buffer db = bufs.alloc(array_bytes);
    device.upload(db, stream_random_array(spec.dtype, n, seed_b).data(), array_bytes);
    Buffer dc{};
    if (op == "triad") {
      dc = bufs.alloc(array_bytes);
      device.upload(dc, stream_random_array(spec.dtype, n, seed_c).data(), array_bytes);
    }
    const auto poison = nan_pattern(spec.dtype);
    device.fill(da, poison.data(), poison.size());

    std::vector<Define> defines = config.defines();
    defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
    for (const auto& d : spec.extra_defines) defines.push_back(d);
    const Kernel kernel = device.compile(std::string(portable_kernel_source("stream")), entry, defines);
    rec["kernel"]["from_cache"] = kernel.from_cache;
    rec["kernel"]["compile_s"] = kernel.compile_seconds;
    const bool f64 = spec.dtype == DType::fp64;
    std::vector<KernelArg> args = {KernelArg::i64(sizing.elements)};
    if (op == "triad") {
      args.push_back(f64 ? KernelArg::f64(kStreamTriadScalar) : KernelArg::f32(static_cast<float>(kStreamTriadScalar)));
      args.insert(args.end(), {KernelArg::buf(db), KernelArg::buf(dc), KernelArg::buf(da)});
    } else {
      args.insert(args.end(), {KernelArg::buf(db), KernelArg::buf(da)});
    }
    const Dim3 grid{static_cast<std::size_t>(std::max(info.compute_units, 1) * config.groups_per_cu), 1, 1};
    const Dim3 block{static_cast<std::size_t>(config.wg), 1, 1};
    const auto enqueue = [&device, kernel, grid, block, args] { device.launch(kernel, grid, block, 0, args); };

    // Every launch writes the same a, so the array left by the last timed launch is checked:
    // a launch that wrote nothing would leave the NaN poison of the first.
    enqueue();
    measure_into(rec, device, enqueue, spec);
    std::vector<unsigned char> a(array_bytes);
    device.download(a.data(), da, array_bytes);
    record_verification(rec, verify_stream(spec.dtype, op, a, seed_b, seed_c));
  });
  return rec;
}

}  // namespace suanli
