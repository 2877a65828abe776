// The peak workload: the measured compute ceiling per dtype (kernels/portable/peak.cl,
// dependent FMA chains). Declares its FLOPs, verifies a short launch against a host
// replay of the same chains, and hands the timed launch to the measurement engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "harness/verify_gemm.h"

namespace suanli {

// Tunables of peak.cl plus the launch (kernels/peak_configs.h holds the table).
struct PeakConfig {
  std::string name;
  int chains = 0, unroll = 0, wg = 0, groups_per_cu = 0, iterations = 0;
  std::vector<Define> defines() const;
  nlohmann::json to_json() const;
};

PeakConfig default_peak_config(const DeviceInfo& device);

// Loop trips of the verification launch: short, so the fp64 replay's tolerance stays
// tight even for fp16 (the timed launch runs the same binary with config.iterations).
inline constexpr int kPeakVerifyIterations = 2;

// Operations one FMA instruction of the kernel performs: 2 (fp64, fp32), 4 (fp16: a half2
// FMA), 8 (int8: a 4-way dot product with accumulate); 0 for a dtype peak.cl lacks.
int peak_ops_per_fma(DType dtype);

// FLOPs (int8: integer operations) of one launch.
double peak_flops(DType dtype, const PeakConfig& config, std::int64_t work_items, int iterations);

// Why the portable peak kernel cannot run this dtype here, or nullopt. (int8 depends on
// the target's instructions: the kernel itself says so at compile time.)
std::optional<std::string> peak_can_implement(const DeviceInfo& device, DType dtype);

// The work-items (or warps) a replay checks: all of them up to `max_items`, else a seeded
// sample of that many that always holds the first and the last.
std::vector<std::int64_t> replayed_items(std::int64_t work_items, int max_items, std::uint64_t seed);

// What a launch of peak.cl stored, and what went in, for verify_peak.
struct PeakCheckInput {
  DType dtype = DType::fp32;
  int chains = 0;
  int steps = 0;                            // iterations x unroll of the checked launch
  std::int64_t work_items = 0;
  const std::vector<unsigned char>* init = nullptr;  // (work_items, 2, chains) in the device format
  const std::vector<unsigned char>* coef = nullptr;  // (2,) a, b
  const std::vector<unsigned char>* out = nullptr;   // what the kernel stored
  std::uint64_t seed = 1;    // which work-items are replayed when there are many
  int max_work_items = 4096;
};

// Replays the chains of (a sample of) the work-items on the host — in fp64 for the float
// dtypes, with tolerance 16 * steps * u * (the chain's largest magnitude); exactly in
// wrapping int32 for int8 — and compares every stored value.
VerifyResult verify_peak(const PeakCheckInput& in);

// One case: can_implement, inputs, verified short launch, timing (never throws). The native
// tier goes to run_native_peak_case (harness/native_peak.h), which needs the plugin's name.
nlohmann::json run_peak_case(Device& device, const CaseSpec& spec, const std::string& backend = "");

}  // namespace suanli
