#include "backends/opencl/event_timer.h"

#include <algorithm>
#include <limits>
#include <string>

#include "backends/backend.h"
#include "backends/opencl/cl_error.h"

namespace suanli::opencl {

EventTimer::~EventTimer() { reset(); }

void EventTimer::reset() noexcept {
  for (const Entry& e : events_) clReleaseEvent(e.event);
  events_.clear();
  active_ = false;
}

void EventTimer::begin() {
  reset();
  active_ = true;
}

void EventTimer::record(cl_event event, bool bracket) {
  if (event == nullptr) return;
  if (!active_) {
    clReleaseEvent(event);
    return;
  }
  try {
    events_.push_back(Entry{event, bracket});
  } catch (...) {
    clReleaseEvent(event);
    throw;
  }
}

double EventTimer::end(cl_command_queue queue) {
  if (!active_) throw BackendError(BackendError::Kind::generic, "opencl: timer_end without timer_begin");
  active_ = false;
  struct Releaser {
    EventTimer* self;
    ~Releaser() { self->reset(); }
  } releaser{this};
  // Brackets alone (a library call that failed after its marker) time nothing.
  const bool any_command = std::any_of(events_.begin(), events_.end(), [](const Entry& e) { return !e.bracket; });
  if (!any_command) {
    throw BackendError(BackendError::Kind::generic,
                       "opencl: timer_end: nothing was enqueued since timer_begin");
  }
  check_cl(clFinish(queue), "clFinish");

  cl_ulong first_start = std::numeric_limits<cl_ulong>::max();
  cl_ulong last_end = 0;
  for (const Entry& e : events_) {
    cl_int status = CL_COMPLETE;
    check_cl(clGetEventInfo(e.event, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, nullptr),
             "clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS)");
    if (status < 0) {
      throw BackendError(BackendError::Kind::generic,
                         "opencl: a timed command failed: " + cl_error_text("execution", status));
    }
    cl_ulong start = 0, finish = 0;
    const cl_int e1 = clGetEventProfilingInfo(e.event, CL_PROFILING_COMMAND_START, sizeof start, &start, nullptr);
    const cl_int e2 = clGetEventProfilingInfo(e.event, CL_PROFILING_COMMAND_END, sizeof finish, &finish, nullptr);
    if (e.bracket) {
      if (e1 != CL_SUCCESS || e2 != CL_SUCCESS || start == 0 || finish < start) continue;
    } else {
      check_cl(e1, "clGetEventProfilingInfo(CL_PROFILING_COMMAND_START)");
      check_cl(e2, "clGetEventProfilingInfo(CL_PROFILING_COMMAND_END)");
    }
    if (start < first_start) first_start = start;
    if (finish > last_end) last_end = finish;
  }
  if (last_end < first_start || first_start == std::numeric_limits<cl_ulong>::max()) {
    throw BackendError(BackendError::Kind::generic, "opencl: timer_end: the driver reported no usable profiling times");
  }
  return static_cast<double>(last_end - first_start) * 1e-9;
}

}  // namespace suanli::opencl
