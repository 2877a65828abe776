// Compiling CUDA C++ with NVRTC: the target choice, the options and the call itself.
// Uses no Driver API, so suanli_nvrtc_check can link it on a machine without a driver.
#pragma once

#include <string>
#include <vector>

#include "backends/backend.h"

namespace suanli::cuda {

// "13.0"
std::string nvrtc_version();

// The architectures this NVRTC can emit machine code for, as 10 * major + minor.
std::vector<int> nvrtc_supported_archs();

// "sm_80", "sm_89", "sm_90a", "sm_100a", "sm_120a": from Hopper on, the "a" variant enables
// the architecture-specific instructions (wgmma, setmaxnreg, tcgen05) that native kernels
// use; a CUBIN for sm_90a runs on exactly that architecture, which is what a per-device
// compile wants.
std::string sm_arch_name(int cc_major, int cc_minor);

struct NvrtcTarget {
  std::string arch;  // the --gpu-architecture value: "sm_90a", or "compute_120" for PTX
  bool cubin = true;  // false: PTX, which the driver JIT-compiles at cuModuleLoadData
};

// CUBIN for the device's own architecture when this NVRTC knows it; for a GPU newer than
// the NVRTC, PTX for the newest virtual architecture not above the device (PTX is forward
// compatible, CUBIN is not). Throws BackendError{unsupported} for a GPU older than every
// architecture this NVRTC supports.
NvrtcTarget nvrtc_target_for(int cc_major, int cc_minor);

// The toolkit include directory holding cuda_fp16.h, or "" when none is found. NVRTC has
// no built-in copy of the CUDA headers and the plugin may run on a machine whose toolkit
// lives elsewhere than on the build machine, so it is searched at run time: next to the
// libnvrtc actually loaded (its headers match that NVRTC), $CUDA_HOME, $CUDA_PATH, the
// directory recorded at build time, /usr/local/cuda.
const std::string& toolkit_include_dir();

// Options for nvrtcCompileProgram: target, -D defines, the include path, and `extra`
// (e.g. "--ptxas-options=-v"). No fast-math: results are verified against fp64. Throws
// BackendError for a define name that is not an identifier or a value with a newline.
std::vector<std::string> nvrtc_options(const NvrtcTarget& target, const std::vector<Define>& defines,
                                       const std::vector<std::string>& extra = {});

struct NvrtcOutput {
  bool ok = false;
  std::vector<unsigned char> binary;  // CUBIN or PTX (NUL-terminated), per the target
  std::string log;                    // compiler (and, with -v, ptxas) messages
};

// Compiles `source` as `program_name` (the file name in messages). A compile error is
// ok == false with the log; a failure of NVRTC itself throws BackendError.
NvrtcOutput nvrtc_compile(const std::string& source, const std::string& program_name,
                          const std::vector<std::string>& options, bool cubin);

}  // namespace suanli::cuda
