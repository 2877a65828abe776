#include "harness/compare_report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace suanli {
namespace {

std::string format(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string seconds_text(double s) {
  if (s >= 1.0) return format("%.4g s", s);
  if (s >= 1e-3) return format("%.4g ms", s * 1e3);
  if (s >= 1e-6) return format("%.4g us", s * 1e6);
  return format("%.4g ns", s * 1e9);
}

// A ratio of times as a signed change: 1.1 -> "+10.0%" (slower).
std::string change_text(double ratio) { return format("%+.1f%%", (ratio - 1.0) * 100.0); }

std::string interval_text(const SampleComparison& r) {
  if (!r.tested) return "-";
  return change_text(r.ratio_ci.lo) + " .. " + change_text(r.ratio_ci.hi);
}

std::string p_text(const SampleComparison& r) {
  if (!r.tested) return "-";
  return r.p_value < 1e-4 ? "<1e-4" : format("%.4f", r.p_value);
}

// "312/340" samples, or "5/5 runs" when the runs of --repetitions were the unit.
std::string n_text(const SampleComparison& r) {
  if (r.unit == "pairs") return std::to_string(r.n_base) + " pairs";
  return std::to_string(r.n_base) + "/" + std::to_string(r.n_new) + (r.unit == "runs" ? " runs" : "");
}

std::string unit_name(CompareUnit u) {
  switch (u) {
    case CompareUnit::runs: return "runs";
    case CompareUnit::samples: return "samples";
    case CompareUnit::automatic: break;
  }
  return "auto";
}

std::string confidence_text(const CompareSettings& s) { return format("%.4g%%", (1.0 - s.alpha) * 100.0); }

std::string settings_text(const CompareSettings& s) {
  const std::string method = s.paired ? "paired runs: Wilcoxon signed-rank; " + confidence_text(s) +
                                           " bootstrap interval of the median per-pair ratio, "
                                     : "Mann-Whitney U; " + confidence_text(s) +
                                           " bootstrap interval of the ratio of medians, ";
  return "threshold ±" + format("%.4g%%", s.threshold * 100.0) + ", alpha " + format("%.4g", s.alpha) + " (" +
         method + std::to_string(s.resamples) + " resamples" + (s.paired ? "" : "; unit " + unit_name(s.unit)) + ")";
}

std::string revision_of(const nlohmann::json& doc) {
  const auto tool = doc.find("tool");
  return tool != doc.end() && tool->is_object() ? tool->value("git_revision", "") : "";
}

std::string provenance(const ResultFile& f) {
  const auto& d = f.document;
  std::string text = f.path;
  std::string details;
  auto add = [&](const std::string& part) {
    if (!part.empty()) details += (details.empty() ? "" : ", ") + part;
  };
  add(revision_of(d));
  if (d.contains("host") && d["host"].is_object()) add(d["host"].value("hostname", ""));
  add(d.value("created_utc", ""));
  return details.empty() ? text : text + " (" + details + ")";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '|') out += '\\';
    out += ch;
  }
  return out;
}

void md_table(std::ostringstream& o, const std::vector<const CaseComparison*>& rows, const CompareSettings& s) {
  o << "| Verdict | Case | Base median | New median | Change | " << confidence_text(s)
    << " interval | p | n base/new |\n";
  o << "|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto* c : rows) {
    const auto& r = c->result;
    const std::string verdict = to_string(r.verdict);
    o << "| " << (r.verdict == Verdict::slower ? "**" + verdict + "**" : verdict) << " | " << md_escape(c->label)
      << " | " << seconds_text(r.base_median) << " | " << seconds_text(r.new_median) << " | "
      << change_text(r.ratio) << " | " << interval_text(r) << " | " << p_text(r) << " | " << n_text(r) << " |\n";
  }
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string compare_summary_line(const Comparison& c) {
  return std::to_string(c.count(Verdict::slower)) + " slower, " + std::to_string(c.count(Verdict::faster)) +
         " faster, " + std::to_string(c.count(Verdict::same)) + " same, " +
         std::to_string(c.count(Verdict::ambiguous)) + " ambiguous, " + std::to_string(c.uncompared.size()) +
         " not compared";
}

std::string compare_markdown(const Comparison& c, const CompareInputs& in) {
  std::ostringstream o;
  o << "### suanli compare: " << compare_summary_line(c) << "\n\n";
  o << "BASE `" << md_escape(provenance(in.base)) << "`  \nNEW `" << md_escape(provenance(in.fresh)) << "`  \n";
  o << "Change = new median time / base median time - 1 (+ is slower); " << settings_text(in.settings) << ".\n\n";

  std::vector<const CaseComparison*> changed, same;
  for (const auto& cc : c.cases) (cc.result.verdict == Verdict::same ? same : changed).push_back(&cc);
  if (c.cases.empty()) {
    o << "No case appears, verified and timed, in both files.\n";
  } else if (changed.empty()) {
    o << "Every compared case is within ±" << format("%.4g%%", in.settings.threshold * 100.0) << ".\n";
  } else {
    md_table(o, changed, in.settings);
  }
  // SAME rows are folded away: a CI comment should show what changed without scrolling.
  if (!same.empty()) {
    o << "\n<details><summary>" << same.size() << " case" << (same.size() == 1 ? "" : "s") << " SAME</summary>\n\n";
    md_table(o, same, in.settings);
    o << "\n</details>\n";
  }
  if (!c.uncompared.empty()) {
    o << "\n**Not compared (" << c.uncompared.size() << ")**\n\n";
    for (const auto& u : c.uncompared) o << "- " << md_escape(u.label) << ": " << md_escape(u.reason) << "\n";
  }
  return o.str();
}

std::string compare_text(const Comparison& c, const CompareInputs& in) {
  std::ostringstream o;
  o << "BASE " << provenance(in.base) << "\nNEW  " << provenance(in.fresh) << "\n" << settings_text(in.settings)
    << "\n\n";
  if (!c.cases.empty()) {
    o << pad("verdict", 10) << pad("change", 9) << pad("interval", 18) << pad("p", 8) << pad("n", 12)
      << pad("base", 12) << pad("new", 12) << "case\n";
    for (const auto& cc : c.cases) {
      const auto& r = cc.result;
      o << pad(to_string(r.verdict), 10) << pad(change_text(r.ratio), 9) << pad(interval_text(r), 18)
        << pad(p_text(r), 8) << pad(n_text(r), 12)
        << pad(seconds_text(r.base_median), 12) << pad(seconds_text(r.new_median), 12) << cc.label << "  ("
        << r.why << ")\n";
    }
  }
  if (!c.uncompared.empty()) {
    o << "\nnot compared:\n";
    for (const auto& u : c.uncompared) o << "  " << u.label << ": " << u.reason << "\n";
  }
  o << "\nsummary: " << compare_summary_line(c) << "\n";
  return o.str();
}

nlohmann::json compare_json(const Comparison& c, const CompareInputs& in) {
  auto file = [](const ResultFile& f) {
    const auto& d = f.document;
    return nlohmann::json{{"path", f.path},
                          {"created_utc", d.value("created_utc", "")},
                          {"git_revision", revision_of(d)}};
  };
  nlohmann::json cases = nlohmann::json::array();
  for (const auto& cc : c.cases) {
    const auto& r = cc.result;
    nlohmann::json row = {{"key", cc.key},           {"label", cc.label},         {"verdict", to_string(r.verdict)},
                          {"why", r.why},            {"base_median_s", r.base_median}, {"new_median_s", r.new_median},
                          {"ratio", r.ratio},        {"n_base", r.n_base},        {"n_new", r.n_new},
                          {"unit", r.unit},          {"unpaired_runs", r.unpaired_runs},
                          {"ratio_ci", nullptr},     {"p_value", nullptr},        {"exact_p", r.exact_p}};
    if (r.tested) {
      row["ratio_ci"] = {r.ratio_ci.lo, r.ratio_ci.hi};
      row["p_value"] = r.p_value;
    }
    cases.push_back(std::move(row));
  }
  nlohmann::json uncompared = nlohmann::json::array();
  for (const auto& u : c.uncompared) uncompared.push_back({{"label", u.label}, {"reason", u.reason}});
  const auto& s = in.settings;
  return {{"base", file(in.base)},
          {"new", file(in.fresh)},
          {"settings",
           {{"threshold", s.threshold}, {"alpha", s.alpha}, {"resamples", s.resamples}, {"seed", s.seed},
            {"min_samples", s.min_samples}, {"unit", unit_name(s.unit)}, {"paired", s.paired}}},
          {"summary",
           {{"compared", c.cases.size()},
            {"slower", c.count(Verdict::slower)},
            {"faster", c.count(Verdict::faster)},
            {"same", c.count(Verdict::same)},
            {"ambiguous", c.count(Verdict::ambiguous)},
            {"not_compared", c.uncompared.size()}}},
          {"cases", std::move(cases)},
          {"not_compared", std::move(uncompared)}};
}

}  // namespace suanli
