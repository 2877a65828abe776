// `suanli tune`: searches the portable kernels' tunables on one device and keeps the best
// verified configuration per (workload, dtype, shape class) in the tuning database
// (results/tuning/<device-key>.json), which `suanli run` then uses.
//
// Search: the default config first (the baseline), then random candidates from the
// constrained space (harness/tune_space.h) for the first part of the budget, then a
// guided walk over the neighbours of the best so far. Every candidate runs as an ordinary
// case in a worker process — can_implement, compile, first run verified in fp64, then
// timed — so a candidate that fails to compile, fails verification or hangs costs one case,
// never the search. Finally the best and the default are timed again, interleaved, and the
// best is kept only if it still beats the default. Ctrl-C stops the search and keeps what
// was found.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <set>

#include "harness/attention_shapes.h"
#include "harness/attention_workload.h"
#include "harness/coordinator.h"
#include "harness/dtype.h"
#include "harness/errors.h"
#include "harness/gemm_workload.h"
#include "harness/host_info.h"
#include "harness/results.h"
#include "harness/shapes.h"
#include "harness/subcommand.h"
#include "harness/tune_space.h"
#include "harness/tuning_apply.h"
#include "harness/tuning_db.h"

namespace suanli {
namespace {

const char* kTuneFooter = R"(
The budget bounds the search: no candidate starts after it is spent (one in flight still
finishes). Every candidate is verified in fp64 before it is timed; failing candidates
are counted and skipped. The best config is written only when it beats the default in
a final interleaved re-timing, so an entry never makes a run slower than no entry.

Examples:
  suanli tune --backend opencl --dtype fp32 --budget 600
  suanli tune --workload attention --shape 1x8x1024x64 --budget 900
  suanli tune --shape 256x256x256 --budget 30 --tuning-dir /tmp/tuning)";

std::atomic<bool> g_interrupted{false};

extern "C" void tune_on_sigint(int) { g_interrupted.store(true); }

// Thrown from a case callback to end a batch early (budget spent or Ctrl-C).
struct StopBatch {};

struct Trial {
  nlohmann::json config;
  bool ok = false;
  double gflops = 0;  // median, verified
  std::string reason;
};

class TuneCommand : public Subcommand {
 public:
  CLI::App* add_to(CLI::App& app) override {
    auto* sub = app.add_subcommand("tune", "Search the portable kernels' tunables on a device; keep the best in the tuning database");
    sub->footer(kTuneFooter);
    sub->add_option("--workload", workload_, "gemm or attention")->capture_default_str();
    sub->add_option("--backend", backend_, "Backend (default: the first available)");
    sub->add_option("--device", device_, "Device index")->capture_default_str();
    sub->add_option("--dtype", dtype_, "Data type")->capture_default_str();
    sub->add_option("--shape", shape_, "Shape to tune on (gemm MxNxK, attention BxHxSxD); its class is what the entry serves")
        ->capture_default_str();
    sub->add_flag("--causal", causal_, "Attention: causal mask");
    sub->add_option("--budget", budget_s_, "Search time in seconds")->capture_default_str();
    sub->add_option("--candidate-time", candidate_s_, "Timing budget per candidate in seconds")->capture_default_str();
    sub->add_option("--seed", seed_, "Seed of the random phase and of the inputs")->capture_default_str();
    sub->add_option("--tuning-dir", tuning_dir_, "Tuning database directory")->capture_default_str();
    sub->add_option("--timeout", timeout_s_, "Per-candidate watchdog in seconds (compile included)")->capture_default_str();
    return sub;
  }

  int run() override {
    check_options();
    const auto statuses = probe_backends();
    const BackendStatus& chosen = choose_backend(statuses, backend_);
    const int index = select_devices(device_, chosen).front();  // digits only (check_options)
    backend_ = chosen.backend;
    info_ = chosen.devices[static_cast<std::size_t>(index)].info;
    index_ = index;

    space_ = attention_ ? attention_search_space(info_, dtype_value_, attention_shape_)
                        : gemm_search_space(info_, dtype_value_);
    const CaseSpec probe = make_case(0, nlohmann::json());
    const auto key = tuning_key_of(probe);
    const std::string db_path = tuning_db_path(tuning_dir_, tuning_device_key(backend_, info_));
    // An unreadable database is reported now, before minutes of search, not after.
    TuningDb db;
    std::error_code ec;
    if (std::filesystem::exists(db_path, ec)) {
      try {
        db = load_tuning_db(db_path);
      } catch (const TuningDbError& e) {
        throw UsageError(std::string(e.what()) + " (fix or remove it; the tuner would overwrite it)");
      }
    }
    db.device_key = tuning_device_key(backend_, info_);
    db.device = {{"backend", backend_},       {"name", info_.name},
                 {"vendor", info_.vendor},    {"type", to_string(info_.type)},
                 {"compute_units", info_.compute_units}, {"driver_version", info_.driver_version},
                 {"compiler_version", info_.compiler_version}};

    std::cerr << "tuning " << key->text() << " on " << backend_ << ":" << index_ << " (" << info_.name << "), shape "
              << shape_ << ": " << space_.size() << " valid configs, budget " << budget_s_ << " s\n";
    if (space_.empty()) throw UsageError("no valid config for " + key->text() + " on this device (nothing to tune)");

    g_interrupted.store(false);
    const auto previous = std::signal(SIGINT, tune_on_sigint);
    start_ = std::chrono::steady_clock::now();
    search();
    std::signal(SIGINT, previous);

    const Trial* best = best_trial();
    if (best == nullptr || !default_trial_.ok) {
      std::cerr << "suanli tune: " << (best == nullptr ? "no candidate verified" : "the default config did not verify: " + default_trial_.reason)
                << "; the database is unchanged\n";
      return kExitCaseFailed;
    }
    // Confirm: the best and the default again, interleaved, with twice the timing budget.
    double best_gflops = best->gflops, default_gflops = default_trial_.gflops;
    nlohmann::json keep = best->config;
    if (!same_tunables(best->config, default_trial_.config) && !g_interrupted.load()) {
      std::cerr << "confirming " << best->config.value("name", "") << " against the default "
                << default_trial_.config.value("name", "") << "\n";
      const auto again = run_batch({default_trial_.config, best->config, default_trial_.config, best->config}, 2.0, std::nullopt);
      const auto median2 = [](double a, double b) { return (a + b) / 2; };
      if (again.size() == 4 && again[0].ok && again[1].ok && again[2].ok && again[3].ok) {
        default_gflops = median2(again[0].gflops, again[2].gflops);
        best_gflops = median2(again[1].gflops, again[3].gflops);
      }
      if (best_gflops <= default_gflops) {
        keep = default_trial_.config;
        best_gflops = default_gflops;
      }
    }
    const double elapsed = seconds_since_start();
    TuningEntry entry{key->workload, key->dtype, key->shape_class, keep,
                      {{"shape", shape_},
                       {"gflops", best_gflops},
                       {"default_config", default_trial_.config},
                       {"default_gflops", default_gflops},
                       {"speedup", best_gflops / default_gflops},
                       {"candidates_tried", trials_.size()},
                       {"candidates_failed", failed_count()},
                       {"space_size", space_.size()},
                       {"budget_s", budget_s_},
                       {"elapsed_s", elapsed},
                       {"interrupted", g_interrupted.load()},
                       {"seed", seed_},
                       {"date_utc", utc_now_iso8601()},
                       {"suanli", tool_json()}}};
    db.upsert(entry);
    save_tuning_db(db_path, db);
    std::cout << key->text() << ": " << keep.value("name", "") << " " << format_gflops(best_gflops) << " GFLOPS vs default "
              << default_trial_.config.value("name", "") << " " << format_gflops(default_gflops) << " ("
              << format_gflops(best_gflops / default_gflops) << "x); " << trials_.size() << " candidates ("
              << failed_count() << " failed) in " << static_cast<int>(elapsed) << " s\n";
    std::cerr << "tuning database: " << db_path << "\n";
    return kExitOk;
  }

 private:
  void check_options() {
    if (workload_ != "gemm" && workload_ != "attention")
      throw UsageError("--workload '" + workload_ + "': the tuner covers gemm and attention");
    attention_ = workload_ == "attention";
    const auto dt = parse_dtype(dtype_);
    if (!dt) throw UsageError("--dtype '" + dtype_ + "' is not a known dtype");
    dtype_value_ = *dt;
    if (device_.empty() || device_.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--device '" + device_ + "': expected a device index (see suanli devices)");
    if (!(budget_s_ > 0)) throw UsageError("--budget must be > 0 seconds");
    if (!(candidate_s_ > 0)) throw UsageError("--candidate-time must be > 0 seconds");
    if (!(timeout_s_ > 0)) throw UsageError("--timeout must be > 0 seconds");
    if (shape_.empty()) shape_ = attention_ ? "1x8x1024x64" : "2048x2048x2048";
    try {
      if (attention_) attention_shape_ = parse_attention_shape(shape_, 0, 0, causal_);
      else gemm_shape_ = parse_gemm_shape(shape_);
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--shape: ") + e.what());
    }
    if (!attention_ && causal_) throw UsageError("--causal applies to --workload attention only");
    if (tuning_dir_.empty()) throw UsageError("no tuning directory: pass --tuning-dir DIR (or set SUANLI_TUNING_DIR)");
  }

  CaseSpec make_case(int id, const nlohmann::json& config, double time_scale = 1.0) const {
    CaseSpec c;
    c.id = id;
    c.workload = workload_;
    c.tier = "portable";
    c.dtype = dtype_value_;
    c.shape = gemm_shape_;
    c.attention = attention_shape_;
    c.seed = seed_;
    c.warmup_runs = 1;
    c.policy.min_samples = 3;
    c.policy.max_samples = 50;
    c.policy.target_rel_ci = 0.02;
    c.policy.max_seconds = candidate_s_ * time_scale;
    if (!config.is_null()) c.tuning = {{"config", config}, {"entry", "suanli tune candidate"}};
    return c;
  }

  double seconds_since_start() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bool out_of_time(double deadline_s) const { return g_interrupted.load() || seconds_since_start() >= deadline_s; }

  // Runs configs in one worker, in order; with a deadline (seconds since the start), stops
  // between candidates once it has passed, reporting progress. Returns the trials that ran.
  std::vector<Trial> run_batch(const std::vector<nlohmann::json>& configs, double time_scale,
                               std::optional<double> deadline_s) {
    std::vector<CaseSpec> cases;
    for (const auto& c : configs) cases.push_back(make_case(static_cast<int>(cases.size()), c, time_scale));
    std::vector<Trial> out;
    const auto on_case = [&](const nlohmann::json& rec) {
      Trial t;
      t.config = configs[out.size()];
      t.ok = rec.value("status", "") == "ok" && rec.value("verified", false);
      if (t.ok) t.gflops = rec.value("tflops", 0.0) * 1000.0;
      else t.reason = rec.value("reason", std::string("unknown"));
      out.push_back(t);
      if (deadline_s) report(t, trials_.size() + out.size(), out);
      if (g_interrupted.load() || (deadline_s && out_of_time(*deadline_s))) throw StopBatch{};
    };
    try {
      const DeviceRun run = run_on_device(backend_, index_, cases, timeout_s_, on_case);
      if (!run.started) throw UsageError("cannot open " + backend_ + ":" + std::to_string(index_) + ": " + run.error);
    } catch (const StopBatch&) {
      // The worker was killed with the batch; the trials so far stand.
    }
    return out;
  }

  // One progress line: the candidate's number, time used, its result and the best so far
  // (over the recorded trials and this batch's).
  void report(const Trial& t, std::size_t number, const std::vector<Trial>& batch) {
    const Trial* best = best_trial();
    for (const auto& b : batch)
      if (&b != &batch.back() && b.ok && (best == nullptr || b.gflops > best->gflops)) best = &b;
    char head[64];
    std::snprintf(head, sizeof head, "[%3zu %4.0fs/%.0fs] ", number, seconds_since_start(), budget_s_);
    std::cerr << head << t.config.value("name", "?") << ": ";
    if (t.ok) std::cerr << format_gflops(t.gflops) << " GFLOPS";
    else std::cerr << "rejected (" << t.reason.substr(0, 120) << ")";
    if (best != nullptr && (!t.ok || t.gflops < best->gflops)) std::cerr << "  [best " << format_gflops(best->gflops) << "]";
    else if (t.ok) std::cerr << "  [new best]";
    std::cerr << "\n";
  }

  void record(const std::vector<Trial>& batch) {
    for (const auto& t : batch) {
      trials_.push_back(t);
      for (std::size_t i = 0; i < space_.size(); ++i)
        if (same_tunables(space_[i], t.config)) tried_.insert(i);
    }
  }

  void search() {
    // Baseline: the config `suanli run` would use without a database entry.
    const CaseSpec probe = make_case(0, nlohmann::json());
    const nlohmann::json default_config =
        attention_ ? attention_config_for(info_, probe)->to_json() : gemm_config_for(info_, probe).to_json();
    auto first = run_batch({default_config}, 1.0, budget_s_);
    record(first);
    if (!first.empty()) default_trial_ = first.front();
    for (std::size_t i = 0; i < space_.size(); ++i)
      if (same_tunables(space_[i], default_config)) tried_.insert(i);

    // Random phase: half the budget over a seeded shuffle of the space.
    std::vector<std::size_t> order(space_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937_64 rng(seed_);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<nlohmann::json> random_batch;
    for (std::size_t i : order)
      if (!tried_.count(i)) random_batch.push_back(space_[i]);
    record(run_batch(random_batch, 1.0, budget_s_ * 0.5));

    // Guided phase: untried neighbours of the best, until none are left or time is up.
    while (!out_of_time(budget_s_)) {
      const Trial* best = best_trial();
      if (best == nullptr) break;
      std::vector<nlohmann::json> next;
      for (std::size_t i : config_neighbours(space_, best->config))
        if (!tried_.count(i)) next.push_back(space_[i]);
      if (next.empty()) {
        // A local optimum: spend the rest on random candidates not yet tried.
        for (std::size_t i : order)
          if (!tried_.count(i)) next.push_back(space_[i]);
        if (next.empty()) break;  // the whole space is done
      }
      const auto batch = run_batch(next, 1.0, budget_s_);
      record(batch);
      if (batch.empty()) break;
    }
  }

  const Trial* best_trial() const {
    const Trial* best = nullptr;
    for (const auto& t : trials_)
      if (t.ok && (best == nullptr || t.gflops > best->gflops)) best = &t;
    return best;
  }

  std::size_t failed_count() const {
    return static_cast<std::size_t>(std::count_if(trials_.begin(), trials_.end(), [](const Trial& t) { return !t.ok; }));
  }

  static std::string format_gflops(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    return buf;
  }

  std::string workload_ = "gemm";
  std::string backend_;
  std::string device_ = "0";
  std::string dtype_ = "fp32";
  std::string shape_;
  bool causal_ = false;
  double budget_s_ = 300;
  double candidate_s_ = 1.0;
  std::uint64_t seed_ = 42;
  std::string tuning_dir_ = default_tuning_dir();
  double timeout_s_ = 600;

  bool attention_ = false;
  DType dtype_value_ = DType::fp32;
  GemmShape gemm_shape_;
  AttentionShape attention_shape_;
  DeviceInfo info_;
  int index_ = 0;
  std::vector<nlohmann::json> space_;
  std::set<std::size_t> tried_;
  std::vector<Trial> trials_;
  Trial default_trial_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::unique_ptr<Subcommand> make_tune_command() { return std::make_unique<TuneCommand>(); }

}  // namespace suanli
