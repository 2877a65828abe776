"""Roofline inputs per device: compute ceilings per dtype (the measured `peak` where it was
run, else the datasheet), the bandwidth ceiling (the measured `stream` best, else the
datasheet), and every ok GEMM / attention case as a point at its arithmetic intensity."""
from chip_db import dtype_order
from kernel_metrics import attention_intensity, gemm_intensity
from report_inputs import best_case
from report_table import RATE, Column, Table

MEASURED, DATASHEET = "measured", "datasheet"


def roofline_points_table(data):
    t = Table("roofline_points", "Roofline: kernels",
              [Column("device"), Column("workload"), Column("tier"), Column("dtype"), Column("shape"),
               Column("FLOP per byte", RATE), Column("TFLOPS", RATE)])
    for c in data.cases:
        if not c.ok or c.tflops is None:
            continue
        if c.workload == "gemm":
            intensity = gemm_intensity(c.shape, c.dtype)
        elif c.workload == "attention":
            intensity = attention_intensity(c.shape, c.dtype, c.flops)
        else:
            continue
        if intensity:
            t.rows.append([c.device.label, c.workload, c.tier, c.dtype, c.shape_text(), intensity, c.tflops])
    t.notes = ["Arithmetic intensity = FLOPs / compulsory device-memory bytes: GEMM 2·M·N·K / (bytes·(M·K + K·N) "
               "+ out_bytes·M·N), A and B read once and C written once (fp8 and int8 write 4-byte outputs); "
               "attention FLOPs / (Q, K, V read once + O written once). Caches only lower the real traffic, so a "
               "point can sit above the bandwidth roof only by reuse the count does not credit."]
    return t


def roofline_ceilings_table(data):
    """Both figures where both exist; `drawn` says which roof the chart uses: the measured
    one, unless a verified kernel of that dtype ran faster than it (the `peak` case then
    measured other units, e.g. vector FMA where the GEMM used matrix units) or there is none."""
    t = Table("roofline_ceilings", "Roofline: ceilings",
              [Column("device"), Column("ceiling"), Column("dtype"), Column("value", RATE), Column("unit"),
               Column("basis"), Column("drawn")])
    for d in data.devices:
        mine = [c for c in data.cases if c.device is d]
        stream = best_case(mine, workload="stream")
        if stream:
            t.rows.append([d.label, "bandwidth", None, stream.gbps / 1000.0, "TB/s", MEASURED, "yes"])
        if d.bandwidth_tbs():
            t.rows.append([d.label, "bandwidth", None, d.bandwidth_tbs(), "TB/s", DATASHEET, "no" if stream else "yes"])
        dtypes = {c.dtype for c in mine if c.workload in ("gemm", "attention", "peak")}
        for dtype in sorted(dtypes, key=dtype_order):
            ceiling = best_case(mine, workload="peak", dtype=dtype)
            fastest = max((c.tflops for c in mine if c.ok and c.tflops and c.dtype == dtype
                           and c.workload in ("gemm", "attention")), default=0.0)
            sheet = d.peak(dtype)
            use_measured = ceiling is not None and (ceiling.tflops >= fastest or not sheet)
            if ceiling:
                t.rows.append([d.label, "compute", dtype, ceiling.tflops, "TFLOPS",
                               f"{MEASURED} ({ceiling.tier} peak)", "yes" if use_measured else
                               "no (a kernel ran faster: other units)"])
            if sheet:
                t.rows.append([d.label, "compute", dtype, sheet, "TFLOPS", d.peak_basis(dtype),
                               "no" if use_measured else "yes"])
    return t
