#include "harness/results_view.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace suanli {
namespace {

std::string num(const nlohmann::json& v, const char* fmt, double scale = 1.0) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v.get<double>() * scale);
  return buf;
}

std::string kernel_text(const nlohmann::json& c) {
  if (!c.contains("kernel") || !c["kernel"].is_object()) return "-";
  const auto& k = c["kernel"];
  std::string name = k.value("name", "-");
  if (k.contains("config") && k["config"].is_object()) name += " (" + k["config"].value("name", "") + ")";
  return name;
}

std::string csv_escape(std::string s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

const nlohmann::json& stats_of(const nlohmann::json& c) {
  static const nlohmann::json kNull;
  return c.contains("stats") && c["stats"].is_object() ? c["stats"] : kNull;
}

nlohmann::json field(const nlohmann::json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) ? obj[key] : nlohmann::json();
}

}  // namespace

std::string case_shape_text(const nlohmann::json& c) {
  if (!c.contains("shape") || !c["shape"].is_object()) return "-";
  const auto& s = c["shape"];
  auto n = [&](const char* key) { return std::to_string(s.value(key, 0L)); };
  const std::string workload = c.value("workload", "");
  if (workload == "peak") return c.value("tier", "") == "native" ? "mma-chains" : "fma-chains";
  if (workload == "stream") return s.value("op", std::string("?")) + (s.contains("elements") ? " n=" + n("elements") : "");
  if (workload == "attention") {
    std::string out = n("b") + "x" + n("h") + "x" + n("s_q") + "x" + n("d");
    if (s.value("h_kv", 0L) != s.value("h", 0L)) out += " kv" + n("h_kv");
    if (s.value("s_kv", 0L) != s.value("s_q", 0L)) out += " skv" + n("s_kv");
    if (s.value("causal", false)) out += " causal";
    return out;
  }
  return n("m") + "x" + n("n") + "x" + n("k");
}

std::string results_table(const nlohmann::json& doc) {
  std::vector<std::vector<std::string>> rows;
  // A stream case's rate is a bandwidth: the rate column says which unit a row is in.
  bool any_stream = false;
  // The average board power, as a column only where some row has one (an energy counter and
  // a window of 1 s or more): most runs (OpenCL, short loops) would show a column of dashes.
  bool any_power = false;
  for (const auto& c : doc.at("cases")) {
    any_stream = any_stream || c.value("workload", "") == "stream";
    any_power = any_power || field(field(c, "energy"), "avg_power_w").is_number();
  }
  rows.push_back({"device", "tier", "dtype", "shape", "kernel", "median ms", any_stream ? "rate" : "TFLOPS", "% peak", "cv %", "n", "status"});
  if (any_power) rows.back().insert(rows.back().end() - 1, "avg W");
  for (const auto& c : doc.at("cases")) {
    const auto& st = stats_of(c);
    std::string status = c.value("status", "?");
    if (status == "ok" && !c.value("verified", false)) status = "unverified";
    if (status != "ok") status += ": " + c.value("reason", std::string());
    // The row's warning, in short. Counts print through num (a double), never an int
    // conversion, whatever number a document holds.
    if (const auto& t = field(c, "throttled_samples"); t.is_number() && t.get<double>() > 0)
      status += " (throttled " + num(t, "%.0f") + "/" + num(field(st, "n"), "%.0f") + ")";
    const bool stream = c.value("workload", "") == "stream";
    std::string rate = stream ? num(field(c, "gbps"), "%.4g") : num(field(c, "tflops"), "%.4g");
    if (any_stream && rate != "-") rate += stream ? " GB/s" : c.value("dtype", "") == "int8" ? " TOPS" : " TFLOPS";
    rows.push_back({c.value("device", "-"), c.value("tier", "-"), c.value("dtype", "-"), case_shape_text(c), kernel_text(c),
                    num(field(st, "median_s"), "%.3f", 1e3), rate, num(field(c, stream ? "pct_of_peak_bw" : "pct_of_peak"), "%.1f"),
                    num(field(st, "cv"), "%.1f", 100.0), num(field(st, "n"), "%.0f"), status});
    if (any_power) rows.back().insert(rows.back().end() - 1, num(field(field(c, "energy"), "avg_power_w"), "%.0f"));
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i + 1 < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::ostringstream out;
  for (const auto& d : doc.at("devices")) {
    out << d.value("id", "?") << ": " << d.at("info").value("name", "?");
    if (d.contains("chip") && d["chip"].is_object()) out << "  [chips.json: " << d["chip"].value("name", "?") << "]";
    out << "\n";
    for (auto it = d.at("peaks").begin(); it != d.at("peaks").end(); ++it)
      out << "  peak " << it.key() << ": " << it.value().value("method", "") << "\n";
    if (d.contains("peak_bw") && d["peak_bw"].is_object()) out << "  peak bandwidth: " << d["peak_bw"].value("method", "") << "\n";
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      out << rows[r][i];
      if (i + 1 < rows[r].size()) out << std::string(width[i] - rows[r][i].size() + 2, ' ');
    }
    out << "\n";
  }
  const auto& s = doc.at("summary");
  out << s.value("cases", 0) << " cases: " << s.value("ok", 0) << " ok, " << s.value("failed", 0) << " failed, "
      << s.value("skipped", 0) << " skipped";
  if (s.value("suspicious", 0) > 0) out << ", " << s.value("suspicious", 0) << " suspicious (above the datasheet: see the reason)";
  if (s.value("unverified", 0) > 0)
    out << ", " << s.value("unverified", 0) << " unverified (a native kernel not yet checked on this arch: no result)";
  out << "\n";
  return out.str();
}

std::string results_csv(const nlohmann::json& doc) {
  std::ostringstream out;
  out << "backend,device,device_name,workload,tier,dtype,shape,m,n,k,kernel,median_s,min_s,max_s,p10_s,p90_s,cv,n,"
         "tflops,peak_tflops,peak_basis,pct_of_peak,verified,status,reason,bytes,gbps,peak_bw_gbps,pct_of_peak_bw,avg_power_w,"
         "tflops_per_w\n";
  auto cell = [](const nlohmann::json& v) -> std::string {
    if (v.is_null()) return "";
    if (v.is_string()) return csv_escape(v.get<std::string>());
    if (v.is_number_float()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
      return buf;
    }
    return v.dump();
  };
  for (const auto& c : doc.at("cases")) {
    const auto& st = stats_of(c);
    const auto& sh = c.at("shape");
    out << cell(field(c, "backend")) << ',' << cell(field(c, "device")) << ',' << cell(field(c, "device_name")) << ','
        << cell(field(c, "workload")) << ',' << cell(field(c, "tier")) << ',' << cell(field(c, "dtype")) << ','
        << csv_escape(case_shape_text(c)) << ',' << cell(field(sh, "m")) << ',' << cell(field(sh, "n")) << ',' << cell(field(sh, "k")) << ','
        << csv_escape(kernel_text(c)) << ',' << cell(field(st, "median_s")) << ',' << cell(field(st, "min_s")) << ','
        << cell(field(st, "max_s")) << ',' << cell(field(st, "p10_s")) << ',' << cell(field(st, "p90_s")) << ','
        << cell(field(st, "cv")) << ',' << cell(field(st, "n")) << ',' << cell(field(c, "tflops")) << ','
        << cell(field(c, "peak_tflops")) << ',' << cell(field(c, "peak_basis")) << ',' << cell(field(c, "pct_of_peak"))
        << ',' << cell(field(c, "verified")) << ',' << cell(field(c, "status")) << ',' << cell(field(c, "reason")) << ','
        << cell(field(c, "bytes")) << ',' << cell(field(c, "gbps")) << ',' << cell(field(c, "peak_bw_gbps")) << ','
        << cell(field(c, "pct_of_peak_bw")) << ',' << cell(field(field(c, "energy"), "avg_power_w")) << ','
        << cell(field(c, "tflops_per_w")) << "\n";
  }
  return out.str();
}

}  // namespace suanli
