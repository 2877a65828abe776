// `suanli report` end to end, on the recorded fixtures (tests/fixtures/report/: an H100
// with a peak/stream ceiling set, a K100_AI without): the numbers in the CSV and Markdown
// tables are the inputs' numbers, the compute curve holds every chip of chips.json, --price
// adds per-price columns, and a bad input is exit 2 with the file named and no output.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using test::run_suanli;
using test::TempDir;

const std::string kFixtures = std::string(SUANLI_TEST_SOURCE_DIR) + "/tests/fixtures/report/";
const std::string kH100 = kFixtures + "h100-gpu-node01.json";
const std::string kK100 = kFixtures + "k100ai-dcu-node02.json";
const std::string kBadInput = std::string(SUANLI_TEST_SOURCE_DIR) + "/tests/fixtures/bad_input/";

using Row = std::map<std::string, std::string>;

// RFC 4180 as Python's csv module writes it: quoted fields may hold commas and "".
std::vector<std::vector<std::string>> parse_csv(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
    } else {
      cell += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

std::vector<Row> read_table(const fs::path& file) {
  const auto cells = parse_csv(file);
  std::vector<Row> out;
  if (cells.empty()) return out;
  for (std::size_t r = 1; r < cells.size(); ++r) {
    Row row;
    for (std::size_t i = 0; i < cells[0].size() && i < cells[r].size(); ++i) row[cells[0][i]] = cells[r][i];
    out.push_back(row);
  }
  return out;
}

double number(const std::string& text) { return std::stod(text); }

// The best (highest-rate) ok case of a workload and dtype in a fixture, as the report must find it.
double best_ok(const Json& doc, const std::string& workload, const std::string& dtype) {
  double best = NAN;
  for (const auto& c : doc["cases"])
    if (c["workload"] == workload && c["dtype"] == dtype && c["status"] == "ok" && c["tflops"].is_number() &&
        !(c["tflops"].get<double>() <= best))
      best = c["tflops"].get<double>();
  return best;
}

// A CSV cell holds exactly `want`, or is empty when want is NaN (no such case).
void expect_cell(const std::string& cell, double want) {
  if (std::isnan(want)) {
    EXPECT_EQ(cell, "");
  } else {
    EXPECT_DOUBLE_EQ(number(cell), want);
  }
}

std::string chip_name(const Json& doc) { return doc["devices"][0]["chip"]["name"].get<std::string>(); }

bool have_python() { return !std::string(SUANLI_TEST_REPORT_PYTHON).empty(); }
constexpr const char* kNoPython = "no python3 with matplotlib at configure time (Debian: apt-get install python3-matplotlib)";

// One report of both fixtures with prices, generated once per test process (ctest runs
// each test in its own): "DIR/" with a trailing slash, as users type it.
class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_python()) return;
    dir_ = new TempDir();
    const auto r = run_suanli({"report", kH100, kK100, "-o", (out() / "").string(), "--price", "H100 SXM=30000",
                               "--price", "K100_AI=12000"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override {
    if (!have_python()) GTEST_SKIP() << kNoPython;
  }
  static fs::path out() { return *dir_ / "report"; }
  static TempDir* dir_;
};
TempDir* ReportCli::dir_ = nullptr;

TEST_F(ReportCli, WritesOneSelfContainedHtmlMarkdownAndCsv) {
  for (const char* name : {"report.html", "report.md", "devices.csv", "device_summary.csv", "bandwidth.csv",
                           "cases_not_ok.csv", "comparison.csv", "price.csv", "compute_curve.csv", "sweeps.csv",
                           "roofline_points.csv", "roofline_ceilings.csv", "capacity_plan.csv"})
    EXPECT_TRUE(fs::is_regular_file(out() / name)) << name;
  std::ifstream in(out() / "report.html");
  std::stringstream html;
  html << in.rdbuf();
  const std::string text = html.str();
  // Charts embedded (compute curve, sweeps, roofline), nothing fetched from anywhere.
  std::size_t images = 0;
  for (auto pos = text.find("data:image/png;base64,"); pos != std::string::npos;
       pos = text.find("data:image/png;base64,", pos + 1))
    ++images;
  EXPECT_EQ(images, 3u);
  for (const char* remote : {"src=\"http", "href=\"http", "@import", "<script src", "<link "})
    EXPECT_EQ(text.find(remote), std::string::npos) << remote;
  // No staging directory left beside the output.
  for (const auto& entry : fs::directory_iterator(out().parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST_F(ReportCli, DeviceTableHoldsEachInputsBestOkCases) {
  const auto rows = read_table(out() / "device_summary.csv");
  int checked = 0;
  for (const std::string& file : {kH100, kK100}) {
    const Json doc = test::read_json(file);
    std::set<std::string> dtypes;
    for (const auto& c : doc["cases"])
      if (c["workload"] != "stream") dtypes.insert(c["dtype"].get<std::string>());
    for (const auto& dtype : dtypes) {
      SCOPED_TRACE(file + " " + dtype);
      const Row* row = nullptr;
      for (const auto& r : rows)
        if (r.at("device") == chip_name(doc) && r.at("dtype") == dtype) row = &r;
      ASSERT_NE(row, nullptr);
      const double gemm = best_ok(doc, "gemm", dtype), attention = best_ok(doc, "attention", dtype),
                   ceiling = best_ok(doc, "peak", dtype);
      expect_cell(row->at("best GEMM"), gemm);
      expect_cell(row->at("best attention"), attention);
      expect_cell(row->at("measured ceiling"), ceiling);
      const auto& peak = doc["devices"][0]["peaks"][dtype]["tflops"];
      if (peak.is_number()) {
        EXPECT_DOUBLE_EQ(number(row->at("datasheet peak")), peak.get<double>());
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(rows.size()));
  // int8 on the H100: its one peak case is "suspicious", so no measured ceiling.
  for (const auto& r : rows) {
    if (r.at("device") == "H100 SXM" && r.at("dtype") == "int8") {
      EXPECT_EQ(r.at("measured ceiling"), "");
    }
  }
}

TEST_F(ReportCli, EveryCaseThatIsNotOkIsListed) {
  std::multiset<std::string> want, got;
  for (const std::string& file : {kH100, kK100}) {
    const Json doc = test::read_json(file);
    for (const auto& c : doc["cases"])
      if (c["status"] != "ok") want.insert(chip_name(doc) + " " + c["status"].get<std::string>());
  }
  for (const auto& r : read_table(out() / "cases_not_ok.csv")) got.insert(r.at("device") + " " + r.at("status"));
  EXPECT_EQ(got, want);
  EXPECT_EQ(want.count("H100 SXM suspicious"), 1u);
}

TEST_F(ReportCli, MarkdownShowsTheSameBestGemm) {
  // The Markdown row of the H100's bf16 line: "| H100 SXM | bf16 | 989.4 | …".
  std::ifstream in(out() / "report.md");
  std::string line, bf16;
  while (std::getline(in, line))
    if (line.rfind("| H100 SXM | bf16 |", 0) == 0) bf16 = line;
  ASSERT_FALSE(bf16.empty());
  std::vector<std::string> cells;
  std::stringstream cells_in(bf16.substr(1));
  for (std::string cell; std::getline(cells_in, cell, '|');) cells.push_back(cell.substr(1, cell.size() - 2));
  const double best = best_ok(test::read_json(kH100), "gemm", "bf16");
  // Columns: device, dtype, datasheet, ceiling, ceiling tier, ceiling %, best GEMM (4 significant digits).
  ASSERT_GT(cells.size(), 6u);
  EXPECT_NEAR(number(cells[6]), best, 0.5) << bf16;
}

TEST_F(ReportCli, ComparisonRatiosAndTheBetterDevice) {
  const auto rows = read_table(out() / "comparison.csv");
  ASSERT_FALSE(rows.empty());
  for (const auto& r : rows) {
    const std::string h = r.at("H100 SXM TFLOPS"), k = r.at("DCU K100-AI TFLOPS");
    if (h.empty() || k.empty() || !std::isdigit(static_cast<unsigned char>(h[0])) ||
        !std::isdigit(static_cast<unsigned char>(k[0])))
      continue;  // a status word: the case ran but is not ok on one side
    EXPECT_NEAR(number(r.at("DCU K100-AI / H100 SXM")), number(k) / number(h), 1e-12);
    EXPECT_EQ(r.at("better"), number(h) >= number(k) ? "H100 SXM" : "DCU K100-AI");
    EXPECT_NEAR(number(r.at("H100 SXM TFLOPS per 1000 price")), 1000 * number(h) / 30000, 1e-12);
    EXPECT_NEAR(number(r.at("DCU K100-AI TFLOPS per 1000 price")), 1000 * number(k) / 12000, 1e-12);
  }
}

TEST_F(ReportCli, PriceColumnsOnlyWithPrices) {
  TempDir dir;  // the fixtures' directory as the input, no --price
  const auto run = run_suanli({"report", kFixtures, "-o", (dir / "r").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto header = parse_csv(dir / "r" / "comparison.csv").at(0);
  for (const auto& h : header) EXPECT_EQ(h.find("price"), std::string::npos) << h;
  EXPECT_FALSE(fs::exists(dir / "r" / "price.csv"));
  const auto priced = read_table(out() / "price.csv");
  ASSERT_FALSE(priced.empty());
  for (const auto& r : priced)
    EXPECT_NEAR(number(r.at("TFLOPS per price")), number(r.at("best GEMM TFLOPS")) / number(r.at("price")), 1e-15);
}

TEST_F(ReportCli, ComputeCurveHasEveryChipOfTheDatabase) {
  const Json chips = test::read_json(std::string(SUANLI_TEST_SOURCE_DIR) + "/results/chips.json");
  const auto rows = read_table(out() / "compute_curve.csv");
  for (const auto& chip : chips["chips"]) {
    const std::string name = chip["name"];
    SCOPED_TRACE(name);
    std::map<std::string, double> plotted;
    for (const auto& r : rows)
      if (r.at("kind") == "datasheet" && r.at("chip") == name && r.at("plotted") == "yes")
        plotted[r.at("dtype")] = number(r.at("TFLOPS"));
    EXPECT_FALSE(plotted.empty());
    const auto& peaks = chip["peak_tflops"];
    for (const char* dtype : {"tf32", "fp16", "bf16", "fp8", "int8"}) {
      if (peaks.contains(dtype) && peaks[dtype].get<double>() > 0) {
        EXPECT_DOUBLE_EQ(plotted[dtype], peaks[dtype].get<double>());
      } else {
        EXPECT_EQ(plotted.count(dtype), 0u) << dtype;
      }
    }
  }
  // Both measured devices are on the curve, each at its chip's launch year.
  std::set<std::string> measured;
  for (const auto& r : rows)
    if (r.at("kind") == "measured GEMM" && r.at("plotted") == "yes")
      measured.insert(r.at("device") + "@" + r.at("launch year"));
  EXPECT_EQ(measured, (std::set<std::string>{"H100 SXM@2022", "DCU K100-AI@2024"}));
}

TEST_F(ReportCli, PlannerUsesTheMeasuredGemmRate) {
  const double best = best_ok(test::read_json(kH100), "gemm", "bf16");
  for (const auto& r : read_table(out() / "capacity_plan.csv")) {
    if (r.at("device") != "H100 SXM" || r.at("model") != "GPT-3 175B") continue;
    EXPECT_EQ(r.at("dtype"), "bf16");
    EXPECT_DOUBLE_EQ(number(r.at("measured GEMM TFLOPS")), best);
    const double flops = 6 * 175e9 * 300e9, per_chip = best * 0.5 * 1e12;
    EXPECT_NEAR(number(r.at("days on 1,024 chips")), flops / (per_chip * 1024 * 86400), 1e-9);
    EXPECT_EQ(number(r.at("chips for 30 days")), std::ceil(flops / (per_chip * 30 * 86400)));
    return;
  }
  ADD_FAILURE() << "no H100 SXM / GPT-3 175B row";
}

// Bad inputs: exit 2, one line naming the file, and neither DIR nor a staging directory.
TEST(ReportCliBadInput, MalformedOrNewerSchemaFileIsExitTwoAndNoOutput) {
  TempDir dir;
  fs::create_directories(dir / "kept");
  std::ofstream(dir / "kept" / "report.html") << "earlier report";
  for (const std::string bad : {"result-truncated.json", "result-schema99.json"}) {
    SCOPED_TRACE(bad);
    for (const fs::path& target : {dir / "new", dir / "kept"}) {
      const auto r = run_suanli({"report", kH100, kBadInput + bad, "-o", target.string()});
      EXPECT_EQ(r.exit_code, 2) << r.err;
      EXPECT_TRUE(test::one_line(r.err)) << r.err;
      EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "new"));
    std::vector<std::string> kept;
    for (const auto& entry : fs::directory_iterator(dir / "kept")) kept.push_back(entry.path().filename().string());
    EXPECT_EQ(kept, std::vector<std::string>{"report.html"});
    std::vector<std::string> top;
    for (const auto& entry : fs::directory_iterator(dir.path())) top.push_back(entry.path().filename().string());
    EXPECT_EQ(top, std::vector<std::string>{"kept"});
  }
  const auto r = run_suanli({"report", kH100, kBadInput + "result-schema99.json", "-o", (dir / "new").string()});
  EXPECT_NE(r.err.find("unsupported schema_version 99"), std::string::npos) << r.err;
}

TEST(ReportCliBadInput, MissingPythonIsOneLineAndNoOutput) {
  TempDir dir;
  const auto r = run_suanli({"report", kH100, "-o", (dir / "r").string()}, {{"SUANLI_PYTHON", "/nonexistent/python3"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(test::one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("python3-matplotlib"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace suanli
