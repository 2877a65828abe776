#!/usr/bin/env bash
# The regression-detection validation of docs/REGRESSION.md on a lent GPU (issue 7: A/A
# false calls <= 1%, a 5% and a 10% injected slowdown detected in >= 95% of trials), for a
# session that has device time left after scripts/device-check.sh. It uses the same
# carried build (build/device, see device-check.sh --prepare) and needs python3.
#
#   scripts/device-regression.sh [TRIALS]     (default 4: about 5 minutes on an H200)
#
# Each trial runs the portable fp32 GEMM (three shapes) as base, base + 5% work, base
# again and base + 10% work, eight runs of each taken in turn (--interleave), and judges
# the runs twice: as independent runs (compare on directories) and as pairs (compare
# --paired; 8 pairs is the fewest that can reach p < 0.01). Writes regression.md and regression.json
# under results/runs/<date>-<device>/ (and $OUT when set). Exit 2 without a CUDA device.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${SUANLI_BUILD_DIR:-build/device}
trials=${1:-4}
suanli="$(pwd)/$build/bin/suanli"
. scripts/device-env.sh
suanli_cuda_env
[ -x "$suanli" ] || { echo "device-regression: no build at $build (run scripts/device-check.sh --prepare)" >&2; exit 2; }
if ! "$suanli" devices --json | python3 -c 'import json,sys; sys.exit(0 if any(b["backend"]=="cuda" and b["available"] for b in json.load(sys.stdin)) else 1)'; then
  echo "device-regression: no usable CUDA device" >&2
  exit 2
fi
device=$("$suanli" devices --json | python3 -c 'import json,sys,re; d=[b for b in json.load(sys.stdin) if b["backend"]=="cuda"][0]["devices"][0]["info"]["name"]; print(re.sub(r"[^A-Za-z0-9]+","-",d).strip("-").lower())')
dir="results/runs/$(date -u +%Y-%m-%d)-$device"
mkdir -p "$dir"
python3 scripts/regression_validate.py --suanli "$suanli" --backend cuda --trials "$trials" \
    --shape 2048x2048x2048 --shape 3072x3072x3072 --shape 4096x4096x4096 --max-time 0.2 \
    --repetitions 8 --interleave --cold --json "$dir/regression.json" --keep "$dir/regression-runs" \
    > "$dir/regression.md"
rc=$?
rm -rf "$dir/regression-runs"  # dozens of run files: the summary and the verdicts are kept
cat "$dir/regression.md"
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT/$dir" && cp "$dir"/regression.* "$OUT/$dir/"; fi
exit $rc
