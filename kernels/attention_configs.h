// Tunables of kernels/portable/attention.cl as data: the default configuration per device
// class and head-dim bound. Read by the harness (to launch) and by the compile checks (to
// compile every config for every target). Tuned per-device entries will live in
// results/tuning/.
#pragma once

#include "kernels/gemm_configs.h"  // GemmDeviceClass: the device-class enum, shared

namespace suanli {

struct AttentionConfigRow {
  GemmDeviceClass device_class;
  const char* name;
  int head_dim;  // ATTN_HEAD_DIM: compile-time bound on D (64, 128 or 256; smallest >= D)
  int block_q;   // ATTN_BLOCK_Q: query rows per work-group
  int block_kv;  // ATTN_BLOCK_KV: keys per tile staged in local memory
  int wg;        // ATTN_WG: work-group size (1-D)
};

// CPU rows: PoCL 3.1 / 2-core Xeon AVX-512, fp32, B=1 H=8 S=1024 D=64. A single
// work-item per group is fastest on PoCL (see attention.cl), but its compile time grows
// with the unrolled register blocks: BLOCK_Q 32 x BLOCK_KV 64 took 3.4 minutes, 16 x 32
// about 50 s (both once per device and config, then from the compile cache). hd64, the
// common head dim, takes the 16 x 32 single work-item row; hd128 / hd256 keep 16
// work-items (about 11 GFLOPS at hd64), which compile in seconds, until the tuner
// (issue 9) picks rows per device with the compile time known.
// GPU rows (NVIDIA / AMD): 16 lanes per row group (a half-warp), register blocks of
// 8x2 (S) and 8x4 (O) at head_dim 64; block sizes are picked so that local memory stays
// under 48 KiB (the static shared-memory limit) with several blocks per SM / CU:
// 34 / 38 / 35 KiB for head_dim 64 / 128 / 256. Other (unknown OpenCL devices): under
// 32 KiB, the minimum local memory OpenCL guarantees: 21 / 27 / 26 KiB.
inline constexpr AttentionConfigRow kAttentionDefaultConfigs[] = {
    // 2026-11-29, quiet machine, fp32 B1 H8 S1024 D64, each beside the unfused CLBlast path
    // in the same run: 1 x 16 x 32 22.9 GFLOPS (2.1x unfused; 50 s compile), 1 x 8 x 64 21.0
    // (1.9x), 1 x 8 x 32 20.8 (1.65x; 30 s compile); 16 work-items (64, 16, 64, 16): about 11.
    {GemmDeviceClass::cpu, "cpu-hd64", 64, 16, 32, 1},
    {GemmDeviceClass::cpu, "cpu-hd128", 128, 16, 64, 16},
    {GemmDeviceClass::cpu, "cpu-hd256", 256, 16, 32, 16},
    {GemmDeviceClass::gpu, "gpu-hd64", 64, 64, 32, 128},
    {GemmDeviceClass::gpu, "gpu-hd128", 128, 32, 32, 128},
    {GemmDeviceClass::gpu, "gpu-hd256", 256, 16, 16, 64},
    {GemmDeviceClass::other, "generic-hd64", 64, 32, 32, 64},
    {GemmDeviceClass::other, "generic-hd128", 128, 16, 32, 64},
    {GemmDeviceClass::other, "generic-hd256", 256, 8, 16, 32},
};

// kernels/portable/softmax.cl (the unfused attention path of the vendor tier): work-items
// per score row. CPU: one (no barriers; the row loop vectorizes); GPUs: 256 threads keep
// a row of a few thousand keys streaming; other OpenCL devices: 64.
struct SoftmaxConfigRow {
  GemmDeviceClass device_class;
  const char* name;
  int wg;  // SOFTMAX_WG, a power of two
};

inline constexpr SoftmaxConfigRow kSoftmaxDefaultConfigs[] = {
    {GemmDeviceClass::cpu, "cpu-wg1", 1},
    {GemmDeviceClass::gpu, "gpu-wg256", 256},
    {GemmDeviceClass::other, "generic-wg64", 64},
};

}  // namespace suanli
