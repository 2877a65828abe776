#include <gtest/gtest.h>

#include "harness/errors.h"
#include "harness/shapes.h"

namespace suanli {
namespace {

TEST(Shapes, ParsesMxNxK) {
  const GemmShape s = parse_gemm_shape("17x33x65");
  EXPECT_EQ(s.m, 17);
  EXPECT_EQ(s.n, 33);
  EXPECT_EQ(s.k, 65);
  EXPECT_EQ(to_string(s), "17x33x65");
  EXPECT_EQ(parse_gemm_shape("1x1x1"), (GemmShape{1, 1, 1, ""}));
}

// Each malformed shape names what is wrong with it.
TEST(Shapes, RejectsMalformed) {
  const std::pair<const char*, const char*> bad[] = {
      {"2048x", "expected three dimensions"}, {"0x5x5", "at least 1"},       {"-1x2x3", "at least 1"},
      {"axbxc", "not an integer"},            {"1x2x3x4", "three dimensions"}, {"", "three dimensions"},
      {"1xx3", "N is missing"},               {"99999999999999999999x1x1", "too large"},
      {"2097152x1x1", "exceeds the limit"},   {"12 x3x4", "not an integer"}};
  for (const auto& [text, why] : bad) {
    try {
      parse_gemm_shape(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << text << " -> " << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(Shapes, FlopCountIsTwoMNK) {
  EXPECT_DOUBLE_EQ(gemm_flops({2048, 2048, 2048, ""}), 2.0 * 2048.0 * 2048.0 * 2048.0);
  EXPECT_DOUBLE_EQ(gemm_flops({1000, 1, 1000, ""}), 2.0e6);
  EXPECT_DOUBLE_EQ(gemm_flops({65536, 65536, 65536, ""}), 2.0 * 65536.0 * 65536.0 * 65536.0);  // no int overflow
}

TEST(Shapes, NamedSets) {
  const auto gpu = gemm_shape_set("square", DeviceType::gpu);
  const auto cpu = gemm_shape_set("square", DeviceType::cpu);
  EXPECT_GT(gpu.size(), cpu.size());
  for (const auto& s : cpu) EXPECT_LE(s.m, 2048);
  const auto llm = gemm_shape_set("llm", DeviceType::gpu);
  ASSERT_FALSE(llm.empty());
  for (const auto& s : llm) EXPECT_FALSE(s.label.empty());
  // Llama-3-8B's fused QKV projection: 4096 hidden + 2 x 8 kv heads x 128.
  bool found = false;
  for (const auto& s : llm) found = found || (s.n == 6144 && s.k == 4096);
  EXPECT_TRUE(found);
  EXPECT_THROW(gemm_shape_set("cubes", DeviceType::gpu), UsageError);
}

}  // namespace
}  // namespace suanli
