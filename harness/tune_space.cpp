#include "harness/tune_space.h"

#include <string>

#include "harness/attention_workload.h"
#include "harness/gemm_workload.h"

namespace suanli {
namespace {

std::string gemm_name(const GemmConfig& c) {
  if (c.kernel == GemmKernel::packed_panel)
    return "pp-" + std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) + "-k" + std::to_string(c.tile_k) + "-r" +
           std::to_string(c.wpt_m) + "-v" + std::to_string(c.vw);
  return "st-" + std::to_string(c.tile_m) + "x" + std::to_string(c.tile_n) + "x" + std::to_string(c.tile_k) + "-w" +
         std::to_string(c.wpt_m) + "x" + std::to_string(c.wpt_n) + "-p" + std::to_string(c.pad);
}

void add_if_valid(std::vector<nlohmann::json>& out, const DeviceInfo& device, DType dtype, GemmConfig c) {
  c.name = gemm_name(c);
  if (!portable_gemm_can_implement(device, dtype, c)) out.push_back(c.to_json());
}

void smem_tiled_space(std::vector<nlohmann::json>& out, const DeviceInfo& device, DType dtype, bool cpu) {
  // CPUs: PoCL vectorizes across dimension-0 work-items, so narrow WPT_N and deep K steps
  // (few barriers); GPUs: the usual 32..128 tiles, 64..1024 threads, padding on or off.
  const std::vector<int> tiles_m = {32, 64, 128};
  const std::vector<int> tiles_n = cpu ? std::vector<int>{16, 32, 64} : std::vector<int>{32, 64, 128};
  const std::vector<int> tiles_k = cpu ? std::vector<int>{16, 32, 64} : std::vector<int>{8, 16, 32};
  const std::vector<int> wpts_m = cpu ? std::vector<int>{4, 8} : std::vector<int>{2, 4, 8};
  const std::vector<int> wpts_n = cpu ? std::vector<int>{1, 2, 4} : std::vector<int>{2, 4, 8};
  const std::vector<int> pads = cpu ? std::vector<int>{0} : std::vector<int>{0, 1};
  for (int tm : tiles_m)
    for (int tn : tiles_n)
      for (int tk : tiles_k)
        for (int wm : wpts_m)
          for (int wn : wpts_n)
            for (int pad : pads) {
              const int threads = (tm / wm) * (tn / wn);
              if (!cpu && (threads < 64 || wm * wn > 64)) continue;  // idle SMs / register spills
              add_if_valid(out, device, dtype, {"", GemmKernel::smem_tiled, tm, tn, tk, wm, wn, pad, 1});
            }
}

void packed_panel_space(std::vector<nlohmann::json>& out, const DeviceInfo& device, DType dtype) {
  // Vector widths of one and two SIMD registers' worth where the runtime says what that is.
  const int native = dtype == DType::fp64 ? device.native_vector_width_fp64 : device.native_vector_width_fp32;
  std::vector<int> widths = dtype == DType::fp64 ? std::vector<int>{4, 8} : std::vector<int>{8, 16};
  if (native >= 2 && native <= 16) widths = {native, native * 2 <= 16 ? native * 2 : native / 2};
  for (int vw : widths)
    for (int nv : {1, 2, 3, 4})
      for (int rb : {4, 6, 8, 12})
        for (int tm : {48, 64, 96, 128, 192, 256})
          for (int kc : {128, 256, 512}) {
            // Accumulators (rb * nv vectors) between 8 (two FMA pipes x 4 cycles latency)
            // and 24 (of 32 vector registers, leaving room for B and the broadcast).
            if (rb * nv < 8 || rb * nv > 24) continue;
            add_if_valid(out, device, dtype, {"", GemmKernel::packed_panel, tm, vw * nv, kc, rb, vw * nv, 0, vw});
          }
}

std::vector<std::string> tunable_keys(const nlohmann::json& c) {
  std::vector<std::string> keys;
  for (auto it = c.begin(); it != c.end(); ++it)
    if (it.key() != "name") keys.push_back(it.key());
  return keys;
}

}  // namespace

std::vector<nlohmann::json> gemm_search_space(const DeviceInfo& device, DType dtype) {
  std::vector<nlohmann::json> out;
  const bool cpu = device.type == DeviceType::cpu;
  smem_tiled_space(out, device, dtype, cpu);
  // packed_panel is a CPU kernel (one work-item per group); fp32 / fp64 only.
  if (cpu && (dtype == DType::fp32 || dtype == DType::fp64)) packed_panel_space(out, device, dtype);
  return out;
}

std::vector<nlohmann::json> attention_search_space(const DeviceInfo& device, DType dtype, const AttentionShape& shape) {
  std::vector<nlohmann::json> out;
  const int head_dim = shape.d <= 64 ? 64 : shape.d <= 128 ? 128 : 256;
  const bool cpu = device.type == DeviceType::cpu;
  // CPUs: one work-item per group (PoCL's fastest form) or a few; GPUs: 32..256 threads.
  const std::vector<int> wgs = cpu ? std::vector<int>{1, 4, 16} : std::vector<int>{32, 64, 128, 256};
  for (int wg : wgs)
    for (int bq : {4, 8, 16, 32, 64})
      for (int bkv : {16, 32, 64, 128}) {
        // One work-item holds a (BLOCK_Q x BLOCK_KV) score block and a (BLOCK_Q x D) output
        // block in registers; past 16 x 64 PoCL's compile takes minutes (measured 3.4 min
        // at 32 x 64), so CPUs stop there.
        if (cpu && wg == 1 && bq * bkv > 16 * 64) continue;
        AttentionConfig c{"", head_dim, bq, bkv, wg};
        c.name = "hd" + std::to_string(head_dim) + "-q" + std::to_string(bq) + "-kv" + std::to_string(bkv) + "-wg" + std::to_string(wg);
        if (!portable_attention_can_implement(device, dtype, shape, c)) out.push_back(c.to_json());
      }
  return out;
}

bool same_tunables(const nlohmann::json& a, const nlohmann::json& b) {
  const auto keys = tunable_keys(a);
  if (keys != tunable_keys(b)) return false;
  for (const auto& k : keys)
    if (a[k] != b[k]) return false;
  return true;
}

std::vector<std::size_t> config_neighbours(const std::vector<nlohmann::json>& space, const nlohmann::json& center) {
  std::vector<std::size_t> out;
  const auto keys = tunable_keys(center);
  for (std::size_t i = 0; i < space.size(); ++i) {
    if (tunable_keys(space[i]) != keys) continue;
    int differing = 0;
    for (const auto& k : keys)
      if (space[i][k] != center[k]) ++differing;
    if (differing == 1) out.push_back(i);
  }
  return out;
}

}  // namespace suanli
