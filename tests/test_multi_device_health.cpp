// The sibling health check on synthetic results: which device is flagged, and why.
#include <gtest/gtest.h>

#include "harness/device_health.h"

namespace suanli {
namespace {

nlohmann::json device(const std::string& id, const std::string& name, std::uint64_t mem = 80) {
  return {{"id", id}, {"info", {{"name", name}, {"global_mem_bytes", mem}}}};
}

nlohmann::json ok_case(const std::string& device_id, int id, double median_s) {
  return {{"id", id},           {"device", device_id}, {"status", "ok"},     {"workload", "gemm"},
          {"dtype", "fp32"},    {"tier", "vendor"},    {"backend", "fake"},  {"device_name", "X"},
          {"shape", {{"m", 64}, {"n", 64}, {"k", 64}}}, {"stats", {{"median_s", median_s}}},
          {"state_after", {{"sm_clock_mhz", 1200.0}, {"temperature_c", 90.0}, {"power_w", 300.0}}}};
}

const nlohmann::json& entry_for(const nlohmann::json& health, const std::string& id) {
  for (const auto& d : health["devices"])
    if (d["device"] == id) return d;
  throw std::runtime_error("no health entry for " + id);
}

TEST(DeviceHealth, FlagsOnlyTheDeviceBelowItsSiblingsMedian) {
  const nlohmann::json devices = {device("b:0", "X"), device("b:1", "X"), device("b:2", "X"), device("b:3", "X")};
  std::vector<nlohmann::json> cases;
  for (int c = 0; c < 2; ++c) {
    cases.push_back(ok_case("b:0", c, 1.00));
    cases.push_back(ok_case("b:1", c, 1.02));  // 2% slower: noise, not a fault
    cases.push_back(ok_case("b:2", c, 0.99));
    cases.push_back(ok_case("b:3", c, c == 1 ? 1.25 : 1.01));  // 20% less throughput on case 1
  }
  const auto h = device_health(devices, cases, 5.0);
  ASSERT_EQ(h["flagged"], nlohmann::json::array({"b:3"})) << h.dump(2);
  const auto& bad = entry_for(h, "b:3");
  EXPECT_EQ(bad["verdict"], "flagged");
  EXPECT_EQ(bad["cases_compared"], 2);
  ASSERT_EQ(bad["flags"].size(), 1u);
  EXPECT_EQ(bad["flags"][0]["case_id"], 1);
  // The reference is the median of the *other* three (1.00, 1.02, 0.99) = 1.00.
  EXPECT_NEAR(bad["flags"][0]["pct_below"].get<double>(), 20.0, 1e-9);
  EXPECT_EQ(bad["flags"][0]["state_after"]["temperature_c"], 90.0);
  for (const char* id : {"b:0", "b:1", "b:2"}) EXPECT_EQ(entry_for(h, id)["verdict"], "ok") << id;

  const std::string text = health_text(h);
  EXPECT_NE(text.find("b:3"), std::string::npos);
  EXPECT_NE(text.find("FLAGGED"), std::string::npos);
  EXPECT_NE(text.find("20.0% below"), std::string::npos) << text;
  EXPECT_NE(text.find("90 C"), std::string::npos) << text;
}

TEST(DeviceHealth, ThresholdDecides) {
  const nlohmann::json devices = {device("b:0", "X"), device("b:1", "X"), device("b:2", "X")};
  const std::vector<nlohmann::json> cases = {ok_case("b:0", 0, 1.0), ok_case("b:1", 0, 1.0), ok_case("b:2", 0, 1.08)};
  EXPECT_EQ(device_health(devices, cases, 5.0)["flagged"].size(), 1u);
  EXPECT_EQ(device_health(devices, cases, 10.0)["flagged"].size(), 0u);
}

TEST(DeviceHealth, DifferentModelsAreNotSiblingsAndFailedCasesAreNotCompared) {
  const nlohmann::json devices = {device("b:0", "X"), device("b:1", "X"), device("b:2", "Y"), device("b:3", "X", 40)};
  std::vector<nlohmann::json> cases = {ok_case("b:0", 0, 1.0), ok_case("b:1", 0, 3.0), ok_case("b:2", 0, 9.0), ok_case("b:3", 0, 9.0)};
  cases[1]["status"] = "failed";  // b:1's only case: nothing to compare for b:0 or b:1
  const auto h = device_health(devices, cases, 5.0);
  EXPECT_EQ(entry_for(h, "b:2")["verdict"], "no siblings to compare");
  EXPECT_EQ(entry_for(h, "b:3")["verdict"], "no siblings to compare");  // same name, other memory size
  EXPECT_EQ(entry_for(h, "b:0")["verdict"], "no comparable cases");
  EXPECT_EQ(entry_for(h, "b:1")["verdict"], "no comparable cases");
  EXPECT_TRUE(h["flagged"].empty());
}

}  // namespace
}  // namespace suanli
