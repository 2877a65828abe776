// A plugin whose runtime library cannot be found at load time (see CMakeLists.txt).
#include "backends/backend.h"

extern "C" int suanli_fake_runtime_version();

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() {
  return suanli_fake_runtime_version() > 0 ? suanli::kBackendAbiVersion : -1;
}
extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() { return nullptr; }
