// Shape-set files: comments, modifiers, labels; every bad line named FILE:LINE.
#include <gtest/gtest.h>

#include "harness/errors.h"
#include "harness/shape_file.h"

namespace suanli {
namespace {

std::string error_of(std::string_view text, bool attention) {
  try {
    if (attention) parse_attention_shape_file(text, "s.txt");
    else parse_gemm_shape_file(text, "s.txt");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ShapeFile, GemmLinesCommentsAndLabels) {
  const auto shapes = parse_gemm_shape_file("# lab set\n\n  64x32x16 name=qkv  \r\n128x128x128 # trailing\n", "s.txt");
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0], (GemmShape{64, 32, 16, ""}));
  EXPECT_EQ(shapes[0].label, "qkv");
  EXPECT_EQ(shapes[1].m, 128);
}

TEST(ShapeFile, AttentionModifiersInAnyOrder) {
  const auto shapes = parse_attention_shape_file("1x32x4096x128 causal kv_heads=8\n2x8x100x64 seq_kv=300 name=decode\n", "s.txt");
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0].h_kv, 8);
  EXPECT_TRUE(shapes[0].causal);
  EXPECT_EQ(shapes[0].s_kv, 4096);
  EXPECT_EQ(shapes[1].s_kv, 300);
  EXPECT_FALSE(shapes[1].causal);
  EXPECT_EQ(shapes[1].label, "decode");
}

TEST(ShapeFile, ErrorsNameFileAndLine) {
  EXPECT_EQ(error_of("", false), "s.txt: no shapes in the file");
  EXPECT_EQ(error_of("# only a comment\n\n", true), "s.txt: no shapes in the file");
  EXPECT_EQ(error_of("64x64x64\n64x0x64\n", false).rfind("s.txt:2: ", 0), 0u);
  EXPECT_EQ(error_of("64x64x64 fast\n", false), "s.txt:1: unknown gemm modifier 'fast' (known: name=LABEL)");
  EXPECT_EQ(error_of("\n\n1x8x64x64 kv_heads=3\n", true).rfind("s.txt:3: ", 0), 0u);
  EXPECT_EQ(error_of("1x8x64x64 kv_heads=0\n", true), "s.txt:1: kv_heads='0' is not a positive integer");
  EXPECT_EQ(error_of("1x8x64x64 seq_kv=1e3\n", true), "s.txt:1: seq_kv='1e3' is not a positive integer");
  EXPECT_EQ(error_of("1x8x64x64 sliding\n", true).rfind("s.txt:1: unknown attention modifier 'sliding'", 0), 0u);
  EXPECT_EQ(error_of(std::string("64x64x64\x01\n"), false), "s.txt:1: control character in the line");
  EXPECT_EQ(error_of(std::string(5000, '1'), false), "s.txt:1: line longer than 4096 bytes");
  EXPECT_EQ(error_of("64x64x64\n", true).rfind("s.txt:1: attention shape '64x64x64'", 0), 0u);
}

TEST(ShapeFile, MissingFileIsAUsageError) {
  EXPECT_THROW(read_gemm_shape_file("/nonexistent/shapes.txt"), UsageError);
}

}  // namespace
}  // namespace suanli
