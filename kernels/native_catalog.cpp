#include "kernels/native_catalog.h"

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

std::string_view embedded(std::string_view name) {
  for (int i = 0; i < native_kernels::kEmbeddedFileCount; ++i)
    if (native_kernels::kEmbeddedFiles[i].name == name) return native_kernels::kEmbeddedFiles[i].text;
  throw std::out_of_range("no native kernel source named '" + std::string(name) + "'");
}

}  // namespace

const std::vector<NativeGemmKernel>& native_gemm_kernels() {
  static const std::vector<NativeGemmKernel> kernels = {
      {"gemm_mma_sync", "cuda", 80, {"fp16", "bf16"}, "gemm_mma_sync", "kernels/cuda/gemm_mma_sync.cu",
       NativeGemmTile{}, "GEMM_MMA_ROW_ALIGN8", 8, 2,
       {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
        "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"},
       {"cp.async.cg.shared.global", "cp.async.wait_group"}},
  };
  return kernels;
}

const std::vector<NativePeakKernel>& native_peak_kernels() {
  static const std::vector<NativePeakKernel> kernels = {
      {"peak_mma_sync", "cuda", 80, {"fp16", "bf16"}, "peak_mma_sync", "kernels/cuda/peak_mma_sync.cu",
       8, 8, 4, 4, 32768, 4096.0, {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32"}},
  };
  return kernels;
}

std::vector<Define> native_peak_defines(const NativePeakKernel& k, const std::string& dtype) {
  return {{"PEAK_MMA_CHAINS", std::to_string(k.chains)},
          {"PEAK_MMA_WARPS", std::to_string(k.warps)},
          {"PEAK_MMA_UNROLL", std::to_string(k.unroll)},
          {dtype_define(dtype), "1"}};
}

std::string ptx_type_name(const std::string& dtype) {
  if (dtype == "fp16") return "f16";
  return dtype;  // "bf16"
}

int native_gemm_threads(const NativeGemmKernel& k) { return k.tile.warps_m * k.tile.warps_n * 32; }

std::size_t native_gemm_shared_bytes(const NativeGemmKernel& k) {
  // The kernel pads every shared row by 8 elements (its bank-conflict note).
  const NativeGemmTile& t = k.tile;
  const auto per_stage = static_cast<std::size_t>(t.block_m * (t.block_k + 8) + t.block_k * (t.block_n + 8));
  return static_cast<std::size_t>(t.stages) * per_stage * static_cast<std::size_t>(k.element_bytes);
}

Dim3 native_gemm_block(const NativeGemmKernel& k) { return {static_cast<std::size_t>(native_gemm_threads(k)), 1, 1}; }

Dim3 native_gemm_grid(const NativeGemmKernel& k, std::size_t m, std::size_t n) {
  const auto bm = static_cast<std::size_t>(k.tile.block_m);
  const auto bn = static_cast<std::size_t>(k.tile.block_n);
  return {(n + bn - 1) / bn, (m + bm - 1) / bm, 1};
}

std::vector<Define> native_gemm_defines(const NativeGemmKernel& k, const std::string& dtype, bool row_aligned) {
  const NativeGemmTile& t = k.tile;
  return {{"GEMM_MMA_BLOCK_M", std::to_string(t.block_m)},
          {"GEMM_MMA_BLOCK_N", std::to_string(t.block_n)},
          {"GEMM_MMA_BLOCK_K", std::to_string(t.block_k)},
          {"GEMM_MMA_WARPS_M", std::to_string(t.warps_m)},
          {"GEMM_MMA_WARPS_N", std::to_string(t.warps_n)},
          {"GEMM_MMA_STAGES", std::to_string(t.stages)},
          {"GEMM_MMA_GROUP_M", std::to_string(t.group_m)},
          {k.row_align_define, row_aligned ? "1" : "0"},
          {dtype_define(dtype), "1"}};
}

std::vector<NativeVariant> native_variants() {
  std::vector<NativeVariant> out;
  for (const NativeGemmKernel& k : native_gemm_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      for (const bool aligned : {true, false}) {
        NativeVariant v{k.name, k.backend, k.source, dtype, aligned ? "default/row-aligned" : "default/any-ld",
                        native_gemm_defines(k, dtype, aligned), {}};
        for (const std::string& p : k.ptx_requires) v.ptx_requires.push_back(replaced(p, "{t}", ptx_type_name(dtype)));
        if (aligned)
          for (const std::string& p : k.ptx_requires_aligned) v.ptx_requires.push_back(p);
        out.push_back(std::move(v));
      }
    }
  }
  for (const NativePeakKernel& k : native_peak_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      NativeVariant v{k.name, k.backend, k.source, dtype, "default", native_peak_defines(k, dtype), {}};
      for (const std::string& p : k.ptx_requires) v.ptx_requires.push_back(replaced(p, "{t}", ptx_type_name(dtype)));
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string_view native_kernel_source(std::string_view name) { return embedded(name); }

std::string_view native_verified_on_json() { return embedded("verified_on"); }

}  // namespace suanli
