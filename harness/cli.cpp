#include "harness/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "harness/attention_shapes.h"
#include "harness/case_spec.h"
#include "harness/chips.h"
#include "harness/coordinator.h"
#include "harness/device_health.h"
#include "harness/dtype.h"
#include "harness/embedded_chips.h"
#include "harness/errors.h"
#include "harness/gbench_export.h"
#include "harness/host_info.h"
#include "harness/journal.h"
#include "harness/native_gemm.h"
#include "harness/plugin_loader.h"
#include "harness/repetitions.h"
#include "harness/results.h"
#include "harness/results_view.h"
#include "harness/run_plan.h"
#include "harness/shape_file.h"
#include "harness/shapes.h"
#include "harness/stream_workload.h"
#include "harness/subcommand.h"
#include "harness/tuning_apply.h"
#include "harness/tuning_db.h"
#include "harness/worker.h"

namespace suanli {
namespace {

const std::vector<std::string> kWorkloads = {"gemm", "attention", "peak", "stream"};
const std::vector<std::string> kTiers = {"portable", "native", "vendor"};
// Case ids are case * repetitions + pass in an int: a bound keeps them far from overflow.
constexpr int kMaxRepetitions = 1000;

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::stringstream s(v);
    std::string item;
    while (std::getline(s, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

ChipDatabase load_chips(const std::string& path) {
  try {
    if (path.empty()) return ChipDatabase::parse(embedded_chips_json(), "embedded results/chips.json");
    return ChipDatabase::load_file(path);
  } catch (const ChipDbError& e) {
    throw UsageError(e.what());
  }
}

// `workload` peak on the portable tier is judged against the vector units alone: its FMA
// chains cannot use the matrix units a GEMM's peak includes. Its native tier (mma chains)
// runs on the matrix units and is judged against their figure, as a GEMM is.
PeakEstimate peak_for(const ChipDatabase& db, const DeviceInfo& info, const std::string& dtype, const std::string& workload = "gemm",
                      const std::string& tier = "portable") {
  if (const Chip* chip = db.match(info.name))
    return datasheet_peak(*chip, dtype, workload == "peak" && tier != "native" ? PeakUnits::vector : PeakUnits::fastest);
  if (info.type == DeviceType::cpu) {
    const int lanes = dtype == "fp64" ? info.native_vector_width_fp64 : info.native_vector_width_fp32;
    return computed_cpu_peak(info.compute_units, lanes, info.max_clock_mhz, dtype);
  }
  return {std::nullopt, "unknown", "no chips.json entry matches device name '" + info.name + "'"};
}

std::string gib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

// ---- devices --------------------------------------------------------------------------

int cmd_devices(bool as_json, const std::string& chips_path) {
  const ChipDatabase db = load_chips(chips_path);
  const auto statuses = probe_backends();
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& st : statuses) {
      nlohmann::json devs = nlohmann::json::array();
      for (const auto& d : st.devices) {
        const Chip* chip = db.match(d.info.name);
        devs.push_back({{"index", d.index}, {"info", to_json(d.info)}, {"chip", chip ? chip_to_json(*chip) : nlohmann::json(nullptr)}});
      }
      out.push_back({{"backend", st.backend}, {"available", st.available}, {"reason", st.reason}, {"plugin_path", st.plugin_path}, {"devices", devs}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& st : statuses) {
    if (!st.available) {
      std::cout << st.backend << ": unavailable: " << st.reason << "\n";
      continue;
    }
    std::cout << st.backend << ": " << st.devices.size() << " device(s)  [" << st.plugin_path << "]\n";
    for (const auto& d : st.devices) {
      const Chip* chip = db.match(d.info.name);
      std::cout << "  " << d.index << ": " << d.info.name << "  (" << to_string(d.info.type) << ", " << d.info.arch << ", "
                << d.info.compute_units << " CUs, " << d.info.max_clock_mhz << " MHz, " << gib(d.info.global_mem_bytes)
                << ", driver " << d.info.driver_version << ")  chip: " << (chip ? chip->name : "no chips.json entry") << "\n";
    }
  }
  return kExitOk;
}

// ---- chips ----------------------------------------------------------------------------

int cmd_chips(bool as_json, const std::string& chips_path) {
  const ChipDatabase db = load_chips(chips_path);
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : db.chips()) out.push_back(chip_to_json(c));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  const char* dtypes[] = {"fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8"};
  std::printf("%-14s %-28s %4s", "vendor", "chip", "year");
  for (const char* d : dtypes) std::printf(" %8s", d);
  std::printf("  %s\n", "confidence");
  for (const auto& c : db.chips()) {
    std::printf("%-14s %-28s %4d", c.vendor.c_str(), c.name.c_str(), c.launch_year);
    for (const char* d : dtypes) {
      const auto p = datasheet_peak(c, d);
      if (p.tflops) std::printf(" %8.4g", *p.tflops);
      else std::printf(" %8s", "-");
    }
    std::printf("  %s\n", c.confidence.c_str());
  }
  std::printf("dense TFLOPS (TOPS for int8); sources per chip: suanli chips --json\n");
  return kExitOk;
}

// ---- run ------------------------------------------------------------------------------

struct RunOptions {
  std::string workload = "gemm";
  std::string backend;
  std::string device = "0";  // an index, or "all"
  std::vector<std::string> tiers;  // empty: portable,vendor (peak and stream: portable)
  std::vector<std::string> dtypes = {"fp32"};
  std::vector<std::string> shapes;
  std::string shape_set;
  std::string shape_file;  // --shape-file: one shape per line (harness/shape_file.h)
  bool hot = false;
  std::string out;
  std::string csv;
  std::string gbench_out;
  std::string chips;
  std::uint64_t seed = 42;
  int min_samples = 10;
  int max_samples = 1000;
  double target_ci = 0.01;
  double max_time = 5.0;
  double min_time = 0.0;
  int warmup = 2;
  double timeout = 900;
  std::vector<std::string> kernel_defines;
  std::string native_kernel;  // --native-kernel: the native kernel to run ("": the first that can)
  bool causal = false;
  std::int64_t kv_heads = 0;
  std::int64_t seq_kv = 0;
  std::vector<std::string> ops;  // --op, workload stream: copy, triad (default both)
  double health_threshold = kDefaultHealthThresholdPct;
  std::string resume;  // a journal to continue; every other option then comes from it
  std::string tuning_dir = default_tuning_dir();  // "" (or --no-tuning): device-class defaults only
  bool no_tuning = false;
  int repetitions = 1;  // passes over the case list (harness/repetitions.h)
  bool dry_run = false;  // --dry-run: check and print the plan (harness/run_plan.h), run nothing
};

// The options as the journal header keeps them, keyed by their command-line names so a
// resume can name the option that conflicts. Lists are stored split, so "--dtype a,b" and
// "--dtype a --dtype b" are the same run.
nlohmann::json options_json(const RunOptions& o) {
  return {{"workload", o.workload},       {"backend", o.backend},     {"device", o.device},
          {"tier", split_list(o.tiers)},  {"dtype", split_list(o.dtypes)}, {"shape", o.shapes},
          {"shapes", o.shape_set},        {"shape-file", o.shape_file}, {"hot", o.hot},             {"out", o.out},
          {"csv", o.csv},                 {"gbench-out", o.gbench_out}, {"chips", o.chips},
          {"seed", o.seed},               {"min-samples", o.min_samples}, {"max-samples", o.max_samples},
          {"target-ci", o.target_ci},     {"max-time", o.max_time},   {"min-time", o.min_time},   {"warmup", o.warmup},
          {"timeout", o.timeout},         {"kernel-define", o.kernel_defines}, {"causal", o.causal},
          {"kv-heads", o.kv_heads},       {"seq-kv", o.seq_kv},       {"health-threshold", o.health_threshold},
          {"op", split_list(o.ops)},      {"tuning-dir", o.no_tuning ? std::string() : o.tuning_dir},
          {"repetitions", o.repetitions}, {"native-kernel", o.native_kernel}};
}

RunOptions options_from_json(const nlohmann::json& j, const std::string& origin) {
  try {
    RunOptions o;
    o.workload = j.at("workload").get<std::string>();
    o.backend = j.at("backend").get<std::string>();
    o.device = j.at("device").get<std::string>();
    o.tiers = j.at("tier").get<std::vector<std::string>>();
    o.dtypes = j.at("dtype").get<std::vector<std::string>>();
    o.shapes = j.at("shape").get<std::vector<std::string>>();
    o.shape_set = j.at("shapes").get<std::string>();
    o.shape_file = j.value("shape-file", std::string());  // journals from before --shape-file
    o.hot = j.at("hot").get<bool>();
    o.out = j.at("out").get<std::string>();
    o.csv = j.at("csv").get<std::string>();
    o.gbench_out = j.at("gbench-out").get<std::string>();
    o.chips = j.at("chips").get<std::string>();
    o.seed = j.at("seed").get<std::uint64_t>();
    o.min_samples = j.at("min-samples").get<int>();
    o.max_samples = j.at("max-samples").get<int>();
    o.target_ci = j.at("target-ci").get<double>();
    o.max_time = j.at("max-time").get<double>();
    o.min_time = j.value("min-time", 0.0);  // journals from before --min-time
    o.warmup = j.at("warmup").get<int>();
    o.timeout = j.at("timeout").get<double>();
    o.kernel_defines = j.at("kernel-define").get<std::vector<std::string>>();
    o.causal = j.at("causal").get<bool>();
    o.kv_heads = j.at("kv-heads").get<std::int64_t>();
    o.seq_kv = j.at("seq-kv").get<std::int64_t>();
    o.ops = j.value("op", std::vector<std::string>());  // journals from before workload stream
    o.health_threshold = j.at("health-threshold").get<double>();
    o.tuning_dir = j.value("tuning-dir", std::string());  // journals from before the tuner
    o.repetitions = j.value("repetitions", 1);            // journals from before --repetitions
    o.native_kernel = j.value("native-kernel", std::string());  // journals from before --native-kernel
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(origin + ": the run's options are incomplete: " + e.what());
  }
}

// A resumed run is the journaled run: an option typed again must say the same.
void check_resume_conflicts(const RunOptions& typed, const std::vector<std::string>& typed_names, const nlohmann::json& journaled,
                            const std::string& journal) {
  const nlohmann::json now = options_json(typed);
  for (const auto& name : typed_names) {
    if (!now.contains(name)) continue;
    const nlohmann::json was = journaled.contains(name) ? journaled[name] : nlohmann::json(nullptr);
    if (now[name] != was)
      throw UsageError("--resume " + journal + ": --" + name + " " + now[name].dump() + " conflicts with the journaled run's " +
                       was.dump() + " (leave it out to continue the same run)");
  }
}

std::string default_out_name() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "suanli-run-%Y%m%d-%H%M%S.json", &tm);
  return buf;
}

class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}
  void update(std::size_t done, const std::string& what) {
    if (!tty_) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r\033[K[%zu/%zu] %.0f s  %s", done, total_, s, what.c_str());
    std::fflush(stderr);
  }
  void finish() {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::size_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

// Everything the user typed, checked before touching a device or a file.
struct CheckedRun {
  std::vector<std::string> tiers;
  std::vector<DType> dtypes;
  std::vector<GemmShape> shapes;
  std::vector<AttentionShape> attention_shapes;
  std::vector<StreamSpec> streams;  // workload stream: op x elements (0: sized by the worker)
  std::vector<Define> extra_defines;
  std::string native_kernel;  // --native-kernel, checked against the workload's native table
};

// `--shape N` of workload stream: elements per array, a positive integer.
std::int64_t parse_stream_elements(const std::string& text) {
  constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;
  const bool digits = !text.empty() && text.size() <= 13 && text.find_first_not_of("0123456789") == std::string::npos;
  const std::int64_t n = digits ? std::stoll(text) : 0;
  if (n < 1 || n > kMaxElements)
    throw UsageError("stream shape '" + text + "': expected the elements per array, an integer from 1 to 2^40");
  return n;
}

// Workloads peak and stream size themselves (peak from its config, stream from the
// device's last-level cache), so the shape options mean nothing or little there.
void check_ceiling_options(const RunOptions& o, CheckedRun& c) {
  const bool stream = o.workload == "stream";
  if (!stream && !o.ops.empty()) throw UsageError("--op applies to --workload stream only");
  if (o.workload == "peak" && !o.shapes.empty())
    throw UsageError("--shape does not apply to --workload peak (its work per launch comes from kernels/peak_configs.h)");
  if ((o.workload == "peak" || stream) && (!o.shape_set.empty() || !o.shape_file.empty()))
    throw UsageError("--shapes and --shape-file do not apply to --workload " + o.workload);
  if (!stream) return;
  std::vector<std::string> ops = split_list(o.ops);
  if (ops.empty()) ops.assign(kStreamOps.begin(), kStreamOps.end());
  std::vector<std::int64_t> sizes;
  for (const auto& s : o.shapes) sizes.push_back(parse_stream_elements(s));
  if (sizes.empty()) sizes.push_back(0);
  for (const auto& op : ops)
    if (stream_arrays(op) == 0) throw UsageError("unknown stream op '" + op + "' (known: copy, triad)");
  for (std::int64_t n : sizes)
    for (const auto& op : ops) c.streams.push_back({op, n});
}

// The distinct kernel names of a workload's native table (none for stream).
std::vector<std::string> native_kernel_names(const std::string& workload) {
  std::vector<std::string> names;
  const auto add = [&](const auto& table) {
    for (const auto& k : table)
      if (std::find(names.begin(), names.end(), k.name) == names.end()) names.push_back(k.name);
  };
  if (workload == "gemm") add(native_gemm_kernels());
  if (workload == "attention") add(native_attention_kernels());
  if (workload == "peak") add(native_peak_kernels());
  return names;
}

CheckedRun check_run_options(const RunOptions& o) {
  CheckedRun c;
  if (std::find(kWorkloads.begin(), kWorkloads.end(), o.workload) == kWorkloads.end())
    throw UsageError("unknown workload '" + o.workload + "' (known: " + join(kWorkloads) + ")");
  c.tiers = split_list(o.tiers);
  if (c.tiers.empty() && o.tiers.empty())  // not given: the workload's default
    c.tiers = o.workload == "peak" || o.workload == "stream" ? std::vector<std::string>{"portable"}
                                                             : std::vector<std::string>{"portable", "vendor"};
  for (const auto& t : c.tiers)
    if (std::find(kTiers.begin(), kTiers.end(), t) == kTiers.end()) throw UsageError("unknown tier '" + t + "' (known: " + join(kTiers) + ")");
  for (const auto& d : split_list(o.dtypes)) {
    const auto dt = parse_dtype(d);
    if (!dt) throw UsageError("unknown dtype '" + d + "' (known: " + all_dtype_names() + ")");
    c.dtypes.push_back(*dt);
  }
  if (c.tiers.empty()) throw UsageError("--tier: no tier given");
  if (c.dtypes.empty()) throw UsageError("--dtype: no dtype given");
  const bool attention = o.workload == "attention";
  if (!attention && (o.causal || o.kv_heads != 0 || o.seq_kv != 0))
    throw UsageError("--causal, --kv-heads and --seq-kv apply to --workload attention only");
  check_ceiling_options(o, c);
  const bool ceiling = o.workload == "peak" || o.workload == "stream";
  for (const auto& s : ceiling ? std::vector<std::string>{} : o.shapes) {
    if (attention) c.attention_shapes.push_back(parse_attention_shape(s, o.kv_heads, o.seq_kv, o.causal));
    else c.shapes.push_back(parse_gemm_shape(s));
  }
  if (!o.shape_file.empty()) {  // read once, here: a bad line is a usage error before any work
    if (attention) {
      const auto file = read_attention_shape_file(o.shape_file);
      c.attention_shapes.insert(c.attention_shapes.end(), file.begin(), file.end());
    } else {
      const auto file = read_gemm_shape_file(o.shape_file);
      c.shapes.insert(c.shapes.end(), file.begin(), file.end());
    }
  }
  if (!o.shape_set.empty()) {  // validates the name before any work
    if (attention) attention_shape_set(o.shape_set, DeviceType::gpu);
    else gemm_shape_set(o.shape_set, DeviceType::gpu);
  }
  if (o.device != "all" && (o.device.empty() || o.device.find_first_not_of("0123456789") != std::string::npos || o.device.size() > 6))
    throw UsageError("--device: expected a device index (0, 1, ...) or 'all', got '" + o.device + "'");
  if (o.min_samples < 1) throw UsageError("--min-samples must be >= 1");
  if (o.max_samples < o.min_samples) throw UsageError("--max-samples must be >= --min-samples");
  if (!(o.target_ci > 0)) throw UsageError("--target-ci must be > 0");
  if (!(o.max_time > 0)) throw UsageError("--max-time must be > 0");
  if (!(o.timeout > 0)) throw UsageError("--timeout must be > 0");
  if (!(o.min_time >= 0) || !(o.min_time < o.timeout))
    throw UsageError("--min-time must be >= 0 and below --timeout (the watchdog would stop every case)");
  if (o.warmup < 0) throw UsageError("--warmup must be >= 0");
  if (o.repetitions < 1 || o.repetitions > kMaxRepetitions)
    throw UsageError("--repetitions must be from 1 to " + std::to_string(kMaxRepetitions));
  if (!(o.health_threshold > 0 && o.health_threshold < 100)) throw UsageError("--health-threshold must be a percentage in (0, 100)");
  for (const auto& d : o.kernel_defines) {
    const auto eq = d.find('=');
    const std::string name = d.substr(0, eq);
    if (name.empty() || name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      throw UsageError("--kernel-define '" + d + "': expected NAME or NAME=VALUE with NAME an identifier");
    c.extra_defines.push_back({name, eq == std::string::npos ? "1" : d.substr(eq + 1)});
  }
  if (!o.native_kernel.empty()) {
    if (std::find(c.tiers.begin(), c.tiers.end(), "native") == c.tiers.end())
      throw UsageError("--native-kernel applies to --tier native");
    const std::vector<std::string> names = native_kernel_names(o.workload);
    if (std::find(names.begin(), names.end(), o.native_kernel) == names.end())
      throw UsageError("--native-kernel '" + o.native_kernel + "': no native " + o.workload + " kernel of that name (known: " +
                       (names.empty() ? std::string("none") : join(names)) + ")");
    c.native_kernel = o.native_kernel;
  }
  return c;
}

std::vector<CaseSpec> build_cases(const RunOptions& o, const CheckedRun& c, DeviceType device_type) {
  const bool attention = o.workload == "attention";
  std::vector<GemmShape> shapes = c.shapes;
  std::vector<AttentionShape> attention_shapes = c.attention_shapes;
  if (!o.shape_set.empty()) {
    if (attention) {
      const auto set = attention_shape_set(o.shape_set, device_type);
      attention_shapes.insert(attention_shapes.end(), set.begin(), set.end());
    } else {
      const auto set = gemm_shape_set(o.shape_set, device_type);
      shapes.insert(shapes.end(), set.begin(), set.end());
    }
  }
  if (attention && attention_shapes.empty()) attention_shapes = default_attention_shapes(device_type);
  if (!attention && shapes.empty()) shapes = default_gemm_shapes(device_type);
  std::size_t shape_count = attention ? attention_shapes.size() : shapes.size();
  if (o.workload == "peak") shape_count = 1;  // no shape: the config sizes the launch
  if (o.workload == "stream") shape_count = c.streams.size();

  std::vector<CaseSpec> cases;
  for (std::size_t si = 0; si < shape_count; ++si)
    for (DType dt : c.dtypes)
      for (const auto& tier : c.tiers) {
        CaseSpec spec;
        spec.id = static_cast<int>(cases.size());
        spec.workload = o.workload;
        spec.tier = tier;
        spec.dtype = dt;
        if (attention) spec.attention = attention_shapes[si];
        else if (o.workload == "stream") spec.stream = c.streams[si];
        else if (o.workload == "gemm") spec.shape = shapes[si];
        spec.hot = o.hot;
        spec.seed = o.seed;
        spec.policy = {o.min_samples, o.max_samples, o.target_ci, o.max_time, o.min_time};
        spec.warmup_runs = o.warmup;
        spec.extra_defines = c.extra_defines;
        if (tier == "native") spec.native_kernel = c.native_kernel;
        cases.push_back(spec);
      }
  return cases;
}

std::string device_id_of(const std::string& backend, int index) { return backend + ":" + std::to_string(index); }

// One device's part of the results: its cases (journaled and new, by case id) and entry.
struct DeviceResult {
  int index = 0;
  DeviceInfo info;
  std::vector<nlohmann::json> cases;
};

nlohmann::json device_entry(const std::string& backend, const DeviceResult& d, const ChipDatabase& db, std::vector<nlohmann::json>& records) {
  const std::string id = device_id_of(backend, d.index);
  nlohmann::json peaks = nlohmann::json::object();
  const Chip* chip = db.match(d.info.name);
  const BandwidthEstimate bandwidth =
      chip ? datasheet_bandwidth(*chip) : BandwidthEstimate{std::nullopt, "unknown", "no chips.json entry matches device name '" + d.info.name + "'"};
  bool any_stream = false;
  // The device's own maximum clock stands in where a case's state reads give no clock.
  const int info_max_clock = d.info.max_sm_clock_mhz.value_or(d.info.max_clock_mhz);
  const std::optional<double> max_clock = info_max_clock > 0 ? std::optional<double>(info_max_clock) : std::nullopt;
  for (auto rec : d.cases) {
    const std::string dt = rec.value("dtype", "fp32");
    const std::string workload = rec.value("workload", "gemm");
    const PeakEstimate peak = peak_for(db, d.info, dt, workload, rec.value("tier", "portable"));
    if (workload != "stream")
      peaks[dt] = {{"tflops", peak.tflops ? nlohmann::json(*peak.tflops) : nlohmann::json(nullptr)}, {"basis", peak.basis}, {"method", peak.method}};
    finalize_case(rec, backend, id, d.info.name, peak, bandwidth, max_clock);
    if (workload == "stream") any_stream = true;
    records.push_back(std::move(rec));
  }
  nlohmann::json entry = {{"id", id},
                          {"backend", backend},
                          {"index", d.index},
                          {"info", to_json(d.info)},
                          {"chip", chip ? chip_to_json(*chip) : nlohmann::json(nullptr)},
                          {"peaks", peaks}};
  if (any_stream)  // schema_minor 2
    entry["peak_bw"] = {{"gbps", bandwidth.gbps ? nlohmann::json(*bandwidth.gbps) : nlohmann::json(nullptr)},
                        {"basis", bandwidth.basis}, {"method", bandwidth.method}};
  return entry;
}

// --dry-run: the options checked and the cases built as for a real run, then printed. The
// plan is often checked where it is written, not where it will run (a GPU job prepared on a
// build machine), so an unavailable backend is not an error here: it is named with its
// reason, and its cases are planned as for a GPU (what cuda and hip devices are; it changes
// only default shape sets).
int dry_run(const RunOptions& o, const CheckedRun& checked) {
  const auto statuses = probe_backends();
  const BackendStatus* st = nullptr;
  for (const auto& candidate : statuses)
    if (candidate.backend == o.backend) st = &candidate;
  if (!st) st = &choose_backend(statuses, o.backend);  // none named: the first available; unknown: its UsageError
  PlanTarget target{st->backend, o.device, {}, ""};
  DeviceType type = DeviceType::gpu;
  if (st->available) {
    const std::vector<int> indices = select_devices(o.device, *st);
    for (int i : indices) target.device_names.push_back(st->devices[static_cast<std::size_t>(i)].info.name);
    type = st->devices[static_cast<std::size_t>(indices.front())].info.type;
  } else {
    target.unavailable_reason = st->reason + "; planned as for a GPU";
  }
  print_run_plan(std::cout, target, build_cases(o, checked, type), o.repetitions);
  return 0;
}

int cmd_run(const RunOptions& typed, const std::vector<std::string>& typed_names, const std::vector<std::string>& argv) {
  // A resumed run takes its options, cases and devices from the journal header.
  std::optional<JournalContents> journal;
  RunOptions o = typed;
  if (!typed.resume.empty()) {
    journal = read_journal(typed.resume);
    o = options_from_json(journal->header["options"], typed.resume);
    check_resume_conflicts(typed, typed_names, journal->header["options"], typed.resume);
    if (journal->note) std::cerr << "suanli: note: " << *journal->note << "\n";
  }
  const CheckedRun checked = check_run_options(o);
  const ChipDatabase db = load_chips(o.chips);
  if (typed.dry_run) {
    if (journal) throw UsageError("--dry-run plans a new run; --resume continues a journaled one: use one of them");
    return dry_run(o, checked);
  }

  // Reserve the outputs now: an unwritable path fails before minutes of work.
  if (o.out.empty()) o.out = default_out_name();
  PendingOutput out(o.out);
  std::unique_ptr<PendingOutput> csv_out, gbench_out;
  if (!o.csv.empty() && o.csv != "-") csv_out = std::make_unique<PendingOutput>(o.csv, "--csv");
  if (!o.gbench_out.empty()) gbench_out = std::make_unique<PendingOutput>(o.gbench_out, "--gbench-out");
  const auto journal_path = journal ? std::filesystem::path(typed.resume) : journal_path_for(o.out);
  if (!journal && std::filesystem::exists(journal_path))
    throw UsageError("journal " + journal_path.string() + " exists from an interrupted run: continue it with --resume " +
                     journal_path.string() + ", or delete it");

  const std::string started = journal ? journal->header.value("created_utc", utc_now_iso8601()) : utc_now_iso8601();
  const auto statuses = probe_backends();
  const BackendStatus& chosen = choose_backend(statuses, journal ? journal->header["backend"].get<std::string>() : o.backend);
  o.backend = chosen.backend;
  std::vector<int> indices;
  std::vector<CaseSpec> cases;
  if (journal) {
    for (const auto& d : journal->header["devices"]) {
      const int index = d["index"].get<int>();
      if (index < 0 || index >= static_cast<int>(chosen.devices.size()))
        throw UsageError("--resume " + typed.resume + ": device " + d["id"].get<std::string>() + " of the journaled run is not here now");
      indices.push_back(index);
    }
    for (const auto& c : journal->header["cases"]) cases.push_back(case_spec_from_json(c));
  } else {
    indices = select_devices(o.device, chosen);
    cases = expand_repetitions(build_cases(o, checked, chosen.devices[static_cast<std::size_t>(indices.front())].info.type),
                               o.repetitions);
  }

  std::unique_ptr<JournalWriter> writer;
  if (journal) {
    writer = JournalWriter::reopen(journal_path, journal->valid_bytes);
    // The killed run's reserved temp files: never committed, now only clutter.
    if (journal->header.contains("pid") && journal->header["pid"].is_number_integer()) {
      const long pid = journal->header["pid"].get<long>();
      std::error_code ec;
      for (const auto& target : {o.out, o.csv, o.gbench_out})
        if (!target.empty() && target != "-" && pid != static_cast<long>(getpid()))
          std::filesystem::remove(PendingOutput::temp_path_for(target, pid), ec);
    }
  } else {
    nlohmann::json devs = nlohmann::json::array();
    for (int i : indices) devs.push_back({{"id", device_id_of(chosen.backend, i)}, {"index", i}});
    nlohmann::json specs = nlohmann::json::array();
    for (const auto& c : cases) specs.push_back(to_json(c));
    writer = JournalWriter::create(journal_path, {{"type", "header"},
                                                  {"journal_version", kJournalVersion},
                                                  {"created_utc", started},
                                                  {"pid", static_cast<long>(getpid())},
                                                  {"command", argv},
                                                  {"out", o.out},
                                                  {"options", options_json(o)},
                                                  {"backend", chosen.backend},
                                                  {"devices", devs},
                                                  {"cases", specs}});
  }

  // Per device: what the journal already holds, and the jobs still to run.
  std::vector<DeviceResult> results;
  std::vector<DeviceJob> jobs;
  std::size_t from_journal = 0;
  for (int index : indices) {
    const std::string id = device_id_of(chosen.backend, index);
    DeviceResult r;
    r.index = index;
    r.info = chosen.devices[static_cast<std::size_t>(index)].info;
    std::set<int> done;
    if (journal) {
      for (const auto& d : journal->devices)
        if (d["device"] == id) r.info = device_info_from_json(d["info"]);
      for (const auto& c : journal->cases)
        if (c["device"] == id) {
          r.cases.push_back(c["record"]);
          done.insert(c["record"]["id"].get<int>());
        }
      from_journal += done.size();
    }
    DeviceJob job{index, {}};
    for (const auto& c : cases)
      if (!done.count(c.id)) job.cases.push_back(c);
    apply_tuning(job.cases, chosen.backend, r.info, o.no_tuning ? std::string() : o.tuning_dir, std::cerr);
    results.push_back(std::move(r));
    jobs.push_back(std::move(job));
  }

  std::size_t total = 0;
  for (const auto& j : jobs) total += j.cases.size();
  Progress progress(total);
  std::size_t done = 0;
  progress.update(0, "starting " + std::to_string(jobs.size()) + " " + chosen.backend + " device(s)");
  const auto runs = run_on_devices(
      chosen.backend, jobs, o.timeout,
      [&](int index, const nlohmann::json& rec) {
        // Durable before the next case starts: this is what a killed run keeps.
        writer->append({{"type", "case"}, {"device", device_id_of(chosen.backend, index)}, {"record", rec}});
        ++done;
        progress.update(done, device_id_of(chosen.backend, index) + " " + rec.value("tier", "") + " " + rec.value("dtype", "") + " " +
                                  rec.value("status", ""));
      },
      [&](int index, const DeviceInfo& info) {
        writer->append({{"type", "device"}, {"device", device_id_of(chosen.backend, index)}, {"info", to_json(info)}});
      });
  progress.finish();

  for (std::size_t i = 0; i < runs.size(); ++i) {
    const DeviceRun& run = runs[i];
    DeviceResult& r = results[i];
    if (run.started) r.info = run.info;
    if (!run.started && !jobs[i].cases.empty()) {
      const std::string why = "cannot open " + chosen.backend + " device " + std::to_string(r.index) + ": " + run.error;
      // One device alone: nothing was measured, so it is the user's error as before. One
      // of many: the others' results stand, and this device's cases say why they failed.
      if (indices.size() == 1) {
        writer->remove();  // it holds no case: nothing to resume
        throw UsageError(why);
      }
      for (const auto& c : jobs[i].cases) {
        nlohmann::json rec = case_record_base(c);
        rec["status"] = "failed";
        rec["reason"] = why;
        r.cases.push_back(rec);
      }
    }
    r.cases.insert(r.cases.end(), run.cases.begin(), run.cases.end());
    r.cases = fold_repetitions(r.cases, o.repetitions);
    std::sort(r.cases.begin(), r.cases.end(), [](const nlohmann::json& a, const nlohmann::json& b) { return a.value("id", 0) < b.value("id", 0); });
  }

  std::vector<nlohmann::json> records;
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& r : results) devices.push_back(device_entry(chosen.backend, r, db, records));
  nlohmann::json backends = nlohmann::json::array();
  for (const auto& st : statuses)
    backends.push_back({{"backend", st.backend}, {"available", st.available}, {"reason", st.reason}, {"plugin_path", st.plugin_path}});

  nlohmann::json doc = {
      {"schema_version", kResultsSchemaVersion},
      {"schema_minor", kResultsSchemaMinor},
      {"tool", tool_json()},
      {"created_utc", started},
      {"finished_utc", utc_now_iso8601()},
      {"command", journal ? journal->header["command"] : nlohmann::json(argv)},
      {"seed", o.seed},
      {"options", options_json(o)},  // schema_minor 3: the run's resolved options, defaults included
      {"host", host_info_json()},
      {"backends", backends},
      {"devices", devices},
      {"cases", records},
      {"summary", summary_json(records)},
  };
  if (journal)
    doc["resumed"] = {{"journal", typed.resume}, {"command", argv}, {"resumed_utc", utc_now_iso8601()}, {"cases_from_journal", from_journal}};
  if (o.device == "all") doc["health"] = device_health(doc["devices"], records, o.health_threshold);

  save_compile_logs(doc, out.target());
  out.commit(doc.dump(2) + "\n");
  if (o.csv == "-") std::cout << results_csv(doc);
  else std::cout << results_table(doc);
  if (doc.contains("health") && o.csv != "-") std::cout << "\n" << health_text(doc["health"]);
  if (csv_out) csv_out->commit(results_csv(doc));
  if (gbench_out) {
    write_gbench_json(doc, gbench_out->temp_path());
    gbench_out->commit();
  }
  // The results file is complete and renamed into place: the journal has done its job.
  writer->remove();
  std::cerr << "results: " << out.target().string() << "\n";
  return doc["summary"]["failed"].get<int>() > 0 ? kExitCaseFailed : kExitOk;
}

const char* kRunExamples = R"(
Examples:
  suanli run                                   default GEMM set on the first available device
  suanli run --backend opencl --dtype fp32,fp64 --shape 2048x2048x2048
  suanli run --shapes llm --tier vendor --out llm.json --csv llm.csv
  suanli run --shape 4096x4096x4096 --hot --gbench-out gb.json   (for Google Benchmark's compare.py)
  suanli run --workload attention --shape 1x32x4096x128 --kv-heads 8 --causal --dtype fp16
  suanli run --workload attention --shapes llm
  suanli run --workload peak --dtype fp64,fp32,fp16,int8     measured compute ceilings
  suanli run --workload stream --op copy,triad               measured bandwidth ceiling
  suanli run --backend cuda --device all --out box.json   every GPU at once, then the sibling health check
  suanli run --resume box.json.journal.jsonl             finish a run that was killed
  suanli run --repetitions 5 --out nightly.json          five interleaved runs per case (for compare)
)";

}  // namespace

std::vector<std::unique_ptr<Subcommand>> all_subcommands() {
  std::vector<std::unique_ptr<Subcommand>> out;
  out.push_back(make_compare_command());
  out.push_back(make_history_command());
  out.push_back(make_merge_command());
  out.push_back(make_report_command());
  out.push_back(make_tune_command());
  return out;
}

int run_cli(int argc, char** argv) {
  CLI::App app{"suanli (算力): measured GEMM FLOPS, verified, beside the datasheet peak"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("suanli ") + tool_json()["version"].get<std::string>() + " (" +
                                        tool_json()["git_revision"].get<std::string>() + ")");
  std::vector<std::string> all_args(argv, argv + argc);

  bool devices_json = false;
  std::string chips_path;
  auto* devices = app.add_subcommand("devices", "List backends and their devices (unavailable ones with the reason)");
  devices->add_flag("--json", devices_json, "Print JSON");
  devices->add_option("--chips", chips_path, "Chip database file (default: the embedded results/chips.json)");

  bool chips_json = false;
  auto* chips = app.add_subcommand("chips", "List the chip database (datasheet peaks with sources)");
  chips->add_flag("--json", chips_json, "Print JSON (every figure's source)");
  chips->add_option("--chips", chips_path, "Chip database file (default: the embedded results/chips.json)");

  RunOptions ro;
  auto* run = app.add_subcommand("run", "Run benchmarks: verify every case, then time it");
  run->footer(kRunExamples);
  run->add_option("--workload", ro.workload,
                  "Workload: gemm, attention; peak (compute ceiling: FMA chains, fp64 fp32 fp16 int8), "
                  "stream (bandwidth ceiling: copy and triad)")
      ->capture_default_str();
  run->add_option("--backend", ro.backend, "Backend: cuda, hip, opencl (default: the first available)");
  run->add_option("--device", ro.device, "Device index within the backend (see suanli devices), or 'all': every device at once, then a health check")
      ->capture_default_str();
  run->add_option("--health-threshold", ro.health_threshold,
                  "--device all: flag a device more than PCT% slower than the median of its identical siblings")
      ->capture_default_str();
  run->add_option("--resume", ro.resume, "Continue an interrupted run from its journal (<out>.journal.jsonl)");
  run->add_option("--tier", ro.tiers, "Tiers, comma-separated: portable, native, vendor (default portable,vendor; peak and stream: portable)")
      ->delimiter(' ');
  run->add_option("--dtype", ro.dtypes, "Data types, comma-separated: fp64, fp32, tf32, fp16, bf16, fp8, int8")->capture_default_str();
  run->add_option("--shape", ro.shapes,
                  "Shape (repeatable): MxNxK for gemm, BxHxSxD for attention, elements per array for stream "
                  "(default: 4x the last-level cache, at least 1 GiB)");
  run->add_option("--op", ro.ops, "stream: operations, comma-separated: copy, triad (default both)");
  run->add_flag("--causal", ro.causal, "attention: causal mask (key j visible to query i iff j <= i + Skv - Sq)");
  run->add_option("--kv-heads", ro.kv_heads, "attention: key/value heads (grouped-query; must divide H; default H)");
  run->add_option("--seq-kv", ro.seq_kv, "attention: key/value sequence length (default S)");
  run->add_option("--shapes", ro.shape_set, "Named shape set: square, llm");
  run->add_option("--shape-file", ro.shape_file,
                  "File of shapes, one per line ('#' comments): MxNxK [name=L] for gemm; "
                  "BxHxSxD [kv_heads=N] [seq_kv=N] [causal] [name=L] for attention");
  run->add_flag("--hot", ro.hot, "Keep caches warm (no last-level-cache flush between samples)");
  run->add_option("--out", ro.out, "Results JSON (default: suanli-run-<UTC time>.json)");
  run->add_option("--csv", ro.csv, "Also write CSV to FILE ('-': print CSV instead of the table)");
  run->add_option("--gbench-out", ro.gbench_out, "Also write Google Benchmark JSON (for its tools/compare.py)");
  run->add_option("--chips", ro.chips, "Chip database file (default: the embedded results/chips.json)");
  // The check runs on the text: CLI11 would otherwise wrap "-5" into a huge unsigned seed.
  run->add_option("--seed", ro.seed, "Seed of the random inputs")->capture_default_str()->check(CLI::NonNegativeNumber);
  run->add_option("--min-samples", ro.min_samples, "Fewest timed samples per case")->capture_default_str();
  run->add_option("--max-samples", ro.max_samples, "Most timed samples per case")->capture_default_str();
  run->add_option("--target-ci", ro.target_ci, "Stop when the median's 95% CI half-width is below this fraction")->capture_default_str();
  run->add_option("--max-time", ro.max_time, "Seconds of timed sampling per case before stopping anyway")->capture_default_str();
  run->add_option("--min-time", ro.min_time,
                  "Seconds of timed sampling per case at least, converged or not (a longer window for the average power; "
                  "--max-samples still caps it, so raise that for sub-millisecond kernels)")
      ->capture_default_str();
  run->add_option("--warmup", ro.warmup, "Untimed runs before sampling")->capture_default_str();
  run->add_option("--timeout", ro.timeout, "Watchdog: seconds a case may take before its worker is killed")->capture_default_str();
  run->add_option("--kernel-define", ro.kernel_defines, "Extra kernel define NAME[=VALUE] (experiments, tests)");
  run->add_option("--native-kernel", ro.native_kernel,
                  "Native tier: run this kernel of the workload's table (e.g. gemm_mma_sync on Hopper) instead of the first that can");
  run->add_option("--tuning-dir", ro.tuning_dir, "Tuning database directory (suanli tune); default $SUANLI_TUNING_DIR or the checkout's results/tuning")
      ->capture_default_str();
  run->add_flag("--no-tuning", ro.no_tuning, "Run the device-class default configs, ignoring the tuning database");
  run->add_option("--repetitions", ro.repetitions,
                  "Measure every case N times, in N passes over the case list; compare then tests the runs, "
                  "not the samples (docs/REGRESSION.md)")
      ->capture_default_str();
  run->add_flag("--dry-run", ro.dry_run,
                "Check the options and print the cases the run would measure, one per line; open no device, write no file");

  std::string worker_backend;
  int worker_device = 0;
  bool worker_list = false;
  auto* worker = app.add_subcommand("worker", "");  // internal: one backend in its own process
  worker->group("");
  worker->add_option("--backend", worker_backend)->required();
  worker->add_option("--device", worker_device);
  worker->add_flag("--list", worker_list);

  std::vector<std::unique_ptr<Subcommand>> extra = all_subcommands();
  std::vector<std::pair<CLI::App*, Subcommand*>> extra_apps;
  for (auto& cmd : extra) extra_apps.emplace_back(cmd->add_to(app), cmd.get());

  // CLI11 answers a mistyped command with "A subcommand is required"; name it instead.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string cmd = argv[1];
    std::vector<std::string> names = {"devices", "chips", "run"};
    for (const auto& [sub, unused] : extra_apps) names.push_back(sub->get_name());
    bool known = cmd == "worker";
    for (const auto& n : names) known = known || cmd == n;
    if (!known) {
      std::cerr << "suanli: unknown command '" << cmd << "' (commands: " << join(names) << "; see suanli --help)\n";
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "suanli: " << e.what() << "\n";
    return kExitUsage;
  }

  try {
    if (*worker) return worker_main(worker_backend, worker_device, worker_list);
    // Environment variables are input too: a bad one fails every command up front, not a
    // finished run at the moment it is read.
    if (auto why = cpu_fma_units_env_problem()) throw UsageError(*why);
    if (*devices) return cmd_devices(devices_json, chips_path);
    if (*chips) return cmd_chips(chips_json, chips_path);
    if (*run) {
      std::vector<std::string> typed_names;  // options given on this command line
      for (const CLI::Option* opt : run->get_options())
        if (opt->count() > 0 && opt->get_single_name() != "resume") typed_names.push_back(opt->get_single_name());
      return cmd_run(ro, typed_names, all_args);
    }
    for (const auto& [sub, cmd] : extra_apps)
      if (*sub) return cmd->run();
  } catch (const UsageError& e) {
    std::cerr << "suanli: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "suanli: error: " << e.what() << "\n";
    return kExitCaseFailed;
  }
  return kExitUsage;
}

}  // namespace suanli
