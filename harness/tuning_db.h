// The tuning database: results/tuning/<device-key>.json holds, for one device, the best
// kernel configuration `suanli tune` found per (workload, dtype, shape class), with what
// it measured. `suanli run` reads it (harness/tuning_apply.h); a device without an entry
// runs the per-device-class defaults of kernels/*_configs.h.
//
// File format (human-readable, versioned):
//   {"schema_version": 1, "device_key": "...", "device": {name, vendor, backend, driver, ...},
//    "entries": [{"workload": "gemm", "dtype": "fp32", "shape_class": "large",
//                 "config": {...the kernel's config object...},
//                 "measured": {"shape": ..., "gflops": ..., "default_gflops": ..., ...}}]}
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/shapes.h"

namespace suanli {

inline constexpr int kTuningSchemaVersion = 1;

// A database file that cannot be used; what() is one line naming the file and the fault.
struct TuningDbError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TuningEntry {
  std::string workload;     // "gemm" | "attention"
  std::string dtype;        // "fp32", ...
  std::string shape_class;  // gemm_shape_class() / attention_shape_class()
  nlohmann::json config;    // the kernel's config object (GemmConfig / AttentionConfig to_json)
  nlohmann::json measured;  // what the tuner saw: shape, gflops, default, candidates, date
};

struct TuningDb {
  std::string device_key;
  nlohmann::json device;  // identity of the device the entries were measured on
  std::vector<TuningEntry> entries;

  // The entry for exactly this (workload, dtype, shape class), or nullptr.
  const TuningEntry* find(const std::string& workload, const std::string& dtype, const std::string& shape_class) const;
  // Replaces the entry with the same (workload, dtype, shape class), or appends it.
  void upsert(const TuningEntry& entry);
};

// A file-name-safe key for a device on a backend: backend, device name and compute units
// (the same CPU model with another core count is another device for tuning), e.g.
// "opencl-cpu-skylake-avx512-intel-r-xeon-r-cpu-2cu".
std::string tuning_device_key(const std::string& backend, const DeviceInfo& info);

// GEMM shape classes by the geometric mean of M, N, K: "small" (< 384), "medium" (< 1536),
// "large"; they pick different tiles (a large tile wastes a small problem's parallelism).
std::string gemm_shape_class(const GemmShape& shape);
// Attention shape classes by the kernel's head-dim bound: "hd64", "hd128", "hd256".
std::string attention_shape_class(std::int64_t head_dim);

// <dir>/<key>.json
std::string tuning_db_path(const std::string& dir, const std::string& device_key);

// Where `suanli run` and `suanli tune` look by default: $SUANLI_TUNING_DIR when set, else
// the source tree's results/tuning when it exists (a build run from its checkout), else "".
std::string default_tuning_dir();

nlohmann::json to_json(const TuningDb& db);
// Throws TuningDbError (file named) for a file that is not a valid database.
TuningDb tuning_db_from_json(const nlohmann::json& j, const std::string& path);
// Loads `path`; throws TuningDbError when it cannot be read or is not a valid database.
TuningDb load_tuning_db(const std::string& path);
// Writes atomically (a temporary file renamed over the target), creating the directory.
void save_tuning_db(const std::string& path, const TuningDb& db);

}  // namespace suanli
