#include "harness/gbench_export.h"

#include <benchmark/benchmark.h>

#include <memory>
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
  const auto& s = c.at("shape");
  return c.value("workload", "?") + "/" + c.value("device", "?") + "/" + c.value("tier", "?") + "/" + c.value("dtype", "?") +
         "/" + std::to_string(s.value("m", 0L)) + "x" + std::to_string(s.value("n", 0L)) + "x" + std::to_string(s.value("k", 0L));
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
    const double flops = c.at("flops").get<double>();
    benchmark::RegisterBenchmark(benchmark_name(c).c_str(),
                                 [samples, next, flops](benchmark::State& state) {
                                   for (auto _ : state) state.SetIterationTime((*samples)[(*next)++ % samples->size()]);
                                   state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
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
  if (registered == 0) {
    // Nothing verified: still a valid (empty) file, so a CI step reading it does not break.
    std::FILE* f = std::fopen(temp.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + temp.string());
    std::fputs("{\"context\": {}, \"benchmarks\": []}\n", f);
    std::fclose(f);
  }
}

}  // namespace suanli
