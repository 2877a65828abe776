// The tuner's search spaces: every kernel configuration worth trying for a device, dtype
// and shape, as config objects (GemmConfig / AttentionConfig JSON), each already passed
// through the workload's can_implement — the constraints reject an invalid combination
// before anything is compiled.
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/attention_shapes.h"
#include "harness/dtype.h"

namespace suanli {

std::vector<nlohmann::json> gemm_search_space(const DeviceInfo& device, DType dtype);
std::vector<nlohmann::json> attention_search_space(const DeviceInfo& device, DType dtype, const AttentionShape& shape);

// Indices of the configs in `space` that differ from `center` in exactly one tunable (the
// "name" field aside): the guided phase walks these around the best config so far.
std::vector<std::size_t> config_neighbours(const std::vector<nlohmann::json>& space, const nlohmann::json& center);

// Two configs with the same tunables (names aside).
bool same_tunables(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace suanli
