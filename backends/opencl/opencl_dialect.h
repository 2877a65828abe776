// The OpenCL dialect preamble (kernels/dialect/opencl.h), embedded at build time.
#pragma once

#include <string_view>

namespace suanli::opencl {

std::string_view opencl_dialect_source();

}  // namespace suanli::opencl
