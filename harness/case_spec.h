// One benchmark case as the parent sends it to a worker (a JSON line over a pipe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/attention_shapes.h"
#include "harness/shapes.h"
#include "harness/stats.h"

namespace suanli {

// Workload "stream": the kernel and the elements per array (0: the worker sizes the arrays
// from the device's last-level cache, harness/stream_workload.h).
struct StreamSpec {
  std::string op = "triad";  // "copy" | "triad"
  std::int64_t elements = 0;
};

struct CaseSpec {
  int id = 0;
  std::string workload = "gemm";
  std::string tier = "portable";  // "portable" | "native" | "vendor"
  DType dtype = DType::fp32;
  GemmShape shape;             // workload "gemm"
  AttentionShape attention;    // workload "attention"
  StreamSpec stream;           // workload "stream" (workload "peak" has no shape)
  bool hot = false;
  std::uint64_t seed = 1;
  SamplingPolicy policy;
  int warmup_runs = 2;
  std::vector<Define> extra_defines;  // appended to the kernel's defines (experiments, tests)
  // Native tier: the kernel to run (--native-kernel); "": the first of the table that can.
  std::string native_kernel;
  // Portable tier: where the kernel config comes from. null: the device class's default
  // row. Otherwise an object recorded in the case's kernel section, with "config" (the
  // config object to run: a tuning-database entry or a tuner candidate) and/or "file",
  // "entry", "error" (which database was consulted and what it said).
  nlohmann::json tuning;
};

nlohmann::json to_json(const CaseSpec& c);
// The "shape" object of a case record: {m, n, k} for gemm, {b, h, h_kv, s_q, s_kv, d,
// causal} for attention, {op [, elements]} for stream (elements only when the user gave
// them: an automatically sized case stays the same case on every device), {} for peak.
nlohmann::json shape_json(const CaseSpec& c);
CaseSpec case_spec_from_json(const nlohmann::json& j);  // throws nlohmann::json::exception

// The fields every case record starts with (identity, shape, inputs), status "skipped"
// with an empty reason until the workload decides otherwise.
nlohmann::json case_record_base(const CaseSpec& c);

nlohmann::json to_json(const DeviceInfo& d);
DeviceInfo device_info_from_json(const nlohmann::json& j);
nlohmann::json to_json(const DeviceState& s);  // unknown fields are null
std::string to_string(DeviceType t);

}  // namespace suanli
