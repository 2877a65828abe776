// What a compiled AMDGPU code object says about its kernels, read from the ELF's AMDGPU
// metadata note through comgr: register and spill counts (for the compile check), LDS
// and scratch sizes, and each kernel's explicit arguments (so launch() can refuse a
// mismatched argument list instead of running a kernel on garbage).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace suanli::hip {

struct KernelArgInfo {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::string value_kind;  // "global_buffer", "by_value", ...
};

struct KernelResources {
  std::string name;
  int sgpr_count = -1;  // -1: not in the metadata
  int vgpr_count = -1;
  int agpr_count = -1;  // gfx90a+ accumulation registers
  int sgpr_spill_count = -1;
  int vgpr_spill_count = -1;
  std::uint64_t group_segment_bytes = 0;    // static LDS
  std::uint64_t private_segment_bytes = 0;  // scratch per work-item (spills land here)
  int max_flat_workgroup_size = 0;
  std::vector<KernelArgInfo> args;  // explicit arguments only (hidden_* ones dropped)
};

// Throws std::runtime_error when comgr cannot read the metadata.
std::vector<KernelResources> read_kernel_resources(const std::vector<unsigned char>& code_object);

// The code object's machine code as assembly text, disassembled in-process by comgr
// (AMD_COMGR_ACTION_DISASSEMBLE_EXECUTABLE_TO_SOURCE; hiprtc itself returns no ISA text).
// `arch` is the processor it was compiled for ("gfx90a"). Throws std::runtime_error when
// comgr cannot disassemble it.
std::string disassemble_code_object(const std::vector<unsigned char>& code_object, const std::string& arch);

}  // namespace suanli::hip
