// The one interface every backend plugin implements (DESIGN.md: "Backends are plugins").
//
// A plugin is a shared library (libsuanli-<name>.so) that exports two C symbols:
//   int              suanli_backend_abi_version();   // must equal kBackendAbiVersion
//   suanli::Backend* suanli_create_backend();         // owned by the caller (delete)
// It is dlopen'ed only inside a worker process (one per backend and device), so a
// plugin may abort or hang without taking the run down.
//
// The interface owns no workload knowledge: workloads (harness/) hand it kernel source,
// defines and launch geometry, and read back buffers. No vendor header appears here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace suanli {

// Bumped whenever a virtual signature or a struct below changes layout; the loader
// refuses a plugin built against another version rather than crashing in it.
constexpr int kBackendAbiVersion = 7;  // 7: DeviceState::energy_j; 6: KernelArg::tensor_map_2d (TMA descriptors); 5: DeviceInfo power limit / max SM clock / ECC, DeviceState::throttled

enum class DType { fp64, fp32, tf32, fp16, bf16, fp8_e4m3, int8 };

// Thrown by every backend call that fails. `kind` lets the harness tell a case that
// cannot run (out of memory, unsupported) from a real fault.
struct BackendError : std::runtime_error {
  enum class Kind { generic, out_of_memory, compile_failed, unsupported };
  Kind kind;
  std::string log;  // e.g. the compiler log for compile_failed
  BackendError(Kind k, const std::string& what, std::string log_text = {})
      : std::runtime_error(what), kind(k), log(std::move(log_text)) {}
};

enum class DeviceType { cpu, gpu, accelerator, other };

struct DeviceInfo {
  std::string name;             // as the runtime reports it, e.g. "NVIDIA H200"
  std::string vendor;           // e.g. "NVIDIA Corporation", "GenuineIntel"
  std::string arch;             // e.g. "sm_90a", "gfx906", "skylake-avx512"
  DeviceType type = DeviceType::other;
  std::string driver_version;
  std::string runtime_version;   // platform / runtime version string
  std::string compiler_version;  // the kernel compiler (OpenCL C version, NVRTC, hiprtc)
  int compute_units = 0;
  int max_clock_mhz = 0;
  std::uint64_t global_mem_bytes = 0;
  std::uint64_t max_alloc_bytes = 0;
  std::uint64_t last_level_cache_bytes = 0;  // 0 = unknown
  std::uint64_t local_mem_bytes = 0;
  int max_work_group_size = 0;
  int native_vector_width_fp32 = 0;  // SIMD lanes the compiler targets (CPU peak)
  int native_vector_width_fp64 = 0;
  bool has_fp64 = false;
  bool has_fp16 = false;
  std::vector<std::string> extensions;
  // From the management library (NVML, ROCm SMI) where the backend has one; nullopt =
  // unknown, never an error. Provenance: a result is read a year later next to these.
  std::optional<double> power_limit_w;     // the enforced board power limit
  std::optional<int> max_sm_clock_mhz;     // the highest SM / engine clock the device allows
  std::optional<bool> ecc_enabled;         // ECC mode currently in effect
};

// A device-state sample; every field is optional because most runtimes expose only
// part of it ("unknown" is a valid answer, an error is not).
struct DeviceState {
  std::optional<double> sm_clock_mhz;
  std::optional<double> mem_clock_mhz;
  std::optional<double> temperature_c;
  std::optional<double> power_w;
  // The board's cumulative energy counter in joules (origin arbitrary, never decreasing):
  // NVML's total energy consumption (Volta and later), ROCm SMI's energy count. The
  // harness takes differences over a timed loop; nullopt where the device has none.
  std::optional<double> energy_j;
  std::optional<std::string> throttle_reasons;  // empty string = none active
  // Whether a reason that holds the clocks below what the work would get is active: any
  // reason but an idle GPU or an application-clock setting (an administrator's choice,
  // not a slowdown). nullopt when the backend cannot read the reasons.
  std::optional<bool> throttled;
};

// Opaque device memory. Owned by the Device that allocated it.
struct Buffer {
  void* handle = nullptr;
  std::size_t bytes = 0;
};

struct Kernel {
  void* handle = nullptr;
  std::string name;
  bool from_cache = false;  // the binary came from the on-disk compile cache
  double compile_seconds = 0;
};

// A dense row-major 2-D tensor in device memory, described for a tensor-memory-accelerator
// copy (NVIDIA Hopper TMA: the CUDA backend encodes it with cuTensorMapEncodeTiled into the
// 128-byte CUtensorMap the kernel receives by value as a __grid_constant__
// parameter). Boxes that reach past the tensor read zeros. Other backends refuse the argument.
struct TensorMap2d {
  Buffer buffer{};
  int element_bytes = 2;            // 1, 2 or 4: the copy moves bits, the type does not matter
  std::uint64_t inner = 0;          // elements per row (contiguous)
  std::uint64_t outer = 0;          // rows; a row is inner * element_bytes bytes apart
  std::uint32_t box_inner = 0;      // elements of a row per copy
  std::uint32_t box_outer = 0;      // rows per copy (at most 256)
  int swizzle_bytes = 0;            // 0, 32, 64 or 128: the shared-memory swizzle span
};
constexpr std::size_t kTensorMapBytes = 128;  // sizeof(CUtensorMap)

struct KernelArg {
  enum class Kind { buffer, i32, u32, i64, f32, f64, tensor_map_2d } kind;
  Buffer buffer{};
  std::int64_t i = 0;
  double f = 0;
  TensorMap2d map{};
  static KernelArg buf(Buffer b) { KernelArg a{Kind::buffer}; a.buffer = b; return a; }
  static KernelArg i32(std::int32_t v) { KernelArg a{Kind::i32}; a.i = v; return a; }
  static KernelArg u32(std::uint32_t v) { KernelArg a{Kind::u32}; a.i = v; return a; }
  static KernelArg i64(std::int64_t v) { KernelArg a{Kind::i64}; a.i = v; return a; }
  static KernelArg f32(float v) { KernelArg a{Kind::f32}; a.f = v; return a; }
  static KernelArg f64(double v) { KernelArg a{Kind::f64}; a.f = v; return a; }
  static KernelArg tensor_map(TensorMap2d m) { KernelArg a{Kind::tensor_map_2d}; a.map = m; return a; }
};

struct Dim3 {
  std::size_t x = 1, y = 1, z = 1;
};

struct Define {
  std::string name;
  std::string value;
};

// Row-major C(m,n) = alpha * A(m,k) * B(k,n) + beta * C, for the vendor library tier.
// Element types: A and B are `dtype`; C is gemm_output_dtype(dtype): fp64 -> fp64,
// fp32/tf32 -> fp32, fp16 -> fp16, bf16 -> bf16, fp8_e4m3 -> fp32, int8 -> int32.
// tf32 means fp32 storage with the math units' tf32 rounding allowed.
struct GemmProblem {
  DType dtype = DType::fp32;
  std::int64_t m = 0, n = 0, k = 0;
  double alpha = 1, beta = 0;
  // B stored as (n, k) row-major instead of (k, n): the "TN" layout that fp8 and int8
  // matrix instructions (cuBLASLt, hipBLASLt) require. The harness asks for it when
  // vendor_gemm_can_implement refuses the plain layout with kNeedsTransposedB.
  bool b_transposed = false;
  // Independent GEMMs of this shape, packed back to back in each buffer (A: batch x m x k,
  // B: batch x k x n (or n x k), C: batch x m x n): the strided-batched call of every BLAS.
  // The unfused attention path runs one per (batch, kv-head). Backends refuse > 1 in
  // vendor_gemm_can_implement when their library call has no batched form wired.
  std::int64_t batch = 1;
};

// The reason string vendor_gemm_can_implement returns when the only problem is that B
// must be given transposed (GemmProblem::b_transposed).
constexpr const char* kNeedsTransposedB = "needs B transposed (TN layout)";

// Fused scaled-dot-product attention forward, for a vendor library that has one (cuDNN's
// SDPA). All tensors contiguous row-major, element type `dtype` (fp16, bf16, …):
//   q: (B, H, Sq, D)   k, v: (B, Hkv, Skv, D)   o: (B, H, Sq, D)
// O = softmax(Q·Kᵀ·scale [+ causal mask])·V; grouped-query when Hkv < H (query head h reads
// kv head h / (H / Hkv)); causal masks key j > i + (Skv - Sq) (bottom-right aligned).
struct AttentionProblem {
  DType dtype = DType::fp16;
  std::int64_t b = 1, h = 1, h_kv = 1, s_q = 1, s_kv = 1, d = 64;
  double scale = 0.125;
  bool causal = false;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;

  // Memory. alloc throws BackendError{out_of_memory} when the device cannot hold it.
  virtual Buffer alloc(std::size_t bytes) = 0;
  virtual void free(Buffer buffer) = 0;
  virtual void upload(Buffer dst, const void* src, std::size_t bytes) = 0;
  virtual void download(void* dst, Buffer src, std::size_t bytes) = 0;
  // Fills the buffer with a repeated byte pattern (1, 2, 4 or 8 bytes), e.g. NaN poison.
  virtual void fill(Buffer dst, const void* pattern, std::size_t pattern_bytes) = 0;

  // Compiles `source` (portable kernels arrive without the dialect; the backend prepends
  // its own) and returns the kernel `entry`. Cached on disk, keyed by source hash,
  // defines, device, driver and compiler version.
  virtual Kernel compile(const std::string& source, const std::string& entry,
                         const std::vector<Define>& defines) = 0;
  // grid = number of work-groups per dimension, block = work-group size (CUDA terms).
  virtual void launch(const Kernel& kernel, Dim3 grid, Dim3 block, std::size_t shared_bytes,
                      const std::vector<KernelArg>& args) = 0;
  virtual void synchronize() = 0;

  // Device-event timing: the kernels launched and vendor calls made between timer_begin
  // and timer_end are timed on the device (not uploads, downloads or fills); timer_end
  // waits for them and returns the elapsed seconds.
  virtual void timer_begin() = 0;
  virtual double timer_end() = 0;

  // Evicts the last-level cache (writes a buffer larger than it). Not timed.
  virtual void flush_cache() = 0;
  virtual DeviceState sample_state() = 0;

  // Vendor library tier. `name` is e.g. "clblast 1.5.3", "cublas 13.0".
  virtual std::string vendor_library() const = 0;  // "" when the backend has none
  // Empty optional = can implement; otherwise the reason it cannot.
  virtual std::optional<std::string> vendor_gemm_can_implement(const GemmProblem& p) const = 0;
  virtual void vendor_gemm(const GemmProblem& p, Buffer a, Buffer b, Buffer c) = 0;
  // Fused vendor attention. Backends without one keep these defaults; the harness then
  // builds the vendor tier's attention from vendor_gemm (the unfused path).
  virtual std::string vendor_attention_library() const { return ""; }
  virtual std::optional<std::string> vendor_attention_can_implement(const AttentionProblem& /*p*/) const {
    return std::string("no fused attention library on this backend");
  }
  virtual void vendor_attention(const AttentionProblem& /*p*/, Buffer /*q*/, Buffer /*k*/, Buffer /*v*/, Buffer /*o*/) {
    throw BackendError(BackendError::Kind::unsupported, "no fused attention library on this backend");
  }
};

struct DeviceListing {
  int index = 0;
  DeviceInfo info;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "opencl", "cuda", "hip"
  // Enumerates devices; throws BackendError when the runtime has none usable.
  virtual std::vector<DeviceListing> devices() = 0;
  virtual std::unique_ptr<Device> open(int index) = 0;
};

}  // namespace suanli

extern "C" {
using suanli_backend_abi_version_fn = int (*)();
using suanli_create_backend_fn = suanli::Backend* (*)();
}
