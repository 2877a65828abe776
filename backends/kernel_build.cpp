#include "backends/kernel_build.h"

#include "backends/compile_cache.h"

namespace suanli {

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

std::vector<std::string> define_options(std::string_view backend, const std::vector<Define>& defines,
                                        const DefineSyntax& syntax) {
  const std::string prefix = std::string(backend) + ": define ";
  std::vector<std::string> options;
  options.reserve(defines.size());
  for (const Define& d : defines) {
    if (!is_identifier(d.name)) {
      throw BackendError(BackendError::Kind::generic, prefix + "name '" + d.name + "' is not an identifier");
    }
    if (d.value.find_first_of(syntax.forbidden) != std::string::npos) {
      throw BackendError(BackendError::Kind::generic,
                         prefix + d.name + " has " + std::string(syntax.why) + ": '" + d.value + "'");
    }
    options.push_back(std::string(syntax.flag) + d.name + (d.value.empty() ? std::string() : "=" + d.value));
  }
  return options;
}

std::string join_options(const std::vector<std::string>& options) {
  std::string joined;
  for (const std::string& o : options) {
    if (!joined.empty()) joined += ' ';
    joined += o;
  }
  return joined;
}

std::string source_with_dialect(std::string_view dialect, std::string_view source) {
  std::string full;
  full.reserve(dialect.size() + source.size() + 16);
  full.append(dialect);
  full += "\n#line 1\n";
  full.append(source);
  return full;
}

std::string kernel_cache_key(std::string_view backend, std::string_view full_source,
                             const std::vector<Define>& defines, std::string_view options,
                             const DeviceInfo& info) {
  CompileCacheKeyParts parts;
  parts.backend = backend;
  parts.source = full_source;
  parts.defines = &defines;
  parts.options = options;
  parts.device_name = info.name;
  parts.driver_version = info.driver_version;
  parts.compiler_version = info.compiler_version;
  return compile_cache_key(parts);
}

}  // namespace suanli
