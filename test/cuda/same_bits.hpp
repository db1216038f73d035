#pragma once
// Bit-exact comparison of a GPU result with the CPU's, for the ops that only
// move bytes or generate them from the same Philox bits (array and random
// tests); require_matches_cpu compares through float64, which cannot tell
// int64 values above 2^53 or NaN payloads apart.
#include <cstring>

#include "cuda_test_util.hpp"

namespace eager::test {

// Same dtype and shape, and the same bytes once copied back.
inline void require_same_bits(const Tensor& on_gpu, const Tensor& on_cpu) {
  REQUIRE(on_gpu.device() == gpu());
  REQUIRE(on_gpu.dtype() == on_cpu.dtype());
  REQUIRE(on_gpu.shape() == on_cpu.shape());
  const Tensor a = on_gpu.cpu().contiguous(), b = on_cpu.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(a.num_elements()) * itemsize(a.dtype());
  if (bytes == 0) return;
  if (std::memcmp(a.raw_data(), b.raw_data(), bytes) != 0) require_close(a, b, 0, 0);  // names the first mismatch
  REQUIRE(std::memcmp(a.raw_data(), b.raw_data(), bytes) == 0);
}

}  // namespace eager::test
