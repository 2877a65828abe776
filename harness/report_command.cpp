// `suanli report RESULT.json... -o DIR`: validates every result file with the loader the
// other commands use, then has the Python generator (scripts/report/) write DIR/report.md,
// DIR/report.html and DIR/*.csv. Bad input is one line and exit 2, and leaves no DIR.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

#include "harness/chips.h"
#include "harness/embedded_chips.h"
#include "harness/errors.h"
#include "harness/merge.h"
#include "harness/report_generator.h"
#include "harness/result_file.h"
#include "harness/staged_directory.h"
#include "harness/subcommand.h"

namespace suanli {
namespace {

namespace fs = std::filesystem;

const char* kReportFooter = R"(
Writes DIR/report.html (one self-contained file: tables and charts, opens in a browser with
no network), DIR/report.md with its chart PNGs, and DIR/*.csv (every table, raw values):
per-device peaks, ceilings and best GEMM / attention; the procurement comparison (ratios,
TFLOPS per price with --price); the chip compute curve (datasheet peak by launch year for
every chip in the database, measured devices beside theirs); sweeps and rooflines; and
the capacity planner. Only verified (status ok) cases count as "best"; the others are
listed. A directory argument gives every *.json in it. Needs python3 with matplotlib
(Debian: python3-matplotlib; SUANLI_PYTHON selects the interpreter).

Examples:
  suanli report h100.json k100.json -o report/
  suanli report lab-nodes/ -o report/ --price "H100 SXM=30000" --price K100_AI=12000
  suanli report r.json -o report/ --mfu 0.4 --plan-days 60 --plan-chips 2048)";

// "DEVICE=AMOUNT" with a positive amount; the device name is resolved by the generator.
void check_price(const std::string& text) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--price '" + text + "': expected DEVICE=AMOUNT");
  const std::string amount = text.substr(eq + 1);
  double value = 0;
  const auto [end, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), value);
  if (amount.empty() || ec != std::errc() || end != amount.data() + amount.size() || !(value > 0) ||
      value == HUGE_VAL)
    throw UsageError("--price '" + text + "': the amount must be a positive number");
}

// The chips database the generator reads: the one this binary embeds (or --chips), so a
// report and a run agree on every datasheet figure.
class ChipsFile {
 public:
  explicit ChipsFile(const std::string& user_path) {
    if (!user_path.empty()) {
      try {
        ChipDatabase::load_file(user_path);
      } catch (const ChipDbError& e) {
        throw UsageError(e.what());
      }
      path_ = user_path;
      return;
    }
    path_ = fs::temp_directory_path() / ("suanli-chips-" + std::to_string(getpid()) + ".json");
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << embedded_chips_json();
    if (!out.flush()) throw std::runtime_error("cannot write " + path_.string());
    owned_ = true;
  }
  ~ChipsFile() {
    std::error_code ec;
    if (owned_) fs::remove(path_, ec);
  }
  ChipsFile(const ChipsFile&) = delete;
  ChipsFile& operator=(const ChipsFile&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  bool owned_ = false;
};

std::string number_text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class ReportCommand : public Subcommand {
 public:
  CLI::App* add_to(CLI::App& app) override {
    auto* sub = app.add_subcommand("report", "Tables and charts from result files: report.html, report.md, CSV");
    sub->footer(kReportFooter);
    sub->add_option("inputs", inputs_, "Result files, or directories of them")->required();
    sub->add_option("-o,--out", out_, "Directory to write into (created if missing; same-named files replaced)")
        ->required();
    sub->add_option("--price", prices_, "DEVICE=AMOUNT (repeatable): TFLOPS per price; DEVICE as in the report, "
                                        "the runtime's device name or the chips.json name")
        ->allow_extra_args(false);  // one value per --price, so the inputs after it stay inputs
    sub->add_option("--mfu", mfu_, "Planner: assumed model-FLOPs utilisation, as a share of the measured GEMM rate")
        ->capture_default_str();
    sub->add_option("--plan-days", plan_days_, "Planner: target days (gives the chips needed)")->capture_default_str();
    sub->add_option("--plan-chips", plan_chips_, "Planner: chips (gives the days needed)")->capture_default_str();
    sub->add_option("--chips", chips_, "Chip database file (default: the embedded results/chips.json)");
    return sub;
  }

  int run() override {
    if (!(mfu_ > 0 && mfu_ <= 1)) throw UsageError("--mfu " + number_text(mfu_) + ": expected a fraction in (0, 1]");
    if (!(plan_days_ > 0)) throw UsageError("--plan-days " + number_text(plan_days_) + ": expected a positive number");
    if (plan_chips_ < 1) throw UsageError("--plan-chips " + std::to_string(plan_chips_) + ": expected at least 1");
    for (const auto& p : prices_) check_price(p);

    // Reserved first, so an unwritable DIR fails before any reading; every later failure
    // removes the staging directory and DIR is never half-written.
    StagedDirectory out(out_);
    std::vector<std::string> paths = merge_input_paths(inputs_, "");
    for (const auto& path : paths) load_result_file(path);
    const ChipsFile chips(chips_);

    std::vector<std::string> args = {"--chips", chips.path().string(), "--out", out.staging().string(),
                                     "--mfu", number_text(mfu_), "--plan-days", number_text(plan_days_),
                                     "--plan-chips", std::to_string(plan_chips_), "--generator", generator_line()};
    for (const auto& p : prices_) args.insert(args.end(), {"--price", p});
    args.push_back("--");
    args.insert(args.end(), paths.begin(), paths.end());
    run_report_generator(args);
    out.commit();
    std::cout << "report: " << (out.target() / "report.html").string() << "\n"
              << "        " << (out.target() / "report.md").string() << " and CSV files in " << out.target().string()
              << "\n";
    return kExitOk;
  }

 private:
  std::string generator_line() const {
    std::string line = "suanli report";
    for (const auto& in : inputs_) line += " " + in;
    line += " -o " + out_;
    for (const auto& p : prices_) line += " --price '" + p + "'";
    return line;
  }

  std::vector<std::string> inputs_, prices_;
  std::string out_, chips_;
  double mfu_ = 0.5, plan_days_ = 30;
  int plan_chips_ = 1024;
};

}  // namespace

std::unique_ptr<Subcommand> make_report_command() { return std::make_unique<ReportCommand>(); }

}  // namespace suanli
