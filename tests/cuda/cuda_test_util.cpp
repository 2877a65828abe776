#include "tests/cuda/cuda_test_util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <system_error>

#include "tests/test_util.h"

namespace suanli::test {

bool nvidia_gpu_present() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path gpus = "/proc/driver/nvidia/gpus";
  if (fs::is_directory(gpus, ec) && !fs::is_empty(gpus, ec)) return true;
  return fs::exists("/dev/nvidia0", ec);
}

std::map<std::string, std::string> cuda_test_env(const std::string& cache_dir) {
  return {{"SUANLI_PLUGIN_PATH", SUANLI_TEST_PLUGIN_DIR}, {"SUANLI_CACHE_DIR", cache_dir}};
}

nlohmann::json cuda_listing(const std::map<std::string, std::string>& env, nlohmann::json* all) {
  const CommandResult r = run_suanli({"devices", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_TRUE(doc.is_array()) << r.out;
  if (all != nullptr) *all = doc;
  if (!doc.is_array()) return nullptr;
  for (const auto& b : doc) {
    if (b.value("backend", "") == "cuda") return b;
  }
  return nullptr;
}

}  // namespace suanli::test
