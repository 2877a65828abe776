// The measurement engine: the only code that times anything. Workloads declare one run
// of their work as a callable; this takes warm-up, cache flushes and device-event timing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "harness/stats.h"

namespace suanli {

struct MeasureOptions {
  SamplingPolicy policy;
  bool hot = false;     // keep caches warm: skip the last-level-cache flush between samples
  int warmup_runs = 2;  // untimed runs after the verified first run (clocks up, caches, JIT)
};

// Device-state reads inside the timed loop. Each sample is judged by the latest read taken
// before it (state_before for the first). A read is taken before a sample only when the
// backend reports throttle reasons at all (state_before.throttled known: NVML; not OpenCL,
// whose sample_state would cost a /proc read and tell nothing) and when at least
// kStateReadCostRatio times the last read's own duration has passed since it: NVML reads
// cost ~0.1-1 ms, so a kernel of microseconds gets a read every few ms (reads stay under
// ~5% of the loop's wall time) while every sample of a long kernel gets its own read.
constexpr double kStateReadCostRatio = 20.0;

struct ThrottleCount {
  bool known = false;         // the backend reads throttle reasons; else every count is unknown
  int throttled_samples = 0;  // samples whose latest read had throttled == true
  int state_reads = 0;        // reads taken inside the loop (besides state_before / state_after)
  std::vector<std::string> reasons;             // distinct reasons of those reads, first seen first
  std::optional<double> max_sm_clock_mhz;       // the highest SM clock of every read (before, loop, after)
};

// Energy over the timed loop, from the board's energy counter (DeviceState::energy_j) read
// with state_before and state_after: joules between the two reads and the host time between
// them. Flushes and the gaps between samples are inside the window.
struct EnergyWindow {
  double joules = 0;
  double seconds = 0;
};
// The shortest window given an average power: the counters advance in steps (NVML's every
// 20-100 ms on recent GPUs, as PETSc's documentation of the same counter says), so a shorter
// window would mostly measure the steps. `run --min-time` lengthens the loop.
constexpr double kEnergyMinWindowSeconds = 1.0;

struct Measurement {
  std::vector<double> samples_s;  // raw device-timed samples, in order
  SampleStats stats;
  StopReason stop = StopReason::keep_going;
  double loop_seconds = 0;  // wall time of the timed loop, flushes included
  DeviceState state_before, state_after;
  ThrottleCount throttle;
  std::optional<EnergyWindow> energy;  // nullopt: the device has no energy counter
};

// Runs `enqueue_once` (which only enqueues work on `device`) under the sampling policy:
// warm-up runs, then per sample: [state read,] flush (unless hot), timer_begin, enqueue,
// timer_end. The state read is outside the timed region.
Measurement measure(Device& device, const std::function<void()>& enqueue_once, const MeasureOptions& options);

}  // namespace suanli
