// `suanli run --repetitions N`: every case measured N times, in N passes over the case
// list, so that one case's repetitions are spread over the whole run rather than back to
// back. The run, not the sample, is then the unit a regression test can use
// (docs/REGRESSION.md): the samples of one run share whatever state the machine was in
// (clocks, contention), so only several runs per side show how much that state moves.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "harness/case_spec.h"
#include "harness/result_file.h"

namespace suanli {

// Pass r (0-based) runs every case once; case i of pass r gets id i * n + r, so ids stay
// unique (the journal and --resume key on them) and id / n names the case. The returned
// list is in execution order: all of pass 0, then pass 1, ... n = 1 returns `cases`.
std::vector<CaseSpec> expand_repetitions(const std::vector<CaseSpec>& cases, int n);

// The inverse, on the records of one device (any order): one record per case, id i.
// - Every repetition has samples and one status (ok, or a status that keeps samples):
//   the samples are concatenated in pass order, the stats, tflops and gbps recomputed
//   over all of them, and "repetitions" lists each run: {median_s, n, cv, stop_reason}.
// - Otherwise the first repetition that did not succeed stands for the case (its reason
//   prefixed "repetition r of n: "), so one failed run fails the case, and
//   "repetitions" lists each run's status.
// n = 1 returns the records unchanged.
std::vector<nlohmann::json> fold_repetitions(const std::vector<nlohmann::json>& records, int n);

// The per-run medians of a folded record ({} when it has no "repetitions" list, or a run
// without a positive median_s).
std::vector<double> repetition_medians(const nlohmann::json& record);

// The run number of each entry of a folded record's "repetitions" (parallel to
// repetition_medians): the "run" load_run_set gives a directory's runs, else the position.
// compare --paired pairs the runs of the two sides by it.
std::vector<int> repetition_runs(const nlohmann::json& record);

// compare's input: a results file, or a directory of results files of one build — several
// runs of it, e.g. taken in turn with the other build's runs (A B A B ...) so that the
// machine's drift falls on both sides alike. A directory's cases are folded by case_key()
// as fold_repetitions folds passes: one run per file (or the file's own repetitions). The
// runs are numbered across the directory (files in name order, a file's passes in order),
// each entry of a case's "repetitions" carrying its "run", so that a case missing from one
// file leaves a gap in its runs instead of shifting the later ones.
// Throws UsageError naming the path or the file (merge_input_paths, load_result_file).
ResultFile load_run_set(const std::string& path);

}  // namespace suanli
