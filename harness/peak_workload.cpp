#include "harness/peak_workload.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <set>

#include "harness/case_record.h"
#include "harness/dtype.h"
#include "harness/host_data.h"
#include "harness/native_peak.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace suanli {
namespace {

// The text peak.cl's #error carries when the dialect has no int8 dot product for the target.
constexpr const char* kNoInt8DotMarker = "SUANLI_NO_INT8_DOT";

// A tolerance this many times steps * u * magnitude: the rotation's error growth factor
// (about 1.5 for a in [0.25, 0.75]) squared, times the two roundings per step, with room.
constexpr double kReplayToleranceFactor = 16.0;

// How a dtype's chain values sit in memory: `lanes` scalars of `format` per chain value.
struct PeakLayout {
  ElementFormat format;
  int lanes;
};

PeakLayout peak_layout(DType dtype) {
  switch (dtype) {
    case DType::fp64: return {ElementFormat::f64, 1};
    case DType::fp16: return {ElementFormat::f16, 2};  // half2_t
    case DType::int8: return {ElementFormat::i8, 4};   // 4 int8 packed in an int
    default: return {ElementFormat::f32, 1};
  }
}

std::int32_t load_i32(const std::vector<unsigned char>& bytes, std::size_t index) {
  std::int32_t v;
  std::memcpy(&v, &bytes[index * 4], 4);
  return v;
}

// c + the dot product of the packed signed bytes of p and q, wrapping like dp4a.
std::uint32_t dot4_i8(std::int32_t p, std::int32_t q, std::uint32_t c) {
  std::int32_t sum = 0;
  for (int k = 0; k < 4; ++k)
    sum += static_cast<std::int8_t>(static_cast<std::uint32_t>(p) >> (8 * k)) *
           static_cast<std::int8_t>(static_cast<std::uint32_t>(q) >> (8 * k));
  return c + static_cast<std::uint32_t>(sum);
}

struct Mismatch {
  std::string detail;
  double ratio = 0;
};

void note(VerifyResult& r, Mismatch& first, double ratio, const std::string& what) {
  r.worst_error_ratio = std::max(r.worst_error_ratio, ratio);
  if (ratio >= 1 && first.detail.empty()) first.detail = what;
}

std::string value_text(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// --kernel-define PEAK_CHAINS / PEAK_UNROLL / PEAK_WG change the config itself, so the
// launch, the FLOP count and the replay follow the kernel (experiments, tuning by hand).
std::optional<std::string> apply_overrides(PeakConfig& c, const std::vector<Define>& defines) {
  for (const auto& d : defines) {
    int* field = d.name == "PEAK_CHAINS" ? &c.chains : d.name == "PEAK_UNROLL" ? &c.unroll : d.name == "PEAK_WG" ? &c.wg : nullptr;
    if (!field) continue;
    const bool digits = !d.value.empty() && d.value.size() <= 4 && d.value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(d.value) < 1) return d.name + "=" + d.value + ": expected a positive integer";
    *field = std::stoi(d.value);
    c.name += " " + d.name + "=" + d.value;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::int64_t> replayed_items(std::int64_t work_items, int max_items, std::uint64_t seed) {
  std::vector<std::int64_t> items;
  if (work_items <= max_items) {
    for (std::int64_t w = 0; w < work_items; ++w) items.push_back(w);
    return items;
  }
  std::set<std::int64_t> chosen = {0, work_items - 1};
  SplitMix64 rng(seed);
  while (static_cast<int>(chosen.size()) < max_items)
    chosen.insert(static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(work_items)));
  return {chosen.begin(), chosen.end()};
}

std::vector<Define> PeakConfig::defines() const {
  return peak_tunable_defines(chains, unroll, wg);
}

nlohmann::json PeakConfig::to_json() const {
  return {{"name", name}, {"chains", chains}, {"unroll", unroll}, {"wg", wg}, {"groups_per_cu", groups_per_cu}, {"iterations", iterations}};
}

PeakConfig default_peak_config(const DeviceInfo& device) {
  const GemmDeviceClass cls = device_class_of(device.type);
  for (const auto& row : kPeakDefaultConfigs)
    if (row.device_class == cls) return {row.name, row.chains, row.unroll, row.wg, row.groups_per_cu, row.iterations};
  const auto& row = kPeakDefaultConfigs[0];
  return {row.name, row.chains, row.unroll, row.wg, row.groups_per_cu, row.iterations};
}

int peak_ops_per_fma(DType dtype) {
  switch (dtype) {
    case DType::fp64:
    case DType::fp32: return 2;
    case DType::fp16: return 4;
    case DType::int8: return 8;
    default: return 0;
  }
}

double peak_flops(DType dtype, const PeakConfig& c, std::int64_t work_items, int iterations) {
  // Two FMAs per chain and step: x = fma(a, y, x); y = fma(b, x, y).
  return static_cast<double>(work_items) * iterations * c.unroll * c.chains * 2.0 * peak_ops_per_fma(dtype);
}

std::optional<std::string> peak_can_implement(const DeviceInfo& device, DType dtype) {
  const auto has_extension = [&](const char* name) {
    return std::find(device.extensions.begin(), device.extensions.end(), name) != device.extensions.end();
  };
  switch (dtype) {
    case DType::fp32: return std::nullopt;
    case DType::int8:
      // An OpenCL device (it lists cl_ extensions) has the dot product only with this one;
      // for CUDA and HIP the dialect decides per target at compile time.
      if (!has_extension("cl_khr_integer_dot_product") &&
          std::any_of(device.extensions.begin(), device.extensions.end(), [](const std::string& e) { return e.rfind("cl_", 0) == 0; }))
        return "the OpenCL device has no int8 dot product (cl_khr_integer_dot_product)";
      return std::nullopt;
    case DType::fp64:
      if (!device.has_fp64) return "device has no fp64 (cl_khr_fp64 / double support)";
      return std::nullopt;
    case DType::fp16:
      if (!device.has_fp16) return "device has no fp16 arithmetic (cl_khr_fp16)";
      return std::nullopt;
    default:
      return "the portable peak kernel has no " + to_string(dtype) +
             " variant (fp64, fp32, fp16, int8; matrix-unit ceilings belong to the native tier)";
  }
}

VerifyResult verify_peak(const PeakCheckInput& in) {
  VerifyResult r;
  const PeakLayout layout = peak_layout(in.dtype);
  const std::vector<std::int64_t> items = replayed_items(in.work_items, in.max_work_items, in.seed);
  const std::int64_t per_item = 2LL * in.chains;  // chain values per work-item
  Mismatch first;
  const auto where = [](std::int64_t w, int j, int k, int lane) {
    return "work-item " + std::to_string(w) + " chain " + std::to_string(j) + (k == 0 ? " x" : " y") +
           (lane > 0 ? " lane " + std::to_string(lane) : std::string());
  };

  if (in.dtype == DType::int8) {
    r.method = "exact int32 replay of every chain of " + std::to_string(items.size()) + " work-items (" +
               std::to_string(in.steps) + " steps)";
    const std::int32_t a = load_i32(*in.coef, 0), b = load_i32(*in.coef, 1);
    for (std::int64_t w : items) {
      for (int j = 0; j < in.chains; ++j) {
        const auto e = static_cast<std::size_t>(w * per_item + j);
        const auto chains = static_cast<std::size_t>(in.chains);
        auto x = static_cast<std::uint32_t>(load_i32(*in.init, e));
        auto y = static_cast<std::uint32_t>(load_i32(*in.init, e + chains));
        for (int s = 0; s < in.steps; ++s) {
          x = dot4_i8(a, static_cast<std::int32_t>(y), x);
          y = dot4_i8(b, static_cast<std::int32_t>(x), y);
        }
        const std::uint32_t want[2] = {x, y};
        for (int k = 0; k < 2; ++k) {
          const auto got = static_cast<std::uint32_t>(load_i32(*in.out, e + static_cast<std::size_t>(k) * chains));
          ++r.elements_checked;
          if (got != want[k])
            note(r, first, INFINITY,
                 where(w, j, k, 0) + ": got " + std::to_string(static_cast<std::int32_t>(got)) + ", replay gives " +
                     std::to_string(static_cast<std::int32_t>(want[k])));
        }
      }
    }
  } else {
    const double u = format_unit_roundoff(layout.format);
    r.method = "fp64 replay of every chain of " + std::to_string(items.size()) + " work-items (" + std::to_string(in.steps) +
               " steps), tolerance 16 * steps * u * max|value|";
    const std::vector<double> init = decode(layout.format, *in.init);
    const std::vector<double> coef = decode(layout.format, *in.coef);
    const std::vector<double> out = decode(layout.format, *in.out);
    for (std::int64_t w : items) {
      for (int j = 0; j < in.chains; ++j) {
        for (int lane = 0; lane < layout.lanes; ++lane) {
          const auto at = [&](int k) { return static_cast<std::size_t>((w * per_item + k * in.chains + j) * layout.lanes + lane); };
          const double a = coef[static_cast<std::size_t>(lane)], b = coef[static_cast<std::size_t>(layout.lanes + lane)];
          double x = init[at(0)], y = init[at(1)];
          double magnitude = std::max(std::fabs(x), std::fabs(y));
          for (int s = 0; s < in.steps; ++s) {
            x = std::fma(a, y, x);
            y = std::fma(b, x, y);
            magnitude = std::max({magnitude, std::fabs(x), std::fabs(y)});
          }
          const double tolerance = kReplayToleranceFactor * in.steps * u * magnitude;
          const double want[2] = {x, y};
          for (int k = 0; k < 2; ++k) {
            const double got = out[at(k)];
            ++r.elements_checked;
            if (!std::isfinite(got)) {
              ++r.nonfinite_outputs;
              note(r, first, INFINITY, where(w, j, k, lane) + " is " + value_text(got) + " (not written, or overflowed)");
              continue;
            }
            const double error = std::fabs(got - want[k]);
            const double ratio = tolerance > 0 ? error / tolerance : (error > 0 ? INFINITY : 0);
            note(r, first, ratio,
                 where(w, j, k, lane) + ": got " + value_text(got) + ", replay gives " + value_text(want[k]) + " (error " +
                     value_text(error) + " > tolerance " + value_text(tolerance) + ")");
          }
        }
      }
    }
  }
  r.ok = first.detail.empty() && r.elements_checked > 0;
  r.detail = first.detail;
  if (r.elements_checked == 0) r.detail = "nothing was checked";
  return r;
}

nlohmann::json run_peak_case(Device& device, const CaseSpec& spec, const std::string& backend) {
  if (spec.tier == "native") return run_native_peak_case(device, spec, backend);
  nlohmann::json rec = case_record_base(spec);
  const DeviceInfo& info = device.info();
  PeakConfig config = default_peak_config(info);
  const std::optional<std::string> bad_override = apply_overrides(config, spec.extra_defines);
  const std::int64_t work_items = static_cast<std::int64_t>(std::max(info.compute_units, 1)) * config.groups_per_cu * config.wg;
  rec["flops"] = peak_flops(spec.dtype, config, work_items, config.iterations);
  if (spec.tier != "portable") {
    rec["reason"] = "the " + spec.tier + " tier has no peak kernel (the portable FMA chains measure the vector units; "
                    "--tier native the matrix units)";
    return rec;
  }
  if (bad_override) {
    rec["status"] = "failed";
    rec["reason"] = *bad_override;
    return rec;
  }
  if (auto why = peak_can_implement(info, spec.dtype)) {
    rec["reason"] = *why;
    return rec;
  }
  nlohmann::json defs = nlohmann::json::object();
  for (const auto& d : spec.extra_defines) defs[d.name] = d.value;
  for (const auto& d : config.defines()) defs[d.name] = d.value;
  rec["kernel"] = {{"name", kPeakEntry},
                   {"source", "kernels/portable/peak.cl"},
                   {"config", config.to_json()},
                   {"defines", defs},
                   {"work_items", work_items},
                   {"ops_per_fma", peak_ops_per_fma(spec.dtype)},
                   {"verify_iterations", kPeakVerifyIterations}};

  run_guarded(rec, [&] {
    const PeakLayout layout = peak_layout(spec.dtype);
    const auto values = static_cast<std::size_t>(work_items) * 2 * static_cast<std::size_t>(config.chains);
    // init: (work_items, 2, chains) chain values x then y, random in [-1, 1] (int8: [-16, 16] bytes).
    const HostMatrix init = random_matrix(layout.format, values * static_cast<std::size_t>(layout.lanes), spec.seed * 7 + 1);
    // coef: (2,) a, b. Floats: b = -a with |a| in [0.25, 0.75], a rotation (see peak.cl);
    // int8: random packed bytes.
    HostMatrix coef;
    if (spec.dtype == DType::int8) {
      coef = random_matrix(layout.format, 2 * 4, spec.seed * 7 + 2);
    } else {
      SplitMix64 rng(spec.seed * 7 + 2);
      std::vector<double> ab;
      for (int lane = 0; lane < layout.lanes; ++lane) ab.push_back(0.25 + 0.5 * std::fabs(rng.uniform_pm1()));
      for (int lane = 0; lane < layout.lanes; ++lane) ab.push_back(-ab[static_cast<std::size_t>(lane)]);
      coef = encode(layout.format, ab);
    }
    const ElementFormat out_format = spec.dtype == DType::int8 ? ElementFormat::i32 : layout.format;

    BufferSet bufs(device);
    const Buffer d_init = bufs.alloc(init.bytes.size());
    const Buffer d_coef = bufs.alloc(coef.bytes.size());
    const Buffer d_out = bufs.alloc(init.bytes.size());
    device.upload(d_init, init.bytes.data(), init.bytes.size());
    device.upload(d_coef, coef.bytes.data(), coef.bytes.size());
    const auto poison = nan_pattern(out_format);
    device.fill(d_out, poison.data(), poison.size());

    std::vector<Define> defines = spec.extra_defines;  // the config's values last: they are what the host assumes
    for (const auto& d : config.defines()) defines.push_back(d);
    defines.push_back({dtype_define(to_string(spec.dtype)), "1"});
    Kernel kernel;
    try {
      kernel = device.compile(std::string(portable_kernel_source("peak")), kPeakEntry, defines);
    } catch (const BackendError& e) {
      if (e.kind != BackendError::Kind::compile_failed ||
          (e.log.find(kNoInt8DotMarker) == std::string::npos && std::string(e.what()).find(kNoInt8DotMarker) == std::string::npos))
        throw;
      rec["reason"] = "no int8 dot-product instruction for " + info.arch +
                      " in this backend's dialect (CUDA: dp4a, sm_61+; HIP: v_dot4_i32_i8, gfx906/908/90a; "
                      "OpenCL: cl_khr_integer_dot_product)";
      return;
    }
    rec["kernel"]["from_cache"] = kernel.from_cache;
    rec["kernel"]["compile_s"] = kernel.compile_seconds;
    const Dim3 grid{static_cast<std::size_t>(work_items / config.wg), 1, 1};
    const Dim3 block{static_cast<std::size_t>(config.wg), 1, 1};
    const auto launch_args = [&](int iterations, float limit) {
      return std::vector<KernelArg>{KernelArg::i32(iterations), KernelArg::f32(limit), KernelArg::buf(d_init),
                                    KernelArg::buf(d_coef), KernelArg::buf(d_out)};
    };

    // Verification: the same binary for a few trips, every chain stored (limit -FLT_MAX).
    device.launch(kernel, grid, block, 0, launch_args(kPeakVerifyIterations, -FLT_MAX));
    device.synchronize();
    std::vector<unsigned char> out(init.bytes.size());
    device.download(out.data(), d_out, out.size());
    PeakCheckInput check{spec.dtype, config.chains, kPeakVerifyIterations * config.unroll, work_items, &init.bytes, &coef.bytes, &out,
                         spec.seed ^ 0x9eafULL};
    if (!record_verification(rec, verify_peak(check))) return;

    // Timed: the full loop, nothing stored (no sum of a bounded orbit exceeds FLT_MAX).
    const std::vector<KernelArg> args = launch_args(config.iterations, FLT_MAX);
    measure_into(rec, device, [&device, kernel, grid, block, args] { device.launch(kernel, grid, block, 0, args); }, spec);
  });
  return rec;
}

}  // namespace suanli
