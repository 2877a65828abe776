"""Shared matplotlib setup for the report's charts: the Agg backend (no display), one
colour per dtype and one marker per vendor across every chart, and PNG output."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after use("Agg"))

DPI = 110

DTYPE_COLORS = {
    "fp64": "#1b4f9c", "fp32": "#2a9d8f", "tf32": "#8ab17d", "fp16": "#e76f51",
    "bf16": "#c1121f", "fp8": "#7b2cbf", "int8": "#6c757d",
}

VENDOR_MARKERS = {
    "NVIDIA": "o", "AMD": "s", "Hygon": "D", "Huawei": "^", "Cambricon": "v", "Biren": "P",
    "Moore Threads": "X", "Iluvatar CoreX": "h", "Jingjia Micro": "<", "Kunlunxin": ">", "MetaX": "p",
}
FALLBACK_MARKERS = ("*", "8", "H", "d", "1", "2")

# Devices in sweeps and rooflines are told apart by line style within one axes.
LINE_STYLES = ("-", "--", ":", "-.")

plt.rcParams.update({
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 8.5,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "axes.spines.top": False,
    "axes.spines.right": False, "savefig.bbox": "tight", "savefig.pad_inches": 0.15,
})


def dtype_color(dtype):
    return DTYPE_COLORS.get(dtype, "#333333")


def vendor_marker(vendor, known):
    if vendor in VENDOR_MARKERS:
        return VENDOR_MARKERS[vendor]
    others = sorted(v for v in known if v not in VENDOR_MARKERS)
    return FALLBACK_MARKERS[others.index(vendor) % len(FALLBACK_MARKERS)] if vendor in others else "o"


def new_figure(width, height, rows=1, cols=1, **kwargs):
    return plt.subplots(rows, cols, figsize=(width, height), squeeze=False, **kwargs)


def figure_png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()
