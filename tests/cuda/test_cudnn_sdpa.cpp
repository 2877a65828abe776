// The cuDNN SDPA pieces that need no GPU: tensor layouts, ids and limits (pure), the
// dlopen loader (a missing library must give the clean reason), and - where this machine
// has cuDNN 9 installed, as the CUDA build machine does - every tensor and operation of the
// graph finalized by the real library, which checks each attribute's name, type and value.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <set>
#include <string>

#include "backends/cuda/cudnn_library.h"
#include "backends/cuda/cudnn_sdpa_graph.h"
#include "backends/cuda/cudnn_sdpa_layout.h"

namespace {

using namespace suanli;
using namespace suanli::cuda;
using sdpa::TensorLayout;

AttentionProblem problem(std::int64_t b, std::int64_t h, std::int64_t h_kv, std::int64_t s_q, std::int64_t s_kv,
                         std::int64_t d, bool causal = false, DType dtype = DType::fp16) {
  AttentionProblem p;
  p.dtype = dtype;
  p.b = b;
  p.h = h;
  p.h_kv = h_kv;
  p.s_q = s_q;
  p.s_kv = s_kv;
  p.d = d;
  p.causal = causal;
  return p;
}

using Dims = std::array<std::int64_t, 4>;

// Offset of element idx in a layout.
std::int64_t offset(const TensorLayout& t, const Dims& idx) {
  std::int64_t o = 0;
  for (int i = 0; i < 4; ++i) o += idx[i] * t.strides[i];
  return o;
}

TEST(CudnnSdpaLayout, QueryAndOutputAreDenseRowMajor) {
  const auto p = problem(2, 8, 8, 100, 300, 64);
  const TensorLayout q = sdpa::q_layout(p);
  EXPECT_EQ(q.dims, (Dims{2, 8, 100, 64}));
  EXPECT_EQ(q.strides, (Dims{8 * 100 * 64, 100 * 64, 64, 1}));
  EXPECT_EQ(sdpa::o_layout(p).dims, q.dims);
  EXPECT_EQ(sdpa::o_layout(p).strides, q.strides);
  EXPECT_EQ(sdpa::scores_layout(p).dims, (Dims{2, 8, 100, 300}));
  EXPECT_EQ(sdpa::row_stats_layout(p).dims, (Dims{2, 8, 100, 1}));
  EXPECT_EQ(sdpa::row_stats_layout(p).strides, (Dims{800, 100, 1, 1}));
}

TEST(CudnnSdpaLayout, KeyTransposeIsTheSameMemory) {
  const auto p = problem(3, 8, 2, 50, 70, 32);  // grouped-query: 2 kv heads
  const TensorLayout kt = sdpa::k_transposed_layout(p);
  const TensorLayout k = sdpa::v_layout(p);  // K is stored exactly like V
  EXPECT_EQ(kt.dims, (Dims{3, 2, 32, 70}));
  EXPECT_EQ(k.dims, (Dims{3, 2, 70, 32}));
  // Kᵀ[b][h][c][j] is K[b][h][j][c] for every corner and an inner point.
  for (const Dims& i : {Dims{0, 0, 0, 0}, Dims{2, 1, 31, 69}, Dims{1, 0, 5, 17}, Dims{2, 1, 0, 69}}) {
    EXPECT_EQ(offset(kt, i), offset(k, Dims{i[0], i[1], i[3], i[2]}));
  }
  // The whole of K, and nothing past it, is addressed.
  EXPECT_EQ(offset(kt, Dims{2, 1, 31, 69}), 3 * 2 * 70 * 32 - 1);
}

TEST(CudnnSdpaLayout, IdsAreDistinctAndVirtualOnesComeAfter) {
  const std::set<std::int64_t> fixed = {sdpa::kUidQ,     sdpa::kUidK,     sdpa::kUidV,        sdpa::kUidO,
                                        sdpa::kUidStats, sdpa::kUidScale, sdpa::kUidMaskFill, sdpa::kUidDiagonalOffset};
  EXPECT_EQ(fixed.size(), 8u);
  EXPECT_GT(*fixed.begin(), 0);  // cuDNN reserves 0
  sdpa::VirtualUids v;
  const std::int64_t first = v.next(), second = v.next();
  EXPECT_GT(first, *fixed.rbegin());
  EXPECT_EQ(second, first + 1);
}

TEST(CudnnSdpaLayout, ProblemCheckAcceptsTheDocumentedRange) {
  EXPECT_EQ(sdpa::sdpa_problem_check(problem(1, 32, 32, 4096, 4096, 128)), std::nullopt);
  EXPECT_EQ(sdpa::sdpa_problem_check(problem(1, 32, 8, 4096, 4096, 64, true, DType::bf16)), std::nullopt);
  EXPECT_EQ(sdpa::sdpa_problem_check(problem(2, 4, 4, 100, 300, 72, true)), std::nullopt);  // Skv > Sq causal
}

TEST(CudnnSdpaLayout, ProblemCheckRefusesWithAReason) {
  auto reason = [](const AttentionProblem& p) { return sdpa::sdpa_problem_check(p).value_or(""); };
  EXPECT_NE(reason(problem(1, 4, 4, 64, 64, 64, false, DType::fp32)).find("fp16 or bf16"), std::string::npos);
  EXPECT_NE(reason(problem(1, 4, 4, 64, 64, 136)).find("head dim 136"), std::string::npos);
  EXPECT_NE(reason(problem(1, 4, 4, 64, 64, 60)).find("multiple of 8"), std::string::npos);
  EXPECT_NE(reason(problem(1, 4, 3, 64, 64, 64)).find("divide"), std::string::npos);
  EXPECT_NE(reason(problem(1, 4, 4, 300, 100, 64, true)).find("no visible key"), std::string::npos);
  EXPECT_EQ(reason(problem(1, 4, 4, 300, 100, 64, false)), "");  // not causal: every row sees keys
  EXPECT_NE(reason(problem(1, 4, 4, 0, 64, 64)).find("positive"), std::string::npos);
  EXPECT_NE(reason(problem(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 64)).find("overflow"), std::string::npos);
  EXPECT_NE(reason(problem(64, 64, 64, 8192, 8192, 128)).find("2^31"), std::string::npos);
}

TEST(CudnnLibrary, MissingLibraryGivesTheLoaderReason) {
  const CudnnLoad r = load_cudnn("libsuanli-no-such-cudnn.so.9");
  EXPECT_EQ(r.api, nullptr);
  EXPECT_TRUE(r.error.starts_with("cuDNN not found (libsuanli-no-such-cudnn.so.9): ")) << r.error;
  // dlerror's own text follows, naming the file.
  EXPECT_NE(r.error.find("libsuanli-no-such-cudnn.so.9: cannot open shared object file"), std::string::npos) << r.error;
}

TEST(CudnnLibrary, LibraryWithoutCudnnSymbolsIsRefused) {
  const CudnnLoad r = load_cudnn("libm.so.6");
  EXPECT_EQ(r.api, nullptr);
  EXPECT_NE(r.error.find("lacks cudnnGetVersion"), std::string::npos) << r.error;
}

TEST(CudnnLibrary, EnvironmentNamesTheLibrary) {
  const char* old = std::getenv("SUANLI_CUDNN_LIBRARY");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("SUANLI_CUDNN_LIBRARY", "/opt/x/libcudnn.so.9", 1);
  EXPECT_EQ(cudnn_library_name(), "/opt/x/libcudnn.so.9");
  ::unsetenv("SUANLI_CUDNN_LIBRARY");
  EXPECT_EQ(cudnn_library_name(), "libcudnn.so.9");
  if (old != nullptr) ::setenv("SUANLI_CUDNN_LIBRARY", saved.c_str(), 1);
}

TEST(CudnnLibrary, VersionText) {
  EXPECT_EQ(cudnn_version_text(91900), "9.19.0");
  EXPECT_EQ(cudnn_version_text(90102), "9.1.2");
}

// The real library, where installed (skipped with the loader's reason elsewhere).
std::shared_ptr<const CudnnApi> installed_cudnn(std::string& why) {
  CudnnLoad r = load_cudnn(cudnn_library_name());
  why = r.error;
  return r.api;
}

TEST(CudnnLibrary, InstalledLibraryLoads) {
  std::string why;
  const auto api = installed_cudnn(why);
  if (!api) GTEST_SKIP() << why;
  EXPECT_GE(api->version, kMinCudnnVersion);
  EXPECT_EQ(cudnn_status_name(*api, CUDNN_STATUS_SUCCESS), "CUDNN_STATUS_SUCCESS");
  EXPECT_EQ(cudnn_status_name(*api, CUDNN_STATUS_BAD_PARAM), "CUDNN_STATUS_BAD_PARAM");
}

struct GraphCase {
  AttentionProblem p;
  SoftmaxStats stats;
  std::size_t operations;  // expected graph operations
  bool offset, writes_stats;
};

// Every descriptor of the graph, finalized by cuDNN itself: an attribute of the wrong type,
// a misspelt mode or inconsistent dims fail here. The operation graph itself needs a
// handle (a GPU), so it is left to the gpu tests.
TEST(CudnnSdpaGraph, EveryDescriptorFinalizesWithoutAGpu) {
  std::string why;
  const auto api = installed_cudnn(why);
  if (!api) GTEST_SKIP() << why;
  // Plain: 2 matmuls, scale, max, sub, exp, sum, div = 8; stats add log and add; causal adds
  // two index generators, the compare and the select, and the diagonal offset when Sq != Skv.
  const GraphCase cases[] = {
      {problem(1, 4, 4, 128, 128, 64), SoftmaxStats::none, 8, false, false},
      {problem(1, 4, 4, 128, 128, 64), SoftmaxStats::virtual_only, 10, false, false},
      {problem(1, 4, 4, 128, 128, 64), SoftmaxStats::output, 10, false, true},
      {problem(2, 8, 2, 128, 128, 128, true, DType::bf16), SoftmaxStats::virtual_only, 14, false, false},
      {problem(1, 4, 1, 64, 192, 64, true), SoftmaxStats::output, 15, true, true},
  };
  for (const GraphCase& c : cases) {
    SCOPED_TRACE(std::string(softmax_stats_name(c.stats)) + (c.p.causal ? ", causal" : "") + ", Hkv " +
                 std::to_string(c.p.h_kv) + ", Skv " + std::to_string(c.p.s_kv));
    try {
      const SdpaGraph g = build_sdpa_graph(api, nullptr, c.p, c.stats);
      EXPECT_EQ(g.operations.size(), c.operations);
      EXPECT_EQ(g.uses_diagonal_offset, c.offset);
      EXPECT_EQ(g.writes_stats, c.writes_stats);
      EXPECT_EQ(g.graph, nullptr);
    } catch (const CudnnError& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

// The check above means something: cuDNN does validate when it finalizes. Three kv heads
// cannot serve four query heads, and the matmul says so.
TEST(CudnnSdpaGraph, CudnnRejectsHeadsThatDoNotBroadcast) {
  std::string why;
  const auto api = installed_cudnn(why);
  if (!api) GTEST_SKIP() << why;
  try {
    build_sdpa_graph(api, nullptr, problem(1, 4, 3, 64, 64, 64), SoftmaxStats::none);
    ADD_FAILURE() << "cuDNN accepted 4 query heads over 3 kv heads";
  } catch (const CudnnError& e) {
    EXPECT_NE(std::string(e.what()).find("cudnnBackendFinalize(Q*K^T)"), std::string::npos) << e.what();
    EXPECT_NE(e.status, CUDNN_STATUS_SUCCESS);
  }
}

}  // namespace
