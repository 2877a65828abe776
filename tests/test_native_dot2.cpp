// gemm_dot2 (gfx906's packed-dot GEMM) without a GPU: the chooser takes it for fp16 and int8 on
// gfx906 (AMD MI50, Hygon DCU), explains bf16 there by the instruction gfx906 lacks, still
// takes gemm_mfma on the CDNA GPUs, and its table rows match the kernel's geometry and are
// compiled by suanli_hiprtc_check for gfx906 with v_dot2_f32_f16 / v_dot4_i32_i8 required.
#include <gtest/gtest.h>

#include "harness/native_gemm.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

using test::amd_gpu;
using test::hygon_dcu;

const NativeGemmKernel& gemm_dot2(const std::string& dtype = "fp16") {
  for (const auto& k : native_gemm_kernels())
    if (k.name == "gemm_dot2" && k.dtypes == std::vector<std::string>{dtype}) return k;
  throw std::runtime_error("gemm_dot2 has no " + dtype + " row in the native table");
}

GemmShape shape(std::int64_t m, std::int64_t n, std::int64_t k) { return GemmShape{m, n, k, ""}; }

// The kernel the chooser takes, or "none: <why>".
std::string chosen(const DeviceInfo& d, DType dtype, const GemmShape& s = shape(100, 33, 65)) {
  std::string why;
  const auto choice = choose_native_gemm("hip", d, dtype, s, why);
  return choice ? choice->kernel->name : "none: " + why;
}

TEST(NativeDot2, Gfx906Fp16ChoosesDot2) {
  EXPECT_EQ(chosen(amd_gpu("gfx906"), DType::fp16), "gemm_dot2");
  EXPECT_EQ(chosen(amd_gpu("gfx906:sramecc-:xnack-"), DType::fp16), "gemm_dot2");
  EXPECT_EQ(chosen(hygon_dcu(), DType::fp16, shape(1, 1, 1)), "gemm_dot2");
  EXPECT_EQ(native_gemm_can_implement(gemm_dot2(), "hip", hygon_dcu(), DType::fp16, shape(4096, 4096, 4097)), std::nullopt);
}

TEST(NativeDot2, Gfx906Int8ChoosesDot4WithBAsNK) {
  std::string why;
  const auto choice = choose_native_gemm("hip", hygon_dcu(), DType::int8, shape(100, 33, 65), why);
  ASSERT_TRUE(choice.has_value()) << why;
  EXPECT_EQ(choice->kernel, &gemm_dot2("int8"));
  EXPECT_TRUE(choice->kernel->b_nk);  // the harness uploads B as (N, K)
  EXPECT_EQ(choice->kernel->element_bytes, 1);
}

TEST(NativeDot2, Gfx906Bf16NamesTheMissingInstruction) {
  EXPECT_EQ(chosen(hygon_dcu(), DType::bf16),
            "none: gemm_mfma needs AMD matrix cores (MFMA: gfx908, gfx90a, gfx942); gfx906 (MI50 / Hygon Z100) has no "
            "MFMA; gemm_dot2 has no bf16 variant (fp16 only: gfx906 has neither v_dot2_f32_bf16 nor MFMA); gemm_dot2 "
            "has no bf16 variant (int8 only)");
  const std::string fp32 = chosen(amd_gpu("gfx906"), DType::fp32);
  EXPECT_NE(fp32.find("gemm_dot2 has no fp32 variant (fp16 only"), std::string::npos) << fp32;
}

TEST(NativeDot2, CdnaStillChoosesMfma) {
  for (const std::string arch : {"gfx908", "gfx90a", "gfx942", "gfx90a:sramecc+:xnack-"}) {
    SCOPED_TRACE(arch);
    EXPECT_EQ(chosen(amd_gpu(arch), DType::fp16), "gemm_mfma");
    EXPECT_EQ(chosen(amd_gpu(arch), DType::bf16), "gemm_mfma");
  }
}

TEST(NativeDot2, OtherArchsAndPluginsGetAReason) {
  const std::string needs =
      "gemm_dot2 needs v_dot2_f32_f16, the packed fp16 dot of Vega 20 (written for gfx906; CDNA runs gemm_mfma); ";
  EXPECT_EQ(native_gemm_can_implement(gemm_dot2(), "hip", amd_gpu("gfx90a"), DType::fp16, shape(64, 64, 64)),
            needs + "device arch is gfx90a");
  EXPECT_EQ(native_gemm_can_implement(gemm_dot2(), "hip", hygon_dcu("gfx928"), DType::fp16, shape(64, 64, 64)),
            needs + "Hygon gfx928: matrix instructions not supported by this compiler (hiprtc 5.2)");
  EXPECT_EQ(native_gemm_can_implement(gemm_dot2(), "opencl", amd_gpu("gfx906"), DType::fp16, shape(64, 64, 64)),
            "no native hip kernel for this device (opencl backend, arch gfx906)");
  const std::string rdna = chosen(amd_gpu("gfx1100"), DType::fp16);
  EXPECT_NE(rdna.find(needs + "device arch is gfx1100"), std::string::npos) << rdna;
  DeviceInfo small = hygon_dcu();
  small.max_work_group_size = 128;
  const std::string narrow = chosen(small, DType::fp16);
  EXPECT_NE(narrow.find("gemm_dot2 needs 256 threads per block"), std::string::npos) << narrow;
}

TEST(NativeDot2, GeometryMatchesTheKernel) {
  const NativeGemmKernel& k = gemm_dot2();
  EXPECT_EQ(native_gemm_threads(k), 256);  // 2 x 2 wavefronts of 64
  const Dim3 grid = native_gemm_grid(k, 129, 257);
  EXPECT_EQ(grid.x, 3u);
  EXPECT_EQ(grid.y, 2u);
  // 2 buffers x (16 K pairs x (128 + 4) words of A + the same of B) x 4 bytes, as the kernel says.
  EXPECT_EQ(native_gemm_shared_bytes(k), 33792u);
  EXPECT_FALSE(k.b_nk);
  // int8: 2 buffers x (16 K quads x (128 + 4) words of A + the same of B) x 4 bytes, the same.
  EXPECT_EQ(native_gemm_shared_bytes(gemm_dot2("int8")), 33792u);
  const std::string_view source = native_kernel_source(k.source);
  EXPECT_NE(source.find("__builtin_amdgcn_fdot2"), std::string_view::npos);
  EXPECT_NE(source.find("__builtin_amdgcn_sdot4"), std::string_view::npos);
  // The table passes the kernel's own defaults: the compiled tile is the one the comments describe.
  for (const std::string dtype : {"fp16", "int8"}) {
    for (const Define& d : native_gemm_defines(gemm_dot2(dtype), dtype, false)) {
      if (d.name.rfind("GEMM_DOT2_", 0) != 0) continue;
      EXPECT_NE(source.find("#define " + d.name + " " + d.value + "\n"), std::string_view::npos) << d.name << "=" << d.value;
    }
  }
}

TEST(NativeDot2, CompiledForGfx906WithItsInstruction) {
  std::vector<std::string> dtypes;
  for (const NativeVariant& v : native_variants()) {
    if (v.kernel != "gemm_dot2") continue;
    dtypes.push_back(v.dtype);
    EXPECT_EQ(v.backend, "hip");
    EXPECT_EQ(v.config, "default");
    EXPECT_EQ(v.archs, std::vector<std::string>{"gfx906"});
    EXPECT_EQ(native_required_instructions(v, "gfx906"),
              std::vector<std::string>{v.dtype == "int8" ? "v_dot4_i32_i8" : "v_dot2_f32_f16"});
    for (const Define& d : v.defines)
      EXPECT_TRUE(d.name.rfind("GEMM_DOT2_", 0) == 0 || d.name.rfind("SUANLI_DTYPE_", 0) == 0) << d.name;
  }
  EXPECT_EQ(dtypes, (std::vector<std::string>{"fp16", "int8"}));
}

}  // namespace
}  // namespace suanli
