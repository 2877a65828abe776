// Who ran: host name, CPU, OS, kernel — for the provenance block of every result file.
#pragma once

#include <nlohmann/json.hpp>

namespace suanli {

nlohmann::json host_info_json();
std::string utc_now_iso8601();

}  // namespace suanli
