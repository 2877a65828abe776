#include "backends/opencl/opencl_dialect.h"

// Defined in the source that suanli_embed generates (see backends/opencl/CMakeLists.txt).
namespace suanli::opencl_dialect {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::opencl_dialect

namespace suanli::opencl {

std::string_view opencl_dialect_source() {
  for (int i = 0; i < opencl_dialect::kEmbeddedFileCount; ++i) {
    if (opencl_dialect::kEmbeddedFiles[i].name == "opencl") return opencl_dialect::kEmbeddedFiles[i].text;
  }
  return {};  // unreachable: the build embeds exactly this file
}

}  // namespace suanli::opencl
