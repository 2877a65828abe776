#include "backends/cuda/nvrtc_compile.h"

#include <dlfcn.h>
#include <nvrtc.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "backends/kernel_build.h"

namespace suanli::cuda {
namespace {

namespace fs = std::filesystem;

void check_nvrtc(nvrtcResult code, const char* call) {
  if (code == NVRTC_SUCCESS) return;
  const auto kind = code == NVRTC_ERROR_OUT_OF_MEMORY ? BackendError::Kind::out_of_memory : BackendError::Kind::generic;
  throw BackendError(kind, std::string("cuda: ") + call + " failed: " + nvrtcGetErrorString(code));
}

bool has_fp16_header(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / "cuda_fp16.h", ec);
}

std::string find_toolkit_include_dir() {
  std::vector<fs::path> candidates;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&nvrtcVersion), &info) != 0 && info.dli_fname != nullptr) {
    std::error_code ec;
    const fs::path lib_dir = fs::canonical(info.dli_fname, ec).parent_path();
    if (!ec) candidates.push_back(lib_dir.parent_path() / "include");  // <root>/lib64 -> <root>/include
  }
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"}) {
    if (const char* v = std::getenv(var); v != nullptr && *v != '\0') candidates.push_back(fs::path(v) / "include");
  }
#ifdef SUANLI_CUDA_BUILD_INCLUDE_DIR
  candidates.emplace_back(SUANLI_CUDA_BUILD_INCLUDE_DIR);
#endif
  candidates.emplace_back("/usr/local/cuda/include");
  for (const fs::path& dir : candidates) {
    if (has_fp16_header(dir)) return dir.string();
  }
  return {};
}

}  // namespace

std::string nvrtc_version() {
  int major = 0, minor = 0;
  check_nvrtc(nvrtcVersion(&major, &minor), "nvrtcVersion");
  return std::to_string(major) + "." + std::to_string(minor);
}

std::vector<int> nvrtc_supported_archs() {
  int count = 0;
  check_nvrtc(nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
  std::vector<int> archs(static_cast<std::size_t>(std::max(count, 0)));
  if (count > 0) check_nvrtc(nvrtcGetSupportedArchs(archs.data()), "nvrtcGetSupportedArchs");
  std::sort(archs.begin(), archs.end());
  return archs;
}

std::string sm_arch_name(int cc_major, int cc_minor) {
  return "sm_" + std::to_string(cc_major) + std::to_string(cc_minor) + (cc_major >= 9 ? "a" : "");
}

NvrtcTarget nvrtc_target_for(int cc_major, int cc_minor) {
  const int cc = 10 * cc_major + cc_minor;
  const std::vector<int> archs = nvrtc_supported_archs();
  if (std::find(archs.begin(), archs.end(), cc) != archs.end()) return {sm_arch_name(cc_major, cc_minor), true};
  int best = 0;
  for (int a : archs) {
    if (a <= cc) best = a;
  }
  if (best == 0) {
    throw BackendError(BackendError::Kind::unsupported,
                       "cuda: NVRTC " + nvrtc_version() + " cannot compile for compute capability " +
                           std::to_string(cc_major) + "." + std::to_string(cc_minor) +
                           (archs.empty() ? std::string() : " (oldest supported: sm_" + std::to_string(archs.front()) + ")"));
  }
  return {"compute_" + std::to_string(best), false};
}

const std::string& toolkit_include_dir() {
  static const std::string dir = find_toolkit_include_dir();
  return dir;
}

std::vector<std::string> nvrtc_options(const NvrtcTarget& target, const std::vector<Define>& defines,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> options{"--gpu-architecture=" + target.arch};
  for (std::string& d : define_options("cuda", defines, kArgvDefines)) options.push_back(std::move(d));
  if (const std::string& dir = toolkit_include_dir(); !dir.empty()) options.push_back("--include-path=" + dir);
  options.insert(options.end(), extra.begin(), extra.end());
  return options;
}

NvrtcOutput nvrtc_compile(const std::string& source, const std::string& program_name,
                          const std::vector<std::string>& options, bool cubin) {
  nvrtcProgram raw = nullptr;
  check_nvrtc(nvrtcCreateProgram(&raw, source.c_str(), program_name.c_str(), 0, nullptr, nullptr),
              "nvrtcCreateProgram");
  const auto destroy = [](nvrtcProgram* p) { nvrtcDestroyProgram(p); };
  std::unique_ptr<nvrtcProgram, decltype(destroy)> program(&raw, destroy);

  std::vector<const char*> argv;
  argv.reserve(options.size());
  for (const std::string& o : options) argv.push_back(o.c_str());
  const nvrtcResult compiled = nvrtcCompileProgram(raw, static_cast<int>(argv.size()), argv.data());

  NvrtcOutput out;
  std::size_t log_size = 0;
  if (nvrtcGetProgramLogSize(raw, &log_size) == NVRTC_SUCCESS && log_size > 1) {
    out.log.resize(log_size);
    if (nvrtcGetProgramLog(raw, out.log.data()) != NVRTC_SUCCESS) out.log.clear();
    while (!out.log.empty() && (out.log.back() == '\0' || out.log.back() == '\n')) out.log.pop_back();
  }
  if (compiled == NVRTC_ERROR_COMPILATION) return out;
  check_nvrtc(compiled, "nvrtcCompileProgram");

  std::size_t size = 0;
  if (cubin) {
    check_nvrtc(nvrtcGetCUBINSize(raw, &size), "nvrtcGetCUBINSize");
    out.binary.resize(size);
    check_nvrtc(nvrtcGetCUBIN(raw, reinterpret_cast<char*>(out.binary.data())), "nvrtcGetCUBIN");
  } else {
    check_nvrtc(nvrtcGetPTXSize(raw, &size), "nvrtcGetPTXSize");  // includes the NUL
    out.binary.resize(size);
    check_nvrtc(nvrtcGetPTX(raw, reinterpret_cast<char*>(out.binary.data())), "nvrtcGetPTX");
  }
  out.ok = true;
  return out;
}

}  // namespace suanli::cuda
