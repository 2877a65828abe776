#include "backends/cuda/cudnn_sdpa.h"

#include <cstdint>
#include <vector>

#include "backends/cuda/cuda_error.h"
#include "backends/cuda/cudnn_descriptor.h"
#include "backends/cuda/cudnn_library.h"
#include "backends/cuda/cudnn_sdpa_graph.h"
#include "backends/cuda/cudnn_sdpa_layout.h"

namespace suanli::cuda {
namespace {

// See cudnn_sdpa_graph.cpp: deprecated in newer headers, still the only form cuDNN 9.0 has.
constexpr auto kExecutionPlanHandle = static_cast<cudnnBackendAttributeName_t>(400);  // CUDNN_ATTR_EXECUTION_PLAN_HANDLE

// The softmax forms tried, preferred first (cudnn_sdpa_graph.h: SoftmaxStats).
constexpr SoftmaxStats kStatsForms[] = {SoftmaxStats::virtual_only, SoftmaxStats::output, SoftmaxStats::none};

// Engine configs asked of the heuristics when it cannot say how many it has.
constexpr std::int64_t kDefaultEngineConfigs = 16;

BackendError run_error(const std::string& what) { return BackendError(BackendError::Kind::generic, "cuda: cuDNN " + what); }

CUdeviceptr device_alloc(std::size_t bytes, const char* what) {
  CUdeviceptr p = 0;
  if (bytes == 0) return 0;
  check_cu(cuMemAlloc(&p, bytes), std::string("cuMemAlloc(") + std::to_string(bytes) + " bytes for " + what + ")");
  return p;
}

}  // namespace

struct CudnnSdpa::Runtime {
  std::shared_ptr<const CudnnApi> api;
  cudnnHandle_t handle = nullptr;
  ~Runtime() {
    if (handle != nullptr) api->destroy(handle);
  }
};

struct CudnnSdpa::Plan {
  SdpaGraph graph;
  // Kept for the plan's life, like the graph: whether cuDNN copies what a descriptor
  // attribute names is not promised, so nothing named is destroyed before the plan.
  std::unique_ptr<CudnnDescriptor> engine_config;
  std::unique_ptr<CudnnDescriptor> plan;
  CUdeviceptr workspace = 0;
  CUdeviceptr stats = 0;  // when graph.writes_stats
  // By-value scalars: cuDNN reads them from these addresses when the plan executes.
  float scale = 0;
  float mask_fill = sdpa_mask_fill();
  std::int32_t diagonal_offset = 0;
  // The variant pack of the last run, reused while the buffers stay the same.
  std::unique_ptr<CudnnDescriptor> variant_pack;
  std::vector<void*> pointers;
  ~Plan() {
    // Plans go before the context (CudaDevice's destructor), after the stream drained.
    if (workspace) cuMemFree(workspace);
    if (stats) cuMemFree(stats);
  }
};

CudnnSdpa::CudnnSdpa(CUstream stream, ComputeCapability cc) : stream_(stream), cc_(cc) {}

CudnnSdpa::~CudnnSdpa() {
  plans_.clear();  // descriptors before the handle and library they were made with
  rt_.reset();
}

const std::string* CudnnSdpa::load_error() {
  if (!load_tried_) {
    load_tried_ = true;
    CudnnLoad loaded = load_cudnn(cudnn_library_name());
    if (!loaded.api) {
      load_error_ = loaded.error;
    } else {
      auto rt = std::make_unique<Runtime>();
      rt->api = loaded.api;
      const cudnnStatus_t created = rt->api->create(&rt->handle);
      if (created != CUDNN_STATUS_SUCCESS) {
        rt->handle = nullptr;
        load_error_ = "cudnnCreate: " + cudnn_status_name(*rt->api, created);
      } else if (const cudnnStatus_t st = rt->api->set_stream(rt->handle, reinterpret_cast<cudaStream_t>(stream_));
                 st != CUDNN_STATUS_SUCCESS) {
        load_error_ = "cudnnSetStream: " + cudnn_status_name(*rt->api, st);
      } else {
        rt_ = std::move(rt);
      }
    }
  }
  return rt_ ? nullptr : &load_error_;
}

std::string CudnnSdpa::library_name() {
  if (load_error() != nullptr) return "";
  return "cudnn " + cudnn_version_text(rt_->api->version);
}

std::unique_ptr<CudnnSdpa::Plan> CudnnSdpa::build_plan(const AttentionProblem& p, std::string& why) {
  const auto& api = rt_->api;
  std::string failures;
  for (SoftmaxStats form : kStatsForms) {
    cudnnStatus_t status = CUDNN_STATUS_NOT_SUPPORTED;
    std::string detail;
    try {
      auto plan = std::make_unique<Plan>();
      plan->graph = build_sdpa_graph(api, rt_->handle, p, form);

      CudnnDescriptor heur(api, CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, "engine heuristics");
      heur.set_descriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, *plan->graph.graph)
          .set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_HEUR_MODE_A)
          .finalize();
      std::int64_t available = 0;
      if (api->get_attribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &available,
                             nullptr) != CUDNN_STATUS_SUCCESS ||
          available <= 0) {
        available = kDefaultEngineConfigs;
      }
      std::vector<std::unique_ptr<CudnnDescriptor>> configs;
      std::vector<cudnnBackendDescriptor_t> raw;
      for (std::int64_t i = 0; i < available; ++i) {
        configs.push_back(std::make_unique<CudnnDescriptor>(api, CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "engine config"));
        raw.push_back(configs.back()->get());
      }
      std::int64_t returned = 0;
      check_cudnn(*api,
                  api->get_attribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                     available, &returned, raw.data()),
                  "cudnnBackendGetAttribute(engine heuristics results)");
      // The heuristics' order is its preference; the first config that finalizes wins.
      for (std::int64_t i = 0; i < returned && i < available && !plan->plan; ++i) {
        auto candidate = std::make_unique<CudnnDescriptor>(api, CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "execution plan");
        try {
          candidate->set(kExecutionPlanHandle, rt_->handle)
              .set_descriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, *configs[static_cast<std::size_t>(i)]);
          candidate->finalize();
          plan->plan = std::move(candidate);
          plan->engine_config = std::move(configs[static_cast<std::size_t>(i)]);
        } catch (const CudnnError& e) {
          status = e.status;
          detail = e.what();
        }
      }
      if (plan->plan) {
        const std::int64_t workspace = plan->plan->get_i64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE);
        plan->workspace = device_alloc(static_cast<std::size_t>(workspace), "the cuDNN workspace");
        if (plan->graph.writes_stats) {
          const auto rows = *sdpa::element_count(sdpa::row_stats_layout(p));
          plan->stats = device_alloc(static_cast<std::size_t>(rows) * sizeof(float), "cuDNN's softmax statistics");
        }
        return plan;
      }
      if (returned <= 0) detail = "the heuristics returned no engine config";
    } catch (const CudnnError& e) {
      status = e.status;
      detail = e.what();
    }
    if (failures.empty()) why = "cuDNN has no engine for this graph: " + cudnn_status_name(*api, status);
    failures += std::string(failures.empty() ? "" : "; ") + softmax_stats_name(form) + ": " + detail;
  }
  why += " (" + failures + ")";
  return nullptr;
}

std::optional<std::string> CudnnSdpa::can_implement(const AttentionProblem& p) {
  if (auto why = sdpa::sdpa_problem_check(p)) return why;
  if (cc_.major < 8) {
    return "compute capability " + std::to_string(cc_.major) + "." + std::to_string(cc_.minor) +
           ": cuDNN's fused flash attention needs 8.0 or newer";
  }
  if (const std::string* why = load_error()) return *why;
  const PlanKey key{static_cast<int>(p.dtype), p.b, p.h, p.h_kv, p.s_q, p.s_kv, p.d, p.causal};
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    std::string why;
    std::unique_ptr<Plan> plan;
    try {
      plan = build_plan(p, why);
    } catch (const BackendError& e) {  // a workspace that does not fit
      why = e.what();
    }
    it = plans_.emplace(key, std::make_pair(std::move(plan), why)).first;
  }
  if (!it->second.first) return it->second.second;
  return std::nullopt;
}

void CudnnSdpa::run(const AttentionProblem& p, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr o) {
  if (auto why = can_implement(p)) throw BackendError(BackendError::Kind::unsupported, "cuda: vendor attention: " + *why);
  const PlanKey key{static_cast<int>(p.dtype), p.b, p.h, p.h_kv, p.s_q, p.s_kv, p.d, p.causal};
  Plan& plan = *plans_.at(key).first;
  const CudnnApi& api = *rt_->api;
  plan.scale = static_cast<float>(p.scale);
  plan.diagonal_offset = static_cast<std::int32_t>(p.s_kv - p.s_q);

  std::vector<std::int64_t> uids = {sdpa::kUidQ, sdpa::kUidK, sdpa::kUidV, sdpa::kUidO, sdpa::kUidScale};
  auto as_ptr = [](CUdeviceptr d) { return reinterpret_cast<void*>(static_cast<std::uintptr_t>(d)); };
  std::vector<void*> pointers = {as_ptr(q), as_ptr(k), as_ptr(v), as_ptr(o), &plan.scale};
  if (p.causal) {
    uids.push_back(sdpa::kUidMaskFill);
    pointers.push_back(&plan.mask_fill);
  }
  if (plan.graph.uses_diagonal_offset) {
    uids.push_back(sdpa::kUidDiagonalOffset);
    pointers.push_back(&plan.diagonal_offset);
  }
  if (plan.graph.writes_stats) {
    uids.push_back(sdpa::kUidStats);
    pointers.push_back(as_ptr(plan.stats));
  }
  try {
    if (!plan.variant_pack || plan.pointers != pointers) {
      auto pack = std::make_unique<CudnnDescriptor>(rt_->api, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "variant pack");
      pack->set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, uids)
          .set_pointers(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, pointers)
          .set_pointers(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, {as_ptr(plan.workspace)});
      pack->finalize();
      plan.variant_pack = std::move(pack);
      plan.pointers = pointers;
    }
    // The handle's stream is the device's: the work lands between the timer's events.
    check_cudnn(api, api.execute(rt_->handle, plan.plan->get(), plan.variant_pack->get()), "cudnnBackendExecute");
  } catch (const CudnnError& e) {
    throw run_error(e.what());
  }
}

}  // namespace suanli::cuda
