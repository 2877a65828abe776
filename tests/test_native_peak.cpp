// The peak workload's native tier without a GPU: which devices and dtypes peak_mma_sync
// and peak_wgmma take (and the reason when they do not), their FLOP (int8: OP) counts and
// compile variants, and the exact host replay that verifies them — accepting what the PTX
// ISA says a warp computes (m16n8k16, and m16n8k32 for int8 and fp8), catching a wrong accumulator,
// a lost trip, a swapped fragment register or byte and an unwritten one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "harness/host_data.h"
#include "harness/native_peak.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"
#include "tests/peak_simulation.h"

namespace suanli {
namespace {

const NativePeakKernel& peak_mma() {
  for (const auto& k : native_peak_kernels())
    if (k.name == "peak_mma_sync") return k;
  throw std::runtime_error("peak_mma_sync is not in the native peak table");
}

const NativePeakKernel& peak_wgmma() {
  for (const auto& k : native_peak_kernels())
    if (k.name == "peak_wgmma") return k;
  throw std::runtime_error("peak_wgmma is not in the native peak table");
}

using test::cuda_gpu;

std::optional<std::string> can(const std::string& backend, const DeviceInfo& d, DType dtype) {
  return native_peak_can_implement(peak_mma(), backend, d, dtype);
}

TEST(NativePeak, TableEntry) {
  const NativePeakKernel& k = peak_mma();
  EXPECT_EQ(k.backend, "cuda");
  EXPECT_EQ(k.min_sm, 80);
  EXPECT_EQ(k.dtypes, (std::vector<std::string>{"fp16", "bf16", "int8", "fp8"}));
  EXPECT_EQ(native_peak_flops_per_instruction(k, "bf16"), 2.0 * 16 * 8 * 16);
  EXPECT_EQ(native_peak_flops_per_instruction(k, "int8"), 2.0 * 16 * 8 * 32);  // OPS
  EXPECT_EQ(native_peak_flops_per_instruction(k, "fp8"), 2.0 * 16 * 8 * 32);
  EXPECT_EQ(native_peak_fragment_layout(k, "fp16"), "mma_m16n8k16");
  EXPECT_EQ(native_peak_fragment_layout(k, "int8"), "mma_m16n8k32");
  EXPECT_EQ(native_peak_fragment_layout(k, "fp8"), "mma_m16n8k32");
  // The instruction is the shared prelude's (kernels/cuda/mma_sync_common.cuh), s8 included.
  const std::string& source = native_kernel_source(k.source);
  EXPECT_NE(source.find("mma_m16n8(acc[j], a, b0, b1)"), std::string::npos);
  EXPECT_NE(source.find("#define MMA_SYNC_PTX_SHAPE \"m16n8k32\""), std::string::npos);
  // The timed launch keeps every accumulator exact (and int8's int32 ones exact in fp32):
  // |A·B| <= K·3·3 per trip, c_init <= 64.
  EXPECT_LT(64.0 + 144.0 * k.iterations, 16777216.0);
  EXPECT_LT(64.0 + 288.0 * k.iterations, 16777216.0);
}

TEST(NativePeak, WgmmaTableEntryTakesFp8) {
  const NativePeakKernel& k = peak_wgmma();
  EXPECT_EQ(k.dtypes, (std::vector<std::string>{"fp16", "bf16", "fp8"}));
  EXPECT_EQ(k.archs, (std::vector<std::string>{"sm_90a"}));
  EXPECT_EQ(native_peak_flops_per_instruction(k, "fp16"), 2.0 * 64 * 128 * 16);
  EXPECT_EQ(native_peak_flops_per_instruction(k, "fp8"), 2.0 * 64 * 128 * 32);
  EXPECT_EQ(native_peak_fragment_layout(k, "bf16"), "wgmma_m64n128k16");
  EXPECT_EQ(native_peak_fragment_layout(k, "fp8"), "wgmma_m64n128k32");
  EXPECT_LT(64.0 + 32 * 9.0 * k.iterations, 16777216.0);
  const std::int64_t groups = native_peak_warps(k, cuda_gpu("sm_90a", 132));
  EXPECT_DOUBLE_EQ(native_peak_flops(k, "fp8", groups, 10), 528.0 * 10 * 2 * 524288);
  int found = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "peak_wgmma" || v.dtype != "fp8") continue;
    ++found;
    EXPECT_EQ(v.archs, (std::vector<std::string>{"sm_90a"}));
    EXPECT_EQ(v.ptx_requires.front(), "wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3");
    bool fp8_define = false;
    for (const Define& d : v.defines) fp8_define |= d.name == "SUANLI_DTYPE_FP8";
    EXPECT_TRUE(fp8_define);
  }
  EXPECT_EQ(found, 1);
}

TEST(NativePeak, CompileVariantsRequireTheMmaInstruction) {
  int found = 0;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "peak_mma_sync") continue;
    ++found;
    EXPECT_EQ(v.backend, "cuda");
    // fp8 mma.sync is compiled for sm_89 and sm_90a only (ptxas refuses it below sm_89).
    const std::vector<std::string> archs = v.dtype == "fp8" ? std::vector<std::string>{"sm_89", "sm_90a"} : std::vector<std::string>{};
    EXPECT_EQ(v.archs, archs) << v.dtype;
    if (v.dtype == "int8") {
      EXPECT_EQ(v.ptx_requires, (std::vector<std::string>{"mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32"}));
    } else if (v.dtype == "fp8") {
      EXPECT_EQ(v.ptx_requires, (std::vector<std::string>{"mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32"}));
    } else {
      const std::string t = v.dtype == "fp16" ? "f16" : "bf16";
      EXPECT_EQ(v.ptx_requires, (std::vector<std::string>{"mma.sync.aligned.m16n8k16.row.col.f32." + t + "." + t + ".f32"}));
    }
    const std::string define = v.dtype == "fp16"   ? "SUANLI_DTYPE_FP16"
                               : v.dtype == "bf16" ? "SUANLI_DTYPE_BF16"
                               : v.dtype == "int8" ? "SUANLI_DTYPE_INT8"
                                                   : "SUANLI_DTYPE_FP8";
    bool dtype_define = false, chains = false;
    for (const Define& d : v.defines) {
      dtype_define |= d.name == define;
      chains |= d.name == "PEAK_MMA_CHAINS" && d.value == "8";
    }
    EXPECT_TRUE(dtype_define) << v.dtype;
    EXPECT_TRUE(chains);
  }
  EXPECT_EQ(found, 4);
}

TEST(NativePeak, CanImplement) {
  EXPECT_EQ(can("cuda", cuda_gpu("sm_90a"), DType::fp16), std::nullopt);
  EXPECT_EQ(can("cuda", cuda_gpu("sm_80"), DType::bf16), std::nullopt);
  EXPECT_EQ(can("cuda", cuda_gpu("sm_120"), DType::bf16), std::nullopt);
  EXPECT_EQ(can("cuda", cuda_gpu("sm_75"), DType::fp16),
            "peak_mma_sync needs sm_80 or later (bf16 mma.sync.m16n8k16); device is sm_75");
  EXPECT_EQ(can("cuda", cuda_gpu("sm_90a"), DType::fp32), "peak_mma_sync has no fp32 variant (fp16, bf16, int8, fp8 only)");
  // int8 (m16n8k32 s8) on every arch of the kernel; fp8 (m16n8k32 e4m3) on sm_89 and later.
  for (const char* arch : {"sm_80", "sm_86", "sm_89", "sm_90a", "sm_120"})
    EXPECT_EQ(can("cuda", cuda_gpu(arch), DType::int8), std::nullopt) << arch;
  EXPECT_EQ(can("cuda", cuda_gpu("sm_75"), DType::int8),
            "peak_mma_sync needs sm_80 or later (bf16 mma.sync.m16n8k16); device is sm_75");
  for (const char* arch : {"sm_89", "sm_90", "sm_90a", "sm_120"})
    EXPECT_EQ(can("cuda", cuda_gpu(arch), DType::fp8_e4m3), std::nullopt) << arch;
  for (const char* arch : {"sm_80", "sm_86"})
    EXPECT_EQ(can("cuda", cuda_gpu(arch), DType::fp8_e4m3),
              std::string("peak_mma_sync fp8 needs sm_89 or later (fp8 mma.sync.m16n8k32); device is ") + arch);
  // peak_wgmma: fp8 on sm_90a only.
  EXPECT_EQ(native_peak_can_implement(peak_wgmma(), "cuda", cuda_gpu("sm_90a"), DType::fp8_e4m3), std::nullopt);
  EXPECT_EQ(native_peak_can_implement(peak_wgmma(), "cuda", cuda_gpu("sm_90"), DType::fp8_e4m3),
            "peak_wgmma runs on sm_90a only (wgmma: Hopper's arch-specific features); device is sm_90");
  EXPECT_EQ(native_peak_can_implement(peak_wgmma(), "cuda", cuda_gpu("sm_89"), DType::fp8_e4m3),
            "peak_wgmma needs sm_90 or later (wgmma); device is sm_89");
  EXPECT_EQ(native_peak_can_implement(peak_wgmma(), "cuda", cuda_gpu("sm_90a"), DType::int8),
            "peak_wgmma has no int8 variant (fp16, bf16, fp8 only)");
  // An NVIDIA GPU seen through OpenCL, an AMD GPU through HIP: the source is CUDA.
  EXPECT_EQ(can("opencl", cuda_gpu("sm_90a"), DType::fp16),
            "no native cuda kernel for this device (opencl backend, arch sm_90a)");
  EXPECT_EQ(can("hip", cuda_gpu("gfx90a"), DType::fp16), "no native cuda kernel for this device (hip backend, arch gfx90a)");
  EXPECT_EQ(can("cuda", cuda_gpu("compute_90"), DType::fp16),
            "peak_mma_sync needs an NVIDIA GPU of sm_80 or later; device arch is compute_90");
  DeviceInfo no_half = cuda_gpu("sm_80");
  no_half.has_fp16 = false;
  EXPECT_EQ(can("cuda", no_half, DType::fp16), "device has no fp16 arithmetic");
  DeviceInfo small = cuda_gpu("sm_80");
  small.max_work_group_size = 128;
  EXPECT_EQ(can("cuda", small, DType::bf16), "peak_mma_sync needs 256 threads per block");

  std::string why;
  // Hopper's ceiling is wgmma's (peak_wgmma, sm_90a only); mma.sync's when named, and elsewhere.
  const NativePeakKernel* hopper = choose_native_peak("cuda", cuda_gpu("sm_90a"), DType::bf16, why);
  ASSERT_NE(hopper, nullptr) << why;
  EXPECT_EQ(hopper->name, "peak_wgmma");
  EXPECT_EQ(native_peak_shared_bytes(*hopper), 2u * 24576 + 1024);  // A and B tiles per warpgroup, alignment slack
  EXPECT_EQ(native_peak_warps(*hopper, cuda_gpu("sm_90a", 132)), 132 * 2 * 2);  // warpgroups
  EXPECT_EQ(native_peak_shared_bytes(peak_mma()), 0u);
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_90a"), DType::bf16, why, "peak_mma_sync"), &peak_mma());
  for (const char* arch : {"sm_80", "sm_89", "sm_90", "sm_100a", "sm_120"})
    EXPECT_EQ(choose_native_peak("cuda", cuda_gpu(arch), DType::bf16, why), &peak_mma()) << arch;
  // 8-bit: fp8 is wgmma's (Hopper), int8 mma.sync's everywhere (Hopper included).
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_90a"), DType::fp8_e4m3, why), &peak_wgmma());
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_90a"), DType::int8, why), &peak_mma());
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_89"), DType::fp8_e4m3, why), &peak_mma());
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_86"), DType::fp8_e4m3, why), nullptr);
  EXPECT_EQ(why, "peak_wgmma needs sm_90 or later (wgmma); device is sm_86; "
                 "peak_mma_sync fp8 needs sm_89 or later (fp8 mma.sync.m16n8k32); device is sm_86");
  EXPECT_EQ(choose_native_peak("cuda", cuda_gpu("sm_80"), DType::bf16, why, "peak_wgmma"), nullptr);
  EXPECT_EQ(why, "peak_wgmma needs sm_90 or later (wgmma); device is sm_80");
  EXPECT_EQ(choose_native_peak("opencl", cuda_gpu("sm_90a"), DType::bf16, why), nullptr);
  // No kernel is the OpenCL plugin's: one reason, naming the plugins the table is written for.
  EXPECT_EQ(why, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
}

TEST(NativePeak, Flops) {
  const NativePeakKernel& k = peak_mma();
  const std::int64_t warps = native_peak_warps(k, cuda_gpu("sm_90a", 132));
  EXPECT_EQ(warps, 132 * 4 * 8);
  EXPECT_DOUBLE_EQ(native_peak_flops(k, "fp16", warps, 100), 4224.0 * 100 * 8 * 4096);
  EXPECT_DOUBLE_EQ(native_peak_flops(k, "int8", warps, 100), 4224.0 * 100 * 8 * 8192);  // OPS
}

// What a warp's mma computes, written from the PTX ISA's tables in the other direction
// from harness/native_peak.cpp (element -> lane and register, not register -> element):
//   A(r, c): lane (r % 8)·4 + (c % 8) / 2, register r / 8 + 2·(c / 8), half c % 2
//   B(k, n): lane n·4 + (k % 8) / 2, register k / 8, half k % 2
//   D(r, n): lane (r % 8)·4 + n / 2, register 2·(r / 8) + n % 2
const peak_simulation::InverseLayout kMma{
    16, 8, 16, 32, 4, 2, 4,
    [](int r, int c) { return peak_simulation::Slot{(r % 8) * 4 + (c % 8) / 2, r / 8 + 2 * (c / 8), c % 2}; },
    [](int k, int n) { return peak_simulation::Slot{n * 4 + (k % 8) / 2, k / 8, k % 2}; },
    [](int r, int n) { return peak_simulation::Slot{(r % 8) * 4 + n / 2, 2 * (r / 8) + n % 2, 0}; }};

// m16n8k32 (.s8, .e4m3: four bytes per register), the same direction:
//   A(r, c): lane (r % 8)·4 + (c % 16) / 4, register r / 8 + 2·(c / 16), byte c % 4
//   B(k, n): lane n·4 + (k % 16) / 4, register k / 16, byte k % 4
const peak_simulation::InverseLayout kMmaK32{
    16, 8, 32, 32, 4, 2, 4,
    [](int r, int c) { return peak_simulation::Slot{(r % 8) * 4 + (c % 16) / 4, r / 8 + 2 * (c / 16), c % 4}; },
    [](int k, int n) { return peak_simulation::Slot{n * 4 + (k % 16) / 4, k / 16, k % 4}; },
    kMma.d};

bool one_byte(DType dtype) { return dtype == DType::int8 || dtype == DType::fp8_e4m3; }

std::vector<float> simulate(const PeakMmaInputs& in, DType dtype, int chains, std::int64_t warps, int trips) {
  return peak_simulation::simulate(one_byte(dtype) ? kMmaK32 : kMma, in, dtype, chains, warps, trips);
}

struct Launch {
  DType dtype;
  int chains = 3, trips = 18;
  std::int64_t warps = 5;
  const PeakFragmentLayout* layout;
  PeakMmaInputs in;
  std::vector<float> out;
  Launch(DType d, std::int64_t w = 5)
      : dtype(d), warps(w), layout(one_byte(d) ? &mma_m16n8k32_layout() : &mma_m16n8k16_layout()),
        in(peak_mma_inputs(d, chains, w, 42, layout)) {
    out = simulate(in, dtype, chains, warps, trips);
  }
  VerifyResult check(int max_warps = 512) const {
    return verify_peak_mma({dtype, chains, trips, warps, &in.a_frags, &in.b_frags, &in.c_init, &out, 7, max_warps, layout});
  }
};

TEST(NativePeak, InputsAreSmallIntegersNotZeros) {
  const PeakMmaInputs in = peak_mma_inputs(DType::bf16, 2, 3, 1);
  ASSERT_EQ(in.a_frags.size(), 3u * 32 * 4);
  ASSERT_EQ(in.b_frags.size(), 3u * 32 * 2);
  ASSERT_EQ(in.c_init.size(), 3u * 2 * 32 * 4);
  int nonzero = 0;
  for (const std::uint32_t r : in.a_frags)
    for (const int half : {0, 1}) {
      const float v = bf16_bits_to_float(static_cast<std::uint16_t>(half ? r >> 16 : r & 0xffffu));
      EXPECT_EQ(v, std::round(v));
      EXPECT_LE(std::fabs(v), 3.0f);
      nonzero += v != 0;
    }
  EXPECT_GT(nonzero, 500);  // of 768
  for (const float c : in.c_init) {
    EXPECT_EQ(c, std::round(c));
    EXPECT_LE(std::fabs(c), 64.0f);
  }
  // 8-bit: four elements per word, each byte an integer in [-3, 3] (int8 two's complement,
  // fp8 e4m3), and a layout of the other packing refused.
  for (const DType dtype : {DType::int8, DType::fp8_e4m3}) {
    const PeakMmaInputs bytes = peak_mma_inputs(dtype, 2, 3, 1, &mma_m16n8k32_layout());
    ASSERT_EQ(bytes.a_frags.size(), 3u * 32 * 4);
    int seen = 0;
    for (const std::uint32_t r : bytes.a_frags)
      for (int part = 0; part < 4; ++part) {
        const auto byte = static_cast<std::uint8_t>(r >> (8 * part));
        const double v = dtype == DType::int8 ? static_cast<std::int8_t>(byte) : e4m3_bits_to_double(byte);
        EXPECT_EQ(v, std::round(v));
        EXPECT_LE(std::fabs(v), 3.0);
        seen += v != 0;
      }
    EXPECT_GT(seen, 1000);  // of 1536
    EXPECT_THROW(peak_mma_inputs(dtype, 2, 3, 1), std::invalid_argument);
  }
  EXPECT_THROW(peak_mma_inputs(DType::fp16, 2, 3, 1, &wgmma_m64n128k32_layout()), std::invalid_argument);
}

TEST(NativePeak, ReplayAcceptsWhatTheWarpComputes) {
  for (const DType dtype : {DType::fp16, DType::bf16, DType::int8, DType::fp8_e4m3}) {
    const Launch l(dtype);
    const VerifyResult r = l.check();
    EXPECT_TRUE(r.ok) << r.detail;
    EXPECT_EQ(r.elements_checked, 5 * 3 * 32 * 4);
    EXPECT_EQ(r.worst_error_ratio, 0.0);
  }
}

TEST(NativePeak, ReplayCatchesOneWrongAccumulator) {
  Launch l(DType::fp16);
  l.out[l.out.size() / 2 + 1] += 1.0f;
  const VerifyResult r = l.check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("warp 2 chain 1 lane 16 accumulator 1: got "), std::string::npos) << r.detail;
}

TEST(NativePeak, ReplayCatchesALostTrip) {
  Launch l(DType::bf16);
  l.out = simulate(l.in, l.dtype, l.chains, l.warps, l.trips - 1);
  EXPECT_FALSE(l.check().ok);
}

TEST(NativePeak, ReplayCatchesSwappedFragmentRegisters) {
  // A kernel that read a[1] and a[2] in each other's place computed with another A.
  Launch l(DType::fp16);
  PeakMmaInputs swapped = l.in;
  for (std::size_t i = 0; i < swapped.a_frags.size(); i += 4) std::swap(swapped.a_frags[i + 1], swapped.a_frags[i + 2]);
  l.out = simulate(swapped, l.dtype, l.chains, l.warps, l.trips);
  EXPECT_FALSE(l.check().ok);
}

TEST(NativePeak, ReplayCatchesSwappedBytesOfAnInt8Fragment) {
  // A kernel that packed K elements 0 and 1 of each B register the other way round.
  Launch l(DType::int8);
  EXPECT_TRUE(l.check().ok);
  PeakMmaInputs swapped = l.in;
  for (std::uint32_t& r : swapped.b_frags) r = (r & 0xffff0000u) | ((r & 0xffu) << 8) | ((r >> 8) & 0xffu);
  l.out = simulate(swapped, l.dtype, l.chains, l.warps, l.trips);
  EXPECT_FALSE(l.check().ok);
}

TEST(NativePeak, EightBitLayoutsByName) {
  EXPECT_EQ(&peak_fragment_layout("mma_m16n8k32"), &mma_m16n8k32_layout());
  EXPECT_EQ(&peak_fragment_layout("wgmma_m64n128k32"), &wgmma_m64n128k32_layout());
  EXPECT_EQ(mma_m16n8k32_layout().parts, 4);
  EXPECT_EQ(wgmma_m64n128k32_layout().k, 32);
  // Every element of A and B is held by exactly one (lane, word, byte).
  for (const PeakFragmentLayout* l : {&mma_m16n8k32_layout(), &wgmma_m64n128k32_layout()}) {
    std::vector<int> a(static_cast<std::size_t>(l->m * l->k)), b(static_cast<std::size_t>(l->k * l->n));
    for (int lane = 0; lane < l->lanes; ++lane)
      for (int part = 0; part < l->parts; ++part) {
        for (int w = 0; w < l->a_words; ++w) {
          const auto [row, k] = l->a_at(lane, w, part);
          ++a[static_cast<std::size_t>(row * l->k + k)];
        }
        for (int w = 0; w < l->b_words; ++w) {
          const auto [k, col] = l->b_at(lane, w, part);
          ++b[static_cast<std::size_t>(k * l->n + col)];
        }
      }
    EXPECT_EQ(std::count(a.begin(), a.end(), 1), l->m * l->k) << l->name;
    EXPECT_EQ(std::count(b.begin(), b.end(), 1), l->k * l->n) << l->name;
  }
}

TEST(NativePeak, ReplayCatchesAnUnwrittenAccumulator) {
  Launch l(DType::bf16);
  l.out.back() = std::nanf("");
  const VerifyResult r = l.check();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.nonfinite_outputs, 1);
  EXPECT_NE(r.detail.find("(not written)"), std::string::npos) << r.detail;
}

TEST(NativePeak, ManyWarpsAreSampledFirstAndLastIncluded) {
  Launch l(DType::fp16, 40);
  l.out.back() += 2.0f;  // the last warp's last accumulator
  const VerifyResult r = l.check(8);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.elements_checked, 8 * 3 * 32 * 4);
  EXPECT_NE(r.detail.find("warp 39 "), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace suanli
