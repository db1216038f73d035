#pragma once
// The CPU kernels behind the colour functions that are not composites of
// public ops: TensorFlow's per-pixel HSV arithmetic (adjust_hue,
// adjust_saturation, rgb_to_hsv, hsv_to_rgb) and the one-pass uint8 paths.
// The GPU has the same functions (src/cuda/image_color.cu); both reach the
// ops through image_kernels.hpp. Callers have checked shapes, dtypes, device
// and arguments; `in` is contiguous and `out` a fresh contiguous tensor of
// the same shape.
#include <cstdint>

#include "eager/tensor.hpp"

namespace eager::image::detail {

enum class PixelOp { AdjustHue, AdjustSaturation, RgbToHsv, HsvToRgb };

// Applies `op` to every pixel (last dimension 3) of `in`, writing `out`.
// uint8 (AdjustHue, AdjustSaturation only): read as x * float(1 / 255) and
// written as the truncation of y * 255.5, which is TF's convert_image_dtype
// there and back around its float32 kernel. float32 in float32, float64 in
// float64. `param` is the hue delta in turns or the saturation factor.
void run_pixel_op(PixelOp op, const Tensor& in, Tensor& out, double param);

// TF's AdjustContrastv2 on a float32/float64 tensor whose last three
// dimensions are height, width, channels: per image and channel,
// out = (x - mean) * factor + mean, the mean accumulated in double.
void adjust_contrast(const Tensor& in, Tensor& out, double factor);

// out[i] = lut[in[i]] for uint8 tensors.
void apply_lut(const Tensor& in, Tensor& out, const std::uint8_t (&lut)[256]);

// convert_image_dtype between uint8 and float32/float64 in one pass:
// uint8 -> float: x * (1 / 255 rounded to the float type);
// float -> uint8: y * 255.5 clamped to [0, 255], truncated.
void uint8_to_float(const Tensor& in, Tensor& out);
void float_to_uint8(const Tensor& in, Tensor& out);

}  // namespace eager::image::detail
