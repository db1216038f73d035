#pragma once
// Checks and the float round trip shared by the colour functions
// (color_convert.cpp, color_adjust.cpp, color_random.cpp).
#include <cstdint>
#include <cstdio>
#include <string>

#include "eager/image/color.hpp"
#include "eager/tensor.hpp"

namespace eager::image::detail {

// InvalidArgument naming `op` and the shape unless rank >= min_rank.
void require_rank_at_least(const char* op, const Tensor& image, int min_rank);
// InvalidArgument naming `op` and the shape unless the last dimension is `size`.
void require_last_dim(const char* op, const Tensor& image, std::int64_t size);
// InvalidArgument naming `op` and the dtype for bool images.
void require_numeric(const char* op, const Tensor& image);
// InvalidArgument naming `op` and the dtype unless float32 or float64.
void require_floating(const char* op, const Tensor& image);

// A double as error messages show it ("%g": 0.5, 1e+30, nan).
inline std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// The forms made of public ops behind the fast kernels: what devices without
// those kernels run (and what the tests compare the fast paths with).
Tensor convert_image_dtype_composite(const Tensor& image, DType dtype, bool saturate);
Tensor adjust_contrast_composite(const Tensor& images, double contrast_factor);  // float images, rank >= 3

// TensorFlow's pattern around a float computation: floating images go to fn
// as they are; integer images are converted to float32, given to fn, and
// converted back to their dtype (with saturation when asked).
template <class Fn> Tensor in_float(const Tensor& image, bool saturate, const Fn& fn) {
  if (is_floating(image.dtype())) return fn(image);
  return convert_image_dtype(fn(convert_image_dtype(image, DType::Float32)), image.dtype(), saturate);
}

}  // namespace eager::image::detail
