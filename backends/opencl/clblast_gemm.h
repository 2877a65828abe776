// The OpenCL vendor tier: GEMM through CLBlast, when the build found it
// (SUANLI_HAVE_CLBLAST); otherwise every call says the tier is not built.
#pragma once

#include <CL/cl.h>

#include <optional>
#include <string>

#include "backends/backend.h"

namespace suanli::opencl {

// "clblast 1.5.3", or "" when built without CLBlast.
std::string clblast_library_name();

// nullopt = CLBlast can run this problem on the device; otherwise the reason it cannot.
std::optional<std::string> clblast_gemm_can_implement(const GemmProblem& p, const DeviceInfo& info);

// Bytes per element of the matrices for a dtype CLBlast accepts (0 for the others).
std::size_t clblast_element_bytes(DType dtype);

// Enqueues row-major C = alpha*A*B + beta*C on `queue` (lda = k, ldb = n, or k when B is
// given transposed, ldc = n; p.batch > 1: strided-batched over packed matrices). `event`,
// when not null, receives the event of the call. Throws BackendError on a CLBlast error.
void clblast_gemm(const GemmProblem& p, cl_command_queue queue, cl_mem a, cl_mem b, cl_mem c,
                  cl_event* event);

}  // namespace suanli::opencl
