// On-disk cache of compiled kernel binaries, shared by every backend plugin.
// A second run with the same source, defines, device, driver and compiler loads the
// binary instead of compiling (compilation never counts in the numbers, but it can take
// minutes on a large sweep).
//
// Location: $SUANLI_CACHE_DIR, else $XDG_CACHE_HOME/suanli/kernels, else
// $HOME/.cache/suanli/kernels. SUANLI_CACHE_DIR=off disables the cache.
// A cache that cannot be read or written is not an error: the kernel is compiled.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

struct CompileCacheKeyParts {
  std::string_view backend;           // "opencl"
  std::string_view source;            // the full source as compiled (dialect included)
  const std::vector<Define>* defines = nullptr;
  std::string_view options;           // extra compiler options
  std::string_view device_name;
  std::string_view driver_version;
  std::string_view compiler_version;
};

// 128-bit hex digest of all parts (order-sensitive, length-prefixed so no two part lists
// collide by concatenation).
std::string compile_cache_key(const CompileCacheKeyParts& parts);

class CompileCache {
 public:
  CompileCache();  // resolves the directory from the environment
  explicit CompileCache(std::optional<std::filesystem::path> dir);  // nullopt = disabled
  bool enabled() const { return dir_.has_value(); }
  const std::optional<std::filesystem::path>& dir() const { return dir_; }
  std::optional<std::vector<unsigned char>> load(const std::string& key) const;
  // Atomic (temp file + rename); returns false, and changes nothing, on failure.
  bool store(const std::string& key, const std::vector<unsigned char>& binary) const;

 private:
  std::optional<std::filesystem::path> dir_;
};

}  // namespace suanli
