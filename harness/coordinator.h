// The parent side of a run: probes backends and drives one worker per device, with a
// per-case watchdog. Never loads a plugin itself.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "harness/case_spec.h"

namespace suanli {

struct BackendStatus {
  std::string backend;
  std::string plugin_path;  // "" when this build has no plugin for it
  bool available = false;
  std::string reason;  // why not available (loader / runtime message)
  std::vector<DeviceListing> devices;
};

// One entry per backend known to suanli or found as a plugin, in preference order.
std::vector<BackendStatus> probe_backends(double timeout_s = 120.0);

// The backend named `wanted` ("" = the first available one); throws UsageError naming the
// problem when it is unknown or unavailable, or when none is available.
const BackendStatus& choose_backend(const std::vector<BackendStatus>& statuses, const std::string& wanted);

// The device indices `device` names in `backend`: one index (digits only: the caller has
// checked), or "all". Throws UsageError when the index is past the backend's devices.
std::vector<int> select_devices(const std::string& device, const BackendStatus& backend);

struct DeviceRun {
  bool started = false;
  std::string error;  // why the worker could not open the device
  DeviceInfo info;
  std::vector<nlohmann::json> cases;  // one record per requested case, in order
};

// Runs `cases` on (backend, device) in a worker. A case that outlives `case_timeout_s`, or
// a worker that dies, fails that case with the reason; a fresh worker takes the rest.
// `on_case` is called as each record arrives (progress, journaling), before the next case
// is sent; `on_ready` once, when a worker first opens the device. With no cases, no
// worker is started.
DeviceRun run_on_device(const std::string& backend, int device_index, const std::vector<CaseSpec>& cases,
                        double case_timeout_s, const std::function<void(const nlohmann::json&)>& on_case,
                        const std::function<void(const DeviceInfo&)>& on_ready = {});

struct DeviceJob {
  int device_index = 0;
  std::vector<CaseSpec> cases;
};

// Runs every job at once, one thread (driving one worker at a time, as run_on_device) per
// device, so N devices take about as long as one. The callbacks get the job's device
// index and are called one at a time (under a lock), so they need no locking of their
// own. An exception from a callback stops that device's thread and is rethrown here once
// every thread has ended. Returns one DeviceRun per job, in order.
std::vector<DeviceRun> run_on_devices(const std::string& backend, const std::vector<DeviceJob>& jobs, double case_timeout_s,
                                      const std::function<void(int, const nlohmann::json&)>& on_case,
                                      const std::function<void(int, const DeviceInfo&)>& on_ready);

}  // namespace suanli
