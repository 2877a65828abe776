// Tunables of kernels/portable/gemm.cl as data: the default configuration per device
// class and dtype. Read by the harness (to launch) and by the compile checks (to compile
// every config for every target). Tuned per-device entries will live in results/tuning/.
#pragma once

namespace suanli {

enum class GemmDeviceClass { cpu, gpu, other };
enum class GemmConfigDType { any, fp32, fp64, fp16 };

struct GemmConfigRow {
  GemmDeviceClass device_class;
  GemmConfigDType dtype;       // `any` applies when no row names the dtype
  const char* name;
  int tile_m, tile_n, tile_k;  // output tile per work-group; K step staged in local memory
  int wpt_m, wpt_n;            // outputs per work-item: the register block
  int pad;                     // local-memory row padding (GPU bank conflicts)
};

// CPU rows were measured on PoCL 3.1 / Xeon AVX-512, 2048^3 (docs/PERFORMANCE.md): PoCL
// turns a work-group into loops vectorized across work-items, and the local-memory reads
// become gathers, so the best blocks feed many multiply-adds per gathered value (8x2 for
// fp32, 8x4 for fp64). GPU rows: 128x128 tiles with 8x8 outputs per thread keep 256 threads
// busy and reuse every loaded value 8 times from registers; fp64 at 8x8 needs ~212
// registers (one block per SM), so it uses 4x4. PAD 1 because the A tile is stored
// transposed and unpadded rows would put every write in the same shared-memory bank.
inline constexpr GemmConfigRow kGemmDefaultConfigs[] = {
    {GemmDeviceClass::cpu, GemmConfigDType::any, "cpu-default", 64, 32, 32, 8, 2, 0},
    {GemmDeviceClass::cpu, GemmConfigDType::fp64, "cpu-fp64", 64, 64, 32, 8, 4, 0},
    {GemmDeviceClass::gpu, GemmConfigDType::any, "gpu-default", 128, 128, 8, 8, 8, 1},
    {GemmDeviceClass::gpu, GemmConfigDType::fp64, "gpu-fp64", 64, 64, 16, 4, 4, 1},
    {GemmDeviceClass::other, GemmConfigDType::any, "generic-default", 64, 64, 16, 4, 4, 1},
};

}  // namespace suanli
