#include "harness/native_peak.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <stdexcept>

#include "harness/case_record.h"
#include "harness/dtype.h"
#include "harness/fragment_layouts.h"
#include "harness/host_data.h"
#include "harness/native_gemm.h"
#include "harness/peak_workload.h"

namespace suanli {
namespace {

// Trips of the verification launch: not a multiple of the default unroll (4), so both the
// kernel's unrolled loop and its remainder loop are checked.
constexpr int kPeakMmaVerifyIterations = 18;

// Part `part` of a fragment word of `dtype`: a 16-bit half (fp16, bf16) or a byte (fp8 e4m3,
// int8), part 0 in the lowest bits.
double element_of(std::uint32_t word, int part, DType dtype) {
  if (dtype_bytes(dtype) == 1) {
    const auto byte = static_cast<std::uint8_t>(word >> (8 * part));
    return dtype == DType::int8 ? static_cast<double>(static_cast<std::int8_t>(byte)) : e4m3_bits_to_double(byte);
  }
  const auto bits = static_cast<std::uint16_t>(part ? word >> 16 : word & 0xffffu);
  return dtype == DType::bf16 ? bf16_bits_to_float(bits) : half_bits_to_float(bits);
}

// The bits of the small integer `v` in `dtype`.
std::uint32_t bits_of(int v, DType dtype) {
  switch (dtype) {
    case DType::int8: return static_cast<std::uint8_t>(static_cast<std::int8_t>(v));
    case DType::fp8_e4m3: return double_to_e4m3_bits(v);
    case DType::bf16: return float_to_bf16_bits(static_cast<float>(v));
    default: return float_to_half_bits(static_cast<float>(v));
  }
}
int parts_per_word(DType dtype) { return static_cast<int>(4 / dtype_bytes(dtype)); }

// --kernel-define <prefix>_CHAINS / _WARPS / _UNROLL (PEAK_MMA_*, PEAK_MFMA_*) change the
// kernel's table entry, so the launch, the FLOP count and the replay follow.
std::optional<std::string> apply_overrides(NativePeakKernel& k, const std::vector<Define>& defines) {
  const std::string& p = k.define_prefix;
  for (const auto& d : defines) {
    int* field = d.name == p + "_CHAINS" ? &k.chains
                 : d.name == p + "_WARPS" ? &k.warps
                 : d.name == p + "_UNROLL" ? &k.unroll
                                           : nullptr;
    if (!field) continue;
    const bool digits = !d.value.empty() && d.value.size() <= 3 && d.value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(d.value) < 1) return d.name + "=" + d.value + ": expected a positive integer";
    *field = std::stoi(d.value);
  }
  if (k.warps * k.wave_size > 1024)
    return p + "_WARPS=" + std::to_string(k.warps) + ": at most " + std::to_string(1024 / k.wave_size) +
           " warps (1024 threads) per block";
  return std::nullopt;
}

// peak_wgmma (kernels/cuda/peak_wgmma.cu): thread l of the warpgroup stores A row l / 2,
// K columns 4P (l % 2) + P·w + p, and B (K-major) column l, K P·w + p, into the shared tiles
// the wgmma descriptors read (P elements per word: 2, or 4 for fp8's K 32); the accumulators
// are the PTX ISA's m64nNk* D fragment (harness/fragment_layouts.h).
template <int P>
std::pair<int, int> wgmma_a_at(int lane, int word, int part) {
  return {lane / 2, 4 * P * (lane % 2) + P * word + part};
}
template <int P>
std::pair<int, int> wgmma_b_at(int lane, int word, int part) {
  return {P * word + part, lane};
}

}  // namespace

const PeakFragmentLayout& mma_m16n8k16_layout() {
  static const PeakFragmentLayout layout{"mma_m16n8k16", "the PTX m16n8k16 tables", 16, 8, 16, 32, 4, 2, 4,
                                         fragments::mma_a_at<2>, fragments::mma_b_at<2>, fragments::mma_d_at, 2};
  return layout;
}

const PeakFragmentLayout& mma_m16n8k32_layout() {
  static const PeakFragmentLayout layout{"mma_m16n8k32", "the PTX m16n8k32 (8-bit) tables", 16, 8, 32, 32, 4, 2, 4,
                                         fragments::mma_a_at<4>, fragments::mma_b_at<4>, fragments::mma_d_at, 4};
  return layout;
}

const PeakFragmentLayout& mfma_32x32x8_layout() {
  static const PeakFragmentLayout layout{"mfma_32x32x8", "the CDNA 32x32x8 MFMA layout", 32, 32, 8, 64, 2, 2, 16,
                                         fragments::mfma_a_at, fragments::mfma_b_at, fragments::mfma_d_at};
  return layout;
}

const PeakFragmentLayout& wgmma_m64n128k16_layout() {
  static const PeakFragmentLayout layout{"wgmma_m64n128k16", "the PTX wgmma m64nNk16 accumulator layout and peak_wgmma's tile stores",
                                         64, 128, 16, 128, 4, 8, 64, wgmma_a_at<2>, wgmma_b_at<2>, fragments::wgmma_d_at, 2};
  return layout;
}

const PeakFragmentLayout& wgmma_m64n128k32_layout() {
  static const PeakFragmentLayout layout{"wgmma_m64n128k32", "the PTX wgmma m64nNk32 accumulator layout and peak_wgmma's tile stores",
                                         64, 128, 32, 128, 4, 8, 64, wgmma_a_at<4>, wgmma_b_at<4>, fragments::wgmma_d_at, 4};
  return layout;
}

const PeakFragmentLayout& peak_fragment_layout(const std::string& name) {
  for (const PeakFragmentLayout* l : {&mma_m16n8k16_layout(), &mma_m16n8k32_layout(), &mfma_32x32x8_layout(),
                                      &wgmma_m64n128k16_layout(), &wgmma_m64n128k32_layout()})
    if (name == l->name) return *l;
  throw std::invalid_argument("no fragment layout named '" + name + "'");
}

std::optional<std::string> native_peak_can_implement(const NativePeakKernel& k, const std::string& backend,
                                                     const DeviceInfo& device, DType dtype) {
  if (auto why = k.backend == "hip" ? native_hip_target_reason(k.name, k.backend, k.archs, k.hip_needs, k.dtypes, "",
                                                                backend, device, dtype)
                                    : native_cuda_target_reason(k.name, k.backend, k.min_sm, k.archs, k.dtypes,
                                                                k.lower_lacks, backend, device, dtype))
    return why;
  for (const NativePeakKernel::DtypeMinSm& later : k.dtype_min_sm)
    if (later.dtype == to_string(dtype) && sm_version(device.arch).value_or(0) < later.min_sm)
      return k.name + " " + later.dtype + " needs sm_" + std::to_string(later.min_sm) + " or later (" + later.lacks +
             "); device is " + device.arch;
  const int threads = k.warps * k.wave_size;
  if (device.max_work_group_size > 0 && threads > device.max_work_group_size)
    return k.name + " needs " + std::to_string(threads) + " threads per block";
  if (const std::size_t smem = native_peak_shared_bytes(k); smem > 0 && k.backend == "cuda") {
    const std::size_t limit = cuda_shared_optin_bytes(sm_version(device.arch).value_or(0));
    if (smem > limit) return k.name + " needs " + std::to_string(smem) + " bytes of shared memory per block; " +
                             device.arch + " allows " + std::to_string(limit);
  }
  return std::nullopt;
}

const NativePeakKernel* choose_native_peak(const std::string& backend, const DeviceInfo& device, DType dtype,
                                           std::string& why, const std::string& only) {
  return first_native_kernel(
      native_peak_kernels(), backend,
      [&](const NativePeakKernel& k) { return native_peak_can_implement(k, backend, device, dtype); }, why,
      "no native peak kernels in this build", only);
}

std::int64_t native_peak_warps(const NativePeakKernel& k, const DeviceInfo& device) {
  return static_cast<std::int64_t>(std::max(device.compute_units, 1)) * k.blocks_per_cu * k.warps;
}

double native_peak_flops(const NativePeakKernel& k, const std::string& dtype, std::int64_t warps, int iterations) {
  return static_cast<double>(warps) * iterations * k.chains * native_peak_flops_per_instruction(k, dtype);
}

PeakMmaInputs peak_mma_inputs(DType dtype, int chains, std::int64_t warps, std::uint64_t seed,
                              const PeakFragmentLayout* layout) {
  const PeakFragmentLayout& l = layout ? *layout : mma_m16n8k16_layout();
  if (l.parts != parts_per_word(dtype))
    throw std::invalid_argument("fragment layout " + l.name + " packs " + std::to_string(l.parts) + " elements per word; " +
                                to_string(dtype) + " packs " + std::to_string(parts_per_word(dtype)));
  PeakMmaInputs in;
  SplitMix64 rng(seed);
  const int bits = 32 / l.parts;
  const auto pack = [&] {
    std::uint32_t word = 0;
    for (int p = 0; p < l.parts; ++p) word |= bits_of(static_cast<int>(rng.next() % 7) - 3, dtype) << (bits * p);
    return word;
  };
  const auto n = static_cast<std::size_t>(warps) * static_cast<std::size_t>(l.lanes);
  in.a_frags.resize(n * static_cast<std::size_t>(l.a_words));
  in.b_frags.resize(n * static_cast<std::size_t>(l.b_words));
  in.c_init.resize(n * static_cast<std::size_t>(l.d_regs) * static_cast<std::size_t>(chains));
  for (auto& r : in.a_frags) r = pack();
  for (auto& r : in.b_frags) r = pack();
  for (auto& c : in.c_init) c = static_cast<float>(static_cast<int>(rng.next() % 129) - 64);
  return in;
}

VerifyResult verify_peak_mma(const PeakMmaCheckInput& in) {
  const PeakFragmentLayout& l = in.layout ? *in.layout : mma_m16n8k16_layout();
  VerifyResult r;
  const std::vector<std::int64_t> warps = replayed_items(in.warps, in.max_warps, in.seed);
  r.method = "exact replay of every accumulator of " + std::to_string(warps.size()) + " warps (" + std::to_string(in.chains) +
             " chains, " + std::to_string(in.iterations) + " trips): c_init + trips * (A * B), A and B rebuilt from "
             "the fragments by " + l.source;
  const auto lanes = static_cast<std::size_t>(l.lanes);
  const auto d_regs = static_cast<std::size_t>(l.d_regs);
  std::string first;
  for (const std::int64_t w : warps) {
    std::vector<double> a(static_cast<std::size_t>(l.m * l.k)), b(static_cast<std::size_t>(l.k * l.n)),
        p(static_cast<std::size_t>(l.m * l.n));
    for (int lane = 0; lane < l.lanes; ++lane) {
      const std::size_t at = static_cast<std::size_t>(w) * lanes + static_cast<std::size_t>(lane);
      for (int word = 0; word < l.a_words; ++word)
        for (int part = 0; part < l.parts; ++part) {
          const auto [row, k] = l.a_at(lane, word, part);
          a[static_cast<std::size_t>(row * l.k + k)] =
              element_of((*in.a_frags)[at * static_cast<std::size_t>(l.a_words) + static_cast<std::size_t>(word)], part, in.dtype);
        }
      for (int word = 0; word < l.b_words; ++word)
        for (int part = 0; part < l.parts; ++part) {
          const auto [k, col] = l.b_at(lane, word, part);
          b[static_cast<std::size_t>(k * l.n + col)] =
              element_of((*in.b_frags)[at * static_cast<std::size_t>(l.b_words) + static_cast<std::size_t>(word)], part, in.dtype);
        }
    }
    for (int i = 0; i < l.m; ++i)
      for (int j = 0; j < l.n; ++j)
        for (int k = 0; k < l.k; ++k)
          p[static_cast<std::size_t>(i * l.n + j)] += a[static_cast<std::size_t>(i * l.k + k)] * b[static_cast<std::size_t>(k * l.n + j)];
    for (int chain = 0; chain < in.chains; ++chain) {
      for (int lane = 0; lane < l.lanes; ++lane) {
        for (int reg = 0; reg < l.d_regs; ++reg) {
          const auto [row, col] = l.d_at(lane, reg);
          const std::size_t at =
              ((static_cast<std::size_t>(w) * static_cast<std::size_t>(in.chains) + static_cast<std::size_t>(chain)) * lanes +
               static_cast<std::size_t>(lane)) * d_regs + static_cast<std::size_t>(reg);
          const double want = static_cast<double>((*in.c_init)[at]) + in.iterations * p[static_cast<std::size_t>(row * l.n + col)];
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
  const NativePeakKernel* chosen = choose_native_peak(backend, info, spec.dtype, why, spec.native_kernel);
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
  const std::string dtype = to_string(spec.dtype);
  rec["flops"] = native_peak_flops(k, dtype, warps, k.iterations);
  std::vector<Define> defines = spec.extra_defines;  // the table's values last: they are what the host assumes
  for (const auto& d : native_peak_defines(k, dtype)) defines.push_back(d);
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : defines) defs[d.name] = d.value;
  rec["kernel"] = {{"name", k.name},
                   {"source", k.source_path},
                   {"config",
                    {{"name", "default"}, {"chains", k.chains}, {"warps", k.warps}, {"unroll", k.unroll},
                     {"blocks_per_cu", k.blocks_per_cu}, {"iterations", k.iterations}}},
                   {"defines", defs},
                   {"warps", warps},
                   {"flops_per_instruction", native_peak_flops_per_instruction(k, dtype)},
                   {"verify_iterations", kPeakMmaVerifyIterations}};

  run_guarded(rec, [&] {
    const PeakFragmentLayout& layout = peak_fragment_layout(native_peak_fragment_layout(k, dtype));
    const PeakMmaInputs in = peak_mma_inputs(spec.dtype, k.chains, warps, spec.seed * 11 + 3, &layout);
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
    const Dim3 block{static_cast<std::size_t>(k.warps * k.wave_size), 1, 1};
    const auto args = [&](int iterations, float limit) {
      return std::vector<KernelArg>{KernelArg::i32(iterations), KernelArg::f32(limit), KernelArg::buf(d_a),
                                    KernelArg::buf(d_b), KernelArg::buf(d_c), KernelArg::buf(d_out)};
    };

    // Verification: the same binary for a few trips, every accumulator stored.
    const std::size_t shared = native_peak_shared_bytes(k);
    device.launch(kernel, grid, block, shared, args(kPeakMmaVerifyIterations, -FLT_MAX));
    device.synchronize();
    std::vector<float> out(in.c_init.size());
    device.download(out.data(), d_out, out.size() * 4);
    const PeakMmaCheckInput check{spec.dtype, k.chains, kPeakMmaVerifyIterations, warps, &in.a_frags, &in.b_frags,
                                  &in.c_init, &out, spec.seed ^ 0x3a11ULL, 512, &layout};
    if (!record_verification(rec, verify_peak_mma(check))) return;

    // Timed: the full loop, nothing stored (no accumulator sum reaches FLT_MAX).
    const std::vector<KernelArg> timed = args(k.iterations, FLT_MAX);
    measure_into(rec, device, [&device, kernel, grid, block, shared, timed] { device.launch(kernel, grid, block, shared, timed); },
                 spec);
    apply_native_verified_on(rec, k.name, dtype, info.arch);
  });
  return rec;
}

}  // namespace suanli
