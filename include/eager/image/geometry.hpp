#pragma once
// tf.image crops, pads, flips and rotations.
//
// Every function takes one image of shape [height, width, channels] (HWC) or a
// batch [batch, height, width, channels] (NHWC) and returns the same rank.
// They are composites of eager's array ops (slice, pad, reverse, transpose,
// where), so they accept every dtype, move values exactly (uint8 results are
// bit-identical to TensorFlow's), run wherever those ops have kernels, and
// are differentiable for floating images: the gradient of a crop is the
// padded gradient, of a pad the cropped gradient, of a flip the flipped one.
//
// Errors, as TensorFlow's checks (its ValueErrors become InvalidArgument, and
// every message names the function and shows the image's shape):
//   - rank other than 3 or 4;
//   - any of height, width or channels equal to 0 (TF's "inner 3 dims of
//     'image.shape' must be > 0"); an empty batch is allowed;
//   - the argument checks listed with each function.
// crop_to_bounding_box, central_crop and transpose return views that share
// the input's memory (tensors are immutable, so this is unobservable);
// flips, rot90 with k mod 4 != 0 and non-trivial pads return new tensors.
#include <cstdint>
#include <optional>

#include "eager/random.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

// tf.image.crop_to_bounding_box: out = image[..., offset_height : offset_height
// + target_height, offset_width : offset_width + target_width, :].
// Requires offset_height >= 0, offset_width >= 0, target_height > 0,
// target_width > 0, offset_height + target_height <= height and
// offset_width + target_width <= width.
Tensor crop_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                            std::int64_t target_height, std::int64_t target_width);

// tf.image.pad_to_bounding_box: zeros around the image so that it sits at
// (offset_height, offset_width) of a target_height x target_width canvas.
// Requires offsets >= 0, offset_height + height <= target_height and
// offset_width + width <= target_width.
Tensor pad_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                           std::int64_t target_height, std::int64_t target_width);

// tf.image.resize_with_crop_or_pad: centres the image on a target_height x
// target_width canvas, cropping what sticks out and zero-padding what is
// missing, independently per axis. With d = target - size, the crop offset is
// floor(-d / 2) when d < 0 and the pad offset floor(d / 2) when d > 0 (TF's
// arithmetic, so an odd difference puts the extra row or column at the
// bottom/right). Requires target_height > 0 and target_width > 0.
Tensor resize_with_crop_or_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width);

// tf.image.central_crop: keeps the central fraction of height and width. With
// TF's rounding, start = int((size - size * central_fraction) / 2) computed in
// float64 and truncated, and the kept length is size - 2 * start (never 0).
// central_fraction must lie in (0, 1] (InvalidArgument otherwise, NaN
// included); 1 returns the image unchanged.
Tensor central_crop(const Tensor& image, double central_fraction);

// tf.image.flip_left_right: reverses the width axis.
Tensor flip_left_right(const Tensor& image);
// tf.image.flip_up_down: reverses the height axis.
Tensor flip_up_down(const Tensor& image);
// tf.image.transpose: swaps height and width ([W, H, C] or [N, W, H, C]).
Tensor transpose(const Tensor& image);
// tf.image.rot90: rotates counter-clockwise by k * 90 degrees; k is any int
// (negative turns clockwise) and only k mod 4 matters, as TF. The same
// compositions as TF: k = 1 is transpose(flip_left_right), k = 2 flips both
// axes, k = 3 is flip_left_right(transpose), k = 0 returns the image.
Tensor rot90(const Tensor& image, int k = 1);

// tf.image.random_flip_left_right / random_flip_up_down: flip with
// probability 1/2. A uniform float32 u in [0, 1) is drawn with
// eager::random::uniform (so `seed` follows eager::random's global/op seed
// rules); HWC images draw one u and flip when u < 0.5; NHWC batches draw one u
// per image (shape [batch]) and flip image i when round(u_i) == 1, i.e.
// u_i > 0.5, selecting each image with where(). Both rules are TF's. The
// random numbers are eager's (Philox), not TF's, so a given seed flips other
// images than it would in TF; the outcome is reproducible for a given seed.
Tensor random_flip_left_right(const Tensor& image, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_flip_up_down(const Tensor& image, std::optional<std::int64_t> seed = std::nullopt);
// tf.image.stateless_random_flip_*: as above with u from
// eager::random::stateless_uniform(shape, seed); a pure function of `seed`.
Tensor stateless_random_flip_left_right(const Tensor& image, random::SeedPair seed);
Tensor stateless_random_flip_up_down(const Tensor& image, random::SeedPair seed);

}  // namespace eager::image
