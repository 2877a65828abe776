#include "backends/cuda/cuda_dialect.h"

// Defined in the source that suanli_embed generates (see backends/cuda/CMakeLists.txt).
namespace suanli::cuda_dialect {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::cuda_dialect

namespace suanli::cuda {

std::string_view cuda_dialect_source() {
  for (int i = 0; i < cuda_dialect::kEmbeddedFileCount; ++i) {
    if (cuda_dialect::kEmbeddedFiles[i].name == "cuda") return cuda_dialect::kEmbeddedFiles[i].text;
  }
  return {};  // unreachable: the build embeds exactly this file
}

}  // namespace suanli::cuda
