// Shared by the CUDA tests: what `suanli devices --json` says about cuda, and whether this
// machine has an NVIDIA GPU at all (judged without CUDA, so the answer cannot depend on the
// plugin under test).
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace suanli::test {

// True when the kernel driver exposes an NVIDIA GPU (/proc/driver/nvidia/gpus/* or /dev/nvidia0).
bool nvidia_gpu_present();

// Environment for running the suanli binary against the plugins of this build tree.
std::map<std::string, std::string> cuda_test_env(const std::string& cache_dir);

// The "cuda" entry of `suanli devices --json` (null when absent); the whole listing in `all`.
nlohmann::json cuda_listing(const std::map<std::string, std::string>& env, nlohmann::json* all = nullptr);

}  // namespace suanli::test
