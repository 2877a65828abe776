#include "backends/opencl/opencl_info.h"

#include <CL/cl_ext.h>

#include <algorithm>
#include <limits>
#include <sstream>
#include <vector>

#include "backends/opencl/cl_error.h"
#include "backends/opencl/host_cpu.h"

namespace suanli::opencl {
namespace {

// Some drivers pad names with spaces or count the terminating NUL in odd ways.
std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ' || s.back() == '\n')) s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ') ++start;
  return s.substr(start);
}

// Parameter names as the OpenCL headers number them, e.g. "0x102B" for CL_DEVICE_NAME.
std::string hex_param(cl_uint param) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(param >> shift) & 0xfu]);
  return out;
}

template <typename T>
T device_scalar(cl_device_id device, cl_device_info what, const char* name) {
  T value{};
  check_cl(clGetDeviceInfo(device, what, sizeof value, &value, nullptr),
           std::string("clGetDeviceInfo(") + name + ")");
  return value;
}

template <typename T>
std::optional<T> optional_device_scalar(cl_device_id device, cl_device_info what) {
  T value{};
  if (clGetDeviceInfo(device, what, sizeof value, &value, nullptr) != CL_SUCCESS) return std::nullopt;
  return value;
}

int clamp_to_int(std::uint64_t v) {
  return static_cast<int>(std::min<std::uint64_t>(v, static_cast<std::uint64_t>(std::numeric_limits<int>::max())));
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

bool has(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

DeviceType device_type(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return DeviceType::gpu;
  if (t & CL_DEVICE_TYPE_CPU) return DeviceType::cpu;
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return DeviceType::accelerator;
  return DeviceType::other;
}

std::string derive_arch(cl_device_id device, const DeviceInfo& info, const std::string& device_version) {
  if (has(info.extensions, "cl_nv_device_attribute_query")) {
    const auto major = optional_device_scalar<cl_uint>(device, CL_DEVICE_COMPUTE_CAPABILITY_MAJOR_NV);
    const auto minor = optional_device_scalar<cl_uint>(device, CL_DEVICE_COMPUTE_CAPABILITY_MINOR_NV);
    if (major && minor) return "sm_" + std::to_string(*major) + std::to_string(*minor);
  }
  // AMD (and Hygon DCU) report the gfx target as the device name, with feature flags
  // after a colon: "gfx90a:sramecc+:xnack-".
  if (info.name.rfind("gfx", 0) == 0) return info.name.substr(0, info.name.find(':'));
  const std::string pocl_cpu = pocl_cpu_from_device_version(device_version);
  if (!pocl_cpu.empty()) return pocl_cpu;
  return info.name;
}

}  // namespace

std::string platform_string(cl_platform_id platform, cl_platform_info what) {
  const std::string call = "clGetPlatformInfo(" + hex_param(what) + ")";
  std::size_t size = 0;
  check_cl(clGetPlatformInfo(platform, what, 0, nullptr, &size), call);
  std::string s(size, '\0');
  if (size > 0) check_cl(clGetPlatformInfo(platform, what, size, s.data(), nullptr), call);
  return trimmed(std::move(s));
}

std::string device_string(cl_device_id device, cl_device_info what) {
  const std::string call = "clGetDeviceInfo(" + hex_param(what) + ")";
  std::size_t size = 0;
  check_cl(clGetDeviceInfo(device, what, 0, nullptr, &size), call);
  std::string s(size, '\0');
  if (size > 0) check_cl(clGetDeviceInfo(device, what, size, s.data(), nullptr), call);
  return trimmed(std::move(s));
}

std::string pocl_cpu_from_device_version(std::string_view device_version) {
  constexpr std::string_view kTag = "HSTR:";
  const std::size_t tag = device_version.find(kTag);
  if (tag == std::string_view::npos) return {};
  const std::vector<std::string> words = split_words(std::string(device_version.substr(tag + kTag.size())));
  if (words.empty()) return {};
  const std::string& tail = words.front();
  // tail = <device kind>-<target triple>-<cpu>; the triple has 3 or 4 dash-separated fields
  // and the cpu may itself contain dashes, so find the triple's OS field and skip an
  // environment field (gnu, musl, eabihf, ...) after it.
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= tail.size()) {
    const std::size_t dash = tail.find('-', start);
    parts.push_back(tail.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  static const char* const kOs[] = {"linux", "darwin", "macosx", "windows", "freebsd",
                                    "netbsd", "openbsd", "android", "none"};
  static const char* const kEnvPrefixes[] = {"gnu", "musl", "android", "eabi", "elf", "msvc"};
  for (std::size_t i = 2; i < parts.size(); ++i) {
    if (std::find(std::begin(kOs), std::end(kOs), parts[i]) == std::end(kOs)) continue;
    std::size_t cpu_begin = i + 1;
    if (cpu_begin < parts.size()) {
      for (const char* env : kEnvPrefixes) {
        if (parts[cpu_begin].rfind(env, 0) == 0) {
          ++cpu_begin;
          break;
        }
      }
    }
    std::string cpu;
    for (std::size_t j = cpu_begin; j < parts.size(); ++j) cpu += (cpu.empty() ? "" : "-") + parts[j];
    return cpu;
  }
  return {};
}

std::pair<int, int> opencl_c_version(std::string_view text) {
  constexpr std::string_view kPrefix = "OpenCL C ";
  const std::size_t at = text.find(kPrefix);
  if (at == std::string_view::npos) return {0, 0};
  int major = 0, minor = 0;
  std::istringstream in(std::string(text.substr(at + kPrefix.size())));
  char dot = 0;
  if (!(in >> major >> dot >> minor) || dot != '.') return {0, 0};
  return {major, minor};
}

DeviceInfo query_device_info(cl_platform_id platform, cl_device_id device) {
  DeviceInfo info;
  info.name = device_string(device, CL_DEVICE_NAME);
  info.vendor = device_string(device, CL_DEVICE_VENDOR);
  info.type = device_type(device_scalar<cl_device_type>(device, CL_DEVICE_TYPE, "CL_DEVICE_TYPE"));
  info.driver_version = device_string(device, CL_DRIVER_VERSION);
  info.runtime_version = platform_string(platform, CL_PLATFORM_VERSION);
  info.compiler_version = device_string(device, CL_DEVICE_OPENCL_C_VERSION) + " (" + info.runtime_version + ")";
  info.compute_units = clamp_to_int(
      device_scalar<cl_uint>(device, CL_DEVICE_MAX_COMPUTE_UNITS, "CL_DEVICE_MAX_COMPUTE_UNITS"));
  info.max_clock_mhz = clamp_to_int(
      device_scalar<cl_uint>(device, CL_DEVICE_MAX_CLOCK_FREQUENCY, "CL_DEVICE_MAX_CLOCK_FREQUENCY"));
  info.global_mem_bytes =
      device_scalar<cl_ulong>(device, CL_DEVICE_GLOBAL_MEM_SIZE, "CL_DEVICE_GLOBAL_MEM_SIZE");
  info.max_alloc_bytes =
      device_scalar<cl_ulong>(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE");
  info.last_level_cache_bytes = device_scalar<cl_ulong>(device, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE,
                                                        "CL_DEVICE_GLOBAL_MEM_CACHE_SIZE");
  if (info.type == DeviceType::cpu) {
    // CPU runtimes often report L1 or L2 here; the flush has to beat the real LLC.
    info.last_level_cache_bytes = std::max(info.last_level_cache_bytes, largest_host_cache_bytes());
  }
  info.local_mem_bytes = device_scalar<cl_ulong>(device, CL_DEVICE_LOCAL_MEM_SIZE, "CL_DEVICE_LOCAL_MEM_SIZE");
  info.max_work_group_size = clamp_to_int(
      device_scalar<std::size_t>(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE"));
  info.native_vector_width_fp32 = clamp_to_int(device_scalar<cl_uint>(
      device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, "CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT"));
  info.native_vector_width_fp64 = clamp_to_int(device_scalar<cl_uint>(
      device, CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE, "CL_DEVICE_NATIVE_VECTOR_WIDTH_DOUBLE"));
  info.extensions = split_words(device_string(device, CL_DEVICE_EXTENSIONS));
  const auto fp64_config = optional_device_scalar<cl_device_fp_config>(device, CL_DEVICE_DOUBLE_FP_CONFIG);
  info.has_fp64 = has(info.extensions, "cl_khr_fp64") || (fp64_config && *fp64_config != 0);
  info.has_fp16 = has(info.extensions, "cl_khr_fp16");
  info.arch = derive_arch(device, info, device_string(device, CL_DEVICE_VERSION));
  return info;
}

}  // namespace suanli::opencl
