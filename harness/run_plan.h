// `suanli run --dry-run`: what a run would measure, printed before (instead of) running it.
// Every option is checked as for a real run and the case list expanded the same way, but no
// device is opened and no file is written, so a long or scarce run (a lent GPU, a nightly
// job) can be checked where it is written: a misspelt option or an empty case list shows
// here, not after the machine has started.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/case_spec.h"

namespace suanli {

// Where the plan would run: the backend, the device selection (an index or "all"), and what
// the probe found -- the device names, or why the backend is unavailable here.
struct PlanTarget {
  std::string backend;
  std::string device;
  std::vector<std::string> device_names;  // empty when the backend is unavailable here
  std::string unavailable_reason;         // "" when available
};

// One header line, then one line per case of `cases` (before expand_repetitions: "  #id
// workload dtype tier shape [native kernel] [hot]"); the passes are counted, not listed.
void print_run_plan(std::ostream& out, const PlanTarget& target, const std::vector<CaseSpec>& cases, int repetitions);

}  // namespace suanli
