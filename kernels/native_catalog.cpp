#include "kernels/native_catalog.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "kernels/kernel_catalog.h"

namespace suanli::native_kernels {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::native_kernels

namespace suanli {
namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// Sources written against shared preludes, and those preludes: a kernel listed more than
// once gets them in table order, all in front of it (the attention kernels: their
// instruction prelude, then the online softmax both share).
constexpr std::pair<std::string_view, std::string_view> kPreludes[] = {
    {"gemm_mma_sync", "mma_sync_common"},
    {"attention_mma_sync", "mma_sync_common"},
    {"attention_mma_sync", "online_softmax"},
    {"attention_wgmma", "wgmma_common"},
    {"attention_wgmma", "online_softmax"},
    {"gemm_wgmma", "wgmma_common"},
    {"peak_wgmma", "wgmma_common"},
    {"peak_mma_sync", "mma_sync_common"},
    {"gemm_mfma", "mfma_common"},
    {"attention_mfma", "mfma_common"},
};

// Every embedded file by name, each with its prelude in front.
const std::map<std::string, std::string, std::less<>>& sources() {
  static const std::map<std::string, std::string, std::less<>> all = [] {
    std::map<std::string, std::string, std::less<>> raw, out;
    for (int i = 0; i < native_kernels::kEmbeddedFileCount; ++i)
      raw[std::string(native_kernels::kEmbeddedFiles[i].name)] = std::string(native_kernels::kEmbeddedFiles[i].text);
    out = raw;
    std::map<std::string, std::string> front;
    for (const auto& [kernel, prelude] : kPreludes) front[std::string(kernel)] += raw.at(std::string(prelude)) + "\n";
    for (const auto& [kernel, preludes] : front) out.at(kernel) = preludes + raw.at(kernel);
    return out;
  }();
  return all;
}

// The MFMA processors the HIP kernels are written for: CDNA1 (MI100), CDNA2 (MI200), CDNA3 (MI300).
const std::vector<std::string> kMfmaArchs = {"gfx908", "gfx90a", "gfx942"};

// The MFMA instruction each HIP variant must contain: "{t}" is "f16" or "bf16_1k"
// (hip_isa_type_name); gfx908 has no "_1k" bf16 MFMA and runs two 32x32x4 ones instead.
const std::vector<std::string> kMfmaRequires = {"v_mfma_f32_32x32x8{t}"};
constexpr const char* kMfmaBf16_1k = "v_mfma_f32_32x32x8bf16_1k";
constexpr const char* kMfmaGfx908Bf16 = "v_mfma_f32_32x32x4bf16";

// Vega 20 (MI50 / MI60, Radeon VII, Hygon DCU Z100): no MFMA; its fp16 GEMM is gemm_dot2.
const std::vector<std::string> kDot2Archs = {"gfx906"};

// What proves a wgmma kernel's path was generated: the instruction, the TMA copy, the
// mbarrier wait and the register hand-over between warpgroups.
std::vector<std::string> wgmma_requires(const std::string& instruction) {
  return {instruction, "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes",
          "mbarrier.try_wait.parity.shared::cta.b64", "setmaxnreg.inc.sync.aligned.u32"};
}

// gemm_wgmma's tile: 2 consumer warpgroups of 64 rows × 256 columns, one 128-byte K row per
// stage (BLOCK_K: 64 16-bit or 128 fp8 elements), 4 stages, B kept (N, K) as given.
NativeGemmTile wgmma_tile(int block_k) {
  return NativeGemmTile{.block_m = 128, .block_n = 256, .block_k = block_k, .warps_m = 8, .warps_n = 1, .stages = 4,
                        .group_m = 8, .pad = 0, .b_k_contiguous = true};
}

}  // namespace

const std::vector<NativeGemmKernel>& native_gemm_kernels() {
  static const std::vector<NativeGemmKernel> kernels = {
      // Hopper first: where it can run (sm_90a) it is the native tier's GEMM; elsewhere its
      // reason is recorded and gemm_mma_sync runs (--native-kernel gemm_mma_sync picks that
      // one on Hopper too).
      {.name = "gemm_wgmma",
       .backend = "cuda",
       .min_sm = 90,
       .archs = {"sm_90a"},
       .dtypes = {"fp16", "bf16"},
       .source = "gemm_wgmma",
       .source_path = "kernels/cuda/gemm_wgmma.cu",
       .tile = wgmma_tile(64),
       .define_prefix = "GEMM_WGMMA",
       .wave_size = 32,
       .row_align_define = "",
       .row_align_elements = 8,
       .element_bytes = 2,
       .ptx_requires = wgmma_requires("wgmma.mma_async.sync.aligned.m64n128k16.f32.{t}.{t}"),
       .ptx_requires_aligned = {},
       .b_nk = true,
       .tma = true,
       .producer_warps = 4},
      {.name = "gemm_wgmma",
       .backend = "cuda",
       .min_sm = 90,
       .archs = {"sm_90a"},
       .dtypes = {"fp8"},
       .source = "gemm_wgmma",
       .source_path = "kernels/cuda/gemm_wgmma.cu",
       .tile = wgmma_tile(128),
       .define_prefix = "GEMM_WGMMA",
       .wave_size = 32,
       .row_align_define = "",
       .row_align_elements = 16,
       .element_bytes = 1,
       .ptx_requires = wgmma_requires("wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3"),
       .ptx_requires_aligned = {},
       .b_nk = true,
       .tma = true,
       .producer_warps = 4},
      {.name = "gemm_mma_sync",
       .backend = "cuda",
       .min_sm = 80,
       .archs = {},
       .dtypes = {"fp16", "bf16"},
       .source = "gemm_mma_sync",
       .source_path = "kernels/cuda/gemm_mma_sync.cu",
       .tile = NativeGemmTile{},
       .define_prefix = "GEMM_MMA",
       .wave_size = 32,
       .row_align_define = "GEMM_MMA_ROWS_16B",
       .row_align_elements = 8,
       .element_bytes = 2,
       .ptx_requires = {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
                        "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"},
       .ptx_requires_aligned = {"cp.async.cg.shared.global", "cp.async.wait_group"}},
      // The same source for tf32 (fp32 in memory): 4-byte elements, so 16 K columns per
      // stage keep the 16-bit variant's stage bytes; A's rows padded by 16 bytes (4), B's by
      // 8 words (its element-wise reads); the B operand is read element-wise.
      {.name = "gemm_mma_sync",
       .backend = "cuda",
       .min_sm = 80,
       .archs = {},
       .dtypes = {"tf32"},
       .source = "gemm_mma_sync",
       .source_path = "kernels/cuda/gemm_mma_sync.cu",
       .tile = NativeGemmTile{.block_k = 16, .pad = 4, .b_pad = 8},
       .define_prefix = "GEMM_MMA",
       .wave_size = 32,
       .row_align_define = "GEMM_MMA_ROWS_16B",
       .row_align_elements = 4,
       .element_bytes = 4,
       .ptx_requires = {"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
                        "cvt.rna.tf32.f32"},
       .ptx_requires_aligned = {"cp.async.cg.shared.global", "cp.async.wait_group"}},
      // int8 (int32 accumulate and output): 64 K columns per stage (64 bytes per row, as
      // above), B given as (N, K) and kept so in shared memory, so both operands load by plain
      // ldmatrix; 16-byte rows need K a multiple of 16 (N too, conservatively: one alignment
      // rule for every row).
      {.name = "gemm_mma_sync",
       .backend = "cuda",
       .min_sm = 80,
       .archs = {},
       .dtypes = {"int8"},
       .source = "gemm_mma_sync",
       .source_path = "kernels/cuda/gemm_mma_sync.cu",
       .tile = NativeGemmTile{.block_k = 64, .pad = 16, .b_k_contiguous = true},
       .define_prefix = "GEMM_MMA",
       .wave_size = 32,
       .row_align_define = "GEMM_MMA_ROWS_16B",
       .row_align_elements = 16,
       .element_bytes = 1,
       .ptx_requires = {"mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16"},
       .ptx_requires_aligned = {"cp.async.cg.shared.global", "cp.async.wait_group"},
       .b_nk = true},
      {.name = "gemm_mfma",
       .backend = "hip",
       .min_sm = 0,
       .archs = kMfmaArchs,
       .dtypes = {"fp16", "bf16"},
       .source = "gemm_mfma",
       .source_path = "kernels/hip/gemm_mfma.hip",
       // 2 x 2 wavefronts of 64 x 64; two LDS buffers; B kept transposed in LDS (see the kernel).
       .tile = NativeGemmTile{.block_m = 128, .block_n = 128, .block_k = 32, .warps_m = 2, .warps_n = 2, .stages = 2,
                              .group_m = 0, .pad = 4, .b_k_contiguous = true},
       .define_prefix = "GEMM_MFMA",
       .wave_size = 64,
       .row_align_define = "",
       .row_align_elements = 1,
       .element_bytes = 2,
       .ptx_requires = kMfmaRequires,
       .ptx_requires_aligned = {}},
      {.name = "gemm_dot2",
       .backend = "hip",
       .min_sm = 0,
       .archs = kDot2Archs,
       .dtypes = {"fp16"},
       .source = "gemm_dot2",
       .source_path = "kernels/hip/gemm_dot2.hip",
       // 2 x 2 wavefronts of 8 x 8 lanes, 8 x 8 outputs per lane; two LDS buffers; A and B both
       // kept as K-pair rows (block_k / 2 rows of 32-bit words), rows padded by 4 words (see the
       // kernel): in 16-bit elements, (block_k, block_m + 4) and (block_k, block_n + 4) per stage.
       .tile = NativeGemmTile{.block_m = 128, .block_n = 128, .block_k = 32, .warps_m = 2, .warps_n = 2, .stages = 2,
                              .group_m = 0, .pad = 4, .b_k_contiguous = false, .b_pad = -1, .a_k_rows = true},
       .define_prefix = "GEMM_DOT2",
       .wave_size = 64,
       .row_align_define = "",
       .row_align_elements = 1,
       .element_bytes = 2,
       .ptx_requires = {"v_dot2_f32_f16"},
       .ptx_requires_aligned = {},
       .b_nk = false,
       .hip_needs = "v_dot2_f32_f16, the packed fp16 dot of Vega 20 (written for {archs}; CDNA runs gemm_mfma)",
       .dtypes_note = "gfx906 has neither v_dot2_f32_bf16 nor MFMA"},
      // The same source for int8 on v_dot4_i32_i8 (int32 accumulate and output): 64 K columns
      // per stage keep 16 LDS rows of K-quad words; B given as (N, K), so its quads load and
      // store as A's (no two-row gather); LDS bytes as fp16's (33,792).
      {.name = "gemm_dot2",
       .backend = "hip",
       .min_sm = 0,
       .archs = kDot2Archs,
       .dtypes = {"int8"},
       .source = "gemm_dot2",
       .source_path = "kernels/hip/gemm_dot2.hip",
       .tile = NativeGemmTile{.block_m = 128, .block_n = 128, .block_k = 64, .warps_m = 2, .warps_n = 2, .stages = 2,
                              .group_m = 0, .pad = 4, .b_k_contiguous = false, .b_pad = -1, .a_k_rows = true},
       .define_prefix = "GEMM_DOT2",
       .wave_size = 64,
       .row_align_define = "",
       .row_align_elements = 1,
       .element_bytes = 1,
       .ptx_requires = {"v_dot4_i32_i8"},
       .ptx_requires_aligned = {},
       .b_nk = true,
       .hip_needs = "v_dot4_i32_i8, the packed int8 dot of Vega 20 (written for {archs})",
       .dtypes_note = ""},
  };
  return kernels;
}

const std::vector<NativeAttentionKernel>& native_attention_kernels() {
  static const std::vector<NativeAttentionKernel> kernels = {
      // Hopper first: wgmma and TMA, a producer warpgroup and 2 consumer warpgroups of 64 query
      // rows, 128-key tiles in a 2-stage ring (attention_mma_sync there with --native-kernel
      // attention_mma_sync). Proof of the path: Q·Kᵀ's wgmma, the TMA copy, the mbarrier wait,
      // the register hand-over, the wgmma wait, and the softmax's shuffles and exp2.
      {.name = "attention_wgmma",
       .backend = "cuda",
       .min_sm = 90,
       .archs = {"sm_90a"},
       .dtypes = {"fp16", "bf16"},
       .source = "attention_wgmma",
       .source_path = "kernels/cuda/attention_wgmma.cu",
       .head_dims = {64, 128},
       .warps = 8,
       .block_kv = 128,
       .d_multiple = 8,
       .element_bytes = 2,
       .ptx_requires = [] {
         std::vector<std::string> r = wgmma_requires("wgmma.mma_async.sync.aligned.m64n128k16.f32.{t}.{t}");
         for (const char* p : {"wgmma.wait_group.sync.aligned", "shfl.sync.bfly", "ex2.approx"}) r.push_back(p);
         return r;
       }(),
       .define_prefix = "ATTN_WGMMA",
       .wave_size = 32,
       .rows_per_warp = 16,
       .lds_k_and_v_transposed = false,
       .tma = true,
       .stages = 2,
       .producer_warps = 4,
       .lower_lacks = "wgmma"},
      {.name = "attention_mma_sync",
       .backend = "cuda",
       .min_sm = 80,
       .archs = {},
       .dtypes = {"fp16", "bf16"},
       .source = "attention_mma_sync",
       .source_path = "kernels/cuda/attention_mma_sync.cu",
       .head_dims = {64, 128},
       .warps = 4,
       .block_kv = 64,
       .d_multiple = 8,
       .element_bytes = 2,
       .ptx_requires = {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
                        "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16", "cp.async.cg.shared.global", "shfl.sync.bfly",
                        "ex2.approx"}},
      // 2 wavefronts of 32 query rows; 64-key tiles of K and Vᵀ in LDS; D a multiple of 4
      // (branch-free 8-byte loads). Proof of the path: the MFMA, the cross-lane exchange of the
      // row maximum and the hardware exp2.
      {.name = "attention_mfma",
       .backend = "hip",
       .min_sm = 0,
       .archs = kMfmaArchs,
       .dtypes = {"fp16", "bf16"},
       .source = "attention_mfma",
       .source_path = "kernels/hip/attention_mfma.hip",
       .head_dims = {64, 128},
       .warps = 2,
       .block_kv = 64,
       .d_multiple = 4,
       .element_bytes = 2,
       .ptx_requires = {"v_mfma_f32_32x32x8{t}", "ds_bpermute_b32", "v_exp_f32"},
       .define_prefix = "ATTN_MFMA",
       .wave_size = 64,
       .rows_per_warp = 32,
       .lds_k_and_v_transposed = true},
  };
  return kernels;
}

int native_attention_threads(const NativeAttentionKernel& k) { return (k.warps + k.producer_warps) * k.wave_size; }

int native_attention_block_q(const NativeAttentionKernel& k) { return k.warps * k.rows_per_warp; }

std::size_t native_attention_shared_bytes(const NativeAttentionKernel& k, int head_dim) {
  const auto hd = static_cast<std::size_t>(head_dim), kv = static_cast<std::size_t>(k.block_kv);
  const auto bytes = static_cast<std::size_t>(k.element_bytes);
  // attention_mfma: K (block_kv, head_dim + 4) and Vᵀ (head_dim, block_kv + 4).
  if (k.lds_k_and_v_transposed) return (kv * (hd + 4) + hd * (kv + 4)) * bytes;
  // attention_wgmma: 1024 bytes of alignment slack (the swizzle atoms), Q (block_q, head_dim),
  // `stages` K and V tiles (block_kv, head_dim), unpadded (the 128-byte swizzle spreads the
  // banks), and the mbarriers: Q's, and per stage a full and an empty one for K and for V.
  if (k.tma) {
    const auto stages = static_cast<std::size_t>(k.stages);
    return 1024 + (static_cast<std::size_t>(native_attention_block_q(k)) + 2 * stages * kv) * hd * bytes + 8 * (1 + 4 * stages);
  }
  // attention_mma_sync pads every shared row by 8 elements; Q, then two K and two V tiles.
  const auto rows = static_cast<std::size_t>(native_attention_block_q(k)) + 4 * kv;
  return rows * (hd + 8) * bytes;
}

std::vector<Define> native_attention_defines(const NativeAttentionKernel& k, const std::string& dtype, int head_dim) {
  const std::string& p = k.define_prefix;
  std::vector<Define> out = {{p + "_HEAD_DIM", std::to_string(head_dim)},
                             {p + "_WARPS", std::to_string(k.warps)},
                             {p + "_BLOCK_KV", std::to_string(k.block_kv)}};
  if (k.stages > 0) out.push_back({p + "_STAGES", std::to_string(k.stages)});
  out.push_back({dtype_define(dtype), "1"});
  return out;
}

const std::vector<NativePeakKernel>& native_peak_kernels() {
  static const std::vector<NativePeakKernel> kernels = {
      // Hopper first: wgmma is what reaches its tensor cores' rate (peak_mma_sync there with
      // --native-kernel peak_mma_sync). One trip per chain is one m64n128k16: 2 * 64 * 128 * 16
      // (fp8: m64n128k32, twice that).
      {.name = "peak_wgmma",
       .backend = "cuda",
       .min_sm = 90,
       .archs = {"sm_90a"},
       .dtypes = {"fp16", "bf16", "fp8"},
       .source = "peak_wgmma",
       .source_path = "kernels/cuda/peak_wgmma.cu",
       .chains = 2,
       .warps = 2,
       .unroll = 4,
       .blocks_per_cu = 2,
       .iterations = 8192,
       .flops_per_instruction = 262144.0,
       .ptx_requires = {"wgmma.mma_async.sync.aligned.m64n128k16.f32.{t}.{t}", "wgmma.wait_group.sync.aligned",
                        "fence.proxy.async.shared::cta"},
       .define_prefix = "PEAK_WGMMA",
       .wave_size = 128,
       .fragment_layout = "wgmma_m64n128k16",
       .lower_lacks = "wgmma",
       .shared_bytes_per_warp = 24576,
       .fragment_layout_8bit = "wgmma_m64n128k32",
       .ptx_requires_8bit = {"wgmma.mma_async.sync.aligned.m64n128k32.f32.{t}.{t}", "wgmma.wait_group.sync.aligned",
                             "fence.proxy.async.shared::cta"}},
      // One trip per chain is one m16n8k16: 2 * 16 * 8 * 16 (int8, fp8: m16n8k32, twice that;
      // int8 in OPS). fp8 mma.sync is Ada's and later (sm_89+).
      {.name = "peak_mma_sync",
       .backend = "cuda",
       .min_sm = 80,
       .archs = {},
       .dtypes = {"fp16", "bf16", "int8", "fp8"},
       .source = "peak_mma_sync",
       .source_path = "kernels/cuda/peak_mma_sync.cu",
       .chains = 8,
       .warps = 8,
       .unroll = 4,
       .blocks_per_cu = 4,
       .iterations = 32768,
       .flops_per_instruction = 4096.0,
       .ptx_requires = {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32"},
       .define_prefix = "PEAK_MMA",
       .wave_size = 32,
       .fragment_layout = "mma_m16n8k16",
       .fragment_layout_8bit = "mma_m16n8k32",
       .ptx_requires_8bit = {"mma.sync.aligned.m16n8k32.row.col.{acc}.{t}.{t}.{acc}"},
       .dtype_min_sm = {{"fp8", 89, "fp8 mma.sync.m16n8k32", {"sm_89", "sm_90a"}}}},
      // One trip per chain is one 32x32x8 product (two instructions on gfx908 bf16): 2 * 32 * 32 * 8.
      {.name = "peak_mfma",
       .backend = "hip",
       .min_sm = 0,
       .archs = kMfmaArchs,
       .dtypes = {"fp16", "bf16"},
       .source = "peak_mfma",
       .source_path = "kernels/hip/peak_mfma.hip",
       .chains = 4,
       .warps = 4,
       .unroll = 4,
       .blocks_per_cu = 2,
       .iterations = 16384,
       .flops_per_instruction = 16384.0,
       .ptx_requires = kMfmaRequires,
       .define_prefix = "PEAK_MFMA",
       .wave_size = 64,
       .fragment_layout = "mfma_32x32x8"},
  };
  return kernels;
}

bool native_peak_8bit(const std::string& dtype) { return dtype == "fp8" || dtype == "int8"; }

double native_peak_flops_per_instruction(const NativePeakKernel& k, const std::string& dtype) {
  return native_peak_8bit(dtype) ? 2 * k.flops_per_instruction : k.flops_per_instruction;
}

const std::string& native_peak_fragment_layout(const NativePeakKernel& k, const std::string& dtype) {
  return native_peak_8bit(dtype) ? k.fragment_layout_8bit : k.fragment_layout;
}

std::size_t native_peak_shared_bytes(const NativePeakKernel& k) {
  if (k.shared_bytes_per_warp == 0) return 0;
  return static_cast<std::size_t>(k.warps) * static_cast<std::size_t>(k.shared_bytes_per_warp) + 1024;
}

std::vector<Define> native_peak_defines(const NativePeakKernel& k, const std::string& dtype) {
  const std::string& p = k.define_prefix;
  return {{p + "_CHAINS", std::to_string(k.chains)},
          {p + "_WARPS", std::to_string(k.warps)},
          {p + "_UNROLL", std::to_string(k.unroll)},
          {dtype_define(dtype), "1"}};
}

std::string ptx_type_name(const std::string& dtype) {
  if (dtype == "fp16") return "f16";
  if (dtype == "fp8") return "e4m3";
  if (dtype == "int8") return "s8";
  return dtype;  // "bf16", "tf32"
}

std::string gfx_processor(const std::string& arch) { return arch.substr(0, arch.find(':')); }

int native_gemm_threads(const NativeGemmKernel& k) {
  return (k.tile.warps_m * k.tile.warps_n + k.producer_warps) * k.wave_size;
}

std::size_t native_gemm_shared_bytes(const NativeGemmKernel& k) {
  // The kernels pad A's shared rows by `pad` elements and B's by `b_pad` (-1: `pad`); A is
  // (block_m, block_k) or, K-major, (block_k, block_m); B is (block_k, block_n) or,
  // K-contiguous, (block_n, block_k) (their bank-conflict notes).
  const NativeGemmTile& t = k.tile;
  const int b_pad = t.b_pad < 0 ? t.pad : t.b_pad;
  const int a_elements = t.a_k_rows ? t.block_k * (t.block_m + t.pad) : t.block_m * (t.block_k + t.pad);
  const int b_elements = t.b_k_contiguous ? t.block_n * (t.block_k + b_pad) : t.block_k * (t.block_n + b_pad);
  const auto per_stage = static_cast<std::size_t>(a_elements + b_elements);
  const std::size_t ring = static_cast<std::size_t>(t.stages) * per_stage * static_cast<std::size_t>(k.element_bytes);
  // TMA kernels: the 1024-byte alignment of the swizzled tiles, and a full and an empty
  // mbarrier per stage.
  return k.tma ? ring + 1024 + 16 * static_cast<std::size_t>(t.stages) : ring;
}

Dim3 native_gemm_block(const NativeGemmKernel& k) { return {static_cast<std::size_t>(native_gemm_threads(k)), 1, 1}; }

Dim3 native_gemm_grid(const NativeGemmKernel& k, std::size_t m, std::size_t n, int compute_units) {
  const auto bm = static_cast<std::size_t>(k.tile.block_m);
  const auto bn = static_cast<std::size_t>(k.tile.block_n);
  const std::size_t tiles_m = (m + bm - 1) / bm, tiles_n = (n + bn - 1) / bn;
  if (!k.tma) return {tiles_n, tiles_m, 1};
  const std::size_t tiles = tiles_m * tiles_n;
  return {compute_units > 0 ? std::min(tiles, static_cast<std::size_t>(compute_units)) : tiles, 1, 1};
}

std::vector<Define> native_gemm_defines(const NativeGemmKernel& k, const std::string& dtype, bool row_aligned) {
  const NativeGemmTile& t = k.tile;
  const std::string& p = k.define_prefix;
  std::vector<Define> out = {{p + "_BLOCK_M", std::to_string(t.block_m)}, {p + "_BLOCK_N", std::to_string(t.block_n)},
                             {p + "_BLOCK_K", std::to_string(t.block_k)}, {p + "_WARPS_M", std::to_string(t.warps_m)},
                             {p + "_WARPS_N", std::to_string(t.warps_n)}, {p + "_STAGES", std::to_string(t.stages)}};
  if (t.group_m > 0) out.push_back({p + "_GROUP_M", std::to_string(t.group_m)});
  if (!k.row_align_define.empty()) out.push_back({k.row_align_define, row_aligned ? "1" : "0"});
  out.push_back({dtype_define(dtype), "1"});
  return out;
}

namespace {

// The type part of the instruction names: PTX "f16" / "bf16"; MFMA "f16" / "bf16_1k".
std::string instruction_type_name(const std::string& backend, const std::string& dtype) {
  if (backend == "hip") return dtype == "fp16" ? "f16" : "bf16_1k";
  return ptx_type_name(dtype);
}

std::vector<std::string> typed(const std::vector<std::string>& names, const std::string& backend, const std::string& dtype) {
  std::vector<std::string> out;
  for (const std::string& p : names)
    out.push_back(replaced(replaced(p, "{t}", instruction_type_name(backend, dtype)), "{acc}", dtype == "int8" ? "s32" : "f32"));
  return out;
}

// HIP variants: compiled for each arch of the kernel; gfx908 bf16 has its own instruction.
// CUDA variants: compiled for the kernel's own archs when it names them (sm_90a), else for
// every arch of the check.
void add_targets(NativeVariant& v, const std::vector<std::string>& archs) {
  v.archs = archs;
  if (v.backend != "hip") return;
  if (v.dtype != "bf16") return;
  // The variant's list with gfx908's MFMA in place of the "_1k" one (other instructions kept).
  std::vector<std::string> gfx908;
  for (const std::string& p : v.ptx_requires) gfx908.push_back(p == kMfmaBf16_1k ? kMfmaGfx908Bf16 : p);
  v.isa_requires_by_arch.push_back({"gfx908", gfx908});
}

}  // namespace

std::vector<NativeVariant> native_variants() {
  std::vector<NativeVariant> out;
  for (const NativeGemmKernel& k : native_gemm_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      for (const bool aligned : {true, false}) {
        const bool one_path = k.row_align_define.empty();
        if (one_path && !aligned) continue;
        NativeVariant v{k.name, k.backend, k.source, dtype,
                        one_path ? "default" : aligned ? "default/row-aligned" : "default/any-ld",
                        native_gemm_defines(k, dtype, aligned), typed(k.ptx_requires, k.backend, dtype), {}, {}};
        if (aligned)
          for (const std::string& p : k.ptx_requires_aligned) v.ptx_requires.push_back(p);
        add_targets(v, k.archs);
        out.push_back(std::move(v));
      }
    }
  }
  for (const NativeAttentionKernel& k : native_attention_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      for (const int head_dim : k.head_dims) {
        NativeVariant v{k.name, k.backend, k.source, dtype, "hd" + std::to_string(head_dim),
                        native_attention_defines(k, dtype, head_dim), typed(k.ptx_requires, k.backend, dtype), {}, {}};
        add_targets(v, k.archs);
        out.push_back(std::move(v));
      }
    }
  }
  for (const NativePeakKernel& k : native_peak_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      NativeVariant v{k.name, k.backend, k.source, dtype, "default", native_peak_defines(k, dtype),
                      typed(native_peak_8bit(dtype) ? k.ptx_requires_8bit : k.ptx_requires, k.backend, dtype), {}, {}};
      add_targets(v, k.archs);
      for (const NativePeakKernel::DtypeMinSm& later : k.dtype_min_sm)
        if (later.dtype == dtype) v.archs = later.check_archs;
      out.push_back(std::move(v));
    }
  }
  return out;
}

const std::vector<std::string>& native_required_instructions(const NativeVariant& v, const std::string& arch) {
  for (const auto& [a, list] : v.isa_requires_by_arch)
    if (a == arch) return list;
  return v.ptx_requires;
}

const std::string& native_kernel_source(std::string_view name) {
  const auto& all = sources();
  const auto it = all.find(name);
  if (it == all.end()) throw std::out_of_range("no native kernel source named '" + std::string(name) + "'");
  return it->second;
}

std::string_view native_verified_on_json() { return native_kernel_source("verified_on"); }

}  // namespace suanli
