#include "backends/hip/hip_device.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>

#include "backends/buffer_checks.h"
#include "backends/fill_staging.h"
#include "backends/hip/hip_dialect.h"
#include "backends/hip/hip_error.h"
#include "backends/hip/hip_info.h"
#include "backends/hip/hiprtc_compile.h"
#include "backends/kernel_build.h"
#include "backends/launch_checks.h"

namespace suanli::hip {
namespace {

constexpr std::uint64_t kMiB = 1024ull * 1024;
constexpr std::uint64_t kMinFlushBytes = 64 * kMiB;

BackendError device_error(BackendError::Kind kind, const std::string& what) { return BackendError(kind, "hip: " + what); }

// One argument's value, stored where hipModuleLaunchKernel's kernelParams can point.
union ArgSlot {
  void* ptr;
  std::int32_t i32;
  std::uint32_t u32;
  std::int64_t i64;
  float f32;
  double f64;
};

ArgSlot slot_for(const KernelArg& a) {
  ArgSlot s{};
  switch (a.kind) {
    case KernelArg::Kind::buffer: s.ptr = a.buffer.handle; break;
    case KernelArg::Kind::i32: s.i32 = static_cast<std::int32_t>(a.i); break;
    case KernelArg::Kind::u32: s.u32 = static_cast<std::uint32_t>(a.i); break;
    case KernelArg::Kind::i64: s.i64 = a.i; break;
    case KernelArg::Kind::f32: s.f32 = static_cast<float>(a.f); break;
    case KernelArg::Kind::f64: s.f64 = a.f; break;
    case KernelArg::Kind::tensor_map_2d:
      throw BackendError(BackendError::Kind::unsupported, "hip: tensor-map (TMA) kernel arguments are CUDA-only");
  }
  return s;
}

bool fits_u32(std::size_t v) { return v >= 1 && v <= std::numeric_limits<std::uint32_t>::max(); }

}  // namespace

HipDevice::HipDevice(int index, DeviceInfo info) : index_(index), info_(std::move(info)) {
  try {
    check_hip(hipSetDevice(index_), "hipSetDevice(" + std::to_string(index_) + ")");
    check_hip(hipStreamCreateWithFlags(&stream_, hipStreamNonBlocking), "hipStreamCreate");
    check_hip(hipEventCreate(&timer_start_), "hipEventCreate");
    check_hip(hipEventCreate(&timer_stop_), "hipEventCreate");
    smi_ = RocmSmi::for_device(pci_address(index_));
    blas_ = std::make_unique<RocblasGemm>(stream_);
  } catch (...) {
    release_all();
    throw;
  }
}

HipDevice::~HipDevice() { release_all(); }

void HipDevice::release_all() noexcept {
  // Nothing may still run on objects about to go.
  if (stream_) ignore_error(hipStreamSynchronize(stream_));
  blas_.reset();
  kernels_.clear();
  for (auto& [key, m] : modules_) ignore_error(hipModuleUnload(m.module));
  modules_.clear();
  for (void* p : buffers_) ignore_error(hipFree(p));
  buffers_.clear();
  if (flush_buffer_) ignore_error(hipFree(flush_buffer_));
  flush_buffer_ = nullptr;
  if (timer_start_) ignore_error(hipEventDestroy(timer_start_));
  if (timer_stop_) ignore_error(hipEventDestroy(timer_stop_));
  timer_start_ = timer_stop_ = nullptr;
  if (stream_) ignore_error(hipStreamDestroy(stream_));
  stream_ = nullptr;
}

Buffer HipDevice::alloc(std::size_t bytes) {
  if (bytes == 0) return Buffer{};
  check_device_memory("hip", bytes, info_.global_mem_bytes);
  check_hip(hipSetDevice(index_), "hipSetDevice");
  void* p = nullptr;
  check_hip(hipMalloc(&p, bytes), "hipMalloc(" + std::to_string(bytes) + " bytes)");  // OOM -> out_of_memory
  try {
    buffers_.insert(p);
  } catch (...) {
    ignore_error(hipFree(p));
    throw;
  }
  return Buffer{p, bytes};
}

void HipDevice::free(Buffer buffer) {
  // Unknown or already-freed handles are ignored: free runs on cleanup paths that must not throw.
  const auto it = buffers_.find(buffer.handle);
  if (it == buffers_.end()) return;
  // A kernel still in flight may use it; hipFree would wait implicitly, but say so here.
  ignore_error(hipStreamSynchronize(stream_));
  ignore_error(hipFree(*it));
  buffers_.erase(it);
}

void HipDevice::upload(Buffer dst, const void* src, std::size_t bytes) {
  if (!check_upload("hip", dst, bytes)) return;
  check_hip(hipMemcpyAsync(dst.handle, src, bytes, hipMemcpyHostToDevice, stream_), "hipMemcpyAsync(upload)");
  check_hip(hipStreamSynchronize(stream_), "hipStreamSynchronize(upload)");
}

void HipDevice::download(void* dst, Buffer src, std::size_t bytes) {
  if (!check_download("hip", src, bytes)) return;
  check_hip(hipMemcpyAsync(dst, src.handle, bytes, hipMemcpyDeviceToHost, stream_), "hipMemcpyAsync(download)");
  check_hip(hipStreamSynchronize(stream_), "hipStreamSynchronize(download)");
}

void HipDevice::fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) {
  if (!check_fill("hip", dst, pattern_bytes)) return;
  unsigned char bytes[8];
  std::memcpy(bytes, pattern, pattern_bytes);
  pattern_bytes = narrowest_pattern_bytes(bytes, pattern_bytes);
  std::vector<unsigned char> staging;  // must outlive the synchronize at the end
  if (pattern_bytes == 1) {
    check_hip(hipMemsetD8Async(dst.handle, bytes[0], dst.bytes, stream_), "hipMemsetD8Async");
  } else if (pattern_bytes == 2) {
    std::uint16_t v;
    std::memcpy(&v, bytes, 2);
    check_hip(hipMemsetD16Async(dst.handle, v, dst.bytes / 2, stream_), "hipMemsetD16Async");
  } else if (pattern_bytes == 4) {
    std::int32_t v;
    std::memcpy(&v, bytes, 4);
    check_hip(hipMemsetD32Async(dst.handle, v, dst.bytes / 4, stream_), "hipMemsetD32Async");
  } else {
    // HIP has no 64-bit memset (backends/fill_staging.h).
    staging = fill_staging(bytes, 8, dst.bytes);
    check_hip(hipMemcpyAsync(dst.handle, staging.data(), staging.size(), hipMemcpyHostToDevice, stream_),
              "hipMemcpyAsync(fill)");
    auto* base = static_cast<unsigned char*>(dst.handle);
    for_each_doubling_copy(staging.size(), dst.bytes, [&](std::size_t offset, std::size_t n) {
      check_hip(hipMemcpyDtoDAsync(base + offset, base, n, stream_), "hipMemcpyDtoDAsync(fill)");
    });
  }
  check_hip(hipStreamSynchronize(stream_), "hipStreamSynchronize(fill)");
}

HipDevice::Module HipDevice::load_module(const std::string& key, const std::string& full_source,
                                         const std::vector<std::string>& options) {
  check_hip(hipSetDevice(index_), "hipSetDevice");
  Module m;
  if (auto cached = cache_.load(key)) {
    // A damaged or foreign cache entry is not an error: compile instead.
    if (hipModuleLoadData(&m.module, cached->data()) == hipSuccess) {
      m.from_cache = true;
      try {
        m.kernels = read_kernel_resources(*cached);
      } catch (const std::exception&) {
      }
      return m;
    }
    m.module = nullptr;
  }
  const HiprtcOutput out = hiprtc_compile(full_source, info_.arch, options);
  check_hip(hipModuleLoadData(&m.module, out.code_object.data()), "hipModuleLoadData (" + info_.arch + ")");
  cache_.store(key, out.code_object);
  try {
    m.kernels = read_kernel_resources(out.code_object);
  } catch (const std::exception&) {
    // Without metadata launch() cannot check arguments; the kernel still runs.
  }
  return m;
}

Kernel HipDevice::compile(const std::string& source, const std::string& entry, const std::vector<Define>& defines) {
  const auto started = std::chrono::steady_clock::now();
  const std::string full_source = with_dialect(source);
  const std::vector<std::string> options = hiprtc_options(info_.arch, defines);
  const std::string key = kernel_cache_key("hip", full_source, defines, join_options(options), info_);

  auto it = modules_.find(key);
  if (it == modules_.end()) {
    Module m = load_module(key, full_source, options);
    try {
      it = modules_.emplace(key, std::move(m)).first;
    } catch (...) {
      ignore_error(hipModuleUnload(m.module));
      throw;
    }
  }

  auto k = std::make_unique<LoadedKernel>();
  k->name = entry;
  const hipError_t err = hipModuleGetFunction(&k->function, it->second.module, entry.c_str());
  if (err != hipSuccess) {
    throw device_error(BackendError::Kind::generic, "kernel '" + entry + "' is not in the compiled module (" +
                                                        hip_error_text(err) + "); is it declared KERNEL?");
  }
  for (const KernelResources& r : it->second.kernels) {
    if (r.name == entry) {
      k->args_known = true;
      for (const KernelArgInfo& arg : r.args) k->arg_sizes.push_back(static_cast<std::size_t>(arg.size));
    }
  }
  kernels_.push_back(std::move(k));

  Kernel out;
  out.handle = kernels_.back().get();
  out.name = entry;
  out.from_cache = it->second.from_cache;
  out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

void HipDevice::launch(const Kernel& kernel, Dim3 grid, Dim3 block, std::size_t shared_bytes,
                       const std::vector<KernelArg>& args) {
  const auto* k = static_cast<const LoadedKernel*>(kernel.handle);
  if (k == nullptr) throw device_error(BackendError::Kind::generic, "launch of a kernel that was never compiled");

  if (k->args_known) check_launch_args("hip", k->name, k->arg_sizes, args);
  if (!fits_u32(grid.x) || !fits_u32(grid.y) || !fits_u32(grid.z) || !fits_u32(block.x) || !fits_u32(block.y) ||
      !fits_u32(block.z)) {
    throw device_error(BackendError::Kind::generic, "launch of '" + k->name + "' with an empty or oversized grid");
  }
  // The AMD dispatch packet holds the grid in work-items, 32 bits per dimension.
  const std::uint64_t limit = std::numeric_limits<std::uint32_t>::max();
  if (static_cast<std::uint64_t>(grid.x) * block.x > limit || static_cast<std::uint64_t>(grid.y) * block.y > limit ||
      static_cast<std::uint64_t>(grid.z) * block.z > limit) {
    throw device_error(BackendError::Kind::unsupported, "launch of '" + k->name + "': more than 2^32 work-items in a dimension");
  }
  if (info_.local_mem_bytes != 0 && shared_bytes > info_.local_mem_bytes) {
    throw device_error(BackendError::Kind::unsupported, "kernel '" + k->name + "' asks for " +
                                                            std::to_string(shared_bytes) + " bytes of LDS; the device has " +
                                                            std::to_string(info_.local_mem_bytes));
  }

  std::vector<ArgSlot> slots;
  slots.reserve(args.size());
  for (const KernelArg& a : args) slots.push_back(slot_for(a));
  std::vector<void*> params(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) params[i] = &slots[i];

  timed_section_starts();
  check_hip(hipModuleLaunchKernel(k->function, static_cast<unsigned>(grid.x), static_cast<unsigned>(grid.y),
                                  static_cast<unsigned>(grid.z), static_cast<unsigned>(block.x),
                                  static_cast<unsigned>(block.y), static_cast<unsigned>(block.z),
                                  static_cast<unsigned>(shared_bytes), stream_, params.empty() ? nullptr : params.data(),
                                  nullptr),
            "hipModuleLaunchKernel(" + k->name + ")");
  timed_section_ends();
}

void HipDevice::synchronize() { check_hip(hipStreamSynchronize(stream_), "hipStreamSynchronize"); }

void HipDevice::timed_section_starts() {
  if (timer_active_ && !timer_started_) {
    check_hip(hipEventRecord(timer_start_, stream_), "hipEventRecord(start)");
    timer_started_ = true;
  }
}

void HipDevice::timed_section_ends() {
  if (timer_active_) check_hip(hipEventRecord(timer_stop_, stream_), "hipEventRecord(stop)");
}

void HipDevice::timer_begin() {
  timer_active_ = true;
  timer_started_ = false;
}

double HipDevice::timer_end() {
  const bool started = timer_started_;
  timer_active_ = timer_started_ = false;
  if (!started) throw device_error(BackendError::Kind::generic, "timer_end: nothing was launched since timer_begin");
  check_hip(hipEventSynchronize(timer_stop_), "hipEventSynchronize");
  float ms = 0;
  check_hip(hipEventElapsedTime(&ms, timer_start_, timer_stop_), "hipEventElapsedTime");
  return static_cast<double>(ms) / 1e3;
}

void HipDevice::flush_cache() {
  if (flush_buffer_ == nullptr) {
    std::uint64_t bytes = std::max(2 * info_.last_level_cache_bytes, kMinFlushBytes);
    if (info_.global_mem_bytes != 0) bytes = std::min(bytes, info_.global_mem_bytes / 4);
    bytes &= ~std::uint64_t{3};  // whole 4-byte patterns
    check_hip(hipSetDevice(index_), "hipSetDevice");
    check_hip(hipMalloc(&flush_buffer_, static_cast<std::size_t>(bytes)), "hipMalloc(cache flush buffer)");
    flush_bytes_ = static_cast<std::size_t>(bytes);
  }
  // A new value each time, so no level of the hierarchy can treat the writes as no-ops.
  ++flush_round_;
  const auto pattern = static_cast<std::int32_t>(0x5a5a5a5au ^ (flush_round_ * 2654435761u));
  check_hip(hipMemsetD32Async(flush_buffer_, pattern, flush_bytes_ / 4, stream_), "hipMemsetD32Async(cache flush)");
  check_hip(hipStreamSynchronize(stream_), "hipStreamSynchronize(cache flush)");
}

DeviceState HipDevice::sample_state() {
  if (smi_) return smi_->sample();  // noexcept
  return DeviceState{};
}

std::string HipDevice::vendor_library() const { return RocblasGemm::library_name(); }

std::optional<std::string> HipDevice::vendor_gemm_can_implement(const GemmProblem& p) const {
  return RocblasGemm::can_implement(p);
}

void HipDevice::vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) {
  if (auto why = vendor_gemm_can_implement(p)) throw device_error(BackendError::Kind::unsupported, "vendor gemm: " + *why);
  const std::uint64_t elem = p.dtype == DType::fp64 ? 8 : p.dtype == DType::fp32 ? 4 : 2;
  check_gemm_buffers("hip", p, a, b, c, elem, elem);
  timed_section_starts();
  blas_->gemm(p, a.handle, b.handle, c.handle);
  timed_section_ends();
}

}  // namespace suanli::hip
