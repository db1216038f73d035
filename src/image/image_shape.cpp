#include "image/image_shape.hpp"

#include <string>

#include "eager/error.hpp"
#include "tensor/dispatch.hpp"

namespace eager::image::detail {

ImageDims image_dims(const char* op, const Tensor& image) {
  const Shape& s = image.shape();
  if (s.rank() != 3 && s.rank() != 4)
    throw InvalidArgument(std::string(op) + ": expected an image of rank 3 (HWC) or a batch of rank 4 (NHWC), got shape " +
                          s.to_string());
  ImageDims d;
  d.batched = s.rank() == 4;
  const int first = d.batched ? 1 : 0;
  if (d.batched) d.batch = s[0];
  d.height = s[first];
  d.width = s[first + 1];
  d.channels = s[first + 2];
  return d;
}

void require_image_dtype(const char* op, const Tensor& image) {
  const DType t = image.dtype();
  if (t != DType::UInt8 && t != DType::Float32 && t != DType::Float64)
    throw InvalidArgument(std::string(op) + ": images must be uint8, float32 or float64, got " +
                          std::string(dtype_name(t)));
}

void require_cpu(const char* op, const Tensor& t, const char* what) {
  if (!t.device().is_cpu())
    throw Unimplemented(std::string(op) + ": only the CPU has a kernel for this op; the " + what + " is on " +
                        t.device().name() + " (" + eager::detail::kSoftPlacementHint + ")");
}

bool run_on_cpu_instead(const char* op, std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* t : inputs)
    if (t->defined() && !t->device().is_cpu()) return eager::detail::soft_place_on_cpu(op);
  return false;
}

Tensor cpu_input(const char* op, const Tensor& t, const char* what) {
  if (!t.defined() || t.device().is_cpu()) return t;
  if (!eager::detail::soft_place_on_cpu(op)) require_cpu(op, t, what);
  return t.cpu();
}

}  // namespace eager::image::detail
