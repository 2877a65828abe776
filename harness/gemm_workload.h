// The GEMM workload: C(M,N) = alpha·A(M,K)·B(K,N), row-major, on the portable and vendor
// tiers. Declares its work (FLOPs), verifies, and hands timing to the measurement engine.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"

namespace suanli {

// Tunables of kernels/portable/gemm.cl (see the #ifndef defaults there).
struct GemmConfig {
  std::string name;  // the row of the table it came from
  int tile_m = 0, tile_n = 0, tile_k = 0;  // output tile per work-group, K step in local memory
  int wpt_m = 0, wpt_n = 0;                // outputs per work-item (the register block)
  int pad = 0;                             // local-memory row padding
  std::vector<Define> defines() const;
  nlohmann::json to_json() const;
};

// The default configuration per device class, a table of data (tuned values live in
// results/tuning/ once the tuner exists).
GemmConfig default_gemm_config(const DeviceInfo& device, DType dtype);

// Why the portable kernel cannot run this case, or nullopt when it can.
std::optional<std::string> portable_gemm_can_implement(const DeviceInfo& device, DType dtype, const GemmConfig& config);

// Bytes of A, B and C; a case that does not fit is skipped, not attempted.
std::optional<std::string> gemm_memory_check(const DeviceInfo& device, DType dtype, const GemmShape& shape);

// Runs one case on an open device: can_implement, inputs, first run, verification, timing.
// Returns the case record (results schema, without the peak/percent fields the parent adds).
// Never throws for a device-side failure: it becomes status "failed" / "skipped".
nlohmann::json run_gemm_case(Device& device, const CaseSpec& spec);

}  // namespace suanli
