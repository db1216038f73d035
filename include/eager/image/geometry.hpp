#pragma once
// tf.image crops, pads, flips and rotations. All work on HWC images and NHWC
// batches of any dtype, are exact, and are built from eager's array ops, so
// they run on every device and are differentiable.
#include <cstdint>
#include <optional>

#include "eager/random.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

Tensor crop_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                            std::int64_t target_height, std::int64_t target_width);
Tensor pad_to_bounding_box(const Tensor& image, std::int64_t offset_height, std::int64_t offset_width,
                           std::int64_t target_height, std::int64_t target_width);
Tensor resize_with_crop_or_pad(const Tensor& image, std::int64_t target_height, std::int64_t target_width);
Tensor central_crop(const Tensor& image, double central_fraction);

Tensor flip_left_right(const Tensor& image);
Tensor flip_up_down(const Tensor& image);
Tensor transpose(const Tensor& image);
Tensor rot90(const Tensor& image, int k = 1);

Tensor random_flip_left_right(const Tensor& image, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_flip_up_down(const Tensor& image, std::optional<std::int64_t> seed = std::nullopt);
Tensor stateless_random_flip_left_right(const Tensor& image, random::SeedPair seed);
Tensor stateless_random_flip_up_down(const Tensor& image, random::SeedPair seed);

}  // namespace eager::image
