#!/usr/bin/env bash
# Sets up the machine (packages, including the Fashion-MNIST dataset), builds
# eager in Release and runs the main job: samples/fashion_mnist_mlp, the
# seed's MNIST training program. Extra arguments go to the sample
# (e.g. --steps 30000).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

configure_release
cmake --build build -j "$jobs" --target fashion_mnist_mlp
build/samples/fashion_mnist_mlp --min-test-accuracy 0.87 "$@"
