// Source -> AMDGPU code object with hiprtc. Needs no GPU: the suanli_hiprtc_check tool
// and CI compile for gfx906 / gfx90a on machines without one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.h"

namespace suanli::hip {

// The hiprtc options for one compile: the target and the -D defines, each one argument
// (so values may contain spaces). Throws BackendError for a define that is no identifier
// or whose value holds a line break.
std::vector<std::string> hiprtc_options(std::string_view arch, const std::vector<Define>& defines);

// "hiprtc 9.0, comgr 2.4": the compiler part of DeviceInfo::compiler_version.
std::string hiprtc_version_string();

// Empty when hiprtc can target `arch`; else why not. Asked before compiling because the
// comgr of ROCm 5.2 frees an invalid pointer and aborts the process when given a target
// it does not know (seen here with gfx1100 and gfx942), so an unknown arch must never
// reach hiprtcCompileProgram. The answer comes from comgr's own ISA list, not from ours.
std::optional<std::string> hiprtc_cannot_target(std::string_view arch);

struct HiprtcOutput {
  std::vector<unsigned char> code_object;
  std::string log;  // warnings, when the compile succeeded
};

// Compiles `full_source` (dialect already prepended). Throws BackendError{compile_failed}
// with hiprtc's log, or BackendError{unsupported} for an arch hiprtc cannot target.
HiprtcOutput hiprtc_compile(const std::string& full_source, std::string_view arch,
                            const std::vector<std::string>& options);

}  // namespace suanli::hip
