// suanli::Device on one NVIDIA GPU through the Driver API: the device's primary context
// (the one cuBLAS, which runs on the CUDA runtime, also uses) and one stream that carries
// every launch, copy, fill and library call, in order.
//
// Conventions a caller relies on:
// - launch(): grid = number of blocks, block = threads per block. Arguments are marshalled
//   by kind (buffer -> CUdeviceptr, i32/u32/i64/f32/f64 by value) and checked against the
//   kernel's parameter sizes. shared_bytes is the dynamic shared memory of the launch
//   (`extern __shared__`), not an extra argument as on OpenCL; above the 48 KiB default the
//   kernel is opted in up to the device's limit.
// - compile(): NVRTC to a CUBIN for the device's architecture (PTX for a GPU newer than
//   NVRTC), cached on disk; the same source and defines again on the same Device reuse the
//   loaded module.
// - Timing: CUDA events recorded on the stream at timer_begin / timer_end. They bracket
//   everything the stream runs in between, so the harness issues no copies or fills there
//   (backend.h: the timer covers kernels and vendor calls).
// - upload / download / fill return when the data is in place.
#pragma once

#include <cuda.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/backend.h"
#include "backends/compile_cache.h"
#include "backends/cuda/cublas_gemm.h"
#include "backends/cuda/cuda_info.h"
#include "backends/cuda/cudnn_sdpa.h"
#include "backends/cuda/nvml_state.h"
#include "backends/cuda/nvrtc_compile.h"

namespace suanli::cuda {

class CudaDevice final : public Device {
 public:
  // Requires a successful cuInit.
  CudaDevice(CUdevice device, DeviceInfo info);
  ~CudaDevice() override;
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

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
  // cuDNN's fused flash attention (cudnn_sdpa.h), loaded on first use.
  std::string vendor_attention_library() const override;
  std::optional<std::string> vendor_attention_can_implement(const AttentionProblem& p) const override;
  void vendor_attention(const AttentionProblem& p, Buffer q, Buffer k, Buffer v, Buffer o) override;

 private:
  struct LoadedModule {
    CUmodule module;
    bool from_cache;
  };
  void make_current() const;
  CUdeviceptr allocate(std::size_t bytes, const std::string& what);
  CUmodule load_module(const std::string& key, const std::string& full_source, const std::vector<std::string>& options,
                       const std::string& entry, bool& from_cache);
  const std::vector<std::size_t>& param_sizes(CUfunction function);
  void fill_8(CUdeviceptr dst, std::size_t bytes, const void* pattern);
  void release_all() noexcept;

  CUdevice device_;
  DeviceInfo info_;
  ComputeCapability cc_;
  NvrtcTarget target_;
  int shared_optin_bytes_ = 0;
  CUcontext context_ = nullptr;
  CUstream stream_ = nullptr;
  CUevent timer_start_ = nullptr, timer_stop_ = nullptr;
  bool timing_ = false;
  CompileCache cache_;
  std::unordered_map<std::string, LoadedModule> modules_;  // by compile-cache key
  std::unordered_map<CUfunction, std::vector<std::size_t>> param_sizes_;
  std::unordered_set<CUdeviceptr> buffers_;
  CUdeviceptr flush_buffer_ = 0;
  std::size_t flush_bytes_ = 0;
  unsigned int flush_round_ = 0;
  CUdeviceptr workspace_ = 0;
  std::unique_ptr<CublasGemm> blas_;
  std::string blas_error_;  // why blas_ is null
  // Loads cuDNN and builds plans lazily, also from the const queries above: a cache, so
  // the const methods reach it through the pointer.
  std::unique_ptr<CudnnSdpa> sdpa_;
  NvmlSampler nvml_;
};

}  // namespace suanli::cuda
