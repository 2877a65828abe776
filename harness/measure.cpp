#include "harness/measure.h"

#include <algorithm>
#include <chrono>

namespace suanli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void note_clock(ThrottleCount& t, const DeviceState& s) {
  if (s.sm_clock_mhz && *s.sm_clock_mhz > 0) t.max_sm_clock_mhz = std::max(t.max_sm_clock_mhz.value_or(0.0), *s.sm_clock_mhz);
}

// "a, b" -> {"a", "b"}, each added once.
void note_reasons(ThrottleCount& t, const std::optional<std::string>& text) {
  if (!text) return;
  std::size_t start = 0;
  while (start <= text->size()) {
    std::size_t end = text->find(',', start);
    if (end == std::string::npos) end = text->size();
    std::string reason = text->substr(start, end - start);
    reason.erase(0, reason.find_first_not_of(' '));
    reason.erase(reason.find_last_not_of(' ') + 1);
    if (!reason.empty() && std::find(t.reasons.begin(), t.reasons.end(), reason) == t.reasons.end()) t.reasons.push_back(reason);
    start = end + 1;
  }
}

}  // namespace

Measurement measure(Device& device, const std::function<void()>& enqueue_once, const MeasureOptions& options) {
  Measurement m;
  for (int i = 0; i < options.warmup_runs; ++i) enqueue_once();
  device.synchronize();

  auto read_at = Clock::now();
  m.state_before = device.sample_state();
  const auto energy_from = Clock::now();
  double read_cost = seconds_since(read_at);
  ThrottleCount& t = m.throttle;
  t.known = m.state_before.throttled.has_value();
  note_clock(t, m.state_before);
  DeviceState latest = m.state_before;

  const auto start = Clock::now();
  for (;;) {
    if (t.known && !m.samples_s.empty() && seconds_since(read_at) >= kStateReadCostRatio * read_cost) {
      read_at = Clock::now();
      latest = device.sample_state();
      read_cost = seconds_since(read_at);
      ++t.state_reads;
      note_clock(t, latest);
    }
    if (t.known && latest.throttled.value_or(false)) {
      ++t.throttled_samples;
      note_reasons(t, latest.throttle_reasons);
    }
    if (!options.hot) device.flush_cache();
    device.timer_begin();
    enqueue_once();
    m.samples_s.push_back(device.timer_end());
    m.loop_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    m.stop = should_stop(m.samples_s, m.loop_seconds, options.policy);
    if (m.stop != StopReason::keep_going) break;
  }
  m.state_after = device.sample_state();
  const double energy_seconds = seconds_since(energy_from);
  note_clock(t, m.state_after);
  if (m.state_before.energy_j && m.state_after.energy_j && *m.state_after.energy_j >= *m.state_before.energy_j)
    m.energy = EnergyWindow{*m.state_after.energy_j - *m.state_before.energy_j, energy_seconds};
  m.stats = summarize(m.samples_s);
  return m;
}

}  // namespace suanli
