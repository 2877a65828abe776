// The CUDA plugin as the harness sees it, on any machine: with no GPU it must be listed as
// unavailable with the loader's or the driver's reason while the other backends work; with
// a GPU it must be available and describe the device.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/cuda/cuda_test_util.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using suanli::test::cuda_listing;
using suanli::test::cuda_test_env;
using suanli::test::nvidia_gpu_present;
using suanli::test::run_suanli;
using suanli::test::TempDir;

TEST(CudaPlugin, ListedAvailableExactlyWhenAGpuIsPresent) {
  TempDir cache;
  nlohmann::json all;
  const nlohmann::json cuda = cuda_listing(cuda_test_env(cache.path().string()), &all);
  ASSERT_TRUE(cuda.is_object()) << "suanli devices does not list cuda: " << all.dump(2);
  EXPECT_TRUE(cuda["plugin_path"].get<std::string>().ends_with("libsuanli-cuda.so"));

  if (!nvidia_gpu_present()) {
    EXPECT_FALSE(cuda["available"].get<bool>()) << cuda.dump(2);
    const std::string reason = cuda["reason"].get<std::string>();
    EXPECT_FALSE(reason.empty());
    // Either the loader's reason (no driver installed) or the driver's (installed, no GPU).
    EXPECT_TRUE(reason.find("libcuda.so.1") != std::string::npos || reason.starts_with("CUDA driver: ")) << reason;

    // One missing runtime must not take the others down.
    if (fs::exists(fs::path(SUANLI_TEST_PLUGIN_DIR) / "libsuanli-opencl.so")) {
      bool opencl_ok = false;
      for (const auto& b : all) {
        if (b.value("backend", "") == "opencl") opencl_ok = b["available"].get<bool>() && !b["devices"].empty();
      }
      EXPECT_TRUE(opencl_ok) << all.dump(2);
    }
    return;
  }

  ASSERT_TRUE(cuda["available"].get<bool>()) << "a GPU is present but cuda is unavailable: " << cuda.dump(2);
  ASSERT_FALSE(cuda["devices"].empty());
  const auto& info = cuda["devices"][0]["info"];
  EXPECT_EQ(info["vendor"], "NVIDIA");
  EXPECT_EQ(info["type"], "gpu");
  EXPECT_TRUE(info["arch"].get<std::string>().starts_with("sm_")) << info.dump();
  EXPECT_TRUE(info["compiler_version"].get<std::string>().starts_with("NVRTC ")) << info.dump();
  EXPECT_GT(info["compute_units"].get<int>(), 0);
  EXPECT_GT(info["global_mem_bytes"].get<double>(), 0.0);
  EXPECT_TRUE(info["has_fp64"].get<bool>());
}

// A libcuda.so.1 that loads but is no driver (the toolkit's stub, as in containers started
// without the driver mounted): the reason must come from cuInit and name the problem.
TEST(CudaPlugin, StubDriverIsReportedByCuInit) {
  const fs::path stub = SUANLI_TEST_CUDA_STUB;
  if (stub.empty() || !fs::exists(stub)) GTEST_SKIP() << "the CUDA toolkit has no stub libcuda.so";
  TempDir dir;
  fs::create_symlink(stub, dir / "libcuda.so.1");
  auto env = cuda_test_env((dir / "cache").string());
  std::string path = dir.path().string();
  if (const char* old = std::getenv("LD_LIBRARY_PATH"); old != nullptr && *old != '\0') path += std::string(":") + old;
  env["LD_LIBRARY_PATH"] = path;

  const nlohmann::json cuda = cuda_listing(env);
  ASSERT_TRUE(cuda.is_object());
  EXPECT_FALSE(cuda["available"].get<bool>()) << cuda.dump(2);
  const std::string reason = cuda["reason"].get<std::string>();
  EXPECT_TRUE(reason.starts_with("CUDA driver: ")) << reason;
  EXPECT_NE(reason.find("stub library"), std::string::npos) << reason;
  EXPECT_NE(reason.find("CUDA_ERROR_STUB_LIBRARY"), std::string::npos) << reason;
}
