# Sourced by the run_*.sh scripts: repository root, parallelism and the
# Release configuration they share (so run_main.sh and run_tests.sh reuse one
# build/ tree instead of reconfiguring it back and forth).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

jobs=${EAGER_JOBS:-$(nproc)}
generator_args=(-G Ninja)
if command -v ccache >/dev/null; then
  generator_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  # Hash paths relative to the checkout, so that a fresh clone elsewhere (as
  # CI makes) still hits the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

configure_release() {
  cmake -S . -B build "${generator_args[@]}" -DCMAKE_BUILD_TYPE=Release -DEAGER_CUDA=AUTO
}
