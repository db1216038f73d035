// tf.image crops, pads, flips and rotations as composites of array ops: they
// inherit every dtype, device and gradient those ops have.
#include "eager/image/geometry.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "eager/array_ops.hpp"
#include "eager/error.hpp"
#include "eager/math.hpp"
#include "image/image_shape.hpp"

namespace eager::image {

namespace {

using detail::ImageDims;

std::string shape_of(const Tensor& image) { return " (image shape " + image.shape().to_string() + ")"; }

[[noreturn]] void fail(const char* op, const std::string& what, const Tensor& image) {
  throw InvalidArgument(std::string(op) + ": " + what + shape_of(image));
}

// Rank 3 or 4 with non-empty height, width and channels: TF's
// _CheckAtLeast3DImage, which every function here starts with.
ImageDims checked_dims(const char* op, const Tensor& image) {
  const ImageDims d = detail::image_dims(op, image);
  if (d.height == 0 || d.width == 0 || d.channels == 0)
    fail(op, "height, width and channels must be > 0", image);
  return d;
}

// Axis numbers of height and width for this rank.
int height_axis(const ImageDims& d) { return d.batched ? 1 : 0; }
int width_axis(const ImageDims& d) { return d.batched ? 2 : 1; }

std::vector<int> hw_swap(const ImageDims& d) {
  return d.batched ? std::vector<int>{0, 2, 1, 3} : std::vector<int>{1, 0, 2};
}

// slice() over the height/width window, every batch entry and channel.
Tensor window(const Tensor& image, const ImageDims& d, std::int64_t y, std::int64_t x, std::int64_t h,
              std::int64_t w) {
  if (d.batched) return slice(image, {0, y, x, 0}, {-1, h, w, -1});
  return slice(image, {y, x, 0}, {h, w, -1});
}

Tensor pad_hw(const Tensor& image, const ImageDims& d, std::int64_t top, std::int64_t bottom, std::int64_t left,
              std::int64_t right) {
  if (top == 0 && bottom == 0 && left == 0 && right == 0) return image;
  std::vector<std::pair<std::int64_t, std::int64_t>> paddings;
  if (d.batched) paddings.emplace_back(0, 0);
  paddings.emplace_back(top, bottom);
  paddings.emplace_back(left, right);
  paddings.emplace_back(0, 0);
  return pad(image, paddings);
}

// TF's flip decision from float32 uniforms u = draw(shape), made on the CPU:
// an HWC image flips when u < 0.5 (tf.cond on less(u, .5)), image i of a
// batch when round(u_i) is 1 (TF multiplies by the rounded value), i.e.
// u_i > 0.5.
template <class Draw> Tensor random_flip(const char* op, const Tensor& image, int hw_axis, const Draw& draw) {
  const ImageDims d = checked_dims(op, image);
  const int axis = hw_axis + (d.batched ? 1 : 0);
  const Tensor u = draw(d.batched ? Shape{d.batch} : Shape{});
  if (!d.batched) return u.item<float>() < 0.5f ? reverse(image, {axis}) : image;
  const Tensor flip = reshape(greater(u, 0.5), Shape{d.batch, 1, 1, 1}).to(image.device());
  return where(flip, reverse(image, {axis}), image);
}

}  // namespace

Tensor crop_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                            std::int64_t target_height, std::int64_t target_width) {
  const char* op = "image::crop_to_bounding_box";
  const ImageDims d = checked_dims(op, image);
  if (offset_width < 0) fail(op, "offset_width must be >= 0, got " + std::to_string(offset_width), image);
  if (offset_height < 0) fail(op, "offset_height must be >= 0, got " + std::to_string(offset_height), image);
  if (target_width <= 0) fail(op, "target_width must be > 0, got " + std::to_string(target_width), image);
  if (target_height <= 0) fail(op, "target_height must be > 0, got " + std::to_string(target_height), image);
  if (offset_width > d.width || target_width > d.width - offset_width)
    fail(op,
         "width must be >= target + offset: width " + std::to_string(d.width) + ", target_width " +
             std::to_string(target_width) + ", offset_width " + std::to_string(offset_width),
         image);
  if (offset_height > d.height || target_height > d.height - offset_height)
    fail(op,
         "height must be >= target + offset: height " + std::to_string(d.height) + ", target_height " +
             std::to_string(target_height) + ", offset_height " + std::to_string(offset_height),
         image);
  return window(image, d, offset_height, offset_width, target_height, target_width);
}

Tensor pad_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                           std::int64_t target_height, std::int64_t target_width) {
  const char* op = "image::pad_to_bounding_box";
  const ImageDims d = checked_dims(op, image);
  if (offset_height < 0) fail(op, "offset_height must be >= 0, got " + std::to_string(offset_height), image);
  if (offset_width < 0) fail(op, "offset_width must be >= 0, got " + std::to_string(offset_width), image);
  if (offset_width > target_width || d.width > target_width - offset_width)
    fail(op,
         "width must be <= target - offset: width " + std::to_string(d.width) + ", target_width " +
             std::to_string(target_width) + ", offset_width " + std::to_string(offset_width),
         image);
  if (offset_height > target_height || d.height > target_height - offset_height)
    fail(op,
         "height must be <= target - offset: height " + std::to_string(d.height) + ", target_height " +
             std::to_string(target_height) + ", offset_height " + std::to_string(offset_height),
         image);
  return pad_hw(image, d, offset_height, target_height - offset_height - d.height, offset_width,
                target_width - offset_width - d.width);
}

Tensor resize_with_crop_or_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width) {
  const char* op = "image::resize_with_crop_or_pad";
  const ImageDims d = checked_dims(op, image);
  if (target_width <= 0) fail(op, "target_width must be > 0, got " + std::to_string(target_width), image);
  if (target_height <= 0) fail(op, "target_height must be > 0, got " + std::to_string(target_height), image);
  // Both differences are between positive numbers, so they cannot overflow,
  // and halving a non-negative value is the floor TF's // computes.
  const std::int64_t dh = target_height - d.height, dw = target_width - d.width;
  const std::int64_t crop_y = dh < 0 ? -dh / 2 : 0, crop_x = dw < 0 ? -dw / 2 : 0;
  const std::int64_t pad_y = dh > 0 ? dh / 2 : 0, pad_x = dw > 0 ? dw / 2 : 0;
  const std::int64_t kept_h = std::min(target_height, d.height), kept_w = std::min(target_width, d.width);
  const Tensor cropped = window(image, d, crop_y, crop_x, kept_h, kept_w);
  return pad_hw(cropped, d, pad_y, target_height - pad_y - kept_h, pad_x, target_width - pad_x - kept_w);
}

Tensor central_crop(const Tensor& image, double central_fraction) {
  const char* op = "image::central_crop";
  if (!(central_fraction > 0.0 && central_fraction <= 1.0))
    fail(op, fmt::format("central_fraction must be within (0, 1], got {}", central_fraction), image);
  const ImageDims d = checked_dims(op, image);
  if (central_fraction == 1.0) return image;
  const auto start = [&](std::int64_t size) {
    const double s = static_cast<double>(size);
    return static_cast<std::int64_t>((s - s * central_fraction) / 2);
  };
  const std::int64_t y = start(d.height), x = start(d.width);
  return window(image, d, y, x, d.height - 2 * y, d.width - 2 * x);
}

Tensor flip_left_right(const Tensor& image) {
  const ImageDims d = checked_dims("image::flip_left_right", image);
  return reverse(image, {width_axis(d)});
}

Tensor flip_up_down(const Tensor& image) {
  const ImageDims d = checked_dims("image::flip_up_down", image);
  return reverse(image, {height_axis(d)});
}

Tensor transpose(const Tensor& image) {
  const ImageDims d = checked_dims("image::transpose", image);
  return eager::transpose(image, hw_swap(d));
}

Tensor rot90(const Tensor& image, int k) {
  const ImageDims d = checked_dims("image::rot90", image);
  switch (((k % 4) + 4) % 4) {
    case 1:
      return eager::transpose(reverse(image, {width_axis(d)}), hw_swap(d));
    case 2:
      return reverse(image, {height_axis(d), width_axis(d)});
    case 3:
      return reverse(eager::transpose(image, hw_swap(d)), {width_axis(d)});
    default:
      return image;
  }
}

Tensor random_flip_left_right(const Tensor& image, std::optional<std::int64_t> seed) {
  return random_flip("image::random_flip_left_right", image, 1, [&](const Shape& shape) {
    return random::uniform(shape, 0, 1.0, DType::Float32, seed, Device::cpu());
  });
}

Tensor random_flip_up_down(const Tensor& image, std::optional<std::int64_t> seed) {
  return random_flip("image::random_flip_up_down", image, 0, [&](const Shape& shape) {
    return random::uniform(shape, 0, 1.0, DType::Float32, seed, Device::cpu());
  });
}

Tensor stateless_random_flip_left_right(const Tensor& image, random::SeedPair seed) {
  return random_flip("image::stateless_random_flip_left_right", image, 1, [&](const Shape& shape) {
    return random::stateless_uniform(shape, seed, 0, 1.0, DType::Float32, Device::cpu());
  });
}

Tensor stateless_random_flip_up_down(const Tensor& image, random::SeedPair seed) {
  return random_flip("image::stateless_random_flip_up_down", image, 0, [&](const Shape& shape) {
    return random::stateless_uniform(shape, seed, 0, 1.0, DType::Float32, Device::cpu());
  });
}

}  // namespace eager::image
