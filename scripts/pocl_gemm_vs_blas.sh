#!/usr/bin/env bash
# The PoCL GEMM comparison of docs/PERFORMANCE.md in one go, on one machine: suanli's
# portable kernel (tuned entry if results/tuning has one) and CLBlast in one `suanli run`,
# then OpenBLAS on the same cores; prints the ratios.
# usage: scripts/pocl_gemm_vs_blas.sh BUILD_DIR [dtype] [shape] [max-time]
set -euo pipefail
build=${1:?usage: pocl_gemm_vs_blas.sh BUILD_DIR [fp32|fp64] [MxNxK] [max-time]}
dtype=${2:-fp32}
shape=${3:-2048x2048x2048}
max_time=${4:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
IFS=x read -r m n k <<<"$shape"
threads=$(nproc)

"$build/bin/suanli" run --backend opencl --dtype "$dtype" --shape "$shape" --tier portable,vendor \
  --max-time "$max_time" --out "$out/run.json" >&2
OPENBLAS_NUM_THREADS=$threads "$build/bin/suanli_cpu_blas_gemm" "$dtype" "$m" "$n" "$k" 10 >"$out/blas.json"

/usr/bin/python3 - "$out/run.json" "$out/blas.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
blas = json.load(open(sys.argv[2]))
cases = run["cases"] if "cases" in run else [c for d in run["devices"] for c in d["cases"]]
rows = {c["tier"]: c for c in cases if c.get("status") == "ok"}
if "portable" not in rows or not blas["verified"]:
    sys.exit("pocl_gemm_vs_blas: the portable case or OpenBLAS did not verify")
p = rows["portable"]["tflops"] * 1e3
print("| kernel | GFLOPS | portable / this |")
print("|---|---|---|")
cfg = rows["portable"]["kernel"]
print(f"| portable {cfg['name']} ({cfg['config']['name']}, {cfg.get('config_source', '?')}) | {p:.1f} | 1.00 |")
if "vendor" in rows:
    v = rows["vendor"]["tflops"] * 1e3
    print(f"| {rows['vendor']['kernel']['name']} | {v:.1f} | {p / v:.2f} |")
print(f"| {blas['library']} ({blas['threads']} threads) | {blas['gflops']:.1f} | {p / blas['gflops']:.2f} |")
PY
