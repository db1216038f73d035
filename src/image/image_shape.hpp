#pragma once
// The shape checks every tf.image function starts with, so that all of them
// word their errors the same way.
#include <cstdint>
#include <initializer_list>

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
// Ops with only a CPU kernel: Unimplemented naming `op`, the input (`what`)
// and its device when `t` is on any other device.
void require_cpu(const char* op, const Tensor& t, const char* what = "image");
// Ops without a GPU kernel under soft placement (eager::config): true when
// an input is on a GPU and soft placement lets the op run on the CPU; the
// caller then calls itself again with the inputs copied there.
bool run_on_cpu_instead(const char* op, std::initializer_list<const Tensor*> inputs);
// t itself on the CPU, t copied there under soft placement, else require_cpu's error.
Tensor cpu_input(const char* op, const Tensor& t, const char* what);

}  // namespace eager::image::detail
