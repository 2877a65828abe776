// Shape-set files (`suanli run --shape-file FILE`): a lab's own list of cases, one per line.
//
//   # comment (to the end of the line); blank lines are skipped
//   4096x4096x4096                      gemm: MxNxK, optionally "name=LABEL"
//   1x32x4096x128 kv_heads=8 causal     attention: BxHxSxD, then kv_heads=N, seq_kv=N,
//                                       causal, name=LABEL in any order
//
// Every problem is reported as "FILE:LINE: ..." (a UsageError: one line, exit 2), and a
// file with no shapes at all is an error too, never an empty run.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/attention_shapes.h"
#include "harness/shapes.h"

namespace suanli {

std::vector<GemmShape> parse_gemm_shape_file(std::string_view text, const std::string& origin);
std::vector<AttentionShape> parse_attention_shape_file(std::string_view text, const std::string& origin);

// Reads the file (UsageError when it cannot) and parses it for `workload`.
std::vector<GemmShape> read_gemm_shape_file(const std::string& path);
std::vector<AttentionShape> read_attention_shape_file(const std::string& path);

}  // namespace suanli
