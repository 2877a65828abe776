#include "harness/gbench_export.h"

#include <benchmark/benchmark.h>

#include "harness/results_view.h"

#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace suanli {
namespace {

// The JSON file is the product; nothing goes to the console.
class SilentReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

std::string benchmark_name(const nlohmann::json& c) {
  std::string shape = case_shape_text(c);
  for (char& ch : shape)
    if (ch == ' ') ch = '/';
  return c.value("workload", "?") + "/" + c.value("device", "?") + "/" + c.value("tier", "?") + "/" + c.value("dtype", "?") + "/" + shape;
}

// Google Benchmark names a benchmark with a per-benchmark repetition count after it
// ("…/repeats:17/…"). Our count is decided by the stopping rule, so it differs between
// runs, and compare.py matches benchmarks by name: drop it so the same case always has
// the same name. The count stays in each entry's "repetitions" field.
void strip_repetition_counts(const std::filesystem::path& file) {
  nlohmann::json doc;
  {
    std::ifstream in(file);
    doc = nlohmann::json::parse(in);
  }
  const std::regex repeats("/repeats:[0-9]+");
  for (auto& b : doc["benchmarks"])
    for (const char* key : {"name", "run_name"})
      if (b.contains(key)) b[key] = std::regex_replace(b[key].get<std::string>(), repeats, "");
  std::ofstream out(file, std::ios::trunc);
  out << doc.dump(2) << "\n";
  if (!out) throw std::runtime_error("rewriting " + file.string() + " failed");
}

}  // namespace

// Why Google Benchmark replays our samples instead of driving the loop: the stopping rule
// (sample until the median's CI is under a target) decides the count while running, and
// Google Benchmark fixes iterations and repetitions before a benchmark starts. The samples
// are the same device-event times either way; its reporter gives the ecosystem format.
void write_gbench_json(const nlohmann::json& doc, const std::filesystem::path& temp) {
  std::string out_flag = "--benchmark_out=" + temp.string();
  std::string format_flag = "--benchmark_out_format=json";
  std::string prog = "suanli";
  char* argv[] = {prog.data(), out_flag.data(), format_flag.data(), nullptr};
  int argc = 3;
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("suanli_version", doc.at("tool").value("version", "?"));
  benchmark::AddCustomContext("suanli_git_revision", doc.at("tool").value("git_revision", "?"));

  int registered = 0;
  for (const auto& c : doc.at("cases")) {
    if (c.value("status", "") != "ok" || !c.value("verified", false)) continue;
    auto samples = std::make_shared<std::vector<double>>(c.at("samples_s").get<std::vector<double>>());
    if (samples->empty()) continue;
    auto next = std::make_shared<std::size_t>(0);
    // The work per run: FLOPs, or bytes moved for workload stream (a bandwidth).
    const bool bytes = !c.contains("flops") && c.contains("bytes");
    const double work = c.at(bytes ? "bytes" : "flops").get<double>();
    // The average board power over the case's timed loop, where the run had one: a plain
    // counter, the same in every repetition (it describes the loop, not a sample).
    std::optional<double> watts;
    if (const auto e = c.find("energy"); e != c.end() && e->is_object())
      if (const auto w = e->find("avg_power_w"); w != e->end() && w->is_number()) watts = w->get<double>();
    benchmark::RegisterBenchmark(benchmark_name(c).c_str(),
                                 [samples, next, work, bytes, watts](benchmark::State& state) {
                                   for (auto _ : state) state.SetIterationTime((*samples)[(*next)++ % samples->size()]);
                                   state.counters[bytes ? "bytes_per_second" : "FLOPS"] =
                                       benchmark::Counter(work, benchmark::Counter::kIsIterationInvariantRate);
                                   if (watts) state.counters["avg_power_w"] = benchmark::Counter(*watts);
                                 })
        ->UseManualTime()
        ->Iterations(1)
        ->Repetitions(static_cast<int>(samples->size()))
        ->Unit(benchmark::kMillisecond);
    ++registered;
  }
  SilentReporter display;
  if (registered > 0) benchmark::RunSpecifiedBenchmarks(&display);
  benchmark::ClearRegisteredBenchmarks();
  benchmark::Shutdown();
  if (registered > 0) strip_repetition_counts(temp);
  if (registered == 0) {
    // Nothing verified: still a valid (empty) file, so a CI step reading it does not break.
    std::FILE* f = std::fopen(temp.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + temp.string());
    std::fputs("{\"context\": {}, \"benchmarks\": []}\n", f);
    std::fclose(f);
  }
}

}  // namespace suanli
