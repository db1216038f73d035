// The colour adjustments. Brightness and gamma are composites of public ops
// (every device, differentiable; uint8 images through a table where the
// device has the table kernel); contrast is a fused kernel with its own
// gradient rule where the device has one, the composite elsewhere; hue and
// saturation are per-pixel kernels (image_kernels.hpp);
// per_image_standardization is a composite.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "eager/image/color.hpp"
#include "eager/math.hpp"
#include "eager/reduce.hpp"
#include "autograd/tape.hpp"
#include "image/color_common.hpp"
#include "image/color_kernels.hpp"
#include "image/image_kernels.hpp"
#include "image/image_shape.hpp"

namespace eager::image {
namespace {

// A uint8 function of each value alone, run once on the 256 possible values
// and applied as a table: one pass over the image instead of the composite's
// five (convert, op, scale, clamp, cast), with the composite's very results.
// The table is made on the CPU whatever the image's device, so that every
// device applies the same bytes.
template <class Fn> Tensor through_table(const char* op, const Tensor& image, const Fn& fn) {
  const std::vector<std::int64_t> mapped =
      fn(cast(range(0, 256, 1, DType::Int32, Device::cpu()), DType::UInt8)).template to_vector<std::int64_t>();
  std::uint8_t table[256];
  for (int v = 0; v < 256; ++v) table[v] = static_cast<std::uint8_t>(mapped[static_cast<std::size_t>(v)]);
  const Tensor in = image.contiguous();
  Tensor out = Tensor::empty(in.shape(), DType::UInt8, in.device());
  if (out.num_elements() > 0) detail::image_kernel(&detail::ImageKernels::apply_lut, op, in)(in, out, table);
  return out;
}

// Per-value functions: a table for uint8 images where the device has the
// table kernel, the composite everywhere else.
template <class Fn> Tensor per_value(const char* op, const Tensor& image, const Fn& fn) {
  if (image.dtype() == DType::UInt8 && detail::has_image_kernel(&detail::ImageKernels::apply_lut, image.device()))
    return through_table(op, image, fn);
  return fn(image);
}

// The HSV kernels read uint8, float32 and float64 directly; int32 and int64
// go through float32 and back (unsaturated, as TF).
Tensor run_hsv_kernel(const char* op, detail::PixelOp kind, const Tensor& image, double param) {
  detail::require_image_kernel(&detail::ImageKernels::pixel_op, op, image);
  const auto run = [&](const Tensor& x) {
    const Tensor in = x.contiguous();
    Tensor out = Tensor::empty(in.shape(), in.dtype(), in.device());
    if (out.num_elements() > 0) detail::image_kernel(&detail::ImageKernels::pixel_op, op, in)(kind, in, out, param);
    return out;
  };
  if (image.dtype() == DType::Int32 || image.dtype() == DType::Int64) return detail::in_float(image, false, run);
  return run(image);
}

void check_rgb_images(const char* op, const Tensor& image) {
  detail::require_rank_at_least(op, image, 3);
  detail::require_last_dim(op, image, 3);
  detail::require_numeric(op, image);
}

}  // namespace

// Seen as [batch, height, width * channels] rows, with the per-channel means
// tiled along one row, every operation runs over long contiguous rows;
// broadcasting a [.., 1, 1, channels] mean would run in steps of `channels`.
Tensor detail::adjust_contrast_composite(const Tensor& f, double contrast_factor) {
  const Shape& s = f.shape();
  const std::int64_t h = s[s.rank() - 3], w = s[s.rank() - 2], c = s[s.rank() - 1];
  const std::int64_t batch = f.num_elements() / (h * w * c);
  const Tensor rows = reshape(f, {batch, h, w * c});
  const Tensor column_means = reduce_mean(rows, {1}, true);  // [batch, 1, w * c]
  const Tensor means = reduce_mean(reshape(column_means, {batch, w, c}), {1}, true);
  const Tensor mean_row = reshape(tile(means, {1, w, 1}), {batch, 1, w * c});
  return reshape((rows - mean_row) * contrast_factor + mean_row, s);
}

Tensor adjust_brightness(const Tensor& image, double delta) {
  detail::require_numeric("image::adjust_brightness", image);
  return per_value("image::adjust_brightness", image, [delta](const Tensor& x) {
    return detail::in_float(x, true, [delta](const Tensor& f) { return f + delta; });
  });
}

Tensor adjust_contrast(const Tensor& images, double contrast_factor) {
  constexpr const char* op = "image::adjust_contrast";
  detail::require_rank_at_least(op, images, 3);
  detail::require_numeric(op, images);
  return detail::in_float(images, true, [contrast_factor, op](const Tensor& f) {
    if (f.num_elements() == 0) return f;
    if (!detail::has_image_kernel(&detail::ImageKernels::adjust_contrast, f.device()))
      return detail::adjust_contrast_composite(f, contrast_factor);
    const Tensor in = f.contiguous();
    Tensor out = Tensor::empty(in.shape(), in.dtype(), in.device());
    detail::image_kernel(&detail::ImageKernels::adjust_contrast, op, in)(in, out, contrast_factor);
    if (autograd::any_recording()) {
      // out = factor x + (1 - factor) mean(x): the gradient is factor g plus
      // (1 - factor) times g's own per-image, per-channel mean.
      autograd::record("adjust_contrast", {f}, {out}, [contrast_factor](const autograd::GradContext& c) {
        const Tensor& g = c.grad();
        return std::vector<Tensor>{g * contrast_factor + reduce_mean(g, {-3, -2}, true) * (1 - contrast_factor)};
      });
    }
    return out;
  });
}

Tensor adjust_hue(const Tensor& image, double delta) {
  constexpr const char* op = "image::adjust_hue";
  check_rgb_images(op, image);
  if (!(delta >= -1 && delta <= 1))
    throw InvalidArgument(std::string(op) + ": delta must be in the interval [-1, 1], got " + detail::number(delta));
  return run_hsv_kernel(op, detail::PixelOp::AdjustHue, image, delta);
}

Tensor adjust_saturation(const Tensor& image, double saturation_factor) {
  constexpr const char* op = "image::adjust_saturation";
  check_rgb_images(op, image);
  if (!std::isfinite(saturation_factor))
    throw InvalidArgument(std::string(op) + ": saturation_factor must be finite, got " + detail::number(saturation_factor));
  return run_hsv_kernel(op, detail::PixelOp::AdjustSaturation, image, saturation_factor);
}

Tensor adjust_gamma(const Tensor& image, double gamma, double gain) {
  constexpr const char* op = "image::adjust_gamma";
  detail::require_numeric(op, image);
  if (!(gamma >= 0))
    throw InvalidArgument(std::string(op) + ": gamma must be a non-negative real number, got " + detail::number(gamma));
  return per_value(op, image, [gamma, gain](const Tensor& x) {
    return detail::in_float(x, true, [gamma, gain](const Tensor& f) { return gain * pow(f, gamma); });
  });
}

Tensor per_image_standardization(const Tensor& image) {
  constexpr const char* op = "image::per_image_standardization";
  detail::require_rank_at_least(op, image, 3);
  detail::require_numeric(op, image);
  // TF2 casts (does not rescale) integer images to float32.
  const Tensor x = is_floating(image.dtype()) ? image : cast(image, DType::Float32);
  if (x.num_elements() == 0) return x;
  const Shape& s = x.shape();
  const std::int64_t n = s[s.rank() - 3] * s[s.rank() - 2] * s[s.rank() - 1];
  // TF's rsqrt of the float32 count, for float32 images.
  const double min_stddev = x.dtype() == DType::Float32 ? 1.0f / std::sqrt(static_cast<float>(n))
                                                         : 1.0 / std::sqrt(static_cast<double>(n));
  const Tensor centered = x - reduce_mean(x, {-3, -2, -1}, true);
  const Tensor stddev = sqrt(reduce_mean(square(centered), {-3, -2, -1}, true));
  return centered / maximum(stddev, min_stddev);
}

}  // namespace eager::image
