// Steps of a kernel compile that every plugin takes the same way: the -D options made
// from the caller's defines, the source the compiler sees, the compile-cache key.
// No vendor headers: this is part of suanli_backend_common.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli {

// A C identifier, which a -D name must be for the compiler to define what was asked.
bool is_identifier(std::string_view s);

// How one compiler takes -D options.
struct DefineSyntax {
  std::string_view flag;       // "-D" (one argv entry per option) or "-D " (one option string)
  std::string_view forbidden;  // characters no value may hold for this compiler
  std::string_view why;        // ends "<backend>: define NAME has ..." when a value holds one
};

// NVRTC and hiprtc take each option as its own argv entry, so a value may hold spaces or
// quotes; a line break would end the #define the compiler writes for it.
inline constexpr DefineSyntax kArgvDefines{"-D", "\n\r", "a line break in its value"};

// "<flag>NAME" or "<flag>NAME=VALUE" for each define, in order. Throws BackendError{generic}
// naming `backend` for a name that is not an identifier or a value the syntax cannot carry.
std::vector<std::string> define_options(std::string_view backend, const std::vector<Define>& defines,
                                        const DefineSyntax& syntax);

// The options joined by single spaces, for cache keys, messages and OpenCL build options.
std::string join_options(const std::vector<std::string>& options);

// The source a plugin compiles: its dialect preamble, then the caller's source; the
// "#line 1" between them makes compiler messages use the caller's line numbers.
std::string source_with_dialect(std::string_view dialect, std::string_view source);

// The compile-cache key of one kernel build: everything that can change the binary.
// `options` must hold the target architecture where the compiler takes it as an option.
std::string kernel_cache_key(std::string_view backend, std::string_view full_source,
                             const std::vector<Define>& defines, std::string_view options,
                             const DeviceInfo& info);

}  // namespace suanli
