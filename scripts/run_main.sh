#!/usr/bin/env bash
# Sets up the machine, builds eager in Release and runs the main sample.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

configure_release
cmake --build build -j "$jobs" --target tensor_basics
build/samples/tensor_basics
