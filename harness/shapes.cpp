#include "harness/shapes.h"

#include <charconv>

#include "harness/errors.h"

namespace suanli {
namespace {

std::int64_t parse_dim(std::string_view part, std::string_view whole, const char* which) {
  const std::string where = "shape '" + std::string(whole) + "': ";
  if (part.empty()) throw UsageError(where + which + " is missing (expected MxNxK, e.g. 2048x2048x2048)");
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (ec == std::errc::result_out_of_range)
    throw UsageError(where + which + " '" + std::string(part) + "' is too large");
  if (ec != std::errc() || end != part.data() + part.size())
    throw UsageError(where + which + " '" + std::string(part) + "' is not an integer");
  if (v < 1) throw UsageError(where + which + " must be at least 1, got " + std::string(part));
  if (v > kMaxGemmDim)
    throw UsageError(where + which + " " + std::string(part) + " exceeds the limit " + std::to_string(kMaxGemmDim));
  return v;
}

struct LlmLayer {
  const char* model;
  const char* layer;
  std::int64_t n, k;
};

// Projection GEMMs of public model configurations (hidden size, heads, kv heads, MLP width
// from each model's published config): Y(tokens, n) = X(tokens, k) · W(k, n).
// QKV fuses q, k and v: n = hidden + 2·kv_heads·head_dim; the gated MLP fuses gate and up.
constexpr LlmLayer kLlmLayers[] = {
    {"llama-2-7b", "qkv", 12288, 4096},     {"llama-2-7b", "attn_out", 4096, 4096},
    {"llama-2-7b", "mlp_up", 22016, 4096},  {"llama-2-7b", "mlp_down", 4096, 11008},
    {"llama-3-8b", "qkv", 6144, 4096},      {"llama-3-8b", "attn_out", 4096, 4096},
    {"llama-3-8b", "mlp_up", 28672, 4096},  {"llama-3-8b", "mlp_down", 4096, 14336},
    {"llama-2-70b", "qkv", 10240, 8192},    {"llama-2-70b", "attn_out", 8192, 8192},
    {"llama-2-70b", "mlp_up", 57344, 8192}, {"llama-2-70b", "mlp_down", 8192, 28672},
};

// Decode (a batch of 16 single tokens) is bandwidth-bound; prefill (4096 tokens) is
// compute-bound. A CPU gets shorter prefill so the set finishes.
std::vector<GemmShape> llm_shapes(DeviceType type) {
  const bool cpu = type == DeviceType::cpu;
  const std::int64_t tokens[] = {16, cpu ? 256 : 4096};
  std::vector<GemmShape> out;
  for (const auto& l : kLlmLayers) {
    if (cpu && l.k > 4096) continue;  // 70b layers take minutes per sample on a CPU
    for (auto t : tokens)
      out.push_back({t, l.n, l.k, std::string(l.model) + " " + l.layer + ", " + std::to_string(t) + " tokens"});
  }
  return out;
}

}  // namespace

GemmShape parse_gemm_shape(std::string_view text) {
  std::string_view parts[3];
  std::size_t start = 0;
  int count = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == 'x' || text[i] == 'X') {
      if (count == 3) throw UsageError("shape '" + std::string(text) + "': expected three dimensions MxNxK");
      parts[count++] = text.substr(start, i - start);
      start = i + 1;
    }
  }
  if (count != 3) throw UsageError("shape '" + std::string(text) + "': expected three dimensions MxNxK");
  return {parse_dim(parts[0], text, "M"), parse_dim(parts[1], text, "N"), parse_dim(parts[2], text, "K"), ""};
}

std::string to_string(const GemmShape& s) {
  return std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k);
}

std::vector<GemmShape> gemm_shape_set(std::string_view name, DeviceType device_type) {
  if (name == "square") {
    std::vector<GemmShape> out;
    const std::int64_t largest = device_type == DeviceType::cpu ? 2048 : 16384;
    for (std::int64_t s = 256; s <= largest; s *= 2) out.push_back({s, s, s, "square"});
    return out;
  }
  if (name == "llm") return llm_shapes(device_type);
  throw UsageError("unknown shape set '" + std::string(name) + "' (known: " + gemm_shape_set_names() + ")");
}

std::vector<GemmShape> default_gemm_shapes(DeviceType device_type) {
  if (device_type == DeviceType::cpu) return {{1024, 1024, 1024, "square"}, {2048, 2048, 2048, "square"}};
  return {{4096, 4096, 4096, "square"}, {8192, 8192, 8192, "square"}};
}

std::string gemm_shape_set_names() { return "square, llm"; }

double gemm_flops(const GemmShape& s) {
  return 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
}

}  // namespace suanli
