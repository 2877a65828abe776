// libFuzzer: the chip database (results/chips.json or --chips FILE). Anything malformed is
// a ChipDbError; a database that parses can be matched and printed without throwing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "harness/chips.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto db = suanli::ChipDatabase::parse(text, "fuzz.json");
    for (const auto& chip : db.chips()) {
      (void)suanli::chip_to_json(chip).dump();
      for (const char* dtype : {"fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8"})
        (void)suanli::datasheet_peak(chip, dtype);
      (void)db.match(chip.name);
    }
    (void)db.match("NVIDIA H200");
  } catch (const suanli::ChipDbError&) {
  }
  return 0;
}
