// suanli_nvrtc_check: compiles every portable kernel, in every dtype and every row of its
// config table, with NVRTC for real GPU targets, and reports what ptxas made of it
// (registers, spills, shared memory). Needs no GPU and no driver, so CI on a CPU-only
// machine still proves the kernels compile for sm_80 / sm_90a and do not spill
// (DESIGN.md: "NVRTC and hiprtc compile without a GPU").
//
// Native kernels (kernels/native_catalog.h, CUDA only) are compiled the same way, each
// dtype × alignment variant at its default tile, and their PTX (a second compile for the
// virtual architecture) must contain the instructions the kernel exists for (mma.sync,
// ldmatrix, cp.async): a silent fallback to scalar code would otherwise pass.
//
// Exit status: 0 when everything compiled without spills, 1 on any compile error, spill,
// missing native instruction, wgmma pipeline serialized by ptxas, or a serialization control
// that went undetected; 2 when NVRTC itself cannot be used (or lacks a target).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <regex>
#include <string>
#include <vector>

#include "backends/cuda/cuda_dialect.h"
#include "backends/cuda/nvrtc_compile.h"
#include "backends/kernel_build.h"
#include "kernels/kernel_catalog.h"
#include "kernels/native_catalog.h"
#include "kernels/portable_kernels.h"

namespace {

using suanli::PortableVariant;

// The GPU targets CI compiles for: Ampere (the oldest datacenter GPU in scope) and
// Hopper with its architecture-specific features.
const std::vector<std::string> kArchs = {"sm_80", "sm_90a"};

struct EntryReport {
  std::string function;
  int registers = -1;
  long spill_stores = -1, spill_loads = -1, stack_frame = -1, smem = -1;
};

// The lines of a compile log.
std::vector<std::string> log_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= log.size()) {
    const std::size_t end = std::min(log.find('\n', start), log.size());
    lines.push_back(log.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// ptxas -v output, one block per entry function:
//   ptxas info    : Compiling entry function 'gemm_smem_tiled' for 'sm_80'
//   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
//   ptxas info    : Used 128 registers, used 1 barriers, 8192 bytes smem, 392 bytes cmem[0]
std::vector<EntryReport> parse_ptxas_log(const std::string& log) {
  static const std::regex entry_re(R"(Compiling entry function '([^']+)')");
  static const std::regex frame_re(R"((\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads)");
  static const std::regex regs_re(R"(Used (\d+) registers)");
  static const std::regex smem_re(R"((\d+) bytes smem)");
  std::vector<EntryReport> entries;
  for (const std::string& line : log_lines(log)) {
    std::smatch m;
    if (std::regex_search(line, m, entry_re)) {
      entries.push_back(EntryReport{m[1].str()});
      continue;
    }
    if (entries.empty()) continue;
    EntryReport& e = entries.back();
    if (std::regex_search(line, m, frame_re)) {
      e.stack_frame = std::stol(m[1].str());
      e.spill_stores = std::stol(m[2].str());
      e.spill_loads = std::stol(m[3].str());
    }
    if (std::regex_search(line, m, regs_re)) e.registers = std::stoi(m[1].str());
    if (std::regex_search(line, m, smem_re)) e.smem = std::stol(m[1].str());
  }
  return entries;
}

// ptxas's notes that it made a wgmma kernel wait where the source did not: it serializes the
// wgmma pipeline (C7514, "Potential Performance Loss: wgmma.mma_async instructions are
// serialized due to ...") and injects warpgroup.arrive / warpgroup.wait (C7517, C7519) when
// registers a wgmma reads or writes are touched between its issue and its wait. The kernel
// is still correct, but its products no longer overlap anything: for a native kernel that
// exists to show what the tensor cores can do, a failure this check can see without a GPU.
std::vector<std::string> wgmma_serialization_notes(const std::string& log) {
  std::vector<std::string> out;
  for (const std::string& line : log_lines(log))
    if (line.find("Potential Performance Loss") != std::string::npos ||
        (line.find("injected") != std::string::npos && line.find("GMMA") != std::string::npos))
      out.push_back(line);
  return out;
}

struct Totals {
  int compiled = 0, failed = 0, spilled = 0, missing_instructions = 0, serialized = 0;
  bool control_detected = false;  // the serialization control's notes were found
};

// What is compiled: the label printed before each report, and the compile's inputs.
struct CompileJob {
  std::string label;         // kernel, dtype, config, arch
  std::string program_name;  // the file name NVRTC puts in messages
  std::string source;        // dialect + kernel, exactly as the backend compiles it
  std::vector<suanli::Define> defines;
};

// Compiles one job to CUBIN with ptxas -v and prints each entry's registers and spills.
void check_one(const CompileJob& job, const std::string& arch, Totals& totals) {
  const char* label = job.label.c_str();
  const suanli::cuda::NvrtcTarget target{arch, true};
  const auto options = suanli::cuda::nvrtc_options(target, job.defines, {"--ptxas-options=-v"});
  const suanli::cuda::NvrtcOutput out = suanli::cuda::nvrtc_compile(job.source, job.program_name, options, true);
  if (!out.ok) {
    std::printf("%s COMPILE ERROR (%s)\n%s\n", label, suanli::join_options(options).c_str(), out.log.c_str());
    ++totals.failed;
    return;
  }
  const std::vector<EntryReport> entries = parse_ptxas_log(out.log);
  if (entries.empty()) {
    std::printf("%s NO PTXAS REPORT (is --ptxas-options=-v honoured?)\n%s\n", label, out.log.c_str());
    ++totals.failed;
    return;
  }
  ++totals.compiled;
  for (const std::string& line : wgmma_serialization_notes(out.log)) {
    std::printf("%s WGMMA SERIALIZED: %s\n", label, line.c_str());
    ++totals.serialized;
  }
  for (const EntryReport& e : entries) {
    const bool spills = e.spill_stores != 0 || e.spill_loads != 0;
    std::printf("%s %-24s regs %3d  spill stores %4ld B  spill loads %4ld B  stack %4ld B  smem %6ld B  %s\n", label,
                e.function.c_str(), e.registers, e.spill_stores, e.spill_loads, e.stack_frame, e.smem,
                spills ? "SPILLS" : "ok");
    if (spills) ++totals.spilled;
  }
}

// Compiles the job to PTX for the virtual architecture of `arch` (sm_90a -> compute_90a)
// and checks that every required instruction is in it.
void check_ptx(const CompileJob& job, const std::string& arch, const std::vector<std::string>& required,
               Totals& totals) {
  const suanli::cuda::NvrtcTarget target{"compute_" + arch.substr(3), false};
  const auto options = suanli::cuda::nvrtc_options(target, job.defines);
  const suanli::cuda::NvrtcOutput out = suanli::cuda::nvrtc_compile(job.source, job.program_name, options, false);
  if (!out.ok) {
    std::printf("%s PTX COMPILE ERROR (%s)\n%s\n", job.label.c_str(), suanli::join_options(options).c_str(),
                out.log.c_str());
    ++totals.failed;
    return;
  }
  const std::string ptx(out.binary.begin(), out.binary.end());
  for (const std::string& instruction : required) {
    const bool found = ptx.find(instruction) != std::string::npos;
    std::printf("%s ptx has %-52s %s\n", job.label.c_str(), instruction.c_str(), found ? "ok" : "MISSING");
    if (!found) ++totals.missing_instructions;
  }
}

// A kernel that reads a wgmma accumulator before the wait that completes it, appended to the
// wgmma prelude: ptxas must serialize it. If the check found no note here, a toolkit whose
// ptxas words its notes differently would pass every real kernel unseen, so this control
// must be detected for the run to pass.
constexpr const char* kSerializationControl = R"(
extern "C" __global__ void serialization_control(float* out, unsigned a, unsigned b) {
  float d[64];
  for (int i = 0; i < 64; ++i) d[i] = 0.0f;
  wgmma_fence();
  wgmma_m64n128(d, wgmma_descriptor(a), wgmma_descriptor(b));
  wgmma_commit();
  out[threadIdx.x] = d[0];  // read while the wgmma may still be writing it
  wgmma_wait<0>();
  for (int i = 0; i < 64; ++i) out[64 * threadIdx.x + i] += d[i];
}
)";

// Compiles the control after the prelude of `wgmma_variant` (a native wgmma kernel) and
// requires the serialization notes to name it; the notes of this compile are not counted.
void check_serialization_control(const suanli::NativeVariant& wgmma_variant, Totals& totals) {
  const std::string source =
      suanli::source_with_dialect(suanli::cuda::cuda_dialect_source(), suanli::native_kernel_source(wgmma_variant.source)) +
      kSerializationControl;
  const suanli::cuda::NvrtcTarget target{"sm_90a", true};
  const auto options = suanli::cuda::nvrtc_options(target, wgmma_variant.defines, {"--ptxas-options=-v"});
  const suanli::cuda::NvrtcOutput out = suanli::cuda::nvrtc_compile(source, "serialization_control.cu", options, true);
  int named = 0;
  if (out.ok)
    for (const std::string& line : wgmma_serialization_notes(out.log))
      if (line.find("serialization_control") != std::string::npos) ++named;
  std::printf("%-46s wgmma serialization control: %d notes %s\n", "serialization_control", named,
              named > 0 ? "(detected) ok" : "NOT DETECTED");
  totals.control_detected = named > 0;
}

std::string label_of(const std::string& kernel, const std::string& dtype, const std::string& config, const std::string& arch) {
  char label[160];
  std::snprintf(label, sizeof label, "%-13s %-5s %-19s %-7s", kernel.c_str(), dtype.c_str(), config.c_str(), arch.c_str());
  return label;
}

}  // namespace

int main() {
  try {
    const std::vector<int> supported = suanli::cuda::nvrtc_supported_archs();
    for (const std::string& arch : kArchs) {
      const int cc = std::stoi(arch.substr(3, 2));
      if (std::find(supported.begin(), supported.end(), cc) == supported.end()) {
        std::printf("NVRTC %s cannot target %s\n", suanli::cuda::nvrtc_version().c_str(), arch.c_str());
        return 2;
      }
    }
    const std::string& include_dir = suanli::cuda::toolkit_include_dir();
    std::printf("NVRTC %s, CUDA headers: %s\n", suanli::cuda::nvrtc_version().c_str(),
                include_dir.empty() ? "(none found: fp16 kernels cannot compile)" : include_dir.c_str());

    Totals totals;
    for (const PortableVariant& v : suanli::portable_variants()) {
      // A CUDA device always reports itself as a GPU, so CPU-class rows never reach NVRTC.
      if (v.device_class == suanli::GemmDeviceClass::cpu) continue;
      // The backend compiles exactly this: dialect, then the kernel with its own line numbers.
      const std::string source =
          suanli::source_with_dialect(suanli::cuda::cuda_dialect_source(), suanli::portable_kernel_source(v.kernel));
      for (const std::string& arch : kArchs)
        check_one({label_of(v.kernel, v.dtype, v.config, arch), v.kernel + ".cl", source, v.defines}, arch, totals);
    }
    for (const suanli::NativeVariant& v : suanli::native_variants()) {
      if (v.backend != "cuda") continue;
      // The backend prepends its dialect to native sources too (harmless: macros only).
      const std::string source =
          suanli::source_with_dialect(suanli::cuda::cuda_dialect_source(), suanli::native_kernel_source(v.source));
      for (const std::string& arch : v.archs.empty() ? kArchs : v.archs) {
        const CompileJob job{label_of(v.kernel, v.dtype, v.config, arch), v.kernel + ".cu", source, v.defines};
        check_one(job, arch, totals);
        check_ptx(job, arch, v.ptx_requires, totals);
      }
    }
    const auto variants = suanli::native_variants();
    const auto wgmma = std::find_if(variants.begin(), variants.end(),
                                    [](const suanli::NativeVariant& v) { return v.kernel == "peak_wgmma" && v.dtype == "fp16"; });
    if (wgmma != variants.end()) {
      check_serialization_control(*wgmma, totals);
    } else {
      std::printf("serialization_control: no peak_wgmma fp16 variant to take the wgmma prelude from\n");
    }
    std::printf("\n%d compiled, %d compile errors, %d spilling entries, %d missing native instructions, "
                "%d wgmma serialization notes (control %s)\n",
                totals.compiled, totals.failed, totals.spilled, totals.missing_instructions, totals.serialized,
                totals.control_detected ? "detected" : "NOT DETECTED");
    return (totals.failed > 0 || totals.spilled > 0 || totals.missing_instructions > 0 || totals.serialized > 0 ||
            !totals.control_detected)
               ? 1
               : 0;
  } catch (const std::exception& e) {
    std::printf("suanli_nvrtc_check: %s\n", e.what());
    return 2;
  }
}
