// `suanli history add|show`: store result files in the run history; print each case's trend
// and flag step changes (change_point.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "harness/change_point.h"
#include "harness/errors.h"
#include "harness/history.h"
#include "harness/result_file.h"
#include "harness/subcommand.h"

namespace suanli {
namespace {

const char* kHistoryFooter = R"(
The database is SQLite: --db FILE, else $SUANLI_HISTORY_DB, else suanli-history.sqlite in
the current directory. Adding a run that is stored already (same host, start time,
revision and command line) adds nothing. A merged file adds each of its runs.

Step detection (history show): over the last N ok runs of a case, the split that best
separates earlier from later runs by a rank (Mann-Whitney) test, with a permutation
p-value over all splits; flagged as STEP when p < 0.05 and the median throughput after
the split differs from before by at least --min-step percent. A step needs 3 runs on
each side (and, to show 3 runs after a clean step, about 12 runs in the window);
a single outlier is not a step.

Examples:
  suanli history add nightly-*.json
  suanli history show --case "gemm fp16" --last 30)";

std::string format_seconds(double s) {
  char buf[32];
  if (s >= 1) std::snprintf(buf, sizeof buf, "%.3f s", s);
  else if (s >= 1e-3) std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  else std::snprintf(buf, sizeof buf, "%.3f us", s * 1e6);
  return buf;
}

std::string format_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", fraction * 100);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

// One line per run; "vs prev" compares throughput with the previous ok run (+ is faster).
// "avg W" (the run's average board power) only where some run of the series has one.
void print_trend(std::ostream& out, const HistorySeries& s) {
  std::size_t rev_width = 8;
  bool any_power = false;
  for (const HistoryPoint& p : s.points) {
    rev_width = std::max(rev_width, p.git_revision.size());
    any_power = any_power || p.avg_power_w.has_value();
  }
  out << "  " << pad("run (UTC)", 20) << pad("revision", rev_width) << pad("median", 12) << pad("TFLOPS", 10)
      << (any_power ? pad("avg W", 7) : "") << "vs prev\n";
  std::optional<double> previous;
  for (const HistoryPoint& p : s.points) {
    out << "  " << pad(p.created_utc, 20) << pad(p.git_revision.empty() ? "?" : p.git_revision, rev_width);
    if (p.status != "ok" || !p.median_s) {
      out << p.status << "\n";
      continue;
    }
    char tflops[32] = "-";
    if (p.tflops) std::snprintf(tflops, sizeof tflops, "%.4g", *p.tflops);
    out << pad(format_seconds(*p.median_s), 12) << pad(tflops, 10);
    if (any_power) {
      char watts[32] = "-";
      if (p.avg_power_w) std::snprintf(watts, sizeof watts, "%.0f", *p.avg_power_w);
      out << pad(watts, 7);
    }
    if (previous) out << format_percent(*previous / *p.median_s - 1);
    out << "\n";
    previous = p.median_s;
  }
}

void print_verdict(std::ostream& out, const HistorySeries& s, const ChangePointOptions& options) {
  std::vector<double> throughput;  // 1 / median: a drop is a slowdown, as in TFLOPS
  std::vector<const HistoryPoint*> ok;
  for (const HistoryPoint& p : s.points)
    if (p.status == "ok" && p.median_s && *p.median_s > 0) {
      throughput.push_back(1 / *p.median_s);
      ok.push_back(&p);
    }
  const ChangePoint cp = detect_change_point(throughput, options);
  if (!cp.enough_data) {
    out << "  too few ok runs for step detection (" << throughput.size() << "; needs " << 2 * options.min_segment << ")\n";
    return;
  }
  const HistoryPoint& at = *ok[cp.index];
  char p_text[32];
  std::snprintf(p_text, sizeof p_text, "%.3g", cp.p_value);
  const std::string where = "at run " + at.created_utc + " (rev " + (at.git_revision.empty() ? "?" : at.git_revision) + ")";
  if (cp.flagged)
    out << "  STEP " << format_percent(cp.change) << " " << where << ": median of " << ok.size() - cp.index
        << " runs after vs " << cp.index << " before, p=" << p_text << "\n";
  else
    out << "  no step over the last " << ok.size() << " ok runs (largest shift " << format_percent(cp.change) << " "
        << where << ", p=" << p_text << ")\n";
}

class HistoryCommand : public Subcommand {
 public:
  CLI::App* add_to(CLI::App& app) override {
    auto* history = app.add_subcommand("history", "Run history in SQLite: add result files, show trends and step changes");
    history->footer(kHistoryFooter);
    history->require_subcommand(1);
    add_ = history->add_subcommand("add", "Store result files (runs already stored are skipped)");
    add_->add_option("files", files_, "Result JSON files (suanli run --out, or suanli merge)")->required();
    add_->add_option("--db", db_, "History database (default: $SUANLI_HISTORY_DB, else suanli-history.sqlite)");
    show_ = history->add_subcommand("show", "Trend per case over the last runs, with step changes flagged");
    show_->add_option("--db", db_, "History database (default: $SUANLI_HISTORY_DB, else suanli-history.sqlite)");
    show_->add_option("--case", filter_, "Only cases whose label contains this text (case-insensitive)");
    show_->add_option("--last", last_, "Runs per case to show and test for a step")->capture_default_str();
    show_->add_option("--min-step", min_step_pct_, "Smallest step to flag, percent of throughput")->capture_default_str();
    return history;
  }

  int run() override {
    if (db_.empty()) db_ = default_history_db_path();
    return *add_ ? run_add() : run_show();
  }

 private:
  int run_add() {
    // Every file is read and validated before the database is touched: one bad file in
    // a nightly glob stores nothing, rather than half the night.
    std::vector<ResultFile> loaded;
    for (const auto& f : files_) loaded.push_back(load_result_file(f));
    HistoryDb db(db_, HistoryDb::Mode::create);
    for (const ResultFile& file : loaded) {
      const AddOutcome o = db.add(file);
      std::cout << file.path << ": ";
      if (o.runs_added > 0) std::cout << o.runs_added << " run(s) added (" << o.cases_added << " cases)";
      if (o.runs_added > 0 && o.runs_already_stored > 0) std::cout << ", ";
      if (o.runs_already_stored > 0) std::cout << o.runs_already_stored << " run(s) already stored";
      std::cout << "\n";
    }
    std::cout << db_ << ": " << db.run_count() << " run(s) stored\n";
    return kExitOk;
  }

  int run_show() {
    if (last_ < 1) throw UsageError("--last must be at least 1 (got " + std::to_string(last_) + ")");
    if (!(min_step_pct_ >= 0 && min_step_pct_ < 100))
      throw UsageError("--min-step must be a percentage in [0, 100) (got " + std::to_string(min_step_pct_) + ")");
    const HistoryDb db(db_, HistoryDb::Mode::read_only);
    const std::vector<HistorySeries> all = db.series(filter_, static_cast<std::size_t>(last_));
    if (all.empty()) {
      if (filter_.empty()) std::cout << db_ << ": no runs stored\n";
      else std::cout << "no stored case matches '" << filter_ << "' (" << db.run_count() << " run(s) in " << db_ << ")\n";
      return kExitOk;
    }
    ChangePointOptions options;
    options.min_effect = min_step_pct_ / 100;
    std::ostringstream out;
    for (const HistorySeries& s : all) {
      out << s.case_label << "  [" << s.host << (s.device.empty() ? "" : " " + s.device) << "]\n";
      print_trend(out, s);
      print_verdict(out, s, options);
      out << "\n";
    }
    std::cout << out.str();
    return kExitOk;
  }

  CLI::App* add_ = nullptr;
  CLI::App* show_ = nullptr;
  std::vector<std::string> files_;
  std::string db_, filter_;
  int last_ = 20;
  double min_step_pct_ = 3;
};

}  // namespace

std::unique_ptr<Subcommand> make_history_command() { return std::make_unique<HistoryCommand>(); }

}  // namespace suanli
