#include "harness/coordinator.h"

#include "harness/errors.h"

#include <algorithm>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "harness/plugin_loader.h"
#include "harness/worker_process.h"

namespace suanli {
namespace {

nlohmann::json parse_line(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("type")) return {{"type", "garbage"}, {"text", line.substr(0, 200)}};
  return j;
}

nlohmann::json failed_case(const CaseSpec& spec, const std::string& reason) {
  nlohmann::json rec = case_record_base(spec);
  rec["status"] = "failed";
  rec["reason"] = reason;
  return rec;
}

}  // namespace

std::vector<BackendStatus> probe_backends(double timeout_s) {
  std::vector<BackendStatus> out;
  const auto plugins = find_plugins();
  std::vector<std::string> names = known_backends();
  for (const auto& p : plugins)
    if (std::find(names.begin(), names.end(), p.backend) == names.end()) names.push_back(p.backend);
  for (const auto& name : names) {
    BackendStatus st;
    st.backend = name;
    auto it = std::find_if(plugins.begin(), plugins.end(), [&](const PluginFile& f) { return f.backend == name; });
    if (it == plugins.end()) {
      st.reason = "not built in this configuration (no libsuanli-" + name + ".so in the plugin path)";
      out.push_back(st);
      continue;
    }
    st.plugin_path = it->path.string();
    try {
      WorkerProcess w({"worker", "--backend", name, "--list"});
      w.close_input();
      std::string line;
      const auto rs = w.read_line(line, timeout_s);
      if (rs == WorkerProcess::ReadStatus::timeout) {
        w.kill_now();
        st.reason = "listing devices timed out after " + std::to_string(static_cast<int>(timeout_s)) + " s";
      } else if (rs == WorkerProcess::ReadStatus::eof) {
        st.reason = "worker ended without an answer (" + w.wait_exit() + ")";
      } else {
        const auto j = parse_line(line);
        if (j["type"] == "devices") {
          for (const auto& d : j["devices"]) st.devices.push_back({d.at("index").get<int>(), device_info_from_json(d.at("info"))});
          st.available = !st.devices.empty();
          if (!st.available) st.reason = "the runtime reports no devices";
        } else if (j["type"] == "error") {
          st.reason = j.value("message", "unknown error");
        } else {
          st.reason = "worker answered something unexpected: " + line.substr(0, 200);
        }
      }
    } catch (const std::exception& e) {
      st.reason = e.what();
    }
    out.push_back(st);
  }
  return out;
}

DeviceRun run_on_device(const std::string& backend, int device_index, const std::vector<CaseSpec>& cases,
                        double case_timeout_s, const std::function<void(const nlohmann::json&)>& on_case,
                        const std::function<void(const DeviceInfo&)>& on_ready) {
  DeviceRun run;
  std::size_t next = 0;
  auto record = [&](nlohmann::json rec) {
    on_case(rec);
    run.cases.push_back(std::move(rec));
    ++next;
  };
  while (next < cases.size()) {
    WorkerProcess w({"worker", "--backend", backend, "--device", std::to_string(device_index)});
    std::string line;
    // Opening a device (runtime start-up, context creation) gets the case budget too.
    const auto rs = w.read_line(line, case_timeout_s);
    if (rs != WorkerProcess::ReadStatus::line) {
      if (rs == WorkerProcess::ReadStatus::timeout) w.kill_now();
      const std::string why = rs == WorkerProcess::ReadStatus::timeout ? "opening the device timed out" : "worker ended: " + w.wait_exit();
      if (!run.started) {
        run.error = why;
        return run;
      }
      record(failed_case(cases[next], why));
      continue;
    }
    const auto hello = parse_line(line);
    if (hello["type"] != "ready") {
      const std::string why = hello["type"] == "error" ? hello.value("message", "unknown error") : "unexpected worker answer: " + line.substr(0, 200);
      if (!run.started) {
        run.error = why;
        return run;
      }
      record(failed_case(cases[next], why));
      continue;
    }
    run.info = device_info_from_json(hello["device"]);
    if (!run.started && on_ready) on_ready(run.info);
    run.started = true;

    // One case in flight at a time, so the watchdog knows which case hung.
    bool restart = false;
    while (next < cases.size() && !restart) {
      const CaseSpec& spec = cases[next];
      if (!w.send_line(to_json(spec).dump())) {
        record(failed_case(spec, "worker ended before the case started: " + w.wait_exit()));
        restart = true;
        break;
      }
      const auto r = w.read_line(line, case_timeout_s);
      if (r == WorkerProcess::ReadStatus::timeout) {
        w.kill_now();
        w.wait_exit();
        record(failed_case(spec, "watchdog: no result after " + std::to_string(static_cast<int>(case_timeout_s)) +
                                     " s; the worker was killed"));
        restart = true;
      } else if (r == WorkerProcess::ReadStatus::eof) {
        record(failed_case(spec, "worker died during the case: " + w.wait_exit()));
        restart = true;
      } else {
        const auto j = parse_line(line);
        if (j["type"] == "result") {
          // After a failed case the device's state is unknown (a CUDA fault is sticky for
          // the whole context), so the next case starts in a fresh worker.
          restart = j["case"].value("status", "") == "failed";
          record(j["case"]);
          if (restart) {
            w.close_input();
            w.wait_exit();
          }
        } else {
          record(failed_case(spec, j["type"] == "error" ? j.value("message", "worker error") : "unexpected worker answer: " + line.substr(0, 200)));
          w.kill_now();
          restart = true;
        }
      }
    }
    if (!restart) {
      w.close_input();
      w.wait_exit();
    }
  }
  return run;
}

std::vector<DeviceRun> run_on_devices(const std::string& backend, const std::vector<DeviceJob>& jobs, double case_timeout_s,
                                      const std::function<void(int, const nlohmann::json&)>& on_case,
                                      const std::function<void(int, const DeviceInfo&)>& on_ready) {
  std::vector<DeviceRun> runs(jobs.size());
  std::vector<std::exception_ptr> errors(jobs.size());
  std::mutex callback_mutex;
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      const int index = jobs[i].device_index;
      try {
        runs[i] = run_on_device(
            backend, index, jobs[i].cases, case_timeout_s,
            [&](const nlohmann::json& rec) {
              std::lock_guard<std::mutex> lock(callback_mutex);
              on_case(index, rec);
            },
            [&](const DeviceInfo& info) {
              std::lock_guard<std::mutex> lock(callback_mutex);
              if (on_ready) on_ready(index, info);
            });
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return runs;
}

const BackendStatus& choose_backend(const std::vector<BackendStatus>& statuses, const std::string& wanted) {
  const BackendStatus* chosen = nullptr;
  if (!wanted.empty()) {
    for (const auto& st : statuses)
      if (st.backend == wanted) chosen = &st;
    if (!chosen) {
      std::string names;
      for (const auto& st : statuses) names += (names.empty() ? "" : ", ") + st.backend;
      throw UsageError("unknown backend '" + wanted + "' (known: " + names + ")");
    }
    if (!chosen->available) throw UsageError("backend " + wanted + " is unavailable: " + chosen->reason);
    return *chosen;
  }
  for (const auto& st : statuses)
    if (st.available) return st;
  std::string why;
  for (const auto& st : statuses) why += (why.empty() ? "" : "; ") + st.backend + ": " + st.reason;
  throw UsageError("no backend has a usable device (" + why + ")");
}

std::vector<int> select_devices(const std::string& device, const BackendStatus& backend) {
  const int count = static_cast<int>(backend.devices.size());
  std::vector<int> out;
  if (device == "all") {
    for (int i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  const int index = std::stoi(device);  // digits only: checked by the caller
  if (index >= count)
    throw UsageError("--device " + device + " does not exist: backend " + backend.backend + " has " + std::to_string(count) +
                     " device(s) (see suanli devices)");
  return {index};
}

}  // namespace suanli
