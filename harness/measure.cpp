#include "harness/measure.h"

#include <chrono>

namespace suanli {

Measurement measure(Device& device, const std::function<void()>& enqueue_once, const MeasureOptions& options) {
  Measurement m;
  for (int i = 0; i < options.warmup_runs; ++i) enqueue_once();
  device.synchronize();

  m.state_before = device.sample_state();
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    if (!options.hot) device.flush_cache();
    device.timer_begin();
    enqueue_once();
    m.samples_s.push_back(device.timer_end());
    m.loop_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m.stop = should_stop(m.samples_s, m.loop_seconds, options.policy);
    if (m.stop != StopReason::keep_going) break;
  }
  m.state_after = device.sample_state();
  m.stats = summarize(m.samples_s);
  return m;
}

}  // namespace suanli
