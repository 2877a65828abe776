// The tool's provenance, written into every results document (tool_json): generated at
// build time (cmake/build_info.cmake), so the git revision is the one the binary was built
// from, not the one the build directory was configured at.
#pragma once

namespace suanli::build_info {

extern const char* const version;       // the project version, "0.1.0"
extern const char* const git_revision;  // `git describe --always --dirty`, or "unknown"
extern const char* const build_type;    // CMAKE_BUILD_TYPE
extern const char* const compiler;      // "GNU 12.2.0"
extern const char* const cxx_flags;     // CMAKE_CXX_FLAGS and the build type's flags
extern const char* const sanitize;      // SUANLI_SANITIZE ("" when off)

}  // namespace suanli::build_info
