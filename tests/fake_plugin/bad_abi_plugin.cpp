// A plugin built against another backend ABI: the loader must refuse it with a reason.
#include "backends/backend.h"

extern "C" __attribute__((visibility("default"))) int suanli_backend_abi_version() { return suanli::kBackendAbiVersion + 1000; }
extern "C" __attribute__((visibility("default"))) suanli::Backend* suanli_create_backend() { return nullptr; }
