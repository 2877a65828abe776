// suanli::Device on one HIP device (AMD GPU or Hygon DCU): one stream for everything.
//
// Conventions a caller relies on:
// - launch(): grid = number of blocks, block = threads per block (hipModuleLaunchKernel).
//   shared_bytes is the launch's dynamic LDS, which a kernel reaches through
//   `extern __shared__`; unlike OpenCL no extra argument is passed for it. Arguments are
//   checked against the code object's metadata (count and sizes) before launching.
// - The timer spans from the first launch (or vendor call) after timer_begin to the end
//   of the last one, measured by HIP events on the device's stream.
// - Modules, kernels and buffers are owned by the Device and freed with it.
#pragma once

#include <hip/hip_runtime_api.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/backend.h"
#include "backends/compile_cache.h"
#include "backends/hip/code_object_info.h"
#include "backends/hip/rocblas_gemm.h"
#include "backends/hip/rocm_smi.h"

namespace suanli::hip {

class HipDevice final : public Device {
 public:
  HipDevice(int index, DeviceInfo info);
  ~HipDevice() override;
  HipDevice(const HipDevice&) = delete;
  HipDevice& operator=(const HipDevice&) = delete;

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
  struct Module {
    hipModule_t module = nullptr;
    bool from_cache = false;
    std::vector<KernelResources> kernels;  // empty when the metadata could not be read
  };
  struct LoadedKernel {
    hipFunction_t function = nullptr;
    std::string name;
    bool args_known = false;
    std::vector<std::size_t> arg_sizes;  // explicit parameters, from the code object's metadata
  };

  Module load_module(const std::string& key, const std::string& full_source, const std::vector<std::string>& options);
  void timed_section_starts();
  void timed_section_ends();
  void release_all() noexcept;

  int index_;
  DeviceInfo info_;
  hipStream_t stream_ = nullptr;
  hipEvent_t timer_start_ = nullptr;
  hipEvent_t timer_stop_ = nullptr;
  bool timer_active_ = false;
  bool timer_started_ = false;
  CompileCache cache_;
  std::unordered_map<std::string, Module> modules_;  // by compile-cache key
  std::vector<std::unique_ptr<LoadedKernel>> kernels_;
  std::unordered_set<void*> buffers_;
  void* flush_buffer_ = nullptr;
  std::size_t flush_bytes_ = 0;
  unsigned flush_round_ = 0;
  std::unique_ptr<RocmSmi> smi_;
  std::unique_ptr<RocblasGemm> blas_;
};

}  // namespace suanli::hip
