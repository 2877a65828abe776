// The stream workload: the measured memory-bandwidth ceiling (kernels/portable/stream.cl,
// copy and triad as in McCalpin's STREAM) over arrays at least 4x the last-level cache,
// filled with seeded random data and checked exactly after timing. Declares the bytes a
// launch moves; the rate is bytes / median time (GB/s, 1e9 bytes per second).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"
#include "harness/verify_gemm.h"

namespace suanli {

inline constexpr std::array<const char*, 2> kStreamOps = {"copy", "triad"};

// Arrays a launch reads or writes: copy 2 (b read, a written), triad 3; 0 for an unknown op.
int stream_arrays(const std::string& op);

// The triad's scalar: a power of two, so b + s*c rounds once whether or not the compiler
// fuses it into an FMA, and the check can be exact.
inline constexpr double kStreamTriadScalar = 2.0;

// Arrays are at least this many times the last-level cache (the STREAM rule), and at
// least kStreamMinArrayBytes, so launch overhead is small on GPUs with a small L2.
inline constexpr double kStreamLlcMultiple = 4.0;
inline constexpr double kStreamMinArrayBytes = 1024.0 * 1024 * 1024;

// Tunables of stream.cl plus the launch (kernels/peak_configs.h holds the table).
struct StreamConfig {
  std::string name;
  int wg = 0, groups_per_cu = 0, chunked = 0;
  std::vector<Define> defines() const;
  nlohmann::json to_json() const;
};

StreamConfig default_stream_config(const DeviceInfo& device);

std::optional<std::string> stream_can_implement(const DeviceInfo& device, DType dtype);

// Elements per array for a case: the user's (`requested` > 0) or sized from the device's
// last-level cache; `skip` says why the arrays cannot be allocated.
struct StreamSizing {
  std::int64_t elements = 0;
  std::string basis;  // how the size was chosen, for the record
  std::optional<std::string> skip;
};
StreamSizing stream_sizing(const DeviceInfo& device, DType dtype, const std::string& op, std::int64_t requested);

// The seeded random array the host uploads (`elements` values uniform in [-1, 1) in the
// dtype's format, fp32 or fp64); the check regenerates it from the seed instead of keeping
// a copy, so the host never holds more than one array.
std::vector<unsigned char> stream_random_array(DType dtype, std::size_t elements, std::uint64_t seed);

// Every element of a compared exactly with b (copy) or b + 2c (triad), b and c regenerated
// from their seeds.
VerifyResult verify_stream(DType dtype, const std::string& op, const std::vector<unsigned char>& a, std::uint64_t seed_b,
                           std::uint64_t seed_c);

// One case: sizing, inputs, poison, timing, then the exact check (never throws).
nlohmann::json run_stream_case(Device& device, const CaseSpec& spec);

}  // namespace suanli
