#include "backends/hip/hiprtc_compile.h"

#include <amd_comgr.h>
#include <hip/hiprtc.h>

#include <mutex>

#include "backends/hip/hip_error.h"
#include "backends/kernel_build.h"

namespace suanli::hip {
namespace {

// The processors comgr can target, e.g. "gfx906" from "amdgcn-amd-amdhsa--gfx906".
const std::vector<std::string>& comgr_processors() {
  static const std::vector<std::string> list = [] {
    std::vector<std::string> out;
    std::size_t n = 0;
    if (amd_comgr_get_isa_count(&n) != AMD_COMGR_STATUS_SUCCESS) return out;
    for (std::size_t i = 0; i < n; ++i) {
      const char* name = nullptr;
      if (amd_comgr_get_isa_name(i, &name) != AMD_COMGR_STATUS_SUCCESS || name == nullptr) continue;
      std::string_view s(name);
      const std::size_t dash = s.rfind('-');
      std::string_view processor = dash == std::string_view::npos ? s : s.substr(dash + 1);
      processor = processor.substr(0, processor.find(':'));
      out.emplace_back(processor);
    }
    return out;
  }();
  return list;
}

std::string program_log(hiprtcProgram program) {
  std::size_t size = 0;
  if (hiprtcGetProgramLogSize(program, &size) != HIPRTC_SUCCESS || size == 0) return {};
  std::string log(size, '\0');
  if (hiprtcGetProgramLog(program, log.data()) != HIPRTC_SUCCESS) return {};
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n' || log.back() == ' ')) log.pop_back();
  return log;
}

// Owns one hiprtc program.
class Program {
 public:
  explicit Program(const std::string& source) {
    const hiprtcResult r = hiprtcCreateProgram(&program_, source.c_str(), "suanli_kernel.hip", 0, nullptr, nullptr);
    if (r != HIPRTC_SUCCESS) {
      throw BackendError(BackendError::Kind::generic, "hip: hiprtcCreateProgram: " + hiprtc_error_text(r));
    }
  }
  ~Program() { hiprtcDestroyProgram(&program_); }
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  hiprtcProgram get() const { return program_; }

 private:
  hiprtcProgram program_ = nullptr;
};

}  // namespace

std::vector<std::string> hiprtc_options(std::string_view arch, const std::vector<Define>& defines) {
  // --offload-arch is what hiprtc 5.2 accepts (-arch= fails without a log there).
  std::vector<std::string> options = {"--offload-arch=" + std::string(arch), "-O3"};
  for (std::string& d : define_options("hip", defines, kArgvDefines)) options.push_back(std::move(d));
  return options;
}

std::string hiprtc_version_string() {
  int major = 0, minor = 0;
  std::string out = "hiprtc ";
  out += hiprtcVersion(&major, &minor) == HIPRTC_SUCCESS ? std::to_string(major) + "." + std::to_string(minor) : "unknown";
  std::size_t comgr_major = 0, comgr_minor = 0;
  amd_comgr_get_version(&comgr_major, &comgr_minor);
  out += ", comgr " + std::to_string(comgr_major) + "." + std::to_string(comgr_minor);
  return out;
}

std::optional<std::string> hiprtc_cannot_target(std::string_view arch) {
  const std::vector<std::string>& known = comgr_processors();
  if (known.empty()) return std::nullopt;  // comgr cannot list its targets: let hiprtc decide
  for (const std::string& p : known) {
    if (p == arch) return std::nullopt;
  }
  std::string list;
  for (const std::string& p : known) list += (list.empty() ? "" : " ") + p;
  return "hiprtc (" + hiprtc_version_string() + ") cannot compile for " + std::string(arch) +
         ": comgr's targets are " + list;
}

HiprtcOutput hiprtc_compile(const std::string& full_source, std::string_view arch,
                            const std::vector<std::string>& options) {
  if (auto why = hiprtc_cannot_target(arch)) throw BackendError(BackendError::Kind::unsupported, "hip: " + *why);

  // hiprtc does not document its compiles as thread-safe; one at a time is also all a
  // worker needs.
  static std::mutex compile_mutex;
  const std::lock_guard<std::mutex> lock(compile_mutex);

  Program program(full_source);
  std::vector<const char*> argv;
  argv.reserve(options.size());
  for (const std::string& o : options) argv.push_back(o.c_str());
  const hiprtcResult r = hiprtcCompileProgram(program.get(), static_cast<int>(argv.size()), argv.data());
  HiprtcOutput out;
  out.log = program_log(program.get());
  if (r != HIPRTC_SUCCESS) {
    throw BackendError(BackendError::Kind::compile_failed,
                       "hip: hiprtc failed for " + std::string(arch) + ": " + hiprtc_error_text(r) +
                           (out.log.empty() ? " (hiprtc gave no log)" : ""),
                       out.log);
  }
  std::size_t size = 0;
  if (hiprtcGetCodeSize(program.get(), &size) != HIPRTC_SUCCESS || size == 0) {
    throw BackendError(BackendError::Kind::compile_failed, "hip: hiprtc produced no code object for " + std::string(arch),
                       out.log);
  }
  out.code_object.resize(size);
  const hiprtcResult got = hiprtcGetCode(program.get(), reinterpret_cast<char*>(out.code_object.data()));
  if (got != HIPRTC_SUCCESS) {
    throw BackendError(BackendError::Kind::compile_failed, "hip: hiprtcGetCode: " + hiprtc_error_text(got), out.log);
  }
  return out;
}

}  // namespace suanli::hip
