#include "harness/run_plan.h"

#include <nlohmann/json.hpp>

#include "harness/dtype.h"
#include "harness/results_view.h"

namespace suanli {

void print_run_plan(std::ostream& out, const PlanTarget& target, const std::vector<CaseSpec>& cases, int repetitions) {
  std::string where = target.backend + " device " + target.device;
  if (!target.unavailable_reason.empty()) {
    where += " (unavailable here: " + target.unavailable_reason + "; a real run would stop there)";
  } else {
    std::string names;
    for (const auto& n : target.device_names) names += (names.empty() ? "" : ", ") + n;
    where += " (" + names + ")";
  }
  out << "dry run: " << cases.size() << " case(s)";
  if (repetitions > 1) out << " x " << repetitions << " repetitions";
  out << " on " << where << "; nothing opened, nothing written\n";
  for (const CaseSpec& c : cases) {
    const nlohmann::json rec = case_record_base(c);
    out << "  #" << c.id << " " << c.workload << " " << to_string(c.dtype) << " "
        << c.tier << " " << case_shape_text(rec);
    if (!c.native_kernel.empty()) out << " " << c.native_kernel;
    if (c.hot) out << " hot";
    out << "\n";
  }
}

}  // namespace suanli
