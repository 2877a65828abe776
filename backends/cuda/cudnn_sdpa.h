// The CUDA backend's fused attention: cuDNN's flash-attention forward through the cuDNN 9
// graph API (cudnn_sdpa_graph.h), one execution plan per problem shape.
//
// cuDNN is loaded on first use, not when the device opens: a GEMM-only run never pays for
// it, and a machine without it loses the fused attention tier only (can_implement says why;
// the harness then runs the unfused path). Plans (engine chosen by cuDNN's heuristics,
// mode A) and their workspace are made in can_implement, which the harness calls before
// any timing, so a timed run() is only cuDNN's kernels on the device's stream.
#pragma once

#include <cuda.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "backends/backend.h"
#include "backends/cuda/cuda_info.h"

namespace suanli::cuda {

class CudnnSdpa {
 public:
  // Requires nothing yet; every later call needs the device's primary context current. The
  // library (cudnn_library.h: $SUANLI_CUDNN_LIBRARY or libcudnn.so.9) is named and loaded
  // on the first call that needs it.
  CudnnSdpa(CUstream stream, ComputeCapability cc);
  ~CudnnSdpa();
  CudnnSdpa(const CudnnSdpa&) = delete;
  CudnnSdpa& operator=(const CudnnSdpa&) = delete;

  // "cudnn 9.19.0", or "" when cuDNN cannot be loaded.
  std::string library_name();
  // nullopt = run() will work for p; otherwise why not (cuDNN missing, a limit, no engine).
  std::optional<std::string> can_implement(const AttentionProblem& p);
  // Enqueues the attention on the stream. Throws BackendError (unsupported when
  // can_implement refuses p, generic with the cudnnStatus name when cuDNN fails).
  void run(const AttentionProblem& p, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o);

 private:
  struct Runtime;
  struct Plan;
  using PlanKey = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool>;

  const std::string* load_error();  // null once cuDNN and a handle are ready
  std::unique_ptr<Plan> build_plan(const AttentionProblem& p, std::string& why);

  CUstream stream_;
  ComputeCapability cc_;
  bool load_tried_ = false;
  std::string load_error_;
  std::unique_ptr<Runtime> rt_;
  // A null plan with its reason records a problem cuDNN cannot do, so it is not retried.
  std::map<PlanKey, std::pair<std::unique_ptr<Plan>, std::string>> plans_;
};

}  // namespace suanli::cuda
