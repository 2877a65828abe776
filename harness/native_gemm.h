// The GEMM workload's native tier: this project's own tensor-core kernels
// (kernels/native_catalog.h), chosen per device, launched with their own geometry, and
// verified and timed by run_gemm_case exactly as the portable tier is.
//
// A native kernel that passes its fp64 verification on a device it has never been checked
// on (kernels/cuda/verified_on.json) is recorded with status "unverified": its numbers are
// kept, but it is no result (never a best, a record or a comparison baseline) until a
// reviewed run on that arch is added to the list.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "harness/shapes.h"
#include "kernels/native_catalog.h"

namespace suanli {

// 90 for "sm_90a", 80 for "sm_80", 120 for "sm_120"; nullopt for anything else.
std::optional<int> sm_version(const std::string& arch);

// Dynamic shared memory a block may opt in to on sm_<sm> (CUDA programming guide,
// "Technical Specifications per Compute Capability"; the smallest of sm_80+ when not listed).
std::size_t cuda_shared_optin_bytes(int sm);

// LDS a workgroup may use on gfx908 / gfx90a / gfx942 (and gfx906): the limit of the HIP kernels.
constexpr std::size_t kHipLdsBytes = 64 * 1024;

// The checks every native CUDA kernel starts with: the plugin `backend` is the kernel's, the
// arch an sm_ arch of at least `min_sm` (`lower_lacks`: what older archs miss, for the
// reason) and, when `archs` names any, one of them (wgmma: "sm_90a"), `dtype` one of the
// kernel's, and fp16 arithmetic for fp16. nullopt when all hold.
std::optional<std::string> native_cuda_target_reason(const std::string& kernel, const std::string& kernel_backend, int min_sm,
                                                     const std::vector<std::string>& archs,
                                                     const std::vector<std::string>& dtypes, const std::string& lower_lacks,
                                                     const std::string& backend, const DeviceInfo& device, DType dtype);

// The first kernel of a native table that `can_implement` accepts (it returns the reason
// it cannot run, or nullopt); otherwise nullptr, and `why` lists the distinct reasons
// (`none` when the table is empty). The other plugins' kernels are passed over: their
// reasons say nothing about this device; when the table has none for plugin `backend`, `why`
// says so and names the plugins it is written for.
// With `only` set, the table's kernels of other names are passed over too (the user's choice).
template <class Kernel, class CanImplement>
const Kernel* first_native_kernel(const std::vector<Kernel>& table, const std::string& backend,
                                  const CanImplement& can_implement, std::string& why, const std::string& none,
                                  const std::string& only = "") {
  why.clear();
  // A plugin the table has no kernel for (OpenCL, a third-party plugin): one reason naming
  // the plugins the native tier is written for, not every other plugin's kernel refusing.
  std::string written_for;
  bool any_for_backend = false;
  for (const Kernel& k : table) {
    any_for_backend = any_for_backend || k.backend == backend;
    if (written_for.find(k.backend) == std::string::npos) written_for += (written_for.empty() ? "" : " and ") + k.backend;
  }
  if (!table.empty() && !any_for_backend) {
    why = "the native tier has no kernels for the " + backend + " backend (they are written for " + written_for + ")";
    return nullptr;
  }
  for (const Kernel& k : table) {
    if (k.backend != backend) continue;
    if (!only.empty() && k.name != only) continue;
    const std::optional<std::string> reason = can_implement(k);
    if (!reason) return &k;
    if (why.find(*reason) == std::string::npos) why += (why.empty() ? "" : "; ") + *reason;
  }
  if (why.empty()) why = only.empty() ? none : "no native kernel named " + only + " for the " + backend + " backend";
  return nullptr;
}
// The same for a native HIP kernel: the plugin is "hip", the device's gfx processor (target
// features such as ":sramecc+:xnack-" stripped) one of `archs`, else a reason from `hip_needs`
// (what the archs have, "{archs}" their list) naming what is missing on the known others
// (gfx906 and Hygon's DCUs); then dtype (with `dtypes_note`, why only those, when not empty)
// and fp16 as above.
std::optional<std::string> native_hip_target_reason(const std::string& kernel, const std::string& kernel_backend,
                                                    const std::vector<std::string>& archs, const std::string& hip_needs,
                                                    const std::vector<std::string>& dtypes, const std::string& dtypes_note,
                                                    const std::string& backend, const DeviceInfo& device, DType dtype);

// Why kernel `k` cannot run (dtype, shape) on this device of plugin `backend`, or nullopt.
std::optional<std::string> native_gemm_can_implement(const NativeGemmKernel& k, const std::string& backend,
                                                     const DeviceInfo& device, DType dtype, const GemmShape& shape);

// A kernel of the table that can run the case, and which of its load paths.
struct NativeGemmChoice {
  const NativeGemmKernel* kernel = nullptr;
  bool row_aligned = false;  // K and N multiples of row_align_elements: 16-byte cp.async
};

// The first kernel of the table that can run the case; otherwise `why` gets the reasons (of
// the kernels for this plugin when there are any, else of all). `only`: the kernel the user
// named (--native-kernel), "" for any.
std::optional<NativeGemmChoice> choose_native_gemm(const std::string& backend, const DeviceInfo& device, DType dtype,
                                                   const GemmShape& shape, std::string& why, const std::string& only = "");

// The case record's "kernel" section for a choice.
nlohmann::json native_gemm_kernel_json(const NativeGemmChoice& choice, const CaseSpec& spec);

// Compiles the chosen kernel and returns the call that launches it on C(M, N) = A(M, K)·B(K, N)
// (a: (M, K), b: (K, N), c: (M, N), all row-major); compile facts go into `kernel_rec`.
std::function<void()> native_gemm_enqueue(Device& device, const NativeGemmChoice& choice, const CaseSpec& spec,
                                          const GemmProblem& problem, Buffer a, Buffer b, Buffer c,
                                          nlohmann::json& kernel_rec);

// Why a kernel verified in this run is still "unverified" on this device: nullopt when
// `verified_on` (the kernels/cuda/verified_on.json document) lists (kernel, dtype, arch).
// Throws std::invalid_argument for a malformed document.
std::optional<std::string> native_unverified_reason(const std::string& kernel, const std::string& dtype,
                                                    const std::string& arch, const nlohmann::json& verified_on);

// Turns an "ok" native record into "unverified" (numbers kept, with the reason) unless the
// embedded verified_on.json lists its kernel, dtype and arch. Other statuses are left alone.
void apply_native_verified_on(nlohmann::json& rec, const std::string& kernel, const std::string& dtype,
                              const std::string& arch);

}  // namespace suanli
