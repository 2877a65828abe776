#!/usr/bin/env bash
# Installs every Debian package suanli's build and tests need. Safe to run twice:
# apt-get skips what is already installed, and the package index is refreshed only
# when it is missing or older than a day.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config git ca-certificates
  # libraries the harness uses
  libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsqlite3-dev  # suanli history: runs stored in an embedded SQLite database
  # OpenCL: headers, ICD loader, PoCL (OpenCL on the CPU), CLBlast (vendor tier), clinfo
  opencl-headers ocl-icd-opencl-dev ocl-icd-libopencl1 pocl-opencl-icd libclblast-dev clinfo
  libamdhip64-dev  # HIP plugin: ROCm 5.2 runtime, hiprtc, comgr (~81 MB; its libllvm15 is PoCL's too)
  # the sanitize preset: clang with its ASan / UBSan / libFuzzer runtimes
  clang libclang-rt-14-dev
  # python for scripts/ (plots, reports); Google Benchmark's compare.py (tested against
  # our --gbench-out) and the scipy it needs
  python3 libbenchmark-tools python3-scipy
  libopenblas-dev  # benchmarks/cpu_blas_gemm: OpenBLAS sgemm beside the portable kernel on PoCL
  python3-matplotlib  # suanli report: charts (scripts/report/, run with /usr/bin/python3)
)

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup.sh: needs root (or sudo) to install packages: ${packages[*]}" >&2; exit 2
  fi
else
  SUDO=
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  $SUDO apt-get update -qq
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
