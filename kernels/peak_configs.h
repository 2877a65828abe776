// Tunables of the ceiling kernels (kernels/portable/peak.cl, kernels/portable/stream.cl)
// as data: the default configuration per device class. Read by the harness (to launch)
// and by the compile checks (to compile every row for every target).
#pragma once

#include "kernels/gemm_configs.h"  // GemmDeviceClass: the device-class enum, shared

namespace suanli {

struct PeakConfigRow {
  GemmDeviceClass device_class;
  const char* name;
  int chains;         // PEAK_CHAINS: independent (x, y) FMA chains per work-item
  int unroll;         // PEAK_UNROLL: steps per loop trip
  int wg;             // PEAK_WG: work-group size (1-D)
  int groups_per_cu;  // work-groups launched per compute unit
  int iterations;     // loop trips of a timed launch (each: unroll steps of 2 FMAs per chain)
};

// GPU: 4 groups of 256 work-items per SM / CU, all resident at once whatever the dtype's
// register count (fp64 uses 40-46 per thread: 8 groups would not fit, and the grid would
// run in 1.3 waves, the last one mostly idle). 8 chains per work-item are 8 independent
// FMAs per warp, and 8 warps per scheduler cover the 4-cycle FMA latency many times over.
// 4096 trips x 16 steps x 2 FMAs x 8 chains = 1M FMAs per work-item: about 4 ms for fp32
// on an H100-class chip, long enough that launch overhead is under 0.2 %.
// CPU (PoCL 3.1): PoCL does not vectorize across work-items around a loop, so one
// work-item per group and enough chains that LLVM's SLP vectorizer packs them: 64 chains
// are 8 ymm registers of x and 8 of y (LLVM keeps to 256-bit vectors on AVX-512 Xeons,
// prefer-vector-width=256), 8 independent vector FMAs in flight = latency 4 x 2 ports.
// Other OpenCL devices: the GPU shape at 64 work-items per group, the size every OpenCL
// device accepts in practice.
inline constexpr PeakConfigRow kPeakDefaultConfigs[] = {
    // 2026-11-30, 2-core Xeon, PoCL, load 1.8-2.9 (other sessions), fp32 median GFLOPS:
    // 64 chains x unroll 8, 1 work-item 109; 128 x 4: 112; 96 x 4: 109; 32 x 16: 51;
    // 8 x 16 at 16 work-items 25 (4-wide SLP only); a barrier per trip (to make PoCL
    // vectorize across work-items) 20. fp64 64 x 8: 59.
    {GemmDeviceClass::cpu, "cpu-peak", 64, 8, 1, 16, 16384},
    {GemmDeviceClass::gpu, "gpu-peak", 8, 16, 256, 4, 4096},
    {GemmDeviceClass::other, "generic-peak", 8, 16, 64, 8, 1024},
};

struct StreamConfigRow {
  GemmDeviceClass device_class;
  const char* name;
  int wg;             // STREAM_WG: work-group size (1-D)
  int groups_per_cu;  // work-groups launched per compute unit
  int chunked;        // STREAM_CHUNKED: 1 = a contiguous block per work-item (CPU)
};

// GPU: a grid-stride loop over 256-thread blocks, 8 per SM / CU (2048 threads: one full
// wave on Hopper / Ampere / CDNA), enough loads in flight to saturate HBM. CPU: one
// contiguous block per work-item, 4 per core, so a core slowed by other load does not hold
// the rest up for long.
inline constexpr StreamConfigRow kStreamDefaultConfigs[] = {
    {GemmDeviceClass::cpu, "cpu-stream", 1, 4, 1},
    {GemmDeviceClass::gpu, "gpu-stream", 256, 8, 0},
    {GemmDeviceClass::other, "generic-stream", 64, 16, 0},
};

}  // namespace suanli
