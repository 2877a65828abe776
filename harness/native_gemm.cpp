#include "harness/native_gemm.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "harness/dtype.h"

namespace suanli {
namespace {

constexpr std::int64_t kMaxGridY = 65535;  // CUDA's limit on gridDim.y (M tiles); kept for HIP too

std::string joined(const std::vector<std::string>& items) {
  std::string list;
  for (const std::string& x : items) list += (list.empty() ? "" : ", ") + x;
  return list;
}

// The dtype checks every native kernel ends with; `note` (if any) says why only those dtypes.
std::optional<std::string> dtype_reason(const std::string& kernel, const std::vector<std::string>& dtypes,
                                        const DeviceInfo& device, DType dtype, const std::string& note = "") {
  const std::string name = to_string(dtype);
  if (std::find(dtypes.begin(), dtypes.end(), name) == dtypes.end())
    return kernel + " has no " + name + " variant (" + joined(dtypes) + " only" + (note.empty() ? "" : ": " + note) + ")";
  if (dtype == DType::fp16 && !device.has_fp16) return "device has no fp16 arithmetic";
  return std::nullopt;
}

}  // namespace

std::optional<int> sm_version(const std::string& arch) {
  if (arch.rfind("sm_", 0) != 0) return std::nullopt;
  std::size_t end = 3;
  while (end < arch.size() && arch[end] >= '0' && arch[end] <= '9') ++end;
  if (end == 3 || end - 3 > 4) return std::nullopt;
  const std::string rest = arch.substr(end);
  if (!rest.empty() && rest != "a" && rest != "f") return std::nullopt;
  return std::stoi(arch.substr(3, end - 3));
}

std::size_t cuda_shared_optin_bytes(int sm) {
  if (sm == 80 || sm == 87) return 163 * 1024;
  if (sm == 90) return 227 * 1024;
  return 99 * 1024;  // sm_86, sm_89, sm_120 and anything not listed: the smallest of sm_80+
}

std::optional<std::string> native_cuda_target_reason(const std::string& kernel, const std::string& kernel_backend, int min_sm,
                                                     const std::vector<std::string>& archs,
                                                     const std::vector<std::string>& dtypes, const std::string& lower_lacks,
                                                     const std::string& backend, const DeviceInfo& device, DType dtype) {
  const std::string arch = device.arch.empty() ? "unknown" : device.arch;
  if (backend != kernel_backend)
    return "no native " + kernel_backend + " kernel for this device (" + backend + " backend, arch " + arch + ")";
  const std::optional<int> sm = sm_version(device.arch);
  if (!sm) return kernel + " needs an NVIDIA GPU of sm_" + std::to_string(min_sm) + " or later; device arch is " + arch;
  if (*sm < min_sm) return kernel + " needs sm_" + std::to_string(min_sm) + " or later (" + lower_lacks + "); device is " + arch;
  // A kernel written for named archs only (wgmma: sm_90a; it is neither on sm_90 without
  // the "a" features nor on Blackwell).
  if (!archs.empty() && std::find(archs.begin(), archs.end(), device.arch) == archs.end())
    return kernel + " runs on " + joined(archs) + " only (" + lower_lacks + ": Hopper's arch-specific features); device is " + arch;
  return dtype_reason(kernel, dtypes, device, dtype);
}

std::optional<std::string> native_hip_target_reason(const std::string& kernel, const std::string& kernel_backend,
                                                    const std::vector<std::string>& archs, const std::string& hip_needs,
                                                    const std::vector<std::string>& dtypes, const std::string& dtypes_note,
                                                    const std::string& backend, const DeviceInfo& device, DType dtype) {
  const std::string arch = device.arch.empty() ? "unknown" : gfx_processor(device.arch);
  if (backend != kernel_backend)
    return "no native " + kernel_backend + " kernel for this device (" + backend + " backend, arch " + arch + ")";
  if (std::find(archs.begin(), archs.end(), arch) == archs.end()) {
    std::string needs = kernel + " needs " + hip_needs;
    if (const std::size_t at = needs.find("{archs}"); at != std::string::npos) needs.replace(at, 7, joined(archs));
    // gfx906 is in the list of every kernel that runs there (gemm_dot2), so this names what
    // the MFMA kernels lack.
    if (arch == "gfx906") return needs + "; gfx906 (MI50 / Hygon Z100) has no MFMA";
    if (arch == "gfx926" || arch == "gfx928" || arch == "gfx936" || arch == "gfx938")
      return needs + "; Hygon " + arch + ": matrix instructions not supported by this compiler (hiprtc 5.2)";
    return needs + "; device arch is " + arch;
  }
  return dtype_reason(kernel, dtypes, device, dtype, dtypes_note);
}

std::optional<std::string> native_gemm_can_implement(const NativeGemmKernel& k, const std::string& backend,
                                                     const DeviceInfo& device, DType dtype, const GemmShape& s) {
  const bool hip = k.backend == "hip";
  const std::string lower_lacks = k.tma ? "wgmma, TMA" : "cp.async, bf16 mma.sync";
  if (auto why = hip ? native_hip_target_reason(k.name, k.backend, k.archs, k.hip_needs, k.dtypes, k.dtypes_note, backend,
                                                device, dtype)
                     : native_cuda_target_reason(k.name, k.backend, k.min_sm, k.archs, k.dtypes, lower_lacks, backend, device,
                                                 dtype))
    return why;
  const std::string arch = device.arch;
  if (s.m < 1 || s.n < 1 || s.k < 1) return "M, N and K must be at least 1";
  constexpr auto int_max = static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max());
  if (s.m > int_max || s.n > int_max || s.k > int_max) return k.name + " takes M, N and K as 32-bit ints";
  if (k.tma && (s.k * k.element_bytes) % 16 != 0)
    return k.name + ": TMA copies need 16-byte aligned rows: K a multiple of " + std::to_string(16 / k.element_bytes) +
           " (K = " + std::to_string(s.k) + ")";
  if (!k.tma && (s.m + k.tile.block_m - 1) / k.tile.block_m > kMaxGridY)
    return k.name + ": M = " + std::to_string(s.m) + " needs more than " + std::to_string(kMaxGridY) + " row blocks";
  const std::size_t smem = native_gemm_shared_bytes(k);
  const std::size_t smem_limit = hip ? kHipLdsBytes : cuda_shared_optin_bytes(*sm_version(device.arch));
  if (smem > smem_limit)
    return k.name + " needs " + std::to_string(smem) + " bytes of shared memory per block; " + arch + " allows " +
           std::to_string(smem_limit);
  if (device.max_work_group_size > 0 && native_gemm_threads(k) > device.max_work_group_size)
    return k.name + " needs " + std::to_string(native_gemm_threads(k)) + " threads per block";
  return std::nullopt;
}

std::optional<NativeGemmChoice> choose_native_gemm(const std::string& backend, const DeviceInfo& device, DType dtype,
                                                   const GemmShape& shape, std::string& why, const std::string& only) {
  const NativeGemmKernel* k = first_native_kernel(
      native_gemm_kernels(), backend,
      [&](const NativeGemmKernel& c) { return native_gemm_can_implement(c, backend, device, dtype, shape); }, why,
      "no native GEMM kernels in this build", only);
  if (!k) return std::nullopt;
  const auto align = static_cast<std::int64_t>(k->row_align_elements);
  return NativeGemmChoice{k, shape.k % align == 0 && shape.n % align == 0};
}

nlohmann::json native_gemm_kernel_json(const NativeGemmChoice& choice, const CaseSpec& spec) {
  const NativeGemmKernel& k = *choice.kernel;
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : native_gemm_defines(k, to_string(spec.dtype), choice.row_aligned)) defs[d.name] = d.value;
  for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
  const NativeGemmTile& t = k.tile;
  return {{"name", k.name},
          {"source", k.source_path},
          {"config",
           {{"name", "default"}, {"block_m", t.block_m}, {"block_n", t.block_n}, {"block_k", t.block_k},
            {"warps_m", t.warps_m}, {"warps_n", t.warps_n}, {"stages", t.stages}, {"group_m", t.group_m}}},
          {"load_path", k.tma ? "TMA boxes, 128-byte swizzle, zero-filled past the edges (any M, N; 16-byte rows)"
                        : k.row_align_define.empty() ? "one path for any K, N: wide loads where inside and aligned, else element-wise"
                        : choice.row_aligned ? "cp.async 16-byte (K, N multiples of " + std::to_string(k.row_align_elements) + ")"
                                             : std::string("element-wise (any K, N)")},
          {"shared_bytes", native_gemm_shared_bytes(k)},
          {"threads", native_gemm_threads(k)},
          {"grid", k.tma ? "persistent: min(tiles, SMs) blocks" : "one block per tile"},
          {"b_layout", k.b_nk ? "(N, K) row-major" : "(K, N) row-major"},
          {"defines", defs}};
}

std::function<void()> native_gemm_enqueue(Device& device, const NativeGemmChoice& choice, const CaseSpec& spec,
                                          const GemmProblem& problem, Buffer a, Buffer b, Buffer c,
                                          nlohmann::json& kernel_rec) {
  const NativeGemmKernel& k = *choice.kernel;
  std::vector<Define> defines = native_gemm_defines(k, to_string(spec.dtype), choice.row_aligned);
  for (const auto& d : spec.extra_defines) defines.push_back(d);
  const Kernel kernel = device.compile(std::string(native_kernel_source(k.source)), k.name, defines);
  kernel_rec["from_cache"] = kernel.from_cache;
  kernel_rec["compile_s"] = kernel.compile_seconds;
  const Dim3 grid = native_gemm_grid(k, static_cast<std::size_t>(problem.m), static_cast<std::size_t>(problem.n),
                                     device.info().compute_units);
  const Dim3 block = native_gemm_block(k);
  const std::size_t shared = native_gemm_shared_bytes(k);
  // The kernel's signature: (int M, int N, int K, float alpha, float beta, a, b, c); a TMA
  // kernel takes A (M, K) and B (N, K) as tensor maps whose boxes are its stage tiles.
  std::vector<KernelArg> args = {KernelArg::i32(static_cast<std::int32_t>(problem.m)),
                                 KernelArg::i32(static_cast<std::int32_t>(problem.n)),
                                 KernelArg::i32(static_cast<std::int32_t>(problem.k)),
                                 KernelArg::f32(static_cast<float>(problem.alpha)),
                                 KernelArg::f32(static_cast<float>(problem.beta))};
  if (k.tma) {
    const auto map = [&](Buffer buf, std::int64_t rows, int box_rows) {
      return KernelArg::tensor_map(TensorMap2d{.buffer = buf,
                                               .element_bytes = k.element_bytes,
                                               .inner = static_cast<std::uint64_t>(problem.k),
                                               .outer = static_cast<std::uint64_t>(rows),
                                               .box_inner = static_cast<std::uint32_t>(k.tile.block_k),
                                               .box_outer = static_cast<std::uint32_t>(box_rows),
                                               .swizzle_bytes = 128});
    };
    args.push_back(map(a, problem.m, k.tile.block_m));
    args.push_back(map(b, problem.n, k.tile.block_n));
  } else {
    args.push_back(KernelArg::buf(a));
    args.push_back(KernelArg::buf(b));
  }
  args.push_back(KernelArg::buf(c));
  return [&device, kernel, grid, block, shared, args] { device.launch(kernel, grid, block, shared, args); };
}

std::optional<std::string> native_unverified_reason(const std::string& kernel, const std::string& dtype,
                                                    const std::string& arch, const nlohmann::json& verified_on) {
  if (!verified_on.is_object() || !verified_on.contains("verified_on") || !verified_on["verified_on"].is_array())
    throw std::invalid_argument("verified_on.json: no \"verified_on\" array");
  for (const auto& e : verified_on["verified_on"]) {
    const auto text = [&](const char* key) -> std::optional<std::string> {
      if (!e.is_object() || !e.contains(key)) return std::nullopt;
      if (!e[key].is_string()) throw std::invalid_argument(std::string("verified_on.json: \"") + key + "\" is not a string");
      return e[key].get<std::string>();
    };
    const auto k = text("kernel");
    const auto a = text("arch");
    if (!k || !a) throw std::invalid_argument("verified_on.json: every entry needs \"kernel\" and \"arch\"");
    const auto d = text("dtype");
    if (*k == kernel && *a == arch && (!d || *d == dtype)) return std::nullopt;
  }
  return "native kernel " + kernel + " (" + dtype + ") has not been verified on hardware on " + arch +
         " (not in kernels/cuda/verified_on.json): it passed this run's fp64 check, but its numbers are not a "
         "result until a reviewed run on this arch is added to that list";
}

void apply_native_verified_on(nlohmann::json& rec, const std::string& kernel, const std::string& dtype,
                              const std::string& arch) {
  if (rec.value("status", "") != "ok") return;
  std::optional<std::string> reason;
  try {
    static const nlohmann::json list = nlohmann::json::parse(native_verified_on_json());
    reason = native_unverified_reason(kernel, dtype, arch, list);
  } catch (const std::exception& e) {  // a broken embedded list verifies nothing
    reason = std::string("cannot read the embedded verified_on.json: ") + e.what();
  }
  if (!reason) return;
  rec["status"] = "unverified";
  rec["reason"] = *reason;
}

}  // namespace suanli
