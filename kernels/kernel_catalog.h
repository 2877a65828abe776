// Every portable kernel variant as data: kernel source × dtype × config row, with the exact
// defines a backend compiles it with. The harness builds its launches from the same
// functions, and the compile checks (NVRTC, hiprtc) walk portable_variants(), so what CI
// compiles for GPU targets is what a run on those GPUs compiles.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.h"
#include "kernels/attention_configs.h"
#include "kernels/gemm_configs.h"
#include "kernels/peak_configs.h"

namespace suanli {

struct PortableVariant {
  std::string kernel;  // portable_kernel_source() name: "gemm", "attention", "softmax", "peak", "stream"
  std::string entry;   // kernel function name
  std::string dtype;   // "fp32", "fp64", "fp16", "int8" (peak only)
  std::string config;  // config row name
  GemmDeviceClass device_class = GemmDeviceClass::other;
  std::vector<Define> defines;  // tunables + dtype define
};

inline constexpr const char* kGemmEntry = "gemm_smem_tiled";
inline constexpr const char* kGemmPackedEntry = "gemm_packed_panel";
inline constexpr const char* kAttentionEntry = "attention_online_softmax";
inline constexpr const char* kSoftmaxEntry = "softmax_rows_masked";
inline constexpr const char* kPeakEntry = "peak_fma_chains";
inline constexpr const char* kStreamCopyEntry = "stream_copy";
inline constexpr const char* kStreamTriadEntry = "stream_triad";

// "SUANLI_DTYPE_FP32" for "fp32", … (the kernels' dtype switch).
std::string dtype_define(const std::string& dtype);

// The entry point and tunable defines of a gemm configuration (see kernels/gemm_configs.h
// for what each field means per kernel).
const char* gemm_entry(GemmKernel kernel);
const char* to_string(GemmKernel kernel);  // "smem_tiled", "packed_panel"
std::vector<Define> gemm_tunable_defines(GemmKernel kernel, int tile_m, int tile_n, int tile_k, int wpt_m, int wpt_n, int pad,
                                         int vw);
std::vector<Define> attention_tunable_defines(int head_dim, int block_q, int block_kv, int wg);
std::vector<Define> softmax_tunable_defines(int wg);
std::vector<Define> peak_tunable_defines(int chains, int unroll, int wg);
std::vector<Define> stream_tunable_defines(int wg, int chunked);

// Whether a gemm row is the one used for `dtype` ("any" rows yield to a row made for it).
bool gemm_row_applies(const GemmConfigRow& row, const std::string& dtype);

std::vector<PortableVariant> portable_variants();

const char* to_string(GemmDeviceClass c);
// The config-table class of a device type (CPU, GPU, anything else).
GemmDeviceClass device_class_of(DeviceType type);

}  // namespace suanli
