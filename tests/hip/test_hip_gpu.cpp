// On an AMD GPU or Hygon DCU: the acceptance run, verified. Skipped without one.
#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace suanli {
namespace {

TEST(HipGpu, PortableGemmRunsVerified) {
  test::TempDir dir;
  const std::map<std::string, std::string> env = {{"SUANLI_CACHE_DIR", (dir / "cache").string()}};
  const auto list = test::run_suanli({"devices", "--json"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  bool available = false;
  std::string reason;
  for (const auto& b : nlohmann::json::parse(list.out)) {
    if (b["backend"] == "hip") {
      available = b["available"].get<bool>();
      reason = b["reason"].get<std::string>();
    }
  }
  if (!available) GTEST_SKIP() << "no HIP device: " << reason;

  const auto r = test::run_suanli({"run", "--backend", "hip", "--tier", "portable", "--dtype", "fp32,fp16", "--shape",
                                   "129x257x63", "--shape", "1024x1024x1024", "--min-samples", "3", "--max-time", "0.5",
                                   "--out", (dir / "r.json").string()},
                                  env);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto doc = test::read_json(dir / "r.json");
  ASSERT_EQ(doc["cases"].size(), 4u);
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c.dump().substr(0, 600));
    EXPECT_EQ(c["backend"], "hip");
    EXPECT_EQ(c["status"], "ok");
    EXPECT_TRUE(c["verified"].get<bool>());
    EXPECT_GT(c["tflops"].get<double>(), 0.0);
  }
}

}  // namespace
}  // namespace suanli
