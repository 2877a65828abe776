"""A roofline per device: TFLOPS against arithmetic intensity (log-log); a roof per dtype
= min(compute ceiling, bandwidth × intensity), solid where measured, dashed where from
the datasheet; kernels as points (circle GEMM, triangle attention), coloured by dtype."""
import numpy as np

from chart_style import dtype_color, figure_png, new_figure
from chip_db import dtype_order


def _rows(table):
    headers = [c.header for c in table.columns]
    return [dict(zip(headers, r)) for r in table.rows]


def roofline_png(points_table, ceilings_table, devices):
    points, ceilings = _rows(points_table), _rows(ceilings_table)
    shown = [d for d in devices if any(p["device"] == d.label for p in points)]
    if not shown:
        return None
    # One device per row, legend outside on the right: inside, it hid the low-intensity points.
    fig, axes = new_figure(12.5, 5.0 * len(shown), rows=len(shown), cols=1)
    for i, device in enumerate(shown):
        _draw_device(axes[i][0], device.label, [p for p in points if p["device"] == device.label],
                     [c for c in ceilings if c["device"] == device.label])
    fig.tight_layout(h_pad=2.5)
    return figure_png(fig)


def _draw_device(ax, label, points, ceilings):
    intensities = [p["FLOP per byte"] for p in points]
    lo, hi = min(intensities) / 4, max(intensities) * 4
    drawn = [c for c in ceilings if c["drawn"] == "yes"]
    bandwidth = next((c for c in drawn if c["ceiling"] == "bandwidth"), None)
    computes = [c for c in drawn if c["ceiling"] == "compute" and any(p["dtype"] == c["dtype"] for p in points)]
    x = np.logspace(np.log10(lo), np.log10(hi), 200)
    for c in computes:
        roof = np.full_like(x, c["value"])
        if bandwidth:
            roof = np.minimum(roof, bandwidth["value"] * x)  # TB/s × FLOP/B = TFLOPS
        ax.plot(x, roof, color=dtype_color(c["dtype"]), lw=1.6, ls="-" if c["basis"].startswith("measured") else "--",
                label=f"{c['dtype']} roof {c['value']:.4g} ({c['basis'].split(' ')[0]})")
    if bandwidth:
        ax.plot([], [], color="#555", lw=1.2, ls="-" if bandwidth["basis"].startswith("measured") else "--",
                label=f"bandwidth {bandwidth['value']:.3g} TB/s ({bandwidth['basis']})")
    for workload, marker in (("gemm", "o"), ("attention", "^")):
        mine = [p for p in points if p["workload"] == workload]
        for dtype in sorted({p["dtype"] for p in mine}, key=dtype_order):
            sel = [p for p in mine if p["dtype"] == dtype]
            ax.scatter([p["FLOP per byte"] for p in sel], [p["TFLOPS"] for p in sel], marker=marker, s=26,
                       color=dtype_color(dtype), edgecolors="black", linewidths=0.4, alpha=0.85, zorder=3,
                       label=f"{workload} {dtype}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, hi)
    ax.set_xlabel("arithmetic intensity, FLOP per byte of device memory (log)")
    ax.set_ylabel("TFLOPS (log)")
    ax.set_title(f"{label}: roofline")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
