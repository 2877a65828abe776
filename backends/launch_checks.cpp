#include "backends/launch_checks.h"

#include <cstdint>

namespace suanli {

std::size_t kernel_arg_bytes(KernelArg::Kind kind) {
  switch (kind) {
    case KernelArg::Kind::buffer: return sizeof(std::uint64_t);
    case KernelArg::Kind::i32:
    case KernelArg::Kind::u32:
    case KernelArg::Kind::f32: return 4;
    case KernelArg::Kind::i64:
    case KernelArg::Kind::f64: return 8;
    case KernelArg::Kind::tensor_map_2d: return kTensorMapBytes;
  }
  return 0;
}

const char* kernel_arg_kind_name(KernelArg::Kind kind) {
  switch (kind) {
    case KernelArg::Kind::buffer: return "buffer";
    case KernelArg::Kind::i32: return "i32";
    case KernelArg::Kind::u32: return "u32";
    case KernelArg::Kind::i64: return "i64";
    case KernelArg::Kind::f32: return "f32";
    case KernelArg::Kind::f64: return "f64";
    case KernelArg::Kind::tensor_map_2d: return "tensor_map_2d";
  }
  return "?";
}

void check_launch_args(std::string_view backend, const std::string& kernel, const std::vector<std::size_t>& param_sizes,
                       const std::vector<KernelArg>& args) {
  const std::string prefix = std::string(backend) + ": kernel '" + kernel + "' ";
  if (param_sizes.size() != args.size()) {
    throw BackendError(BackendError::Kind::generic, prefix + "takes " + std::to_string(param_sizes.size()) +
                                                        " arguments, the launch passes " + std::to_string(args.size()));
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::size_t passed = kernel_arg_bytes(args[i].kind);
    if (param_sizes[i] != passed) {
      throw BackendError(BackendError::Kind::generic,
                         prefix + "argument " + std::to_string(i) + " is " + std::to_string(param_sizes[i]) +
                             " bytes, the launch passes " + kernel_arg_kind_name(args[i].kind) + " (" +
                             std::to_string(passed) + " bytes)");
    }
  }
}

}  // namespace suanli
