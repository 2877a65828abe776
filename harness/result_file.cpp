#include "harness/result_file.h"

#include <climits>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "harness/errors.h"
#include "harness/results.h"
#include "harness/results_view.h"

namespace suanli {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw UsageError(origin + ": " + what);
}

const char* const kIdentityFields[] = {"workload", "backend", "device_name", "tier", "dtype", "shape", "status"};

// Whether v is a JSON integer from 0 to max (a float, a negative or a larger value is not).
bool integer_up_to(const nlohmann::json& v, std::uint64_t max) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() <= max;
  return v.get<std::int64_t>() >= 0 && static_cast<std::uint64_t>(v.get<std::int64_t>()) <= max;
}

// Why a case's "shape" cannot be read as one, or "": every member a size (an integer from 0
// to 2^63 - 1; JSON numbers past that, or with a fraction, are not sizes), except "causal"
// (true or false) and "op" (a stream operation's name). Labels, keys and tables read these
// as int64 and bool, so a file from elsewhere must not reach them otherwise.
std::string shape_problem(const nlohmann::json& shape) {
  for (const auto& [key, v] : shape.items()) {
    const std::string what = "shape \"" + key + "\" is " + v.dump();
    if (key == "causal") {
      if (!v.is_boolean()) return what + " (want true or false)";
    } else if (key == "op") {
      if (!v.is_string()) return what + " (want an operation's name)";
    } else if (!integer_up_to(v, static_cast<std::uint64_t>(INT64_MAX))) {
      return what + " (want a size: an integer from 0 to 2^63 - 1)";
    }
  }
  return "";
}

// Why a case's counter (a number of samples or of state reads) is not a count, or "": an
// integer from 0 to 2^31 - 1. The run-set fold adds them up as integers.
std::string count_problem(const std::string& key, const nlohmann::json& v) {
  if (integer_up_to(v, static_cast<std::uint64_t>(INT32_MAX))) return "";
  return "\"" + key + "\" is " + v.dump() + " (want a count: an integer from 0 to 2^31 - 1)";
}

// The counters a case may carry: throttled_samples (null: not known), state_reads, stats.n.
std::string counters_problem(const nlohmann::json& c) {
  if (const auto t = c.find("throttled_samples"); t != c.end() && !t->is_null())
    if (std::string why = count_problem("throttled_samples", *t); !why.empty()) return why;
  if (const auto r = c.find("state_reads"); r != c.end())
    if (std::string why = count_problem("state_reads", *r); !why.empty()) return why;
  if (const auto st = c.find("stats"); st != c.end() && st->is_object())
    if (const auto n = st->find("n"); n != st->end())
      if (std::string why = count_problem("stats.n", *n); !why.empty()) return why;
  return "";
}

// Why a case's energy fields cannot be read (a run set sums joules and windows), or "".
std::string energy_problem(const nlohmann::json& c) {
  if (const auto e = c.find("energy"); e != c.end() && !e->is_null()) {
    if (!e->is_object()) return "\"energy\" is " + e->dump() + " (want an object or null)";
    for (const char* key : {"joules", "window_s"}) {
      const auto v = e->find(key);
      if (v == e->end() || !v->is_number() || !(v->get<double>() >= 0))
        return "energy \"" + std::string(key) + "\" is " + (v == e->end() ? std::string("missing") : v->dump()) + " (want a number >= 0)";
    }
  }
  return "";
}

}  // namespace

ResultFile validate_result_document(nlohmann::json document, const std::string& origin) {
  if (!document.is_object()) fail(origin, "not a suanli results document (top level is not an object)");
  const auto version = document.find("schema_version");
  if (version == document.end()) fail(origin, "not a suanli results document (no schema_version)");
  if (!version->is_number_integer())
    fail(origin, "schema_version " + version->dump() + " is not an integer");
  if (version->get<std::int64_t>() != kResultsSchemaVersion)
    fail(origin, "unsupported schema_version " + version->dump() + " (this build reads " +
                     std::to_string(kResultsSchemaVersion) + ")");
  ResultFile out;
  out.path = origin;
  if (const auto minor = document.find("schema_minor"); minor != document.end()) {
    if (!minor->is_number_integer() || minor->get<std::int64_t>() < 0 || minor->get<std::int64_t>() > INT32_MAX)
      fail(origin, "schema_minor " + minor->dump() + " is not a non-negative integer");
    out.schema_minor = minor->get<int>();
  }
  const auto cases = document.find("cases");
  if (cases == document.end() || !cases->is_array()) fail(origin, "no \"cases\" array");
  for (std::size_t i = 0; i < cases->size(); ++i) {
    const auto& c = (*cases)[i];
    if (!c.is_object()) fail(origin, "case " + std::to_string(i) + " is not an object");
    for (const char* field : kIdentityFields)
      if (!c.contains(field)) fail(origin, "case " + std::to_string(i) + " has no \"" + field + "\"");
    for (const char* field : {"workload", "backend", "device_name", "tier", "dtype", "status"})
      if (!c.at(field).is_string())
        fail(origin, "case " + std::to_string(i) + ": \"" + field + "\" is not a string");
    if (!c.at("shape").is_object()) fail(origin, "case " + std::to_string(i) + ": \"shape\" is not an object");
    if (const std::string why = shape_problem(c.at("shape")); !why.empty())
      fail(origin, "case " + std::to_string(i) + ": " + why);
    if (const std::string why = counters_problem(c); !why.empty()) fail(origin, "case " + std::to_string(i) + ": " + why);
    if (const auto hot = c.find("hot"); hot != c.end() && !hot->is_boolean())
      fail(origin, "case " + std::to_string(i) + ": \"hot\" is " + hot->dump() + " (want true or false)");
    if (const std::string why = energy_problem(c); !why.empty()) fail(origin, "case " + std::to_string(i) + ": " + why);
    for (const char* work : {"flops", "bytes"})  // a case's declared work: rates are folded from it
      if (const auto w = c.find(work); w != c.end() && !w->is_null() && (!w->is_number() || !(w->get<double>() >= 0)))
        fail(origin, "case " + std::to_string(i) + ": \"" + work + "\" is " + w->dump() + " (want a number >= 0)");
    if (const auto s = c.find("samples_s"); s != c.end()) {
      if (!s->is_array()) fail(origin, "case " + std::to_string(i) + ": \"samples_s\" is not an array");
      for (const auto& v : *s)
        if (!v.is_number() || !(v.get<double>() > 0))
          fail(origin, "case " + std::to_string(i) + ": \"samples_s\" holds " + v.dump() + " (want seconds > 0)");
    }
  }
  out.document = std::move(document);
  return out;
}

ResultFile load_result_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(path, "read error");
  if (text.str().empty()) fail(path, "empty file");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    fail(path, std::string("not valid JSON (truncated?) at byte ") + std::to_string(e.byte));
  }
  return validate_result_document(std::move(doc), path);
}

std::string case_key(const nlohmann::json& c) {
  const bool hot = c.value("hot", false);
  return c.at("workload").get<std::string>() + "|" + c.at("backend").get<std::string>() + "|" +
         c.at("device_name").get<std::string>() + "|" + c.at("tier").get<std::string>() + "|" +
         c.at("dtype").get<std::string>() + "|" + c.at("shape").dump() + "|" + (hot ? "hot" : "cold");
}

std::string case_label(const nlohmann::json& c) {
  std::string label = c.at("workload").get<std::string>() + " " + c.at("dtype").get<std::string>() + " " +
                      c.at("tier").get<std::string>() + " " + case_shape_text(c);
  if (c.value("hot", false)) label += " hot";
  return label + " " + c.at("backend").get<std::string>() + " " + c.at("device_name").get<std::string>();
}

std::vector<double> case_samples(const nlohmann::json& c) {
  if (c.value("status", "") != "ok") return {};
  const auto s = c.find("samples_s");
  if (s == c.end() || !s->is_array()) return {};
  return s->get<std::vector<double>>();
}

}  // namespace suanli
