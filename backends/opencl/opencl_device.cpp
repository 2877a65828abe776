#include "backends/opencl/opencl_device.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

#include "backends/buffer_checks.h"
#include "backends/kernel_build.h"
#include "backends/opencl/cl_error.h"
#include "backends/opencl/clblast_gemm.h"
#include "backends/opencl/host_cpu.h"
#include "backends/opencl/opencl_compile.h"
#include "backends/opencl/opencl_dialect.h"
#include "backends/opencl/opencl_info.h"

namespace suanli::opencl {
namespace {

constexpr std::uint64_t kMiB = 1024ull * 1024;
constexpr std::uint64_t kMinFlushBytes = 8 * kMiB;
constexpr std::uint64_t kMaxFlushBytes = 1024 * kMiB;

BackendError device_error(BackendError::Kind kind, const std::string& what) {
  return BackendError(kind, "opencl: " + what);
}

cl_mem mem_of(const Buffer& b) { return static_cast<cl_mem>(b.handle); }

void set_arg(cl_kernel kernel, cl_uint index, const KernelArg& arg, const std::string& kernel_name) {
  cl_int err = CL_SUCCESS;
  switch (arg.kind) {
    case KernelArg::Kind::buffer: {
      const cl_mem m = mem_of(arg.buffer);
      err = clSetKernelArg(kernel, index, sizeof m, &m);
      break;
    }
    case KernelArg::Kind::i32: {
      const auto v = static_cast<cl_int>(arg.i);
      err = clSetKernelArg(kernel, index, sizeof v, &v);
      break;
    }
    case KernelArg::Kind::u32: {
      const auto v = static_cast<cl_uint>(arg.i);
      err = clSetKernelArg(kernel, index, sizeof v, &v);
      break;
    }
    case KernelArg::Kind::i64: {
      const auto v = static_cast<cl_long>(arg.i);
      err = clSetKernelArg(kernel, index, sizeof v, &v);
      break;
    }
    case KernelArg::Kind::f32: {
      const auto v = static_cast<cl_float>(arg.f);
      err = clSetKernelArg(kernel, index, sizeof v, &v);
      break;
    }
    case KernelArg::Kind::f64: {
      const auto v = static_cast<cl_double>(arg.f);
      err = clSetKernelArg(kernel, index, sizeof v, &v);
      break;
    }
    case KernelArg::Kind::tensor_map_2d:
      throw BackendError(BackendError::Kind::unsupported, "opencl: tensor-map (TMA) kernel arguments are CUDA-only");
  }
  if (err != CL_SUCCESS) check_cl(err, "clSetKernelArg(" + kernel_name + ", arg " + std::to_string(index) + ")");
}

}  // namespace

OpenClDevice::OpenClDevice(cl_platform_id platform, cl_device_id device, DeviceInfo info)
    : device_(device), info_(std::move(info)) {
  try {
    opencl_c_version_ = device_string(device_, CL_DEVICE_OPENCL_C_VERSION);
    const cl_context_properties props[] = {CL_CONTEXT_PLATFORM, reinterpret_cast<cl_context_properties>(platform), 0};
    cl_int err = CL_SUCCESS;
    context_ = clCreateContext(props, 1, &device_, nullptr, nullptr, &err);
    check_cl(err, "clCreateContext");
    queue_ = clCreateCommandQueue(context_, device_, CL_QUEUE_PROFILING_ENABLE, &err);
    check_cl(err, "clCreateCommandQueue");
  } catch (...) {
    release_all();
    throw;
  }
}

OpenClDevice::~OpenClDevice() { release_all(); }

void OpenClDevice::release_all() noexcept {
  timer_.reset();
  // Nothing may still run on objects about to go.
  if (queue_) clFinish(queue_);
  for (cl_kernel k : kernels_) clReleaseKernel(k);
  kernels_.clear();
  for (const auto& [key, p] : programs_) clReleaseProgram(p.program);
  programs_.clear();
  for (cl_mem m : buffers_) clReleaseMemObject(m);
  buffers_.clear();
  if (flush_buffer_) clReleaseMemObject(flush_buffer_);
  flush_buffer_ = nullptr;
  if (queue_) clReleaseCommandQueue(queue_);
  queue_ = nullptr;
  if (context_) clReleaseContext(context_);
  context_ = nullptr;
}

cl_mem OpenClDevice::create_touched_buffer(std::size_t bytes) {
  cl_int err = CL_SUCCESS;
  cl_mem mem = clCreateBuffer(context_, CL_MEM_READ_WRITE, bytes, nullptr, &err);
  if (err != CL_SUCCESS) {
    check_cl(err, "clCreateBuffer(" + std::to_string(bytes) + " bytes)",
             err == CL_OUT_OF_RESOURCES ? BackendError::Kind::out_of_memory : BackendError::Kind::generic);
  }
  // Many drivers allocate on first use; touching the buffer here makes a too-large
  // allocation fail now, as out_of_memory, instead of inside a timed launch.
  const cl_uchar zero = 0;
  cl_event event = nullptr;
  err = clEnqueueFillBuffer(queue_, mem, &zero, 1, 0, bytes, 0, nullptr, &event);
  if (err == CL_SUCCESS) {
    err = clWaitForEvents(1, &event);
    cl_int status = CL_COMPLETE;
    if (err == CL_SUCCESS &&
        clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr) == CL_SUCCESS &&
        status < 0) {
      err = status;
    }
    clReleaseEvent(event);
  }
  if (err != CL_SUCCESS) {
    clReleaseMemObject(mem);
    const bool memory = err == CL_OUT_OF_RESOURCES || err == CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST;
    check_cl(err, "clEnqueueFillBuffer (first touch of a " + std::to_string(bytes) + "-byte buffer)",
             memory ? BackendError::Kind::out_of_memory : BackendError::Kind::generic);
  }
  return mem;
}

Buffer OpenClDevice::alloc(std::size_t bytes) {
  if (bytes == 0) return Buffer{};  // OpenCL has no empty buffers; a null cl_mem is a valid argument
  // Checked here because lazily-allocating drivers accept any size until first use.
  if (info_.max_alloc_bytes != 0 && bytes > info_.max_alloc_bytes) {
    throw device_error(BackendError::Kind::out_of_memory,
                "cannot allocate " + std::to_string(bytes) + " bytes: the device's largest allocation is " +
                    std::to_string(info_.max_alloc_bytes) + " bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE)");
  }
  if (info_.global_mem_bytes != 0 && bytes > info_.global_mem_bytes) {
    throw device_error(BackendError::Kind::out_of_memory,
                "cannot allocate " + std::to_string(bytes) + " bytes: the device has " +
                    std::to_string(info_.global_mem_bytes) + " bytes (CL_DEVICE_GLOBAL_MEM_SIZE)");
  }
  cl_mem mem = create_touched_buffer(bytes);
  try {
    buffers_.insert(mem);
  } catch (...) {
    clReleaseMemObject(mem);
    throw;
  }
  return Buffer{mem, bytes};
}

void OpenClDevice::free(Buffer buffer) {
  // Unknown or already-freed handles are ignored: free runs on cleanup paths that must not throw.
  const auto it = buffers_.find(mem_of(buffer));
  if (it == buffers_.end()) return;
  clReleaseMemObject(*it);
  buffers_.erase(it);
}

void OpenClDevice::upload(Buffer dst, const void* src, std::size_t bytes) {
  if (!check_upload("opencl", dst, bytes)) return;
  check_cl(clEnqueueWriteBuffer(queue_, mem_of(dst), CL_TRUE, 0, bytes, src, 0, nullptr, nullptr),
           "clEnqueueWriteBuffer");
}

void OpenClDevice::download(void* dst, Buffer src, std::size_t bytes) {
  if (!check_download("opencl", src, bytes)) return;
  check_cl(clEnqueueReadBuffer(queue_, mem_of(src), CL_TRUE, 0, bytes, dst, 0, nullptr, nullptr),
           "clEnqueueReadBuffer");
}

void OpenClDevice::fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) {
  if (!check_fill("opencl", dst, pattern_bytes)) return;
  check_cl(clEnqueueFillBuffer(queue_, mem_of(dst), pattern, pattern_bytes, 0, dst.bytes, 0, nullptr, nullptr),
           "clEnqueueFillBuffer");
}

Kernel OpenClDevice::compile(const std::string& source, const std::string& entry,
                             const std::vector<Define>& defines) {
  const auto started = std::chrono::steady_clock::now();
  const std::string full_source = source_with_dialect(opencl_dialect_source(), source);
  const std::string options = build_options(defines, opencl_c_version_);
  const std::string key = kernel_cache_key("opencl", full_source, defines, options, info_);

  auto it = programs_.find(key);
  if (it == programs_.end()) {
    const BuiltProgram built = build_program(context_, device_, cache_, key, full_source, options, entry);
    try {
      it = programs_.emplace(key, Program{built.program, built.from_cache}).first;
    } catch (...) {
      clReleaseProgram(built.program);
      throw;
    }
  }
  cl_kernel kernel = create_kernel(it->second.program, entry);
  try {
    kernels_.push_back(kernel);
  } catch (...) {
    clReleaseKernel(kernel);
    throw;
  }
  Kernel out;
  out.handle = kernel;
  out.name = entry;
  out.from_cache = it->second.from_cache;
  out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

void OpenClDevice::launch(const Kernel& kernel, Dim3 grid, Dim3 block, std::size_t shared_bytes,
                          const std::vector<KernelArg>& args) {
  const auto k = static_cast<cl_kernel>(kernel.handle);
  if (k == nullptr) throw device_error(BackendError::Kind::generic, "launch of a kernel that was never compiled");

  const std::size_t expected_args = args.size() + (shared_bytes > 0 ? 1 : 0);
  cl_uint num_args = 0;
  if (clGetKernelInfo(k, CL_KERNEL_NUM_ARGS, sizeof num_args, &num_args, nullptr) == CL_SUCCESS &&
      num_args != expected_args) {
    throw device_error(BackendError::Kind::generic,
                "kernel '" + kernel.name + "' takes " + std::to_string(num_args) + " arguments, the launch passes " +
                    std::to_string(expected_args) + (shared_bytes > 0 ? " (the last one for shared_bytes)" : ""));
  }
  for (std::size_t i = 0; i < args.size(); ++i) set_arg(k, static_cast<cl_uint>(i), args[i], kernel.name);
  if (shared_bytes > 0) {
    if (info_.local_mem_bytes != 0 && shared_bytes > info_.local_mem_bytes) {
      throw device_error(BackendError::Kind::unsupported,
                  "kernel '" + kernel.name + "' asks for " + std::to_string(shared_bytes) +
                      " bytes of local memory; the device has " + std::to_string(info_.local_mem_bytes));
    }
    const cl_int err = clSetKernelArg(k, static_cast<cl_uint>(args.size()), shared_bytes, nullptr);
    if (err != CL_SUCCESS) check_cl(err, "clSetKernelArg(" + kernel.name + ", shared_bytes)");
  }

  const std::size_t groups[3] = {grid.x, grid.y, grid.z};
  const std::size_t local[3] = {block.x, block.y, block.z};
  std::size_t global[3] = {0, 0, 0};
  for (int d = 0; d < 3; ++d) {
    std::uint64_t total = 0;
    if (groups[d] == 0 || local[d] == 0 || !multiply_fits(groups[d], local[d], total) ||
        total > std::numeric_limits<std::size_t>::max()) {
      throw device_error(BackendError::Kind::generic, "launch of '" + kernel.name + "' with an empty or overflowing grid");
    }
    global[d] = static_cast<std::size_t>(total);
  }
  const cl_uint dims = (global[2] > 1) ? 3u : (global[1] > 1) ? 2u : 1u;

  cl_event event = nullptr;
  const cl_int err = clEnqueueNDRangeKernel(queue_, k, dims, nullptr, global, local, 0, nullptr,
                                            timer_.active() ? &event : nullptr);
  if (err != CL_SUCCESS) check_cl(err, "clEnqueueNDRangeKernel(" + kernel.name + ")");
  timer_.record(event);
}

void OpenClDevice::synchronize() { check_cl(clFinish(queue_), "clFinish"); }

void OpenClDevice::timer_begin() { timer_.begin(); }

double OpenClDevice::timer_end() { return timer_.end(queue_); }

void OpenClDevice::flush_cache() {
  if (flush_buffer_ == nullptr) {
    std::uint64_t bytes = std::clamp(2 * info_.last_level_cache_bytes, kMinFlushBytes, kMaxFlushBytes);
    if (info_.max_alloc_bytes != 0) bytes = std::min(bytes, info_.max_alloc_bytes);
    bytes &= ~std::uint64_t{3};  // whole 4-byte patterns
    flush_buffer_ = create_touched_buffer(static_cast<std::size_t>(bytes));
    flush_bytes_ = static_cast<std::size_t>(bytes);
  }
  // A new value each time, so no level of the hierarchy can treat the writes as no-ops.
  ++flush_round_;
  const cl_uint pattern = 0x5a5a5a5au ^ (flush_round_ * 2654435761u);
  check_cl(clEnqueueFillBuffer(queue_, flush_buffer_, &pattern, sizeof pattern, 0, flush_bytes_, 0, nullptr, nullptr),
           "clEnqueueFillBuffer(cache flush)");
  check_cl(clFinish(queue_), "clFinish");
}

DeviceState OpenClDevice::sample_state() {
  DeviceState state;
  // OpenCL has no portable clock/temperature/power query; for a CPU device the OS knows the clock.
  if (info_.type == DeviceType::cpu) state.sm_clock_mhz = mean_host_cpu_mhz();  // noexcept
  return state;
}

std::string OpenClDevice::vendor_library() const { return clblast_library_name(); }

std::optional<std::string> OpenClDevice::vendor_gemm_can_implement(const GemmProblem& p) const {
  return clblast_gemm_can_implement(p, info_);
}

void OpenClDevice::vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) {
  if (auto why = vendor_gemm_can_implement(p)) throw device_error(BackendError::Kind::unsupported, "vendor gemm: " + *why);
  const std::uint64_t elem = clblast_element_bytes(p.dtype);
  check_gemm_buffers("opencl", p, a, b, c, elem, elem);
  if (timer_.active()) {
    // CLBlast's event covers only its last kernel; a marker before the call lets the timer
    // also cover the pre-processing kernels of its indirect path.
    cl_event marker = nullptr;
    if (clEnqueueMarkerWithWaitList(queue_, 0, nullptr, &marker) == CL_SUCCESS) timer_.record(marker, true);
  }
  cl_event event = nullptr;
  clblast_gemm(p, queue_, mem_of(a), mem_of(b), mem_of(c), timer_.active() ? &event : nullptr);
  timer_.record(event);
}

}  // namespace suanli::opencl
