#!/usr/bin/env bash
# One prepared check for a machine with an NVIDIA GPU (e.g. an H200 with no network).
# Uses a build carried from elsewhere (build/device, built with the `default` preset plus
# tests) or builds one here with cmake + the CUDA toolkit, then:
#   1. lists devices;  2. runs the GPU-labelled tests;  3. runs the short suite:
#   portable and vendor GEMM, fp32 tf32 bf16 fp16 fp8, 4096^3 and 8192^3, all verified;
#   4. writes results/runs/<date>-<device>/device-check.json and a summary table
#   (and copies them to $OUT when the caller set it).
# Budget: about 4 minutes. Exit status: 0 all verified, 1 something failed, 2 no GPU.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${SUANLI_BUILD_DIR:-build/device}
deadline=$((SECONDS + ${SUANLI_CHECK_BUDGET_S:-240}))

if [ ! -x "$build/bin/suanli" ]; then
  echo "== building in $build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUANLI_BUILD_TESTS=ON >/dev/null &&
    cmake --build "$build" -j "$(nproc)" || { echo "device-check: build failed" >&2; exit 1; }
fi
suanli="$build/bin/suanli"

echo "== devices"
"$suanli" devices
if ! "$suanli" devices --json | python3 -c 'import json,sys; sys.exit(0 if any(b["backend"]=="cuda" and b["available"] for b in json.load(sys.stdin)) else 1)'; then
  echo "device-check: no usable CUDA device (see the cuda line above)" >&2
  exit 2
fi

status=0
echo "== GPU-labelled tests"
if [ -f "$build/CTestTestfile.cmake" ]; then
  ctest --test-dir "$build" -L gpu --output-on-failure --timeout 120 || status=1
else
  echo "(no tests in this build: configure with -DSUANLI_BUILD_TESTS=ON to run them)"
fi

name=$("$suanli" devices --json | python3 -c 'import json,sys,re; d=[b for b in json.load(sys.stdin) if b["backend"]=="cuda"][0]["devices"][0]["info"]["name"]; print(re.sub(r"[^A-Za-z0-9]+","-",d).strip("-").lower())')
dir="results/runs/$(date -u +%Y-%m-%d)-$name"
mkdir -p "$dir"
left=$((deadline - SECONDS))
echo "== suite ($left s left): fp32 tf32 bf16 fp16 fp8 at 4096^3 and 8192^3, portable + vendor"
# Per case: at most 2 s of sampling once 10 samples are in; the watchdog bounds a hang.
"$suanli" run --backend cuda --device 0 --tier portable,vendor --dtype fp32,tf32,bf16,fp16,fp8 \
  --shape 4096x4096x4096 --shape 8192x8192x8192 --max-time 2 --timeout 60 \
  --out "$dir/device-check.json" --csv "$dir/device-check.csv" | tee "$dir/summary.txt"
rc=${PIPESTATUS[0]}
[ "$rc" -ne 0 ] && status=1

if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT/$dir" && cp "$dir"/* "$OUT/$dir/"
fi
echo "== done in $SECONDS s, status $status; results in $dir"
exit $status
