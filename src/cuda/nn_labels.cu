// find_bad_label: the smallest index of an out-of-range label, by atomicMin
// on one word (only invalid labels write it, so a valid batch costs one read
// of the labels).
#include <cstdint>

#include "cuda/cuda_common.hpp"
#include "cuda/nn_labels.hpp"

namespace eager::detail::cuda {

namespace {

constexpr unsigned long long kNone = ~0ull;

template <class L>
__global__ void first_bad_label_kernel(const L* __restrict__ labels, std::int64_t n, std::int64_t classes,
                                       unsigned long long* first) {
  for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n;
       i += std::int64_t{gridDim.x} * blockDim.x) {
    const std::int64_t label = labels[i];
    if (label < 0 || label >= classes) atomicMin(first, static_cast<unsigned long long>(i));
  }
}

template <class L> BadLabel find(const L* labels, std::int64_t n, std::int64_t classes) {
  cudaStream_t stream = current_stream();
  Scratch first(sizeof(unsigned long long));
  check(cudaMemsetAsync(first.get(), 0xff, sizeof(unsigned long long), stream), "cudaMemsetAsync (label check)");
  first_bad_label_kernel<L>
      <<<grid_size(n), kBlockSize, 0, stream>>>(labels, n, classes, first.as<unsigned long long>());
  check_launch("sparse_softmax_cross_entropy_with_logits label check");
  const unsigned long long position = read_back(first.as<unsigned long long>());
  BadLabel bad;
  if (position == kNone) return bad;
  bad.position = static_cast<std::int64_t>(position);
  bad.value = read_back(labels + position);
  return bad;
}

}  // namespace

BadLabel find_bad_label(const void* labels, bool labels_int64, std::int64_t n, std::int64_t classes) {
  if (labels_int64) return find(static_cast<const std::int64_t*>(labels), n, classes);
  return find(static_cast<const std::int32_t*>(labels), n, classes);
}

}  // namespace eager::detail::cuda
