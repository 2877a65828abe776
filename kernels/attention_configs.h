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

// CPU rows: PoCL 3.1 / 2-core Xeon AVX-512, fp32, B=1 H=8 S=1024 D=64: 16 work-items (one
// AVX-512 vector of lanes) per work-group; the faster single-work-item shape is noted at
// the rows.
// GPU rows (NVIDIA / AMD): 16 lanes per row group (a half-warp), register blocks of
// 8x2 (S) and 8x4 (O) at head_dim 64; block sizes are picked so that local memory stays
// under 48 KiB (the static shared-memory limit) with several blocks per SM / CU:
// 34 / 38 / 35 KiB for head_dim 64 / 128 / 256. Other (unknown OpenCL devices): under
// 32 KiB, the minimum local memory OpenCL guarantees: 21 / 27 / 26 KiB.
inline constexpr AttentionConfigRow kAttentionDefaultConfigs[] = {
    // One work-item with 32 rows measured 2.5x faster than 16 work-items on PoCL, but PoCL
    // took 3.4 minutes to compile it (the register blocks unroll into one huge loop body);
    // a default must not cost minutes on first use, so the CPU rows keep 16 work-items
    // (about 11 GFLOPS at B=1, H=8, S=1024, D=64) until the tuner (issue 9) can pick a
    // faster row per device with its compile time known.
    {GemmDeviceClass::cpu, "cpu-hd64", 64, 16, 64, 16},
    {GemmDeviceClass::cpu, "cpu-hd128", 128, 16, 64, 16},
    {GemmDeviceClass::cpu, "cpu-hd256", 256, 16, 32, 16},
    {GemmDeviceClass::gpu, "gpu-hd64", 64, 64, 32, 128},
    {GemmDeviceClass::gpu, "gpu-hd128", 128, 32, 32, 128},
    {GemmDeviceClass::gpu, "gpu-hd256", 256, 16, 16, 64},
    {GemmDeviceClass::other, "generic-hd64", 64, 32, 32, 64},
    {GemmDeviceClass::other, "generic-hd128", 128, 16, 32, 64},
    {GemmDeviceClass::other, "generic-hd256", 256, 8, 16, 32},
};

}  // namespace suanli
