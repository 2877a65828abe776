// Native kernels (backend-specific, tensor / matrix cores) as data: which backend and
// architectures each serves, its dtypes, its embedded source, entry point, tunables and
// launch geometry. The harness (harness/native_gemm.h) decides and launches from this
// table, and suanli_nvrtc_check / suanli_hiprtc_check compile native_variants(), so what CI
// compiles for sm_80 / sm_90a and gfx908 / gfx90a is what a GPU run compiles.
#pragma once

#include <cstddef>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

// Tunables of a native GEMM (the #ifndef defaults of kernels/cuda/gemm_mma_sync.cu,
// kernels/hip/gemm_mfma.hip and kernels/hip/gemm_dot2.hip), passed as <define_prefix>_BLOCK_M and so on.
struct NativeGemmTile {
  int block_m = 128, block_n = 128, block_k = 32;  // output tile per block, K slice per stage
  int warps_m = 2, warps_n = 4;                    // warps (HIP: wavefronts) per block along M and N
  int stages = 4;                                  // shared-memory pipeline depth
  int group_m = 8;                                 // tile rows per group of the block order (0: none)
  // Shared memory per stage: A as (block_m, block_k + pad); B as (block_k, block_n + pad), or
  // with b_k_contiguous (block_n, block_k + pad), i.e. stored transposed.
  int pad = 8;
  bool b_k_contiguous = false;
  int b_pad = -1;  // B's row padding when it differs from A's (-1: pad)
  // A stored K-major, (block_k, block_m + pad) elements per stage: the dot2 kernel's rows of
  // K-pair words (kernels/hip/gemm_dot2.hip).
  bool a_k_rows = false;
};

struct NativeGemmKernel {
  std::string name;         // also the entry point: "gemm_mma_sync"
  std::string backend;      // the plugin it runs on: "cuda" or "hip"
  int min_sm = 0;           // cuda: lowest compute capability × 10 (80: sm_80)
  // hip: the gfx processors it is written for ("gfx90a"); cuda: when set, the only archs
  // it runs on ("sm_90a": wgmma exists neither before nor after Hopper's "a" feature set).
  std::vector<std::string> archs;
  std::vector<std::string> dtypes;  // "fp16", "bf16"
  std::string source;       // native_kernel_source() name
  std::string source_path;  // in the repository, for records
  NativeGemmTile tile;
  std::string define_prefix = "GEMM_MMA";  // of the tunables' -D names
  int wave_size = 32;                      // threads per warp / wavefront
  // Set to 1 when every row of A and B starts 16-byte aligned (K and N multiples of
  // row_align_elements): the kernel then loads tiles with 16-byte cp.async; 0 selects its
  // element-wise path for any leading dimension. Empty: one path for every shape.
  std::string row_align_define;
  int row_align_elements = 8;
  int element_bytes = 2;    // of A, B and C
  // Instructions the compiled PTX (hip: the disassembled code object) must contain (per
  // dtype: "{t}" is the PTX type name, or the MFMA mnemonic's type part), checked by
  // suanli_nvrtc_check / suanli_hiprtc_check: proof that the matrix-unit path was generated.
  std::vector<std::string> ptx_requires;         // every variant
  std::vector<std::string> ptx_requires_aligned;  // the row-aligned variant only
  // B stored as (N, K) row-major (K-contiguous, the "TN" layout): the int8 row, whose mma
  // wants four K-consecutive bytes of B per register. The harness uploads B that way.
  bool b_nk = false;
  // Loaded by TMA (Hopper's tensor memory accelerator): the kernel takes tensor maps of A
  // (M, K) and B (N, K) instead of pointers, (M, N, K, alpha, beta, a_map, b_map, c), and is
  // persistent: min(tiles, SMs) blocks walk the tiles. Its dynamic shared memory adds 1024
  // bytes of alignment slack and two 8-byte mbarriers per stage.
  bool tma = false;
  // Warps that only load (a producer warpgroup), beside the warps_m × warps_n that multiply.
  int producer_warps = 0;
  // hip: what the kernel's archs have that others lack, for can_implement's reason on another
  // arch ("{archs}": the list), and why it has only its dtypes ("": nothing to add).
  std::string hip_needs = "AMD matrix cores (MFMA: {archs})";
  std::string dtypes_note = "";
};

// Every native GEMM kernel of every backend.
const std::vector<NativeGemmKernel>& native_gemm_kernels();

// Native kernels of the peak workload (matrix-unit ceilings): a throughput kernel per
// backend, with its tunables and launch shape (kernels/cuda/peak_mma_sync.cu,
// kernels/hip/peak_mfma.hip).
struct NativePeakKernel {
  std::string name;         // also the entry point: "peak_mma_sync"
  std::string backend;      // "cuda" or "hip"
  int min_sm = 0;           // cuda: lowest compute capability x 10
  std::vector<std::string> archs;  // hip: the gfx processors it is written for; cuda: see native_gemm
  std::vector<std::string> dtypes;
  std::string source;       // native_kernel_source() name
  std::string source_path;  // in the repository, for records
  int chains = 8;           // <prefix>_CHAINS: independent accumulators per warp
  int warps = 8;            // <prefix>_WARPS: warps (HIP: wavefronts) per block
  int unroll = 4;           // <prefix>_UNROLL
  int blocks_per_cu = 4;    // blocks launched per SM / CU
  int iterations = 32768;   // loop trips of a timed launch (exactness bound: see the kernel)
  double flops_per_instruction = 4096;  // per trip per chain per warp: 2 * 16 * 8 * 16 for one mma
  std::vector<std::string> ptx_requires;  // "{t}": the PTX type name (hip: ISA mnemonics)
  std::string define_prefix = "PEAK_MMA";
  // Threads of the unit the fragment tables describe: a warp (32), a wavefront (64) or a
  // warpgroup (128: peak_wgmma; its "warps" are warpgroups).
  int wave_size = 32;
  // The fragment tables the host replay uses (harness/native_peak.h): "mma_m16n8k16",
  // "mfma_32x32x8" or "wgmma_m64n128k16" (1-byte dtypes: fragment_layout_8bit).
  std::string fragment_layout = "mma_m16n8k16";
  // cuda: when set, the only archs it runs on; what archs below min_sm lack (for the reason).
  std::string lower_lacks = "bf16 mma.sync.m16n8k16";
  // Dynamic shared memory per warp (warpgroup); when set, plus 1024 bytes of alignment slack.
  int shared_bytes_per_warp = 0;
  std::string hip_needs = "AMD matrix cores (MFMA: {archs})";  // as NativeGemmKernel's
  // The 1-byte dtypes (fp8, int8) pack four elements where the others pack two, so the
  // instruction on the same registers (shared-memory rows) has twice the K: twice
  // flops_per_instruction (int8: OPS), these replay tables ("mma_m16n8k32",
  // "wgmma_m64n128k32") and this PTX in place of ptx_requires.
  std::string fragment_layout_8bit = {};
  std::vector<std::string> ptx_requires_8bit = {};  // "{acc}": s32 for int8, else f32
  // cuda: a dtype that needs a later arch than min_sm (fp8 mma.sync: sm_89), what the archs
  // below lack (for the reason), and the archs its compile check targets.
  struct DtypeMinSm {
    std::string dtype;
    int min_sm = 0;
    std::string lacks;
    std::vector<std::string> check_archs;
  };
  std::vector<DtypeMinSm> dtype_min_sm = {};
};

// Whether `dtype` has 1-byte elements (fp8, int8): the *_8bit fields of NativePeakKernel apply.
bool native_peak_8bit(const std::string& dtype);
// FLOPs (int8: OPS) of one instruction of `k` for `dtype`, per warp (warpgroup).
double native_peak_flops_per_instruction(const NativePeakKernel& k, const std::string& dtype);
// The fragment tables of `k` for `dtype` (harness/native_peak.h, peak_fragment_layout).
const std::string& native_peak_fragment_layout(const NativePeakKernel& k, const std::string& dtype);

// Dynamic shared memory of a block of `k` (0 for the register-only kernels).
std::size_t native_peak_shared_bytes(const NativePeakKernel& k);

// Native kernels of the attention workload (kernels/cuda/attention_wgmma.cu,
// attention_mma_sync.cu, kernels/hip/attention_mfma.hip): one compile per dtype and head-dim
// bound; a case runs the smallest bound that holds its D. All take the same scalar arguments
// on the same grid (ceil(Sq / block_q), H, B); a tma kernel takes q, k, v as tensor maps.
struct NativeAttentionKernel {
  std::string name;         // also the entry point: "attention_mma_sync"
  std::string backend;      // "cuda" or "hip"
  int min_sm = 0;           // cuda: lowest compute capability x 10
  // hip: the gfx processors it is written for; cuda: when set, the only archs it runs on
  // ("sm_90a": wgmma), as NativeGemmKernel's.
  std::vector<std::string> archs;
  std::vector<std::string> dtypes;
  std::string source;       // native_kernel_source() name
  std::string source_path;  // in the repository, for records
  std::vector<int> head_dims;  // <prefix>_HEAD_DIM variants, ascending
  int warps = 4;            // <prefix>_WARPS: warps (HIP: wavefronts) of rows_per_warp query rows (consumers)
  int block_kv = 64;        // <prefix>_BLOCK_KV: keys per tile
  int d_multiple = 8;       // D must be a multiple: rows of whole d_multiple-element loads (cp.async: 16 bytes)
  int element_bytes = 2;
  std::vector<std::string> ptx_requires;  // "{t}": the PTX type name (hip: the MFMA mnemonic's)
  std::string define_prefix = "ATTN_MMA";  // of the tunables' -D names
  int wave_size = 32;       // threads per warp / wavefront
  int rows_per_warp = 16;   // query rows of one warp: 16 (mma m16) or 32 (MFMA 32x32)
  // Shared memory: false, Q and double-buffered K and V tiles, rows padded to head_dim + 8
  // (attention_mma_sync); true, one K tile (block_kv, head_dim + 4) and one Vᵀ tile
  // (head_dim, block_kv + 4), Q in registers (attention_mfma).
  bool lds_k_and_v_transposed = false;
  // Loaded by TMA (attention_wgmma): q as a (B·H·Sq, D) and k, v as (B·Hkv·Skv, D) tensor maps,
  // boxes of (block_q or block_kv rows, 128 bytes), 128-byte swizzle, instead of pointers. Its
  // shared memory: 1024 bytes of alignment slack, Q, `stages` K and V tiles (head_dim columns,
  // unpadded) and 8-byte mbarriers (Q's, a full and an empty one per stage).
  bool tma = false;
  int stages = 0;           // <prefix>_STAGES when set: the K / V ring's depth
  int producer_warps = 0;   // warps that only load (a producer warpgroup), beside `warps`
  // cuda: what the archs below min_sm (or outside archs) lack, for can_implement's reason.
  std::string lower_lacks = "cp.async, bf16 mma.sync";
  std::string hip_needs = "AMD matrix cores (MFMA: {archs})";  // as NativeGemmKernel's
};

// Every native attention kernel of every backend.
const std::vector<NativeAttentionKernel>& native_attention_kernels();

// Threads per block (producer warps included), query rows per block, dynamic shared memory
// per block (the layout of lds_k_and_v_transposed, or tma's).
int native_attention_threads(const NativeAttentionKernel& k);
int native_attention_block_q(const NativeAttentionKernel& k);
std::size_t native_attention_shared_bytes(const NativeAttentionKernel& k, int head_dim);

// The defines a backend compiles a native attention kernel with: tunables, head-dim bound, dtype.
std::vector<Define> native_attention_defines(const NativeAttentionKernel& k, const std::string& dtype, int head_dim);

// Every native peak kernel of every backend.
const std::vector<NativePeakKernel>& native_peak_kernels();

// The defines a backend compiles a native peak kernel with: tunables and dtype.
std::vector<Define> native_peak_defines(const NativePeakKernel& k, const std::string& dtype);

// "f16" for "fp16", "e4m3" for "fp8", "s8" for "int8", else the dtype ("bf16", "tf32"): the PTX
// type name in mma instructions.
std::string ptx_type_name(const std::string& dtype);

// "gfx90a" from "gfx90a:sramecc+:xnack-": the processor, without target features.
std::string gfx_processor(const std::string& arch);

// Threads per block, dynamic shared memory per block, blocks for an M x N output.
int native_gemm_threads(const NativeGemmKernel& k);
std::size_t native_gemm_shared_bytes(const NativeGemmKernel& k);
Dim3 native_gemm_block(const NativeGemmKernel& k);
// A persistent (tma) kernel launches min(tiles, compute_units) blocks (compute_units 0: one per tile).
Dim3 native_gemm_grid(const NativeGemmKernel& k, std::size_t m, std::size_t n, int compute_units = 0);

// The defines a backend compiles the kernel with: tunables, dtype, row alignment.
std::vector<Define> native_gemm_defines(const NativeGemmKernel& k, const std::string& dtype, bool row_aligned);

// One compile of the check: kernel × dtype × alignment variant, at the default tile (and
// every native attention kernel × dtype × head-dim bound, config "hd64"..., and every
// native peak kernel × dtype, config "default").
struct NativeVariant {
  std::string kernel;   // NativeGemmKernel::name (and entry)
  std::string backend;
  std::string source;   // native_kernel_source() name
  std::string dtype;
  std::string config;   // "default/row-aligned", "default/any-ld"
  std::vector<Define> defines;
  std::vector<std::string> ptx_requires;  // with "{t}" already replaced
  // The archs to compile for (cuda: empty = every arch of the check), and per arch
  // instructions that replace ptx_requires
  // where the arch uses other ones (gfx908 bf16: the pre-"_1k" MFMA).
  std::vector<std::string> archs;
  std::vector<std::pair<std::string, std::vector<std::string>>> isa_requires_by_arch;
};
std::vector<NativeVariant> native_variants();

// The instructions variant `v` must contain when compiled for `arch`.
const std::vector<std::string>& native_required_instructions(const NativeVariant& v, const std::string& arch);

// The embedded native source of a kernel, as compiled (kernels/cuda/*.cu, kernels/hip/*.hip):
// a kernel written against a shared prelude (kernels/cuda/mma_sync_common.cuh for the
// mma.sync kernels) comes with the prelude in front. Throws std::out_of_range for an
// unknown name.
const std::string& native_kernel_source(std::string_view name);

// kernels/cuda/verified_on.json, embedded: which (kernel, dtype, arch) were verified on hardware.
std::string_view native_verified_on_json();

}  // namespace suanli
