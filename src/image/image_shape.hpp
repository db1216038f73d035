#pragma once
// The shape checks every tf.image function starts with, so that all of them
// word their errors the same way.
#include <cstdint>

#include "eager/tensor.hpp"

namespace eager::image::detail {

// An HWC image seen as a batch of one, or an NHWC batch.
struct ImageDims {
  std::int64_t batch = 1, height = 0, width = 0, channels = 0;
  bool batched = false;  // the input was NHWC
};

// Rank 3 (HWC) or 4 (NHWC); otherwise InvalidArgument naming `op` and the shape.
ImageDims image_dims(const char* op, const Tensor& image);
// uint8, float32 or float64; otherwise InvalidArgument naming `op` and the dtype.
void require_image_dtype(const char* op, const Tensor& image);
// CPU-only kernels: Unimplemented for any other device, naming `op`.
void require_cpu(const char* op, const Tensor& image);

}  // namespace eager::image::detail
