// `suanli compare` statistics and verdicts. Reference p-values come from
// scipy.stats.mannwhitneyu 1.17 (method='exact' / 'asymptotic', two-sided), computed once
// with the data written here.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "harness/compare.h"
#include "harness/compare_report.h"
#include "harness/compare_stats.h"
#include "harness/errors.h"

namespace suanli {
namespace {

// Timing-like samples: a median of `center` seconds with multiplicative noise of `spread`
// (log-normal, so skewed like real timings), from a fixed seed.
std::vector<double> timings(double center, double spread, int n, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> noise(0.0, spread);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(center * std::exp(noise(gen)));
  return out;
}

TEST(MannWhitney, ExactSmallSamplesMatchScipy) {
  const auto r = mann_whitney_u({1.1, 2.3, 3.7, 4.2, 5.9}, {2.0, 6.1, 7.4, 8.8, 9.5, 10.2});
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 4.0);
  EXPECT_NEAR(r.p_value, 0.05194805194805195, 1e-12);

  const auto r2 = mann_whitney_u({1.1, 2.3, 3.7, 4.2, 5.9, 0.5, 7.7}, {2.05, 6.1, 7.4, 8.8, 9.5, 10.2, 3.3, 4.4});
  EXPECT_DOUBLE_EQ(r2.u, 13.0);
  EXPECT_NEAR(r2.p_value, 0.09386169386169387, 1e-12);
}

// first, first + 1, ..., last (+ offset): distinct values, so no ties.
std::vector<double> run_of(int first, int last, double offset = 0) {
  std::vector<double> out;
  for (int v = first; v <= last; ++v) out.push_back(v + offset);
  return out;
}

TEST(MannWhitney, ExactTwentyByTwentyMatchesScipyAndIsSymmetric) {
  const auto x = run_of(1, 20), y = run_of(4, 23, 0.5);
  const auto r = mann_whitney_u(x, y);
  EXPECT_TRUE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 136.0);
  EXPECT_NEAR(r.p_value, 0.0859140199856938, 1e-12);
  const auto swapped = mann_whitney_u(y, x);
  EXPECT_DOUBLE_EQ(swapped.u, 264.0);
  EXPECT_NEAR(swapped.p_value, r.p_value, 1e-14);
}

TEST(MannWhitney, TiesUseTheCorrectedNormalApproximation) {
  const auto r = mann_whitney_u({1, 2, 2, 3, 3, 3, 4, 5, 5, 6}, {3, 4, 4, 5, 6, 6, 7, 7, 8, 9, 9});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u, 15.5);
  EXPECT_NEAR(r.p_value, 0.005625214779700691, 1e-12);
}

TEST(MannWhitney, LargeSamplesWithoutTiesUseTheNormalApproximation) {
  const auto r = mann_whitney_u(run_of(1, 30), run_of(3, 32, 0.5));
  EXPECT_FALSE(r.exact);  // C(60, 30) does not fit a double exactly
  EXPECT_DOUBLE_EQ(r.u, 378.0);
  EXPECT_NEAR(r.p_value, 0.2904721494938346, 1e-12);  // scipy exact: 0.29279
}

TEST(MannWhitney, AllEqualValuesGiveNoEvidence) {
  EXPECT_DOUBLE_EQ(mann_whitney_u({2, 2, 2}, {2, 2, 2, 2}).p_value, 1.0);
  EXPECT_THROW(mann_whitney_u({}, {1.0}), std::invalid_argument);
}

TEST(Median, OddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median_of({3, 1, 2}), 2.0);
  EXPECT_DOUBLE_EQ(median_of({4, 1, 3, 2}), 2.5);
  EXPECT_THROW(median_of({}), std::invalid_argument);
}

TEST(Bootstrap, SameSeedSameIntervalOtherSeedOtherInterval) {
  const auto base = timings(1e-3, 0.05, 40, 1);
  const auto fresh = timings(1.05e-3, 0.05, 40, 2);
  const auto a = bootstrap_median_ratio(base, fresh, 0.01, 2000, 42);
  const auto b = bootstrap_median_ratio(base, fresh, 0.01, 2000, 42);
  EXPECT_EQ(a.lo, b.lo);
  EXPECT_EQ(a.hi, b.hi);
  const auto c = bootstrap_median_ratio(base, fresh, 0.01, 2000, 43);
  EXPECT_TRUE(a.lo != c.lo || a.hi != c.hi);
  // The interval brackets the observed ratio and narrows as the confidence drops.
  const double ratio = median_of(fresh) / median_of(base);
  EXPECT_LT(a.lo, ratio);
  EXPECT_GT(a.hi, ratio);
  const auto narrow = bootstrap_median_ratio(base, fresh, 0.2, 2000, 42);
  EXPECT_GT(narrow.lo, a.lo);
  EXPECT_LT(narrow.hi, a.hi);
}

TEST(Bootstrap, IdenticalConstantSamplesGiveAPointInterval) {
  const auto r = bootstrap_median_ratio({2.0, 2.0, 2.0}, {3.0, 3.0}, 0.05, 200, 1);
  EXPECT_DOUBLE_EQ(r.lo, 1.5);
  EXPECT_DOUBLE_EQ(r.hi, 1.5);
}

CompareSettings settings() { return {}; }

CompareSettings paired_settings_for_test() {
  CompareSettings s;
  s.paired = true;
  return s;
}

TEST(Verdict, IdenticalDistributionsAreSame) {
  const auto base = timings(1e-3, 0.01, 100, 11);
  const auto fresh = timings(1e-3, 0.01, 100, 12);
  const auto r = compare_samples(base, fresh, settings(), 7);
  EXPECT_EQ(r.verdict, Verdict::same) << r.why << " ratio " << r.ratio;
  EXPECT_TRUE(r.tested);
}

TEST(Verdict, ATenPercentShiftIsSlowerAndItsReverseFaster) {
  const auto base = timings(1e-3, 0.01, 60, 21);
  const auto fresh = timings(1.1e-3, 0.01, 60, 22);
  const auto slower = compare_samples(base, fresh, settings(), 7);
  EXPECT_EQ(slower.verdict, Verdict::slower) << slower.why;
  EXPECT_NEAR(slower.ratio, 1.1, 0.01);
  EXPECT_GT(slower.ratio_ci.lo, 1.03);
  EXPECT_LT(slower.p_value, 1e-6);
  const auto faster = compare_samples(fresh, base, settings(), 7);
  EXPECT_EQ(faster.verdict, Verdict::faster) << faster.why;
}

TEST(Verdict, TinyNoisySamplesAreAmbiguous) {
  // Too few to test at all.
  auto r = compare_samples({1.0, 1.3, 0.8}, {1.2, 0.9, 1.5}, settings(), 7);
  EXPECT_EQ(r.verdict, Verdict::ambiguous);
  EXPECT_FALSE(r.tested);
  // Enough to test, but 20% noise hides whether a 10% shift is there.
  r = compare_samples(timings(1.0, 0.2, 8, 31), timings(1.1, 0.2, 8, 32), settings(), 7);
  EXPECT_EQ(r.verdict, Verdict::ambiguous) << r.why;
  EXPECT_TRUE(r.tested);
}

TEST(Verdict, ASignificantChangeSmallerThanTheThresholdIsSame) {
  const auto base = timings(1e-3, 0.002, 200, 41);
  const auto fresh = timings(1.01e-3, 0.002, 200, 42);
  const auto r = compare_samples(base, fresh, settings(), 7);
  EXPECT_LT(r.p_value, 0.01);
  EXPECT_EQ(r.verdict, Verdict::same) << r.why;
  // The same data with a threshold of 0.5% is a regression.
  CompareSettings tight;
  tight.threshold = 0.005;
  EXPECT_EQ(compare_samples(base, fresh, tight, 7).verdict, Verdict::slower);
}

TEST(Verdict, SlowerOnTheEstimateIsSlowerAndSaysWhenTheIntervalReachesInside) {
  // 5% slower with 3% noise and 30 samples: surely slower, the estimate past 3%, the
  // interval reaching below 3%. SLOWER, and the reason says the size is less sure.
  const auto r = compare_samples(timings(1.0, 0.03, 30, 51), timings(1.05, 0.03, 30, 52), settings(), 7);
  ASSERT_LT(r.p_value, 0.01);
  ASSERT_GT(r.ratio, 1.03);
  ASSERT_GT(r.ratio_ci.lo, 1.0);
  ASSERT_LT(r.ratio_ci.lo, 1.03);
  EXPECT_EQ(r.verdict, Verdict::slower);
  EXPECT_EQ(r.why, "significant, estimate beyond the threshold, interval reaches inside it");
  const auto back = compare_samples(timings(1.05, 0.03, 30, 52), timings(1.0, 0.03, 30, 51), settings(), 7);
  EXPECT_EQ(back.verdict, Verdict::faster);
}

TEST(Verdict, ASignificantShiftOfUnclearSizeBelowTheThresholdIsAmbiguous) {
  // 2.5% slower with 3% noise: significant, the estimate inside ±3%, the interval not.
  const auto r = compare_samples(timings(1.0, 0.03, 100, 53), timings(1.025, 0.03, 100, 54), settings(), 7);
  ASSERT_LT(r.p_value, 0.01);
  ASSERT_LT(r.ratio, 1.03);
  ASSERT_GT(r.ratio_ci.hi, 1.03);
  EXPECT_EQ(r.verdict, Verdict::ambiguous);
  EXPECT_EQ(r.why, "significant, estimate within the threshold, interval crosses it");
}

// The two goals of issue 7 as properties of the rule, on simulated runs with the run-to-run
// spread measured on the 2-core VM (about 4.5% a run, half of it shared by the two runs
// of an interleaved pair): no more false calls than alpha allows between two samples of
// one distribution, and a 6.5% slowdown (the measured size of the "5%" injected work)
// found in at least 95% of trials by 20 interleaved pairs.
TEST(Verdict, FalseCallsStayWithinAlphaAndA6Point5PercentSlowdownIsFoundByTwentyPairs) {
  constexpr int kTrials = 300;
  int false_calls = 0, found_paired = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const unsigned seed = 1000u + static_cast<unsigned>(trial);
    const auto a = timings(1.0, 0.045, 10, seed), b = timings(1.0, 0.045, 10, seed + 50000u);
    const Verdict aa = compare_samples(a, b, settings(), seed).verdict;
    if (aa == Verdict::slower || aa == Verdict::faster) ++false_calls;
    std::mt19937_64 gen(seed);
    std::normal_distribution<double> shared(0.0, 0.032), own(0.0, 0.032);
    std::vector<double> base, fresh;
    for (int i = 0; i < 20; ++i) {
      const double machine = std::exp(shared(gen));
      base.push_back(machine * std::exp(own(gen)));
      fresh.push_back(1.065 * machine * std::exp(own(gen)));
    }
    if (compare_pairs(base, fresh, paired_settings_for_test(), seed).verdict == Verdict::slower) ++found_paired;
  }
  EXPECT_LE(false_calls, 6) << "of " << kTrials;  // alpha 0.01: 3 expected at most
  EXPECT_GE(found_paired, kTrials * 95 / 100) << "of " << kTrials;
}

TEST(Threshold, PercentOrFraction) {
  EXPECT_DOUBLE_EQ(parse_threshold("3%"), 0.03);
  EXPECT_DOUBLE_EQ(parse_threshold("0.03"), 0.03);
  EXPECT_DOUBLE_EQ(parse_threshold("0.5%"), 0.005);
  EXPECT_DOUBLE_EQ(parse_threshold("150%"), 1.5);
  for (const char* bad : {"-5%", "abc", "", "%", "0", "0%", "3", "1.5", "3%%", "3 %", "nan", "inf%"})
    EXPECT_THROW(parse_threshold(bad), UsageError) << bad;
}

nlohmann::json gemm_case(int m, const std::string& status, std::vector<double> samples) {
  nlohmann::json c = {{"workload", "gemm"}, {"backend", "opencl"}, {"device_name", "dev"},
                      {"tier", "portable"}, {"dtype", "fp32"},    {"shape", {{"m", m}, {"n", m}, {"k", m}}},
                      {"status", status},   {"hot", false}};
  if (!samples.empty()) c["samples_s"] = samples;
  if (status != "ok") c["reason"] = "verification failed";
  return c;
}

ResultFile document(std::vector<nlohmann::json> cases, const std::string& name) {
  return validate_result_document({{"schema_version", 1}, {"cases", cases}}, name);
}

TEST(CompareResults, MatchesCasesAndListsTheOnesItCannotCompare) {
  const auto steady = timings(1e-3, 0.01, 50, 61);
  const auto slow = timings(1.2e-3, 0.01, 50, 62);
  const ResultFile base = document({gemm_case(64, "ok", steady), gemm_case(128, "ok", steady),
                                    gemm_case(256, "ok", steady), gemm_case(512, "ok", steady)},
                                   "base.json");
  const ResultFile fresh = document({gemm_case(128, "ok", slow), gemm_case(64, "ok", steady),
                                     gemm_case(256, "failed", {}), gemm_case(1024, "ok", steady)},
                                    "new.json");
  const Comparison c = compare_results(base, fresh, settings());
  ASSERT_EQ(c.cases.size(), 2u);
  EXPECT_EQ(c.cases[0].result.verdict, Verdict::slower);  // slower first
  EXPECT_NE(c.cases[0].label.find("128x128x128"), std::string::npos);
  EXPECT_EQ(c.cases[1].result.verdict, Verdict::same);
  EXPECT_EQ(c.count(Verdict::slower), 1);
  EXPECT_EQ(c.count(Verdict::same), 1);

  ASSERT_EQ(c.uncompared.size(), 3u);
  std::map<std::string, std::string> why;
  for (const auto& u : c.uncompared) why[u.label.substr(0, u.label.find(" opencl"))] = u.reason;
  EXPECT_EQ(why["gemm fp32 portable 1024x1024x1024"], "only in NEW");
  EXPECT_EQ(why["gemm fp32 portable 512x512x512"], "only in BASE");
  EXPECT_EQ(why["gemm fp32 portable 256x256x256"], "NEW: failed (verification failed)");
  EXPECT_EQ(compare_summary_line(c), "1 slower, 0 faster, 1 same, 0 ambiguous, 3 not compared");
}

TEST(CompareResults, DuplicatesAndMissingSamplesAreListed) {
  const auto s = timings(1e-3, 0.01, 20, 71);
  const ResultFile base = document({gemm_case(64, "ok", s), gemm_case(64, "ok", s), gemm_case(32, "ok", {})}, "b");
  const ResultFile fresh = document({gemm_case(64, "ok", s), gemm_case(32, "ok", s)}, "n");
  const Comparison c = compare_results(base, fresh, settings());
  EXPECT_TRUE(c.cases.empty());
  ASSERT_EQ(c.uncompared.size(), 2u);
  EXPECT_EQ(c.uncompared[0].reason, "BASE: no timing samples");
  EXPECT_NE(c.uncompared[1].reason.find("BASE: appears 2 times"), std::string::npos);
}

TEST(CompareResults, VerdictsDoNotDependOnOtherCasesOrOrder) {
  const auto base_s = timings(1e-3, 0.03, 30, 81);
  const auto new_s = timings(1.04e-3, 0.03, 30, 82);
  const ResultFile alone_b = document({gemm_case(64, "ok", base_s)}, "b");
  const ResultFile alone_n = document({gemm_case(64, "ok", new_s)}, "n");
  const ResultFile many_b = document({gemm_case(8, "ok", new_s), gemm_case(64, "ok", base_s)}, "b");
  const ResultFile many_n = document({gemm_case(64, "ok", new_s), gemm_case(8, "ok", base_s)}, "n");
  const auto one = compare_results(alone_b, alone_n, settings());
  const auto two = compare_results(many_b, many_n, settings());
  const auto& x = one.cases.at(0).result;
  const CaseComparison* y = nullptr;
  for (const auto& cc : two.cases)
    if (cc.key == one.cases[0].key) y = &cc;
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(x.ratio_ci.lo, y->result.ratio_ci.lo);
  EXPECT_EQ(x.ratio_ci.hi, y->result.ratio_ci.hi);
  EXPECT_EQ(x.verdict, y->result.verdict);
}

// A case of `run --repetitions`: one run per median, each run's samples tight around it.
nlohmann::json repeated_case(int m, const std::vector<double>& run_medians, unsigned seed) {
  std::vector<double> samples;
  nlohmann::json runs = nlohmann::json::array();
  for (std::size_t i = 0; i < run_medians.size(); ++i) {
    const auto one = timings(run_medians[i], 0.002, 20, seed + static_cast<unsigned>(i));
    samples.insert(samples.end(), one.begin(), one.end());
    runs.push_back({{"median_s", run_medians[i]}, {"n", 20}});
  }
  nlohmann::json c = gemm_case(m, "ok", samples);
  c["repetitions"] = runs;
  return c;
}

TEST(CompareUnits, AWholeRunShiftedByTheMachineIsNoiseWhenRunsAreTheUnit) {
  // Two files of one build: each run sits wherever the machine put it (±8%), its samples
  // tight. Pooled samples see two "different" distributions; the runs see none.
  const ResultFile base = document({repeated_case(64, {1.00e-3, 1.08e-3, 0.95e-3, 1.03e-3, 0.92e-3}, 11)}, "b");
  const ResultFile fresh = document({repeated_case(64, {1.06e-3, 0.97e-3, 1.07e-3, 1.04e-3, 1.09e-3}, 21)}, "n");
  CompareSettings by_samples = settings();
  by_samples.unit = CompareUnit::samples;
  const auto pooled = compare_results(base, fresh, by_samples);
  ASSERT_EQ(pooled.cases.size(), 1u);
  EXPECT_EQ(pooled.cases[0].result.unit, "samples");
  EXPECT_EQ(pooled.cases[0].result.n_base, 100);
  EXPECT_EQ(pooled.cases[0].result.verdict, Verdict::slower);  // the false call runs prevent

  const auto runs = compare_results(base, fresh, settings());  // automatic: both have 5 runs
  ASSERT_EQ(runs.cases.size(), 1u);
  EXPECT_EQ(runs.cases[0].result.unit, "runs");
  EXPECT_EQ(runs.cases[0].result.n_base, 5);
  EXPECT_EQ(runs.cases[0].result.verdict, Verdict::ambiguous);
}

TEST(CompareUnits, EveryRunSlowerIsSlowerWithRunsAsTheUnit) {
  const ResultFile base = document({repeated_case(64, {1.00e-3, 1.01e-3, 0.99e-3, 1.02e-3, 0.98e-3}, 31)}, "b");
  const ResultFile fresh = document({repeated_case(64, {1.20e-3, 1.21e-3, 1.19e-3, 1.22e-3, 1.18e-3}, 41)}, "n");
  const auto c = compare_results(base, fresh, settings());
  ASSERT_EQ(c.cases.size(), 1u);
  EXPECT_EQ(c.cases[0].result.unit, "runs");
  EXPECT_EQ(c.cases[0].result.verdict, Verdict::slower);
  EXPECT_TRUE(c.cases[0].result.exact_p);
  const auto back = compare_results(fresh, base, settings());
  EXPECT_EQ(back.cases[0].result.verdict, Verdict::faster);
}

TEST(CompareUnits, TooFewRunsFallBackToSamplesOrAreListedWhenRunsAreRequired) {
  const ResultFile base = document({repeated_case(64, {1.00e-3, 1.01e-3, 0.99e-3}, 51)}, "b");
  const ResultFile fresh = document({repeated_case(64, {1.00e-3, 1.01e-3, 0.99e-3, 1.0e-3, 1.0e-3}, 61)}, "n");
  const auto automatic = compare_results(base, fresh, settings());
  ASSERT_EQ(automatic.cases.size(), 1u);
  EXPECT_EQ(automatic.cases[0].result.unit, "samples");
  CompareSettings runs_only = settings();
  runs_only.unit = CompareUnit::runs;
  const auto required = compare_results(base, fresh, runs_only);
  EXPECT_TRUE(required.cases.empty());
  ASSERT_EQ(required.uncompared.size(), 1u);
  EXPECT_EQ(required.uncompared[0].reason,
            "BASE: 3 runs (--unit runs needs at least 5: suanli run --repetitions N)");
  EXPECT_EQ(parse_compare_unit("auto"), CompareUnit::automatic);
  EXPECT_THROW(parse_compare_unit("run"), UsageError);
}

// ---- Paired runs (--paired) ----

// The exact two-sided signed-rank p-value by enumeration of all 2^n sign patterns over
// the given ranks: the oracle the recursion and the normal approximation are held to.
double enumerated_signed_rank_p(const std::vector<double>& ranks, double w_plus) {
  const std::size_t n = ranks.size();
  double total = 0;
  for (double r : ranks) total += r;
  const double far = std::max(w_plus, total - w_plus);
  double at_least = 0;
  for (std::uint64_t signs = 0; signs < (1ull << n); ++signs) {
    double w = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (signs >> i & 1u) w += ranks[i];
    if (w >= far - 1e-9) at_least += 1;
  }
  return std::min(1.0, 2.0 * at_least / static_cast<double>(1ull << n));
}

TEST(SignedRank, ExactMatchesEnumerationAndAPublishedExample) {
  // Darwin's paired plant heights as differences (Fisher, The Design of Experiments, 1935),
  // the example in scipy.stats.wilcoxon's documentation: W- = 24, p = 0.041259765625.
  const std::vector<double> darwin = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
  const SignedRank r = wilcoxon_signed_rank(darwin);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.n, 15);
  EXPECT_DOUBLE_EQ(r.w_plus, 120.0 - 24.0);
  EXPECT_DOUBLE_EQ(r.p_value, 0.041259765625);
  std::vector<double> ranks;
  for (int k = 1; k <= 15; ++k) ranks.push_back(k);
  EXPECT_DOUBLE_EQ(r.p_value, enumerated_signed_rank_p(ranks, r.w_plus));

  // Every difference of one sign: the smallest p, 2 / 2^n, and the sign does not matter.
  const std::vector<double> up = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10};
  std::vector<double> down;
  for (double v : up) down.push_back(-v);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(up).p_value, 2.0 / 1024.0);
  EXPECT_DOUBLE_EQ(wilcoxon_signed_rank(down).p_value, 2.0 / 1024.0);
  EXPECT_DOUBLE_EQ(signed_rank_smallest_p(10), 2.0 / 1024.0);
  EXPECT_DOUBLE_EQ(signed_rank_smallest_p(7), 2.0 / 128.0);

  std::mt19937_64 gen(5);
  std::normal_distribution<double> noise(0.2, 1.0);
  for (int n : {1, 2, 5, 9, 13}) {
    std::vector<double> d;
    for (int i = 0; i < n; ++i) d.push_back(noise(gen));
    const SignedRank x = wilcoxon_signed_rank(d);
    std::vector<double> rk;
    for (int k = 1; k <= n; ++k) rk.push_back(k);
    EXPECT_TRUE(x.exact);
    EXPECT_NEAR(x.p_value, enumerated_signed_rank_p(rk, x.w_plus), 1e-15) << "n = " << n;
  }
}

TEST(SignedRank, ZerosAreDroppedAndTiesUseTheNormalApproximation) {
  const std::vector<double> d = {0.3, -0.1, 0.5, 0.7, 0.2, 0.9, -0.4, 1.1};
  std::vector<double> with_zeros = d;
  with_zeros.insert(with_zeros.begin() + 2, 3, 0.0);
  const SignedRank a = wilcoxon_signed_rank(d), b = wilcoxon_signed_rank(with_zeros);
  EXPECT_EQ(b.n, 8);
  EXPECT_DOUBLE_EQ(a.p_value, b.p_value);
  const SignedRank none = wilcoxon_signed_rank({0.0, 0.0, 0.0});
  EXPECT_EQ(none.n, 0);
  EXPECT_DOUBLE_EQ(none.p_value, 1.0);
  EXPECT_THROW(wilcoxon_signed_rank({}), std::invalid_argument);

  // Ties among |d|: mid-ranks; the approximation stays near the exact permutation p-value
  // of those mid-ranks (14 pairs: 16384 patterns enumerated).
  const std::vector<double> tied = {0.1, 0.1, -0.1, 0.2, 0.2, 0.3, 0.3, 0.3, -0.4, 0.5, 0.5, 0.6, 0.7, -0.7};
  const SignedRank t = wilcoxon_signed_rank(tied);
  EXPECT_FALSE(t.exact);
  const std::vector<double> mid = {2, 2, 2, 4.5, 4.5, 7, 7, 7, 9, 10.5, 10.5, 12, 13.5, 13.5};
  double w = 0;
  for (std::size_t i = 0; i < tied.size(); ++i)
    if (tied[i] > 0) w += mid[i];
  EXPECT_DOUBLE_EQ(t.w_plus, w);
  const double exact = enumerated_signed_rank_p(mid, w);
  EXPECT_NEAR(t.p_value, exact, 0.01) << "exact " << exact;
}

// n pairs of runs sharing a drift of the machine (each pair's two runs in the same
// state, ±`drift` from pair to pair), NEW `factor` slower, each run with its own `noise`.
struct PairedRuns {
  std::vector<double> base, fresh;
};
PairedRuns drifting_pairs(int n, double drift, double noise, double factor, unsigned seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> state(0.0, drift), own(0.0, noise);
  PairedRuns out;
  for (int i = 0; i < n; ++i) {
    const double machine = 1e-3 * std::exp(state(gen));
    out.base.push_back(machine * std::exp(own(gen)));
    out.fresh.push_back(machine * factor * std::exp(own(gen)));
  }
  return out;
}

CompareSettings paired_settings() {
  CompareSettings s;
  s.paired = true;
  return s;
}

TEST(ComparePairs, ADriftThePairsShareCancelsAndASmallChangeIsFound) {
  // The machine moves ±6% between pairs; the change is 6%, each run's own noise 0.5%.
  const PairedRuns p = drifting_pairs(12, 0.06, 0.005, 1.06, 3);
  const auto unpaired = compare_samples(p.base, p.fresh, settings(), 7);
  EXPECT_EQ(unpaired.verdict, Verdict::ambiguous) << unpaired.why;
  const auto paired = compare_pairs(p.base, p.fresh, paired_settings(), 7);
  EXPECT_EQ(paired.verdict, Verdict::slower) << paired.why;
  EXPECT_EQ(paired.unit, "pairs");
  EXPECT_EQ(paired.n_base, 12);
  EXPECT_NEAR(paired.ratio, 1.06, 0.01);
  EXPECT_DOUBLE_EQ(paired.p_value, 2.0 / 4096.0);  // every pair slower
  EXPECT_TRUE(paired.exact_p);
  const auto back = compare_pairs(p.fresh, p.base, paired_settings(), 7);
  EXPECT_EQ(back.verdict, Verdict::faster) << back.why;
  EXPECT_NEAR(back.ratio, 1.0 / paired.ratio, 1e-12);
}

TEST(ComparePairs, OneBuildAgainstItselfIsSameNotAFalseCall) {
  const PairedRuns p = drifting_pairs(12, 0.06, 0.005, 1.0, 4);
  const auto r = compare_pairs(p.base, p.fresh, paired_settings(), 7);
  EXPECT_EQ(r.verdict, Verdict::same) << r.why << " ratio " << r.ratio;
  EXPECT_GT(r.p_value, 0.01);
}

TEST(ComparePairs, TooFewPairsToReachAlphaSayWhy) {
  // 7 pairs, every one 10% slower: the smallest p 7 pairs allow is 2/128 > 0.01.
  const PairedRuns p = drifting_pairs(7, 0.06, 0.001, 1.10, 5);
  const auto r = compare_pairs(p.base, p.fresh, paired_settings(), 7);
  EXPECT_DOUBLE_EQ(r.p_value, 2.0 / 128.0);
  EXPECT_EQ(r.verdict, Verdict::ambiguous);
  EXPECT_NE(r.why.find("7 pairs cannot reach p < alpha"), std::string::npos) << r.why;
  CompareSettings loose = paired_settings();
  loose.alpha = 0.05;
  EXPECT_EQ(compare_pairs(p.base, p.fresh, loose, 7).verdict, Verdict::slower);
  EXPECT_THROW(compare_pairs({1.0, 2.0}, {1.0}, paired_settings(), 7), std::invalid_argument);
}

TEST(ComparePairs, CasesPairTheirRunsByNumberAndRunsWithoutAPartnerAreCounted) {
  const PairedRuns p = drifting_pairs(10, 0.06, 0.005, 1.08, 6);
  const ResultFile base = document({repeated_case(64, p.base, 11), repeated_case(128, p.base, 12),
                                    gemm_case(256, "ok", timings(1e-3, 0.01, 20, 13))},
                                   "b");
  std::vector<double> nine(p.fresh.begin(), p.fresh.begin() + 9);
  const ResultFile fresh = document({repeated_case(64, p.fresh, 21), repeated_case(128, nine, 22),
                                     gemm_case(256, "ok", timings(1e-3, 0.01, 20, 23))},
                                    "n");
  const Comparison c = compare_results(base, fresh, paired_settings());
  ASSERT_EQ(c.cases.size(), 3u);
  EXPECT_TRUE(c.uncompared.empty());
  const auto find = [&](const std::string& shape) -> const SampleComparison& {
    for (const auto& cc : c.cases)
      if (cc.label.find(shape) != std::string::npos) return cc.result;
    throw std::runtime_error("no case " + shape);
  };
  const SampleComparison& all = find("64x64x64");
  EXPECT_EQ(all.verdict, Verdict::slower) << all.why;
  EXPECT_EQ(all.unit, "pairs");
  EXPECT_EQ(all.n_base, 10);
  EXPECT_EQ(all.unpaired_runs, 0);
  EXPECT_EQ(all.why.find("partner"), std::string::npos) << all.why;
  // NEW's 10th pass is missing: the first 9 pair, BASE's 10th run is counted and left out.
  const SampleComparison& nine_pairs = find("128x128x128");
  EXPECT_EQ(nine_pairs.verdict, Verdict::slower) << nine_pairs.why;
  EXPECT_EQ(nine_pairs.n_base, 9);
  EXPECT_EQ(nine_pairs.unpaired_runs, 1);
  EXPECT_NE(nine_pairs.why.find("; 1 run without a partner on the other side left out"), std::string::npos)
      << nine_pairs.why;
  // One run a side (files without --repetitions): a single pair, never a verdict.
  const SampleComparison& one = find("256x256x256");
  EXPECT_EQ(one.verdict, Verdict::ambiguous);
  EXPECT_EQ(one.why, "fewer than 5 pairs");

  const std::string text = compare_text(c, {base, fresh, paired_settings()});
  EXPECT_NE(text.find("10 pairs"), std::string::npos) << text;
  EXPECT_NE(text.find("Wilcoxon signed-rank"), std::string::npos) << text;
  const auto j = compare_json(c, {base, fresh, paired_settings()});
  EXPECT_EQ(j["settings"]["paired"], true);
  int unpaired = 0;
  for (const auto& row : j["cases"]) unpaired += row["unpaired_runs"].get<int>();
  EXPECT_EQ(unpaired, 1);
}

TEST(CompareReport, MarkdownPutsSlowerRowsInTheTableAndFoldsSame) {
  const ResultFile base = document({gemm_case(64, "ok", timings(1e-3, 0.01, 50, 91)),
                                    gemm_case(128, "ok", timings(1e-3, 0.01, 50, 92))}, "base.json");
  const ResultFile fresh = document({gemm_case(64, "ok", timings(1e-3, 0.01, 50, 93)),
                                     gemm_case(128, "ok", timings(1.15e-3, 0.01, 50, 94))}, "new.json");
  const CompareSettings s = settings();
  const Comparison c = compare_results(base, fresh, s);
  const std::string md = compare_markdown(c, {base, fresh, s});
  const auto table = md.find("| Verdict |");
  const auto slower = md.find("| **SLOWER** | gemm fp32 portable 128x128x128");
  const auto details = md.find("<details><summary>1 case SAME</summary>");
  ASSERT_NE(table, std::string::npos) << md;
  ASSERT_NE(slower, std::string::npos) << md;
  ASSERT_NE(details, std::string::npos) << md;
  EXPECT_LT(table, slower);
  EXPECT_LT(slower, details);
  EXPECT_EQ(md.rfind("### suanli compare: 1 slower", 0), 0u);

  const auto j = compare_json(c, {base, fresh, s});
  EXPECT_EQ(j["summary"]["slower"], 1);
  EXPECT_EQ(j["cases"][0]["verdict"], "SLOWER");
  EXPECT_EQ(j["cases"][0]["ratio_ci"].size(), 2u);
}

}  // namespace
}  // namespace suanli
