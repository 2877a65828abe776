#include "kernels/kernel_catalog.h"

namespace suanli {
namespace {

GemmConfigDType gemm_row_dtype(const std::string& dtype) {
  if (dtype == "fp64") return GemmConfigDType::fp64;
  if (dtype == "fp16") return GemmConfigDType::fp16;
  return GemmConfigDType::fp32;
}

}  // namespace

std::string dtype_define(const std::string& dtype) {
  std::string upper;
  for (char c : dtype) upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return "SUANLI_DTYPE_" + upper;
}

const char* gemm_entry(GemmKernel kernel) { return kernel == GemmKernel::packed_panel ? kGemmPackedEntry : kGemmEntry; }

const char* to_string(GemmKernel kernel) { return kernel == GemmKernel::packed_panel ? "packed_panel" : "smem_tiled"; }

std::vector<Define> gemm_tunable_defines(GemmKernel kernel, int tile_m, int tile_n, int tile_k, int wpt_m, int wpt_n, int pad,
                                         int vw) {
  if (kernel == GemmKernel::packed_panel) {
    // tile_n = VW * NV and the register block spans the whole tile width (wpt_n = tile_n).
    (void)wpt_n;
    (void)pad;
    return {{"GEMM_PACKED_PANEL", "1"},
            {"GEMM_PP_TILE_M", std::to_string(tile_m)}, {"GEMM_PP_NV", std::to_string(tile_n / vw)},
            {"GEMM_PP_KC", std::to_string(tile_k)},     {"GEMM_PP_RB_M", std::to_string(wpt_m)},
            {"GEMM_PP_VW", std::to_string(vw)}};
  }
  return {{"GEMM_TILE_M", std::to_string(tile_m)}, {"GEMM_TILE_N", std::to_string(tile_n)},
          {"GEMM_TILE_K", std::to_string(tile_k)}, {"GEMM_WPT_M", std::to_string(wpt_m)},
          {"GEMM_WPT_N", std::to_string(wpt_n)},   {"GEMM_PAD", std::to_string(pad)}};
}

std::vector<Define> attention_tunable_defines(int head_dim, int block_q, int block_kv, int wg) {
  return {{"ATTN_HEAD_DIM", std::to_string(head_dim)},
          {"ATTN_BLOCK_Q", std::to_string(block_q)},
          {"ATTN_BLOCK_KV", std::to_string(block_kv)},
          {"ATTN_WG", std::to_string(wg)}};
}

std::vector<Define> softmax_tunable_defines(int wg) { return {{"SOFTMAX_WG", std::to_string(wg)}}; }

std::vector<Define> peak_tunable_defines(int chains, int unroll, int wg) {
  return {{"PEAK_CHAINS", std::to_string(chains)}, {"PEAK_UNROLL", std::to_string(unroll)}, {"PEAK_WG", std::to_string(wg)}};
}

std::vector<Define> stream_tunable_defines(int wg, int chunked) {
  return {{"STREAM_WG", std::to_string(wg)}, {"STREAM_CHUNKED", std::to_string(chunked)}};
}

bool gemm_row_applies(const GemmConfigRow& row, const std::string& dtype) {
  const GemmConfigDType want = gemm_row_dtype(dtype);
  if (row.dtype == want) return true;
  if (row.dtype != GemmConfigDType::any) return false;
  for (const auto& other : kGemmDefaultConfigs)
    if (other.device_class == row.device_class && other.dtype == want) return false;
  return true;
}

std::vector<PortableVariant> portable_variants() {
  std::vector<PortableVariant> out;
  for (const char* dtype : {"fp32", "fp64", "fp16"}) {
    for (const auto& row : kGemmDefaultConfigs) {
      if (!gemm_row_applies(row, dtype)) continue;
      auto defines = gemm_tunable_defines(row.kernel, row.tile_m, row.tile_n, row.tile_k, row.wpt_m, row.wpt_n, row.pad, row.vw);
      defines.push_back({dtype_define(dtype), "1"});
      out.push_back({"gemm", gemm_entry(row.kernel), dtype, row.name, row.device_class, defines});
    }
  }
  // packed_panel is a CPU kernel (no GPU row, never searched on GPUs), but the one source
  // must still compile through every dialect's vector types: a small register block a GPU
  // compiles without spills. fp32 only: at fp64 hiprtc spills a few SGPRs (uniform row
  // pointers) even at this size, which would fail the no-spill rule for a kernel no GPU runs.
  for (const char* dtype : {"fp32"}) {
    auto defines = gemm_tunable_defines(GemmKernel::packed_panel, 8, 4, 32, 2, 4, 0, 4);
    defines.push_back({dtype_define(dtype), "1"});
    out.push_back({"gemm", kGemmPackedEntry, dtype, "packed-dialect-check", GemmDeviceClass::other, defines});
  }
  for (const char* dtype : {"fp32", "fp16"}) {
    for (const auto& row : kAttentionDefaultConfigs) {
      auto defines = attention_tunable_defines(row.head_dim, row.block_q, row.block_kv, row.wg);
      defines.push_back({dtype_define(dtype), "1"});
      out.push_back({"attention", kAttentionEntry, dtype, row.name, row.device_class, defines});
    }
    for (const auto& row : kSoftmaxDefaultConfigs) {
      auto defines = softmax_tunable_defines(row.wg);
      defines.push_back({dtype_define(dtype), "1"});
      out.push_back({"softmax", kSoftmaxEntry, dtype, row.name, row.device_class, defines});
    }
  }
  for (const char* dtype : {"fp32", "fp64", "fp16", "int8"}) {
    for (const auto& row : kPeakDefaultConfigs) {
      auto defines = peak_tunable_defines(row.chains, row.unroll, row.wg);
      defines.push_back({dtype_define(dtype), "1"});
      out.push_back({"peak", kPeakEntry, dtype, row.name, row.device_class, defines});
    }
  }
  for (const char* dtype : {"fp32", "fp64"}) {
    for (const auto& row : kStreamDefaultConfigs) {
      auto defines = stream_tunable_defines(row.wg, row.chunked);
      defines.push_back({dtype_define(dtype), "1"});
      // One compile builds both entry points (copy and triad share the source and defines).
      out.push_back({"stream", kStreamTriadEntry, dtype, row.name, row.device_class, defines});
    }
  }
  return out;
}

const char* to_string(GemmDeviceClass c) {
  switch (c) {
    case GemmDeviceClass::cpu: return "cpu";
    case GemmDeviceClass::gpu: return "gpu";
    case GemmDeviceClass::other: return "other";
  }
  return "other";
}

GemmDeviceClass device_class_of(DeviceType type) {
  return type == DeviceType::cpu ? GemmDeviceClass::cpu : type == DeviceType::gpu ? GemmDeviceClass::gpu : GemmDeviceClass::other;
}

}  // namespace suanli
