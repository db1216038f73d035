#pragma once
// Helpers of the GPU tests: run an op on the CPU and on the GPU and compare.
#include <catch2/catch.hpp>

#include <string>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

namespace eager::test {

inline Device gpu() { return Device::cuda(0); }

// The GPU result, copied back, equals the CPU result within
// atol + rtol * |cpu| (bit-exact for the defaults), with the same dtype and shape.
inline void require_matches_cpu(const Tensor& on_gpu, const Tensor& on_cpu, double rtol = 0, double atol = 0) {
  REQUIRE(on_gpu.device() == gpu());
  REQUIRE(on_gpu.dtype() == on_cpu.dtype());
  REQUIRE(on_gpu.shape() == on_cpu.shape());
  require_close(on_gpu.cpu(), on_cpu, rtol, atol);
}

// Runs fn on inputs on the CPU and on copies on the GPU and compares.
template <class Fn>
void require_same_on_gpu(const std::vector<Tensor>& inputs, Fn&& fn, double rtol = 0, double atol = 0) {
  std::vector<Tensor> on_gpu;
  for (const Tensor& t : inputs) on_gpu.push_back(t.to(gpu()));
  require_matches_cpu(fn(on_gpu), fn(inputs), rtol, atol);
}

}  // namespace eager::test
