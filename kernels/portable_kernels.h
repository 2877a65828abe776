// The portable kernel sources (kernels/portable/*.cl), embedded at build time.
#pragma once

#include <string_view>

namespace suanli {

// Returns the source of the named portable kernel file (e.g. "gemm"); throws
// std::out_of_range for an unknown name.
std::string_view portable_kernel_source(std::string_view name);

}  // namespace suanli
