// One cuDNN backend descriptor, owned (destroyed with the object), with setters that derive
// the attribute's cudnnBackendAttributeType_t from the C++ type of the value, so the tag and
// the bytes cannot disagree. Every failure throws CudnnError naming the descriptor and the
// attribute, so a rejected graph says where.
#pragma once

#include <cudnn_graph.h>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/cuda/cudnn_library.h"

namespace suanli::cuda {

// The attribute type tag of each value type the SDPA graph sets. Descriptors and raw
// pointers are both void* in C, so they have setters of their own below.
template <typename T>
constexpr cudnnBackendAttributeType_t cudnn_attribute_type() {
  if constexpr (std::is_same_v<T, std::int64_t>) return CUDNN_TYPE_INT64;
  else if constexpr (std::is_same_v<T, bool>) return CUDNN_TYPE_BOOLEAN;
  else if constexpr (std::is_same_v<T, cudnnDataType_t>) return CUDNN_TYPE_DATA_TYPE;
  else if constexpr (std::is_same_v<T, cudnnPointwiseMode_t>) return CUDNN_TYPE_POINTWISE_MODE;
  else if constexpr (std::is_same_v<T, cudnnReduceTensorOp_t>) return CUDNN_TYPE_REDUCTION_OPERATOR_TYPE;
  else if constexpr (std::is_same_v<T, cudnnBackendHeurMode_t>) return CUDNN_TYPE_HEUR_MODE;
  else {
    static_assert(std::is_same_v<T, cudnnHandle_t>, "no cuDNN attribute type for this C++ type");
    return CUDNN_TYPE_HANDLE;
  }
}

class CudnnDescriptor {
 public:
  CudnnDescriptor(std::shared_ptr<const CudnnApi> api, cudnnBackendDescriptorType_t type, std::string name);
  ~CudnnDescriptor();
  CudnnDescriptor(const CudnnDescriptor&) = delete;
  CudnnDescriptor& operator=(const CudnnDescriptor&) = delete;

  cudnnBackendDescriptor_t get() const { return desc_; }

  template <typename T>
  CudnnDescriptor& set(cudnnBackendAttributeName_t attr, T value) {
    set_raw(attr, cudnn_attribute_type<T>(), 1, &value);
    return *this;
  }
  template <typename T>
  CudnnDescriptor& set(cudnnBackendAttributeName_t attr, const std::vector<T>& values) {
    set_raw(attr, cudnn_attribute_type<T>(), static_cast<std::int64_t>(values.size()), values.data());
    return *this;
  }
  CudnnDescriptor& set_descriptor(cudnnBackendAttributeName_t attr, const CudnnDescriptor& value);
  CudnnDescriptor& set_descriptors(cudnnBackendAttributeName_t attr, const std::vector<cudnnBackendDescriptor_t>& values);
  CudnnDescriptor& set_pointers(cudnnBackendAttributeName_t attr, const std::vector<void*>& values);
  void finalize();
  std::int64_t get_i64(cudnnBackendAttributeName_t attr) const;

 private:
  void set_raw(cudnnBackendAttributeName_t attr, cudnnBackendAttributeType_t type, std::int64_t count, const void* values);
  std::string call(const char* function, cudnnBackendAttributeName_t attr) const;

  std::shared_ptr<const CudnnApi> api_;
  cudnnBackendDescriptor_t desc_ = nullptr;
  std::string name_;
};

}  // namespace suanli::cuda
