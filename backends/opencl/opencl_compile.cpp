#include "backends/opencl/opencl_compile.h"

#include <optional>

#include "backends/kernel_build.h"
#include "backends/opencl/cl_error.h"
#include "backends/opencl/opencl_info.h"

namespace suanli::opencl {
namespace {

std::string build_log(cl_program program, cl_device_id device) {
  std::size_t size = 0;
  if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size) != CL_SUCCESS) {
    return "(the driver returned no build log)";
  }
  std::string log(size, '\0');
  if (size > 0 &&
      clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr) != CL_SUCCESS) {
    return "(the driver returned no build log)";
  }
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n' || log.back() == ' ')) log.pop_back();
  return log;
}

// Only single-device programs are built here, so there is exactly one binary.
std::optional<std::vector<unsigned char>> program_binary(cl_program program) {
  std::size_t size = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr) != CL_SUCCESS ||
      size == 0) {
    return std::nullopt;
  }
  std::vector<unsigned char> binary(size);
  unsigned char* ptr = binary.data();
  if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof ptr, &ptr, nullptr) != CL_SUCCESS) {
    return std::nullopt;
  }
  return binary;
}

cl_program program_from_binary(cl_context context, cl_device_id device,
                               const std::vector<unsigned char>& binary, const std::string& options) {
  const unsigned char* ptr = binary.data();
  const std::size_t size = binary.size();
  cl_int binary_status = CL_SUCCESS;
  cl_int err = CL_SUCCESS;
  cl_program program = clCreateProgramWithBinary(context, 1, &device, &size, &ptr, &binary_status, &err);
  if (err != CL_SUCCESS || binary_status != CL_SUCCESS || program == nullptr) {
    if (program) clReleaseProgram(program);
    return nullptr;
  }
  if (clBuildProgram(program, 1, &device, options.c_str(), nullptr, nullptr) != CL_SUCCESS) {
    clReleaseProgram(program);
    return nullptr;
  }
  return program;
}

}  // namespace

// The options are one string that the driver splits at whitespace, so a value may hold no
// whitespace, and no quotes or backslashes, which drivers unquote differently.
constexpr DefineSyntax kOptionStringDefines{
    "-D ", " \t\n\r\"'\\", "a value with whitespace, quotes or backslashes, which build options cannot carry"};

std::string build_options(const std::vector<Define>& defines, const std::string& device_c_version) {
  const auto [major, minor] = opencl_c_version(device_c_version);
  std::vector<std::string> options;
  if (major > 1 || (major == 1 && minor >= 2)) options.emplace_back("-cl-std=CL1.2");
  for (std::string& d : define_options("opencl", defines, kOptionStringDefines)) options.push_back(std::move(d));
  return join_options(options);
}

BuiltProgram build_program(cl_context context, cl_device_id device, const CompileCache& cache,
                           const std::string& key, const std::string& source,
                           const std::string& options, const std::string& entry) {
  if (auto binary = cache.load(key)) {
    // A stale or foreign binary is not fatal: compiling from source always works.
    if (cl_program program = program_from_binary(context, device, *binary, options)) return {program, true};
  }

  const char* text = source.c_str();
  const std::size_t length = source.size();
  cl_int err = CL_SUCCESS;
  cl_program program = clCreateProgramWithSource(context, 1, &text, &length, &err);
  check_cl(err, "clCreateProgramWithSource");
  err = clBuildProgram(program, 1, &device, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    std::string log = build_log(program, device);
    clReleaseProgram(program);
    throw BackendError(BackendError::Kind::compile_failed,
                       "opencl: compiling kernel '" + entry + "' failed: " + cl_error_text("clBuildProgram", err),
                       std::move(log));
  }
  if (auto binary = program_binary(program)) cache.store(key, *binary);
  return {program, false};
}

cl_kernel create_kernel(cl_program program, const std::string& entry) {
  cl_int err = CL_SUCCESS;
  cl_kernel kernel = clCreateKernel(program, entry.c_str(), &err);
  if (err == CL_SUCCESS) return kernel;
  if (err == CL_INVALID_KERNEL_NAME) {
    std::string names;
    std::size_t size = 0;
    if (clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, 0, nullptr, &size) == CL_SUCCESS && size > 0) {
      names.resize(size);
      if (clGetProgramInfo(program, CL_PROGRAM_KERNEL_NAMES, size, names.data(), nullptr) != CL_SUCCESS) names.clear();
      while (!names.empty() && names.back() == '\0') names.pop_back();
    }
    throw BackendError(BackendError::Kind::compile_failed,
                       "opencl: the program has no kernel named '" + entry + "'",
                       "kernels in the program: " + (names.empty() ? std::string("(unknown)") : names));
  }
  check_cl(err, "clCreateKernel(" + entry + ")");
  return nullptr;
}

}  // namespace suanli::opencl
