// The measurement engine: the only code that times anything. Workloads declare one run
// of their work as a callable; this takes warm-up, cache flushes and device-event timing.
#pragma once

#include <functional>
#include <vector>

#include "backends/backend.h"
#include "harness/stats.h"

namespace suanli {

struct MeasureOptions {
  SamplingPolicy policy;
  bool hot = false;     // keep caches warm: skip the last-level-cache flush between samples
  int warmup_runs = 2;  // untimed runs after the verified first run (clocks up, caches, JIT)
};

struct Measurement {
  std::vector<double> samples_s;  // raw device-timed samples, in order
  SampleStats stats;
  StopReason stop = StopReason::keep_going;
  double loop_seconds = 0;  // wall time of the timed loop, flushes included
  DeviceState state_before, state_after;
};

// Runs `enqueue_once` (which only enqueues work on `device`) under the sampling policy:
// warm-up runs, then per sample: flush (unless hot), timer_begin, enqueue, timer_end.
Measurement measure(Device& device, const std::function<void()>& enqueue_once, const MeasureOptions& options);

}  // namespace suanli
