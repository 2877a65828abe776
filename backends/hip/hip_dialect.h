// The HIP dialect preamble (kernels/dialect/hip.h), embedded at build time.
#pragma once

#include <string>
#include <string_view>

namespace suanli::hip {

std::string_view hip_dialect_source();

// The source hiprtc compiles: dialect, then the caller's source with its own line numbers.
std::string with_dialect(std::string_view source);

}  // namespace suanli::hip
