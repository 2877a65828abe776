#!/usr/bin/env bash
# One prepared check for a machine with an NVIDIA GPU (e.g. a lent H200 with no network).
#
#   scripts/device-check.sh --prepare   (here, where the build tools are) builds a Release
#       tree in build/device: the suanli binary, its plugins and the GPU test binaries.
#       Carry build/device/bin and build/device/lib (a few MiB) to the GPU machine; it needs
#       the NVIDIA driver and the CUDA 13 runtime libraries (libnvrtc, libcublas, libcublasLt).
#   scripts/device-check.sh             (on the GPU machine) then:
#     1. lists devices;  2. runs the GPU tests (test_*_gpu binaries);  3. runs the short
#     suite: portable and vendor GEMM, fp32 tf32 bf16 fp16 fp8, 4096^3 and 8192^3, every
#     case verified;  3b. the native tier (gemm_mma_sync, this project's mma.sync kernel),
#     fp16, bf16, tf32 and int8 at the same shapes, status `unverified` until kernels/cuda/verified_on.json
#     lists the device's arch; on Hopper (sm_90a) also gemm_wgmma (TMA + wgmma) in fp16, bf16
#     and fp8;  4. attention, portable, native (the table's first kernel for the device: on
#     Hopper (sm_90a) attention_wgmma, the FlashAttention-3-style wgmma + TMA kernel, elsewhere
#     attention_mma_sync, the FlashAttention-2-style mma.sync kernel; `unverified` like the
#     native GEMM) and vendor tier (cuDNN's fused flash attention where cuDNN is installed,
#     else the unfused cuBLAS path, with the reason recorded),
#     fp16 and bf16, 1x32x{4096,8192}x128, without and with the causal mask; then
#     attention_mma_sync by name at 1x32x4096x128 (on Hopper: beside attention_wgmma);  5. the
#     ceilings: peak fp64 fp32 fp16 int8, the native peak (peak_mma_sync: mma.sync fp16, bf16,
#     int8 and, on sm_89+, fp8; on sm_90a also peak_wgmma fp16, bf16 and fp8; `unverified`
#     like the native GEMM), stream copy and triad;  6. writes
#     results/runs/<date>-<device>/{device-check,native,native-wgmma,attention,attention-causal,attention-mma-sync,attention-mma-sync-causal,peak,peak-native,peak-wgmma,stream}.{json,csv}
#     and summary.txt, and copies them under $OUT when the caller set it.
# Without a carried build it builds one first (cmake + the CUDA toolkit must be there).
#   scripts/device-check.sh --dry-run   (anywhere, no GPU needed) runs every step's suanli
#       command with `run --dry-run`: each command's options are checked and its case list
#       printed, no GPU test runs, nothing is written. CTest runs it (device_check_dry_run),
#       so a mistyped option is found here, not on a lent GPU's scarce minutes.
# Budget: about 5 minutes on an H200 (the native tier adds 8 + 6 GEMM cases: about a minute; 8
# attention cases of at most 2 s of samples each, 4 of the named attention_mma_sync and 1 of
# attention_wgmma without ping-pong; the native peak 4 + 3 cases of at most 1 s). Exit status: 0 all verified, 1 something failed, 2 no GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${SUANLI_BUILD_DIR:-build/device}
case $build in /*) ;; *) build="$root/$build" ;; esac
dry=""
[ "${1:-}" = "--dry-run" ] && dry=--dry-run

prepare() {
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSUANLI_BUILD_TESTS=ON >/dev/null || return 1
  local targets=(suanli)
  for t in suanli_backend_opencl suanli_backend_cuda suanli_backend_hip test_cuda_gpu test_cudnn_gpu test_hip_gpu; do
    ninja -C "$build" -t targets all 2>/dev/null | grep -q "^$t:" && targets+=("$t")
  done
  cmake --build "$build" --target "${targets[@]}"
}

if [ "${1:-}" = "--prepare" ]; then
  prepare || { echo "device-check: build failed" >&2; exit 1; }
  du -sh "${build#"$root"/}/bin" "${build#"$root"/}/lib"
  echo "carry: ${build#"$root"/}/bin ${build#"$root"/}/lib"
  exit 0
fi

if [ ! -x "$build/bin/suanli" ]; then
  echo "== no carried build: building in $build"
  prepare || { echo "device-check: build failed" >&2; exit 1; }
fi
suanli="$build/bin/suanli"
. scripts/device-env.sh
suanli_cuda_env
# Every measuring step goes through this, so --dry-run reaches each of them.
suanli_run() { "$suanli" run "$@" $dry; }
runs=0

status=0
if [ -n "$dry" ]; then
  # Nothing is written: the steps' outputs go to a scratch folder removed on exit.
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
else
  echo "== devices"
  "$suanli" devices
  if ! "$suanli" devices --json | python3 -c 'import json,sys; sys.exit(0 if any(b["backend"]=="cuda" and b["available"] for b in json.load(sys.stdin)) else 1)'; then
    echo "device-check: no usable CUDA device (see the cuda line above)" >&2
    exit 2
  fi

  echo "== GPU tests"
  for t in "$build"/bin/test_*_gpu; do
    [ -x "$t" ] || continue
    SUANLI_TEST_BINARY="$suanli" timeout 120 "$t" || status=1
  done

  name=$("$suanli" devices --json | python3 -c 'import json,sys,re; d=[b for b in json.load(sys.stdin) if b["backend"]=="cuda"][0]["devices"][0]["info"]["name"]; print(re.sub(r"[^A-Za-z0-9]+","-",d).strip("-").lower())')
  dir="results/runs/$(date -u +%Y-%m-%d)-$name"
  mkdir -p "$dir"
fi
echo "== suite: fp32 tf32 bf16 fp16 fp8 at 4096^3 and 8192^3, portable + vendor"
# Per case at least 1 s of sampling (a window the energy counter can give an average power
# for: the rows' avg_power_w and tflops_per_w; up to 5000 samples, so a 4096^3 fp8 GEMM of a
# fraction of a millisecond still fills it) and at most 2 s once 10 samples are in; the
# watchdog bounds a hang.
suanli_run --backend cuda --device 0 --tier portable,vendor --dtype fp32,tf32,bf16,fp16,fp8 \
  --shape 4096x4096x4096 --shape 8192x8192x8192 --min-time 1 --max-samples 5000 --max-time 2 --timeout 60 \
  --out "$dir/device-check.json" --csv "$dir/device-check.csv" | tee "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))

# The native tier beside cuBLAS: 8 cases, each verified in fp64 before its at most 2 s of
# sampling. `unverified` is not a failure (exit 0): the kernel has not been checked on this
# arch before; a `failed` row (wrong numbers, a fault) is.
echo "== native tier: gemm_mma_sync fp16 bf16 tf32 int8 at 4096^3 and 8192^3"
suanli_run --backend cuda --device 0 --tier native --native-kernel gemm_mma_sync --dtype fp16,bf16,tf32,int8 \
  --shape 4096x4096x4096 --shape 8192x8192x8192 --max-time 2 --timeout 60 \
  --out "$dir/native.json" --csv "$dir/native.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))

# Hopper only (sm_90a): gemm_wgmma (TMA + wgmma, warp-specialized) at the same sizes; fp8
# beside the suite's cuBLASLt fp8 row. Elsewhere each row is skipped with its reason. 6 cases.
echo "== native tier: gemm_wgmma fp16 bf16 fp8 at 4096^3 and 8192^3"
suanli_run --backend cuda --device 0 --tier native --native-kernel gemm_wgmma --dtype fp16,bf16,fp8 \
  --shape 4096x4096x4096 --shape 8192x8192x8192 --max-time 2 --timeout 60 \
  --out "$dir/native-wgmma.json" --csv "$dir/native-wgmma.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))

# 2 dtypes x 3 tiers x 2 shapes per mask: 12 cases, each at most 2 s of sampling after its
# verification (the S=8192 fp64 check samples rows) and cuDNN's plan build, under the watchdog.
for mask in "" --causal; do
  name_suffix=${mask:+-causal}
  echo "== attention${mask:+ (causal)}: fp16 bf16 at 1x32x4096x128 and 1x32x8192x128, portable + native + vendor"
  suanli_run --backend cuda --device 0 --workload attention --tier portable,native,vendor --dtype fp16,bf16 \
    --shape 1x32x4096x128 --shape 1x32x8192x128 $mask --max-time 2 --timeout 60 \
    --out "$dir/attention$name_suffix.json" --csv "$dir/attention$name_suffix.csv" | tee -a "$dir/summary.txt"
  [ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))
done
# The native tier above ran the table's first kernel (attention_wgmma on sm_90a); the mma.sync
# kernel by name, so both are measured on Hopper: 2 dtypes x 1 shape per mask, 4 cases.
for mask in "" --causal; do
  name_suffix=${mask:+-causal}
  echo "== native attention${mask:+ (causal)}: attention_mma_sync fp16 bf16 at 1x32x4096x128"
  suanli_run --backend cuda --device 0 --workload attention --tier native --native-kernel attention_mma_sync \
    --dtype fp16,bf16 --shape 1x32x4096x128 $mask --max-time 2 --timeout 60 \
    --out "$dir/attention-mma-sync$name_suffix.json" --csv "$dir/attention-mma-sync$name_suffix.csv" | tee -a "$dir/summary.txt"
  [ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))
done

# attention_wgmma with its two consumer warpgroups issuing as soon as each is ready
# (ATTN_WGMMA_PINGPONG=0) instead of taking turns: what the ping-pong is worth, beside the
# default run above (Hopper; skipped with the reason elsewhere). 1 case.
echo "== native attention: attention_wgmma without ping-pong, bf16 at 1x32x8192x128"
suanli_run --backend cuda --device 0 --workload attention --tier native --native-kernel attention_wgmma \
  --dtype bf16 --shape 1x32x8192x128 --kernel-define ATTN_WGMMA_PINGPONG=0 --max-time 2 --timeout 60 \
  --out "$dir/attention-wgmma-no-pingpong.json" --csv "$dir/attention-wgmma-no-pingpong.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))

# The ceilings: FMA chains per dtype (int8 on dp4a) and STREAM copy / triad over 1 GiB
# arrays (4x the L2 is less), each verified, then held against the datasheet (vector peak,
# mem_bw_tbs): a rate above 105% is a `suspicious` row. About half a minute.
echo "== ceilings: peak fp64 fp32 fp16 int8, stream copy and triad"
suanli_run --backend cuda --device 0 --workload peak --dtype fp64,fp32,fp16,int8 --max-time 2 --timeout 60 \
  --out "$dir/peak.json" --csv "$dir/peak.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))
# The matrix-unit ceiling: mma.sync m16n8k16 chains (int8, fp8: m16n8k32; int8 in TOPS; fp8
# skipped with the reason below sm_89), verified exactly against a host replay, held against
# the datasheet's tensor figure; on Hopper also wgmma's (peak_wgmma, the instruction that can
# reach the datasheet rate there; fp8 is the m64n128k32 e4m3 figure). A few seconds each.
echo "== native peak: peak_mma_sync fp16 bf16 int8 fp8"
suanli_run --backend cuda --device 0 --workload peak --tier native --native-kernel peak_mma_sync --dtype fp16,bf16,int8,fp8 \
  --max-time 1 --timeout 60 --out "$dir/peak-native.json" --csv "$dir/peak-native.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))
echo "== native peak: peak_wgmma fp16 bf16 fp8 (sm_90a; skipped with the reason elsewhere)"
suanli_run --backend cuda --device 0 --workload peak --tier native --native-kernel peak_wgmma --dtype fp16,bf16,fp8 \
  --max-time 1 --timeout 60 --out "$dir/peak-wgmma.json" --csv "$dir/peak-wgmma.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))
suanli_run --backend cuda --device 0 --workload stream --op copy,triad --max-time 2 --timeout 120 \
  --out "$dir/stream.json" --csv "$dir/stream.csv" | tee -a "$dir/summary.txt"
[ "${PIPESTATUS[0]}" -ne 0 ] && status=1; runs=$((runs + 1))

if [ -n "$dry" ]; then
  [ $status -eq 0 ] && echo "== dry run: all $runs suanli runs planned, every option accepted"
  exit $status
fi
if [ -n "${OUT:-}" ]; then
  mkdir -p "$OUT/$dir" && cp "$dir"/* "$OUT/$dir/"
fi
echo "== done in $SECONDS s, status $status; results in $dir"
exit $status
