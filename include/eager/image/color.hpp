#pragma once
// tf.image colour functions: dtype conversion, colour spaces and adjustments.
// Images are HWC or NHWC (any leading batch dimensions where TF allows them)
// with the channels last.
#include <cstdint>
#include <optional>

#include "eager/random.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

// tf.image.convert_image_dtype.
Tensor convert_image_dtype(const Tensor& image, DType dtype, bool saturate = false);

Tensor rgb_to_grayscale(const Tensor& images);
Tensor grayscale_to_rgb(const Tensor& images);
Tensor rgb_to_hsv(const Tensor& images);
Tensor hsv_to_rgb(const Tensor& images);
Tensor rgb_to_yuv(const Tensor& images);
Tensor yuv_to_rgb(const Tensor& images);

Tensor adjust_brightness(const Tensor& image, double delta);
Tensor adjust_contrast(const Tensor& images, double contrast_factor);
Tensor adjust_hue(const Tensor& image, double delta);
Tensor adjust_saturation(const Tensor& image, double saturation_factor);
Tensor adjust_gamma(const Tensor& image, double gamma = 1.0, double gain = 1.0);
Tensor per_image_standardization(const Tensor& image);

// Random variants. The seed follows eager::random's rules (global seed from
// random::set_seed plus this op seed); the stateless_ forms take the pair
// explicitly and are pure functions of it.
Tensor random_brightness(const Tensor& image, double max_delta, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_contrast(const Tensor& image, double lower, double upper,
                       std::optional<std::int64_t> seed = std::nullopt);
Tensor random_hue(const Tensor& image, double max_delta, std::optional<std::int64_t> seed = std::nullopt);
Tensor random_saturation(const Tensor& image, double lower, double upper,
                         std::optional<std::int64_t> seed = std::nullopt);
Tensor stateless_random_brightness(const Tensor& image, double max_delta, random::SeedPair seed);
Tensor stateless_random_contrast(const Tensor& image, double lower, double upper, random::SeedPair seed);
Tensor stateless_random_hue(const Tensor& image, double max_delta, random::SeedPair seed);
Tensor stateless_random_saturation(const Tensor& image, double lower, double upper, random::SeedPair seed);

}  // namespace eager::image
