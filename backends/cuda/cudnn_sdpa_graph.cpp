#include "backends/cuda/cudnn_sdpa_graph.h"

#include <limits>
#include <string>

#include "backends/cuda/cudnn_sdpa_layout.h"

namespace suanli::cuda {
namespace {

using sdpa::TensorLayout;

// Newer headers mark the handle attribute deprecated in favour of a device-property
// descriptor that cuDNN 9.0 does not have; the value is part of the stable ABI and every
// cuDNN 9 accepts it.
constexpr auto kOperationGraphHandle = static_cast<cudnnBackendAttributeName_t>(800);  // CUDNN_ATTR_OPERATIONGRAPH_HANDLE

// Tensor alignment promised to cuDNN: device buffers come from cuMemAlloc (256-byte
// aligned), host scalars are read by value.
constexpr std::int64_t kAlignment = 16;

class GraphBuilder {
 public:
  GraphBuilder(std::shared_ptr<const CudnnApi> api, SdpaGraph& out) : api_(std::move(api)), out_(out) {}

  const CudnnDescriptor& tensor(const char* name, std::int64_t uid, const TensorLayout& layout, cudnnDataType_t type,
                                bool is_virtual, bool by_value = false) {
    CudnnDescriptor& t = part(CUDNN_BACKEND_TENSOR_DESCRIPTOR, name);
    t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
        .set(CUDNN_ATTR_TENSOR_DIMENSIONS, std::vector<std::int64_t>(layout.dims.begin(), layout.dims.end()))
        .set(CUDNN_ATTR_TENSOR_STRIDES, std::vector<std::int64_t>(layout.strides.begin(), layout.strides.end()))
        .set(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
        .set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, kAlignment)
        .set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, is_virtual);
    if (by_value) t.set(CUDNN_ATTR_TENSOR_IS_BY_VALUE, true);
    t.finalize();
    return t;
  }

  const CudnnDescriptor& virtual_tensor(const char* name, const TensorLayout& layout, cudnnDataType_t type) {
    return tensor(name, uids_.next(), layout, type, true);
  }

  const CudnnDescriptor& scalar(const char* name, std::int64_t uid, cudnnDataType_t type) {
    return tensor(name, uid, sdpa::scalar_layout(), type, false, true);
  }

  // y = mode(x [, b] [, t]); math in `math`.
  void pointwise(const char* name, cudnnPointwiseMode_t mode, cudnnDataType_t math, const CudnnDescriptor& x,
                 const CudnnDescriptor* b, const CudnnDescriptor& y, const CudnnDescriptor* t = nullptr,
                 std::int64_t axis = -1) {
    CudnnDescriptor& op_desc = part(CUDNN_BACKEND_POINTWISE_DESCRIPTOR, name);
    op_desc.set(CUDNN_ATTR_POINTWISE_MODE, mode).set(CUDNN_ATTR_POINTWISE_MATH_PREC, math);
    if (axis >= 0) op_desc.set(CUDNN_ATTR_POINTWISE_AXIS, axis);
    op_desc.finalize();
    CudnnDescriptor& op = part(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR, name);
    op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, op_desc)
        .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, x)
        .set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, y);
    if (b != nullptr) op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b);
    if (t != nullptr) op.set_descriptor(CUDNN_ATTR_OPERATION_POINTWISE_TDESC, *t);
    add_operation(op);
  }

  void reduction(const char* name, cudnnReduceTensorOp_t reduce, const CudnnDescriptor& x, const CudnnDescriptor& y) {
    CudnnDescriptor& op_desc = part(CUDNN_BACKEND_REDUCTION_DESCRIPTOR, name);
    op_desc.set(CUDNN_ATTR_REDUCTION_OPERATOR, reduce)
        .set(CUDNN_ATTR_REDUCTION_COMP_TYPE, CUDNN_DATA_FLOAT)
        .finalize();
    CudnnDescriptor& op = part(CUDNN_BACKEND_OPERATION_REDUCTION_DESCRIPTOR, name);
    op.set_descriptor(CUDNN_ATTR_OPERATION_REDUCTION_DESC, op_desc)
        .set_descriptor(CUDNN_ATTR_OPERATION_REDUCTION_XDESC, x)
        .set_descriptor(CUDNN_ATTR_OPERATION_REDUCTION_YDESC, y);
    add_operation(op);
  }

  void matmul(const char* name, const CudnnDescriptor& a, const CudnnDescriptor& b, const CudnnDescriptor& c) {
    CudnnDescriptor& op_desc = part(CUDNN_BACKEND_MATMUL_DESCRIPTOR, name);
    op_desc.set(CUDNN_ATTR_MATMUL_COMP_TYPE, CUDNN_DATA_FLOAT).finalize();
    CudnnDescriptor& op = part(CUDNN_BACKEND_OPERATION_MATMUL_DESCRIPTOR, name);
    op.set_descriptor(CUDNN_ATTR_OPERATION_MATMUL_DESC, op_desc)
        .set_descriptor(CUDNN_ATTR_OPERATION_MATMUL_ADESC, a)
        .set_descriptor(CUDNN_ATTR_OPERATION_MATMUL_BDESC, b)
        .set_descriptor(CUDNN_ATTR_OPERATION_MATMUL_CDESC, c);
    add_operation(op);
  }

 private:
  CudnnDescriptor& part(cudnnBackendDescriptorType_t type, const char* name) {
    out_.parts.push_back(std::make_unique<CudnnDescriptor>(api_, type, name));
    return *out_.parts.back();
  }
  void add_operation(CudnnDescriptor& op) {
    op.finalize();
    out_.operations.push_back(op.get());
  }

  std::shared_ptr<const CudnnApi> api_;
  SdpaGraph& out_;
  sdpa::VirtualUids uids_;
};

}  // namespace

const char* softmax_stats_name(SoftmaxStats s) {
  switch (s) {
    case SoftmaxStats::virtual_only: return "inference softmax";
    case SoftmaxStats::output: return "softmax with stats output";
    case SoftmaxStats::none: return "softmax without stats";
  }
  return "?";
}

float sdpa_mask_fill() { return std::numeric_limits<float>::lowest(); }

cudnnDataType_t sdpa_io_type(DType dtype) { return dtype == DType::bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_HALF; }

SdpaGraph build_sdpa_graph(const std::shared_ptr<const CudnnApi>& api, cudnnHandle_t handle,
                           const AttentionProblem& p, SoftmaxStats stats) {
  SdpaGraph g;
  GraphBuilder b(api, g);
  const cudnnDataType_t io = sdpa_io_type(p.dtype);
  constexpr cudnnDataType_t f32 = CUDNN_DATA_FLOAT;
  const TensorLayout scores = sdpa::scores_layout(p);
  const TensorLayout rows = sdpa::row_stats_layout(p);

  const auto& q = b.tensor("Q", sdpa::kUidQ, sdpa::q_layout(p), io, false);
  const auto& k = b.tensor("K^T", sdpa::kUidK, sdpa::k_transposed_layout(p), io, false);
  const auto& v = b.tensor("V", sdpa::kUidV, sdpa::v_layout(p), io, false);
  const auto& o = b.tensor("O", sdpa::kUidO, sdpa::o_layout(p), io, false);
  const auto& scale = b.scalar("scale", sdpa::kUidScale, f32);

  const auto& s = b.virtual_tensor("S", scores, f32);
  b.matmul("Q*K^T", q, k, s);
  const CudnnDescriptor* scaled = &b.virtual_tensor("S*scale", scores, f32);
  b.pointwise("scale", CUDNN_POINTWISE_MUL, f32, s, &scale, *scaled);

  if (p.causal) {
    const auto& row = b.virtual_tensor("row index", scores, CUDNN_DATA_INT32);
    b.pointwise("row index", CUDNN_POINTWISE_GEN_INDEX, CUDNN_DATA_INT32, *scaled, nullptr, row, nullptr, 2);
    const CudnnDescriptor* last_key = &row;  // the last key row i may see: i + Skv - Sq
    if (p.s_kv != p.s_q) {
      const auto& offset = b.scalar("diagonal offset", sdpa::kUidDiagonalOffset, CUDNN_DATA_INT32);
      last_key = &b.virtual_tensor("row index + offset", scores, CUDNN_DATA_INT32);
      b.pointwise("diagonal offset", CUDNN_POINTWISE_ADD, CUDNN_DATA_INT32, row, &offset, *last_key);
      g.uses_diagonal_offset = true;
    }
    const auto& col = b.virtual_tensor("column index", scores, CUDNN_DATA_INT32);
    b.pointwise("column index", CUDNN_POINTWISE_GEN_INDEX, CUDNN_DATA_INT32, *scaled, nullptr, col, nullptr, 3);
    const auto& keep = b.virtual_tensor("visible", scores, CUDNN_DATA_BOOLEAN);
    b.pointwise("visible", CUDNN_POINTWISE_CMP_GE, CUDNN_DATA_BOOLEAN, *last_key, &col, keep);
    const auto& fill = b.scalar("mask fill", sdpa::kUidMaskFill, f32);
    const auto& masked = b.virtual_tensor("S masked", scores, f32);
    // BINARY_SELECT: y = t ? x : b.
    b.pointwise("causal mask", CUDNN_POINTWISE_BINARY_SELECT, f32, *scaled, &fill, masked, &keep);
    scaled = &masked;
  }

  const auto& row_max = b.virtual_tensor("row max", rows, f32);
  b.reduction("row max", CUDNN_REDUCE_TENSOR_MAX, *scaled, row_max);
  const auto& shifted = b.virtual_tensor("S - max", scores, f32);
  b.pointwise("S - max", CUDNN_POINTWISE_SUB, f32, *scaled, &row_max, shifted);
  const auto& e = b.virtual_tensor("exp", scores, f32);
  b.pointwise("exp", CUDNN_POINTWISE_EXP, f32, shifted, nullptr, e);
  const auto& row_sum = b.virtual_tensor("row sum", rows, f32);
  b.reduction("row sum", CUDNN_REDUCE_TENSOR_ADD, e, row_sum);
  if (stats != SoftmaxStats::none) {
    const auto& log_sum = b.virtual_tensor("log sum", rows, f32);
    b.pointwise("log sum", CUDNN_POINTWISE_LOG, f32, row_sum, nullptr, log_sum);
    const bool out = stats == SoftmaxStats::output;
    const auto& st = out ? b.tensor("stats", sdpa::kUidStats, rows, f32, false) : b.virtual_tensor("stats", rows, f32);
    b.pointwise("stats", CUDNN_POINTWISE_ADD, f32, row_max, &log_sum, st);
    g.writes_stats = out;
  }
  const auto& prob = b.virtual_tensor("P", scores, f32);
  b.pointwise("P", CUDNN_POINTWISE_DIV, f32, e, &row_sum, prob);
  b.matmul("P*V", prob, v, o);

  if (handle != nullptr) {
    g.graph = std::make_unique<CudnnDescriptor>(api, CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "operation graph");
    g.graph->set_descriptors(CUDNN_ATTR_OPERATIONGRAPH_OPS, g.operations).set(kOperationGraphHandle, handle);
    g.graph->finalize();
  }
  return g;
}

}  // namespace suanli::cuda
