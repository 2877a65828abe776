// suanli_hiprtc_check: compiles every portable kernel, for every dtype and every row of
// the GEMM config table, with hiprtc for real AMD targets -- on a machine without a GPU
// (CI). Prints each kernel's register use from the code object's metadata and exits
// non-zero on any compile error, or on a register spill in a config the harness would
// run on a GPU (a CPU row compiled for a GPU target is reported, not failed).
//
// Native kernels (kernels/native_catalog.h, backend "hip": the MFMA GEMM and peak for gfx908,
// gfx90a, gfx942; the dot2 GEMM for gfx906) are compiled for each arch of their table entry,
// fail on an error or any spill, and their machine code must contain the instruction they
// exist for (v_mfma_*, v_dot2_f32_f16): hiprtc
// returns only a code object, no ISA text, so comgr disassembles it in-process
// (disassemble_code_object) and the mnemonic is searched in that text. An arch this
// hiprtc's comgr does not know (gfx942 for ROCm 5.2) is reported as such, not failed:
// asking it to compile one would abort the process (backends/hip/hiprtc_compile.h).
//
//   suanli_hiprtc_check [--arch gfx906,gfx90a] [--gemm-source FILE] [--verbose]
// --gemm-source checks an edited gemm.cl without rebuilding (the other kernels as built).
// --arch also limits the native section to the archs named.
#include <algorithm>
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
#include "kernels/native_catalog.h"
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

struct NativeTotals {
  int compiled = 0, failed = 0, spilled = 0, missing = 0, unknown_arch = 0;
};

std::size_t occurrences(const std::string& text, const std::string& word) {
  std::size_t n = 0;
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + word.size())) ++n;
  return n;
}

// One native variant for one arch: compile, registers and spills, instructions present.
void check_native(const suanli::NativeVariant& v, const std::string& arch, bool verbose, NativeTotals& totals) {
  char label_text[128];
  std::snprintf(label_text, sizeof label_text, "%-10s %-5s %-7s %-7s", v.kernel.c_str(), v.dtype.c_str(), v.config.c_str(),
                arch.c_str());
  const std::string label = label_text;
  if (auto why = suanli::hip::hiprtc_cannot_target(arch)) {
    ++totals.unknown_arch;
    std::printf("%s not compiled: %s is not known by this compiler (%s); not a failure\n", label.c_str(), arch.c_str(),
                suanli::hip::hiprtc_version_string().c_str());
    return;
  }
  try {
    const std::string source = suanli::hip::with_dialect(suanli::native_kernel_source(v.source));
    const suanli::hip::HiprtcOutput out = suanli::hip::hiprtc_compile(source, arch, suanli::hip::hiprtc_options(arch, v.defines));
    ++totals.compiled;
    if (verbose && !out.log.empty()) std::printf("%s: compiler log:\n%s\n", label.c_str(), out.log.c_str());
    for (const auto& k : suanli::hip::read_kernel_resources(out.code_object)) {
      // Native kernels are only ever run on GPUs: any spill fails.
      const bool spills = k.sgpr_spill_count != 0 || k.vgpr_spill_count != 0 || k.private_segment_bytes != 0;
      std::printf("%s %-10s sgpr %3s vgpr %3s agpr %3s spill s%s/v%s lds %6llu B scratch %4llu B  %s\n", label.c_str(),
                  k.name.c_str(), count_text(k.sgpr_count).c_str(), count_text(k.vgpr_count).c_str(),
                  count_text(k.agpr_count).c_str(), count_text(k.sgpr_spill_count).c_str(),
                  count_text(k.vgpr_spill_count).c_str(), static_cast<unsigned long long>(k.group_segment_bytes),
                  static_cast<unsigned long long>(k.private_segment_bytes), spills ? "SPILLS" : "ok");
      if (spills) ++totals.spilled;
    }
    const std::string isa = suanli::hip::disassemble_code_object(out.code_object, arch);
    for (const std::string& instruction : suanli::native_required_instructions(v, arch)) {
      const std::size_t n = occurrences(isa, instruction);
      std::printf("%s isa has %-28s x%-3zu %s\n", label.c_str(), instruction.c_str(), n, n > 0 ? "ok" : "MISSING");
      if (n == 0) ++totals.missing;
    }
  } catch (const suanli::BackendError& e) {
    ++totals.failed;
    std::printf("%s FAILED: %s\n%s\n", label.c_str(), e.what(), e.log.c_str());
  } catch (const std::exception& e) {
    ++totals.failed;
    std::printf("%s FAILED: %s\n", label.c_str(), e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string archs_arg = kDefaultArchs;
  std::string gemm_source_path;
  bool verbose = false, arch_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--arch" && i + 1 < argc) {
      archs_arg = argv[++i];
      arch_given = true;
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

  std::printf("\nnative kernels (MFMA, dot2):\n");
  const std::vector<std::string> named = split(archs_arg);
  NativeTotals native;
  for (const suanli::NativeVariant& v : suanli::native_variants()) {
    if (v.backend != "hip") continue;
    for (const std::string& arch : v.archs) {
      if (arch_given && std::find(named.begin(), named.end(), arch) == named.end()) continue;
      check_native(v, arch, verbose, native);
    }
  }
  std::printf("native: %d compiled, %d failed, %d spilling, %d missing instructions, %d archs unknown to this compiler\n",
              native.compiled, native.failed, native.spilled, native.missing, native.unknown_arch);
  const bool native_ok = native.failed == 0 && native.spilled == 0 && native.missing == 0;
  return failures == 0 && compiled > 0 && native_ok ? 0 : 1;
}
