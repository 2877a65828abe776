// Tunables of kernels/portable/gemm.cl as data: the default configuration per device
// class and dtype. Read by the harness (to launch) and by the compile checks (to compile
// every config for every target). Tuned per-device entries will live in results/tuning/.
#pragma once

namespace suanli {

enum class GemmDeviceClass { cpu, gpu, other };
enum class GemmConfigDType { any, fp32, fp64, fp16 };

// Which entry point of kernels/portable/gemm.cl a row configures.
enum class GemmKernel { smem_tiled, packed_panel };

// The fields mean, per kernel:
//   smem_tiled:   TILE_M x TILE_N outputs per work-group, K staged in TILE_K steps; each
//                 work-item a WPT_M x WPT_N register block; PAD local-memory row padding.
//   packed_panel: one work-item per group owns TILE_M x TILE_N outputs (TILE_N = VW * NV),
//                 K in TILE_K steps (the packed panel's depth); register block WPT_M x
//                 TILE_N (WPT_N = TILE_N); VW the SIMD width of its vectors; PAD unused (0).
struct GemmConfigRow {
  GemmDeviceClass device_class;
  GemmConfigDType dtype;       // `any` applies when no row names the dtype
  const char* name;
  int tile_m, tile_n, tile_k;  // output tile per work-group; K step staged in local memory
  int wpt_m, wpt_n;            // outputs per work-item: the register block
  int pad;                     // local-memory row padding (GPU bank conflicts)
  GemmKernel kernel = GemmKernel::smem_tiled;
  int vw = 1;                  // packed_panel: vector width
};

// CPU rows, PoCL 3.1 / 2-core Xeon AVX-512, 2048^3 (docs/PERFORMANCE.md): packed_panel
// (one work-item, a packed B panel, 8 x 2 vectors of accumulators) measured 67.5 GFLOPS
// fp32 against 14.5 for the best smem_tiled row, whose local-memory reads PoCL turns into
// gathers (8x2 for fp32, 8x4 for fp64 were its best blocks). fp16 keeps smem_tiled
// (packed_panel has no fp16). Per-device tuned rows live in results/tuning/ (suanli tune). GPU rows: 128x128 tiles with 8x8 outputs per thread keep 256 threads
// busy and reuse every loaded value 8 times from registers; fp64 at 8x8 needs ~212
// registers (one block per SM), so it uses 4x4. PAD 1 because the A tile is stored
// transposed and unpadded rows would put every write in the same shared-memory bank.
inline constexpr GemmConfigRow kGemmDefaultConfigs[] = {
    {GemmDeviceClass::cpu, GemmConfigDType::any, "cpu-default", 64, 32, 32, 8, 2, 0},
    {GemmDeviceClass::cpu, GemmConfigDType::fp32, "cpu-packed-fp32", 128, 32, 256, 8, 32, 0, GemmKernel::packed_panel, 16},
    {GemmDeviceClass::cpu, GemmConfigDType::fp64, "cpu-packed-fp64", 128, 16, 256, 8, 16, 0, GemmKernel::packed_panel, 8},
    {GemmDeviceClass::gpu, GemmConfigDType::any, "gpu-default", 128, 128, 8, 8, 8, 1},
    {GemmDeviceClass::gpu, GemmConfigDType::fp64, "gpu-fp64", 64, 64, 16, 4, 4, 1},
    {GemmDeviceClass::other, GemmConfigDType::any, "generic-default", 64, 64, 16, 4, 4, 1},
};

}  // namespace suanli
