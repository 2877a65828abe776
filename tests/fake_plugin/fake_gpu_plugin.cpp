// A working backend with several identical "GPUs" and no hardware, for testing what needs
// many devices (`suanli run --device all`, the sibling health check) on a machine with one
// OpenCL device or none.
//
// Only the vendor tier runs: vendor_gemm computes C = alpha·A·B on the host (fp32, fp64),
// so the harness verifies it like any other result, then sleeps a fixed time so the
// timed samples are dominated by a known duration rather than by this machine's noise.
// The timer is the host clock, which is fine here because "launches" are synchronous.
//
// Environment (read when the plugin is created, i.e. in each worker):
//   SUANLI_FAKE_DEVICES       number of devices (default 4)
//   SUANLI_FAKE_GEMM_MS       sleep per vendor_gemm call, in ms (default 4)
//   SUANLI_FAKE_SLOW_DEVICES  comma-separated device indices that are "the bad card"
//   SUANLI_FAKE_SLOW_FACTOR   how much longer a slow device sleeps (default 1.5)
//   SUANLI_FAKE_SM_CLOCK_MHZ  the SM clock every state read reports (default 1980; slow: 1350)
//   SUANLI_FAKE_THROTTLE_EVERY  N > 0: every Nth state read of a device (1st, N+1st, …
//                             counting from 1: reads N, 2N, …) reports "hardware slowdown"
//   SUANLI_FAKE_STATE_LOG     append one line per state read: "<device> throttled|clear"
// The energy counter (DeviceState::energy_j) is the reported power (640 W; slow: 410 W) times
// the seconds since the device was created: a board drawing that power all the time.
// A slow device also reports the clock and temperature of a throttling card, so the
// health check's report can be seen to carry the device state.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "backends/backend.h"

namespace {

using suanli::Backend;
using suanli::BackendError;
using suanli::Buffer;
using suanli::Device;
using suanli::DeviceInfo;
using suanli::DeviceListing;
using suanli::DeviceState;
using suanli::DType;
using suanli::GemmProblem;

double env_double(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  return end && *end == '\0' ? d : fallback;
}

std::set<int> env_index_set(const char* name) {
  std::set<int> out;
  const char* v = std::getenv(name);
  if (!v) return out;
  std::stringstream s(v);
  std::string item;
  while (std::getline(s, item, ','))
    if (!item.empty()) out.insert(std::atoi(item.c_str()));
  return out;
}

DeviceInfo fake_info() {
  DeviceInfo d;
  d.name = "Suanli Fake GPU";  // matches no chips.json entry: peak "unknown", on purpose
  d.vendor = "suanli tests";
  d.arch = "fake1";
  d.type = suanli::DeviceType::gpu;
  d.driver_version = "1.0";
  d.runtime_version = "fake 1.0";
  d.compiler_version = "none";
  d.compute_units = 8;
  d.max_clock_mhz = 2000;
  d.global_mem_bytes = 1ULL << 30;
  d.max_alloc_bytes = 1ULL << 28;
  d.local_mem_bytes = 48 * 1024;
  d.max_work_group_size = 256;
  d.has_fp64 = true;
  d.power_limit_w = 700.0;
  d.max_sm_clock_mhz = 1980;
  d.ecc_enabled = true;
  return d;
}

template <typename T>
void host_gemm(const GemmProblem& p, const void* a_raw, const void* b_raw, void* c_raw) {
  const T* a = static_cast<const T*>(a_raw);
  const T* b = static_cast<const T*>(b_raw);
  T* c = static_cast<T*>(c_raw);
  for (std::int64_t i = 0; i < p.m; ++i)
    for (std::int64_t j = 0; j < p.n; ++j) {
      double acc = 0;
      for (std::int64_t l = 0; l < p.k; ++l)
        acc += static_cast<double>(a[i * p.k + l]) * static_cast<double>(p.b_transposed ? b[j * p.k + l] : b[l * p.n + j]);
      // As in BLAS, beta == 0 means C is not read (it holds the harness's NaN poison).
      const double old_c = p.beta == 0 ? 0.0 : p.beta * static_cast<double>(c[i * p.n + j]);
      c[i * p.n + j] = static_cast<T>(p.alpha * acc + old_c);
    }
}

class FakeDevice final : public Device {
 public:
  FakeDevice(int index, bool slow) : info_(fake_info()), index_(index), slow_(slow) {
    const double base_ms = env_double("SUANLI_FAKE_GEMM_MS", 4.0);
    sleep_ms_ = slow ? base_ms * env_double("SUANLI_FAKE_SLOW_FACTOR", 1.5) : base_ms;
  }
  const DeviceInfo& info() const override { return info_; }

  Buffer alloc(std::size_t bytes) override {
    void* p = std::calloc(bytes ? bytes : 1, 1);
    if (!p) throw BackendError(BackendError::Kind::out_of_memory, "fake device: out of host memory");
    return {p, bytes};
  }
  void free(Buffer b) override { std::free(b.handle); }
  void upload(Buffer dst, const void* src, std::size_t bytes) override { std::memcpy(dst.handle, src, bytes); }
  void download(void* dst, Buffer src, std::size_t bytes) override { std::memcpy(dst, src.handle, bytes); }
  void fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) override {
    auto* out = static_cast<unsigned char*>(dst.handle);
    for (std::size_t off = 0; off + pattern_bytes <= dst.bytes; off += pattern_bytes) std::memcpy(out + off, pattern, pattern_bytes);
  }
  suanli::Kernel compile(const std::string&, const std::string&, const std::vector<suanli::Define>&) override {
    throw BackendError(BackendError::Kind::unsupported, "the fake backend compiles no kernels (vendor tier only)");
  }
  void launch(const suanli::Kernel&, suanli::Dim3, suanli::Dim3, std::size_t, const std::vector<suanli::KernelArg>&) override {
    throw BackendError(BackendError::Kind::unsupported, "the fake backend launches no kernels");
  }
  void synchronize() override {}
  void timer_begin() override { t0_ = std::chrono::steady_clock::now(); }
  double timer_end() override { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }
  void flush_cache() override {}
  DeviceState sample_state() override {
    DeviceState s;
    s.sm_clock_mhz = slow_ ? 1350.0 : env_double("SUANLI_FAKE_SM_CLOCK_MHZ", 1980.0);
    s.mem_clock_mhz = 2619.0;
    s.temperature_c = slow_ ? 91.0 : 62.0 + index_;
    s.power_w = slow_ ? 410.0 : 640.0;
    s.energy_j = *s.power_w * std::chrono::duration<double>(std::chrono::steady_clock::now() - created_).count();
    ++state_reads_;
    const auto every = static_cast<long>(env_double("SUANLI_FAKE_THROTTLE_EVERY", 0));
    const bool throttled = slow_ || (every > 0 && state_reads_ % every == 0);
    s.throttle_reasons = slow_ ? "hardware thermal slowdown" : throttled ? "hardware slowdown" : "";
    s.throttled = throttled;
    if (const char* log = std::getenv("SUANLI_FAKE_STATE_LOG"); log && *log)
      std::ofstream(log, std::ios::app) << index_ << (throttled ? " throttled\n" : " clear\n");
    return s;
  }
  std::string vendor_library() const override { return "fakeblas 1.0"; }
  std::optional<std::string> vendor_gemm_can_implement(const GemmProblem& p) const override {
    if (p.dtype != DType::fp32 && p.dtype != DType::fp64) return std::string("fakeblas has fp32 and fp64 only");
    if (p.batch != 1) return std::string("fakeblas has no batched GEMM");
    return std::nullopt;
  }
  void vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) override {
    if (p.dtype == DType::fp64) host_gemm<double>(p, a.handle, b.handle, c.handle);
    else host_gemm<float>(p, a.handle, b.handle, c.handle);
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(sleep_ms_));
  }

 private:
  DeviceInfo info_;
  int index_;
  bool slow_;
  double sleep_ms_ = 0;
  long state_reads_ = 0;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point t0_;
};

class FakeBackend final : public Backend {
 public:
  FakeBackend() : count_(static_cast<int>(env_double("SUANLI_FAKE_DEVICES", 4))), slow_(env_index_set("SUANLI_FAKE_SLOW_DEVICES")) {}
  std::string name() const override { return "fakegpu"; }
  std::vector<DeviceListing> devices() override {
    std::vector<DeviceListing> out;
    for (int i = 0; i < count_; ++i) out.push_back({i, fake_info()});
    return out;
  }
  std::unique_ptr<Device> open(int index) override {
    if (index < 0 || index >= count_) throw BackendError(BackendError::Kind::generic, "no fake device " + std::to_string(index));
    return std::make_unique<FakeDevice>(index, slow_.count(index) > 0);
  }

 private:
  int count_;
  std::set<int> slow_;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() { return suanli::kBackendAbiVersion; }
extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() { return new FakeBackend(); }
