#include "harness/device_health.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "harness/result_file.h"
#include "harness/stats.h"

namespace suanli {
namespace {

// Devices are siblings when the runtime names them the same and they hold the same
// memory: an 40 GB and an 80 GB card of one name are different products.
std::string model_key(const nlohmann::json& device) {
  const auto& info = device.at("info");
  return info.value("name", "") + "|" + std::to_string(info.value("global_mem_bytes", std::uint64_t{0}));
}

// Median time of an "ok" case, or a negative number when the case cannot be compared.
double case_median_s(const nlohmann::json& rec) {
  if (rec.value("status", "") != "ok") return -1;
  const auto s = rec.find("stats");
  if (s == rec.end() || !s->is_object() || !s->contains("median_s") || !(*s)["median_s"].is_number()) return -1;
  return (*s)["median_s"].get<double>();
}

std::string state_text(const nlohmann::json& state) {
  if (!state.is_object()) return "state unknown";
  std::string out;
  auto add = [&](const char* key, const char* fmt) {
    const auto v = state.find(key);
    if (v == state.end() || !v->is_number()) return;
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v->get<double>());
    out += (out.empty() ? "" : ", ") + std::string(buf);
  };
  add("sm_clock_mhz", "clock %.0f MHz");
  add("temperature_c", "%.0f C");
  add("power_w", "%.0f W");
  const auto t = state.find("throttle_reasons");
  if (t != state.end() && t->is_string() && !t->get<std::string>().empty()) out += (out.empty() ? "" : ", ") + ("throttle: " + t->get<std::string>());
  return out.empty() ? "state unknown" : out;
}

}  // namespace

nlohmann::json device_health(const nlohmann::json& devices, const std::vector<nlohmann::json>& cases, double threshold_pct) {
  // median time per (device id, case id)
  std::map<std::string, std::map<int, const nlohmann::json*>> by_device;
  for (const auto& rec : cases)
    if (case_median_s(rec) > 0) by_device[rec.value("device", "")][rec.value("id", -1)] = &rec;

  nlohmann::json out_devices = nlohmann::json::array();
  nlohmann::json flagged = nlohmann::json::array();
  for (const auto& dev : devices) {
    const std::string id = dev.at("id").get<std::string>();
    nlohmann::json siblings = nlohmann::json::array();
    for (const auto& other : devices)
      if (other.at("id") != dev.at("id") && model_key(other) == model_key(dev)) siblings.push_back(other.at("id"));
    nlohmann::json entry = {{"device", id}, {"device_name", dev.at("info").value("name", "")}, {"siblings", siblings}};
    nlohmann::json flags = nlohmann::json::array();
    int compared = 0;
    for (const auto& [case_id, rec] : by_device[id]) {
      std::vector<double> sibling_times;
      for (const auto& sib : siblings) {
        const auto& theirs = by_device[sib.get<std::string>()];
        if (const auto it = theirs.find(case_id); it != theirs.end()) sibling_times.push_back(case_median_s(*it->second));
      }
      if (sibling_times.empty()) continue;
      ++compared;
      std::sort(sibling_times.begin(), sibling_times.end());
      const double reference = percentile_sorted(sibling_times, 0.5);
      const double mine = case_median_s(*rec);
      // Throughput deficit: 1 - (1/mine) / (1/reference).
      const double pct_below = 100.0 * (1.0 - reference / mine);
      if (pct_below > threshold_pct)
        flags.push_back({{"case_id", case_id},
                         {"case", case_label(*rec)},
                         {"median_s", mine},
                         {"siblings_median_s", reference},
                         {"pct_below", pct_below},
                         {"state_before", rec->value("state_before", nlohmann::json(nullptr))},
                         {"state_after", rec->value("state_after", nlohmann::json(nullptr))}});
    }
    entry["cases_compared"] = compared;
    entry["flags"] = flags;
    if (siblings.empty()) entry["verdict"] = "no siblings to compare";
    else if (compared == 0) entry["verdict"] = "no comparable cases";
    else if (!flags.empty()) entry["verdict"] = "flagged";
    else entry["verdict"] = "ok";
    if (!flags.empty()) flagged.push_back(id);
    out_devices.push_back(entry);
  }
  return {{"method",
           "per ok case, a device's throughput against the median of its siblings (same device name and memory, itself "
           "excluded); flagged when more than threshold_pct below"},
          {"threshold_pct", threshold_pct},
          {"flagged", flagged},
          {"devices", out_devices}};
}

std::string health_text(const nlohmann::json& health) {
  char head[160];
  std::snprintf(head, sizeof head, "device health (against identical siblings; flagged when more than %.3g%% slower than their median):\n",
                health.value("threshold_pct", kDefaultHealthThresholdPct));
  std::string out = head;
  for (const auto& d : health.at("devices")) {
    const std::string verdict = d.value("verdict", "");
    out += "  " + d.value("device", "") + "  " + d.value("device_name", "") + "  ";
    if (verdict == "ok" || verdict == "flagged")
      out += (verdict == "ok" ? "ok" : "FLAGGED") + std::string(" (") + std::to_string(d.value("cases_compared", 0)) + " case(s) compared with " +
             std::to_string(d.at("siblings").size()) + " sibling(s))\n";
    else
      out += verdict + "\n";
    for (const auto& f : d.at("flags")) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%.1f%% below siblings' median", f.value("pct_below", 0.0));
      out += "      " + f.value("case", "") + ": " + buf + " (" + state_text(f.value("state_after", nlohmann::json(nullptr))) + ")\n";
    }
  }
  return out;
}

}  // namespace suanli
