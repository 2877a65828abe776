// cuDNN 9, loaded at run time with dlopen and never linked: cuDNN is a separate install on
// many GPU machines, so the plugin must load (and its GEMM tiers work) without it. Only
// the types and enums come from cudnn_graph.h; every function is resolved with dlsym.
#pragma once

#include <cudnn_graph.h>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace suanli::cuda {

// The cuDNN entry points used here, typed after cudnn_graph.h.
struct CudnnApi {
  std::string library;  // the name it was loaded by, e.g. "libcudnn.so.9"
  std::size_t version = 0;  // cudnnGetVersion(): major * 10000 + minor * 100 + patch
  decltype(&cudnnGetVersion) get_version = nullptr;
  decltype(&cudnnGetErrorString) get_error_string = nullptr;
  decltype(&cudnnGetLastErrorString) get_last_error_string = nullptr;
  decltype(&cudnnCreate) create = nullptr;
  decltype(&cudnnDestroy) destroy = nullptr;
  decltype(&cudnnSetStream) set_stream = nullptr;
  decltype(&cudnnBackendCreateDescriptor) create_descriptor = nullptr;
  decltype(&cudnnBackendDestroyDescriptor) destroy_descriptor = nullptr;
  decltype(&cudnnBackendSetAttribute) set_attribute = nullptr;
  decltype(&cudnnBackendGetAttribute) get_attribute = nullptr;
  decltype(&cudnnBackendFinalize) finalize = nullptr;
  decltype(&cudnnBackendExecute) execute = nullptr;
};

// The oldest cuDNN whose graph API this code is written against.
constexpr std::size_t kMinCudnnVersion = 90000;

// `$SUANLI_CUDNN_LIBRARY` when set (a test points it at a missing name; a lab can point it
// at a cuDNN outside the loader's path), else "libcudnn.so.9".
std::string cudnn_library_name();

struct CudnnLoad {
  std::shared_ptr<const CudnnApi> api;  // null when cuDNN cannot be used
  std::string error;                    // why api is null
};

// dlopen + dlsym + the version check; never throws for a missing or foreign library. The
// handle is never closed: cuDNN's sub-libraries stay loaded for the process anyway.
CudnnLoad load_cudnn(const std::string& library_name);

// "9.19.0" from cudnnGetVersion()'s number.
std::string cudnn_version_text(std::size_t version);

// "CUDNN_STATUS_NOT_SUPPORTED" (cudnnGetErrorString), or the number when it has no name.
std::string cudnn_status_name(const CudnnApi& api, cudnnStatus_t status);

// A failed cuDNN call, with its status kept so a caller can tell "no engine" from a fault.
struct CudnnError : std::runtime_error {
  cudnnStatus_t status;
  CudnnError(cudnnStatus_t s, const std::string& what) : std::runtime_error(what), status(s) {}
};

// Throws CudnnError naming `call`, the status name and cuDNN's last error message (when it
// kept one) if status is not CUDNN_STATUS_SUCCESS.
void check_cudnn(const CudnnApi& api, cudnnStatus_t status, const char* call);

}  // namespace suanli::cuda
