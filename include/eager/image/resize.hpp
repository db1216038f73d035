#pragma once
// tf.image.resize and its relatives.
#include <cstdint>
#include <string>

#include "eager/tensor.hpp"

namespace eager::image {

enum class ResizeMethod { Bilinear, Nearest, Bicubic, Area, Lanczos3, Lanczos5, Gaussian, MitchellCubic };

// "bilinear", "nearest", ... as TensorFlow spells them; InvalidArgument otherwise.
ResizeMethod resize_method_from_string(const std::string& name);
const char* to_string(ResizeMethod method);

struct ResizeOptions {
  ResizeMethod method = ResizeMethod::Bilinear;
  bool preserve_aspect_ratio = false;
  bool antialias = false;
};

// tf.image.resize (TF2: half-pixel centres).
Tensor resize(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeOptions& options = {});

// tf.compat.v1.image.resize, for ported TF1 code: corner-aligned or
// top-left-anchored sampling, no antialias. Bilinear, Nearest, Bicubic and
// Area only.
struct ResizeV1Options {
  ResizeMethod method = ResizeMethod::Bilinear;
  bool align_corners = false;
  bool preserve_aspect_ratio = false;
};
Tensor resize_v1(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeV1Options& options = {});

// tf.image.resize_with_pad.
Tensor resize_with_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width,
                       ResizeMethod method = ResizeMethod::Bilinear, bool antialias = false);

// tf.image.crop_and_resize. method: Bilinear or Nearest.
Tensor crop_and_resize(const Tensor& images, const Tensor& boxes, const Tensor& box_indices, std::int64_t crop_height,
                       std::int64_t crop_width, ResizeMethod method = ResizeMethod::Bilinear,
                       double extrapolation_value = 0.0);

}  // namespace eager::image
