#include "backends/hip/hip_dialect.h"

#include "backends/kernel_build.h"

// Defined in the source that suanli_embed generates (see backends/hip/CMakeLists.txt).
namespace suanli::hip_dialect {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::hip_dialect

namespace suanli::hip {

std::string_view hip_dialect_source() {
  for (int i = 0; i < hip_dialect::kEmbeddedFileCount; ++i) {
    if (hip_dialect::kEmbeddedFiles[i].name == "hip") return hip_dialect::kEmbeddedFiles[i].text;
  }
  return {};  // unreachable: the build embeds exactly this file
}

std::string with_dialect(std::string_view source) { return source_with_dialect(hip_dialect_source(), source); }

}  // namespace suanli::hip
