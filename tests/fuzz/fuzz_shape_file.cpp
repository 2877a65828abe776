// libFuzzer: shape-set files (--shape-file). Every bad file is a UsageError naming
// FILE:LINE; a parsed file has at least one shape.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "harness/errors.h"
#include "harness/shape_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    if (suanli::parse_gemm_shape_file(text, "fuzz.txt").empty()) __builtin_trap();
  } catch (const suanli::UsageError& e) {
    if (std::string_view(e.what()).rfind("fuzz.txt", 0) != 0) __builtin_trap();  // names the file
  }
  try {
    if (suanli::parse_attention_shape_file(text, "fuzz.txt").empty()) __builtin_trap();
  } catch (const suanli::UsageError& e) {
    if (std::string_view(e.what()).rfind("fuzz.txt", 0) != 0) __builtin_trap();
  }
  return 0;
}
