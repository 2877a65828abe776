"""The points of the chip compute curve: every chip of the database at its launch year,
one point per dtype it has a datasheet figure for, and each measured device's best GEMM
and attention beside its chip's datasheet point. The same rows are the CSV, so what is
plotted can be checked against chips.json."""
from chip_db import CURVE_DTYPES, datasheet_peak
from report_inputs import best_case
from report_table import RATE, Column, Table

DATASHEET = "datasheet"
MEASURED_GEMM = "measured GEMM"
MEASURED_ATTENTION = "measured attention"


def curve_table(chips, data):
    t = Table("compute_curve", "Chip compute curve: plotted points",
              [Column("kind"), Column("vendor"), Column("chip"), Column("launch year"), Column("dtype"),
               Column("TFLOPS", RATE), Column("device"), Column("plotted")])
    for chip in chips:
        figures = [(dt, datasheet_peak(chip, dt)) for dt in CURVE_DTYPES]
        figures = [(dt, v) for dt, v in figures if v]
        year = chip.get("launch_year")
        if not figures:
            t.rows.append([DATASHEET, chip.get("vendor"), chip.get("name"), year, None, None, None,
                           "no (no dense datasheet figure)"])
        for dtype, value in figures:
            t.rows.append([DATASHEET, chip.get("vendor"), chip.get("name"), year, dtype, value, None,
                           "yes" if year else "no (no launch year)"])
    for device in data.devices:
        chip = device.chip or {}
        year = chip.get("launch_year")
        mine = [c for c in data.cases if c.device is device]
        for kind, workload in ((MEASURED_GEMM, "gemm"), (MEASURED_ATTENTION, "attention")):
            for dtype in CURVE_DTYPES:
                best = best_case(mine, workload=workload, dtype=dtype)
                if not best:
                    continue
                plotted = "yes" if year else "no (device not in chips.json: no launch year)"
                t.rows.append([kind, chip.get("vendor"), chip.get("name"), year, dtype, best.tflops, device.label,
                               plotted])
    return t


def plotted_rows(table, kind):
    """Rows of one kind as dicts, only those drawn."""
    headers = [c.header for c in table.columns]
    return [dict(zip(headers, row)) for row in table.rows if row[0] == kind and row[-1] == "yes"]
