// OpenCL status codes -> BackendError, so every failure names the call and the code.
#pragma once

#include <CL/cl.h>

#include <string>

#include "backends/backend.h"

namespace suanli::opencl {

// "CL_INVALID_VALUE", or "unknown OpenCL error" for a code outside the table.
const char* cl_error_name(cl_int code);

// "clCreateBuffer failed: CL_INVALID_VALUE (-30)"
std::string cl_error_text(const std::string& call, cl_int code);

// Throws BackendError when code != CL_SUCCESS. Exhausted-memory codes become
// Kind::out_of_memory; everything else `kind`.
void check_cl(cl_int code, const std::string& call,
              BackendError::Kind kind = BackendError::Kind::generic);

}  // namespace suanli::opencl
