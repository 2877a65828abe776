// `suanli compare BASE.json NEW.json`: the CLI of harness/compare.h. Exit 0 when no case
// is SLOWER, 1 when one is (so a CI step fails on a regression), 2 on bad input.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <optional>

#include "harness/compare.h"
#include "harness/compare_report.h"
#include "harness/errors.h"
#include "harness/repetitions.h"
#include "harness/result_file.h"
#include "harness/results.h"
#include "harness/subcommand.h"

namespace suanli {
namespace {

constexpr int kExitSlower = 1;

const char* kCompareFooter = R"(
Verdicts (r = new median time / base median time, t = threshold, a = alpha):
  SLOWER     Mann-Whitney U p < a (Wilcoxon signed-rank with --paired), and r > 1 + t
             (the reason says if the bootstrap interval of r lies above 1 + t too)
  FASTER     p < a, and r < 1 / (1 + t)
  SAME       the interval of r lies within [1 / (1 + t), 1 + t]
  AMBIGUOUS  anything else, or fewer than --min-samples samples on a side
The unit is the run when both files come from run --repetitions N (N >= --min-samples):
each run's median is one observation, so a whole run shifted by the machine is noise,
not a verdict. Otherwise the raw samples of the single run are the unit. BASE or NEW may
be a directory of result files of one build: each file is a run. On a shared machine, run
the two builds in turn (A B A B ...) into two directories, so a drift hits both alike,
and add --paired: the i-th runs of the two sides (files in name order) form a pair (a
run lacking a case on one side drops that pair and is counted), the test is Wilcoxon's
signed-rank on the per-pair ratios, and the ratio is their median.
With alpha 0.01 that needs 8 pairs or more (the smallest p of n pairs is 2/2^n).
Cases match on workload, backend, device model, tier, dtype, shape and --hot; cases in
only one file, or not "ok" in one, are listed, not errors. See docs/REGRESSION.md.
Exit status: 0 nothing SLOWER, 1 something SLOWER, 2 bad input.

Examples:
  suanli compare nightly-base.json nightly.json
  suanli compare base.json new.json --threshold 5% --format md -o comment.md
  suanli compare runs-base/ runs-new/          (directories: one file per run)
  suanli compare runs-base/ runs-new/ --paired (runs taken in turn, A B A B ...)
)";

class CompareCommand : public Subcommand {
 public:
  CLI::App* add_to(CLI::App& app) override {
    auto* cmd = app.add_subcommand("compare", "Regression verdicts between two results files (exit 1 if slower)");
    cmd->footer(kCompareFooter);
    cmd->add_option("base", base_path_, "Baseline results JSON, or a directory of runs of one build")->required();
    cmd->add_option("new", new_path_, "New results JSON, or a directory of runs of one build")->required();
    cmd->add_option("--threshold", threshold_, "Smallest change of the median time that counts: 3% or 0.03")
        ->capture_default_str();
    cmd->add_option("--alpha", settings_.alpha, "Test level; the interval's confidence is 1 - alpha")
        ->capture_default_str();
    cmd->add_option("--format", format_, "Output: text, md (a CI comment), json")->capture_default_str();
    cmd->add_option("-o,--out", out_path_, "Write the report to FILE instead of stdout");
    cmd->add_option("--seed", settings_.seed, "Bootstrap seed (the same seed gives the same verdicts)")
        ->capture_default_str();
    cmd->add_option("--resamples", settings_.resamples, "Bootstrap resamples per case")->capture_default_str();
    cmd->add_option("--min-samples", settings_.min_samples, "Fewest samples (or runs) per side for a verdict other than AMBIGUOUS")
        ->capture_default_str();
    cmd->add_option("--unit", unit_,
                    "What one observation is: runs (the per-run medians of run --repetitions), samples, or auto "
                    "(runs when both sides have --min-samples runs)")
        ->capture_default_str();
    cmd->add_flag("--paired", settings_.paired,
                  "Pair the i-th run of BASE with the i-th of NEW (runs taken in turn, A B A B ...) and test the "
                  "per-pair ratios (Wilcoxon signed-rank): a drift both runs of a pair share cancels");
    return cmd;
  }

  int run() override {
    settings_.threshold = parse_threshold(threshold_);
    if (format_ != "text" && format_ != "md" && format_ != "json")
      throw UsageError("--format '" + format_ + "': expected text, md or json");
    if (!(settings_.alpha > 0 && settings_.alpha < 0.5)) throw UsageError("--alpha must lie in (0, 0.5)");
    if (settings_.resamples < 100) throw UsageError("--resamples must be >= 100");
    if (settings_.min_samples < 2) throw UsageError("--min-samples must be >= 2");
    settings_.unit = parse_compare_unit(unit_);
    if (settings_.paired && settings_.unit == CompareUnit::samples)
      throw UsageError("--paired pairs runs; it cannot be used with --unit samples");

    // Reserved before the inputs are read so that a bad input leaves no file behind
    // (PendingOutput removes its temp file unless committed) and an unwritable path fails first.
    std::optional<PendingOutput> out;
    if (!out_path_.empty()) out.emplace(out_path_);
    const ResultFile base = load_run_set(base_path_);
    const ResultFile fresh = load_run_set(new_path_);

    const Comparison comparison = compare_results(base, fresh, settings_);
    const CompareInputs inputs{base, fresh, settings_};
    std::string report;
    if (format_ == "md")
      report = compare_markdown(comparison, inputs);
    else if (format_ == "json")
      report = compare_json(comparison, inputs).dump(2) + "\n";
    else
      report = compare_text(comparison, inputs);

    if (out) {
      out->commit(report);
      std::cerr << "compare: " << compare_summary_line(comparison) << "; report: " << out_path_ << "\n";
    } else {
      std::cout << report;
    }
    return comparison.count(Verdict::slower) > 0 ? kExitSlower : kExitOk;
  }

 private:
  std::string base_path_, new_path_, out_path_;
  std::string threshold_ = "3%";
  std::string format_ = "text";
  std::string unit_ = "auto";
  CompareSettings settings_;
};

}  // namespace

std::unique_ptr<Subcommand> make_compare_command() { return std::make_unique<CompareCommand>(); }

}  // namespace suanli
