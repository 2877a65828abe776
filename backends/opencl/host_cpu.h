// What Linux tells about the host CPU, for OpenCL CPU devices (PoCL, Intel CPU runtime)
// whose runtimes report neither the real last-level cache nor the current clock.
#pragma once

#include <cstdint>
#include <optional>

namespace suanli::opencl {

// Largest cache level of cpu0 from /sys/devices/system/cpu/cpu0/cache/index*/size;
// 0 when unknown.
std::uint64_t largest_host_cache_bytes() noexcept;

// Mean of the "cpu MHz" lines of /proc/cpuinfo over all cores; nullopt when unknown.
std::optional<double> mean_host_cpu_mhz() noexcept;

}  // namespace suanli::opencl
