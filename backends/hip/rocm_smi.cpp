#include "backends/hip/rocm_smi.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace suanli::hip {

// The few rocm_smi.h declarations used here, restated so the build needs no ROCm SMI
// headers (the library is optional at run time and usually absent at build time).
// rsmi_status_t is a C enum (int); RSMI_STATUS_SUCCESS = 0; the clock and temperature
// selectors below are the documented enum values.
namespace {
using rsmi_status = int;
constexpr rsmi_status kRsmiSuccess = 0;
constexpr std::uint32_t kClockSys = 0;  // RSMI_CLK_TYPE_SYS
constexpr std::uint32_t kClockMem = 4;  // RSMI_CLK_TYPE_MEM
constexpr std::uint32_t kTempEdge = 0;  // RSMI_TEMP_TYPE_EDGE
constexpr std::uint32_t kTempJunction = 1;  // RSMI_TEMP_TYPE_JUNCTION
constexpr std::uint32_t kTempCurrent = 0;  // RSMI_TEMP_CURRENT
constexpr int kMaxFrequencies = 32;        // RSMI_MAX_NUM_FREQUENCIES

struct Frequencies {  // rsmi_frequencies_t
  std::uint32_t num_supported;
  std::uint32_t current;
  std::uint64_t frequency[kMaxFrequencies];
};
}  // namespace

struct RocmSmi::Api {
  rsmi_status (*init)(std::uint64_t flags) = nullptr;
  rsmi_status (*num_monitor_devices)(std::uint32_t* count) = nullptr;
  rsmi_status (*dev_pci_id_get)(std::uint32_t dv, std::uint64_t* bdfid) = nullptr;
  rsmi_status (*dev_name_get)(std::uint32_t dv, char* name, std::size_t len) = nullptr;
  rsmi_status (*dev_gpu_clk_freq_get)(std::uint32_t dv, std::uint32_t clk_type, Frequencies* f) = nullptr;
  rsmi_status (*dev_temp_metric_get)(std::uint32_t dv, std::uint32_t sensor, std::uint32_t metric,
                                     std::int64_t* millidegrees) = nullptr;
  rsmi_status (*dev_power_ave_get)(std::uint32_t dv, std::uint32_t sensor, std::uint64_t* microwatts) = nullptr;
  // The energy accumulator: count × counter_resolution (µJ per count), and its timestamp.
  rsmi_status (*dev_energy_count_get)(std::uint32_t dv, std::uint64_t* count, float* resolution_uj,
                                      std::uint64_t* timestamp) = nullptr;
  rsmi_status (*dev_power_cap_get)(std::uint32_t dv, std::uint32_t sensor, std::uint64_t* microwatts) = nullptr;
  rsmi_status (*dev_ecc_enabled_get)(std::uint32_t dv, std::uint64_t* enabled_blocks) = nullptr;
  // ROCm 6.1+: the gpu_metrics table's throttler bit mask (SMU firmware bits, ASIC-specific
  // meanings; 0 = no throttler active). Older libraries lack it: throttling stays unknown.
  rsmi_status (*dev_metrics_throttle_status_get)(std::uint32_t dv, std::uint32_t* status) = nullptr;
};

namespace {

template <typename Fn>
bool bind(void* lib, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
  return fn != nullptr;
}

// Loaded and initialized once per process; nullptr when unavailable.
const RocmSmi::Api* load_api() {
  static const RocmSmi::Api* const api = []() -> const RocmSmi::Api* {
    constexpr std::array<const char*, 4> kNames = {"librocm_smi64.so.1", "librocm_smi64.so",
                                                   "/opt/rocm/lib/librocm_smi64.so.1", "/opt/dtk/lib/librocm_smi64.so.1"};
    void* lib = nullptr;
    for (const char* name : kNames) {
      lib = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (lib != nullptr) break;
    }
    if (lib == nullptr) return nullptr;
    auto* a = new RocmSmi::Api();  // lives as long as the process, like the library
    const bool ok = bind(lib, "rsmi_init", a->init) && bind(lib, "rsmi_num_monitor_devices", a->num_monitor_devices) &&
                    bind(lib, "rsmi_dev_pci_id_get", a->dev_pci_id_get);
    // The rest are optional: a missing sensor function just leaves its field unknown.
    bind(lib, "rsmi_dev_name_get", a->dev_name_get);
    bind(lib, "rsmi_dev_gpu_clk_freq_get", a->dev_gpu_clk_freq_get);
    bind(lib, "rsmi_dev_temp_metric_get", a->dev_temp_metric_get);
    bind(lib, "rsmi_dev_power_ave_get", a->dev_power_ave_get);
    bind(lib, "rsmi_dev_power_cap_get", a->dev_power_cap_get);
    bind(lib, "rsmi_dev_energy_count_get", a->dev_energy_count_get);
    bind(lib, "rsmi_dev_ecc_enabled_get", a->dev_ecc_enabled_get);
    bind(lib, "rsmi_dev_metrics_throttle_status_get", a->dev_metrics_throttle_status_get);
    if (!ok || a->init(0) != kRsmiSuccess) {
      delete a;
      return nullptr;  // the library stays loaded: unloading it half-initialized is riskier
    }
    return a;
  }();
  return api;
}

std::optional<double> clock_mhz(const RocmSmi::Api& api, std::uint32_t dv, std::uint32_t type) {
  if (api.dev_gpu_clk_freq_get == nullptr) return std::nullopt;
  Frequencies f{};
  if (api.dev_gpu_clk_freq_get(dv, type, &f) != kRsmiSuccess) return std::nullopt;
  if (f.current >= f.num_supported || f.current >= static_cast<std::uint32_t>(kMaxFrequencies)) return std::nullopt;
  return static_cast<double>(f.frequency[f.current]) / 1e6;  // Hz
}

std::optional<double> max_clock_mhz(const RocmSmi::Api& api, std::uint32_t dv, std::uint32_t type) {
  if (api.dev_gpu_clk_freq_get == nullptr) return std::nullopt;
  Frequencies f{};
  if (api.dev_gpu_clk_freq_get(dv, type, &f) != kRsmiSuccess || f.num_supported == 0) return std::nullopt;
  std::uint64_t highest = 0;
  for (std::uint32_t i = 0; i < f.num_supported && i < static_cast<std::uint32_t>(kMaxFrequencies); ++i)
    highest = std::max(highest, f.frequency[i]);
  if (highest == 0) return std::nullopt;
  return static_cast<double>(highest) / 1e6;  // Hz
}

}  // namespace

std::unique_ptr<RocmSmi> RocmSmi::for_device(const PciAddress& pci) noexcept {
  try {
    const Api* api = load_api();
    if (api == nullptr) return nullptr;
    std::uint32_t count = 0;
    if (api->num_monitor_devices(&count) != kRsmiSuccess) return nullptr;
    for (std::uint32_t i = 0; i < count; ++i) {
      std::uint64_t id = 0;
      if (api->dev_pci_id_get(i, &id) != kRsmiSuccess) continue;
      // BDFID = domain << 32 | bus << 8 | device << 3 | function; newer ROCm SMI puts a
      // partition number in other bits, so compare the three fields only.
      const auto domain = static_cast<std::uint32_t>((id >> 32) & 0xffffffffu);
      const auto bus = static_cast<std::uint32_t>((id >> 8) & 0xffu);
      const auto device = static_cast<std::uint32_t>((id >> 3) & 0x1fu);
      if (domain == pci.domain && bus == pci.bus && device == pci.device) {
        return std::unique_ptr<RocmSmi>(new RocmSmi(api, i));
      }
    }
  } catch (...) {
  }
  return nullptr;
}

DeviceState RocmSmi::sample() const noexcept {
  DeviceState s;
  s.sm_clock_mhz = clock_mhz(*api_, index_, kClockSys);
  s.mem_clock_mhz = clock_mhz(*api_, index_, kClockMem);
  if (api_->dev_temp_metric_get != nullptr) {
    // Edge is the sensor every generation has; MI200+ report junction only.
    for (std::uint32_t sensor : {kTempEdge, kTempJunction}) {
      std::int64_t milli = 0;
      if (api_->dev_temp_metric_get(index_, sensor, kTempCurrent, &milli) == kRsmiSuccess) {
        s.temperature_c = static_cast<double>(milli) / 1000.0;
        break;
      }
    }
  }
  if (api_->dev_power_ave_get != nullptr) {
    std::uint64_t micro = 0;
    if (api_->dev_power_ave_get(index_, 0, &micro) == kRsmiSuccess && micro > 0) {
      s.power_w = static_cast<double>(micro) / 1e6;
    }
  }
  if (api_->dev_energy_count_get != nullptr) {
    std::uint64_t count = 0, timestamp = 0;
    float resolution_uj = 0;
    if (api_->dev_energy_count_get(index_, &count, &resolution_uj, &timestamp) == kRsmiSuccess && resolution_uj > 0)
      s.energy_j = static_cast<double>(count) * static_cast<double>(resolution_uj) / 1e6;
  }
  if (api_->dev_metrics_throttle_status_get != nullptr) {
    std::uint32_t mask = 0;
    if (api_->dev_metrics_throttle_status_get(index_, &mask) == kRsmiSuccess) {
      // The bits name firmware throttlers whose meaning changes per ASIC, so the reason
      // is the mask itself; any bit set counts the sample as throttled.
      s.throttled = mask != 0;
      char text[48] = "";
      if (mask != 0) std::snprintf(text, sizeof text, "smu throttler mask 0x%08x", mask);
      s.throttle_reasons = std::string(text);
    }
  }
  return s;
}

void RocmSmi::fill_limits(DeviceInfo& info) const noexcept {
  if (api_->dev_power_cap_get != nullptr) {
    std::uint64_t micro = 0;
    if (api_->dev_power_cap_get(index_, 0, &micro) == kRsmiSuccess && micro > 0) info.power_limit_w = static_cast<double>(micro) / 1e6;
  }
  if (const auto mhz = max_clock_mhz(*api_, index_, kClockSys)) info.max_sm_clock_mhz = static_cast<int>(*mhz);
  if (api_->dev_ecc_enabled_get != nullptr) {
    std::uint64_t blocks = 0;
    if (api_->dev_ecc_enabled_get(index_, &blocks) == kRsmiSuccess) info.ecc_enabled = blocks != 0;
  }
}

std::optional<std::string> RocmSmi::marketing_name() const noexcept {
  if (api_->dev_name_get == nullptr) return std::nullopt;
  try {
    std::array<char, 256> name{};
    if (api_->dev_name_get(index_, name.data(), name.size()) != kRsmiSuccess) return std::nullopt;
    name.back() = '\0';
    return std::string(name.data());
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace suanli::hip
