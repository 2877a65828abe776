#include "harness/shape_file.h"

#include <charconv>
#include <fstream>
#include <sstream>

#include "harness/errors.h"

namespace suanli {
namespace {

constexpr std::size_t kMaxLineBytes = 4096;
constexpr std::size_t kMaxShapes = 100000;

struct Line {
  int number;
  std::vector<std::string> words;  // the shape first, then its modifiers
};

// Splits into non-empty, comment-free lines of whitespace-separated words.
std::vector<Line> lines_of(std::string_view text, const std::string& origin) {
  std::vector<Line> out;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const auto where = origin + ":" + std::to_string(number);
    if (line.size() > kMaxLineBytes) throw UsageError(where + ": line longer than 4096 bytes");
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    Line parsed{number, {}};
    std::string word;
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') {
        if (!word.empty()) parsed.words.push_back(std::move(word));
        word.clear();
      } else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7f) {
        throw UsageError(where + ": control character in the line");
      } else {
        word += c;
      }
    }
    if (!word.empty()) parsed.words.push_back(std::move(word));
    if (!parsed.words.empty()) out.push_back(std::move(parsed));
    if (out.size() > kMaxShapes) throw UsageError(origin + ": more than 100000 shapes");
    if (end == text.size()) break;
  }
  if (out.empty()) throw UsageError(origin + ": no shapes in the file");
  return out;
}

std::int64_t positive_value(std::string_view value, const std::string& where, const std::string& key) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size() || v < 1)
    throw UsageError(where + ": " + key + "='" + std::string(value) + "' is not a positive integer");
  return v;
}

// Runs parse on the line, prefixing any UsageError with FILE:LINE.
template <typename Parse>
auto at_line(const std::string& where, Parse parse) {
  try {
    return parse();
  } catch (const UsageError& e) {
    throw UsageError(where + ": " + e.what());
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot open the shape file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::vector<GemmShape> parse_gemm_shape_file(std::string_view text, const std::string& origin) {
  std::vector<GemmShape> out;
  for (const Line& line : lines_of(text, origin)) {
    const std::string where = origin + ":" + std::to_string(line.number);
    GemmShape shape = at_line(where, [&] { return parse_gemm_shape(line.words[0]); });
    for (std::size_t i = 1; i < line.words.size(); ++i) {
      const std::string& w = line.words[i];
      if (w.rfind("name=", 0) == 0 && w.size() > 5) shape.label = w.substr(5);
      else throw UsageError(where + ": unknown gemm modifier '" + w + "' (known: name=LABEL)");
    }
    out.push_back(std::move(shape));
  }
  return out;
}

std::vector<AttentionShape> parse_attention_shape_file(std::string_view text, const std::string& origin) {
  std::vector<AttentionShape> out;
  for (const Line& line : lines_of(text, origin)) {
    const std::string where = origin + ":" + std::to_string(line.number);
    std::int64_t kv_heads = 0, seq_kv = 0;
    bool causal = false;
    std::string label;
    for (std::size_t i = 1; i < line.words.size(); ++i) {
      const std::string& w = line.words[i];
      if (w == "causal") causal = true;
      else if (w.rfind("kv_heads=", 0) == 0) kv_heads = positive_value(std::string_view(w).substr(9), where, "kv_heads");
      else if (w.rfind("seq_kv=", 0) == 0) seq_kv = positive_value(std::string_view(w).substr(7), where, "seq_kv");
      else if (w.rfind("name=", 0) == 0 && w.size() > 5) label = w.substr(5);
      else
        throw UsageError(where + ": unknown attention modifier '" + w +
                         "' (known: kv_heads=N, seq_kv=N, causal, name=LABEL)");
    }
    AttentionShape shape = at_line(where, [&] { return parse_attention_shape(line.words[0], kv_heads, seq_kv, causal); });
    shape.label = label;
    out.push_back(std::move(shape));
  }
  return out;
}

std::vector<GemmShape> read_gemm_shape_file(const std::string& path) { return parse_gemm_shape_file(read_text(path), path); }

std::vector<AttentionShape> read_attention_shape_file(const std::string& path) {
  return parse_attention_shape_file(read_text(path), path);
}

}  // namespace suanli
