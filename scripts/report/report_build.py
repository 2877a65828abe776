"""Assembles the report (report_model.Report) from the loaded results: the tables, the
charts and the words around them, in reading order."""
import datetime
import os

import device_summary
import planner
import procurement
from chart_compute_curve import compute_curve_png
from chart_roofline import roofline_png
from chart_sweeps import sweeps_png
from compute_curve import curve_table
from report_model import Chart, Report, Section
from roofline_points import roofline_ceilings_table, roofline_points_table
from sweep_points import sweep_table


def _provenance(data, options):
    lines = []
    for path, doc in data.files:
        tool = doc.get("tool") or {}
        host = (doc.get("host") or {}).get("hostname", "?")
        n_sources = len(doc.get("sources") or [])
        what = f"{n_sources} merged runs" if n_sources else f"host {host}"
        lines.append(f"`{os.path.basename(path)}`: {what}, {doc.get('created_utc', '?')}, "
                     f"{len(doc.get('cases') or [])} cases, suanli {tool.get('version', '?')} "
                     f"({tool.get('git_revision', '?')})")
    lines.append(f"Generated {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
                 f"`{options.generator}`")
    return lines


def build_report(data, chips, options, price_by_device):
    devices = Section("devices", "Per device", tables=[
        device_summary.device_table(data), device_summary.compute_table(data),
        device_summary.bandwidth_table(data), device_summary.not_counted_table(data)])

    comparison = Section("comparison", "Procurement comparison",
                         tables=[procurement.comparison_table(data, price_by_device)])
    if price_by_device:
        comparison.tables.append(procurement.price_table(data, price_by_device))
    power = procurement.power_table(data)
    if power:
        comparison.tables.append(power)

    curve = curve_table(chips, data)
    unplaced = sorted({row[6] for row in curve.rows if row[0] != "datasheet" and row[-1] != "yes"})
    curve_section = Section("curve", "Chip compute curve", charts=[Chart(
        "chart-compute-curve", compute_curve_png(curve),
        f"Dense datasheet peak of the {len(chips)} chips in results/chips.json by launch year (log scale; "
        "points of one chip spread slightly by dtype). Stars: each measured device's best verified GEMM per dtype, "
        "triangles its best attention, joined by a dotted line to its chip's datasheet point.")],
        csv_only=[curve])
    if unplaced:
        curve_section.paragraphs.append("Not on the curve (no chips.json entry, so no launch year): "
                                        + ", ".join(unplaced) + ".")

    sweeps = sweep_table(data)
    sweeps_section = Section("sweeps", "Sweeps and rooflines", csv_only=[sweeps])
    png = sweeps_png(sweeps, data.devices)
    if png:
        sweeps_section.charts.append(Chart(
            "chart-sweeps", png, "TFLOPS against GEMM size (cube root of M·N·K: the side of the square GEMM with "
            "the same work) and against attention sequence length; verified cases only, the fastest per point."))
    points, ceilings = roofline_points_table(data), roofline_ceilings_table(data)
    png = roofline_png(points, ceilings, data.devices)
    if png:
        sweeps_section.charts.append(Chart(
            "chart-roofline", png, "Roofline per device: each roof is min(compute ceiling, bandwidth × intensity); "
            "solid = measured ceiling (`peak`, `stream` workloads), dashed = datasheet. " + points.notes[0]))
    sweeps_section.tables.append(ceilings)
    sweeps_section.csv_only.append(points)
    if not sweeps.rows:
        sweeps_section.paragraphs.append("No verified GEMM or attention case to plot.")

    plan = Section("planner", "Capacity planner",
                   tables=[planner.planner_table(data, options.mfu, options.plan_days, options.plan_chips)])

    title = "suanli report: " + ", ".join(d.label for d in data.devices) if data.devices else "suanli report"
    return Report(title=title, provenance=_provenance(data, options),
                  sections=[devices, comparison, curve_section, sweeps_section, plan])
