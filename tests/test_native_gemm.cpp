// The native tier without a GPU: which devices, dtypes and shapes gemm_mma_sync takes (and
// the reason when it does not), its launch geometry and compile variants, and the
// "unverified" status of a native kernel on an arch nobody has checked it on.
#include <gtest/gtest.h>

#include "harness/chips.h"
#include "harness/native_gemm.h"
#include "harness/result_file.h"
#include "harness/results.h"
#include "harness/results_view.h"
#include "kernels/native_catalog.h"
#include "tests/native_test_devices.h"

namespace suanli {
namespace {

std::string dtype_define_name(const std::string& dtype) {
  return dtype == "fp16" ? "SUANLI_DTYPE_FP16" : dtype == "bf16" ? "SUANLI_DTYPE_BF16" : dtype == "tf32" ? "SUANLI_DTYPE_TF32" : "SUANLI_DTYPE_INT8";
}

const NativeGemmKernel& mma_sync() {
  for (const auto& k : native_gemm_kernels())
    if (k.name == "gemm_mma_sync") return k;
  throw std::runtime_error("gemm_mma_sync is not in the native table");
}

using test::cuda_gpu;
using test::pocl_cpu;

GemmShape shape(std::int64_t m, std::int64_t n, std::int64_t k) { return GemmShape{m, n, k, ""}; }

std::optional<std::string> why_not(const std::string& backend, const DeviceInfo& d, DType dtype, const GemmShape& s) {
  return native_gemm_can_implement(mma_sync(), backend, d, dtype, s);
}

TEST(NativeGemm, SmVersionParsesCudaArchNamesOnly) {
  EXPECT_EQ(sm_version("sm_80"), 80);
  EXPECT_EQ(sm_version("sm_90a"), 90);
  EXPECT_EQ(sm_version("sm_120"), 120);
  EXPECT_EQ(sm_version("sm_100a"), 100);
  EXPECT_EQ(sm_version("gfx90a"), std::nullopt);
  EXPECT_EQ(sm_version("skylake-avx512"), std::nullopt);
  EXPECT_EQ(sm_version("sm_"), std::nullopt);
  EXPECT_EQ(sm_version("sm_80x"), std::nullopt);
}

TEST(NativeGemm, OtherBackendsGetTheReasonNotAnError) {
  EXPECT_EQ(why_not("opencl", pocl_cpu(), DType::fp16, shape(256, 256, 256)),
            "no native cuda kernel for this device (opencl backend, arch skylake-avx512)");
  // An NVIDIA GPU seen through OpenCL reports an sm_ arch, but the kernel is CUDA source.
  EXPECT_EQ(why_not("opencl", cuda_gpu("sm_80"), DType::fp16, shape(256, 256, 256)),
            "no native cuda kernel for this device (opencl backend, arch sm_80)");
  EXPECT_EQ(why_not("hip", cuda_gpu("gfx90a"), DType::bf16, shape(256, 256, 256)),
            "no native cuda kernel for this device (hip backend, arch gfx90a)");
}

TEST(NativeGemm, NeedsSm80) {
  const auto turing = why_not("cuda", cuda_gpu("sm_75"), DType::fp16, shape(256, 256, 256));
  ASSERT_TRUE(turing.has_value());
  EXPECT_NE(turing->find("needs sm_80 or later"), std::string::npos) << *turing;
  EXPECT_NE(turing->find("device is sm_75"), std::string::npos) << *turing;
  const auto odd = why_not("cuda", cuda_gpu("unknown-arch"), DType::fp16, shape(256, 256, 256));
  ASSERT_TRUE(odd.has_value());
  EXPECT_NE(odd->find("unknown-arch"), std::string::npos) << *odd;
  for (const char* arch : {"sm_80", "sm_86", "sm_89", "sm_90a", "sm_120"}) {
    EXPECT_EQ(why_not("cuda", cuda_gpu(arch), DType::fp16, shape(4096, 4096, 4096)), std::nullopt) << arch;
    EXPECT_EQ(why_not("cuda", cuda_gpu(arch), DType::bf16, shape(4096, 4096, 4096)), std::nullopt) << arch;
  }
}

TEST(NativeGemm, Fp16Bf16Tf32AndInt8FromThreeTableRows) {
  for (DType dtype : {DType::fp32, DType::fp64, DType::tf32, DType::int8, DType::fp8_e4m3}) {
    const auto why = why_not("cuda", cuda_gpu("sm_90a"), dtype, shape(256, 256, 256));
    ASSERT_TRUE(why.has_value());
    EXPECT_NE(why->find("variant (fp16, bf16 only)"), std::string::npos) << *why;
  }
  // tf32 is the second row: same source and entry, its own tile and alignment.
  std::string why;
  const auto tf32 = choose_native_gemm("cuda", cuda_gpu("sm_80"), DType::tf32, shape(100, 36, 44), why);
  ASSERT_TRUE(tf32) << why;
  EXPECT_EQ(tf32->kernel->name, "gemm_mma_sync");
  EXPECT_EQ(tf32->kernel->dtypes, (std::vector<std::string>{"tf32"}));
  EXPECT_TRUE(tf32->row_aligned);  // K and N multiples of 4: 16-byte fp32 rows
  EXPECT_EQ(tf32->kernel->tile.block_k, 16);
  // 4 stages x (128 x (16 + 4) + 16 x (128 + 8)) 4-byte elements: the 16-bit rows' bytes.
  EXPECT_EQ(native_gemm_shared_bytes(*tf32->kernel), 75776u);
  EXPECT_FALSE(choose_native_gemm("cuda", cuda_gpu("sm_80"), DType::tf32, shape(100, 36, 42), why)->row_aligned);
  EXPECT_FALSE(choose_native_gemm("cuda", cuda_gpu("sm_80"), DType::fp32, shape(64, 64, 64), why));
  EXPECT_EQ(why,
            "gemm_wgmma needs sm_90 or later (wgmma, TMA); device is sm_80; "
            "gemm_mma_sync has no fp32 variant (fp16, bf16 only); gemm_mma_sync has no fp32 variant (tf32 only); "
            "gemm_mma_sync has no fp32 variant (int8 only)");
  // int8: B as (N, K), 64 K columns per stage, 16-element rows for the 16-byte path.
  const auto int8 = choose_native_gemm("cuda", cuda_gpu("sm_90a"), DType::int8, shape(100, 40, 48), why);
  ASSERT_TRUE(int8) << why;
  EXPECT_TRUE(int8->kernel->b_nk);
  EXPECT_FALSE(tf32->kernel->b_nk);
  EXPECT_FALSE(int8->row_aligned);  // N = 40 is no multiple of 16
  EXPECT_TRUE(choose_native_gemm("cuda", cuda_gpu("sm_90a"), DType::int8, shape(100, 32, 48), why)->row_aligned);
  // 4 stages x (128 x (64 + 16) + 128 x (64 + 16)) bytes.
  EXPECT_EQ(native_gemm_shared_bytes(*int8->kernel), 81920u);
  EXPECT_EQ(native_gemm_kernel_json(*int8, CaseSpec{})["b_layout"], "(N, K) row-major");
  DeviceInfo no_half = cuda_gpu("sm_80");
  no_half.has_fp16 = false;
  EXPECT_EQ(why_not("cuda", no_half, DType::fp16, shape(64, 64, 64)), "device has no fp16 arithmetic");
}

TEST(NativeGemm, AnyShapeRunsAndPicksTheLoadPath) {
  const DeviceInfo h100 = cuda_gpu("sm_90a");
  std::string why;
  struct Row {
    GemmShape s;
    bool row_aligned;
  };
  for (const Row& row : {Row{shape(4096, 4096, 4096), true}, Row{shape(8, 8, 8), true}, Row{shape(1, 1, 1), false},
                         Row{shape(129, 257, 63), false}, Row{shape(1000, 8, 12), false},  // K % 8 != 0
                         Row{shape(1000, 12, 8), false},                                   // N % 8 != 0
                         Row{shape(7, 16, 24), true}}) {                                   // M is never a row length
    // On Hopper gemm_wgmma comes first (tests/test_native_wgmma.cpp); this is gemm_mma_sync's choice.
    const auto choice = choose_native_gemm("cuda", h100, DType::bf16, row.s, why, "gemm_mma_sync");
    ASSERT_TRUE(choice.has_value()) << why;
    EXPECT_EQ(choice->kernel->name, "gemm_mma_sync");
    EXPECT_EQ(choice->row_aligned, row.row_aligned) << row.s.m << "x" << row.s.n << "x" << row.s.k;
  }
  EXPECT_FALSE(choose_native_gemm("opencl", pocl_cpu(), DType::fp16, shape(64, 64, 64), why).has_value());
  // No kernel is the OpenCL plugin's: one reason, naming the plugins the table is written for.
  EXPECT_EQ(why, "the native tier has no kernels for the opencl backend (they are written for cuda and hip)");
}

TEST(NativeGemm, ShapesBeyondTheKernelsIntsAndGridAreRefused) {
  const DeviceInfo h100 = cuda_gpu("sm_90a");
  const auto rows = why_not("cuda", h100, DType::fp16, shape(65535LL * 128 + 1, 8, 8));
  ASSERT_TRUE(rows.has_value());
  EXPECT_NE(rows->find("row blocks"), std::string::npos) << *rows;
  EXPECT_EQ(why_not("cuda", h100, DType::fp16, shape(65535LL * 128, 8, 8)), std::nullopt);
  const auto wide = why_not("cuda", h100, DType::fp16, shape(8, 8, 3'000'000'000LL));
  ASSERT_TRUE(wide.has_value());
  EXPECT_NE(wide->find("32-bit"), std::string::npos) << *wide;
  EXPECT_TRUE(why_not("cuda", h100, DType::fp16, shape(0, 8, 8)).has_value());
}

TEST(NativeGemm, GeometryMatchesTheKernelsTiles) {
  const NativeGemmKernel& k = mma_sync();
  EXPECT_EQ(native_gemm_threads(k), 256);  // 2 x 4 warps
  const Dim3 block = native_gemm_block(k);
  EXPECT_EQ(block.x, 256u);
  EXPECT_EQ(block.y, 1u);
  const Dim3 grid = native_gemm_grid(k, 129, 257);  // x: N tiles, y: M tiles
  EXPECT_EQ(grid.x, 3u);
  EXPECT_EQ(grid.y, 2u);
  EXPECT_EQ(grid.z, 1u);
  // 4 stages x (128 x (32 + 8) + 32 x (128 + 8)) 2-byte elements, as the kernel's comment says.
  EXPECT_EQ(native_gemm_shared_bytes(k), 75776u);
  // More than the 48 KiB a block gets without opting in: the launch opts in (CUDA backend).
  EXPECT_GT(native_gemm_shared_bytes(k), 48u * 1024);
}

TEST(NativeGemm, VariantsCoverEveryDtypeAndLoadPathWithTheirInstructions) {
  std::vector<NativeVariant> variants;  // the GEMM's (the native peak kernels have their own test)
  for (const auto& v : native_variants())
    if (v.kernel == "gemm_mma_sync") variants.push_back(v);
  ASSERT_EQ(variants.size(), 8u);  // {fp16, bf16, tf32, int8} x {row-aligned, any-ld}
  for (const auto& v : variants) {
    SCOPED_TRACE(v.dtype + " " + v.config);
    EXPECT_EQ(v.backend, "cuda");
    const std::string ptx_type = v.dtype == "fp16" ? "f16" : v.dtype;
    const std::string shape = v.dtype == "tf32" ? "m16n8k8" : "m16n8k16";
    const std::string mma = v.dtype == "int8" ? "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32"
                                              : "mma.sync.aligned." + shape + ".row.col.f32." + ptx_type + "." + ptx_type + ".f32";
    EXPECT_NE(std::find(v.ptx_requires.begin(), v.ptx_requires.end(), mma), v.ptx_requires.end());
    // tf32 operands are rounded in registers, not truncated by the tensor cores.
    EXPECT_EQ(std::find(v.ptx_requires.begin(), v.ptx_requires.end(), "cvt.rna.tf32.f32") != v.ptx_requires.end(),
              v.dtype == "tf32");
    const bool aligned = v.config == "default/row-aligned";
    const bool wants_cp_async =
        std::find(v.ptx_requires.begin(), v.ptx_requires.end(), "cp.async.cg.shared.global") != v.ptx_requires.end();
    EXPECT_EQ(wants_cp_async, aligned);
    bool dtype_define = false, align_define = false;
    for (const auto& d : v.defines) {
      if (d.name == dtype_define_name(v.dtype)) dtype_define = true;
      if (d.name == "GEMM_MMA_ROWS_16B") align_define = d.value == (aligned ? "1" : "0");
    }
    EXPECT_TRUE(dtype_define);
    EXPECT_TRUE(align_define);
  }
}

TEST(NativeGemm, SourcesAreEmbedded) {
  const std::string_view src = native_kernel_source("gemm_mma_sync");
  EXPECT_NE(src.find("extern \"C\" __global__"), std::string_view::npos);
  EXPECT_NE(src.find("gemm_mma_sync("), std::string_view::npos);
  EXPECT_THROW(native_kernel_source("no_such_kernel"), std::out_of_range);
  // The shipped list: nothing has been verified on hardware yet.
  const auto list = nlohmann::json::parse(native_verified_on_json());
  ASSERT_TRUE(list["verified_on"].is_array());
  EXPECT_TRUE(list["verified_on"].empty());
}

TEST(NativeGemm, UnverifiedUntilTheArchIsListed) {
  const nlohmann::json none = {{"verified_on", nlohmann::json::array()}};
  const auto reason = native_unverified_reason("gemm_mma_sync", "fp16", "sm_90a", none);
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("gemm_mma_sync (fp16)"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("sm_90a"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("verified_on.json"), std::string::npos) << *reason;

  const nlohmann::json hopper_fp16 = {
      {"verified_on", {{{"kernel", "gemm_mma_sync"}, {"dtype", "fp16"}, {"arch", "sm_90a"}, {"device", "NVIDIA H200"}}}}};
  EXPECT_EQ(native_unverified_reason("gemm_mma_sync", "fp16", "sm_90a", hopper_fp16), std::nullopt);
  EXPECT_TRUE(native_unverified_reason("gemm_mma_sync", "bf16", "sm_90a", hopper_fp16).has_value());
  EXPECT_TRUE(native_unverified_reason("gemm_mma_sync", "fp16", "sm_80", hopper_fp16).has_value());
  EXPECT_TRUE(native_unverified_reason("other_kernel", "fp16", "sm_90a", hopper_fp16).has_value());

  const nlohmann::json any_dtype = {{"verified_on", {{{"kernel", "gemm_mma_sync"}, {"arch", "sm_80"}}}}};
  EXPECT_EQ(native_unverified_reason("gemm_mma_sync", "bf16", "sm_80", any_dtype), std::nullopt);

  EXPECT_THROW(native_unverified_reason("k", "fp16", "sm_80", nlohmann::json::object()), std::invalid_argument);
  EXPECT_THROW(native_unverified_reason("k", "fp16", "sm_80", {{"verified_on", {{{"kernel", "k"}}}}}),
               std::invalid_argument);
  EXPECT_THROW(native_unverified_reason("k", "fp16", "sm_80", {{"verified_on", {{{"kernel", "k"}, {"arch", 80}}}}}),
               std::invalid_argument);
}

// An ok record of a native case as the worker writes it after timing.
nlohmann::json timed_native_record(double tflops) {
  return {{"id", 1},          {"workload", "gemm"}, {"tier", "native"}, {"dtype", "fp16"},
          {"shape", {{"m", 4096}, {"n", 4096}, {"k", 4096}}},
          {"hot", false},     {"status", "ok"},     {"reason", ""},     {"verified", true},
          {"flops", 2.0 * 4096 * 4096 * 4096},
          {"stats", {{"median_s", 1e-3}, {"n", 3}}},
          {"samples_s", {1e-3, 1.1e-3, 0.9e-3}},
          {"tflops", tflops}};
}

TEST(NativeGemm, UnverifiedKeepsItsNumbersButIsNoResult) {
  nlohmann::json rec = timed_native_record(500.0);
  apply_native_verified_on(rec, "gemm_mma_sync", "fp16", "sm_90a");  // the shipped, empty list
  EXPECT_EQ(rec["status"], "unverified");
  EXPECT_NE(rec["reason"].get<std::string>().find("not been verified on hardware on sm_90a"), std::string::npos);
  EXPECT_EQ(rec["samples_s"].size(), 3u);

  finalize_case(rec, "cuda", "cuda:0", "NVIDIA H100 80GB HBM3", PeakEstimate{989.4, "datasheet", "test", std::nullopt});
  EXPECT_EQ(rec["status"], "unverified");
  EXPECT_DOUBLE_EQ(rec["tflops"].get<double>(), 500.0);   // kept, like a suspicious ceiling
  EXPECT_NEAR(rec["pct_of_peak"].get<double>(), 50.5, 0.1);
  // Never a comparison baseline, history point or gbench benchmark: those read only "ok" samples.
  EXPECT_TRUE(case_samples(rec).empty());

  const auto summary = summary_json({rec});
  EXPECT_EQ(summary["unverified"], 1);
  EXPECT_EQ(summary["ok"], 0);
  EXPECT_EQ(summary["failed"], 0);  // not a failure: the run exits 0

  const nlohmann::json doc = {{"devices", nlohmann::json::array()}, {"cases", {rec}}, {"summary", summary}};
  const std::string table = results_table(doc);
  EXPECT_NE(table.find("unverified: native kernel gemm_mma_sync"), std::string::npos) << table;
  EXPECT_NE(table.find("1 unverified"), std::string::npos) << table;
}

TEST(NativeGemm, UnverifiedAboveThePeakIsStillInvalid) {
  nlohmann::json rec = timed_native_record(2000.0);
  apply_native_verified_on(rec, "gemm_mma_sync", "fp16", "sm_90a");
  finalize_case(rec, "cuda", "cuda:0", "NVIDIA H100 80GB HBM3", PeakEstimate{989.4, "datasheet", "test", std::nullopt});
  EXPECT_EQ(rec["status"], "invalid");
  EXPECT_TRUE(rec["tflops"].is_null());
}

TEST(NativeGemm, OnlyOkRecordsBecomeUnverified) {
  nlohmann::json failed = timed_native_record(1.0);
  failed["status"] = "failed";
  failed["reason"] = "verification failed";
  apply_native_verified_on(failed, "gemm_mma_sync", "fp16", "sm_90a");
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["reason"], "verification failed");
}

}  // namespace
}  // namespace suanli
