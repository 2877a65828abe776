"""Sweep charts: per device, TFLOPS against GEMM size (left) and against attention
sequence length (right); colour = dtype, line style = tier, marker = shape family."""
from chart_style import dtype_color, figure_png, new_figure
from chip_db import dtype_order
from sweep_points import series_of

TIER_STYLES = {"portable": "-", "vendor": "--", "native": ":"}
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P")


def _marker(series, seen):
    if series not in seen:
        seen.append(series)
    return SERIES_MARKERS[seen.index(series) % len(SERIES_MARKERS)]


def _draw(ax, series, xlabel, title):
    markers = []
    for (tier, dtype, name), pts in sorted(series.items(), key=lambda kv: (dtype_order(kv[0][1]), kv[0][0], kv[0][2])):
        xs, ys = zip(*pts)
        connected = name != "other shapes"
        ax.plot(xs, ys, ls=TIER_STYLES.get(tier, "-.") if connected else "", marker=_marker(name, markers),
                ms=5, lw=1.5, color=dtype_color(dtype), label=f"{dtype} {tier} · {name}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("TFLOPS")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    if series:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    else:
        ax.text(0.5, 0.5, "no ok cases", transform=ax.transAxes, ha="center", color="#888")


def sweeps_png(table, devices):
    shown = [d for d in devices if any(r[0] == d.label for r in table.rows)]
    if not shown:
        return None
    fig, axes = new_figure(13.5, 3.9 * len(shown), rows=len(shown), cols=2)
    for row, device in enumerate(shown):
        _draw(axes[row][0], series_of(table, device.label, "gemm"), "size: cube root of M·N·K (log2)",
              f"{device.label}: GEMM")
        _draw(axes[row][1], series_of(table, device.label, "attention"), "sequence length (log2)",
              f"{device.label}: attention")
    fig.tight_layout(w_pad=2.0, h_pad=1.5)
    return figure_png(fig)
