// Finds and loads backend plugins (libsuanli-<name>.so). Only a worker process loads a
// plugin; the parent only lists the files (DESIGN.md: runtimes that cannot share a
// process, and a crashing driver, stay inside one worker).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backends/backend.h"

namespace suanli {

struct PluginFile {
  std::string backend;  // "opencl" from libsuanli-opencl.so
  std::filesystem::path path;
};

// Directories searched, in order: $SUANLI_PLUGIN_PATH (colon-separated), then
// <directory of this executable>/../lib/suanli. The first file found for a name wins.
std::vector<std::filesystem::path> plugin_search_path();
std::vector<PluginFile> find_plugins();

// The backends this project knows, whether or not this build has them, in the order the
// default run prefers them (a GPU runtime before the OpenCL catch-all).
const std::vector<std::string>& known_backends();

// A loaded plugin: keeps the library open for as long as the backend lives.
class LoadedBackend {
 public:
  ~LoadedBackend();
  LoadedBackend(const LoadedBackend&) = delete;
  LoadedBackend& operator=(const LoadedBackend&) = delete;
  Backend& backend() { return *backend_; }

  // Throws std::runtime_error with the loader's reason (dlerror text, a missing symbol,
  // an ABI mismatch) when the plugin cannot load.
  static std::unique_ptr<LoadedBackend> load(const PluginFile& file);

 private:
  LoadedBackend() = default;
  void* handle_ = nullptr;
  std::unique_ptr<Backend> backend_;
};

}  // namespace suanli
