"""Per device: datasheet peak, measured ceiling, best GEMM and best attention per dtype;
bandwidth (datasheet vs stream); and every case that is not ok, listed with its reason.
Only ok cases count as "best"."""
from chip_db import dtype_order
from report_inputs import FLOP_WORKLOADS, OK, best_case
from report_table import PCT, RATE, TEXT, Column, Table


def _case_text(case):
    """Tier and shape, a square GEMM as N³ to keep the column narrow."""
    if case is None:
        return None
    s = case.shape
    square = case.workload == "gemm" and s.get("m") == s.get("n") == s.get("k")
    return f"{case.tier} " + (f"{s.get('m')}³" if square else case.shape_text()) + (" hot" if case.hot else "")


def _pct(part, whole):
    return 100.0 * part / whole if part is not None and whole else None


def compute_table(data):
    t = Table("device_summary", "Per device: peak, ceiling, best GEMM and attention",
              [Column("device"), Column("dtype"), Column("datasheet peak", RATE, "datasheet"),
               Column("measured ceiling", RATE, "ceiling"), Column("ceiling tier", TEXT, "tier"),
               Column("ceiling % of its peak", PCT, "ceiling % of its peak"),
               Column("best GEMM", RATE), Column("GEMM % of peak", PCT, "% of peak"),
               Column("GEMM % of ceiling", PCT, "% of ceiling"), Column("best GEMM case", TEXT, "GEMM case"),
               Column("best attention", RATE), Column("attention % of peak", PCT, "% of peak"),
               Column("best attention case", TEXT, "attention case")])
    for device in data.devices:
        mine = [c for c in data.cases if c.device is device and c.workload in FLOP_WORKLOADS]
        for dtype in sorted({c.dtype for c in mine}, key=dtype_order):
            ceiling = best_case(mine, workload="peak", dtype=dtype)
            gemm = best_case(mine, workload="gemm", dtype=dtype)
            attention = best_case(mine, workload="attention", dtype=dtype)
            ceiling_tflops = ceiling.tflops if ceiling else None
            t.rows.append([
                device.label, dtype, device.peak(dtype), ceiling_tflops,
                ceiling.tier if ceiling else None, ceiling.pct_of_peak if ceiling else None,
                gemm.tflops if gemm else None, gemm.pct_of_peak if gemm else None,
                _pct(gemm.tflops if gemm else None, ceiling_tflops), _case_text(gemm),
                attention.tflops if attention else None, attention.pct_of_peak if attention else None,
                _case_text(attention)])
    t.notes = [
        "Rates in TFLOPS (int8: TOPS). Datasheet peak: the figure the run used (results/chips.json, "
        "or the computed peak of a CPU device); measured ceiling: the fastest ok `peak` case, whose tier says which "
        "units it measured (portable: vector FMA chains; native: matrix instructions), and its % is of those "
        "units' datasheet figure (the vector one for a portable ceiling). So a GEMM on the matrix units can "
        "exceed a portable ceiling.",
        "Best = the fastest case with status ok (verified); every other case is listed under "
        "\"Cases not counted\".",
    ]
    return t


def bandwidth_table(data):
    t = Table("bandwidth", "Per device: memory bandwidth",
              [Column("device"), Column("datasheet TB/s", RATE), Column("best copy GB/s", RATE),
               Column("copy % of peak", PCT), Column("best triad GB/s", RATE), Column("triad % of peak", PCT),
               Column("measured ceiling GB/s", RATE)])
    for device in data.devices:
        mine = [c for c in data.cases if c.device is device and c.workload == "stream"]
        copy = best_case(mine, workload="stream", op="copy")
        triad = best_case(mine, workload="stream", op="triad")
        best = max((c.gbps for c in (copy, triad) if c), default=None)
        sheet = device.bandwidth_tbs()
        if sheet is None and best:  # no chips.json entry: the figure the run judged against
            sheet = next((c.peak_bw_gbps / 1000.0 for c in (copy, triad) if c and c.peak_bw_gbps), None)
        t.rows.append([device.label, sheet, copy.gbps if copy else None,
                       copy.pct_of_peak_bw if copy else None, triad.gbps if triad else None,
                       triad.pct_of_peak_bw if triad else None, best])
    t.notes = ["Datasheet bandwidth from results/chips.json; measured: the `stream` workload "
               "(copy counts read + write bytes; triad a = b + s·c)."]
    return t


def not_counted_table(data):
    t = Table("cases_not_ok", "Cases not counted (status other than ok)",
              [Column("device"), Column("workload"), Column("tier"), Column("dtype"), Column("shape"),
               Column("status"), Column("reason", TEXT)])
    for c in data.cases:
        if c.status != OK:
            t.rows.append([c.device.label, c.workload, c.tier, c.dtype, c.shape_text(), c.status, c.reason])
    if not t.rows:
        t.notes = ["Every case is ok."]
    return t


def device_table(data):
    """Which device is which: label, runtime name, host, backend, chips.json entry, file."""
    t = Table("devices", "Devices",
              [Column("device"), Column("runtime name"), Column("host"), Column("backend"), Column("chips.json entry"),
               Column("launch year"), Column("result files")])
    for d in data.devices:
        chip = d.chip or {}
        t.rows.append([d.label, d.name, d.host, d.device_id, chip.get("name"), chip.get("launch_year"),
                       ", ".join(d.sources)])
    return t
