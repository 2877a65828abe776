"""The chip compute curve: datasheet peak (log scale) by launch year for every chip in
chips.json, one colour per dtype (a thin step line: the best chip launched so far),
one marker per vendor; each measured device's best GEMM (stars) and attention (triangles)
in a column at the right edge of its chip's year, joined to its chip's datasheet points."""
from matplotlib.lines import Line2D

from chart_style import dtype_color, figure_png, new_figure, vendor_marker
from chip_db import CURVE_DTYPES
from compute_curve import DATASHEET, MEASURED_ATTENTION, MEASURED_GEMM, plotted_rows

# Within a year: datasheet points spread by dtype over [-0.38, +0.18], so one year's points
# do not stack on each other; measured points at +0.36, apart from the crowd.
_SPREAD_FROM, _SPREAD_TO, _MEASURED_AT = -0.38, 0.18, 0.36


def _x(year, dtype):
    i = CURVE_DTYPES.index(dtype) if dtype in CURVE_DTYPES else len(CURVE_DTYPES) // 2
    return year + _SPREAD_FROM + i * (_SPREAD_TO - _SPREAD_FROM) / (len(CURVE_DTYPES) - 1)


def _draw_datasheet(ax, datasheet, vendors, last_year):
    for vendor in vendors:
        for dtype in CURVE_DTYPES:
            pts = [r for r in datasheet if r["vendor"] == vendor and r["dtype"] == dtype]
            if pts:
                ax.scatter([_x(r["launch year"], dtype) for r in pts], [r["TFLOPS"] for r in pts],
                           marker=vendor_marker(vendor, vendors), s=30, color=dtype_color(dtype), alpha=0.8,
                           edgecolors="white", linewidths=0.4, zorder=2)
    for dtype in CURVE_DTYPES:
        frontier = _frontier([r for r in datasheet if r["dtype"] == dtype])
        if frontier and frontier[-1][0] < last_year:  # the best so far still holds
            frontier.append((last_year, frontier[-1][1]))
        if len(frontier) > 1:
            ax.step([_x(y, dtype) for y, _ in frontier], [v for _, v in frontier], where="post",
                    color=dtype_color(dtype), lw=1.0, alpha=0.5, zorder=1)


def _frontier(rows):
    """(year, best peak launched up to that year) at each year that raised it."""
    out, best = [], 0.0
    for year in sorted({r["launch year"] for r in rows}):
        top = max(r["TFLOPS"] for r in rows if r["launch year"] == year)
        if top > best:
            best = top
            out.append((year, top))
    return out


def _draw_measured(ax, table, datasheet):
    for kind, marker, size in ((MEASURED_GEMM, "*", 150), (MEASURED_ATTENTION, ">", 60)):
        for r in plotted_rows(table, kind):
            x1 = r["launch year"] + _MEASURED_AT
            sheet = [d for d in datasheet if d["chip"] == r["chip"] and d["dtype"] == r["dtype"]]
            if sheet:
                ax.plot([_x(r["launch year"], r["dtype"]), x1], [sheet[0]["TFLOPS"], r["TFLOPS"]],
                        color=dtype_color(r["dtype"]), lw=0.8, ls=":", zorder=3)
            ax.scatter([x1], [r["TFLOPS"]], marker=marker, s=size, color=dtype_color(r["dtype"]),
                       edgecolors="black", linewidths=0.7, zorder=4)
    gemm = plotted_rows(table, MEASURED_GEMM)
    for i, device in enumerate(dict.fromkeys(r["device"] for r in gemm)):
        mine = [r for r in gemm if r["device"] == device]
        top = max(mine, key=lambda r: r["TFLOPS"])
        # Up and to the left: right of the last year there is no room before the legends.
        ax.annotate(f"measured: {device}", (top["launch year"] + _MEASURED_AT, top["TFLOPS"]),
                    xytext=(-18, 22 + 12 * (i % 2)), textcoords="offset points", ha="right", fontsize=9,
                    fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#888", "lw": 0.5, "alpha": 0.9},
                    arrowprops={"arrowstyle": "-", "color": "#555", "lw": 0.7}, zorder=5)


def _legends(ax, datasheet, vendors):
    dtypes = [dt for dt in CURVE_DTYPES if any(r["dtype"] == dt for r in datasheet)]
    dtype_handles = [Line2D([], [], marker="o", color=dtype_color(dt), lw=0.9,
                            label=dt + (" (TOPS)" if dt == "int8" else "")) for dt in dtypes]
    vendor_handles = [Line2D([], [], ls="", marker=vendor_marker(v, vendors), color="#555", mfc="#c8c8c8", label=v)
                      for v in vendors]
    measured_handles = [
        Line2D([], [], ls="", marker="*", ms=12, color="#c8c8c8", mec="black", label="best verified GEMM"),
        Line2D([], [], ls="", marker=">", ms=7, color="#c8c8c8", mec="black", label="best verified attention"),
    ]
    placed = [(dtype_handles, "dtype (colour; line: best chip so far)", 1.0),
              (vendor_handles, "vendor (marker)", 0.64), (measured_handles, "measured devices", 0.14)]
    for i, (handles, title, top) in enumerate(placed):
        legend = ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.01, top),
                           frameon=False, alignment="left")
        if i + 1 < len(placed):  # ax.legend() replaces the previous one; keep it as an extra artist
            ax.add_artist(legend)


def compute_curve_png(table):
    datasheet = plotted_rows(table, DATASHEET)
    vendors = sorted({r["vendor"] for r in datasheet})
    fig, axes = new_figure(12.5, 7.0)
    ax = axes[0][0]
    years = sorted({r["launch year"] for r in datasheet})
    _draw_datasheet(ax, datasheet, vendors, years[-1] if years else 0)
    _draw_measured(ax, table, datasheet)
    ax.set_yscale("log")
    ax.set_xlabel("launch year")
    ax.set_ylabel("dense peak, TFLOPS (int8: TOPS), log scale")
    if years:
        ax.set_xticks(range(years[0], years[-1] + 1))
        ax.set_xlim(years[0] - 0.55, years[-1] + 0.55)
        for y in range(years[0], years[-1] + 1):  # year bands, so a point's year is unambiguous
            ax.axvspan(y - 0.5, y + 0.5, color="#f3f5f9" if y % 2 else "white", zorder=0, lw=0)
    ax.grid(axis="x", visible=False)
    ax.set_title("Datasheet peak by launch year: every chip in results/chips.json, measured devices beside theirs")
    _legends(ax, datasheet, vendors)
    return figure_png(fig)
