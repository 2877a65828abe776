#include "kernels/native_catalog.h"

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

// Sources written against a shared prelude, and that prelude.
constexpr std::pair<std::string_view, std::string_view> kPreludes[] = {
    {"gemm_mma_sync", "mma_sync_common"},
    {"attention_mma_sync", "mma_sync_common"},
};

// Every embedded file by name, each with its prelude in front.
const std::map<std::string, std::string, std::less<>>& sources() {
  static const std::map<std::string, std::string, std::less<>> all = [] {
    std::map<std::string, std::string, std::less<>> raw, out;
    for (int i = 0; i < native_kernels::kEmbeddedFileCount; ++i)
      raw[std::string(native_kernels::kEmbeddedFiles[i].name)] = std::string(native_kernels::kEmbeddedFiles[i].text);
    out = raw;
    for (const auto& [kernel, prelude] : kPreludes)
      out.at(std::string(kernel)) = raw.at(std::string(prelude)) + "\n" + raw.at(std::string(kernel));
    return out;
  }();
  return all;
}

}  // namespace

const std::vector<NativeGemmKernel>& native_gemm_kernels() {
  static const std::vector<NativeGemmKernel> kernels = {
      {"gemm_mma_sync", "cuda", 80, {"fp16", "bf16"}, "gemm_mma_sync", "kernels/cuda/gemm_mma_sync.cu",
       NativeGemmTile{}, "GEMM_MMA_ROWS_16B", 8, 2,
       {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
        "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16"},
       {"cp.async.cg.shared.global", "cp.async.wait_group"}},
      // The same source for tf32 (fp32 in memory): 4-byte elements, so 16 K columns per
      // stage keep the 16-bit variant's stage bytes; the B operand is read element-wise.
      {"gemm_mma_sync", "cuda", 80, {"tf32"}, "gemm_mma_sync", "kernels/cuda/gemm_mma_sync.cu",
       NativeGemmTile{128, 128, 16, 2, 4, 4, 8}, "GEMM_MMA_ROWS_16B", 4, 4,
       {"mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
        "cvt.rna.tf32.f32"},
       {"cp.async.cg.shared.global", "cp.async.wait_group"}},
      // int8 (int32 accumulate and output): 64 K columns per stage (64 bytes per row, as
      // above), B as (N, K) so both operands load by plain ldmatrix; 16-byte rows need K a
      // multiple of 16 (N too, conservatively: one alignment rule for every row).
      {"gemm_mma_sync", "cuda", 80, {"int8"}, "gemm_mma_sync", "kernels/cuda/gemm_mma_sync.cu",
       NativeGemmTile{128, 128, 64, 2, 4, 4, 8}, "GEMM_MMA_ROWS_16B", 16, 1,
       {"mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16"},
       {"cp.async.cg.shared.global", "cp.async.wait_group"}, true},
  };
  return kernels;
}

const std::vector<NativeAttentionKernel>& native_attention_kernels() {
  static const std::vector<NativeAttentionKernel> kernels = {
      {"attention_mma_sync", "cuda", 80, {"fp16", "bf16"}, "attention_mma_sync", "kernels/cuda/attention_mma_sync.cu",
       {64, 128}, 4, 64, 8, 2,
       {"mma.sync.aligned.m16n8k16.row.col.f32.{t}.{t}.f32", "ldmatrix.sync.aligned.m8n8.x4.shared.b16",
        "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16", "cp.async.cg.shared.global", "shfl.sync.bfly", "ex2.approx"}},
  };
  return kernels;
}

int native_attention_threads(const NativeAttentionKernel& k) { return k.warps * 32; }

int native_attention_block_q(const NativeAttentionKernel& k) { return k.warps * 16; }

std::size_t native_attention_shared_bytes(const NativeAttentionKernel& k, int head_dim) {
  // The kernel pads every shared row by 8 elements; Q, then two K and two V tiles.
  const auto rows = static_cast<std::size_t>(native_attention_block_q(k) + 4 * k.block_kv);
  return rows * static_cast<std::size_t>(head_dim + 8) * static_cast<std::size_t>(k.element_bytes);
}

std::vector<Define> native_attention_defines(const NativeAttentionKernel& k, const std::string& dtype, int head_dim) {
  return {{"ATTN_MMA_HEAD_DIM", std::to_string(head_dim)},
          {"ATTN_MMA_WARPS", std::to_string(k.warps)},
          {"ATTN_MMA_BLOCK_KV", std::to_string(k.block_kv)},
          {dtype_define(dtype), "1"}};
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
  return dtype;  // "bf16", "tf32"
}

int native_gemm_threads(const NativeGemmKernel& k) { return k.tile.warps_m * k.tile.warps_n * 32; }

std::size_t native_gemm_shared_bytes(const NativeGemmKernel& k) {
  // The kernel pads A's rows by 16 bytes and B's by 8 elements, or by 16 bytes where B is
  // (N, K) like A (its bank-conflict note).
  const NativeGemmTile& t = k.tile;
  const int a_pad = 16 / k.element_bytes;
  const int b_elements = k.b_nk ? t.block_n * (t.block_k + a_pad) : t.block_k * (t.block_n + 8);
  const auto per_stage = static_cast<std::size_t>(t.block_m * (t.block_k + a_pad) + b_elements);
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
  for (const NativeAttentionKernel& k : native_attention_kernels()) {
    for (const std::string& dtype : k.dtypes) {
      for (const int head_dim : k.head_dims) {
        NativeVariant v{k.name, k.backend, k.source, dtype, "hd" + std::to_string(head_dim),
                        native_attention_defines(k, dtype, head_dim), {}};
        for (const std::string& p : k.ptx_requires) v.ptx_requires.push_back(replaced(p, "{t}", ptx_type_name(dtype)));
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

const std::string& native_kernel_source(std::string_view name) {
  const auto& all = sources();
  const auto it = all.find(name);
  if (it == all.end()) throw std::out_of_range("no native kernel source named '" + std::string(name) + "'");
  return it->second;
}

std::string_view native_verified_on_json() { return native_kernel_source("verified_on"); }

}  // namespace suanli
