#include "backends/cuda/cudnn_descriptor.h"

namespace suanli::cuda {

CudnnDescriptor::CudnnDescriptor(std::shared_ptr<const CudnnApi> api, cudnnBackendDescriptorType_t type,
                                 std::string name)
    : api_(std::move(api)), name_(std::move(name)) {
  check_cudnn(*api_, api_->create_descriptor(type, &desc_), ("cudnnBackendCreateDescriptor(" + name_ + ")").c_str());
}

CudnnDescriptor::~CudnnDescriptor() {
  if (desc_ != nullptr) api_->destroy_descriptor(desc_);
}

std::string CudnnDescriptor::call(const char* function, cudnnBackendAttributeName_t attr) const {
  return std::string(function) + "(" + name_ + ", attribute " + std::to_string(static_cast<int>(attr)) + ")";
}

void CudnnDescriptor::set_raw(cudnnBackendAttributeName_t attr, cudnnBackendAttributeType_t type, std::int64_t count,
                              const void* values) {
  check_cudnn(*api_, api_->set_attribute(desc_, attr, type, count, values),
              call("cudnnBackendSetAttribute", attr).c_str());
}

CudnnDescriptor& CudnnDescriptor::set_descriptor(cudnnBackendAttributeName_t attr, const CudnnDescriptor& value) {
  return set_descriptors(attr, {value.get()});
}

CudnnDescriptor& CudnnDescriptor::set_descriptors(cudnnBackendAttributeName_t attr,
                                                  const std::vector<cudnnBackendDescriptor_t>& values) {
  set_raw(attr, CUDNN_TYPE_BACKEND_DESCRIPTOR, static_cast<std::int64_t>(values.size()), values.data());
  return *this;
}

CudnnDescriptor& CudnnDescriptor::set_pointers(cudnnBackendAttributeName_t attr, const std::vector<void*>& values) {
  set_raw(attr, CUDNN_TYPE_VOID_PTR, static_cast<std::int64_t>(values.size()), values.data());
  return *this;
}

void CudnnDescriptor::finalize() {
  check_cudnn(*api_, api_->finalize(desc_), ("cudnnBackendFinalize(" + name_ + ")").c_str());
}

std::int64_t CudnnDescriptor::get_i64(cudnnBackendAttributeName_t attr) const {
  std::int64_t value = 0, count = 0;
  check_cudnn(*api_, api_->get_attribute(desc_, attr, CUDNN_TYPE_INT64, 1, &count, &value),
              call("cudnnBackendGetAttribute", attr).c_str());
  return value;
}

}  // namespace suanli::cuda
