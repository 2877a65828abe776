#include "backends/cuda/cuda_device.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>

#include "backends/buffer_checks.h"
#include "backends/cuda/cuda_dialect.h"
#include "backends/cuda/cuda_error.h"
#include "backends/cuda/cudnn_sdpa_layout.h"
#include "backends/fill_staging.h"
#include "backends/kernel_build.h"
#include "backends/launch_checks.h"

namespace suanli::cuda {
namespace {

constexpr std::size_t kMiB = 1024ull * 1024;
// The flush writes at least this much even on a small-L2 GPU: also evicts what the TLBs
// and any memory-side cache hold.
constexpr std::uint64_t kMinFlushBytes = 64 * kMiB;
// cuBLAS recommends 32 MiB on Hopper (less suffices before); cuBLASLt gets the same one.
constexpr std::size_t kBlasWorkspaceBytes = 32 * kMiB;

BackendError device_error(BackendError::Kind kind, const std::string& what) {
  return BackendError(kind, "cuda: " + what);
}

CUdeviceptr ptr_of(const Buffer& b) { return static_cast<CUdeviceptr>(reinterpret_cast<std::uintptr_t>(b.handle)); }

// One launch argument, stored by value where cuLaunchKernel's pointer array can reach it:
// big and aligned enough for a CUtensorMap (128 bytes, 128-byte aligned in CUDA 13's cuda.h).
struct ArgSlot {
  alignas(128) unsigned char bytes[kTensorMapBytes];
};
static_assert(sizeof(CUtensorMap) == kTensorMapBytes && alignof(CUtensorMap) <= alignof(ArgSlot));

template <typename T>
ArgSlot slot_of(T value) {
  static_assert(sizeof value <= sizeof(ArgSlot::bytes));
  ArgSlot s{};
  std::memcpy(s.bytes, &value, sizeof value);
  return s;
}

CUtensorMapSwizzle tensor_map_swizzle(int bytes) {
  switch (bytes) {
    case 0: return CU_TENSOR_MAP_SWIZZLE_NONE;
    case 32: return CU_TENSOR_MAP_SWIZZLE_32B;
    case 64: return CU_TENSOR_MAP_SWIZZLE_64B;
    case 128: return CU_TENSOR_MAP_SWIZZLE_128B;
    default: throw device_error(BackendError::Kind::generic, "tensor map swizzle of " + std::to_string(bytes) + " bytes");
  }
}

CUtensorMapDataType tensor_map_type(int element_bytes) {
  switch (element_bytes) {
    case 1: return CU_TENSOR_MAP_DATA_TYPE_UINT8;
    case 2: return CU_TENSOR_MAP_DATA_TYPE_UINT16;
    case 4: return CU_TENSOR_MAP_DATA_TYPE_UINT32;
    default:
      throw device_error(BackendError::Kind::generic, "tensor map element of " + std::to_string(element_bytes) + " bytes");
  }
}

// The TMA descriptor of a dense row-major 2-D tensor: dimension 0 the row (contiguous), 1
// the rows; out-of-range box elements read as zero (OOB_FILL_NONE fills zeros; NAN_REQUEST_ZERO_FMA
// would fill NaN).
ArgSlot tensor_map_slot(const TensorMap2d& m) {
  ArgSlot s{};
  auto* map = reinterpret_cast<CUtensorMap*>(s.bytes);
  const cuuint64_t dims[2] = {m.inner, m.outer};
  const cuuint64_t row_stride[1] = {m.inner * static_cast<cuuint64_t>(m.element_bytes)};
  const cuuint32_t box[2] = {m.box_inner, m.box_outer};
  const cuuint32_t element_strides[2] = {1, 1};
  check_cu(cuTensorMapEncodeTiled(map, tensor_map_type(m.element_bytes), 2, m.buffer.handle, dims, row_stride, box,
                                  element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, tensor_map_swizzle(m.swizzle_bytes),
                                  CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
           "cuTensorMapEncodeTiled(" + std::to_string(m.outer) + " x " + std::to_string(m.inner) + ", box " +
               std::to_string(m.box_outer) + " x " + std::to_string(m.box_inner) + ")");
  return s;
}

ArgSlot marshal(const KernelArg& arg) {
  switch (arg.kind) {
    case KernelArg::Kind::tensor_map_2d: return tensor_map_slot(arg.map);
    case KernelArg::Kind::buffer: return slot_of(ptr_of(arg.buffer));
    case KernelArg::Kind::i32: return slot_of(static_cast<std::int32_t>(arg.i));
    case KernelArg::Kind::u32: return slot_of(static_cast<std::uint32_t>(arg.i));
    case KernelArg::Kind::i64: return slot_of(static_cast<std::int64_t>(arg.i));
    case KernelArg::Kind::f32: return slot_of(static_cast<float>(arg.f));
    case KernelArg::Kind::f64: return slot_of(arg.f);
  }
  return ArgSlot{};
}

unsigned int launch_dim(std::size_t v, const std::string& kernel, const char* what) {
  if (v == 0 || v > std::numeric_limits<unsigned int>::max()) {
    throw device_error(BackendError::Kind::generic,
                       "launch of '" + kernel + "' with " + what + " dimension " + std::to_string(v));
  }
  return static_cast<unsigned int>(v);
}

}  // namespace

CudaDevice::CudaDevice(CUdevice device, DeviceInfo info)
    : device_(device),
      info_(std::move(info)),
      cc_(compute_capability(device)),
      target_(nvrtc_target_for(cc_.major, cc_.minor)),
      nvml_(pci_bus_id(device)) {
  try {
    check_cu(cuDeviceGetAttribute(&shared_optin_bytes_, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device_),
             "cuDeviceGetAttribute(shared memory opt-in)");
    // The primary context, not a private one: cuBLAS runs on the CUDA runtime, which uses
    // the primary context, so both then share allocations and the stream.
    check_cu(cuDevicePrimaryCtxRetain(&context_, device_), "cuDevicePrimaryCtxRetain");
    make_current();
    // Non-blocking: the legacy default stream, which other code in the process may use,
    // then never serializes with the measured work.
    check_cu(cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    check_cu(cuEventCreate(&timer_start_, CU_EVENT_DEFAULT), "cuEventCreate");
    check_cu(cuEventCreate(&timer_stop_, CU_EVENT_DEFAULT), "cuEventCreate");
    // Handles and workspace now, never inside a timed call. A broken cuBLAS install costs
    // the vendor tier only, not the portable kernels.
    try {
      workspace_ = allocate(kBlasWorkspaceBytes, "the cuBLAS workspace");
      blas_ = std::make_unique<CublasGemm>(stream_, workspace_, kBlasWorkspaceBytes, cc_);
    } catch (const BackendError& e) {
      blas_error_ = e.what();
    }
    sdpa_ = std::make_unique<CudnnSdpa>(stream_, cc_);
  } catch (...) {
    release_all();
    throw;
  }
}

CudaDevice::~CudaDevice() { release_all(); }

void CudaDevice::release_all() noexcept {
  if (context_ == nullptr) return;
  cuCtxSetCurrent(context_);
  // Nothing may still run on what is about to go.
  if (stream_) cuStreamSynchronize(stream_);
  blas_.reset();
  sdpa_.reset();
  for (const auto& [key, m] : modules_) cuModuleUnload(m.module);
  modules_.clear();
  param_sizes_.clear();
  for (CUdeviceptr p : buffers_) cuMemFree(p);
  buffers_.clear();
  if (flush_buffer_) cuMemFree(flush_buffer_);
  flush_buffer_ = 0;
  if (workspace_) cuMemFree(workspace_);
  workspace_ = 0;
  if (timer_start_) cuEventDestroy(timer_start_);
  if (timer_stop_) cuEventDestroy(timer_stop_);
  timer_start_ = timer_stop_ = nullptr;
  if (stream_) cuStreamDestroy(stream_);
  stream_ = nullptr;
  cuDevicePrimaryCtxRelease(device_);
  context_ = nullptr;
}

void CudaDevice::make_current() const {
  // The worker may call from another thread than the one that opened the device; the
  // context is per thread.
  check_cu(cuCtxSetCurrent(context_), "cuCtxSetCurrent");
}

CUdeviceptr CudaDevice::allocate(std::size_t bytes, const std::string& what) {
  CUdeviceptr p = 0;
  const CUresult r = cuMemAlloc(&p, bytes);
  if (r != CUDA_SUCCESS) {
    check_cu(r, "cuMemAlloc(" + std::to_string(bytes) + " bytes for " + what + ")");
  }
  return p;
}

Buffer CudaDevice::alloc(std::size_t bytes) {
  if (bytes == 0) return Buffer{};  // cuMemAlloc rejects 0; a null pointer is a valid argument
  make_current();
  check_device_memory("cuda", bytes, info_.global_mem_bytes);
  // cuMemAlloc commits the memory (no lazy first touch as with some OpenCL drivers), so an
  // allocation that does not fit fails here as CUDA_ERROR_OUT_OF_MEMORY.
  const CUdeviceptr p = allocate(bytes, "a buffer");
  try {
    buffers_.insert(p);
  } catch (...) {
    cuMemFree(p);
    throw;
  }
  return Buffer{reinterpret_cast<void*>(static_cast<std::uintptr_t>(p)), bytes};
}

void CudaDevice::free(Buffer buffer) {
  // Unknown or already-freed handles are ignored: free runs on cleanup paths that must not throw.
  const auto it = buffers_.find(ptr_of(buffer));
  if (it == buffers_.end()) return;
  if (cuCtxSetCurrent(context_) == CUDA_SUCCESS) {
    // cuMemFree synchronizes with the device, so work still using the buffer finishes first.
    cuMemFree(*it);
  }
  buffers_.erase(it);
}

void CudaDevice::upload(Buffer dst, const void* src, std::size_t bytes) {
  if (!check_upload("cuda", dst, bytes)) return;
  make_current();
  // On the device's stream, so it is ordered with the kernels around it.
  check_cu(cuMemcpyHtoDAsync(ptr_of(dst), src, bytes, stream_), "cuMemcpyHtoDAsync");
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize (after an upload)");
}

void CudaDevice::download(void* dst, Buffer src, std::size_t bytes) {
  if (!check_download("cuda", src, bytes)) return;
  make_current();
  check_cu(cuMemcpyDtoHAsync(dst, ptr_of(src), bytes, stream_), "cuMemcpyDtoHAsync");
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize (after a download)");
}

void CudaDevice::fill_8(CUdeviceptr dst, std::size_t bytes, const void* pattern) {
  // No 64-bit memset in the Driver API (backends/fill_staging.h).
  const std::vector<unsigned char> staging = fill_staging(pattern, 8, bytes);
  check_cu(cuMemcpyHtoDAsync(dst, staging.data(), staging.size(), stream_), "cuMemcpyHtoDAsync (fill)");
  for_each_doubling_copy(staging.size(), bytes, [&](std::size_t offset, std::size_t n) {
    check_cu(cuMemcpyDtoDAsync(dst + offset, dst, n, stream_), "cuMemcpyDtoDAsync (fill)");
  });
  // The staging vector dies here; the copy from it must be complete.
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize (after a fill)");
}

void CudaDevice::fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) {
  if (!check_fill("cuda", dst, pattern_bytes)) return;
  pattern_bytes = narrowest_pattern_bytes(pattern, pattern_bytes);
  make_current();
  const CUdeviceptr p = ptr_of(dst);
  const std::size_t count = dst.bytes / pattern_bytes;
  switch (pattern_bytes) {
    case 1: {
      unsigned char v = 0;
      std::memcpy(&v, pattern, 1);
      check_cu(cuMemsetD8Async(p, v, count, stream_), "cuMemsetD8Async");
      break;
    }
    case 2: {
      unsigned short v = 0;
      std::memcpy(&v, pattern, 2);
      check_cu(cuMemsetD16Async(p, v, count, stream_), "cuMemsetD16Async");
      break;
    }
    case 4: {
      unsigned int v = 0;
      std::memcpy(&v, pattern, 4);
      check_cu(cuMemsetD32Async(p, v, count, stream_), "cuMemsetD32Async");
      break;
    }
    default:
      fill_8(p, dst.bytes, pattern);
      return;
  }
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize (after a fill)");
}

CUmodule CudaDevice::load_module(const std::string& key, const std::string& full_source,
                                 const std::vector<std::string>& options, const std::string& entry, bool& from_cache) {
  CUmodule module = nullptr;
  if (auto binary = cache_.load(key)) {
    // A stale or foreign binary is not fatal: compiling from source always works.
    if (cuModuleLoadData(&module, binary->data()) == CUDA_SUCCESS) {
      from_cache = true;
      return module;
    }
  }
  const NvrtcOutput out = nvrtc_compile(full_source, entry + ".cu", options, target_.cubin);
  if (!out.ok) {
    throw BackendError(BackendError::Kind::compile_failed,
                       "cuda: compiling kernel '" + entry + "' for " + target_.arch + " failed (NVRTC " +
                           info_.runtime_version + ")",
                       out.log);
  }
  const CUresult loaded = cuModuleLoadData(&module, out.binary.data());
  if (loaded != CUDA_SUCCESS) {
    // The driver's JIT (PTX) or loader rejected NVRTC's output: a compile problem, not a
    // device fault (e.g. PTX newer than the driver).
    throw BackendError(BackendError::Kind::compile_failed,
                       "cuda: " + cu_error_text("cuModuleLoadData(" + entry + ", " + target_.arch + ")", loaded),
                       out.log);
  }
  cache_.store(key, out.binary);
  from_cache = false;
  return module;
}

Kernel CudaDevice::compile(const std::string& source, const std::string& entry, const std::vector<Define>& defines) {
  const auto started = std::chrono::steady_clock::now();
  make_current();
  const std::string full_source = source_with_dialect(cuda_dialect_source(), source);
  const std::vector<std::string> options = nvrtc_options(target_, defines);
  // The options hold the target architecture.
  const std::string key = kernel_cache_key("cuda", full_source, defines, join_options(options), info_);

  auto it = modules_.find(key);
  if (it == modules_.end()) {
    bool from_cache = false;
    CUmodule module = load_module(key, full_source, options, entry, from_cache);
    try {
      it = modules_.emplace(key, LoadedModule{module, from_cache}).first;
    } catch (...) {
      cuModuleUnload(module);
      throw;
    }
  }
  CUfunction function = nullptr;
  const CUresult found = cuModuleGetFunction(&function, it->second.module, entry.c_str());
  if (found == CUDA_ERROR_NOT_FOUND) {
    throw BackendError(BackendError::Kind::compile_failed, "cuda: the module has no kernel named '" + entry + "'",
                       "entry points must be declared KERNEL (extern \"C\" __global__) to be found by name");
  }
  check_cu(found, "cuModuleGetFunction(" + entry + ")");

  Kernel out;
  out.handle = function;
  out.name = entry;
  out.from_cache = it->second.from_cache;
  out.compile_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

const std::vector<std::size_t>& CudaDevice::param_sizes(CUfunction function) {
  auto it = param_sizes_.find(function);
  if (it != param_sizes_.end()) return it->second;
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0;; ++i) {
    std::size_t offset = 0, size = 0;
    const CUresult r = cuFuncGetParamInfo(function, i, &offset, &size);
    if (r == CUDA_ERROR_INVALID_VALUE) break;  // past the last parameter
    if (r != CUDA_SUCCESS) {
      sizes.clear();  // the driver cannot tell: no check
      break;
    }
    sizes.push_back(size);
  }
  return param_sizes_.emplace(function, std::move(sizes)).first->second;
}

void CudaDevice::launch(const Kernel& kernel, Dim3 grid, Dim3 block, std::size_t shared_bytes,
                        const std::vector<KernelArg>& args) {
  const auto function = static_cast<CUfunction>(kernel.handle);
  if (function == nullptr) throw device_error(BackendError::Kind::generic, "launch of a kernel that was never compiled");
  make_current();

  // The driver knows the parameter sizes; an empty list means it cannot tell: no check.
  const std::vector<std::size_t>& expected = param_sizes(function);
  if (!expected.empty()) check_launch_args("cuda", kernel.name, expected, args);
  std::vector<ArgSlot> slots;
  slots.reserve(args.size());
  for (const KernelArg& a : args) slots.push_back(marshal(a));
  std::vector<void*> pointers(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) pointers[i] = slots[i].bytes;

  if (shared_bytes > info_.local_mem_bytes) {
    if (shared_bytes > static_cast<std::size_t>(shared_optin_bytes_)) {
      throw device_error(BackendError::Kind::unsupported,
                         "kernel '" + kernel.name + "' asks for " + std::to_string(shared_bytes) +
                             " bytes of dynamic shared memory; the device allows " +
                             std::to_string(shared_optin_bytes_) + " per block");
    }
    check_cu(cuFuncSetAttribute(function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                static_cast<int>(shared_bytes)),
             "cuFuncSetAttribute(" + kernel.name + ", MAX_DYNAMIC_SHARED_SIZE_BYTES)");
  }

  const CUresult r = cuLaunchKernel(
      function, launch_dim(grid.x, kernel.name, "grid x"), launch_dim(grid.y, kernel.name, "grid y"),
      launch_dim(grid.z, kernel.name, "grid z"), launch_dim(block.x, kernel.name, "block x"),
      launch_dim(block.y, kernel.name, "block y"), launch_dim(block.z, kernel.name, "block z"),
      static_cast<unsigned int>(shared_bytes), stream_, pointers.data(), nullptr);
  if (r != CUDA_SUCCESS) check_cu(r, "cuLaunchKernel(" + kernel.name + ")");
}

void CudaDevice::synchronize() {
  make_current();
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize");
}

void CudaDevice::timer_begin() {
  make_current();
  check_cu(cuEventRecord(timer_start_, stream_), "cuEventRecord(timer start)");
  timing_ = true;
}

double CudaDevice::timer_end() {
  if (!timing_) throw device_error(BackendError::Kind::generic, "timer_end without timer_begin");
  timing_ = false;
  make_current();
  check_cu(cuEventRecord(timer_stop_, stream_), "cuEventRecord(timer stop)");
  check_cu(cuEventSynchronize(timer_stop_), "cuEventSynchronize(timer stop)");
  float ms = 0;
  check_cu(cuEventElapsedTime(&ms, timer_start_, timer_stop_), "cuEventElapsedTime");
  return static_cast<double>(ms) * 1e-3;
}

void CudaDevice::flush_cache() {
  make_current();
  if (flush_buffer_ == 0) {
    std::uint64_t bytes = std::max<std::uint64_t>(2 * info_.last_level_cache_bytes, kMinFlushBytes);
    bytes &= ~std::uint64_t{3};  // whole 4-byte words
    flush_buffer_ = allocate(static_cast<std::size_t>(bytes), "the cache flush");
    flush_bytes_ = static_cast<std::size_t>(bytes);
  }
  // A new value each time, so no level of the hierarchy can treat the writes as no-ops.
  ++flush_round_;
  const unsigned int pattern = 0x5a5a5a5au ^ (flush_round_ * 2654435761u);
  check_cu(cuMemsetD32Async(flush_buffer_, pattern, flush_bytes_ / 4, stream_), "cuMemsetD32Async (cache flush)");
  check_cu(cuStreamSynchronize(stream_), "cuStreamSynchronize (cache flush)");
}

DeviceState CudaDevice::sample_state() { return nvml_.sample(); }

std::string CudaDevice::vendor_library() const { return blas_ ? blas_->library_name() : std::string(); }

std::optional<std::string> CudaDevice::vendor_gemm_can_implement(const GemmProblem& p) const {
  if (!blas_) return "cuBLAS is unavailable: " + blas_error_;
  return blas_->can_implement(p);
}

void CudaDevice::vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) {
  if (auto why = vendor_gemm_can_implement(p)) throw device_error(BackendError::Kind::unsupported, "vendor gemm: " + *why);
  check_gemm_buffers("cuda", p, a, b, c, gemm_input_bytes(p.dtype), gemm_output_bytes(p.dtype));
  make_current();
  blas_->run(p, ptr_of(a), ptr_of(b), ptr_of(c));
}

std::string CudaDevice::vendor_attention_library() const {
  make_current();
  return sdpa_->library_name();
}

std::optional<std::string> CudaDevice::vendor_attention_can_implement(const AttentionProblem& p) const {
  make_current();
  return sdpa_->can_implement(p);
}

void CudaDevice::vendor_attention(const AttentionProblem& p, Buffer q, Buffer k, Buffer v, Buffer o) {
  if (auto why = vendor_attention_can_implement(p)) {
    throw device_error(BackendError::Kind::unsupported, "vendor attention: " + *why);
  }
  // fp16 / bf16 only (can_implement): 2 bytes per element. The counts fit (checked there).
  const struct {
    const Buffer& buffer;
    sdpa::TensorLayout layout;
    const char* name;
  } operands[] = {{q, sdpa::q_layout(p), "q"}, {k, sdpa::v_layout(p), "k"}, {v, sdpa::v_layout(p), "v"},
                  {o, sdpa::o_layout(p), "o"}};
  for (const auto& op : operands) {
    const auto bytes = static_cast<std::size_t>(*sdpa::element_count(op.layout)) * 2;
    if (op.buffer.handle == nullptr || op.buffer.bytes < bytes) {
      throw device_error(BackendError::Kind::generic, std::string("vendor attention: buffer ") + op.name + " holds " +
                                                          std::to_string(op.buffer.bytes) + " bytes, needs " +
                                                          std::to_string(bytes));
    }
  }
  make_current();
  sdpa_->run(p, ptr_of(q), ptr_of(k), ptr_of(v), ptr_of(o));
}

}  // namespace suanli::cuda
