// Random tensors on a CUDA device: one kernel template over the Philox
// samplers of tensor/philox.hpp, each thread generating whole blocks through
// generate_block (tensor/random_kernels.hpp), the function the CPU loop
// calls. Uniform integers and floats are therefore bit-identical to the
// CPU's for the same key; normal, truncated normal and gamma samples match
// within the rounding of CUDA's log, sin, cos, sqrt and pow (a few ulp of
// the float64 intermediates).
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda_common.hpp"
#include "tensor/random_kernels.hpp"

namespace eager::detail {

namespace {

// Block b of the tensor for b in [0, blocks), grid-stride with a 64-bit
// counter.
template <class T, class Sampler>
__global__ void __launch_bounds__(cuda::kBlockSize)
    generate_kernel(T* out, std::int64_t n, std::int64_t blocks, Sampler sampler, philox::Key key) {
  const std::int64_t step = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t b = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks; b += step)
    generate_block(sampler, key, b, out, n);
}

}  // namespace

template <class T, class Sampler>
void cuda_generate(T* out, std::int64_t n, const Sampler& sampler, philox::Key key) {
  if (n == 0) return;
  const std::int64_t blocks = num_blocks<Sampler>(n);
  generate_kernel<<<cuda::grid_size(blocks), cuda::kBlockSize, 0, cuda::current_stream()>>>(out, n, blocks, sampler,
                                                                                            key);
  cuda::check_launch("random");
}

// The samplers random.cpp runs on a GPU.
#define EAGER_CUDA_GENERATE(T, Sampler) \
  template void cuda_generate<T, Sampler>(T*, std::int64_t, const Sampler&, philox::Key);
EAGER_CUDA_GENERATE(float, philox::UniformReal<float>)
EAGER_CUDA_GENERATE(double, philox::UniformReal<double>)
EAGER_CUDA_GENERATE(std::int32_t, philox::UniformInt<std::int32_t>)
EAGER_CUDA_GENERATE(std::int64_t, philox::UniformInt<std::int64_t>)
EAGER_CUDA_GENERATE(float, philox::Normal<float>)
EAGER_CUDA_GENERATE(double, philox::Normal<double>)
EAGER_CUDA_GENERATE(float, philox::TruncatedNormal<float>)
EAGER_CUDA_GENERATE(double, philox::TruncatedNormal<double>)
EAGER_CUDA_GENERATE(float, philox::Gamma<float>)
EAGER_CUDA_GENERATE(double, philox::Gamma<double>)
#undef EAGER_CUDA_GENERATE

}  // namespace eager::detail
