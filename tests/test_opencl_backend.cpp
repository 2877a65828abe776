// The OpenCL backend plugin, loaded the way a worker loads it (dlopen), on PoCL in CI.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace fs = std::filesystem;
using namespace suanli;

namespace {

// Loaded once per process and never unloaded: unloading LLVM-based runtimes (PoCL) while
// their static objects are alive is a known source of exit-time crashes.
Backend& backend() {
  static Backend* const instance = [] {
    const std::string path = std::string(SUANLI_TEST_PLUGIN_DIR) + "/libsuanli-opencl.so";
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
    auto abi = reinterpret_cast<suanli_backend_abi_version_fn>(::dlsym(handle, "suanli_backend_abi_version"));
    auto create = reinterpret_cast<suanli_create_backend_fn>(::dlsym(handle, "suanli_create_backend"));
    if (abi == nullptr || create == nullptr) throw std::runtime_error("plugin lacks the entry points");
    if (abi() != kBackendAbiVersion) throw std::runtime_error("plugin ABI version mismatch");
    Backend* b = create();
    if (b == nullptr) throw std::runtime_error("suanli_create_backend returned null");
    return b;
  }();
  return *instance;
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "suanli-opencl-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Kernels in the portable dialect: only KERNEL/GLOBAL/LOCAL/... and the index macros.
// OFFSET comes in as a define; block_sum takes the dynamic local buffer as its last argument.
constexpr const char* kDialectSource = R"CL(
KERNEL void saxpy(GLOBAL const float* RESTRICT x, GLOBAL float* RESTRICT y, float a, int n) {
  const int i = group_id(0) * local_size(0) + local_id(0);
  if (i < n) y[i] = a * x[i] + y[i] + OFFSET;
}

KERNEL void block_sum(GLOBAL const float* x, GLOBAL float* out, LOCAL float* scratch) {
  const int t = local_id(0);
  scratch[t] = x[group_id(0) * local_size(0) + t];
  BARRIER();
  if (t == 0) {
    float s = 0.0f;
    for (int j = 0; j < local_size(0); ++j) s += scratch[j];
    out[group_id(0)] = s;
  }
}

KERNEL void grid_2d(GLOBAL int* out) {
  const int row = group_id(1) * local_size(1) + local_id(1);
  const int col = group_id(0) * local_size(0) + local_id(0);
  out[row * num_groups(0) * local_size(0) + col] = row * 1000 + col;
}

#ifdef SUANLI_HAS_FP64
KERNEL void scalar_args(GLOBAL double* out, long a, uint b, double c, int d) {
  out[0] = (double)a + (double)b + c + (double)d;
}
#endif
)CL";

std::unique_ptr<Device> open_first() { return backend().open(0); }

Kernel compile_saxpy(Device& dev, const std::string& offset = "0.5f") {
  return dev.compile(kDialectSource, "saxpy", {{"OFFSET", offset}});
}

// Runs saxpy (a = 2) on n elements and checks y = 2x + y + offset.
void run_and_check_saxpy(Device& dev, const Kernel& k, float offset) {
  constexpr int n = 1000;
  std::vector<float> x(n), y(n);
  for (int i = 0; i < n; ++i) {
    x[static_cast<std::size_t>(i)] = static_cast<float>(i) * 0.25f;
    y[static_cast<std::size_t>(i)] = 3.0f - static_cast<float>(i);
  }
  Buffer bx = dev.alloc(n * sizeof(float)), by = dev.alloc(n * sizeof(float));
  dev.upload(bx, x.data(), bx.bytes);
  dev.upload(by, y.data(), by.bytes);
  dev.launch(k, Dim3{16, 1, 1}, Dim3{64, 1, 1}, 0,
             {KernelArg::buf(bx), KernelArg::buf(by), KernelArg::f32(2.0f), KernelArg::i32(n)});
  std::vector<float> out(n);
  dev.download(out.data(), by, by.bytes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    ASSERT_FLOAT_EQ(out[i], 2.0f * x[i] + y[i] + offset) << "at " << i;
  }
  dev.free(bx);
  dev.free(by);
}

}  // namespace

TEST(OpenClBackend, EnumeratesThePoclDevice) {
  EXPECT_EQ(backend().name(), "opencl");
  const std::vector<DeviceListing> devices = backend().devices();
  ASSERT_FALSE(devices.empty());
  for (std::size_t i = 0; i < devices.size(); ++i) EXPECT_EQ(devices[i].index, static_cast<int>(i));

  const DeviceListing* pocl = nullptr;
  for (const DeviceListing& d : devices) {
    if (d.info.runtime_version.find("PoCL") != std::string::npos) pocl = &d;
  }
  ASSERT_NE(pocl, nullptr) << "CI runs on PoCL (scripts/setup.sh installs it)";
  const DeviceInfo& info = pocl->info;
  EXPECT_EQ(info.type, DeviceType::cpu);
  EXPECT_FALSE(info.name.empty());
  EXPECT_FALSE(info.vendor.empty());
  EXPECT_FALSE(info.driver_version.empty());
  // PoCL names its CPU devices "pthread-<cpu>-<model>": the arch comes from the HSTR tail.
  EXPECT_FALSE(info.arch.empty());
  EXPECT_EQ(info.arch.find("HSTR"), std::string::npos) << info.arch;
  EXPECT_EQ(info.arch.find("linux"), std::string::npos) << info.arch;
  EXPECT_NE(info.name.find("-" + info.arch + "-"), std::string::npos) << info.name << " / " << info.arch;
  EXPECT_NE(info.compiler_version.find("OpenCL C"), std::string::npos) << info.compiler_version;
  EXPECT_NE(info.compiler_version.find(info.runtime_version), std::string::npos);
  EXPECT_GT(info.compute_units, 0);
  EXPECT_GT(info.max_clock_mhz, 0);
  EXPECT_GT(info.global_mem_bytes, 0u);
  EXPECT_GT(info.max_alloc_bytes, 0u);
  EXPECT_LE(info.max_alloc_bytes, info.global_mem_bytes);
  EXPECT_GE(info.last_level_cache_bytes, 256u * 1024) << "CPU devices take the largest sysfs cache level";
  EXPECT_GT(info.local_mem_bytes, 0u);
  EXPECT_GT(info.max_work_group_size, 0);
  EXPECT_GT(info.native_vector_width_fp32, 0);
  ASSERT_FALSE(info.extensions.empty());
  const auto has_ext = [&](const char* e) {
    return std::find(info.extensions.begin(), info.extensions.end(), e) != info.extensions.end();
  };
  EXPECT_EQ(info.has_fp16, has_ext("cl_khr_fp16"));
  if (has_ext("cl_khr_fp64")) {
    EXPECT_TRUE(info.has_fp64);
    EXPECT_GT(info.native_vector_width_fp64, 0);
  }
}

TEST(OpenClBackend, OpenRejectsAnUnknownIndex) {
  const int count = static_cast<int>(backend().devices().size());
  try {
    backend().open(count);
    FAIL() << "open(" << count << ") should throw";
  } catch (const BackendError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(count)), std::string::npos) << e.what();
  }
  EXPECT_THROW(backend().open(-1), BackendError);
}

TEST(OpenClBackend, UploadDownloadRoundTrip) {
  auto dev = open_first();
  const std::size_t bytes = 1024 * 1024 + 3;
  std::vector<unsigned char> data(bytes);
  std::mt19937 rng(42);
  for (auto& b : data) b = static_cast<unsigned char>(rng());
  Buffer buf = dev->alloc(bytes);
  EXPECT_EQ(buf.bytes, bytes);
  ASSERT_NE(buf.handle, nullptr);
  dev->upload(buf, data.data(), bytes);
  std::vector<unsigned char> back(bytes, 0);
  dev->download(back.data(), buf, bytes);
  EXPECT_EQ(back, data);

  std::vector<unsigned char> head(100, 0);  // partial download
  dev->download(head.data(), buf, head.size());
  EXPECT_TRUE(std::equal(head.begin(), head.end(), data.begin()));

  EXPECT_THROW(dev->upload(buf, data.data(), bytes + 1), BackendError);
  dev->free(buf);
  dev->free(buf);       // a second free is ignored
  dev->free(Buffer{});  // and so is an empty buffer
  EXPECT_EQ(dev->alloc(0).handle, nullptr);
}

TEST(OpenClBackend, FillWritesNanPatterns) {
  auto dev = open_first();
  constexpr std::size_t kBytes = 4096;
  Buffer buf = dev->alloc(kBytes);

  const std::uint32_t nan32 = 0x7fc00001u;  // a quiet NaN with a payload
  dev->fill(buf, &nan32, sizeof nan32);
  std::vector<std::uint32_t> words(kBytes / 4);
  dev->download(words.data(), buf, kBytes);
  for (std::uint32_t w : words) {
    ASSERT_EQ(w, nan32);
    float f;
    std::memcpy(&f, &w, sizeof f);
    ASSERT_TRUE(std::isnan(f));
  }

  const std::uint64_t nan64 = 0x7ff8000000000abcull;
  dev->fill(buf, &nan64, sizeof nan64);
  std::vector<double> doubles(kBytes / 8);
  dev->download(doubles.data(), buf, kBytes);
  for (double d : doubles) {
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    ASSERT_EQ(bits, nan64);
  }

  const std::uint16_t nan16 = 0x7e00;  // fp16 / bf16-style poison
  dev->fill(buf, &nan16, sizeof nan16);
  std::vector<std::uint16_t> halves(kBytes / 2);
  dev->download(halves.data(), buf, kBytes);
  for (std::uint16_t h : halves) ASSERT_EQ(h, nan16);

  const unsigned char byte = 0xab;
  dev->fill(buf, &byte, 1);
  std::vector<unsigned char> bytes(kBytes);
  dev->download(bytes.data(), buf, kBytes);
  for (unsigned char b : bytes) ASSERT_EQ(b, 0xab);

  const unsigned char three[3] = {1, 2, 3};
  EXPECT_THROW(dev->fill(buf, three, 3), BackendError);
}

TEST(OpenClBackend, AllocBeyondTheDeviceIsOutOfMemory) {
  auto dev = open_first();
  const std::uint64_t limit = dev->info().max_alloc_bytes;
  try {
    dev->alloc(static_cast<std::size_t>(limit + 1));
    FAIL() << "alloc beyond CL_DEVICE_MAX_MEM_ALLOC_SIZE should throw";
  } catch (const BackendError& e) {  // also proves the type matches across the dlopen boundary
    EXPECT_EQ(e.kind, BackendError::Kind::out_of_memory);
    EXPECT_NE(std::string(e.what()).find(std::to_string(limit)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(limit + 1)), std::string::npos) << e.what();
  }
}

TEST(OpenClBackend, CompilesAndLaunchesDialectKernels) {
  ScopedEnv no_cache("SUANLI_CACHE_DIR", "off");
  auto dev = open_first();
  const Kernel saxpy = compile_saxpy(*dev);
  EXPECT_EQ(saxpy.name, "saxpy");
  EXPECT_FALSE(saxpy.from_cache);
  EXPECT_GT(saxpy.compile_seconds, 0.0);
  run_and_check_saxpy(*dev, saxpy, 0.5f);

  // Dynamic local memory: shared_bytes becomes the kernel's last argument.
  const Kernel block_sum = dev->compile(kDialectSource, "block_sum", {{"OFFSET", "0.5f"}});
  constexpr int kGroups = 8, kBlock = 32;
  std::vector<float> x(kGroups * kBlock);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) + 0.5f;
  Buffer bx = dev->alloc(x.size() * sizeof(float)), bout = dev->alloc(kGroups * sizeof(float));
  dev->upload(bx, x.data(), bx.bytes);
  dev->launch(block_sum, Dim3{kGroups, 1, 1}, Dim3{kBlock, 1, 1}, kBlock * sizeof(float),
              {KernelArg::buf(bx), KernelArg::buf(bout)});
  std::vector<float> sums(kGroups);
  dev->download(sums.data(), bout, bout.bytes);
  for (int g = 0; g < kGroups; ++g) {
    float expect = 0;
    for (int t = 0; t < kBlock; ++t) expect += x[static_cast<std::size_t>(g * kBlock + t)];
    EXPECT_FLOAT_EQ(sums[static_cast<std::size_t>(g)], expect) << "group " << g;
  }

  // A 2-D grid: grid counts work-groups, block is the work-group size.
  const Kernel grid_2d = dev->compile(kDialectSource, "grid_2d", {{"OFFSET", "0.5f"}});
  constexpr std::size_t kCols = 3 * 4, kRows = 2 * 5;
  Buffer bgrid = dev->alloc(kCols * kRows * sizeof(int));
  dev->launch(grid_2d, Dim3{3, 2, 1}, Dim3{4, 5, 1}, 0, {KernelArg::buf(bgrid)});
  std::vector<int> cells(kCols * kRows);
  dev->download(cells.data(), bgrid, bgrid.bytes);
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t c = 0; c < kCols; ++c) EXPECT_EQ(cells[r * kCols + c], static_cast<int>(r * 1000 + c));
  }

  // Every scalar kind arrives with its exact size.
  if (dev->info().has_fp64) {
    const Kernel scalars = dev->compile(kDialectSource, "scalar_args", {{"OFFSET", "0.5f"}});
    Buffer bd = dev->alloc(sizeof(double));
    dev->launch(scalars, Dim3{}, Dim3{}, 0,
                {KernelArg::buf(bd), KernelArg::i64(5'000'000'000LL), KernelArg::u32(4'000'000'000u),
                 KernelArg::f64(0.125), KernelArg::i32(-7)});
    double result = 0;
    dev->download(&result, bd, sizeof result);
    EXPECT_DOUBLE_EQ(result, 5e9 + 4e9 + 0.125 - 7);
  }

  // A launch whose arguments do not match the kernel is refused before it runs.
  EXPECT_THROW(dev->launch(saxpy, Dim3{1, 1, 1}, Dim3{1, 1, 1}, 0, {KernelArg::buf(bx)}), BackendError);
  EXPECT_THROW(dev->launch(Kernel{}, Dim3{}, Dim3{}, 0, {}), BackendError);
}

TEST(OpenClBackend, CompileErrorCarriesTheLog) {
  ScopedEnv no_cache("SUANLI_CACHE_DIR", "off");
  auto dev = open_first();
  const std::string broken =
      "KERNEL void broken(GLOBAL float* x) {\n"
      "  const int i = local_id(0);\n"
      "  x[i] = undefined_name;\n"
      "}\n";
  try {
    dev->compile(broken, "broken", {});
    FAIL() << "compile should fail";
  } catch (const BackendError& e) {
    EXPECT_EQ(e.kind, BackendError::Kind::compile_failed);
    const std::string what = e.what();
    EXPECT_NE(what.find("broken"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "the message is one line: " << what;
    EXPECT_NE(e.log.find("undefined_name"), std::string::npos) << e.log;
    // "#line 1" before the caller's source keeps the caller's line numbers.
    EXPECT_NE(e.log.find(":3:"), std::string::npos) << e.log;
  }

  try {
    dev->compile("KERNEL void present(GLOBAL float* x) { x[0] = 1.0f; }", "absent", {});
    FAIL() << "a missing entry point should fail";
  } catch (const BackendError& e) {
    EXPECT_EQ(e.kind, BackendError::Kind::compile_failed);
    EXPECT_NE(std::string(e.what()).find("absent"), std::string::npos) << e.what();
    EXPECT_NE(e.log.find("present"), std::string::npos) << e.log;
  }

  EXPECT_THROW(dev->compile(kDialectSource, "saxpy", {{"OFFSET", "0.5f + 1"}}), BackendError);
  EXPECT_THROW(dev->compile(kDialectSource, "saxpy", {{"1BAD", "0"}}), BackendError);
}

TEST(OpenClBackend, CompileCacheHitsAcrossDevices) {
  TempDir dir;
  ScopedEnv cache("SUANLI_CACHE_DIR", dir.path().string());

  {
    auto first = open_first();
    const Kernel k = compile_saxpy(*first);
    EXPECT_FALSE(k.from_cache);
  }
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);

  auto second = open_first();
  const Kernel hit = compile_saxpy(*second);
  EXPECT_TRUE(hit.from_cache);
  run_and_check_saxpy(*second, hit, 0.5f);  // the cached binary really runs

  const Kernel other_defines = compile_saxpy(*second, "1.5f");
  EXPECT_FALSE(other_defines.from_cache);
  run_and_check_saxpy(*second, other_defines, 1.5f);
}

TEST(OpenClBackend, TimerMeasuresLaunches) {
  ScopedEnv no_cache("SUANLI_CACHE_DIR", "off");
  auto dev = open_first();
  EXPECT_THROW(dev->timer_end(), BackendError);  // never begun
  dev->timer_begin();
  EXPECT_THROW(dev->timer_end(), BackendError);  // nothing enqueued

  const Kernel k = compile_saxpy(*dev);
  constexpr int n = 1 << 16;
  Buffer x = dev->alloc(n * sizeof(float)), y = dev->alloc(n * sizeof(float));
  const float zero = 0.0f;
  dev->fill(x, &zero, sizeof zero);
  dev->fill(y, &zero, sizeof zero);
  const std::vector<KernelArg> args = {KernelArg::buf(x), KernelArg::buf(y), KernelArg::f32(1.0f),
                                       KernelArg::i32(n)};
  dev->timer_begin();
  for (int i = 0; i < 3; ++i) dev->launch(k, Dim3{n / 256, 1, 1}, Dim3{256, 1, 1}, 0, args);
  const double seconds = dev->timer_end();
  EXPECT_GT(seconds, 0.0);
  EXPECT_LT(seconds, 10.0);

  // flush_cache runs outside timing and leaves the data alone.
  dev->flush_cache();
  dev->flush_cache();
  std::vector<float> out(n);
  dev->download(out.data(), y, y.bytes);
  EXPECT_FLOAT_EQ(out[0], 1.5f);  // 3 launches of y += 0.5
  EXPECT_FLOAT_EQ(out[n - 1], 1.5f);
}

TEST(OpenClBackend, SampleStateReportsTheCpuClock) {
  auto dev = open_first();
  DeviceState state;
  EXPECT_NO_THROW(state = dev->sample_state());
  if (dev->info().type == DeviceType::cpu && fs::exists("/proc/cpuinfo")) {
    ASSERT_TRUE(state.sm_clock_mhz.has_value());
    EXPECT_GT(*state.sm_clock_mhz, 1.0);
  }
  EXPECT_FALSE(state.temperature_c.has_value());
  EXPECT_FALSE(state.power_w.has_value());
}

TEST(OpenClBackend, VendorGemmCanImplement) {
  auto dev = open_first();
  const std::string lib = dev->vendor_library();
  GemmProblem p;
  p.m = p.n = p.k = 64;
  p.dtype = DType::fp32;
  if (lib.empty()) {  // built without CLBlast: every dtype is refused, with the reason
    const auto why = dev->vendor_gemm_can_implement(p);
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("CLBlast"), std::string::npos) << *why;
    try {
      dev->vendor_gemm(p, Buffer{}, Buffer{}, Buffer{});
      FAIL() << "vendor gemm without CLBlast should be refused";
    } catch (const BackendError& e) {
      EXPECT_EQ(e.kind, BackendError::Kind::unsupported);
    }
    return;
  }
  EXPECT_EQ(lib.rfind("clblast ", 0), 0u) << lib;
  EXPECT_GT(lib.size(), std::string("clblast ").size());

  EXPECT_FALSE(dev->vendor_gemm_can_implement(p).has_value());
  p.dtype = DType::fp64;
  EXPECT_EQ(dev->vendor_gemm_can_implement(p).has_value(), !dev->info().has_fp64);
  p.dtype = DType::fp16;
  const auto fp16 = dev->vendor_gemm_can_implement(p);
  EXPECT_EQ(fp16.has_value(), !dev->info().has_fp16);
  if (fp16) {
    EXPECT_NE(fp16->find("fp16"), std::string::npos) << *fp16;
  }
  for (DType t : {DType::int8, DType::bf16, DType::tf32, DType::fp8_e4m3}) {
    p.dtype = t;
    const auto why = dev->vendor_gemm_can_implement(p);
    ASSERT_TRUE(why.has_value());
    EXPECT_FALSE(why->empty());
  }
  p.dtype = DType::int8;
  EXPECT_NE(dev->vendor_gemm_can_implement(p)->find("int8"), std::string::npos);
  try {
    dev->vendor_gemm(p, Buffer{}, Buffer{}, Buffer{});
    FAIL() << "int8 vendor gemm should be refused";
  } catch (const BackendError& e) {
    EXPECT_EQ(e.kind, BackendError::Kind::unsupported);
  }
}

TEST(OpenClBackend, VendorGemmMatchesAHostReference) {
  auto dev = open_first();
  if (dev->vendor_library().empty()) GTEST_SKIP() << "built without CLBlast";
  GemmProblem p;
  p.dtype = DType::fp32;
  p.m = 17;
  p.n = 33;
  p.k = 65;
  p.alpha = 1.5;
  p.beta = -0.5;
  const auto m = static_cast<std::size_t>(p.m), n = static_cast<std::size_t>(p.n),
             k = static_cast<std::size_t>(p.k);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(m * k), b(k * n), c(m * n);
  for (auto* v : {&a, &b, &c}) {
    for (float& x : *v) x = dist(rng);
  }
  Buffer ba = dev->alloc(a.size() * 4), bb = dev->alloc(b.size() * 4), bc = dev->alloc(c.size() * 4);
  dev->upload(ba, a.data(), ba.bytes);
  dev->upload(bb, b.data(), bb.bytes);
  dev->upload(bc, c.data(), bc.bytes);

  dev->timer_begin();
  dev->vendor_gemm(p, ba, bb, bc);
  const double seconds = dev->timer_end();
  EXPECT_GT(seconds, 0.0);

  std::vector<float> out(m * n);
  dev->download(out.data(), bc, bc.bytes);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double ref = 0, magnitude = 0;
      for (std::size_t l = 0; l < k; ++l) {  // row-major: A is m x k, B is k x n
        ref += static_cast<double>(a[i * k + l]) * b[l * n + j];
        magnitude += std::fabs(static_cast<double>(a[i * k + l]) * b[l * n + j]);
      }
      ref = p.alpha * ref + p.beta * c[i * n + j];
      const double tol = 1e-5 * (std::fabs(p.alpha) * magnitude + std::fabs(p.beta * c[i * n + j])) + 1e-6;
      ASSERT_NEAR(out[i * n + j], ref, tol) << "C(" << i << ", " << j << ")";
    }
  }

  p.m = 1000;  // larger than the buffers
  EXPECT_THROW(dev->vendor_gemm(p, ba, bb, bc), BackendError);
}

// No ICD at all must be a clear BackendError, not a crash or an empty list. The ICD loader
// reads its vendor list once per process, so this runs in a child with OCL_ICD_VENDORS
// pointing at an empty directory.
TEST(OpenClBackend, NoIcdIsAClearError) {
  if (std::getenv("SUANLI_TEST_NO_ICD_CHILD") != nullptr) {
    try {
      backend().devices();
      FAIL() << "devices() should throw without any ICD";
    } catch (const BackendError& e) {
      EXPECT_NE(std::string(e.what()).find("no OpenCL platform"), std::string::npos) << e.what();
    }
    return;
  }
  TempDir empty;
  char self[4096] = {};
  const ssize_t len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(len, 0);
  const std::string command = "OCL_ICD_VENDORS='" + empty.path().string() +
                              "' SUANLI_TEST_NO_ICD_CHILD=1 '" + std::string(self) +
                              "' --gtest_filter=OpenClBackend.NoIcdIsAClearError >/dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}
