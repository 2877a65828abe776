// The report generator is Python + matplotlib (scripts/report/suanli_report.py): charts
// come from a maintained plotting library, not from C++. This finds the interpreter and
// the script and runs it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace suanli {

// $SUANLI_PYTHON, else the python3 with matplotlib that CMake found (SUANLI_REPORT_PYTHON),
// else /usr/bin/python3. Throws UsageError when it is not an executable file.
std::string report_python();

// $SUANLI_REPORT_SCRIPT, else <exe dir>/../share/suanli/report/suanli_report.py (an
// install), else the source tree's scripts/report/suanli_report.py (a build tree).
// Throws UsageError when none exists.
std::filesystem::path report_script();

// Runs `python -E -s script args...`. The generator's exit 3 (bad input or a missing
// dependency, one line on stderr) becomes a UsageError with that line; any other failure
// a std::runtime_error after its stderr is passed on. On success its stderr is passed on.
void run_report_generator(const std::vector<std::string>& args);

}  // namespace suanli
