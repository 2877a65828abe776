"""Capacity planner: how many chips train a documented reference model in a target number
of days, and how many days it takes on N chips, at the GEMM rate each device measured
(not its datasheet) times an assumed model-FLOPs utilisation.

Training compute C = 6·N·D FLOPs (N parameters, D tokens: 2 FLOPs per parameter per token
forward, 4 backward; Kaplan et al. 2020, "Scaling Laws for Neural Language Models",
arXiv:2001.08361, section 2.1)."""
import math

from report_inputs import best_case
from report_table import COUNT, DAYS, PCT, RATE, SCI, Column, Table

SECONDS_PER_DAY = 86400.0

REFERENCE_RUNS = (
    {"model": "GPT-3 175B", "params": 175e9, "tokens": 300e9,
     "source": "Brown et al. 2020, \"Language Models are Few-Shot Learners\", arXiv:2005.14165: 175B parameters, "
               "300B training tokens; its Table D.1 gives 3.14e23 FLOPs"},
    {"model": "Llama 2 70B", "params": 70e9, "tokens": 2.0e12,
     "source": "Touvron et al. 2023, \"Llama 2: Open Foundation and Fine-Tuned Chat Models\", arXiv:2307.09288: "
               "70B parameters, 2.0T training tokens; it reports 1,720,320 A100-80GB GPU-hours for this model"},
)

# Training runs in bf16 (or fp16) with fp32 accumulation; a device that measured neither is
# planned at the best precision it did measure, and the row says which.
PLAN_DTYPES = ("bf16", "fp16", "tf32", "fp32")


def training_flops(run):
    return 6.0 * run["params"] * run["tokens"]


def plan_dtype_case(cases):
    for dtype in PLAN_DTYPES:
        best = best_case(cases, workload="gemm", dtype=dtype)
        if best:
            return best
    return None


def plan(flops, tflops_per_chip, days=None, chips=None):
    """chips needed for `days`, or days needed on `chips`, at a sustained rate per chip."""
    rate = tflops_per_chip * 1e12
    if days is not None:
        return math.ceil(flops / (rate * days * SECONDS_PER_DAY))
    return flops / (rate * chips * SECONDS_PER_DAY)


def planner_table(data, mfu, target_days, chip_count):
    t = Table("capacity_plan", "Capacity planner",
              [Column("device"), Column("model"), Column("training FLOPs (6·N·D)", SCI), Column("dtype"),
               Column("measured GEMM TFLOPS", RATE), Column("GEMM % of peak", PCT), Column("assumed MFU", PCT),
               Column("sustained TFLOPS per chip", RATE), Column(f"chips for {target_days:g} days", COUNT),
               Column(f"days on {chip_count:,} chips", DAYS)])
    missing = []
    for d in data.devices:
        best = plan_dtype_case([c for c in data.cases if c.device is d])
        if not best:
            missing.append(d.label)
            continue
        sustained = best.tflops * mfu
        for run in REFERENCE_RUNS:
            flops = training_flops(run)
            t.rows.append([d.label, run["model"], flops, best.dtype, best.tflops, best.pct_of_peak, 100.0 * mfu,
                           sustained, plan(flops, sustained, days=target_days),
                           plan(flops, sustained, chips=chip_count)])
    t.notes = [
        "Training compute C = 6·N·D FLOPs for N parameters and D tokens (Kaplan et al. 2020, arXiv:2001.08361): "
        + "; ".join(f"{r['model']}: 6 × {r['params'] / 1e9:g}e9 × {r['tokens'] / 1e9:g}e9 = {training_flops(r):.3g}"
                    for r in REFERENCE_RUNS) + ".",
        *[f"{r['model']}: {r['source']}." for r in REFERENCE_RUNS],
        f"Sustained rate per chip = the best verified GEMM this device measured (bf16, else fp16, tf32, fp32) × "
        f"an assumed model-FLOPs utilisation of {100 * mfu:.0f}% of that GEMM rate (--mfu): the share a whole "
        f"training step (attention, communication, pipeline bubbles, recomputation) keeps. This is an assumption, "
        f"not a measurement. For scale: the Llama 2 figures above imply "
        f"{training_flops(REFERENCE_RUNS[1]) / (1720320 * 3600) / 1e12:.0f} TFLOPS per A100 "
        f"({100 * training_flops(REFERENCE_RUNS[1]) / (1720320 * 3600) / 312e12:.0f}% of its 312 TFLOPS bf16 peak).",
        "Chips for the target are rounded up; a single device's GEMM rate does not include multi-node scaling "
        "losses beyond what the MFU assumes.",
    ]
    if missing:
        t.notes.append("Not planned (no ok bf16/fp16/tf32/fp32 GEMM): " + ", ".join(missing) + ".")
    return t
