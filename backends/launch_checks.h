// The check of a launch's arguments against the kernel's parameters, for the runtimes
// that can report parameter sizes (CUDA, HIP). A wrong-sized argument (f32 where the
// kernel takes a double) would not fail there: it would silently shift every later one.
// No vendor headers: this is part of suanli_backend_common.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

// The bytes a parameter of this kind takes on the device (a buffer is a 64-bit pointer).
std::size_t kernel_arg_bytes(KernelArg::Kind kind);

// "buffer", "i32", ... for messages.
const char* kernel_arg_kind_name(KernelArg::Kind kind);

// Throws BackendError{generic} naming `backend` and `kernel` unless `args` has one
// argument of the right size per entry of `param_sizes`.
void check_launch_args(std::string_view backend, const std::string& kernel, const std::vector<std::size_t>& param_sizes,
                       const std::vector<KernelArg>& args);

}  // namespace suanli
