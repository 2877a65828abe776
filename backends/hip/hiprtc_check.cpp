// suanli_hiprtc_check: compiles every portable kernel, for every dtype and every row of
// the GEMM config table, with hiprtc for real AMD targets -- on a machine without a GPU
// (CI). Prints each kernel's register use from the code object's metadata and exits
// non-zero on any compile error, or on a register spill in a config the harness would
// run on a GPU (a CPU row compiled for a GPU target is reported, not failed).
//
//   suanli_hiprtc_check [--arch gfx906,gfx90a] [--gemm-source FILE] [--verbose]
// --gemm-source checks an edited gemm.cl without rebuilding (the other kernels as built).
#include <cstdio>
#include <exception>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "backends/hip/code_object_info.h"
#include "backends/hip/hip_dialect.h"
#include "backends/hip/hiprtc_compile.h"
#include "kernels/kernel_catalog.h"
#include "kernels/portable_kernels.h"

namespace {


// The CI targets named in DESIGN.md: Vega 20 / MI50 (gfx906) and CDNA2 / MI200 (gfx90a).
constexpr const char* kDefaultArchs = "gfx906,gfx90a";

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    if (comma != 0) out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string count_text(int v) { return v < 0 ? "?" : std::to_string(v); }

}  // namespace

int main(int argc, char** argv) {
  std::string archs_arg = kDefaultArchs;
  std::string gemm_source_path;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--arch" && i + 1 < argc) {
      archs_arg = argv[++i];
    } else if (a == "--gemm-source" && i + 1 < argc) {
      gemm_source_path = argv[++i];
    } else if (a == "--verbose") {
      verbose = true;
    } else {
      std::fprintf(stderr, "usage: suanli_hiprtc_check [--arch gfx906,gfx90a] [--gemm-source FILE] [--verbose]\n");
      return 2;
    }
  }

  std::printf("%s\n", suanli::hip::hiprtc_version_string().c_str());
  std::string gemm_override;
  try {
    if (!gemm_source_path.empty()) gemm_override = read_file(gemm_source_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "suanli_hiprtc_check: %s\n", e.what());
    return 2;
  }
  int compiled = 0, failures = 0;
  for (const std::string& arch : split(archs_arg)) {
    for (const suanli::PortableVariant& v : suanli::portable_variants()) {
      // Spills fail the check only where the harness would run this config on a GPU.
      const bool enforced = v.device_class != suanli::GemmDeviceClass::cpu;
      const std::string label = v.kernel + " " + arch + " " + v.dtype + " " + v.config;
      try {
        const std::string source = suanli::hip::with_dialect(
            v.kernel == "gemm" && !gemm_override.empty() ? gemm_override : std::string(suanli::portable_kernel_source(v.kernel)));
        const auto options = suanli::hip::hiprtc_options(arch, v.defines);
        const suanli::hip::HiprtcOutput out = suanli::hip::hiprtc_compile(source, arch, options);
        ++compiled;
        if (verbose && !out.log.empty()) std::printf("%s: compiler log:\n%s\n", label.c_str(), out.log.c_str());
        std::vector<suanli::hip::KernelResources> kernels;
        try {
          kernels = suanli::hip::read_kernel_resources(out.code_object);
        } catch (const std::exception& e) {
          std::printf("%-44s ok (%zu-byte code object; no register report: %s)\n", label.c_str(), out.code_object.size(),
                      e.what());
          continue;
        }
        for (const auto& k : kernels) {
          const bool spills = k.sgpr_spill_count > 0 || k.vgpr_spill_count > 0;
          const char* verdict = !spills ? "ok" : enforced ? "SPILLS" : "spills (a CPU config, not run on GPUs)";
          std::printf("%-44s %-24s sgpr %3s vgpr %3s agpr %3s spill s%s/v%s lds %6llu B scratch %4llu B  %s\n",
                      label.c_str(), k.name.c_str(), count_text(k.sgpr_count).c_str(), count_text(k.vgpr_count).c_str(),
                      count_text(k.agpr_count).c_str(), count_text(k.sgpr_spill_count).c_str(),
                      count_text(k.vgpr_spill_count).c_str(), static_cast<unsigned long long>(k.group_segment_bytes),
                      static_cast<unsigned long long>(k.private_segment_bytes), verdict);
          if (spills && enforced) ++failures;
        }
      } catch (const suanli::BackendError& e) {
        ++failures;
        std::printf("%-44s FAILED: %s\n%s\n", label.c_str(), e.what(), e.log.c_str());
      } catch (const std::exception& e) {
        ++failures;
        std::printf("%-44s FAILED: %s\n", label.c_str(), e.what());
      }
    }
  }
  std::printf("%d compiled, %d failed or spilled\n", compiled, failures);
  return failures == 0 && compiled > 0 ? 0 : 1;
}
