// DeviceInfo from clGetDeviceInfo / clGetPlatformInfo.
#pragma once

#include <CL/cl.h>

#include <string>
#include <string_view>
#include <utility>

#include "backends/backend.h"

namespace suanli::opencl {

std::string platform_string(cl_platform_id platform, cl_platform_info what);
std::string device_string(cl_device_id device, cl_device_info what);

// Throws BackendError when a mandatory query fails; optional vendor queries
// (NVIDIA compute capability, host cache sizes) just leave their field at its default.
DeviceInfo query_device_info(cl_platform_id platform, cl_device_id device);

// The CPU name from PoCL's CL_DEVICE_VERSION, e.g.
// "OpenCL 3.0 PoCL HSTR: pthread-x86_64-pc-linux-gnu-skylake-avx512" -> "skylake-avx512";
// "" when the string has no such tail.
std::string pocl_cpu_from_device_version(std::string_view device_version);

// (major, minor) from "OpenCL C 1.2 ..." (CL_DEVICE_OPENCL_C_VERSION); (0, 0) if unparsable.
std::pair<int, int> opencl_c_version(std::string_view text);

}  // namespace suanli::opencl
