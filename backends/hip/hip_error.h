// HIP and hiprtc status codes -> BackendError with readable text.
#pragma once

#include <hip/hip_runtime_api.h>
#include <hip/hiprtc.h>

#include <string>

#include "backends/backend.h"

namespace suanli::hip {

// "hipErrorNoDevice (no ROCm-capable device is detected)". ROCm's hipGetErrorString
// returns only the error's name (its own header says so), so common codes get a
// description here; newer runtimes' own text is used when it says more than the name.
std::string hip_error_text(hipError_t err);

// Throws BackendError("hip: <what>: <text>") unless err is hipSuccess. Out-of-memory
// codes become Kind::out_of_memory whatever `kind` says.
void check_hip(hipError_t err, const std::string& what, BackendError::Kind kind = BackendError::Kind::generic);

std::string hiprtc_error_text(hiprtcResult result);

// For calls whose failure changes nothing (cleanup, best-effort queries): hipError_t is
// [[nodiscard]], and this names the decision at each such call.
inline void ignore_error(hipError_t /*err*/) noexcept {}

}  // namespace suanli::hip
