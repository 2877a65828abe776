// The CUDA dialect preamble (kernels/dialect/cuda.h), embedded at build time.
#pragma once

#include <string_view>

namespace suanli::cuda {

std::string_view cuda_dialect_source();

}  // namespace suanli::cuda
