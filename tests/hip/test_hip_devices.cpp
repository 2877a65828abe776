// `suanli devices` with the HIP plugin beside the OpenCL one. Both are loaded only in
// their own worker processes; loading them together in one process aborts (PoCL's and
// comgr's LLVM clash, DESIGN.md), so this also checks that isolation holds.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/test_util.h"

namespace suanli {
namespace {

// A machine with the amdgpu kernel driver has /dev/kfd; without it HIP has no device.
bool machine_has_amd_gpu_driver() {
  struct stat st {};
  return ::stat("/dev/kfd", &st) == 0;
}

TEST(HipDevices, HipIsListedBesideAWorkingOpenCl) {
  test::TempDir cache;
  const auto r = test::run_suanli({"devices", "--json"}, {{"SUANLI_CACHE_DIR", cache.path().string()}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const nlohmann::json* hip = nullptr;
  const nlohmann::json* opencl = nullptr;
  for (const auto& b : doc) {
    if (b["backend"] == "hip") hip = &b;
    if (b["backend"] == "opencl") opencl = &b;
  }
  ASSERT_NE(hip, nullptr) << r.out;
  ASSERT_NE(opencl, nullptr) << r.out;
  EXPECT_TRUE((*opencl)["available"].get<bool>()) << "the HIP worker must not take OpenCL down: " << r.out;

  if (!machine_has_amd_gpu_driver()) {
    EXPECT_FALSE((*hip)["available"].get<bool>()) << r.out;
    const std::string reason = (*hip)["reason"].get<std::string>();
    EXPECT_FALSE(reason.empty());
    // The runtime's own reason, not a crash report.
    EXPECT_NE(reason.find("hipGetDeviceCount"), std::string::npos) << reason;
    EXPECT_NE(reason.find("/dev/kfd"), std::string::npos) << reason;
  } else {
    ASSERT_TRUE((*hip)["available"].get<bool>()) << (*hip)["reason"];
    ASSERT_FALSE((*hip)["devices"].empty());
    const auto& info = (*hip)["devices"][0]["info"];
    EXPECT_EQ(info["type"], "gpu");
    EXPECT_TRUE(info["vendor"] == "AMD" || info["vendor"] == "Hygon") << info;
    EXPECT_EQ(info["arch"].get<std::string>().rfind("gfx", 0), 0u) << info;
    EXPECT_EQ(info["arch"].get<std::string>().find(':'), std::string::npos) << info;
    EXPECT_FALSE(info["name"].get<std::string>().empty());
    EXPECT_GT(info["compute_units"].get<int>(), 0);
    EXPECT_GT(info["global_mem_bytes"].get<std::uint64_t>(), 0u);
    EXPECT_NE(info["compiler_version"].get<std::string>().find("hiprtc"), std::string::npos);
  }

  // The plain listing says the same in words.
  const auto text = test::run_suanli({"devices"}, {{"SUANLI_CACHE_DIR", cache.path().string()}});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  if (!machine_has_amd_gpu_driver()) {
    EXPECT_NE(text.out.find("hip: unavailable: "), std::string::npos) << text.out;
  }
}

}  // namespace
}  // namespace suanli
