"""The chip database (results/chips.json, as embedded in suanli): chips and their
datasheet peaks. datasheet_peak() follows harness/chips.cpp so the report and a run agree
on what "the peak" of a dtype is."""
import json

# Compute-curve dtypes in legend order; int8 figures are TOPS, not TFLOPS.
CURVE_DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8")


def load_chips(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    chips = doc.get("chips") if isinstance(doc, dict) else None
    if not isinstance(chips, list):
        raise ValueError(f"{path}: no \"chips\" array")
    return chips


def datasheet_peak(chip, dtype):
    """Dense datasheet peak (TFLOPS, int8 TOPS) a GEMM of dtype can reach, or None.

    fp64 and fp32 take the larger of the vector and the matrix-unit figure (a GEMM runs on
    whichever is faster); a datasheet 0 means the chip has no such units."""
    if not chip:
        return None
    peaks = chip.get("peak_tflops") or {}
    keys = [dtype, dtype + "_matrix"] if dtype in ("fp64", "fp32") else [dtype]
    values = [peaks[k] for k in keys if isinstance(peaks.get(k), (int, float))]
    best = max(values, default=0)
    return float(best) if best > 0 else None


def chip_by_name(chips, name):
    for chip in chips:
        if chip.get("name") == name:
            return chip
    return None


def peak_unit(dtype):
    return "TOPS" if dtype == "int8" else "TFLOPS"


def dtype_order(dtype):
    """Sort key: the CURVE_DTYPES order, unknown dtypes last."""
    return (CURVE_DTYPES.index(dtype), dtype) if dtype in CURVE_DTYPES else (len(CURVE_DTYPES), dtype)
