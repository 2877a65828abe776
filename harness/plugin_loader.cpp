#include "harness/plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace suanli {
namespace {

std::filesystem::path executable_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::filesystem::current_path();
  return exe.parent_path();
}

}  // namespace

std::vector<std::filesystem::path> plugin_search_path() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("SUANLI_PLUGIN_PATH"); env && *env) {
    std::string s(env);
    std::size_t start = 0;
    while (start <= s.size()) {
      const auto end = s.find(':', start);
      const auto part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!part.empty()) dirs.emplace_back(part);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  dirs.push_back((executable_dir() / ".." / "lib" / "suanli").lexically_normal());
  return dirs;
}

std::vector<PluginFile> find_plugins() {
  std::vector<PluginFile> found;
  const std::string prefix = "libsuanli-";
  const std::string suffix = ".so";
  for (const auto& dir : plugin_search_path()) {
    std::error_code ec;
    std::vector<PluginFile> here;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      const auto backend = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
      bool seen = false;
      for (const auto& f : found) seen = seen || f.backend == backend;
      if (!seen) here.push_back({backend, entry.path()});
    }
    // Directory order is arbitrary; sort so listings and the default choice are stable.
    std::sort(here.begin(), here.end(), [](const PluginFile& x, const PluginFile& y) { return x.backend < y.backend; });
    found.insert(found.end(), here.begin(), here.end());
  }
  return found;
}

const std::vector<std::string>& known_backends() {
  static const std::vector<std::string> kKnown = {"cuda", "hip", "opencl"};
  return kKnown;
}

LoadedBackend::~LoadedBackend() {
  backend_.reset();
  // The library stays mapped: runtimes (PoCL, CUDA) register atexit handlers that would
  // run on unmapped code if we dlclose'd here.
}

std::unique_ptr<LoadedBackend> LoadedBackend::load(const PluginFile& file) {
  void* handle = dlopen(file.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* err = dlerror();
    throw std::runtime_error(err ? err : ("cannot load " + file.path.string()));
  }
  auto abi = reinterpret_cast<suanli_backend_abi_version_fn>(dlsym(handle, "suanli_backend_abi_version"));
  auto create = reinterpret_cast<suanli_create_backend_fn>(dlsym(handle, "suanli_create_backend"));
  if (!abi || !create) throw std::runtime_error(file.path.string() + " is not a suanli backend plugin (missing entry points)");
  if (abi() != kBackendAbiVersion)
    throw std::runtime_error(file.path.string() + " was built for backend ABI " + std::to_string(abi()) +
                             ", this suanli expects " + std::to_string(kBackendAbiVersion) + " (rebuild it)");
  Backend* backend = create();
  if (!backend) throw std::runtime_error(file.path.string() + ": suanli_create_backend returned no backend");
  std::unique_ptr<LoadedBackend> loaded(new LoadedBackend());
  loaded->handle_ = handle;
  loaded->backend_.reset(backend);
  return loaded;
}

}  // namespace suanli
