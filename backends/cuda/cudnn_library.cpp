#include "backends/cuda/cudnn_library.h"

#include <dlfcn.h>

#include <cstdlib>

namespace suanli::cuda {
namespace {

template <typename Fn>
bool bind(void* lib, const char* name, Fn& fn, std::string& missing) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
  if (fn == nullptr && missing.empty()) missing = name;
  return fn != nullptr;
}

}  // namespace

std::string cudnn_library_name() {
  const char* env = std::getenv("SUANLI_CUDNN_LIBRARY");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("libcudnn.so.9");
}

std::string cudnn_version_text(std::size_t version) {
  return std::to_string(version / 10000) + "." + std::to_string(version % 10000 / 100) + "." +
         std::to_string(version % 100);
}

CudnnLoad load_cudnn(const std::string& library_name) {
  CudnnLoad out;
  ::dlerror();
  void* lib = ::dlopen(library_name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    out.error = "cuDNN not found (" + library_name + "): " + (why != nullptr ? why : "dlopen failed");
    return out;
  }
  auto api = std::make_shared<CudnnApi>();
  api->library = library_name;
  std::string missing;
  bind(lib, "cudnnGetVersion", api->get_version, missing);
  bind(lib, "cudnnGetErrorString", api->get_error_string, missing);
  bind(lib, "cudnnGetLastErrorString", api->get_last_error_string, missing);
  bind(lib, "cudnnCreate", api->create, missing);
  bind(lib, "cudnnDestroy", api->destroy, missing);
  bind(lib, "cudnnSetStream", api->set_stream, missing);
  bind(lib, "cudnnBackendCreateDescriptor", api->create_descriptor, missing);
  bind(lib, "cudnnBackendDestroyDescriptor", api->destroy_descriptor, missing);
  bind(lib, "cudnnBackendSetAttribute", api->set_attribute, missing);
  bind(lib, "cudnnBackendGetAttribute", api->get_attribute, missing);
  bind(lib, "cudnnBackendFinalize", api->finalize, missing);
  bind(lib, "cudnnBackendExecute", api->execute, missing);
  if (!missing.empty()) {
    // cudnnGetLastErrorString is new in 9.0: its absence also means an older cuDNN.
    out.error = library_name + " lacks " + missing + " (not cuDNN 9 or newer)";
    return out;
  }
  api->version = api->get_version();
  if (api->version < kMinCudnnVersion) {
    out.error = library_name + " is cuDNN version " + std::to_string(api->version) + "; the graph API used here needs 9.0 or newer";
    return out;
  }
  out.api = std::move(api);
  return out;
}

std::string cudnn_status_name(const CudnnApi& api, cudnnStatus_t status) {
  const char* name = api.get_error_string != nullptr ? api.get_error_string(status) : nullptr;
  if (name != nullptr && *name != '\0') return name;
  return "cudnnStatus " + std::to_string(static_cast<int>(status));
}

void check_cudnn(const CudnnApi& api, cudnnStatus_t status, const char* call) {
  if (status == CUDNN_STATUS_SUCCESS) return;
  std::string what = std::string(call) + ": " + cudnn_status_name(api, status);
  if (api.get_last_error_string != nullptr) {
    char detail[512] = {};
    api.get_last_error_string(detail, sizeof detail);
    if (detail[0] != '\0') what += " (" + std::string(detail) + ")";
  }
  throw CudnnError(status, what);
}

}  // namespace suanli::cuda
