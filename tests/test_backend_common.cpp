// The plugin-independent pieces of suanli_backend_common: -D options, the dialect
// prefix, buffer and launch argument checks, fill staging (backends/kernel_build.h,
// backends/buffer_checks.h, backends/launch_checks.h, backends/fill_staging.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "backends/buffer_checks.h"
#include "backends/fill_staging.h"
#include "backends/kernel_build.h"
#include "backends/launch_checks.h"

namespace suanli {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const BackendError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KernelBuild, IsIdentifier) {
  EXPECT_TRUE(is_identifier("TILE_M"));
  EXPECT_TRUE(is_identifier("_x1"));
  EXPECT_FALSE(is_identifier(""));
  EXPECT_FALSE(is_identifier("1BAD"));
  EXPECT_FALSE(is_identifier("A-B"));
}

TEST(KernelBuild, DefineOptions) {
  const std::vector<Define> defines{{"A", "1"}, {"B", ""}, {"C", "x y"}};
  EXPECT_EQ(define_options("cuda", defines, kArgvDefines), (std::vector<std::string>{"-DA=1", "-DB", "-DC=x y"}));
  const DefineSyntax spaced{"-D ", " ", "a space"};
  EXPECT_EQ(join_options(define_options("opencl", {{"A", "1"}, {"B", ""}}, spaced)), "-D A=1 -D B");
  EXPECT_NE(error_of([&] { define_options("opencl", defines, spaced); }).find("opencl: define C has a space"),
            std::string::npos);
  EXPECT_NE(error_of([] { define_options("hip", {{"1BAD", "0"}}, kArgvDefines); })
                .find("hip: define name '1BAD' is not an identifier"),
            std::string::npos);
  EXPECT_NE(error_of([] { define_options("cuda", {{"A", "1\n2"}}, kArgvDefines); }).find("line break"),
            std::string::npos);
}

TEST(KernelBuild, JoinAndDialect) {
  EXPECT_EQ(join_options({}), "");
  EXPECT_EQ(join_options({"-a", "-b"}), "-a -b");
  EXPECT_EQ(source_with_dialect("#define K", "void k();"), "#define K\n#line 1\nvoid k();");
}

TEST(KernelBuild, CacheKeyDependsOnEveryPart) {
  DeviceInfo info;
  info.name = "dev";
  const std::vector<Define> defines{{"A", "1"}};
  const std::string key = kernel_cache_key("cuda", "src", defines, "-O3", info);
  EXPECT_EQ(key, kernel_cache_key("cuda", "src", defines, "-O3", info));
  EXPECT_NE(key, kernel_cache_key("hip", "src", defines, "-O3", info));
  EXPECT_NE(key, kernel_cache_key("cuda", "src", defines, "-O2", info));
  info.driver_version = "2";
  EXPECT_NE(key, kernel_cache_key("cuda", "src", defines, "-O3", info));
}

TEST(BufferChecks, UploadDownload) {
  int storage = 0;
  const Buffer b{&storage, 16};
  EXPECT_FALSE(check_upload("cuda", Buffer{}, 0));
  EXPECT_TRUE(check_upload("cuda", b, 16));
  EXPECT_NE(error_of([&] { check_upload("cuda", b, 17); }).find("cuda: upload of 17 bytes into a 16-byte buffer"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_download("hip", b, 17); }).find("hip: download of 17 bytes from a 16-byte buffer"),
            std::string::npos);
  EXPECT_NE(error_of([] { check_download("hip", Buffer{nullptr, 8}, 4); }), "(no error)");
}

TEST(BufferChecks, Fill) {
  int storage = 0;
  EXPECT_NE(error_of([] { check_fill("opencl", Buffer{}, 3); }).find("opencl: fill pattern must be 1, 2, 4 or 8 bytes"),
            std::string::npos);
  EXPECT_FALSE(check_fill("opencl", Buffer{}, 4));
  EXPECT_TRUE(check_fill("opencl", Buffer{&storage, 16}, 8));
  EXPECT_NE(error_of([&] { check_fill("opencl", Buffer{&storage, 12}, 8); }).find("the size must be a multiple"),
            std::string::npos);
}

TEST(BufferChecks, GemmBuffers) {
  int storage = 0;
  GemmProblem p;
  p.m = 2, p.n = 3, p.k = 4;
  const Buffer a{&storage, 2 * 4 * 2}, b{&storage, 4 * 3 * 2}, c{&storage, 2 * 3 * 4};
  EXPECT_NO_THROW(check_gemm_buffers("cuda", p, a, b, c, 2, 4));
  EXPECT_NE(error_of([&] { check_gemm_buffers("cuda", p, a, b, c, 2, 8); })
                .find("cuda: vendor gemm: C (1 x 2x3) does not fit its 24-byte buffer"),
            std::string::npos);
  p.batch = 2;  // two packed problems need twice the bytes
  EXPECT_NE(error_of([&] { check_gemm_buffers("cuda", p, a, b, c, 2, 4); }).find("A (2 x 2x4) does not fit"),
            std::string::npos);
  EXPECT_NO_THROW(check_gemm_buffers("cuda", p, Buffer{&storage, 2 * a.bytes}, Buffer{&storage, 2 * b.bytes},
                                     Buffer{&storage, 2 * c.bytes}, 2, 4));
  p.batch = 0;
  EXPECT_NE(error_of([&] { check_gemm_buffers("cuda", p, a, b, c, 2, 4); }), "(no error)");
  p.batch = 1;
  p.m = p.k = std::int64_t{1} << 40;  // m * k * 8 overflows 64 bits
  EXPECT_NE(error_of([&] { check_gemm_buffers("hip", p, Buffer{&storage, SIZE_MAX}, b, c, 8, 8); }), "(no error)");
  std::uint64_t out = 7;
  EXPECT_FALSE(multiply_fits(std::numeric_limits<std::uint64_t>::max(), 2, out));
  EXPECT_EQ(out, 7u);
}

TEST(LaunchChecks, ArgSizes) {
  const std::vector<KernelArg> args{KernelArg::buf(Buffer{}), KernelArg::f32(1.0f)};
  EXPECT_NO_THROW(check_launch_args("cuda", "k", {8, 4}, args));
  EXPECT_NE(error_of([&] { check_launch_args("cuda", "k", {8}, args); })
                .find("cuda: kernel 'k' takes 1 arguments, the launch passes 2"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_launch_args("hip", "k", {8, 8}, args); })
                .find("hip: kernel 'k' argument 1 is 8 bytes, the launch passes f32 (4 bytes)"),
            std::string::npos);
}

TEST(FillStaging, NarrowestPattern) {
  const std::uint64_t same = 0x7fc000007fc00000ull, differ = 0x0123456789abcdefull;
  EXPECT_EQ(narrowest_pattern_bytes(&same, 8), 4u);
  EXPECT_EQ(narrowest_pattern_bytes(&differ, 8), 8u);
  EXPECT_EQ(narrowest_pattern_bytes(&same, 4), 4u);
}

TEST(FillStaging, StagingAndDoublingCoverTheBuffer) {
  const std::uint64_t pattern = 0x0123456789abcdefull;
  for (const std::size_t total : {std::size_t{8}, std::size_t{24}, kFillStagingBytes, 3 * kFillStagingBytes + 8}) {
    const std::vector<unsigned char> staging = fill_staging(&pattern, 8, total);
    ASSERT_EQ(staging.size(), std::min(total, kFillStagingBytes));
    std::vector<unsigned char> device(total, 0);
    std::memcpy(device.data(), staging.data(), staging.size());
    for_each_doubling_copy(staging.size(), total, [&](std::size_t offset, std::size_t n) {
      ASSERT_LE(offset + n, total);
      std::memcpy(device.data() + offset, device.data(), n);
    });
    for (std::size_t off = 0; off < total; off += 8) {
      ASSERT_EQ(std::memcmp(device.data() + off, &pattern, 8), 0) << "total " << total << " offset " << off;
    }
  }
}

}  // namespace
}  // namespace suanli
