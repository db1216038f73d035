#!/usr/bin/env bash
# Sets up the machine, builds everything in Release and runs every test
# (unit tests and the consumer-package tests), then builds the unit tests
# with AddressSanitizer + UndefinedBehaviorSanitizer and runs them again, and
# the tests of threaded code (pipeline, queues) with ThreadSanitizer.
# Exits non-zero if any test fails; the output ends with the three ctest summaries.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

status=0

configure_release
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs" 2>&1 | tee build/ctest.log || status=1

# The sanitizer build skips CUDA (ASan and the CUDA runtime need special
# settings to coexist) and everything that is not a unit test. -O1 is the
# level the sanitizer documentation recommends for usable speed and compiles
# about a third faster than -O2; Debug keeps assert() in third-party headers.
cmake -S . -B build-asan "${generator_args[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DEAGER_SANITIZE=ON -DEAGER_CUDA=OFF -DEAGER_BUILD_SAMPLES=OFF -DEAGER_BUILD_BENCH=OFF
cmake --build build-asan -j "$jobs" --target eager_tests
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  ctest --test-dir build-asan -L unit --output-on-failure 2>&1 | tee build-asan/ctest.log || status=1

# ThreadSanitizer over the tests that run threads (pipeline stages, queues).
cmake -S . -B build-tsan "${generator_args[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DEAGER_TSAN=ON -DEAGER_CUDA=OFF -DEAGER_BUILD_SAMPLES=OFF -DEAGER_BUILD_BENCH=OFF
cmake --build build-tsan -j "$jobs" --target eager_thread_tests
ctest --test-dir build-tsan -L tsan --output-on-failure 2>&1 | tee build-tsan/ctest.log || status=1

summary() { grep -E 'tests passed|tests failed out of' "$1" | tail -n 1 || echo "no ctest summary"; }
echo
echo "==== ctest summary ===="
echo "build (Release, all tests):          $(summary build/ctest.log)"
echo "build-asan (ASan+UBSan, unit tests): $(summary build-asan/ctest.log)"
echo "build-tsan (TSan, threaded tests):    $(summary build-tsan/ctest.log)"
exit "$status"
