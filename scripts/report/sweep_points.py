"""Sweep series: TFLOPS against GEMM size and against attention sequence length, one
series per device, tier, dtype (and head dim / causal for attention). Ok cases only; where
a series has two cases at one x, the faster is kept."""
from kernel_metrics import gemm_size
from report_table import RATE, Column, Table


def sweep_table(data):
    t = Table("sweeps", "Sweeps: plotted points",
              [Column("device"), Column("workload"), Column("tier"), Column("dtype"), Column("series"),
               Column("x"), Column("x meaning"), Column("shape"), Column("TFLOPS", RATE)])
    best = {}
    for c in data.cases:
        if not c.ok or c.tflops is None:
            continue
        if c.workload == "gemm":
            s = c.shape
            square = s.get("m") == s.get("n") == s.get("k")
            series = "square" if square else "other shapes"
            x, meaning = gemm_size(s), "size (cube root of M·N·K)"
        elif c.workload == "attention":
            s = c.shape
            series = f"d={s.get('d')}" + (" causal" if s.get("causal") else "")
            x, meaning = s.get("s_q"), "sequence length"
        else:
            continue
        if x is None:
            continue
        if c.hot:
            series += " hot"
        key = (c.device.key, c.workload, c.tier, c.dtype, series, x)
        if key not in best or c.tflops > best[key][-1]:
            best[key] = [c.device.label, c.workload, c.tier, c.dtype, series, x, meaning, c.shape_text(), c.tflops]
    order = {d.key: i for i, d in enumerate(data.devices)}
    t.rows = [best[k] for k in sorted(best, key=lambda k: (order[k[0]], k[1], k[2], k[3], k[4], k[5]))]
    return t


def series_of(table, device_label, workload):
    """{(tier, dtype, series): [(x, tflops)]} for one device and workload, x ascending."""
    out = {}
    for row in table.rows:
        if row[0] == device_label and row[1] == workload:
            out.setdefault((row[2], row[3], row[4]), []).append((row[5], row[8]))
    return {k: sorted(v) for k, v in out.items()}
