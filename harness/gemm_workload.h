// The GEMM workload: C(M,N) = alpha·A(M,K)·B(K,N), row-major, on the portable, native
// (harness/native_gemm.h) and vendor tiers. Declares its work (FLOPs), verifies, and hands
// timing to the measurement engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "kernels/gemm_configs.h"

namespace suanli {

// Tunables of kernels/portable/gemm.cl (see the #ifndef defaults there, and
// kernels/gemm_configs.h for what each field means for each entry point).
struct GemmConfig {
  std::string name;  // the table row or tuning entry it came from
  GemmKernel kernel = GemmKernel::smem_tiled;
  int tile_m = 0, tile_n = 0, tile_k = 0;  // output tile per work-group, K step
  int wpt_m = 0, wpt_n = 0;                // outputs per work-item (the register block)
  int pad = 0;                             // local-memory row padding (smem_tiled)
  int vw = 1;                              // vector width (packed_panel)
  std::vector<Define> defines() const;
  nlohmann::json to_json() const;
  const char* entry() const;
  Dim3 block() const;                                // work-group shape
  Dim3 grid(std::size_t m, std::size_t n) const;     // work-groups for an M x N output
};

// The inverse of GemmConfig::to_json; throws std::invalid_argument naming the bad field.
GemmConfig gemm_config_from_json(const nlohmann::json& j);

// The default configuration per device class, a table of data (kernels/gemm_configs.h).
GemmConfig default_gemm_config(const DeviceInfo& device, DType dtype);

// The config a case runs: spec.tuning["config"] when the parent chose one (tuning database
// or tuner candidate), else the default row.
GemmConfig gemm_config_for(const DeviceInfo& device, const CaseSpec& spec);

// Why the portable kernel cannot run this case, or nullopt when it can.
std::optional<std::string> portable_gemm_can_implement(const DeviceInfo& device, DType dtype, const GemmConfig& config);

// Bytes of A, B and C; a case that does not fit is skipped, not attempted.
std::optional<std::string> gemm_memory_check(const DeviceInfo& device, DType dtype, const GemmShape& shape);

// Runs one case on an open device of plugin `backend` ("cuda", "opencl", …: the native
// tier's kernels are written for one backend): can_implement, inputs, first run,
// verification, timing.
// Returns the case record (results schema, without the peak/percent fields the parent adds).
// Never throws for a device-side failure: it becomes status "failed" / "skipped".
nlohmann::json run_gemm_case(Device& device, const CaseSpec& spec, const std::string& backend);

}  // namespace suanli
