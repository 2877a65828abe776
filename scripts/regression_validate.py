#!/usr/bin/env python3
"""Validates `suanli compare` on this machine (docs/REGRESSION.md, issue 7).

Each trial runs the same build four times, back to back, on the OpenCL device (PoCL in
CI): base, slowed by PCT1, base again, slowed by PCT2; with one --pct, three times (base,
slowed, base again). The slowdown is GEMM_EXTRA_WORK_PCT, a validation define of
kernels/portable/gemm.cl that adds that share of real, zero-valued work. Then:
  A/A  base vs base           every SLOWER or FASTER is a false call   (goal <= 1%)
  A/B  base vs slowed         every SLOWER is a detection               (goal >= 95%)
The order of the runs rotates between trials so that a drift of the machine over a
trial does not always favour one side. Each run is `suanli run --repetitions R` (default 5),
so compare takes the runs as its unit (--unit auto); --repetitions 1 measures the older
samples-as-unit method. With --interleave, each side's R runs are separate invocations
taken in turn with the other sides' (b1 s1 b1' s2 ... R times), one file per run, and compare
reads each side as a directory of runs: a drift of the machine then falls on both sides.
Interleaved runs are judged twice, from the same files: as independent runs, and as pairs
(compare --paired: the i-th run of each side, taken one after the other, form a pair).
Prints a Markdown summary; --json keeps the counts.

  scripts/regression_validate.py --suanli build/bin/suanli --trials 20
"""
import argparse
import collections
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

DEFAULT_SHAPES = ["256x256x256", "320x320x320", "384x384x384", "448x448x448", "512x512x512"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suanli", default=os.environ.get("SUANLI", "build/bin/suanli"), help="suanli binary")
    p.add_argument("--backend", default="opencl")
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--shape", action="append", help="GEMM shape (repeatable; default: 5 cubes 256..512)")
    p.add_argument("--dtype", default="fp32")
    p.add_argument("--max-time", default="0.5", help="seconds of sampling per case (suanli run --max-time)")
    p.add_argument("--pct", type=int, nargs="+", default=[5, 10],
                   help="the injected slowdowns, percent: one or two (one: three runs a trial, base, slowed, base)")
    p.add_argument("--repetitions", type=int, default=5, help="suanli run --repetitions (1: one run per file)")
    p.add_argument("--unit", default="auto", help="suanli compare --unit")
    p.add_argument("--interleave", action="store_true",
                   help="the R runs of each side as separate invocations in turn with the others' (compare on directories)")
    p.add_argument("--threshold", default="3%", help="suanli compare --threshold")
    p.add_argument("--alpha", default="0.01", help="suanli compare --alpha")
    p.add_argument("--hot", action="store_true", default=True, help="no cache flush between samples (default)")
    p.add_argument("--cold", dest="hot", action="store_false", help="flush caches between samples")
    p.add_argument("--json", help="write the counts and every verdict here")
    p.add_argument("--keep", help="keep the result files in this directory")
    p.add_argument("--rejudge", metavar="DIR",
                   help="run nothing: judge again the trials kept in DIR by an earlier --keep (e.g. after a change "
                        "to compare, or with another --threshold / --alpha)")
    return p.parse_args()


def run_suanli(args, pct, out, repetitions=None):
    cmd = [args.suanli, "run", "--backend", args.backend, "--tier", "portable", "--dtype", args.dtype,
           "--max-time", args.max_time, "--target-ci", "0.0001", "--min-samples", "10", "--out", out,
           "--repetitions", str(args.repetitions if repetitions is None else repetitions)]
    for s in args.shape or DEFAULT_SHAPES:
        cmd += ["--shape", s]
    if args.hot:
        cmd.append("--hot")
    if pct:
        cmd += ["--kernel-define", f"GEMM_EXTRA_WORK_PCT={pct}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"regression_validate: suanli run failed ({r.returncode}): {r.stderr.strip()[-400:]}")


def compare(args, base, new, paired=False):
    r = subprocess.run([args.suanli, "compare", base, new, "--format", "json", "--threshold", args.threshold,
                        "--alpha", args.alpha, "--unit", args.unit] + (["--paired"] if paired else []),
                       capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"regression_validate: suanli compare failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def share(n, d):
    return f"{n}/{d} = {100.0 * n / d:.1f}%" if d else "-"


def collect(args, workdir, trial, order):
    """Runs one trial's sides in `order`; returns {side: file or directory}."""
    files = {}
    if args.interleave:
        for name, _ in order:
            files[name] = os.path.join(workdir, f"t{trial:03d}-{name}")
            os.makedirs(files[name], exist_ok=True)
        for rep in range(args.repetitions):
            for name, pct in order:
                run_suanli(args, pct, os.path.join(files[name], f"run{rep:02d}.json"), repetitions=1)
    else:
        for name, pct in order:
            files[name] = os.path.join(workdir, f"t{trial:03d}-{name}.json")
            run_suanli(args, pct, files[name])
    return files


def kept_trials(args, slots):
    """--rejudge: the trials a kept directory holds, {side: path} each, in trial order."""
    found = collections.defaultdict(dict)
    for entry in sorted(os.listdir(args.rejudge)):
        trial, _, side = entry.partition("-")
        if side.endswith(".json"):
            side = side[:-5]
        if trial.startswith("t") and side in dict(slots):
            found[trial][side] = os.path.join(args.rejudge, entry)
    trials = [found[t] for t in sorted(found) if len(found[t]) == len(slots)]
    if not trials:
        sys.exit(f"regression_validate: {args.rejudge}: no complete trial (t000-base1 ...) in it")
    return trials


def main():
    args = parse_args()
    if len(args.pct) > 2:
        sys.exit("regression_validate: --pct takes one or two slowdowns")
    p1 = args.pct[0]
    # Three or four runs per trial; the order rotates so each slot sees each kind of run.
    slots = [("base1", 0), (f"slow{p1}", p1), ("base2", 0)]
    pairs = [("A/A", "base1", "base2"), (f"A/B {p1}%", "base1", f"slow{p1}")]
    if len(args.pct) == 2:
        p2 = args.pct[1]
        slots.append((f"slow{p2}", p2))
        pairs.append((f"A/B {p2}%", "base2", f"slow{p2}"))
    if args.rejudge:
        trials = kept_trials(args, slots)
        interleaved = os.path.isdir(trials[0]["base1"])
        workdir = args.rejudge
    else:
        trials = range(args.trials)
        interleaved = args.interleave
        workdir = args.keep or tempfile.mkdtemp(prefix="suanli-regval-")
        os.makedirs(workdir, exist_ok=True)
    # Interleaved runs are judged as independent runs and as pairs, from the same files.
    methods = ["runs", "pairs"] if interleaved else ["independent"]
    verdicts = collections.defaultdict(collections.Counter)
    ratios = collections.defaultdict(list)
    rows = []
    started = time.time()
    for trial, given in enumerate(trials):
        turn = trial % len(slots)
        files = given if args.rejudge else collect(args, workdir, trial, slots[turn:] + slots[:turn])
        for method in methods:
            for kind, base, new in pairs:
                result = compare(args, files[base], files[new], paired=method == "pairs")
                for c in result["cases"]:
                    verdicts[method, kind][c["verdict"]] += 1
                    ratios[method, kind].append(c["ratio"])
                    rows.append({"trial": trial, "method": method, "kind": kind, "label": c["label"],
                                 "verdict": c["verdict"], "why": c["why"], "ratio": c["ratio"],
                                 "ratio_ci": c["ratio_ci"], "p_value": c["p_value"],
                                 "n": [c["n_base"], c["n_new"]], "unit": c.get("unit", "samples")})
                for u in result["not_compared"]:
                    verdicts[method, kind]["NOT COMPARED"] += 1
        aa = verdicts[methods[0], "A/A"]
        print(f"trial {trial + 1}/{len(trials)} ({time.time() - started:.0f} s): A/A false calls so far "
              f"{aa['SLOWER'] + aa['FASTER']}/{sum(aa.values())}", file=sys.stderr)

    elapsed = time.time() - started
    print(f"## suanli compare validation ({time.strftime('%Y-%m-%d')}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, {elapsed / 60:.1f} min)\n")
    if args.rejudge:
        print(f"{len(trials)} kept trials of {args.rejudge} judged again, "
              f"threshold {args.threshold}, alpha {args.alpha}\n")
    else:
        print(f"{args.trials} trials x {len(args.shape or DEFAULT_SHAPES)} {args.dtype} GEMM cases, "
              f"--max-time {args.max_time}, --repetitions {args.repetitions}{' interleaved' if interleaved else ''}, "
              f"{'hot' if args.hot else 'cold'}, threshold {args.threshold}, alpha {args.alpha}, unit {args.unit}\n")
    print("| judged as | comparison | cases | SLOWER | FASTER | SAME | AMBIGUOUS | median ratio (p10..p90) | goal |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    summary = {}
    for method in methods:
        for kind, _, _ in pairs:
            v = verdicts[method, kind]
            n = sum(v[k] for k in ("SLOWER", "FASTER", "SAME", "AMBIGUOUS"))
            r = sorted(ratios[method, kind])
            spread = (f"{r[len(r) // 2]:.3f} ({r[len(r) // 10]:.3f}..{r[(9 * len(r)) // 10]:.3f})" if r else "-")
            if kind == "A/A":
                goal = f"false calls {share(v['SLOWER'] + v['FASTER'], n)} (<= 1%)"
            else:
                goal = f"detected {share(v['SLOWER'], n)} (>= 95%)"
            print(f"| {method} | {kind} | {n} | {v['SLOWER']} | {v['FASTER']} | {v['SAME']} | {v['AMBIGUOUS']} "
                  f"| {spread} | {goal} |")
            summary[f"{method} {kind}"] = dict(v, cases=n, ratio_median=r[len(r) // 2] if r else None)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": vars(args), "elapsed_s": elapsed, "summary": summary, "cases": rows}, f, indent=1)
    print(f"\nresult files: {workdir}")


if __name__ == "__main__":
    main()
