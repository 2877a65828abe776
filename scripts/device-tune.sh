#!/usr/bin/env bash
# A short tuning pass for a lent GPU, after scripts/device-check.sh (same carried build):
# tunes the portable GEMM (fp32, fp16; the "large" class at 4096^3) and attention (fp16,
# D = 128) for the budget given, and copies the database to $OUT/tuning (commit it under
# results/tuning/ with the numbers in docs/PERFORMANCE.md).
#
#   scripts/device-tune.sh [SECONDS per search, default 90]     (3 searches + confirmations)
# Exit status: 0 all searches wrote an entry, 1 one did not, 2 no GPU / no build.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${SUANLI_BUILD_DIR:-build/device}
budget=${1:-90}
dir=${OUT:-results}/tuning
. scripts/device-env.sh
suanli_cuda_env
[ -x "$build/bin/suanli" ] || { echo "device-tune: no build in $build (run scripts/device-check.sh --prepare)" >&2; exit 2; }
"$build/bin/suanli" devices | grep -q "^cuda: [0-9]* device" || { echo "device-tune: no CUDA device" >&2; exit 2; }
mkdir -p "$dir"
status=0
run() { echo "+ suanli tune $*" >&2; "$build/bin/suanli" tune --backend cuda --budget "$budget" --tuning-dir "$dir" "$@" || status=1; }
run --dtype fp32 --shape 4096x4096x4096
run --dtype fp16 --shape 4096x4096x4096
run --workload attention --dtype fp16 --shape 1x32x4096x128
ls -l "$dir"
exit $status
