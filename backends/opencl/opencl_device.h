// suanli::Device on one OpenCL device: its own context and one in-order, profiling queue.
//
// Conventions a caller relies on:
// - launch(): grid = number of work-groups, block = work-group size (global = grid*block).
//   Arguments map to cl_mem / cl_int / cl_uint / cl_long / cl_float / cl_double. With
//   shared_bytes > 0 a dynamic __local buffer of that size is passed as one extra, LAST
//   kernel argument, so such kernels declare it as their final parameter
//   (`LOCAL float* scratch`).
// - The timer covers kernel launches and vendor_gemm calls only, not upload / download /
//   fill (which a workload may issue between samples without skewing them).
// - Kernel.from_cache: the program's binary came from the on-disk cache; compiling the same
//   source and defines again on the same Device reuses the program built the first time
//   (and reports how that one was obtained).
// - Every cl_program, cl_kernel and buffer is owned by the Device and freed with it.
#pragma once

#include <CL/cl.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/backend.h"
#include "backends/compile_cache.h"
#include "backends/opencl/event_timer.h"

namespace suanli::opencl {

class OpenClDevice final : public Device {
 public:
  OpenClDevice(cl_platform_id platform, cl_device_id device, DeviceInfo info);
  ~OpenClDevice() override;
  OpenClDevice(const OpenClDevice&) = delete;
  OpenClDevice& operator=(const OpenClDevice&) = delete;

  const DeviceInfo& info() const override { return info_; }

  Buffer alloc(std::size_t bytes) override;
  void free(Buffer buffer) override;
  void upload(Buffer dst, const void* src, std::size_t bytes) override;
  void download(void* dst, Buffer src, std::size_t bytes) override;
  void fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) override;

  Kernel compile(const std::string& source, const std::string& entry,
                 const std::vector<Define>& defines) override;
  void launch(const Kernel& kernel, Dim3 grid, Dim3 block, std::size_t shared_bytes,
              const std::vector<KernelArg>& args) override;
  void synchronize() override;

  void timer_begin() override;
  double timer_end() override;

  void flush_cache() override;
  DeviceState sample_state() override;

  std::string vendor_library() const override;
  std::optional<std::string> vendor_gemm_can_implement(const GemmProblem& p) const override;
  void vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) override;

 private:
  struct Program {
    cl_program program;
    bool from_cache;
  };
  cl_mem create_touched_buffer(std::size_t bytes);
  void release_all() noexcept;

  cl_device_id device_ = nullptr;
  DeviceInfo info_;
  std::string opencl_c_version_;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  CompileCache cache_;
  std::unordered_map<std::string, Program> programs_;  // by compile-cache key
  std::vector<cl_kernel> kernels_;
  std::unordered_set<cl_mem> buffers_;
  cl_mem flush_buffer_ = nullptr;
  std::size_t flush_bytes_ = 0;
  cl_uint flush_round_ = 0;
  EventTimer timer_;
};

}  // namespace suanli::opencl
