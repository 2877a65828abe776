// libFuzzer: result files read back by compare, merge and history. Malformed documents are
// a UsageError from validation; a document that validates must give every case an
// identity, a label and its samples without throwing (those run on untrusted files).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/errors.h"
#include "harness/result_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return 0;  // not JSON: load_result_file reports it before this point
  try {
    const auto file = suanli::validate_result_document(std::move(doc), "fuzz.json");
    for (const auto& c : file.document.at("cases")) {
      (void)suanli::case_key(c);
      (void)suanli::case_label(c);
      for (double s : suanli::case_samples(c))
        if (!(s > 0)) __builtin_trap();  // validation admits only positive samples
    }
  } catch (const suanli::UsageError&) {
  }
  return 0;
}
