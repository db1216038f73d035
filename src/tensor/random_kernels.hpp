#pragma once
// How random tensors are generated on either device. A sampler of
// philox.hpp fills `per_block` consecutive elements from one Philox block
// (or one element from its own counter row); generate_block below applies it
// to block b of a tensor, and both the CPU loop (random.cpp) and the CUDA
// kernel (src/cuda/random.cu) generate through it. An element's value thus
// depends only on the key and its index, never on the device or on how the
// blocks are split across threads: uniform integers and floats are
// bit-identical on CPU and GPU, and normal and gamma samples differ at most
// where CUDA's log, sin, cos, sqrt and pow round differently from the host's
// (a few ulp of the float64 intermediates).
#include <cstdint>

#include "philox.hpp"

namespace eager::detail {

// Elements [b * per_block, min(n, (b + 1) * per_block)) of a tensor of n
// elements; the last block may be partial, then the sampler's surplus values
// are dropped.
template <class T, class Sampler>
EAGER_HD inline void generate_block(const Sampler& sampler, philox::Key key, std::int64_t b, T* out, std::int64_t n) {
  constexpr int per = Sampler::per_block;
  const std::int64_t first = b * per;
  if (first + per <= n) {
    sampler(key, static_cast<std::uint64_t>(b), out + first);
    return;
  }
  T tail[per];
  sampler(key, static_cast<std::uint64_t>(b), tail);
  for (std::int64_t j = 0; first + j < n; ++j) out[first + j] = tail[j];
}

// The number of blocks covering n elements.
template <class Sampler> constexpr std::int64_t num_blocks(std::int64_t n) {
  return (n + Sampler::per_block - 1) / Sampler::per_block;
}

// Fills out[0, n), device memory of the current CUDA device (t_cuda_device),
// with generate_block over every block, on that device's stream. Defined in
// src/cuda/random.cu for the samplers random.cpp uses, and only in a build
// with CUDA (EAGER_WITH_CUDA). A Gamma sampler's alpha and beta must point to
// device memory that stays allocated until the kernel is queued.
template <class T, class Sampler>
void cuda_generate(T* out, std::int64_t n, const Sampler& sampler, philox::Key key);

}  // namespace eager::detail
