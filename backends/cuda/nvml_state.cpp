#include "backends/cuda/nvml_state.h"

#include <dlfcn.h>

namespace suanli::cuda {
namespace {

// The few NVML declarations used here, by their documented C ABI: the toolkit does not
// always ship nvml.h (this one does not), and the library is resolved with dlsym anyway.
using NvmlReturn = int;  // nvmlReturn_t; 0 = NVML_SUCCESS
using NvmlDevice = void*;
constexpr NvmlReturn kNvmlSuccess = 0;
constexpr int kNvmlClockSm = 1;           // NVML_CLOCK_SM
constexpr int kNvmlClockMem = 2;          // NVML_CLOCK_MEM
constexpr int kNvmlTemperatureGpu = 0;    // NVML_TEMPERATURE_GPU

// nvmlClocksEventReason* bits (formerly nvmlClocksThrottleReason*), with readable names.
// GpuIdle (0x1) is left out on purpose: an idle GPU running at low clocks is not being
// held back, and every sample taken before a run would otherwise report it.
struct ReasonBit {
  unsigned long long bit;
  const char* name;
};
constexpr ReasonBit kReasons[] = {
    {0x2, "applications clocks setting"}, {0x4, "software power cap"},
    {0x8, "hardware slowdown"},           {0x10, "sync boost"},
    {0x20, "software thermal slowdown"},  {0x40, "hardware thermal slowdown"},
    {0x80, "hardware power brake"},       {0x100, "display clock setting"},
};

// A clock-event reason other than these holds the clocks below what the work would get.
constexpr unsigned long long kNotSlowdown = 0x1 | 0x2;  // GpuIdle, ApplicationsClocksSetting

struct Nvml {
  NvmlReturn (*get_handle_by_pci)(const char*, NvmlDevice*) = nullptr;
  NvmlReturn (*get_clock)(NvmlDevice, int, unsigned int*) = nullptr;
  NvmlReturn (*get_temperature)(NvmlDevice, int, unsigned int*) = nullptr;
  NvmlReturn (*get_power)(NvmlDevice, unsigned int*) = nullptr;
  NvmlReturn (*get_energy)(NvmlDevice, unsigned long long*) = nullptr;  // mJ since the driver loaded
  NvmlReturn (*get_reasons)(NvmlDevice, unsigned long long*) = nullptr;
  NvmlReturn (*get_driver_version)(char*, unsigned int) = nullptr;
  NvmlReturn (*get_power_limit)(NvmlDevice, unsigned int*) = nullptr;        // mW
  NvmlReturn (*get_max_clock)(NvmlDevice, int, unsigned int*) = nullptr;     // MHz
  NvmlReturn (*get_ecc_mode)(NvmlDevice, int*, int*) = nullptr;  // nvmlEnableState_t current, pending
  bool ok = false;
};

template <typename Fn>
void bind(void* lib, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
}

// Loaded and initialised once per process and never shut down: the worker process ends
// soon enough, and NVML's init is reference-counted per process anyway.
const Nvml& nvml() {
  static const Nvml instance = [] {
    Nvml n;
    void* lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) return n;
    NvmlReturn (*init)() = nullptr;
    bind(lib, "nvmlInit_v2", init);
    if (init == nullptr || init() != kNvmlSuccess) return n;
    bind(lib, "nvmlDeviceGetHandleByPciBusId_v2", n.get_handle_by_pci);
    bind(lib, "nvmlDeviceGetClockInfo", n.get_clock);
    bind(lib, "nvmlDeviceGetTemperature", n.get_temperature);
    bind(lib, "nvmlDeviceGetPowerUsage", n.get_power);
    bind(lib, "nvmlDeviceGetTotalEnergyConsumption", n.get_energy);
    // Renamed in R535; older drivers have only the old name, with the same bits.
    bind(lib, "nvmlDeviceGetCurrentClocksEventReasons", n.get_reasons);
    if (n.get_reasons == nullptr) bind(lib, "nvmlDeviceGetCurrentClocksThrottleReasons", n.get_reasons);
    bind(lib, "nvmlSystemGetDriverVersion", n.get_driver_version);
    bind(lib, "nvmlDeviceGetEnforcedPowerLimit", n.get_power_limit);
    bind(lib, "nvmlDeviceGetMaxClockInfo", n.get_max_clock);
    bind(lib, "nvmlDeviceGetEccMode", n.get_ecc_mode);
    n.ok = true;
    return n;
  }();
  return instance;
}

NvmlDevice device_by_pci(const Nvml& n, const std::string& pci_bus_id) {
  NvmlDevice handle = nullptr;
  if (!n.ok || n.get_handle_by_pci == nullptr || n.get_handle_by_pci(pci_bus_id.c_str(), &handle) != kNvmlSuccess) return nullptr;
  return handle;
}

}  // namespace

NvmlLimits nvml_device_limits(const std::string& pci_bus_id) noexcept {
  NvmlLimits limits;
  const Nvml& n = nvml();
  NvmlDevice device = device_by_pci(n, pci_bus_id);
  if (device == nullptr) return limits;
  unsigned int value = 0;
  if (n.get_power_limit != nullptr && n.get_power_limit(device, &value) == kNvmlSuccess) limits.power_limit_w = value / 1000.0;
  if (n.get_max_clock != nullptr && n.get_max_clock(device, kNvmlClockSm, &value) == kNvmlSuccess && value > 0)
    limits.max_sm_clock_mhz = static_cast<int>(value);
  int current = 0, pending = 0;
  if (n.get_ecc_mode != nullptr && n.get_ecc_mode(device, &current, &pending) == kNvmlSuccess) limits.ecc_enabled = current != 0;
  return limits;
}

std::string nvml_driver_version() noexcept {
  try {
    const Nvml& n = nvml();
    char text[96] = {};
    if (!n.ok || n.get_driver_version == nullptr || n.get_driver_version(text, sizeof text) != kNvmlSuccess) return {};
    return text;
  } catch (...) {
    return {};
  }
}

DeviceState NvmlSampler::sample() noexcept {
  DeviceState state;
  try {
    const Nvml& n = nvml();
    if (!n.ok) return state;
    if (!looked_up_) {
      looked_up_ = true;
      device_ = device_by_pci(n, pci_bus_id_);
    }
    if (device_ == nullptr) return state;
    unsigned int value = 0;
    if (n.get_clock != nullptr && n.get_clock(device_, kNvmlClockSm, &value) == kNvmlSuccess) state.sm_clock_mhz = value;
    if (n.get_clock != nullptr && n.get_clock(device_, kNvmlClockMem, &value) == kNvmlSuccess) state.mem_clock_mhz = value;
    if (n.get_temperature != nullptr && n.get_temperature(device_, kNvmlTemperatureGpu, &value) == kNvmlSuccess) {
      state.temperature_c = value;
    }
    if (n.get_power != nullptr && n.get_power(device_, &value) == kNvmlSuccess) state.power_w = value / 1000.0;  // mW
    unsigned long long millijoules = 0;
    if (n.get_energy != nullptr && n.get_energy(device_, &millijoules) == kNvmlSuccess)
      state.energy_j = static_cast<double>(millijoules) / 1000.0;
    unsigned long long reasons = 0;
    if (n.get_reasons != nullptr && n.get_reasons(device_, &reasons) == kNvmlSuccess) {
      std::string list;
      for (const ReasonBit& r : kReasons) {
        if ((reasons & r.bit) == 0) continue;
        if (!list.empty()) list += ", ";
        list += r.name;
      }
      state.throttle_reasons = list;
      state.throttled = (reasons & ~kNotSlowdown) != 0;
    }
  } catch (...) {
    // A std::bad_alloc while building the list: report what was gathered.
  }
  return state;
}

}  // namespace suanli::cuda
