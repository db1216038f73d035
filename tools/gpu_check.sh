#!/usr/bin/env bash
# The GPU check of issue 7, for the times a GPU machine is lent: configures
# and builds eager with CUDA (build-gpu/), runs the GPU tests, the GPU
# benchmarks and a short fashion_mnist_mlp run on the GPU, and ends with a
# summary table. About 8 minutes on a fresh 16-core H200 machine.
#
#   bash tools/gpu_check.sh            # everything
#   EAGER_CUDA_ARCH=90 bash tools/gpu_check.sh
#
# Logs and the benchmark lines stay in build-gpu/check/; the exit status is
# non-zero when a step failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=build-gpu/check
mkdir -p "$out"
jobs=${EAGER_JOBS:-$(nproc)}
declare -A result

step() {  # step NAME COMMAND...: runs, logs to $out/NAME.log, records the outcome
  local name=$1
  shift
  local start=$SECONDS
  echo "==== $name: $*"
  if "$@" >"$out/$name.log" 2>&1; then result[$name]="ok ($((SECONDS - start)) s)"
  else result[$name]="FAILED, rc $? ($((SECONDS - start)) s): see $out/$name.log"; tail -n 40 "$out/$name.log"; fi
}

# Packages: only when apt can reach a mirror; a machine without a network
# must already have them, and configure says what is missing.
if command -v apt-get >/dev/null && [[ -z "${EAGER_NO_SETUP:-}" ]]; then
  bash scripts/setup.sh >"$out/setup.log" 2>&1 || echo "setup.sh failed (offline?); continuing with what is installed"
fi
nvidia-smi -L 2>&1 | tee "$out/gpus.txt"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
step configure cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DEAGER_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="${EAGER_CUDA_ARCH:-90}" -DEAGER_BUILD_TOOLS=OFF "${launcher[@]}"
step build cmake --build build-gpu -j "$jobs" --target eager_cuda_tests eager_tests cuda_bench fashion_mnist_mlp
step gpu_tests build-gpu/test/eager_cuda_tests --order rand --rng-seed 1
# The CPU suite again in the CUDA build: the registry now holds both backends.
step cpu_tests build-gpu/test/eager_tests --order rand --rng-seed 1
step bench bash -c "build-gpu/bench/cuda_bench | tee $out/bench.jsonl"
data=/usr/share/datasets/fashion-mnist
if [[ -d $data ]]; then
  step mnist_gpu build-gpu/samples/fashion_mnist_mlp --device cuda --steps 3000 --eval-every 1000 --min-test-accuracy 0.8
else
  result[mnist_gpu]="skipped: $data is missing (Debian package dataset-fashion-mnist)"
fi

echo
echo "==== GPU check summary ($(head -n 1 "$out/gpus.txt"))"
status=0
for name in configure build gpu_tests cpu_tests bench mnist_gpu; do
  printf '%-10s %s\n' "$name" "${result[$name]:-not run}"
  [[ "${result[$name]:-}" == ok* || "${result[$name]:-}" == skipped* ]] || status=1
done
grep -h -E 'test cases|assertions' "$out/gpu_tests.log" 2>/dev/null | tail -n 2
grep -h -E 'steps in|test accuracy' "$out/mnist_gpu.log" 2>/dev/null
echo
printf '%-26s %12s %-6s %8s  %s\n' benchmark value unit target met
if [[ -s $out/bench.jsonl ]]; then
  # Targets: "at least" for throughput and ratios, "at most" for times.
  python3 - "$out/bench.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    target = r.get("target")
    lower_is_better = r["unit"] == "us"
    met = "" if target is None else ("yes" if (r["value"] <= target if lower_is_better else r["value"] >= target) else "NO")
    print(f'{r["name"]:<26} {r["value"]:>12.4g} {r["unit"]:<6} {target if target is not None else "":>8}  {met}')
EOF
fi
exit "$status"
