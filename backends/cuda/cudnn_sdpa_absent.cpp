// CudnnSdpa for a build without cuDNN's headers: the fused attention tier says why it is
// missing, and the harness runs the unfused path.
#include "backends/cuda/cudnn_sdpa.h"

namespace suanli::cuda {
namespace {
const char* const kReason = "this build has no cuDNN headers (cudnn_graph.h); rebuild with cuDNN 9 installed";
}  // namespace

struct CudnnSdpa::Runtime {};
struct CudnnSdpa::Plan {};

CudnnSdpa::CudnnSdpa(CUstream stream, ComputeCapability cc) : stream_(stream), cc_(cc) {}
CudnnSdpa::~CudnnSdpa() = default;

std::string CudnnSdpa::library_name() { return ""; }

std::optional<std::string> CudnnSdpa::can_implement(const AttentionProblem&) { return std::string(kReason); }

void CudnnSdpa::run(const AttentionProblem&, CUdeviceptr, CUdeviceptr, CUdeviceptr, CUdeviceptr) {
  throw BackendError(BackendError::Kind::unsupported, std::string("cuda: vendor attention: ") + kReason);
}

}  // namespace suanli::cuda
