// run --repetitions: the passes over the case list and the folding of their records.
#include <gtest/gtest.h>

#include <set>

#include "harness/case_record.h"
#include "harness/repetitions.h"

namespace suanli {
namespace {

std::vector<CaseSpec> three_cases() {
  std::vector<CaseSpec> cases(3);
  for (int i = 0; i < 3; ++i) {
    cases[static_cast<std::size_t>(i)].id = i;
    cases[static_cast<std::size_t>(i)].shape = {64 * (i + 1), 64, 64, ""};
  }
  return cases;
}

TEST(Repetitions, ExpandRunsWholePassesWithUniqueIds) {
  const auto out = expand_repetitions(three_cases(), 4);
  ASSERT_EQ(out.size(), 12u);
  std::set<int> ids;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int pass = static_cast<int>(i / 3), which = static_cast<int>(i % 3);
    EXPECT_EQ(out[i].shape.m, 64 * (which + 1)) << i;  // pass order: every case, then again
    EXPECT_EQ(out[i].id, which * 4 + pass) << i;       // id / n names the case, id % n the pass
    ids.insert(out[i].id);
  }
  EXPECT_EQ(ids.size(), 12u);
  EXPECT_EQ(expand_repetitions(three_cases(), 1).size(), 3u);
  EXPECT_EQ(expand_repetitions(three_cases(), 1)[2].id, 2);
  EXPECT_THROW(expand_repetitions(three_cases(), 0), std::invalid_argument);
}

nlohmann::json ok_record(int id, std::vector<double> samples) {
  const double median = samples[samples.size() / 2];
  return {{"id", id},
          {"status", "ok"},
          {"reason", ""},
          {"verified", true},
          {"flops", 2e9},
          {"tflops", 2e9 / median / 1e12},
          {"stats", {{"median_s", median}, {"n", samples.size()}, {"cv", 0.01}, {"stop_reason", "time_cap"}, {"loop_s", 0.5}}},
          {"samples_s", samples},
          {"state_after", {{"sm_clock_mhz", id}}}};
}

TEST(Repetitions, FoldJoinsTheRunsOfACaseAndRestatesItsStatistics) {
  // Case 0 ran in passes 0, 1, 2 (ids 0, 1, 2); case 1 has ids 3, 4, 5. Given out of order.
  const std::vector<nlohmann::json> records = {ok_record(4, {2.0, 2.0, 2.0}), ok_record(0, {1.0, 1.0, 1.0}),
                                               ok_record(2, {3.0, 3.0, 3.0}), ok_record(1, {2.0, 2.0, 2.0}),
                                               ok_record(3, {2.0, 2.0, 2.0}), ok_record(5, {2.0, 2.0})};
  const auto out = fold_repetitions(records, 3);
  ASSERT_EQ(out.size(), 2u);
  const auto& c0 = out[0];
  EXPECT_EQ(c0["id"], 0);
  EXPECT_EQ(c0["status"], "ok");
  EXPECT_EQ(c0["samples_s"].size(), 9u);
  EXPECT_EQ(c0["samples_s"][0], 1.0);  // pass order
  EXPECT_EQ(c0["samples_s"][8], 3.0);
  EXPECT_EQ(c0["stats"]["n"], 9);
  EXPECT_DOUBLE_EQ(c0["stats"]["median_s"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(c0["stats"]["min_s"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(c0["stats"]["loop_s"].get<double>(), 1.5);
  EXPECT_EQ(c0["stats"]["stop_reason"], "repetitions");
  EXPECT_DOUBLE_EQ(c0["tflops"].get<double>(), 2e9 / 2.0 / 1e12);
  EXPECT_EQ(c0["state_after"]["sm_clock_mhz"], 2);  // the last run's
  EXPECT_EQ(repetition_medians(c0), (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_EQ(c0["repetitions"][2]["stop_reason"], "time_cap");
  EXPECT_EQ(out[1]["id"], 1);
  EXPECT_EQ(out[1]["samples_s"].size(), 8u);
}

TEST(Repetitions, OneFailedRunFailsTheCaseAndSaysWhich) {
  nlohmann::json failed = {{"id", 4}, {"status", "failed"}, {"reason", "verification failed: 3 elements"}};
  const auto out = fold_repetitions({ok_record(3, {1.0}), failed, ok_record(5, {1.0})}, 3);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["id"], 1);
  EXPECT_EQ(out[0]["status"], "failed");
  EXPECT_EQ(out[0]["reason"], "repetition 2 of 3: verification failed: 3 elements");
  EXPECT_EQ(out[0]["repetitions"][0]["status"], "ok");
  EXPECT_EQ(out[0]["repetitions"][1]["status"], "failed");
  EXPECT_TRUE(repetition_medians(out[0]).empty());
}

TEST(Repetitions, ACaseSkippedOnEveryRunKeepsItsReason) {
  std::vector<nlohmann::json> skipped;
  for (int id = 0; id < 2; ++id) skipped.push_back({{"id", id}, {"status", "skipped"}, {"reason", "no fp64 on this device"}});
  const auto out = fold_repetitions(skipped, 2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["status"], "skipped");
  EXPECT_EQ(out[0]["reason"], "no fp64 on this device");
}

TEST(Repetitions, OneRunIsLeftAlone) {
  const std::vector<nlohmann::json> records = {ok_record(0, {1.0, 2.0})};
  EXPECT_EQ(fold_repetitions(records, 1), records);
  EXPECT_TRUE(repetition_medians(records[0]).empty());
}

// The energy fields: a window under 1 s keeps its joules but gives no power; runs folded add
// their windows; one run without a counter makes the fold unknown; a counter that did not
// move over a long window says so instead of reporting 0 W.
TEST(Repetitions, EnergyWindowsAddUpAndShortOnesGiveNoPower) {
  nlohmann::json a = {{"tflops", 2.0}}, b = {{"tflops", 2.0}};
  record_energy(a, EnergyWindow{300.0, 0.6});
  record_energy(b, EnergyWindow{360.0, 0.6});
  EXPECT_TRUE(a["energy"]["avg_power_w"].is_null());
  EXPECT_NE(a["energy"].value("note", "").find("under 1 s"), std::string::npos);
  EXPECT_FALSE(a.contains("tflops_per_w"));

  nlohmann::json folded = {{"tflops", 2.0}};
  fold_energy(folded, {&a, &b});
  EXPECT_DOUBLE_EQ(folded["energy"]["joules"].get<double>(), 660.0);
  EXPECT_DOUBLE_EQ(folded["energy"]["window_s"].get<double>(), 1.2);
  EXPECT_DOUBLE_EQ(folded["energy"]["avg_power_w"].get<double>(), 550.0);
  EXPECT_DOUBLE_EQ(folded["tflops_per_w"].get<double>(), 2.0 / 550.0);

  nlohmann::json none = {{"tflops", 2.0}};
  record_energy(none, std::nullopt);
  nlohmann::json unknown = {{"tflops", 2.0}, {"tflops_per_w", 1.0}};
  fold_energy(unknown, {&a, &none});
  EXPECT_TRUE(unknown["energy"].is_null());
  EXPECT_FALSE(unknown.contains("tflops_per_w"));

  nlohmann::json old = {{"tflops", 2.0}}, old_out = {{"tflops", 2.0}};  // measured before schema_minor 4
  fold_energy(old_out, {&old, &old});
  EXPECT_FALSE(old_out.contains("energy"));

  nlohmann::json stuck = {{"tflops", 2.0}};
  record_energy(stuck, EnergyWindow{0.0, 2.0});
  EXPECT_TRUE(stuck["energy"]["avg_power_w"].is_null());
  EXPECT_NE(stuck["energy"].value("note", "").find("did not advance"), std::string::npos);
}

}  // namespace
}  // namespace suanli
