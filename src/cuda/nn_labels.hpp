#pragma once
// The label check of sparse_softmax_cross_entropy_with_logits for labels on
// a CUDA device, for tensor/nn.cpp (which includes no CUDA header): one pass
// on the device and 16 bytes read back, instead of copying the labels to the
// host.
#include <cstdint>

namespace eager::detail::cuda {

struct BadLabel {
  std::int64_t position = -1;  // -1: every label is valid
  std::int64_t value = 0;
};

// The first of the n contiguous labels (int32, or int64 when labels_int64)
// on the current device that lies outside [0, classes). Synchronises with
// the device.
BadLabel find_bad_label(const void* labels, bool labels_int64, std::int64_t n, std::int64_t classes);

}  // namespace eager::detail::cuda
