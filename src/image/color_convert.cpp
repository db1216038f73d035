// convert_image_dtype and the colour-space conversions.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "eager/image/color.hpp"
#include "eager/linalg.hpp"
#include "eager/math.hpp"
#include "autograd/tape.hpp"
#include "image/color_common.hpp"
#include "image/color_kernels.hpp"
#include "image/image_kernels.hpp"
#include "image/image_shape.hpp"

namespace eager::image {
namespace detail {

void require_rank_at_least(const char* op, const Tensor& image, int min_rank) {
  if (image.rank() < min_rank)
    throw InvalidArgument(std::string(op) + ": expected a tensor of rank >= " + std::to_string(min_rank) +
                          (min_rank >= 3 ? " ([..., height, width, channels])" : " (channels last)") +
                          ", got shape " + image.shape().to_string());
}

void require_last_dim(const char* op, const Tensor& image, std::int64_t size) {
  if (image.shape()[image.rank() - 1] != size)
    throw InvalidArgument(std::string(op) + ": expected " + std::to_string(size) +
                          (size == 1 ? " channel" : " channels") + " (the last dimension), got shape " +
                          image.shape().to_string());
}

void require_numeric(const char* op, const Tensor& image) {
  if (image.dtype() == DType::Bool)
    throw InvalidArgument(std::string(op) +
                          ": images must be uint8, int32, int64, float32 or float64, got bool");
}

void require_floating(const char* op, const Tensor& image) {
  if (!is_floating(image.dtype()))
    throw InvalidArgument(std::string(op) + ": images must be float32 or float64, got " +
                          std::string(dtype_name(image.dtype())) + " (convert_image_dtype converts them)");
}

}  // namespace detail

namespace {

// Integer images hold [0, 2^bits - 1].
int value_bits(DType t) { return t == DType::UInt8 ? 8 : t == DType::Int32 ? 31 : 63; }
double max_value(DType t) { return std::ldexp(1.0, value_bits(t)) - 1; }  // 2^63 for int64, as Python's float(MAX)
double min_value(DType t) { return t == DType::UInt8 ? 0.0 : -std::ldexp(1.0, value_bits(t)); }

// The largest value of float type `f` not above integer dtype `t`'s maximum:
// the upper bound of TF's saturate_cast (2147483520 for float32 -> int32).
double saturation_limit(DType f, DType t) {
  const long double max = std::ldexp(1.0L, value_bits(t)) - 1;
  if (f == DType::Float32) {
    float limit = static_cast<float>(max);
    if (static_cast<long double>(limit) > max) limit = std::nextafter(limit, 0.0f);
    return limit;
  }
  double limit = static_cast<double>(max);
  if (static_cast<long double>(limit) > max) limit = std::nextafter(limit, 0.0);
  return limit;
}

Tensor float_to_integer(const Tensor& image, DType dtype, bool saturate) {
  const Tensor scaled = image * (max_value(dtype) + 0.5);
  if (saturate) return cast(clip_by_value(scaled, min_value(dtype), saturation_limit(image.dtype(), dtype)), dtype);
  // eager's cast saturates where TF's is undefined.
  return cast(scaled, dtype);
}

Tensor integer_to_integer(const Tensor& image, DType dtype, bool saturate) {
  const int shift = value_bits(image.dtype()) - value_bits(dtype);
  if (shift > 0) {
    const Tensor scaled = floordiv(image, std::int64_t{1} << shift);
    if (saturate) {
      // The target is uint8 or int32 here, so its range fits an int64 scalar.
      const std::int64_t hi = (std::int64_t{1} << value_bits(dtype)) - 1;
      const std::int64_t lo = dtype == DType::UInt8 ? 0 : -hi - 1;
      return cast(clip_by_value(scaled, lo, hi), dtype);
    }
    return cast(scaled, dtype);
  }
  // Widening: the cast cannot overflow, so saturation changes nothing.
  return cast(image, dtype) * (std::int64_t{1} << -shift);
}

// [n, 3] pixels times a 3x3 (or 3x1) matrix, back to the image's shape with
// `out_channels` channels; the matmul of TF's tensordot.
Tensor pixels_times(const Tensor& images, const std::vector<double>& matrix, std::int64_t out_channels) {
  Shape out_shape = images.shape();
  out_shape[out_shape.rank() - 1] = out_channels;
  if (images.num_elements() == 0) return zeros(out_shape, images.dtype(), images.device());
  const Tensor m = constant(matrix, {3, out_channels}, images.dtype(), images.device());
  return reshape(matmul(reshape(images, {images.num_elements() / 3, 3}), m), out_shape);
}

// The gradient of rgb_to_hsv with the kernel's choice of maximum (R if
// R == V, else G if G == V, else B), and with
// range = max - min, V = max, S = range / V (V > 0), H = (p - q) / (6 range)
// + a constant, (p, q) = (G, B), (B, R) or (R, G) as R, G or B is the maximum.
Tensor rgb_to_hsv_gradient(const Tensor& rgb, const Tensor& grad) {
  const std::vector<Tensor> c = split(rgb, 3, -1);
  const std::vector<Tensor> g = split(grad, 3, -1);  // dH, dS, dV
  const Tensor &r = c[0], &gr = c[1], &b = c[2];
  const Tensor v = maximum(maximum(r, gr), b), lo = minimum(minimum(r, gr), b), range = v - lo;
  const Tensor r_max = equal(r, v), g_max = logical_and(logical_not(r_max), equal(gr, v));
  const Tensor b_max = logical_not(logical_or(r_max, g_max));
  // On ties the minimum is B, then G, then R, as in TF's gradient.
  const Tensor b_min = equal(b, lo), g_min = logical_and(logical_not(b_min), equal(gr, lo));
  const Tensor r_min = logical_not(logical_or(b_min, g_min));
  const auto as_float = [&](const Tensor& mask) { return cast(mask, rgb.dtype()); };
  // Where range or V is 0, H or S is a constant there: zero factors, and
  // denominators of 1 so that no 0 / 0 reaches them.
  const Tensor has_range = greater(range, 0), has_value = greater(v, 0);
  const Tensor safe_range = where(has_range, range, ones_like(range));
  const Tensor safe_v = where(has_value, v, ones_like(v));
  const Tensor p = where(r_max, gr, where(g_max, b, r)), q = where(r_max, b, where(g_max, r, gr));
  const Tensor dh_dp = as_float(has_range) / (safe_range * 6);
  const Tensor dh_drange = -(p - q) * dh_dp / safe_range;
  const Tensor ds_dmax = as_float(has_value) * lo / square(safe_v), ds_dmin = -as_float(has_value) / safe_v;
  const Tensor through_max = g[2] + g[1] * ds_dmax + g[0] * dh_drange;
  const Tensor through_min = g[1] * ds_dmin - g[0] * dh_drange;
  const Tensor through_p = g[0] * dh_dp;
  const auto channel = [&](const Tensor& is_max, const Tensor& is_min, const Tensor& is_p, const Tensor& is_q) {
    return as_float(is_max) * through_max + as_float(is_min) * through_min +
           (as_float(is_p) - as_float(is_q)) * through_p;
  };
  return concat({channel(r_max, r_min, b_max, g_max), channel(g_max, g_min, r_max, b_max),
                 channel(b_max, b_min, g_max, r_max)},
                -1);
}

Tensor pixel_kernel(const char* op, detail::PixelOp kind, const Tensor& images) {
  detail::require_rank_at_least(op, images, 1);
  detail::require_last_dim(op, images, 3);
  detail::require_floating(op, images);
  detail::require_image_kernel(&detail::ImageKernels::pixel_op, op, images);
  const Tensor in = images.contiguous();
  Tensor out = Tensor::empty(in.shape(), in.dtype(), in.device());
  if (out.num_elements() > 0) detail::image_kernel(&detail::ImageKernels::pixel_op, op, in)(kind, in, out, 0.0);
  return out;
}

}  // namespace

Tensor detail::convert_image_dtype_composite(const Tensor& image, DType dtype, bool saturate) {
  const DType from = image.dtype();
  if (is_floating(from) && is_floating(dtype)) return cast(image, dtype);
  if (is_integral(from) && is_integral(dtype)) return integer_to_integer(image, dtype, saturate);
  if (is_floating(from)) return float_to_integer(image, dtype, saturate);
  return cast(image, dtype) * (1.0 / max_value(from));
}

Tensor convert_image_dtype(const Tensor& image, DType dtype, bool saturate) {
  constexpr const char* op = "image::convert_image_dtype";
  detail::require_numeric(op, image);
  if (dtype == DType::Bool)
    throw InvalidArgument(std::string(op) + ": dtype must be uint8, int32, int64, float32 or float64, got bool");
  const DType from = image.dtype();
  if (from == dtype) return image;
  // uint8 <-> float where the device has the kernel: one pass instead of
  // two or three. Neither direction carries a gradient (one side is an
  // integer), so nothing is lost by leaving the tape out.
  const bool to_float = from == DType::UInt8 && is_floating(dtype);
  const bool to_uint8 = is_floating(from) && dtype == DType::UInt8;
  const auto slot = to_float ? &detail::ImageKernels::uint8_to_float : &detail::ImageKernels::float_to_uint8;
  if ((to_float || to_uint8) && detail::has_image_kernel(slot, image.device())) {
    const Tensor in = image.contiguous();
    Tensor out = Tensor::empty(in.shape(), dtype, in.device());
    if (out.num_elements() > 0) detail::image_kernel(slot, op, in)(in, out);
    return out;
  }
  return detail::convert_image_dtype_composite(image, dtype, saturate);
}

Tensor rgb_to_grayscale(const Tensor& images) {
  constexpr const char* op = "image::rgb_to_grayscale";
  detail::require_rank_at_least(op, images, 1);
  detail::require_last_dim(op, images, 3);
  detail::require_numeric(op, images);
  return detail::in_float(images, false,
                          [](const Tensor& f) { return pixels_times(f, {0.2989, 0.5870, 0.1140}, 1); });
}

Tensor grayscale_to_rgb(const Tensor& images) {
  constexpr const char* op = "image::grayscale_to_rgb";
  detail::require_rank_at_least(op, images, 2);
  detail::require_last_dim(op, images, 1);
  std::vector<std::int64_t> multiples(static_cast<std::size_t>(images.rank()), 1);
  multiples.back() = 3;
  return tile(images, multiples);
}

Tensor rgb_to_hsv(const Tensor& images) {
  const Tensor out = pixel_kernel("image::rgb_to_hsv", detail::PixelOp::RgbToHsv, images);
  if (autograd::any_recording()) {
    autograd::record("rgb_to_hsv", {images}, {out}, [](const autograd::GradContext& c) {
      return std::vector<Tensor>{rgb_to_hsv_gradient(c.input(0), c.grad())};
    });
  }
  return out;
}

Tensor hsv_to_rgb(const Tensor& images) {
  return pixel_kernel("image::hsv_to_rgb", detail::PixelOp::HsvToRgb, images);
}

// TensorFlow's _rgb_to_yuv_kernel and _yuv_to_rgb_kernel, [in, out] channels.
Tensor rgb_to_yuv(const Tensor& images) {
  constexpr const char* op = "image::rgb_to_yuv";
  detail::require_rank_at_least(op, images, 1);
  detail::require_last_dim(op, images, 3);
  detail::require_floating(op, images);
  return pixels_times(images,
                      {0.299, -0.14714119, 0.61497538,  //
                       0.587, -0.28886916, -0.51496512,  //
                       0.114, 0.43601035, -0.10001026},
                      3);
}

Tensor yuv_to_rgb(const Tensor& images) {
  constexpr const char* op = "image::yuv_to_rgb";
  detail::require_rank_at_least(op, images, 1);
  detail::require_last_dim(op, images, 3);
  detail::require_floating(op, images);
  return pixels_times(images,
                      {1, 1, 1,                            //
                       0, -0.394642334, 2.03206185,        //
                       1.13988303, -0.58062185, 0},
                      3);
}

}  // namespace eager::image
