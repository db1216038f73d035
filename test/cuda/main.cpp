// The GPU tests: every op on a CUDA device against the same op on the CPU.
// Without a usable GPU the program says why and exits with 77, which ctest
// reports as "Skipped" (SKIP_RETURN_CODE), so a CPU-only run shows it.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "eager/device.hpp"

int main(int argc, char** argv) {
  if (!eager::cuda::is_available()) {
    std::printf("eager_cuda_tests: SKIPPED, no usable GPU: %s\n", eager::cuda::unavailable_reason().c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
