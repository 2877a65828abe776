// Views of a results document: the console table and CSV. Both read only the document,
// so a saved result file renders exactly as the live run did.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace suanli {

std::string results_table(const nlohmann::json& document);
std::string results_csv(const nlohmann::json& document);

}  // namespace suanli
