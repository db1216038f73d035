#!/usr/bin/env bash
# Builds and runs eager_bench, data_bench and the image benchmarks (jpeg_bench,
# resize_bench, color_bench, preprocess_bench), cuda_bench where CUDA is built and
# a GPU is present, then their peers (LibTorch C++
# and NumPy; tf.data for data_bench; Pillow and OpenCV for resizing,
# TensorFlow for the colour kernels) on the same workloads, and prints every
# result as one JSON object per line on stdout (build logs go to stderr). The
# lines are also kept in $BUILD/bench_results.jsonl.
#
#   bash scripts/bench.sh            # JSON lines
#   bash scripts/bench.sh --table    # JSON lines, then a Markdown summary table
#   bash scripts/bench.sh --no-peers # eager_bench and data_bench only
#
# Installs what it needs (Debian packages) when missing; running it again only
# checks. BUILD defaults to build-bench in the repository root. The tf.data
# and tf.image peers run with TF_PYTHON (default /work/tfvenv/bin/python, a virtual
# environment with tensorflow-cpu from PyPI) and is skipped without it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
tf_python=${TF_PYTHON:-/work/tfvenv/bin/python}
table=0
peers=1
for arg in "$@"; do
  case "$arg" in
    --table) table=1 ;;
    --no-peers) peers=0 ;;
    *) echo "bench.sh: unknown option $arg (use --table, --no-peers)" >&2; exit 2 ;;
  esac
done

bash "$root/scripts/setup.sh" >&2

# The peers are optional: a machine that cannot install them still gets
# eager's own figures and its direct-OpenBLAS reference.
install_peers() {
  local missing=()
  for p in python3-numpy libtorch-dev python3-pil python3-opencv; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" == installed ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "bench.sh: installing peers ${missing[*]}" >&2
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  { "${sudo[@]}" apt-get update -q && "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2 ||
    echo "bench.sh: could not install ${missing[*]}; those peers are skipped" >&2
}
((peers)) && install_peers

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" \
  -DEAGER_BUILD_BENCH=ON -DEAGER_BUILD_TESTS=OFF -DEAGER_BUILD_SAMPLES=OFF -DEAGER_CUDA=OFF >&2
targets=(eager_bench data_bench resize_bench color_bench preprocess_bench)
ninja -C "$build" -t targets all 2>/dev/null | grep -q '^jpeg_bench:' && targets+=(jpeg_bench)
ninja -C "$build" -t targets all 2>/dev/null | grep -q '^cuda_bench:' && targets+=(cuda_bench)
((peers)) && ninja -C "$build" -t targets all 2>/dev/null | grep -q '^torch_bench:' && targets+=(torch_bench)
ninja -C "$build" -j2 "${targets[@]}" >&2

results="$build/bench_results.jsonl"
{
  "$build/bench/eager_bench"
  # Kept apart as well: the tf.data peer reads them for its eager/tf.data ratios.
  "$build/bench/data_bench" | tee "$build/data_bench_results.jsonl"
  if [[ -x "$build/bench/jpeg_bench" ]]; then
    "$build/bench/jpeg_bench"
  else
    echo "bench.sh: TurboJPEG not found, jpeg_bench skipped" >&2
  fi
  "$build/bench/preprocess_bench"
  # Says on stderr why it skips where no GPU can be used.
  [[ -x "$build/bench/cuda_bench" ]] && "$build/bench/cuda_bench"
  # The peers' lines feed resize_bench's ratios, and color_bench's feed the
  # TensorFlow peer's: both sides work on the very same pixels.
  resize_peers="$build/resize_peers.jsonl"
  : >"$resize_peers"
  wallpaper="$build/wallpaper_1920x1080.npy"
  if ((peers)) && /usr/bin/python3 -c 'import cv2, PIL' 2>/dev/null; then
    /usr/bin/python3 "$root/bench/peers/resize_peers.py" --save-npy "$wallpaper" | tee "$resize_peers"
    "$build/bench/resize_bench" "$wallpaper" "$resize_peers"
  else
    ((peers)) && echo "bench.sh: python3-pil or python3-opencv not found, resize peers skipped" >&2
    "$build/bench/resize_bench"
  fi
  "$build/bench/color_bench" | tee "$build/color_bench_results.jsonl"
  if ((peers)); then
    if [[ -x "$build/bench/torch_bench" ]]; then
      "$build/bench/torch_bench"
    else
      echo "bench.sh: LibTorch not found, torch peer skipped" >&2
    fi
    if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
      /usr/bin/python3 "$root/bench/peers/numpy_bench.py"
    else
      echo "bench.sh: python3-numpy not found, numpy peer skipped" >&2
    fi
    if [[ -x "$tf_python" ]]; then
      "$tf_python" "$root/bench/tfdata_bench.py" --eager "$build/data_bench_results.jsonl"
      "$tf_python" "$root/bench/peers/tf_color_bench.py" --eager "$build/color_bench_results.jsonl"
    else
      echo "bench.sh: $tf_python not found (set TF_PYTHON), tf.data and tf.image peers skipped" >&2
    fi
  fi
} | tee "$results"

((table)) && /usr/bin/python3 "$root/bench/summarize.py" "$results"
exit 0
