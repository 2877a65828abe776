// The cuDNN operation graph of a scaled-dot-product attention forward, in the shape cuDNN's
// fused flash-attention engine recognises (sm_80+, fp16/bf16 in and out, fp32 inside):
//
//   S = Q·Kᵀ  ->  S·scale  ->  [causal: keep = row (+ Skv - Sq) >= col; S = keep ? S : fill]
//     ->  softmax as max (reduction), S - max, exp, sum (reduction), exp / sum  ->  O = P·V
//
// with, where asked, the softmax statistics max + log(sum) per row (the training form of
// the pattern). Layouts and ids come from cudnn_sdpa_layout.h.
#pragma once

#include <cudnn_graph.h>

#include <memory>
#include <vector>

#include "backends/backend.h"
#include "backends/cuda/cudnn_descriptor.h"

namespace suanli::cuda {

// What the graph does with the softmax statistics. Engines have matched the pattern with
// and without them across cuDNN 9 releases, so the caller tries these in turn.
enum class SoftmaxStats {
  virtual_only,  // computed into a virtual tensor nobody reads (the inference form)
  output,        // written to a (B, H, Sq, 1) fp32 tensor with id kUidStats
  none,          // not computed
};
const char* softmax_stats_name(SoftmaxStats s);

struct SdpaGraph {
  // Tensors, operator descriptors and operations, kept alive with the graph that names them.
  std::vector<std::unique_ptr<CudnnDescriptor>> parts;
  std::vector<cudnnBackendDescriptor_t> operations;  // in graph order
  std::unique_ptr<CudnnDescriptor> graph;            // finalized; null when built without a handle
  bool uses_diagonal_offset = false;                 // the variant pack needs kUidDiagonalOffset
  bool writes_stats = false;                         // ... and kUidStats
};

// Builds and finalizes every tensor and operation of `p`'s graph and, given a handle, the
// operation graph itself. Without a handle (no GPU needed) it checks what cuDNN can check
// of the descriptors alone. Throws CudnnError naming the descriptor cuDNN rejected.
SdpaGraph build_sdpa_graph(const std::shared_ptr<const CudnnApi>& api, cudnnHandle_t handle,
                           const AttentionProblem& p, SoftmaxStats stats);

// The score a masked key gets before the softmax: the most negative float rather than
// -inf, so an all-masked row would give a finite (if meaningless) result, never NaN.
float sdpa_mask_fill();

// cudnnDataType_t of the problem's element type (fp16 or bf16).
cudnnDataType_t sdpa_io_type(DType dtype);

}  // namespace suanli::cuda
