// The peak workload's native tier: the matrix-unit ceiling per dtype, measured by this
// project's own throughput kernels (kernels/native_catalog.h, native_peak_kernels():
// kernels/cuda/peak_mma_sync.cu). Chosen per device like the native GEMM, verified exactly
// against a host replay before timing, and marked "unverified" on an arch that
// kernels/cuda/verified_on.json does not list (harness/native_gemm.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "harness/verify_gemm.h"
#include "kernels/native_catalog.h"

namespace suanli {

// Why kernel `k` cannot run `dtype` on this device of plugin `backend`, or nullopt.
std::optional<std::string> native_peak_can_implement(const NativePeakKernel& k, const std::string& backend,
                                                     const DeviceInfo& device, DType dtype);

// The first native peak kernel that can run the case; otherwise nullptr and `why` the reasons.
const NativePeakKernel* choose_native_peak(const std::string& backend, const DeviceInfo& device, DType dtype,
                                           std::string& why);

// Warps a launch runs on this device (compute units × blocks per CU × warps per block).
std::int64_t native_peak_warps(const NativePeakKernel& k, const DeviceInfo& device);

// FLOPs of one launch: warps × iterations × chains × flops per instruction.
double native_peak_flops(const NativePeakKernel& k, std::int64_t warps, int iterations);

// What a launch of peak_mma_sync read and stored (layouts in the kernel's header comment).
struct PeakMmaCheckInput {
  DType dtype = DType::fp16;  // fp16 or bf16: how the 16-bit halves of the fragments decode
  int chains = 0;
  int iterations = 0;         // mma trips of the checked launch
  std::int64_t warps = 0;
  const std::vector<std::uint32_t>* a_frags = nullptr;  // (warps, 32, 4)
  const std::vector<std::uint32_t>* b_frags = nullptr;  // (warps, 32, 2)
  const std::vector<float>* c_init = nullptr;           // (warps, chains, 32, 4)
  const std::vector<float>* out = nullptr;              // the same, as stored
  std::uint64_t seed = 1;  // which warps are replayed when there are many
  int max_warps = 512;
};

// Rebuilds each replayed warp's A (16×16) and B (16×8) from its fragments by the PTX ISA's
// m16n8k16 tables, and requires every stored accumulator to equal c_init + iterations·(A·B)
// exactly (the inputs are small integers, so the tensor cores' fp32 sums are exact).
VerifyResult verify_peak_mma(const PeakMmaCheckInput& in);

// Seeded inputs of a launch: fragments of integers in [-3, 3] in the dtype's 16-bit format
// (packed two per register, the lower-indexed element in the low half), c_init integers in
// [-64, 64].
struct PeakMmaInputs {
  std::vector<std::uint32_t> a_frags, b_frags;
  std::vector<float> c_init;
};
PeakMmaInputs peak_mma_inputs(DType dtype, int chains, std::int64_t warps, std::uint64_t seed);

// One native peak case: can_implement, inputs, exact verification launch, timing (never throws).
nlohmann::json run_native_peak_case(Device& device, const CaseSpec& spec, const std::string& backend);

}  // namespace suanli
