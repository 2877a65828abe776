#include "kernels/portable_kernels.h"

#include <stdexcept>
#include <string>

namespace suanli::portable_kernels {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::portable_kernels

namespace suanli {

std::string_view portable_kernel_source(std::string_view name) {
  for (int i = 0; i < portable_kernels::kEmbeddedFileCount; ++i) {
    if (portable_kernels::kEmbeddedFiles[i].name == name) return portable_kernels::kEmbeddedFiles[i].text;
  }
  throw std::out_of_range("no portable kernel named '" + std::string(name) + "'");
}

}  // namespace suanli
