# Sourced by scripts/device-{check,regression,tune}.sh on a GPU machine. The carried CUDA
# plugin needs libnvrtc.so.13, libcublas.so.13 and libcublasLt.so.13 (linked, with a
# RUNPATH of this build machine's /usr/local/cuda/lib) and loads libcudnn.so.9 when the
# attention vendor tier runs. A lent machine may hold them outside the loader's path: the
# toolkit in /usr/local/cuda/lib64, cuDNN and cuBLAS in a Python environment's nvidia
# wheels. Each one the loader would not find is looked for there and its folder added to
# LD_LIBRARY_PATH, and the script says so; one found nowhere is left for the plugin to
# report ("unavailable" with the loader's message, or cuDNN's row skipped with its reason).
suanli_cuda_env() {
  local lib dir found added=""
  local wheels
  wheels=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null)
  for lib in libnvrtc.so.13 libcublas.so.13 libcublasLt.so.13 libcudnn.so.9; do
    ldconfig -p 2>/dev/null | grep -q " $lib " && continue
    found=""
    local search=${LD_LIBRARY_PATH:-}
    for dir in ${search//:/ }; do [ -e "$dir/$lib" ] && found=$dir; done
    [ -n "$found" ] && continue
    for dir in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib; do
      [ -z "$found" ] && [ -e "$dir/$lib" ] && found=$dir
    done
    if [ -z "$found" ]; then
      for dir in $wheels; do
        [ -z "$found" ] && [ -d "$dir/nvidia" ] && found=$(find "$dir/nvidia" -name "$lib" -printf '%h\n' 2>/dev/null | head -1)
      done
    fi
    if [ -n "$found" ]; then
      export LD_LIBRARY_PATH="$found${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      added+=" $lib:$found"
    fi
  done
  [ -n "$added" ] && echo "== loader path: added$added"
  return 0
}
