#include "image/image_shape.hpp"

#include <string>

#include "eager/error.hpp"

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

void require_cpu(const char* op, const Tensor& image) {
  if (!image.device().is_cpu())
    throw Unimplemented(std::string(op) + ": only the CPU has a kernel for this op; the image is on " +
                        image.device().name() + " (copy it with .cpu())");
}

}  // namespace eager::image::detail
