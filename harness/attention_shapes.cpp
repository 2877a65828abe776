#include "harness/attention_shapes.h"

#include <charconv>
#include <limits>

#include "harness/errors.h"

namespace suanli {
namespace {

std::int64_t parse_field(std::string_view part, std::string_view whole, const char* which) {
  const std::string where = "attention shape '" + std::string(whole) + "': ";
  if (part.empty()) throw UsageError(where + which + " is missing (expected BxHxSxD, e.g. 1x32x4096x128)");
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
  if (ec == std::errc::result_out_of_range) throw UsageError(where + which + " '" + std::string(part) + "' is too large");
  if (ec != std::errc() || end != part.data() + part.size())
    throw UsageError(where + which + " '" + std::string(part) + "' is not an integer");
  if (v < 1) throw UsageError(where + which + " must be at least 1, got " + std::string(part));
  return v;
}

struct LlmAttention {
  const char* model;
  std::int64_t heads, kv_heads, head_dim;
};

// From the models' published configurations.
constexpr LlmAttention kLlmAttention[] = {
    {"gpt-2 / bert-base", 12, 12, 64},
    {"llama-2-7b", 32, 32, 128},
    {"llama-3-8b", 32, 8, 128},
    {"llama-2-70b", 64, 8, 128},
    {"gpt-3-175b", 96, 96, 128},
};

}  // namespace

void validate_attention_shape(const AttentionShape& s) {
  const std::string where = "attention shape '" + to_string(s) + "': ";
  if (s.b < 1 || s.h < 1 || s.h_kv < 1 || s.s_q < 1 || s.s_kv < 1 || s.d < 1)
    throw UsageError(where + "every dimension must be at least 1");
  if (s.h % s.h_kv != 0)
    throw UsageError(where + "H = " + std::to_string(s.h) + " is not a multiple of the kv heads (" + std::to_string(s.h_kv) + ")");
  // Kernels index with 32-bit ints: each tensor's element count must fit.
  const double limit = static_cast<double>(std::numeric_limits<std::int32_t>::max());
  const double q = static_cast<double>(s.b) * static_cast<double>(s.h) * static_cast<double>(s.s_q) * static_cast<double>(s.d);
  const double kv = static_cast<double>(s.b) * static_cast<double>(s.h_kv) * static_cast<double>(s.s_kv) * static_cast<double>(s.d);
  if (q > limit || kv > limit) throw UsageError(where + "a tensor has more than 2^31 - 1 elements");
}

AttentionShape parse_attention_shape(std::string_view text, std::int64_t kv_heads, std::int64_t seq_kv, bool causal) {
  std::string_view parts[4];
  int count = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == 'x' || text[i] == 'X') {
      if (count == 4) throw UsageError("attention shape '" + std::string(text) + "': expected four dimensions BxHxSxD");
      parts[count++] = text.substr(start, i - start);
      start = i + 1;
    }
  }
  if (count != 4) throw UsageError("attention shape '" + std::string(text) + "': expected four dimensions BxHxSxD");
  AttentionShape s;
  s.b = parse_field(parts[0], text, "B");
  s.h = parse_field(parts[1], text, "H");
  s.s_q = parse_field(parts[2], text, "S");
  s.d = parse_field(parts[3], text, "D");
  if (kv_heads < 0) throw UsageError("--kv-heads must be at least 1");
  if (seq_kv < 0) throw UsageError("--seq-kv must be at least 1");
  s.h_kv = kv_heads > 0 ? kv_heads : s.h;
  s.s_kv = seq_kv > 0 ? seq_kv : s.s_q;
  s.causal = causal;
  validate_attention_shape(s);
  return s;
}

std::string to_string(const AttentionShape& s) {
  std::string out = std::to_string(s.b) + "x" + std::to_string(s.h) + "x" + std::to_string(s.s_q) + "x" + std::to_string(s.d);
  if (s.h_kv != s.h) out += " kv_heads=" + std::to_string(s.h_kv);
  if (s.s_kv != s.s_q) out += " seq_kv=" + std::to_string(s.s_kv);
  if (s.causal) out += " causal";
  return out;
}

std::vector<AttentionShape> attention_shape_set(std::string_view name, DeviceType device_type) {
  if (name != "llm") throw UsageError("unknown attention shape set '" + std::string(name) + "' (known: llm)");
  const bool cpu = device_type == DeviceType::cpu;
  // A large GPU needs about 16k tokens in flight per head group to fill; a CPU gets one
  // short sequence so the set finishes in minutes.
  const std::int64_t seqs_gpu[] = {512, 2048, 8192, 16384};
  const std::int64_t seqs_cpu[] = {512};
  std::vector<AttentionShape> out;
  for (const auto& m : kLlmAttention) {
    if (cpu && m.heads > 32) continue;
    for (std::int64_t s : cpu ? std::vector<std::int64_t>(std::begin(seqs_cpu), std::end(seqs_cpu))
                              : std::vector<std::int64_t>(std::begin(seqs_gpu), std::end(seqs_gpu))) {
      const std::int64_t batch = cpu ? 1 : std::max<std::int64_t>(1, 16384 / s);
      for (bool causal : {false, true}) {
        AttentionShape a{batch, m.heads, m.kv_heads, s, s, m.head_dim, causal,
                         std::string(m.model) + ", " + std::to_string(s) + " tokens" + (causal ? ", causal" : "")};
        out.push_back(a);
      }
    }
  }
  return out;
}

std::vector<AttentionShape> default_attention_shapes(DeviceType device_type) {
  if (device_type == DeviceType::cpu) return {{1, 8, 8, 1024, 1024, 64, false, "default"}, {1, 8, 8, 1024, 1024, 64, true, "default"}};
  return {{2, 32, 32, 4096, 4096, 128, false, "default"}, {2, 32, 32, 4096, 4096, 128, true, "default"}};
}

double attention_flops(const AttentionShape& s) {
  const double full = 4.0 * static_cast<double>(s.b) * static_cast<double>(s.h) * static_cast<double>(s.s_q) *
                      static_cast<double>(s.s_kv) * static_cast<double>(s.d);
  return s.causal ? full / 2.0 : full;
}

}  // namespace suanli
