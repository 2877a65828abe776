#include "harness/worker.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "harness/attention_workload.h"
#include "harness/case_spec.h"
#include "harness/gemm_workload.h"
#include "harness/peak_workload.h"
#include "harness/plugin_loader.h"
#include "harness/stream_workload.h"

namespace suanli {
namespace {

// The protocol gets a private copy of stdout; fd 1 then points at stderr, so a runtime or
// library that prints (CLBlast does) cannot corrupt the JSON stream.
class ProtocolOut {
 public:
  ProtocolOut() {
    std::fflush(stdout);
    const int fd = dup(STDOUT_FILENO);
    file_ = fd >= 0 ? fdopen(fd, "w") : nullptr;
    if (file_) dup2(STDERR_FILENO, STDOUT_FILENO);
  }
  ~ProtocolOut() {
    if (file_) std::fclose(file_);
  }
  void send(const nlohmann::json& j) {
    FILE* f = file_ ? file_ : stdout;
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(line.data(), 1, line.size(), f);
    std::fflush(f);
  }

 private:
  FILE* file_ = nullptr;
};

nlohmann::json error_line(const std::string& message) { return {{"type", "error"}, {"message", message}}; }

}  // namespace

int worker_main(const std::string& backend_name, int device_index, bool list_only) {
  ProtocolOut out;
  std::unique_ptr<LoadedBackend> loaded;
  try {
    std::optional<PluginFile> file;
    for (const auto& f : find_plugins())
      if (f.backend == backend_name) file = f;
    if (!file) {
      out.send(error_line("no plugin libsuanli-" + backend_name + ".so in the plugin path"));
      return 1;
    }
    loaded = LoadedBackend::load(*file);
    auto listing = loaded->backend().devices();
    if (list_only) {
      nlohmann::json devs = nlohmann::json::array();
      for (const auto& d : listing) devs.push_back({{"index", d.index}, {"info", to_json(d.info)}});
      out.send({{"type", "devices"}, {"devices", devs}});
      return 0;
    }
    if (device_index < 0 || device_index >= static_cast<int>(listing.size())) {
      out.send(error_line("device " + std::to_string(device_index) + " does not exist (backend " + backend_name + " has " +
                          std::to_string(listing.size()) + " device(s))"));
      return 1;
    }
    auto device = loaded->backend().open(device_index);
    out.send({{"type", "ready"}, {"device", to_json(device->info())}});

    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      nlohmann::json result;
      try {
        const CaseSpec spec = case_spec_from_json(nlohmann::json::parse(line));
        if (spec.workload == "gemm") {
          result = run_gemm_case(*device, spec, backend_name);
        } else if (spec.workload == "attention") {
          result = run_attention_case(*device, spec, backend_name);
        } else if (spec.workload == "peak") {
          result = run_peak_case(*device, spec, backend_name);
        } else if (spec.workload == "stream") {
          result = run_stream_case(*device, spec);
        } else {
          result = {{"id", spec.id}, {"status", "skipped"}, {"reason", "unknown workload " + spec.workload}};
        }
      } catch (const std::exception& e) {
        out.send(error_line(std::string("bad case request: ") + e.what()));
        return 1;
      }
      out.send({{"type", "result"}, {"case", result}});
    }
    return 0;
  } catch (const std::exception& e) {
    out.send(error_line(e.what()));
    return 1;
  }
}

}  // namespace suanli
