#!/usr/bin/env bash
# One node's part of a lab run: `suanli run` on this node, its results written into the
# shared folder as <host>-<job>.json (and the console output as <host>-<job>.log).
# Started once per node by suanli-lab.sbatch (srun); runs just as well by hand on any
# machine, which is how it is tested without Slurm.
#
#   suanli-node.sh OUT_DIR [suanli run options...]
#
# Environment: SUANLI_BIN (default: suanli on PATH); SUANLI_JOB_ID names the run (default:
# $SLURM_JOB_ID, else "local").
# Exit status: suanli's (0 all cases ok, 1 a case failed but the file was written, 2 bad
# input or no results).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [suanli run options...]" >&2
  exit 2
fi
out_dir=$1
shift
suanli=${SUANLI_BIN:-suanli}
job=${SUANLI_JOB_ID:-${SLURM_JOB_ID:-local}}
host=$(hostname -s 2>/dev/null || hostname)

mkdir -p "$out_dir"
out="$out_dir/$host-$job.json"
log="$out_dir/$host-$job.log"

status=0
"$suanli" run "$@" --out "$out" >"$log" 2>&1 || status=$?
if [ ! -f "$out" ]; then
  echo "suanli-node.sh: $host: no results written (exit $status); see $log" >&2
  tail -n 5 "$log" >&2 || true
  exit 2
fi
echo "suanli-node.sh: $host: $out (exit $status)"
exit "$status"
