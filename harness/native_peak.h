// The peak workload's native tier: the matrix-unit ceiling per dtype, measured by this
// project's own throughput kernels (kernels/native_catalog.h, native_peak_kernels():
// kernels/cuda/peak_mma_sync.cu). Chosen per device like the native GEMM, verified exactly
// against a host replay before timing, and marked "unverified" on an arch that
// kernels/cuda/verified_on.json does not list (harness/native_gemm.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

// The first native peak kernel that can run the case (of those named `only`, when set:
// --native-kernel); otherwise nullptr and `why` the reasons.
const NativePeakKernel* choose_native_peak(const std::string& backend, const DeviceInfo& device, DType dtype,
                                           std::string& why, const std::string& only = "");

// Warps a launch runs on this device (compute units × blocks per CU × warps per block).
std::int64_t native_peak_warps(const NativePeakKernel& k, const DeviceInfo& device);

// FLOPs (int8: OPS, which the records keep under "flops" as the portable peak does) of one
// launch of `dtype`: warps × iterations × chains × flops per instruction.
double native_peak_flops(const NativePeakKernel& k, const std::string& dtype, std::int64_t warps, int iterations);

// Where the matrix elements of one warp's (wavefront's) instruction live: for each lane,
// which element of A (row, k) and of B (k, column) each part (16-bit half, or byte) of its
// fragment words holds, and which element of D each accumulator holds. From the vendor's
// tables: the PTX ISA's m16n8k16 / m16n8k32 fragments (peak_mma_sync), the CDNA 32x32x8
// MFMA layout (peak_mfma), the wgmma accumulator layout (peak_wgmma).
struct PeakFragmentLayout {
  std::string name;     // "mma_m16n8k16"
  std::string source;   // where the tables come from, for the verification record
  int m = 0, n = 0, k = 0;
  int lanes = 0;        // threads of the warp / wavefront
  int a_words = 0, b_words = 0, d_regs = 0;  // per lane
  // (row, k) of part `part` (0: the lowest bits) of A word `word` of `lane`; B: (k, column);
  // D: (row, column).
  std::pair<int, int> (*a_at)(int lane, int word, int part) = nullptr;
  std::pair<int, int> (*b_at)(int lane, int word, int part) = nullptr;
  std::pair<int, int> (*d_at)(int lane, int reg) = nullptr;
  int parts = 2;  // elements per A / B word: two 16-bit, or four 8-bit (fp8, int8)
};
const PeakFragmentLayout& mma_m16n8k16_layout();
const PeakFragmentLayout& mma_m16n8k32_layout();
const PeakFragmentLayout& mfma_32x32x8_layout();
const PeakFragmentLayout& wgmma_m64n128k16_layout();
const PeakFragmentLayout& wgmma_m64n128k32_layout();
// By NativePeakKernel::fragment_layout; throws std::invalid_argument for an unknown name.
const PeakFragmentLayout& peak_fragment_layout(const std::string& name);

// What a launch of peak_mma_sync (or peak_mfma, with its layout) read and stored (layouts in
// the kernels' header comments).
struct PeakMmaCheckInput {
  DType dtype = DType::fp16;  // how the parts of the fragment words decode: fp16, bf16, fp8 (e4m3), int8
  int chains = 0;
  int iterations = 0;         // mma trips of the checked launch
  std::int64_t warps = 0;
  const std::vector<std::uint32_t>* a_frags = nullptr;  // (warps, 32, 4)
  const std::vector<std::uint32_t>* b_frags = nullptr;  // (warps, 32, 2)
  const std::vector<float>* c_init = nullptr;           // (warps, chains, 32, 4)
  const std::vector<float>* out = nullptr;              // the same, as stored
  std::uint64_t seed = 1;  // which warps are replayed when there are many
  int max_warps = 512;
  const PeakFragmentLayout* layout = nullptr;  // nullptr: mma_m16n8k16_layout()
};

// Rebuilds each replayed warp's A (m×k) and B (k×n) from its fragments by the layout's tables
// (the PTX ISA's m16n8k16 ones by default), and requires every stored accumulator to equal
// c_init + iterations·(A·B) exactly (the inputs are small integers, so the matrix units'
// fp32 sums are exact).
VerifyResult verify_peak_mma(const PeakMmaCheckInput& in);

// Seeded inputs of a launch: fragments of integers in [-3, 3] in the dtype's format (packed
// two 16-bit or four 8-bit elements per register, the lower-indexed element in the lowest
// bits), c_init integers in [-64, 64].
struct PeakMmaInputs {
  std::vector<std::uint32_t> a_frags, b_frags;
  std::vector<float> c_init;
};
// Sized for `layout` (nullptr: mma_m16n8k16_layout()), whose `parts` must be the dtype's
// elements per 32-bit word (std::invalid_argument otherwise).
PeakMmaInputs peak_mma_inputs(DType dtype, int chains, std::int64_t warps, std::uint64_t seed,
                              const PeakFragmentLayout* layout = nullptr);

// One native peak case: can_implement, inputs, exact verification launch, timing (never throws).
nlohmann::json run_native_peak_case(Device& device, const CaseSpec& spec, const std::string& backend);

}  // namespace suanli
