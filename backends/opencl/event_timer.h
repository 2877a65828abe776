// Device-event timing for Device::timer_begin / timer_end: collects the profiling events
// of the commands enqueued while active and reports (latest END - earliest START).
#pragma once

#include <CL/cl.h>

#include <vector>

namespace suanli::opencl {

class EventTimer {
 public:
  EventTimer() = default;
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  ~EventTimer();

  void begin();
  bool active() const { return active_; }
  // Takes ownership of `event` (ignored when null). A `bracket` event (a marker enqueued
  // before a library call whose returned event covers only its last kernel) is used only
  // when its profiling data looks sane, since markers are profiled loosely by some drivers.
  void record(cl_event event, bool bracket = false);
  // Waits for the queue, returns seconds; throws BackendError when nothing was recorded
  // or a timed command failed. Ends the timing either way.
  double end(cl_command_queue queue);
  // Drops every recorded event and stops timing.
  void reset() noexcept;

 private:
  struct Entry {
    cl_event event;
    bool bracket;
  };
  bool active_ = false;
  std::vector<Entry> events_;
};

}  // namespace suanli::opencl
