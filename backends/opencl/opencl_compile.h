// Building OpenCL programs, through the on-disk compile cache.
#pragma once

#include <CL/cl.h>

#include <string>
#include <vector>

#include "backends/backend.h"
#include "backends/compile_cache.h"

namespace suanli::opencl {

// "-cl-std=CL1.2 -D NAME=VALUE ..." (no fast-math: results are verified against fp64).
// `device_c_version` is CL_DEVICE_OPENCL_C_VERSION; -cl-std is left out for a 1.0/1.1
// device, which would reject it. Throws BackendError for a define that cannot be passed
// as an option (a non-identifier name, whitespace or quotes in the value).
std::string build_options(const std::vector<Define>& defines, const std::string& device_c_version);

struct BuiltProgram {
  cl_program program = nullptr;  // owned by the caller
  bool from_cache = false;
};

// Loads the program from `cache` under `key` if present and loadable, else compiles
// `source` and stores its binary. A failed compile throws BackendError{compile_failed}
// naming `entry`, with the build log.
BuiltProgram build_program(cl_context context, cl_device_id device, const CompileCache& cache,
                           const std::string& key, const std::string& source,
                           const std::string& options, const std::string& entry);

// The kernel `entry` of a built program; a missing entry is compile_failed, with the
// program's kernel names as the log.
cl_kernel create_kernel(cl_program program, const std::string& entry);

}  // namespace suanli::opencl
