// results/chips.json as embedded at build time: the default chip database.
#pragma once

#include <string_view>

namespace suanli {

std::string_view embedded_chips_json();

}  // namespace suanli
