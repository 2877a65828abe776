// The ceiling workloads without a device: the suspicious rule on synthetic numbers, the
// peak replay and the stream check on synthetic outputs, stream sizing, case identity.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "harness/case_spec.h"
#include "harness/chips.h"
#include "harness/host_data.h"
#include "harness/peak_workload.h"
#include "harness/result_file.h"
#include "harness/results.h"
#include "harness/stream_workload.h"

namespace suanli {
namespace {

// ---- the suspicious rule ----------------------------------------------------------------

TEST(SuspiciousCeiling, OverFivePercentAboveTheDatasheetNamesBothNumbers) {
  EXPECT_FALSE(suspicious_ceiling_reason(105.0, 100.0, "TFLOPS", "datasheet", std::nullopt, std::nullopt));
  EXPECT_FALSE(suspicious_ceiling_reason(60.0, 100.0, "TFLOPS", "datasheet", std::nullopt, std::nullopt));
  const auto why = suspicious_ceiling_reason(106.0, 100.0, "TFLOPS", "datasheet", std::nullopt, std::nullopt);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("measured 106 TFLOPS is 106.0% of the datasheet peak 100 TFLOPS"), std::string::npos) << *why;
  EXPECT_FALSE(suspicious_ceiling_reason(1.0, 0.0, "TFLOPS", "unknown", std::nullopt, std::nullopt));  // no peak: no verdict
}

TEST(SuspiciousCeiling, ThePeakIsScaledToTheMeasuredClock) {
  // 90 TFLOPS is 90% of a 100 TFLOPS / 2000 MHz datasheet, but the device ran at 1500 MHz,
  // where the chip can do at most 75: 120%.
  const auto why = suspicious_ceiling_reason(90.0, 100.0, "TFLOPS", "datasheet", 1500.0, 2000.0);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("120.0% of the datasheet peak 100 TFLOPS scaled to the measured clock (1500 of 2000 MHz) = 75 TFLOPS"),
            std::string::npos)
      << *why;
  // Only one clock known: plain.
  EXPECT_FALSE(suspicious_ceiling_reason(90.0, 100.0, "TFLOPS", "datasheet", 1500.0, std::nullopt));
  EXPECT_FALSE(suspicious_ceiling_reason(90.0, 100.0, "TFLOPS", "datasheet", std::nullopt, 2000.0));
  // A boost above the rated clock raises the limit.
  EXPECT_FALSE(suspicious_ceiling_reason(108.0, 100.0, "TFLOPS", "datasheet", 2100.0, 2000.0));
}

// ---- the clock-adjusted peak: one function for the invalid and the suspicious rule ----

TEST(ClockAdjustedPeak, ScalesOnlyWhenBothClocksAreKnown) {
  const auto scaled = clock_adjusted_peak(989.4, "TFLOPS", "datasheet", 1830.0, {1500.0, "measured"});
  EXPECT_TRUE(scaled.clock_adjusted);
  EXPECT_NEAR(scaled.value, 989.4 * 1500.0 / 1830.0, 1e-9);
  EXPECT_DOUBLE_EQ(scaled.figure, 989.4);
  EXPECT_EQ(scaled.device_clock_source, "measured");
  EXPECT_NE(scaled.text.find("scaled to the measured clock (1500 of 1830 MHz) = 811 TFLOPS"), std::string::npos) << scaled.text;
  const auto j = to_json(scaled);
  EXPECT_EQ(j["clock_adjusted"], true);
  EXPECT_EQ(j["peak_clock_mhz"], 1830.0);
  EXPECT_EQ(j["device_clock_mhz"], 1500.0);

  const auto from_info = clock_adjusted_peak(100.0, "TFLOPS", "datasheet", 2000.0, {2100.0, "device max"});
  EXPECT_NEAR(from_info.value, 105.0, 1e-9);
  EXPECT_NE(from_info.text.find("device's maximum clock (2100 of 2000 MHz)"), std::string::npos) << from_info.text;

  for (const auto& plain : {clock_adjusted_peak(100.0, "TFLOPS", "datasheet", std::nullopt, {1500.0, "measured"}),
                            clock_adjusted_peak(100.0, "TFLOPS", "datasheet", 2000.0, {}),
                            clock_adjusted_peak(100.0, "TFLOPS", "datasheet", 2000.0, {0.0, "measured"})}) {
    EXPECT_FALSE(plain.clock_adjusted);
    EXPECT_DOUBLE_EQ(plain.value, 100.0);
    EXPECT_EQ(plain.text, "the datasheet peak 100 TFLOPS");
  }
}

nlohmann::json ok_record(const std::string& workload, double rate_key_value) {
  nlohmann::json rec = {{"workload", workload}, {"status", "ok"}, {"verified", true}, {"dtype", "fp32"}, {"reason", ""}};
  if (workload == "stream") rec["gbps"] = rate_key_value;
  else rec["tflops"] = rate_key_value;
  return rec;
}

TEST(SuspiciousCeiling, PeakRecordAboveTheDatasheetIsKeptAndFlagged) {
  nlohmann::json rec = ok_record("peak", 72.0);
  rec["state_before"] = {{"sm_clock_mhz", nullptr}};
  finalize_case(rec, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"});
  EXPECT_EQ(rec["status"], "suspicious");
  EXPECT_DOUBLE_EQ(rec["tflops"].get<double>(), 72.0);  // kept, unlike gemm's "invalid"
  EXPECT_NEAR(rec["pct_of_peak"].get<double>(), 107.46, 0.01);
  EXPECT_NE(rec["reason"].get<std::string>().find("72 TFLOPS is 107.5% of the datasheet peak 67 TFLOPS"), std::string::npos);
  const auto summary = summary_json({rec});
  EXPECT_EQ(summary["suspicious"], 1);
  EXPECT_EQ(summary["failed"], 0);  // a doubted ceiling is not a failed case

  // 100.5% is a plausible ceiling (rounded datasheet, boost): ok, not invalid.
  nlohmann::json close = ok_record("peak", 67.3);
  finalize_case(close, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"});
  EXPECT_EQ(close["status"], "ok");

  // The device state's clock scales the datasheet: 60 at 1400 of 1980 MHz is 126% of 47.4.
  nlohmann::json slow_clock = ok_record("peak", 60.0);
  slow_clock["state_before"] = {{"sm_clock_mhz", 1300.0}};
  slow_clock["state_after"] = {{"sm_clock_mhz", 1400.0}};  // the higher sample counts
  finalize_case(slow_clock, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x", 1980.0});
  EXPECT_EQ(slow_clock["status"], "suspicious");
  EXPECT_NE(slow_clock["reason"].get<std::string>().find("(1400 of 1980 MHz)"), std::string::npos) << slow_clock["reason"];

  // GEMM keeps its own rule: over 100% is invalid, the rate withdrawn.
  nlohmann::json gemm = ok_record("gemm", 67.3);
  finalize_case(gemm, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"});
  EXPECT_EQ(gemm["status"], "invalid");
  EXPECT_TRUE(gemm["tflops"].is_null());
}

TEST(ClockAdjustedPeak, GemmIsInvalidAboveThePeakAtTheClockItRanAt) {
  // 60 TFLOPS is 90% of the 67 TFLOPS / 1980 MHz figure, but at the 1400 MHz the state reads
  // saw the chip does at most 47.4: invalid, and the record says which peak judged it.
  nlohmann::json slow = ok_record("gemm", 60.0);
  slow["max_sm_clock_mhz_seen"] = 1400.0;
  finalize_case(slow, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x", 1980.0});
  EXPECT_EQ(slow["status"], "invalid");
  EXPECT_TRUE(slow["tflops"].is_null());
  EXPECT_NE(slow["reason"].get<std::string>().find("126.7% of the datasheet peak 67 TFLOPS scaled to the measured clock (1400 of 1980 MHz)"),
            std::string::npos)
      << slow["reason"];
  EXPECT_EQ(slow["validity_peak"]["clock_adjusted"], true);
  EXPECT_EQ(slow["validity_peak"]["device_clock_source"], "measured");

  // The same rate at full clock is a plain result; pct_of_peak stays against the figure.
  nlohmann::json fast = ok_record("gemm", 60.0);
  fast["state_before"] = {{"sm_clock_mhz", 1980.0}};
  finalize_case(fast, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x", 1980.0});
  EXPECT_EQ(fast["status"], "ok");
  EXPECT_NEAR(fast["pct_of_peak"].get<double>(), 89.55, 0.01);
  EXPECT_DOUBLE_EQ(fast["validity_peak"]["value"].get<double>(), 67.0);

  // No clock in the state reads: the device's own maximum clock stands in.
  nlohmann::json no_state = ok_record("gemm", 60.0);
  finalize_case(no_state, "opencl", "opencl:0", "NVIDIA H200", {67.0, "datasheet", "x", 1980.0}, {}, 1500.0);
  EXPECT_EQ(no_state["status"], "invalid");
  EXPECT_EQ(no_state["validity_peak"]["device_clock_source"], "device max");

  // No chip clock: the figure as given, and the record says so.
  nlohmann::json unscaled = ok_record("gemm", 60.0);
  unscaled["max_sm_clock_mhz_seen"] = 1400.0;
  finalize_case(unscaled, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"});
  EXPECT_EQ(unscaled["status"], "ok");
  EXPECT_EQ(unscaled["validity_peak"]["clock_adjusted"], false);
}

TEST(SuspiciousCeiling, StreamIsJudgedAgainstTheDatasheetBandwidth) {
  nlohmann::json rec = ok_record("stream", 5200.0);
  finalize_case(rec, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"}, {4800.0, "datasheet", "mem_bw_tbs = 4.8"});
  EXPECT_EQ(rec["status"], "suspicious");
  EXPECT_NE(rec["reason"].get<std::string>().find("5200 GB/s is 108.3% of the datasheet peak 4800 GB/s"), std::string::npos)
      << rec["reason"];
  EXPECT_FALSE(rec.contains("tflops"));
  EXPECT_FALSE(rec.contains("peak_tflops"));

  nlohmann::json fine = ok_record("stream", 4300.0);
  finalize_case(fine, "cuda", "cuda:0", "NVIDIA H200", {67.0, "datasheet", "x"}, {4800.0, "datasheet", "x"});
  EXPECT_EQ(fine["status"], "ok");
  EXPECT_NEAR(fine["pct_of_peak_bw"].get<double>(), 89.58, 0.01);
  EXPECT_DOUBLE_EQ(fine["peak_bw_gbps"].get<double>(), 4800.0);

  nlohmann::json failed = ok_record("stream", 4300.0);
  failed["status"] = "failed";
  finalize_case(failed, "cuda", "cuda:0", "NVIDIA H200", {}, {4800.0, "datasheet", "x"});
  EXPECT_TRUE(failed["gbps"].is_null());
  EXPECT_TRUE(failed["pct_of_peak_bw"].is_null());
}

TEST(SuspiciousCeiling, PeakUsesTheVectorFigureAndStreamTheBandwidth) {
  Chip chip;
  chip.name = "Test GPU";
  chip.source = "test";
  chip.confidence = "high";
  chip.peak_tflops = {{"fp64", 34}, {"fp64_matrix", 67}, {"fp32", 67}};
  chip.mem_bw_tbs = 4.8;
  chip.boost_clock_mhz = 1980;
  EXPECT_DOUBLE_EQ(*datasheet_peak(chip, "fp64").tflops, 67);  // a GEMM may use the matrix units
  const PeakEstimate vector = datasheet_peak(chip, "fp64", PeakUnits::vector);
  EXPECT_DOUBLE_EQ(*vector.tflops, 34);  // the FMA chains may not
  EXPECT_EQ(vector.clock_mhz, 1980);
  EXPECT_DOUBLE_EQ(*datasheet_bandwidth(chip).gbps, 4800);
  chip.mem_bw_tbs.reset();
  EXPECT_FALSE(datasheet_bandwidth(chip).gbps);
  // The clock a computed CPU peak assumes is the device's max clock.
  EXPECT_EQ(computed_cpu_peak(2, 16, 2600, "fp32").clock_mhz, 2600);
}

// ---- peak: the replay ---------------------------------------------------------------------

// What a correct device computes for fp32: every FMA rounded to float.
std::vector<unsigned char> device_fp32(const HostMatrix& init, const HostMatrix& coef, std::int64_t items, int chains, int steps) {
  std::vector<float> v(init.values.begin(), init.values.end());
  const auto a = static_cast<float>(coef.values[0]), b = static_cast<float>(coef.values[1]);
  for (std::int64_t w = 0; w < items; ++w)
    for (int j = 0; j < chains; ++j) {
      float& x = v[static_cast<std::size_t>(w * 2 * chains + j)];
      float& y = v[static_cast<std::size_t>(w * 2 * chains + chains + j)];
      for (int s = 0; s < steps; ++s) {
        x = std::fma(a, y, x);
        y = std::fma(b, x, y);
      }
    }
  std::vector<unsigned char> bytes(v.size() * 4);
  std::memcpy(bytes.data(), v.data(), bytes.size());
  return bytes;
}

TEST(PeakReplay, AcceptsACorrectKernelAndRejectsOneWrongElement) {
  const int chains = 4, steps = 32;
  const std::int64_t items = 50;
  const HostMatrix init = random_matrix(ElementFormat::f32, static_cast<std::size_t>(items * 2 * chains), 3);
  const HostMatrix coef = encode(ElementFormat::f32, {0.6, -0.6});
  std::vector<unsigned char> out = device_fp32(init, coef, items, chains, steps);
  PeakCheckInput in{DType::fp32, chains, steps, items, &init.bytes, &coef.bytes, &out, 1};
  const VerifyResult good = verify_peak(in);
  EXPECT_TRUE(good.ok) << good.detail;
  EXPECT_EQ(good.elements_checked, items * 2 * chains);
  EXPECT_LT(good.worst_error_ratio, 0.1);  // fp32 rounding is far inside the tolerance

  // One more step on one chain (work-item 7, chain 2's y): off by a rotation step.
  float v;
  const std::size_t at = static_cast<std::size_t>(7 * 2 * chains + chains + 2) * 4;
  std::memcpy(&v, &out[at], 4);
  v = std::fma(-0.6f, 0.5f, v);
  std::memcpy(&out[at], &v, 4);
  const VerifyResult bad = verify_peak(in);
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.detail.find("work-item 7 chain 2 y"), std::string::npos) << bad.detail;

  // An unwritten output (the NaN poison) is not finite: rejected.
  std::vector<unsigned char> poisoned(out.size());
  for (std::size_t i = 0; i < poisoned.size(); i += 4) std::memcpy(&poisoned[i], nan_pattern(ElementFormat::f32).data(), 4);
  in.out = &poisoned;
  const VerifyResult unwritten = verify_peak(in);
  EXPECT_FALSE(unwritten.ok);
  EXPECT_GT(unwritten.nonfinite_outputs, 0);
}

TEST(PeakReplay, Int8IsExactWithWrapAround) {
  const int chains = 2, steps = 40;
  const std::int64_t items = 3;
  const HostMatrix init = random_matrix(ElementFormat::i8, static_cast<std::size_t>(items * 2 * chains * 4), 5);
  // a = (127, 127, 127, 127), b = (-128, …): large products, so the sums wrap past 2^31.
  const std::vector<unsigned char> coef = {0x7f, 0x7f, 0x7f, 0x7f, 0x80, 0x80, 0x80, 0x80};
  std::vector<std::int32_t> v(init.bytes.size() / 4);
  std::memcpy(v.data(), init.bytes.data(), init.bytes.size());
  const auto dot = [](std::uint32_t p, std::uint32_t q) {
    std::int32_t s = 0;
    for (int k = 0; k < 4; ++k) s += static_cast<std::int8_t>(p >> (8 * k)) * static_cast<std::int8_t>(q >> (8 * k));
    return static_cast<std::uint32_t>(s);
  };
  for (std::int64_t w = 0; w < items; ++w)
    for (int j = 0; j < chains; ++j) {
      auto x = static_cast<std::uint32_t>(v[static_cast<std::size_t>(w * 2 * chains + j)]);
      auto y = static_cast<std::uint32_t>(v[static_cast<std::size_t>(w * 2 * chains + chains + j)]);
      for (int s = 0; s < steps; ++s) {
        x += dot(0x7f7f7f7fu, y);
        y += dot(0x80808080u, x);
      }
      v[static_cast<std::size_t>(w * 2 * chains + j)] = static_cast<std::int32_t>(x);
      v[static_cast<std::size_t>(w * 2 * chains + chains + j)] = static_cast<std::int32_t>(y);
    }
  std::vector<unsigned char> out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());
  PeakCheckInput in{DType::int8, chains, steps, items, &init.bytes, &coef, &out, 1};
  EXPECT_TRUE(verify_peak(in).ok) << verify_peak(in).detail;
  out[5] ^= 1;  // one bit of one element
  EXPECT_FALSE(verify_peak(in).ok);
}

TEST(PeakReplay, FlopsCountTwoFmasPerChainAndStepTimesTheLanes) {
  const PeakConfig c{"t", 8, 16, 256, 8, 100};
  EXPECT_DOUBLE_EQ(peak_flops(DType::fp32, c, 1000, 100), 1000.0 * 100 * 16 * 8 * 2 * 2);
  EXPECT_DOUBLE_EQ(peak_flops(DType::fp16, c, 1000, 100), 2 * peak_flops(DType::fp32, c, 1000, 100));  // half2
  EXPECT_DOUBLE_EQ(peak_flops(DType::int8, c, 1000, 100), 4 * peak_flops(DType::fp32, c, 1000, 100));  // 4-way dot
  EXPECT_EQ(peak_ops_per_fma(DType::bf16), 0);
  DeviceInfo d;
  EXPECT_TRUE(peak_can_implement(d, DType::bf16));
  EXPECT_TRUE(peak_can_implement(d, DType::fp64));  // has_fp64 false
  d.extensions = {"cl_khr_fp64"};
  EXPECT_NE(peak_can_implement(d, DType::int8)->find("cl_khr_integer_dot_product"), std::string::npos);
  d.extensions = {};  // CUDA / HIP: the dialect decides at compile time
  EXPECT_FALSE(peak_can_implement(d, DType::int8));
}

// ---- stream ---------------------------------------------------------------------------------

TEST(StreamCheck, ExactAgainstTheRegeneratedInputs) {
  const std::size_t n = 1000;
  const std::vector<unsigned char> b = stream_random_array(DType::fp32, n, 11);
  const std::vector<unsigned char> c = stream_random_array(DType::fp32, n, 12);
  std::vector<unsigned char> a(b.size());
  for (std::size_t i = 0; i < n; ++i) {
    float x, y;
    std::memcpy(&x, &b[i * 4], 4);
    std::memcpy(&y, &c[i * 4], 4);
    const float r = x + 2.0f * y;
    std::memcpy(&a[i * 4], &r, 4);
  }
  EXPECT_TRUE(verify_stream(DType::fp32, "triad", a, 11, 12).ok);
  EXPECT_FALSE(verify_stream(DType::fp32, "copy", a, 11, 12).ok);
  EXPECT_TRUE(verify_stream(DType::fp32, "copy", b, 11, 12).ok);
  a[4 * 500] ^= 1;  // the last bit of one element's mantissa
  const VerifyResult one_off = verify_stream(DType::fp32, "triad", a, 11, 12);
  EXPECT_FALSE(one_off.ok);
  EXPECT_NE(one_off.detail.find("1 of 1000 elements wrong; first: a[500]"), std::string::npos) << one_off.detail;
  EXPECT_TRUE(verify_stream(DType::fp64, "copy", stream_random_array(DType::fp64, n, 11), 11, 12).ok);
}

TEST(StreamSizing, FourTimesTheLastLevelCacheAtLeastOneGiB) {
  DeviceInfo d;
  d.global_mem_bytes = 64ull << 30;
  d.max_alloc_bytes = 16ull << 30;
  d.last_level_cache_bytes = 480ull << 20;  // this PoCL host
  StreamSizing s = stream_sizing(d, DType::fp32, "triad", 0);
  ASSERT_FALSE(s.skip);
  EXPECT_EQ(s.elements * 4, 4 * (480ll << 20));
  EXPECT_EQ(s.basis, "4x the 480.0 MiB last-level cache");

  d.last_level_cache_bytes = 50ull << 20;  // a GPU L2: the 1 GiB floor wins
  s = stream_sizing(d, DType::fp64, "copy", 0);
  EXPECT_EQ(s.elements * 8, 1ll << 30);
  EXPECT_NE(s.basis.find("minimum"), std::string::npos);

  d.last_level_cache_bytes = 0;
  EXPECT_NE(stream_sizing(d, DType::fp32, "copy", 0).basis.find("unknown"), std::string::npos);

  d.last_level_cache_bytes = 480ull << 20;
  d.global_mem_bytes = 4ull << 30;  // 3 arrays of 1.9 GiB cannot fit
  s = stream_sizing(d, DType::fp32, "triad", 0);
  ASSERT_TRUE(s.skip);
  EXPECT_NE(s.skip->find("do not fit"), std::string::npos) << *s.skip;

  s = stream_sizing(d, DType::fp32, "copy", 1000);  // given: taken as is
  EXPECT_FALSE(s.skip);
  EXPECT_EQ(s.elements, 1000);
  EXPECT_TRUE(stream_sizing(d, DType::fp32, "copy", 1ll << 31).skip);  // 8 GiB on a 4 GiB device
}

// ---- identity ------------------------------------------------------------------------------

TEST(CeilingCases, SpecsRoundTripAndCaseKeysTellThemApart) {
  CaseSpec peak;
  peak.workload = "peak";
  CaseSpec copy;
  copy.workload = "stream";
  copy.stream = {"copy", 0};
  CaseSpec triad = copy;
  triad.stream = {"triad", 4096};
  for (const CaseSpec* spec : {&peak, &copy, &triad}) {
    const CaseSpec back = case_spec_from_json(to_json(*spec));
    EXPECT_EQ(back.workload, spec->workload);
    EXPECT_EQ(back.stream.op, spec->stream.op);
    EXPECT_EQ(back.stream.elements, spec->stream.elements);
  }
  EXPECT_EQ(shape_json(peak), nlohmann::json::object());
  EXPECT_EQ(shape_json(copy), (nlohmann::json{{"op", "copy"}}));  // sized by the device: not part of the identity
  EXPECT_EQ(shape_json(triad), (nlohmann::json{{"op", "triad"}, {"elements", 4096}}));

  auto record = [](const CaseSpec& spec) {
    nlohmann::json rec = case_record_base(spec);
    rec["backend"] = "opencl";
    rec["device_name"] = "dev";
    return rec;
  };
  const std::string k_peak = case_key(record(peak)), k_copy = case_key(record(copy)), k_triad = case_key(record(triad));
  EXPECT_NE(k_peak, k_copy);
  EXPECT_NE(k_copy, k_triad);
  CaseSpec gemm;
  EXPECT_NE(case_key(record(gemm)), k_peak);
  EXPECT_EQ(case_label(record(triad)), "stream fp32 portable triad n=4096 opencl dev");
  EXPECT_EQ(case_label(record(peak)), "peak fp32 portable fma-chains opencl dev");
}

}  // namespace
}  // namespace suanli
