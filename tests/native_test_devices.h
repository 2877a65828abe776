// The devices the native-tier unit tests ask about: a CUDA or AMD GPU or Hygon DCU of a given
// arch (as the CUDA / HIP plugins describe one) and this machine's PoCL CPU device (as the OpenCL
// plugin does).
#pragma once

#include <string>

#include "backends/backend.h"

namespace suanli::test {

inline DeviceInfo cuda_gpu(const std::string& arch, int sms = 132) {
  DeviceInfo d;
  d.name = "NVIDIA Test GPU";
  d.vendor = "NVIDIA";
  d.arch = arch;
  d.type = DeviceType::gpu;
  d.compute_units = sms;
  d.global_mem_bytes = 80ULL << 30;
  d.max_alloc_bytes = d.global_mem_bytes;
  d.local_mem_bytes = 48 * 1024;
  d.max_work_group_size = 1024;
  d.has_fp64 = true;
  d.has_fp16 = true;
  return d;
}

inline DeviceInfo amd_gpu(const std::string& arch, int cus = 110) {
  DeviceInfo d;
  d.name = "AMD Test GPU";
  d.vendor = "AMD";
  d.arch = arch;
  d.type = DeviceType::gpu;
  d.compute_units = cus;
  d.local_mem_bytes = 64 * 1024;
  d.max_work_group_size = 1024;
  d.has_fp64 = true;
  d.has_fp16 = true;
  return d;
}

// A Hygon DCU as the HIP plugin describes one: vendor Hygon (from the PCI ID), and the gfx
// processor its runtime reports; gfx906 for the Z100 generation (no matrix cores).
inline DeviceInfo hygon_dcu(const std::string& arch = "gfx906", int cus = 64) {
  DeviceInfo d = amd_gpu(arch, cus);
  d.name = "Hygon Test DCU";
  d.vendor = "Hygon";
  return d;
}

inline DeviceInfo pocl_cpu() {
  DeviceInfo d;
  d.name = "cpu-skylake-avx512-AMD EPYC";
  d.vendor = "AuthenticAMD";
  d.arch = "skylake-avx512";
  d.type = DeviceType::cpu;
  d.max_work_group_size = 4096;
  d.has_fp64 = true;
  d.has_fp16 = true;
  return d;
}

}  // namespace suanli::test
