#include "harness/embedded_chips.h"

namespace suanli::embedded_data {
struct EmbeddedFile {
  std::string_view name;
  std::string_view text;
};
extern const EmbeddedFile kEmbeddedFiles[];
extern const int kEmbeddedFileCount;
}  // namespace suanli::embedded_data

namespace suanli {

std::string_view embedded_chips_json() {
  for (int i = 0; i < embedded_data::kEmbeddedFileCount; ++i)
    if (embedded_data::kEmbeddedFiles[i].name == "chips_json") return embedded_data::kEmbeddedFiles[i].text;
  return {};
}

}  // namespace suanli
