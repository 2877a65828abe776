#include "harness/native_peak.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "harness/case_record.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/native_gemm.h"
#include "harness/peak_workload.h"

namespace suanli {
namespace {

// Trips of the verification launch: not a multiple of the default unroll (4), so both the
// kernel's unrolled loop and its remainder loop are checked.
constexpr int kPeakMmaVerifyIterations = 18;

float half_of(std::uint32_t reg, int upper, DType dtype) {
  const auto bits = static_cast<std::uint16_t>(upper ? reg >> 16 : reg & 0xffffu);
  return dtype == DType::bf16 ? bf16_bits_to_float(bits) : half_bits_to_float(bits);
}

std::uint16_t bits_of(float v, DType dtype) {
  return dtype == DType::bf16 ? float_to_bf16_bits(v) : float_to_half_bits(v);
}

// --kernel-define PEAK_MMA_CHAINS / PEAK_MMA_WARPS / PEAK_MMA_UNROLL change the kernel's
// table entry, so the launch, the FLOP count and the replay follow.
std::optional<std::string> apply_overrides(NativePeakKernel& k, const std::vector<Define>& defines) {
  for (const auto& d : defines) {
    int* field = d.name == "PEAK_MMA_CHAINS" ? &k.chains
                 : d.name == "PEAK_MMA_WARPS" ? &k.warps
                 : d.name == "PEAK_MMA_UNROLL" ? &k.unroll
                                               : nullptr;
    if (!field) continue;
    const bool digits = !d.value.empty() && d.value.size() <= 3 && d.value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(d.value) < 1) return d.name + "=" + d.value + ": expected a positive integer";
    *field = std::stoi(d.value);
  }
  if (k.warps > 32) return "PEAK_MMA_WARPS=" + std::to_string(k.warps) + ": at most 32 warps (1024 threads) per block";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> native_peak_can_implement(const NativePeakKernel& k, const std::string& backend,
                                                     const DeviceInfo& device, DType dtype) {
  if (auto why = native_cuda_target_reason(k.name, k.backend, k.min_sm, k.dtypes, "bf16 mma.sync.m16n8k16", backend, device, dtype))
    return why;
  if (device.max_work_group_size > 0 && k.warps * 32 > device.max_work_group_size)
    return k.name + " needs " + std::to_string(k.warps * 32) + " threads per block";
  return std::nullopt;
}

const NativePeakKernel* choose_native_peak(const std::string& backend, const DeviceInfo& device, DType dtype,
                                           std::string& why) {
  return first_native_kernel(
      native_peak_kernels(), [&](const NativePeakKernel& k) { return native_peak_can_implement(k, backend, device, dtype); }, why,
      "no native peak kernels in this build");
}

std::int64_t native_peak_warps(const NativePeakKernel& k, const DeviceInfo& device) {
  return static_cast<std::int64_t>(std::max(device.compute_units, 1)) * k.blocks_per_cu * k.warps;
}

double native_peak_flops(const NativePeakKernel& k, std::int64_t warps, int iterations) {
  return static_cast<double>(warps) * iterations * k.chains * k.flops_per_instruction;
}

PeakMmaInputs peak_mma_inputs(DType dtype, int chains, std::int64_t warps, std::uint64_t seed) {
  PeakMmaInputs in;
  SplitMix64 rng(seed);
  const auto small = [&] { return static_cast<float>(static_cast<int>(rng.next() % 7) - 3); };
  const auto pack = [&] {
    const std::uint32_t lo = bits_of(small(), dtype), hi = bits_of(small(), dtype);
    return lo | (hi << 16);
  };
  const auto n = static_cast<std::size_t>(warps) * 32;
  in.a_frags.resize(n * 4);
  in.b_frags.resize(n * 2);
  in.c_init.resize(n * 4 * static_cast<std::size_t>(chains));
  for (auto& r : in.a_frags) r = pack();
  for (auto& r : in.b_frags) r = pack();
  for (auto& c : in.c_init) c = static_cast<float>(static_cast<int>(rng.next() % 129) - 64);
  return in;
}

VerifyResult verify_peak_mma(const PeakMmaCheckInput& in) {
  VerifyResult r;
  const std::vector<std::int64_t> warps = replayed_items(in.warps, in.max_warps, in.seed);
  r.method = "exact replay of every accumulator of " + std::to_string(warps.size()) + " warps (" + std::to_string(in.chains) +
             " chains, " + std::to_string(in.iterations) + " mma trips): c_init + trips * (A * B), A and B rebuilt from "
             "the fragments by the PTX m16n8k16 tables";
  std::string first;
  for (const std::int64_t w : warps) {
    double a[16][16] = {}, b[16][8] = {}, p[16][8] = {};
    for (int lane = 0; lane < 32; ++lane) {
      const int g = lane / 4, t = lane % 4;
      const auto at = static_cast<std::size_t>(w * 32 + lane);
      for (int reg = 0; reg < 4; ++reg) {  // a[reg]: rows g (+8 if reg odd), columns 2t.. (+8 if reg >= 2)
        const std::uint32_t v = (*in.a_frags)[at * 4 + static_cast<std::size_t>(reg)];
        const int row = g + (reg & 1) * 8, col = 2 * t + (reg >> 1) * 8;
        a[row][col] = half_of(v, 0, in.dtype);
        a[row][col + 1] = half_of(v, 1, in.dtype);
      }
      for (int reg = 0; reg < 2; ++reg) {  // b[reg]: rows (k) 2t.. (+8 for reg 1), column g
        const std::uint32_t v = (*in.b_frags)[at * 2 + static_cast<std::size_t>(reg)];
        b[2 * t + reg * 8][g] = half_of(v, 0, in.dtype);
        b[2 * t + reg * 8 + 1][g] = half_of(v, 1, in.dtype);
      }
    }
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < 16; ++k) p[i][j] += a[i][k] * b[k][j];
    for (int chain = 0; chain < in.chains; ++chain) {
      for (int lane = 0; lane < 32; ++lane) {
        const int g = lane / 4, t = lane % 4;
        for (int reg = 0; reg < 4; ++reg) {  // d[reg]: row g (+8 for reg >= 2), column 2t + reg % 2
          const auto at = static_cast<std::size_t>(((w * in.chains + chain) * 32 + lane) * 4 + reg);
          const double want = static_cast<double>((*in.c_init)[at]) + in.iterations * p[g + (reg >> 1) * 8][2 * t + (reg & 1)];
          const double got = (*in.out)[at];
          ++r.elements_checked;
          if (!std::isfinite(got)) ++r.nonfinite_outputs;
          if (got == want) continue;
          r.worst_error_ratio = INFINITY;
          if (first.empty())
            first = "warp " + std::to_string(w) + " chain " + std::to_string(chain) + " lane " + std::to_string(lane) +
                    " accumulator " + std::to_string(reg) + ": got " + std::to_string(got) + ", replay gives " +
                    std::to_string(want) + (std::isfinite(got) ? "" : " (not written)");
        }
      }
    }
  }
  r.ok = first.empty() && r.elements_checked > 0;
  r.detail = r.elements_checked == 0 ? "nothing was checked" : first;
  return r;
}

nlohmann::json run_native_peak_case(Device& device, const CaseSpec& spec, const std::string& backend) {
  nlohmann::json rec = case_record_base(spec);
  const DeviceInfo& info = device.info();
  std::string why;
  const NativePeakKernel* chosen = choose_native_peak(backend, info, spec.dtype, why);
  if (!chosen) {
    rec["reason"] = why;
    return rec;
  }
  NativePeakKernel k = *chosen;
  if (auto bad = apply_overrides(k, spec.extra_defines)) {
    rec["status"] = "failed";
    rec["reason"] = *bad;
    return rec;
  }
  const std::int64_t warps = native_peak_warps(k, info);
  rec["flops"] = native_peak_flops(k, warps, k.iterations);
  std::vector<Define> defines = spec.extra_defines;  // the table's values last: they are what the host assumes
  for (const auto& d : native_peak_defines(k, to_string(spec.dtype))) defines.push_back(d);
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : defines) defs[d.name] = d.value;
  rec["kernel"] = {{"name", k.name},
                   {"source", k.source_path},
                   {"config",
                    {{"name", "default"}, {"chains", k.chains}, {"warps", k.warps}, {"unroll", k.unroll},
                     {"blocks_per_cu", k.blocks_per_cu}, {"iterations", k.iterations}}},
                   {"defines", defs},
                   {"warps", warps},
                   {"flops_per_instruction", k.flops_per_instruction},
                   {"verify_iterations", kPeakMmaVerifyIterations}};

  run_guarded(rec, [&] {
    const PeakMmaInputs in = peak_mma_inputs(spec.dtype, k.chains, warps, spec.seed * 11 + 3);
    BufferSet bufs(device);
    const Buffer d_a = bufs.alloc(in.a_frags.size() * 4);
    const Buffer d_b = bufs.alloc(in.b_frags.size() * 4);
    const Buffer d_c = bufs.alloc(in.c_init.size() * 4);
    const Buffer d_out = bufs.alloc(in.c_init.size() * 4);
    device.upload(d_a, in.a_frags.data(), in.a_frags.size() * 4);
    device.upload(d_b, in.b_frags.data(), in.b_frags.size() * 4);
    device.upload(d_c, in.c_init.data(), in.c_init.size() * 4);
    const auto poison = nan_pattern(ElementFormat::f32);
    device.fill(d_out, poison.data(), poison.size());

    const Kernel kernel = device.compile(std::string(native_kernel_source(k.source)), k.name, defines);
    rec["kernel"]["from_cache"] = kernel.from_cache;
    rec["kernel"]["compile_s"] = kernel.compile_seconds;
    const Dim3 grid{static_cast<std::size_t>(warps / k.warps), 1, 1};
    const Dim3 block{static_cast<std::size_t>(k.warps) * 32, 1, 1};
    const auto args = [&](int iterations, float limit) {
      return std::vector<KernelArg>{KernelArg::i32(iterations), KernelArg::f32(limit), KernelArg::buf(d_a),
                                    KernelArg::buf(d_b), KernelArg::buf(d_c), KernelArg::buf(d_out)};
    };

    // Verification: the same binary for a few trips, every accumulator stored.
    device.launch(kernel, grid, block, 0, args(kPeakMmaVerifyIterations, -FLT_MAX));
    device.synchronize();
    std::vector<float> out(in.c_init.size());
    device.download(out.data(), d_out, out.size() * 4);
    const PeakMmaCheckInput check{spec.dtype, k.chains, kPeakMmaVerifyIterations, warps, &in.a_frags, &in.b_frags,
                                  &in.c_init, &out, spec.seed ^ 0x3a11ULL};
    if (!record_verification(rec, verify_peak_mma(check))) return;

    // Timed: the full loop, nothing stored (no accumulator sum reaches FLT_MAX).
    const std::vector<KernelArg> timed = args(k.iterations, FLT_MAX);
    measure_into(rec, device, [&device, kernel, grid, block, timed] { device.launch(kernel, grid, block, 0, timed); }, spec);
    apply_native_verified_on(rec, k.name, to_string(spec.dtype), info.arch);
  });
  return rec;
}

}  // namespace suanli
