// The sibling health check of a many-device run ("one bad card in eight"): devices that
// are the same model are compared case by case, and a device clearly slower than the
// rest of its siblings is flagged with its clocks, temperature and power at the time.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace suanli {

constexpr double kDefaultHealthThresholdPct = 5.0;

// `devices`: the results document's devices array ({id, info {name, global_mem_bytes}});
// `cases`: finalized case records carrying "device". Siblings are devices with the same
// reported name and memory size. For every "ok" case, a device's throughput (1/median
// time) is compared with the median throughput of its siblings *excluding itself* (so a
// bad card cannot drag the reference towards itself); more than `threshold_pct` below it
// flags the device for that case. Returns the document's "health" section:
//   {method, threshold_pct, flagged [ids],
//    devices [{device, device_name, siblings [ids], verdict "ok"|"flagged"|
//              "no siblings to compare"|"no comparable cases", cases_compared,
//              flags [{case_id, case, median_s, siblings_median_s, pct_below,
//                      state_before, state_after}]}]}
nlohmann::json device_health(const nlohmann::json& devices, const std::vector<nlohmann::json>& cases, double threshold_pct);

// The verdicts for people, one line per device (and one per flagged case).
std::string health_text(const nlohmann::json& health);

}  // namespace suanli
