#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include "harness/chips.h"

namespace suanli {
namespace {

const std::string kChipsPath = SUANLI_TEST_SOURCE_DIR "/results/chips.json";

const ChipDatabase& real_db() {
  static const ChipDatabase db = ChipDatabase::load_file(kChipsPath);
  return db;
}

const Chip& chip_named(const std::string& name) {
  for (const Chip& chip : real_db().chips()) {
    if (chip.name == name) return chip;
  }
  throw std::runtime_error("no chip named " + name);
}

std::string matched_name(const std::string& device_name) {
  const Chip* chip = real_db().match(device_name);
  return chip ? chip->name : "<none>";
}

// Sets an environment variable for one test and restores the previous value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(ChipsJson, LoadsWithSourcesAndYears) {
  const auto& chips = real_db().chips();
  EXPECT_GT(chips.size(), 30u);
  for (const Chip& chip : chips) {
    EXPECT_FALSE(chip.source.empty()) << chip.name;
    EXPECT_FALSE(chip.confidence.empty()) << chip.name;
    EXPECT_GE(chip.launch_year, 2010) << chip.name;
    EXPECT_FALSE(chip.peak_tflops.empty()) << chip.name;
    // Every chip without patterns must say why, so a reader knows it was not forgotten.
    if (chip.match.empty()) {
      EXPECT_FALSE(chip.match_note.empty()) << chip.name;
    }
  }
}

TEST(ChipsJson, FiguresMatchTheCsv) {
  const Chip& h100 = chip_named("H100 SXM");
  EXPECT_EQ(h100.vendor, "NVIDIA");
  EXPECT_EQ(h100.launch_year, 2022);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("bf16"), 989.4);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("fp16"), 989.4);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("tf32"), 494.7);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("fp8"), 1978.9);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("fp64"), 34);
  EXPECT_DOUBLE_EQ(h100.peak_tflops.at("fp64_matrix"), 67);
  EXPECT_EQ(h100.peak_tflops.count("fp32_matrix"), 0u);  // empty in the CSV: no key
  ASSERT_TRUE(h100.mem_bw_tbs.has_value());
  EXPECT_DOUBLE_EQ(*h100.mem_bw_tbs, 3.35);
  EXPECT_EQ(h100.mem_gb, "80");
  EXPECT_EQ(h100.source, "NVIDIA H100 datasheet; stas00/ml-engineering compute/accelerator/README.md");
  EXPECT_EQ(h100.notes, "989.4 = 132 SM x 4096 FLOP/clk x 1.83 GHz");

  const Chip& h200 = chip_named("H200 SXM");
  EXPECT_EQ(h200.launch_year, 2024);
  EXPECT_DOUBLE_EQ(h200.peak_tflops.at("bf16"), 989.4);
  EXPECT_DOUBLE_EQ(h200.peak_tflops.at("fp64_matrix"), 67);
  ASSERT_TRUE(h200.mem_bw_tbs.has_value());
  EXPECT_DOUBLE_EQ(*h200.mem_bw_tbs, 4.8);
  EXPECT_EQ(h200.mem_gb, "141");
  EXPECT_EQ(h200.mem_type, "HBM3e");
  EXPECT_EQ(h200.confidence, "high");

  EXPECT_EQ(chip_named("V100 SXM2").mem_gb, "16/32");
  EXPECT_FALSE(chip_named("MLU590").mem_bw_tbs.has_value());  // empty in the CSV
}

TEST(ChipsJson, MatchesRuntimeDeviceNames) {
  EXPECT_EQ(matched_name("NVIDIA H100 80GB HBM3"), "H100 SXM");
  EXPECT_EQ(matched_name("NVIDIA H100 PCIe"), "H100 PCIe");
  EXPECT_EQ(matched_name("NVIDIA H200"), "H200 SXM");
  EXPECT_EQ(matched_name("AMD Instinct MI300X"), "Instinct MI300X");
  EXPECT_EQ(matched_name("pthread-skylake-avx512-Intel(R) Xeon(R) Processor"), "<none>");

  EXPECT_EQ(matched_name("NVIDIA A100-SXM4-80GB"), "A100 SXM 80GB");
  EXPECT_EQ(matched_name("Tesla V100-SXM2-32GB"), "V100 SXM2");
  EXPECT_EQ(matched_name("NVIDIA GeForce RTX 4090"), "GeForce RTX 4090");
  EXPECT_EQ(matched_name("Tesla T4"), "T4");
  EXPECT_EQ(matched_name("NVIDIA H20"), "H20");
  EXPECT_EQ(matched_name("nvidia h100 80gb hbm3"), "H100 SXM");  // case-insensitive
  EXPECT_EQ(matched_name("AMD Instinct MI60 / MI50"), "Instinct MI50 (32GB)");
  EXPECT_EQ(matched_name("AMD Instinct MI250X/MI250"), "Instinct MI250X");
  EXPECT_EQ(matched_name("K100_AI"), "DCU K100-AI");

  // Neighbouring boards with other figures must not borrow an entry.
  EXPECT_EQ(matched_name("NVIDIA H200 NVL"), "<none>");
  EXPECT_EQ(matched_name("NVIDIA H20-3e"), "<none>");
  EXPECT_EQ(matched_name("NVIDIA A100-SXM4-40GB"), "<none>");
  EXPECT_EQ(matched_name("NVIDIA GeForce RTX 4090 D"), "<none>");
  EXPECT_EQ(matched_name("NVIDIA GB200"), "<none>");
  EXPECT_EQ(matched_name("AMD Instinct MI308X"), "<none>");
}

TEST(ChipMatch, LongestPatternWinsAndTiesKeepFileOrder) {
  const auto db = ChipDatabase::parse(R"({"schema_version": 1, "chips": [
      {"vendor": "V", "name": "generic", "match": ["H100"], "launch_year": 2022,
       "peak_tflops": {"fp32": 1}, "source": "s", "confidence": "c"},
      {"vendor": "V", "name": "specific", "match": ["H100 PCIe"], "launch_year": 2022,
       "peak_tflops": {"fp32": 2}, "source": "s", "confidence": "c"},
      {"vendor": "V", "name": "same length", "match": ["H100"], "launch_year": 2022,
       "peak_tflops": {"fp32": 3}, "source": "s", "confidence": "c"}]})",
                                      "<test>");
  ASSERT_NE(db.match("NVIDIA H100 PCIe"), nullptr);
  EXPECT_EQ(db.match("NVIDIA H100 PCIe")->name, "specific");
  ASSERT_NE(db.match("NVIDIA H100 80GB HBM3"), nullptr);
  EXPECT_EQ(db.match("NVIDIA H100 80GB HBM3")->name, "generic");
  EXPECT_EQ(db.match("NVIDIA A100"), nullptr);
}

TEST(ChipMatch, EmptyAndCopiedDatabases) {
  const ChipDatabase empty;
  EXPECT_TRUE(empty.chips().empty());
  EXPECT_EQ(empty.match("NVIDIA H200"), nullptr);

  const ChipDatabase copy = real_db();  // the copy must point into its own chips
  const Chip* chip = copy.match("NVIDIA H200");
  ASSERT_NE(chip, nullptr);
  EXPECT_EQ(chip->name, "H200 SXM");
  EXPECT_GE(chip, copy.chips().data());
  EXPECT_LT(chip, copy.chips().data() + copy.chips().size());
}

TEST(ChipsJson, ChipToJsonRoundTrips) {
  nlohmann::json document = {{"schema_version", 1}, {"chips", nlohmann::json::array()}};
  for (const Chip& chip : real_db().chips()) document["chips"].push_back(chip_to_json(chip));
  const auto again = ChipDatabase::parse(document.dump(), "<round trip>");
  ASSERT_EQ(again.chips().size(), real_db().chips().size());
  for (std::size_t i = 0; i < again.chips().size(); ++i) {
    const Chip& a = real_db().chips()[i];
    const Chip& b = again.chips()[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.match, b.match);
    EXPECT_EQ(a.peak_tflops, b.peak_tflops);
    EXPECT_EQ(a.mem_bw_tbs, b.mem_bw_tbs);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.notes, b.notes);
  }
}

TEST(DatasheetPeak, PicksTheFasterUnitForFp64AndFp32) {
  const Chip& h100 = chip_named("H100 SXM");
  const PeakEstimate fp64 = datasheet_peak(h100, "fp64");
  ASSERT_TRUE(fp64.tflops.has_value());
  EXPECT_DOUBLE_EQ(*fp64.tflops, 67);
  EXPECT_EQ(fp64.basis, "datasheet");
  EXPECT_NE(fp64.method.find("fp64_matrix"), std::string::npos) << fp64.method;
  EXPECT_NE(fp64.method.find("H100 SXM"), std::string::npos) << fp64.method;
  EXPECT_NE(fp64.method.find("NVIDIA H100 datasheet"), std::string::npos) << fp64.method;

  const PeakEstimate bf16 = datasheet_peak(h100, "bf16");
  ASSERT_TRUE(bf16.tflops.has_value());
  EXPECT_DOUBLE_EQ(*bf16.tflops, 989.4);

  // MI100: fp32 46.1 from the matrix cores beats the 23.1 vector figure.
  const PeakEstimate mi100 = datasheet_peak(chip_named("Instinct MI100"), "fp32");
  ASSERT_TRUE(mi100.tflops.has_value());
  EXPECT_DOUBLE_EQ(*mi100.tflops, 46.1);
}

// The clocks the peaks assume, from scripts/make_chips_json.py's BOOST_CLOCKS: each must
// reproduce its chip's figures (units x clock), which is how they were chosen.
TEST(DatasheetPeak, CarriesTheClockTheFigureAssumes) {
  const Chip& h100 = chip_named("H100 SXM");
  EXPECT_EQ(h100.boost_clock_mhz, 1980.0);
  EXPECT_EQ(h100.low_precision_clock_mhz, 1830.0);
  EXPECT_FALSE(h100.clock_source.empty());
  // Vector and fp64 tensor figures at the SM's maximum, tensor low precision at 1830.
  EXPECT_EQ(datasheet_peak(h100, "fp64").clock_mhz, 1980.0);
  EXPECT_EQ(datasheet_peak(h100, "fp32", PeakUnits::vector).clock_mhz, 1980.0);
  for (const char* dt : {"tf32", "fp16", "bf16", "fp8", "int8"}) EXPECT_EQ(datasheet_peak(h100, dt).clock_mhz, 1830.0) << dt;
  EXPECT_NE(datasheet_peak(h100, "bf16").method.find("assumes 1830 MHz"), std::string::npos);
  // 989.4 TFLOPS = 132 SMs x 4096 FLOP/clk x 1.83 GHz; 33.5 (rounded 34) = 132 x 128 x 1.98.
  EXPECT_NEAR(132 * 4096 * 1830e6 / 1e12, 989.4, 0.1);

  // One clock for every figure where the datasheet uses one.
  const Chip& a100 = chip_named("A100 SXM 80GB");
  EXPECT_EQ(datasheet_peak(a100, "fp16").clock_mhz, 1410.0);
  EXPECT_EQ(datasheet_peak(a100, "fp64").clock_mhz, 1410.0);
  EXPECT_NEAR(108 * 2048 * 1410e6 / 1e12, 312.0, 0.5);
  EXPECT_EQ(peak_clock_mhz(chip_named("V100 SXM2"), "fp64"), 1530.0);
  EXPECT_EQ(peak_clock_mhz(chip_named("Instinct MI300X"), "bf16"), 2100.0);
  EXPECT_EQ(peak_clock_mhz(chip_named("Instinct MI250X"), "fp64"), 1700.0);

  // No source found: no clock, and the rules then use the figure as given.
  EXPECT_FALSE(peak_clock_mhz(chip_named("BR100"), "bf16"));
  EXPECT_FALSE(datasheet_peak(chip_named("L40S"), "fp32").clock_mhz);

  // Every chip with a clock names its source.
  for (const Chip& chip : real_db().chips()) {
    if (chip.boost_clock_mhz) {
      EXPECT_FALSE(chip.clock_source.empty()) << chip.name;
    }
  }
}

TEST(ChipDatabase, LowPrecisionClockNeedsTheBoostClock) {
  const std::string text = R"({"schema_version": 1, "chips": [{"name": "X", "vendor": "v", "source": "s",
      "confidence": "high", "launch_year": 2020, "match": [], "peak_tflops": {}, "low_precision_clock_mhz": 1000}]})";
  try {
    ChipDatabase::parse(text, "c.json");
    FAIL() << "accepted";
  } catch (const ChipDbError& e) {
    EXPECT_NE(std::string(e.what()).find("'low_precision_clock_mhz' without 'boost_clock_mhz'"), std::string::npos) << e.what();
  }
}

TEST(DatasheetPeak, UnknownWhenTheChipLacksTheDtype) {
  const PeakEstimate fp8 = datasheet_peak(chip_named("V100 SXM2"), "fp8");
  EXPECT_FALSE(fp8.tflops.has_value());
  EXPECT_EQ(fp8.basis, "unknown");
  EXPECT_NE(fp8.method.find("fp8"), std::string::npos) << fp8.method;

  // BR100's datasheet gives fp64 = 0: no units, so no peak to divide by.
  const PeakEstimate zero = datasheet_peak(chip_named("BR100"), "fp64");
  EXPECT_FALSE(zero.tflops.has_value());
  EXPECT_EQ(zero.basis, "unknown");

  const PeakEstimate bogus = datasheet_peak(chip_named("H100 SXM"), "fp4");
  EXPECT_FALSE(bogus.tflops.has_value());
  EXPECT_EQ(bogus.basis, "unknown");
}

TEST(ComputedCpuPeak, AssumesTwoFmaUnits) {
  ScopedEnv env("SUANLI_CPU_FMA_UNITS", nullptr);
  const PeakEstimate peak = computed_cpu_peak(2, 16, 2600, "fp32");
  ASSERT_TRUE(peak.tflops.has_value());
  EXPECT_NEAR(*peak.tflops, 0.3328, 1e-12);
  EXPECT_EQ(peak.basis, "computed");
  EXPECT_NE(peak.method.find("assumed"), std::string::npos) << peak.method;
  EXPECT_EQ(peak.method,
            "computed: 2 cores x 16 fp32 lanes x 2 FMA units (assumed) x 2 FLOP x 2.600 GHz = 0.333 TFLOPS");
}

TEST(ComputedCpuPeak, TakesFmaUnitsFromTheEnvironment) {
  {
    ScopedEnv env("SUANLI_CPU_FMA_UNITS", "1");
    const PeakEstimate peak = computed_cpu_peak(2, 8, 2600, "fp64");
    ASSERT_TRUE(peak.tflops.has_value());
    EXPECT_NEAR(*peak.tflops, 0.0832, 1e-12);
    EXPECT_NE(peak.method.find("given by SUANLI_CPU_FMA_UNITS"), std::string::npos) << peak.method;
  }
  {
    ScopedEnv env("SUANLI_CPU_FMA_UNITS", "two");
    const PeakEstimate peak = computed_cpu_peak(2, 16, 2600, "fp32");
    ASSERT_TRUE(peak.tflops.has_value());
    EXPECT_NEAR(*peak.tflops, 0.3328, 1e-12);
    EXPECT_NE(peak.method.find("assumed"), std::string::npos) << peak.method;
  }
}

TEST(ComputedCpuPeak, UnknownForMissingInputsOrOtherDtypes) {
  for (const PeakEstimate& peak :
       {computed_cpu_peak(0, 16, 2600, "fp32"), computed_cpu_peak(2, 0, 2600, "fp32"),
        computed_cpu_peak(2, 16, 0, "fp64"), computed_cpu_peak(2, 16, 2600, "fp16")}) {
    EXPECT_FALSE(peak.tflops.has_value()) << peak.method;
    EXPECT_EQ(peak.basis, "unknown");
    EXPECT_FALSE(peak.method.empty());
  }
}

// The fields of a valid chip; each malformed case below breaks one thing in it.
nlohmann::json good_chip(const std::string& name = "X1") {
  return {{"vendor", "V"},
          {"name", name},
          {"match", nlohmann::json::array({"\\b" + name + "\\b"})},
          {"launch_year", 2020},
          {"peak_tflops", {{"fp32", 10}}},
          {"source", "datasheet"},
          {"confidence", "high"}};
}

std::string document_of(const nlohmann::json& chips) {
  return nlohmann::json{{"schema_version", 1}, {"chips", chips}}.dump();
}

// A one-chip document whose chip is good_chip() after `edit`.
template <typename Edit>
std::string chip_edited(Edit edit) {
  nlohmann::json chip = good_chip();
  edit(chip);
  return document_of(nlohmann::json::array({chip}));
}

// Parses `text`, expecting ChipDbError; returns its message.
std::string parse_error(const std::string& text) {
  try {
    ChipDatabase::parse(text, "bad.json");
  } catch (const ChipDbError& err) {
    return err.what();
  }
  ADD_FAILURE() << "no ChipDbError for: " << text;
  return {};
}

TEST(ChipDbErrors, MalformedDatabasesThrowOneLineMessages) {
  using nlohmann::json;
  // nlohmann::json cannot hold an infinity, so this one is spliced in as text.
  std::string overflow = document_of(json::array({good_chip()}));
  overflow.replace(overflow.find("\"confidence\""), 0, "\"mem_bw_tbs\":1e999,");

  struct Case {
    std::string text;
    std::string expected;  // a fragment the message must contain
  };
  const Case cases[] = {
      {"{\"schema_version\": 1,\n \"chips\": [}", "line 2"},
      {"not json at all", "not valid JSON"},
      {R"({"schema_version": 1, "chips": {}})", "'chips' must be an array"},
      {R"({"schema_version": 1})", "missing field 'chips'"},
      {R"({"chips": []})", "schema_version"},
      {R"([1, 2])", "top level must be an object"},
      {chip_edited([](json& c) { c.erase("name"); }), "missing field 'name'"},
      {chip_edited([](json& c) { c.erase("source"); }), "missing field 'source'"},
      {chip_edited([](json& c) { c["match"] = json::array({"(unclosed"}); }),
       "'(unclosed' is not a valid regex"},
      {chip_edited([](json& c) { c["match"] = json::array({""}); }), "match[0] is empty"},
      {chip_edited([](json& c) { c["peak_tflops"]["fp16"] = -1; }), "'peak_tflops.fp16' is -1"},
      {chip_edited([](json& c) { c["peak_tflops"]["fp16"] = "989.4"; }),
       "'peak_tflops.fp16' must be a number, got string"},
      {chip_edited([](json& c) { c["peak_tflops"]["fp61"] = 1; }), "unknown key 'peak_tflops.fp61'"},
      {chip_edited([](json& c) { c["launch_year"] = "2020"; }), "'launch_year' must be an integer"},
      {overflow, "number overflow"},
      {document_of(json::array({good_chip(), good_chip()})), "duplicate chip name"},
  };
  for (const Case& c : cases) {
    const std::string message = parse_error(c.text);
    EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << "expected '" << c.expected << "' in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ChipDbErrors, NamesTheChipIndexAndName) {
  nlohmann::json second = good_chip("X2");
  second["peak_tflops"]["bf16"] = -2;
  const std::string text = document_of(nlohmann::json::array({good_chip(), second}));
  const std::string message = parse_error(text);
  EXPECT_NE(message.find("chips[1]"), std::string::npos) << message;
  EXPECT_NE(message.find("\"X2\""), std::string::npos) << message;
}

TEST(ChipDbErrors, UnreadableFile) {
  const std::string path = "/nonexistent/suanli/chips.json";
  try {
    ChipDatabase::load_file(path);
    FAIL() << "no ChipDbError";
  } catch (const ChipDbError& err) {
    const std::string message = err.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ChipDbErrors, GoodMinimalDocumentParses) {
  const auto db = ChipDatabase::parse(document_of(nlohmann::json::array({good_chip()})), "good.json");
  ASSERT_EQ(db.chips().size(), 1u);
  EXPECT_EQ(db.chips()[0].name, "X1");
  EXPECT_FALSE(db.chips()[0].mem_bw_tbs.has_value());
  ASSERT_NE(db.match("Vendor X1 accelerator"), nullptr);
  EXPECT_EQ(db.match("Vendor X10"), nullptr);
}

}  // namespace
}  // namespace suanli
