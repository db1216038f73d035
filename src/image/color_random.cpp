// The random colour adjustments: one value drawn per call, then the adjust_
// function. The value is mapped from a float32 u in [0, 1) exactly as TF's
// random_uniform maps it, so a zero-width range (max_delta = 0) is fine.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "eager/error.hpp"
#include "eager/image/color.hpp"
#include "eager/random.hpp"
#include "image/color_common.hpp"

namespace eager::image {
namespace {

float stateful_u(std::optional<std::int64_t> seed) {
  return random::uniform(Shape(), 0, 1, DType::Float32, seed).item<float>();
}
float stateless_u(random::SeedPair seed) {
  return random::stateless_uniform(Shape(), seed, 0, 1, DType::Float32).item<float>();
}

// TF: rnd * (maxval - minval) + minval, in float32.
double scaled(float u, double lower, double upper) {
  const float lo = static_cast<float>(lower), hi = static_cast<float>(upper);
  return static_cast<double>(u * (hi - lo) + lo);
}

// max_delta in [0, limit] (brightness: any finite value).
void check_max_delta(const char* op, double max_delta, std::optional<double> limit) {
  if (!(max_delta >= 0 && std::isfinite(max_delta) && (!limit || max_delta <= *limit)))
    throw InvalidArgument(std::string(op) + ": max_delta must be " +
                          (limit ? "in [0, " + image::detail::number(*limit) + "]" : std::string("non-negative and finite")) +
                          ", got " + image::detail::number(max_delta));
}

void check_bounds(const char* op, double lower, double upper) {
  if (!(upper > lower))
    throw InvalidArgument(std::string(op) + ": upper must be > lower, got lower " + image::detail::number(lower) + " and upper " +
                          image::detail::number(upper));
  if (!(lower >= 0) || !std::isfinite(upper))
    throw InvalidArgument(std::string(op) + ": lower must be non-negative and upper finite, got lower " +
                          image::detail::number(lower) + " and upper " + image::detail::number(upper));
}

}  // namespace

Tensor random_brightness(const Tensor& image, double max_delta, std::optional<std::int64_t> seed) {
  check_max_delta("image::random_brightness", max_delta, std::nullopt);
  return adjust_brightness(image, scaled(stateful_u(seed), -max_delta, max_delta));
}

Tensor stateless_random_brightness(const Tensor& image, double max_delta, random::SeedPair seed) {
  check_max_delta("image::stateless_random_brightness", max_delta, std::nullopt);
  return adjust_brightness(image, scaled(stateless_u(seed), -max_delta, max_delta));
}

Tensor random_contrast(const Tensor& image, double lower, double upper, std::optional<std::int64_t> seed) {
  check_bounds("image::random_contrast", lower, upper);
  return adjust_contrast(image, scaled(stateful_u(seed), lower, upper));
}

Tensor stateless_random_contrast(const Tensor& image, double lower, double upper, random::SeedPair seed) {
  check_bounds("image::stateless_random_contrast", lower, upper);
  return adjust_contrast(image, scaled(stateless_u(seed), lower, upper));
}

Tensor random_hue(const Tensor& image, double max_delta, std::optional<std::int64_t> seed) {
  check_max_delta("image::random_hue", max_delta, 0.5);
  return adjust_hue(image, scaled(stateful_u(seed), -max_delta, max_delta));
}

Tensor stateless_random_hue(const Tensor& image, double max_delta, random::SeedPair seed) {
  check_max_delta("image::stateless_random_hue", max_delta, 0.5);
  return adjust_hue(image, scaled(stateless_u(seed), -max_delta, max_delta));
}

Tensor random_saturation(const Tensor& image, double lower, double upper, std::optional<std::int64_t> seed) {
  check_bounds("image::random_saturation", lower, upper);
  return adjust_saturation(image, scaled(stateful_u(seed), lower, upper));
}

Tensor stateless_random_saturation(const Tensor& image, double lower, double upper, random::SeedPair seed) {
  check_bounds("image::stateless_random_saturation", lower, upper);
  return adjust_saturation(image, scaled(stateless_u(seed), lower, upper));
}

}  // namespace eager::image
