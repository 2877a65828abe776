#!/usr/bin/env python3
"""Generate results/chips.json from the reference chip-peaks CSV.

    scripts/make_chips_json.py shared/reference/chip-peaks.csv -o results/chips.json

The CSV holds the datasheet facts (figures, sources, confidence); this script adds
the one thing the CSV cannot know: which device names a runtime (CUDA, HIP, OpenCL)
reports for each chip. Those patterns live in DEVICE_NAME_PATTERNS below, written by
hand, each with a note saying where the name comes from; and the boost clocks the peaks
assume (BOOST_CLOCKS below, each with its public source). A chip whose runtime name
could not be established gets no pattern: a wrong match would put a wrong peak beside
a measurement, which is worse than no peak.

Standard library only; the output is deterministic (fixed key order, 2-space indent),
so regenerating without a CSV change gives a byte-identical file.
"""

import argparse
import csv
import json
import re
import sys

SCHEMA_VERSION = 1

# CSV column -> key in peak_tflops. int8 is in TOPS; the key keeps the table uniform.
PEAK_COLUMNS = [
    ("fp64_vector_tflops", "fp64"),
    ("fp64_matrix_tflops", "fp64_matrix"),
    ("fp32_vector_tflops", "fp32"),
    ("fp32_matrix_tflops", "fp32_matrix"),
    ("tf32_tflops", "tf32"),
    ("fp16_tflops", "fp16"),
    ("bf16_tflops", "bf16"),
    ("fp8_tflops", "fp8"),
    ("int8_tops", "int8"),
]

REQUIRED_COLUMNS = [
    "vendor", "chip", "launch_year", "arch_isa", "sparsity_basis", "mem_bw_tbs",
    "mem_gb", "mem_type", "source", "confidence", "notes",
] + [column for column, _ in PEAK_COLUMNS]

# Patterns are case-insensitive ECMAScript regexes searched anywhere in the device
# name; when several chips match, the longest pattern wins. They are written so that a
# neighbouring board with different figures (PCIe vs SXM, NVL, China variants, 40 vs
# 80 GB) does NOT match: "\s*$" after a bare model number keeps "NVIDIA H200" apart
# from "NVIDIA H200 NVL", and "\b" keeps "H20" apart from "H200".
_NO_RUNTIME = ("no CUDA, HIP or OpenCL runtime is known for this chip ({}), so no "
               "suanli backend can report it; left empty")
_UNKNOWN_NAME = ("the device name the runtime reports for this chip was not found in "
                 "any source; left empty rather than guessed")

DEVICE_NAME_PATTERNS = {
    # NVIDIA: CUDA's cudaDeviceProp.name, nvidia-smi and NVIDIA's OpenCL all give the
    # same string.
    "V100 SXM2": (
        [r"\bV100-SXM2\b"],
        "CUDA reports 'Tesla V100-SXM2-16GB' / 'Tesla V100-SXM2-32GB'; the PCIe board "
        "('Tesla V100-PCIE-...') and the DGX-2 'V100-SXM3' run other clocks and are not "
        "matched"),
    "A100 SXM 80GB": (
        [r"\bA100-SXM4?-80GB\b"],
        "CUDA reports 'NVIDIA A100-SXM4-80GB' (also seen as 'NVIDIA A100-SXM-80GB'); "
        "'A100-SXM4-40GB' (1.555 TB/s) and 'NVIDIA A100 80GB PCIe' differ in bandwidth "
        "and power and are not matched"),
    "H100 SXM": (
        [r"\bH100 80GB HBM3\b"],
        "CUDA reports the SXM5 board as 'NVIDIA H100 80GB HBM3'; 'NVIDIA H100 PCIe' and "
        "'NVIDIA H100 NVL' are other boards"),
    "H100 PCIe": (
        [r"\bH100 PCIe\b"],
        "CUDA reports 'NVIDIA H100 PCIe'"),
    "H200 SXM": (
        [r"\bH200\s*$"],
        "CUDA reports the SXM board as 'NVIDIA H200'; 'NVIDIA H200 NVL' (PCIe, lower "
        "power and peaks) is deliberately not matched"),
    "B200 (HGX/DGX)": (
        [r"\bB200\s*$"],
        "CUDA reports 'NVIDIA B200'; 'GB200' does not match (no word boundary before B)"),
    "L40S": (
        [r"\bL40S\b"],
        "CUDA reports 'NVIDIA L40S'; the plain 'NVIDIA L40' is another board"),
    "GeForce RTX 4090": (
        [r"\bGeForce RTX 4090\s*$"],
        "CUDA reports 'NVIDIA GeForce RTX 4090'; 'RTX 4090 D' (fewer SMs) and "
        "'RTX 4090 Laptop GPU' are not matched"),
    "A800 SXM 80GB": (
        [r"\bA800-SXM4?-80GB\b"],
        "CUDA reports 'NVIDIA A800-SXM4-80GB'; 'NVIDIA A800 80GB PCIe' is not matched"),
    "H800 SXM": (
        [r"\bH800\s*$"],
        "CUDA reports the SXM board as 'NVIDIA H800'; 'NVIDIA H800 PCIe' is not matched"),
    "H20": (
        [r"\bH20\s*$"],
        "CUDA reports 'NVIDIA H20'; 'NVIDIA H20-3e' (141 GB HBM3e, 4.8 TB/s) and "
        "'NVIDIA H200' are not matched"),
    "T4": (
        [r"\bTesla T4\b"],
        "CUDA reports 'Tesla T4'"),
    # AMD: HIP's hipDeviceProp_t.name is the marketing name from libdrm's amdgpu.ids.
    "Instinct MI50 (32GB)": (
        [r"\bMI50\b", r"\bMI60 ?/ ?MI50\b"],
        "ROCm names PCI id 66A1 'AMD Instinct MI60 / MI50'; pci.ids lists 66A1 as the "
        "MI50 32GB, so that shared name resolves here (the longer pattern beats the "
        "MI60 entry's); an MI60 can be told apart only by its 64 compute units"),
    "Instinct MI60": (
        [r"\bMI60\b"],
        "amdgpu.ids has no entry for the MI60's PCI id (66A0), so ROCm may report a "
        "generic name that matches nothing; the shared name 'AMD Instinct MI60 / MI50' "
        "resolves to the MI50 entry"),
    "Instinct MI100": (
        [r"\bMI100\b"],
        "HIP reports 'AMD Instinct MI100'"),
    "Instinct MI210": (
        [r"\bMI210\b"],
        "HIP reports 'AMD Instinct MI210'"),
    "Instinct MI250X": (
        [r"\bMI250X\b"],
        "HIP reports 'AMD Instinct MI250X' or 'AMD Instinct MI250X/MI250' (the latter "
        "also for the MI250, whose peaks are lower); HIP exposes each of the two GCDs as "
        "its own device while these peaks are per card, so one device reaches half"),
    "Instinct MI300X": (
        [r"\bMI300X\b"],
        "HIP reports 'AMD Instinct MI300X' (the 'HF' and 'VF' names are the same chip); "
        "MI300A, MI308X and MI325X are other parts and are not matched; in a partitioned "
        "mode (e.g. CPX) each partition is a device with a share of these peaks"),
    # Hygon DCU: DTK's HIP runtime.
    "DCU Z100 (Shensuan-1 family)": ([], _UNKNOWN_NAME),
    "DCU Z100L": ([], _UNKNOWN_NAME),
    "DCU K100 (Shensuan-2)": ([], _UNKNOWN_NAME),
    "DCU K100-AI": (
        [r"\bK100_AI\b"],
        "PyTorch's environment report on DTK lists the HIP device as "
        "'K100_AI (gfx928:sramecc+:xnack-)', i.e. the HIP name is 'K100_AI'"),
    "BW1000 (Shensuan-3)": ([], _UNKNOWN_NAME),
    "Ascend 910": ([], _NO_RUNTIME.format("CANN only")),
    "Ascend 910B": ([], _NO_RUNTIME.format("CANN only")),
    "MLU370-X8": ([], _NO_RUNTIME.format("Cambricon BANG/CNRT only")),
    "MLU590": ([], _NO_RUNTIME.format("Cambricon BANG/CNRT only")),
    "BR100": ([], _NO_RUNTIME.format("BIRENSUPA only")),
    "BR104": ([], _NO_RUNTIME.format("BIRENSUPA only")),
    "MTT S4000": (
        [],
        "mthreads-gmi lists the card as 'MTT S4000', but suanli has no MUSA backend and "
        "the name an OpenCL runtime would report is unconfirmed; left empty"),
    "MTT S80": (
        [],
        "mthreads-gmi lists the card as 'MTT S80', but suanli has no MUSA backend and "
        "its OpenCL support and device name are unconfirmed; left empty"),
    # Iluvatar CoreX: a CUDA-compatible runtime.
    "BI-V100 (Tiangai 100)": (
        [r"\bBI-V100\b"],
        "CoreX's CUDA-compatible runtime and ixsmi report 'Iluvatar BI-V100'"),
    "BI-V150": (
        [r"\bBI-V150\b"],
        "torch.cuda on CoreX reports 'Iluvatar BI-V150' (also 'Iluvatar BI-V150 OAM')"),
    "JM9231 (JM9 first chip)": ([], _UNKNOWN_NAME),
    "JM9271": ([], _UNKNOWN_NAME),
    "R200 (Kunlun 2nd gen)": ([], _NO_RUNTIME.format("Kunlunxin XPU runtime only")),
    "P800": ([], _NO_RUNTIME.format("Kunlunxin XPU runtime only")),
    "C500": (
        [],
        "MetaX's MACA runtime name is unconfirmed ('MetaX C500' appears in user notes, "
        "'MXC500' as a scheduler device type); left empty"),
}

# The clocks the datasheet peaks assume, with the public source of each: the `invalid`
# and `suspicious` rules scale a chip's peak to the SM clock a device was seen at
# (harness/results.h, clock_adjusted_peak). Only chips whose clock a source gives are
# listed, and only where the clock reproduces the CSV's figures (units x clock). Where the
# low-precision tensor figures (tf32, fp16, bf16, fp8, int8) assume a lower clock than the
# vector and fp64 figures, the second clock is given too (Hopper: the tensor cores' peaks
# are rated at a lower boost clock than the SM's maximum).
#   chip: (boost_clock_mhz, low_precision_clock_mhz or None, source)
BOOST_CLOCKS = {
    "V100 SXM2": (
        1530, None,
        "Cornell Virtual Workshop, 'GPU Example: Tesla V100' (cvw.cac.cornell.edu/"
        "gpu-architecture/gpu-example-tesla-v100/tesla): 7.8 TFLOPS FP64 = 2560 FP64 cores "
        "x 2 x 1.53 GHz"),
    "A100 SXM 80GB": (
        1410, None,
        "NVIDIA Developer Forums, 'How to calculate the Tensor Core FP16 performance of "
        "H100?' (forums.developer.nvidia.com/t/244727): 312 TFLOPS = 108 SMs x 2048 "
        "FLOP/clk x 1410 MHz, 'the stated/published boost clock for the A100'"),
    "H100 SXM": (
        1980, 1830,
        "glennklockwood.com/garden/processors/h100 (after the NVIDIA H100 whitepaper): "
        "H100 SXM5 1.98 GHz for high precision, 1.83 GHz for low precision; "
        "glennklockwood.com/garden/peak-FLOPS: 989.4 TFLOPS BF16 = 540,672 FLOP/clk x 1.83 GHz"),
    "H100 PCIe": (
        1755, 1620,
        "NVIDIA Developer Forums (forums.developer.nvidia.com/t/244727): the H100 PCIe board "
        "specification's max boost 1755 MHz; table 3 of the H100 whitepaper gives 1620 MHz "
        "for tensor-core use (756 TFLOPS = 114 SMs x 4096 FLOP/clk x 1620 MHz)"),
    "H200 SXM": (
        1980, 1830,
        "the H100 SXM clocks: the H200 is the same GPU with HBM3e (glennklockwood.com/garden/"
        "processors/h100: 'H200 GPUs are the same as H100 GPUs ... just with 144 GB of "
        "HBM3e'), and the CSV's figures are identical to the H100 SXM's"),
    "T4": (
        1590, None,
        "sysrqmts.com/en/gpus/nvidia/tesla/t4 (TechPowerUp-style database): boost clock "
        "1590 MHz, 8.141 TFLOPS FP32 = 2560 cores x 2 x 1.59 GHz"),
    "GeForce RTX 4090": (
        2520, None,
        "thefpsreview.com, 'NVIDIA GeForce RTX 4090 GPU Family Specifications': default "
        "boost clock 2520 MHz (82.6 TFLOPS FP32 = 16384 cores x 2 x 2.52 GHz)"),
    "Instinct MI50 (32GB)": (
        1725, None,
        "AnandTech, 'AMD Releases Instinct MI210 Accelerator' (anandtech.com/show/17326), "
        "AMD Instinct table: MI50 boost clock 1725 MHz, 13.3 TFLOPS FP32"),
    "Instinct MI60": (
        1800, None,
        "sysrqmts.com MI50 vs MI60 comparison: MI60 boost clock 1800 MHz, 14.75 TFLOPS FP32 "
        "(64 CUs x 64 x 2 x 1.8 GHz)"),
    "Instinct MI100": (
        1502, None,
        "AnandTech (anandtech.com/show/17326), AMD Instinct table: MI100 boost clock 1502 MHz; "
        "heise (via alkhaleejtoday.co): '1502 MHz ... 23.07 TFlops FP32'"),
    "Instinct MI210": (
        1700, None,
        "AnandTech (anandtech.com/show/17326), AMD Instinct table: MI210 boost clock 1700 MHz, "
        "22.6 TFLOPS FP64 vector"),
    "Instinct MI250X": (
        1700, None,
        "Tom's Hardware, 'AMD Radeon Instinct MI250X ...': 110 CUs per die at 1.7 GHz, "
        "47.9 TFLOPS FP64; AnandTech (anandtech.com/show/17326): MI250 boost 1700 MHz"),
    "Instinct MI300X": (
        2100, None,
        "AMD MI300X product page (peak engine clock 2100 MHz), as the reference CSV's note "
        "computes it: 1307.4 TFLOPS = 2100 MHz x 256 FMA x 2 x 1216 matrix cores"),
}

DESCRIPTION = (
    "Datasheet peak throughput per chip (dense; TFLOPS, int8 in TOPS), memory, and the "
    "source and confidence of every figure, with the device-name patterns suanli uses "
    "to find a device's entry (case-insensitive ECMAScript regexes searched in the "
    "runtime's device name; the longest matching pattern wins), and the boost clocks the "
    "peaks assume where a source gives them (with that source). Generated by "
    "scripts/make_chips_json.py from the reference CSV: edit those, not this file."
)


class CsvError(Exception):
    pass


def parse_number(text, where):
    """A CSV figure as int or float, keeping the CSV's own form (34 stays 34, 1.0 stays
    1.0) so the JSON reads like its source. None for an empty cell."""
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        raise CsvError(f"{where}: '{text}' is not a number") from None
    if value != value or value in (float("inf"), float("-inf")) or value < 0:
        raise CsvError(f"{where}: '{text}' must be a finite, non-negative number")
    return value


def chip_entry(row, line):
    name = row["chip"].strip()
    where = f"line {line} ({name})"
    if name not in DEVICE_NAME_PATTERNS:
        raise CsvError(f"{where}: no entry in DEVICE_NAME_PATTERNS; add one (an empty "
                       "list with a note when the runtime name is unknown)")
    patterns, match_note = DEVICE_NAME_PATTERNS[name]
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as err:
            raise CsvError(f"{where}: bad pattern {pattern!r}: {err}") from None

    year = parse_number(row["launch_year"], f"{where} launch_year")
    if not isinstance(year, int):
        raise CsvError(f"{where}: launch_year '{row['launch_year']}' is not a year")

    peaks = {}
    for column, key in PEAK_COLUMNS:
        value = parse_number(row[column], f"{where} {column}")
        if value is not None:
            peaks[key] = value

    entry = {
        "vendor": row["vendor"].strip(),
        "name": name,
        "match": patterns,
        "match_note": match_note,
        "launch_year": year,
        "arch": row["arch_isa"].strip(),
        "peak_tflops": peaks,
        "sparsity_basis": row["sparsity_basis"].strip(),
        "mem_bw_tbs": parse_number(row["mem_bw_tbs"], f"{where} mem_bw_tbs"),
        "mem_gb": row["mem_gb"].strip(),
        "mem_type": row["mem_type"].strip(),
        # Source, confidence and notes are facts with their provenance: copied as is.
        "source": row["source"],
        "confidence": row["confidence"],
        "notes": row["notes"],
    }
    if name in BOOST_CLOCKS:
        boost, low_precision, source = BOOST_CLOCKS[name]
        entry["boost_clock_mhz"] = boost
        if low_precision is not None:
            entry["low_precision_clock_mhz"] = low_precision
        entry["clock_source"] = source
    return entry


def build(csv_path, generated_from):
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CsvError(f"missing column(s): {', '.join(missing)}")
        # DictReader's line_num counts physical lines; the header is line 1.
        chips = [chip_entry(row, reader.line_num) for row in reader]

    names = [c["name"] for c in chips]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CsvError(f"duplicate chip name(s): {', '.join(duplicates)}")
    unknown_clocks = sorted(set(BOOST_CLOCKS) - set(names))
    if unknown_clocks:
        raise CsvError(f"BOOST_CLOCKS has chip(s) the CSV lacks: {', '.join(unknown_clocks)}")
    stale = sorted(set(DEVICE_NAME_PATTERNS) - set(names))
    if stale:
        raise CsvError("DEVICE_NAME_PATTERNS has chip(s) the CSV lacks (renamed or "
                       f"removed?): {', '.join(stale)}")

    return {
        "schema_version": SCHEMA_VERSION,
        "description": DESCRIPTION,
        "generated_from": generated_from,
        "chips": chips,
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", help="path to chip-peaks.csv")
    parser.add_argument("-o", "--output", help="write here instead of stdout")
    parser.add_argument("--generated-from", default="shared/reference/chip-peaks.csv",
                        help="the CSV's path as recorded in the output (default: %(default)s)")
    args = parser.parse_args(argv)

    try:
        document = build(args.csv, args.generated_from)
    except (OSError, CsvError) as err:
        print(f"make_chips_json.py: {args.csv}: {err}", file=sys.stderr)
        return 1

    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
