// Exercises the parts of eager whose link dependencies a consumer inherits:
// matmul goes through OpenBLAS, printing through fmt, ops through the thread
// pool, the device query through the CUDA runtime in a CUDA build. A wrong
// exported link interface fails to link; wrong values exit 1.
#include <cstdio>
#include <string>
#include <vector>

#include "eager/eager.hpp"

int main() {
  const eager::Tensor a = eager::constant({{1.f, 2.f}, {3.f, 4.f}});
  const eager::Tensor c = eager::matmul(a, a) + 1.f;
  const std::string text = c.to_string();
  std::printf("%s\n", text.c_str());

  const std::vector<float> want{8, 11, 16, 23};
  if (c.to_vector<float>() != want || c.dtype() != eager::DType::Float32) {
    std::fprintf(stderr, "consumer: matmul(a, a) + 1 gave wrong values or dtype\n");
    return 1;
  }
  if (eager::reduce_sum(c).item<double>() != 58.0) {
    std::fprintf(stderr, "consumer: reduce_sum gave a wrong value\n");
    return 1;
  }
  if (text.find("shape=(2, 2)") == std::string::npos) {
    std::fprintf(stderr, "consumer: printed text lacks the shape\n");
    return 1;
  }
  // Works in every build and on every machine: a GPU, or the reason there is none.
  if (eager::cuda::is_available() == eager::cuda::unavailable_reason().empty()) {
    std::printf("CUDA: %s\n", eager::cuda::is_available() ? "available" : eager::cuda::unavailable_reason().c_str());
    return 0;
  }
  std::fprintf(stderr, "consumer: cuda::is_available() disagrees with cuda::unavailable_reason()\n");
  return 1;
}
