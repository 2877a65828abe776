// The HIP (MFMA) native kernels without a GPU: which devices gemm_mfma and peak_mfma take (and
// the reason when they do not: gfx906, Hygon's DCUs, another plugin), their table entries,
// launch geometry and compile variants, and the exact host replay of peak_mfma — accepting
// what the CDNA 32x32x8 layout says a wavefront computes, and catching a wrong accumulator,
// a lost trip and swapped fragment words.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/host_data.h"
#include "harness/native_gemm.h"
#include "harness/native_peak.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"
#include "tests/peak_simulation.h"

namespace suanli {
namespace {

template <typename Kernel>
const Kernel& named(const std::vector<Kernel>& table, const std::string& name) {
  for (const auto& k : table)
    if (k.name == name) return k;
  throw std::runtime_error(name + " is not in the native table");
}
const NativeGemmKernel& gemm_mfma() { return named(native_gemm_kernels(), "gemm_mfma"); }
const NativePeakKernel& peak_mfma() { return named(native_peak_kernels(), "peak_mfma"); }

using test::amd_gpu;

GemmShape shape(std::int64_t m, std::int64_t n, std::int64_t k) { return GemmShape{m, n, k, ""}; }

std::optional<std::string> gemm_why(const std::string& backend, const DeviceInfo& d, DType dtype = DType::fp16) {
  return native_gemm_can_implement(gemm_mfma(), backend, d, dtype, shape(100, 33, 65));
}
std::optional<std::string> peak_why(const std::string& backend, const DeviceInfo& d, DType dtype = DType::bf16) {
  return native_peak_can_implement(peak_mfma(), backend, d, dtype);
}

TEST(NativeMfma, CdnaArchsRunBothDtypes) {
  for (const std::string arch : {"gfx908", "gfx90a", "gfx942", "gfx90a:sramecc+:xnack-"}) {
    SCOPED_TRACE(arch);
    for (const DType dtype : {DType::fp16, DType::bf16}) {
      EXPECT_EQ(gemm_why("hip", amd_gpu(arch), dtype), std::nullopt);
      EXPECT_EQ(peak_why("hip", amd_gpu(arch), dtype), std::nullopt);
    }
  }
  std::string why;
  const auto choice = choose_native_gemm("hip", amd_gpu("gfx90a"), DType::bf16, shape(1, 1, 1), why);
  ASSERT_TRUE(choice.has_value()) << why;
  EXPECT_EQ(choice->kernel->name, "gemm_mfma");
  EXPECT_EQ(choose_native_peak("hip", amd_gpu("gfx942"), DType::fp16, why), &peak_mfma());
}

TEST(NativeMfma, ArchsWithoutMatrixCoresGetAReason) {
  const std::string needs = "gemm_mfma needs AMD matrix cores (MFMA: gfx908, gfx90a, gfx942); ";
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx906")), needs + "gfx906 (MI50 / Hygon Z100) has no MFMA");
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx906:sramecc-:xnack-")), needs + "gfx906 (MI50 / Hygon Z100) has no MFMA");
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx928")),
            needs + "Hygon gfx928: matrix instructions not supported by this compiler (hiprtc 5.2)");
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx926")),
            needs + "Hygon gfx926: matrix instructions not supported by this compiler (hiprtc 5.2)");
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx1100")), needs + "device arch is gfx1100");
  EXPECT_EQ(peak_why("hip", amd_gpu("gfx906")),
            "peak_mfma needs AMD matrix cores (MFMA: gfx908, gfx90a, gfx942); gfx906 (MI50 / Hygon Z100) has no MFMA");
  // The choice names only the HIP kernels' reasons: the CUDA kernels say nothing about an AMD
  // GPU. (fp16 on gfx906 is gemm_dot2's: tests/test_native_dot2.cpp.)
  std::string why;
  EXPECT_FALSE(choose_native_gemm("hip", amd_gpu("gfx1100"), DType::fp16, shape(64, 64, 64), why).has_value());
  EXPECT_EQ(why.rfind(needs + "device arch is gfx1100; gemm_dot2 needs", 0), 0u) << why;
}

TEST(NativeMfma, OtherPluginsAndDtypesGetAReason) {
  EXPECT_EQ(gemm_why("opencl", amd_gpu("gfx90a")), "no native hip kernel for this device (opencl backend, arch gfx90a)");
  EXPECT_EQ(peak_why("cuda", amd_gpu("sm_90a")), "no native hip kernel for this device (cuda backend, arch sm_90a)");
  EXPECT_EQ(gemm_why("hip", amd_gpu("gfx90a"), DType::fp32), "gemm_mfma has no fp32 variant (fp16, bf16 only)");
  EXPECT_EQ(peak_why("hip", amd_gpu("gfx90a"), DType::int8), "peak_mfma has no int8 variant (fp16, bf16 only)");
  DeviceInfo small = amd_gpu("gfx90a");
  small.max_work_group_size = 128;
  EXPECT_EQ(peak_why("hip", small), "peak_mfma needs 256 threads per block");
  EXPECT_EQ(gemm_why("hip", small), "gemm_mfma needs 256 threads per block");
}

TEST(NativeMfma, GemmGeometryMatchesTheKernel) {
  const NativeGemmKernel& k = gemm_mfma();
  EXPECT_EQ(native_gemm_threads(k), 256);  // 2 x 2 wavefronts of 64
  const Dim3 grid = native_gemm_grid(k, 129, 257);
  EXPECT_EQ(grid.x, 3u);
  EXPECT_EQ(grid.y, 2u);
  // 2 buffers x (128 + 128) rows x (32 + 4) 2-byte elements, as the kernel's comment says.
  EXPECT_EQ(native_gemm_shared_bytes(k), 36864u);
  EXPECT_NE(native_kernel_source(k.source).find("__builtin_amdgcn_mfma_f32_32x32x8f16"), std::string_view::npos);
}

TEST(NativeMfma, VariantsCompileForEveryArchWithTheirInstruction) {
  int found = 0;
  for (const NativeVariant& v : native_variants()) {
    // gfx906's: tests/test_native_dot2.cpp; attention_mfma's: tests/test_native_mfma_attention.cpp
    if (v.backend != "hip" || v.kernel == "gemm_dot2" || v.kernel == "attention_mfma") continue;
    ++found;
    SCOPED_TRACE(v.kernel + " " + v.dtype);
    EXPECT_EQ(v.archs, (std::vector<std::string>{"gfx908", "gfx90a", "gfx942"}));
    EXPECT_EQ(v.config, "default");
    const std::string mfma = v.dtype == "fp16" ? "v_mfma_f32_32x32x8f16" : "v_mfma_f32_32x32x8bf16_1k";
    EXPECT_EQ(native_required_instructions(v, "gfx90a"), std::vector<std::string>{mfma});
    EXPECT_EQ(native_required_instructions(v, "gfx908"),
              std::vector<std::string>{v.dtype == "fp16" ? mfma : "v_mfma_f32_32x32x4bf16"});
    const std::string prefix = v.kernel == "gemm_mfma" ? "GEMM_MFMA_" : "PEAK_MFMA_";
    for (const Define& d : v.defines)
      EXPECT_TRUE(d.name.rfind(prefix, 0) == 0 || d.name.rfind("SUANLI_DTYPE_", 0) == 0) << d.name;
  }
  EXPECT_EQ(found, 4);  // {gemm, peak} x {fp16, bf16}
}

TEST(NativeMfma, PeakEntryAndExactnessBound) {
  const NativePeakKernel& k = peak_mfma();
  EXPECT_EQ(k.flops_per_instruction, 2.0 * 32 * 32 * 8);
  EXPECT_EQ(k.wave_size, 64);
  // |A·B| <= 8·3·3 per trip, c_init <= 64: the timed launch's sums stay exact in fp32.
  EXPECT_LT(64.0 + 72.0 * k.iterations, 16777216.0);
  const std::int64_t waves = native_peak_warps(k, amd_gpu("gfx90a", 110));
  EXPECT_EQ(waves, 110 * 2 * 4);
  EXPECT_DOUBLE_EQ(native_peak_flops(k, "fp16", waves, 10), 880.0 * 10 * 4 * 16384);
}

// What a wavefront's 32x32x8 MFMA computes, written from the layout in the other direction
// from harness/native_peak.cpp (element -> lane, word and half):
//   A(r, k): lane r + 32·(k / 4), word (k % 4) / 2, half k % 2;  B(k, n): lane n + 32·(k / 4), same
//   D(r, n): lane n + 32·((r % 8) / 4), register 4·(r / 8) + r % 4
const peak_simulation::InverseLayout kMfma{
    32, 32, 8, 64, 2, 2, 16,
    [](int r, int k) { return peak_simulation::Slot{r + 32 * (k / 4), (k % 4) / 2, k % 2}; },
    [](int k, int n) { return peak_simulation::Slot{n + 32 * (k / 4), (k % 4) / 2, k % 2}; },
    [](int r, int n) { return peak_simulation::Slot{n + 32 * ((r % 8) / 4), 4 * (r / 8) + r % 4, 0}; }};

std::vector<float> simulate(const PeakMmaInputs& in, DType dtype, int chains, std::int64_t waves, int trips) {
  return peak_simulation::simulate(kMfma, in, dtype, chains, waves, trips);
}

struct Launch {
  DType dtype;
  int chains = 3, trips = 18;
  std::int64_t waves = 4;
  PeakMmaInputs in;
  std::vector<float> out;
  explicit Launch(DType d) : dtype(d), in(peak_mma_inputs(d, chains, waves, 42, &mfma_32x32x8_layout())) {
    out = simulate(in, dtype, chains, waves, trips);
  }
  VerifyResult check() const {
    return verify_peak_mma(
        {dtype, chains, trips, waves, &in.a_frags, &in.b_frags, &in.c_init, &out, 7, 512, &mfma_32x32x8_layout()});
  }
};

TEST(NativeMfma, PeakReplayAcceptsWhatTheWavefrontComputes) {
  for (const DType dtype : {DType::fp16, DType::bf16}) {
    const Launch l(dtype);
    ASSERT_EQ(l.in.a_frags.size(), 4u * 64 * 2);
    ASSERT_EQ(l.in.c_init.size(), 4u * 3 * 64 * 16);
    const VerifyResult r = l.check();
    EXPECT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.elements_checked, 4 * 3 * 64 * 16);
    EXPECT_NE(r.method.find("CDNA 32x32x8"), std::string::npos) << r.method;
  }
}

TEST(NativeMfma, PeakReplayCatchesWrongResults) {
  Launch wrong(DType::fp16);
  wrong.out[100] += 1.0f;
  EXPECT_FALSE(wrong.check().ok);

  Launch lost(DType::bf16);
  lost.out = simulate(lost.in, lost.dtype, lost.chains, lost.waves, lost.trips - 1);
  EXPECT_FALSE(lost.check().ok);

  // A kernel that read a lane's two fragment words the other way round computed another A.
  Launch swapped(DType::fp16);
  PeakMmaInputs other = swapped.in;
  for (std::size_t i = 0; i < other.a_frags.size(); i += 2) std::swap(other.a_frags[i], other.a_frags[i + 1]);
  swapped.out = simulate(other, swapped.dtype, swapped.chains, swapped.waves, swapped.trips);
  EXPECT_FALSE(swapped.check().ok);
}

TEST(NativeMfma, FragmentLayoutsByName) {
  EXPECT_EQ(&peak_fragment_layout("mfma_32x32x8"), &mfma_32x32x8_layout());
  EXPECT_EQ(&peak_fragment_layout(peak_mfma().fragment_layout), &mfma_32x32x8_layout());
  EXPECT_EQ(&peak_fragment_layout("mma_m16n8k16"), &mma_m16n8k16_layout());
  EXPECT_THROW(peak_fragment_layout("wmma"), std::invalid_argument);
}

}  // namespace
}  // namespace suanli
