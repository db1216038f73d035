#include "eager/initializers.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "eager/nn.hpp"
#include "eager/random.hpp"

namespace eager {
namespace {

// %g-style: short, and exact enough to recognise the argument in a message.
std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace
}  // namespace eager

namespace eager::initializers {

namespace {

std::string describe_spec(const Shape& shape, DType dtype) {
  return std::string(dtype_name(dtype)) + shape.to_string();
}

void require_floating(const char* initializer, DType dtype) {
  if (!is_floating(dtype))
    throw InvalidArgument(std::string("initializers::") + initializer + ": dtype " + std::string(dtype_name(dtype)) +
                          " is not supported (float32 or float64)");
}

void require_normal_parameters(const char* initializer, double mean, double stddev) {
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0)
    throw InvalidArgument(std::string("initializers::") + initializer +
                          ": mean must be finite and stddev finite and >= 0, got mean " + number(mean) + ", stddev " +
                          number(stddev));
}

}  // namespace

Initializer zeros() {
  return [](const Shape& shape, DType dtype) { return eager::zeros(shape, dtype); };
}

Initializer ones() {
  return [](const Shape& shape, DType dtype) { return eager::ones(shape, dtype); };
}

Initializer constant(double value) {
  return [value](const Shape& shape, DType dtype) { return fill(shape, value, dtype); };
}

Initializer random_normal(double mean, double stddev, std::optional<std::int64_t> seed) {
  require_normal_parameters("random_normal", mean, stddev);
  return [=](const Shape& shape, DType dtype) {
    require_floating("random_normal", dtype);
    return random::normal(shape, mean, stddev, dtype, seed);
  };
}

Initializer truncated_normal(double mean, double stddev, std::optional<std::int64_t> seed) {
  require_normal_parameters("truncated_normal", mean, stddev);
  return [=](const Shape& shape, DType dtype) {
    require_floating("truncated_normal", dtype);
    return random::truncated_normal(shape, mean, stddev, dtype, seed);
  };
}

Initializer random_uniform(double minval, double maxval, std::optional<std::int64_t> seed) {
  if (!std::isfinite(minval) || !std::isfinite(maxval) || !(minval < maxval))
    throw InvalidArgument("initializers::random_uniform: the bounds must be finite with minval < maxval, got minval " +
                          number(minval) + ", maxval " + number(maxval));
  return [=](const Shape& shape, DType dtype) {
    if (!is_floating(dtype) && dtype != DType::Int32 && dtype != DType::Int64)
      throw InvalidArgument("initializers::random_uniform: dtype " + std::string(dtype_name(dtype)) +
                            " is not supported (float32, float64, int32 or int64)");
    return random::uniform(shape, minval, Scalar(maxval), dtype, seed);
  };
}

Fans compute_fans(const Shape& shape) {
  const int rank = shape.rank();
  if (rank == 0) return {1, 1};
  if (rank == 1) return {static_cast<double>(shape[0]), static_cast<double>(shape[0])};
  double receptive_field = 1;
  for (int i = 0; i < rank - 2; ++i) receptive_field *= static_cast<double>(shape[i]);
  return {static_cast<double>(shape[rank - 2]) * receptive_field,
          static_cast<double>(shape[rank - 1]) * receptive_field};
}

Initializer glorot_uniform(std::optional<std::int64_t> seed) {
  return [seed](const Shape& shape, DType dtype) {
    require_floating("glorot_uniform", dtype);
    const Fans fans = compute_fans(shape);
    // Keras' VarianceScaling(scale=1, mode="fan_avg", distribution="uniform").
    const double limit = std::sqrt(3.0 / std::max(1.0, (fans.fan_in + fans.fan_out) / 2.0));
    return random::uniform(shape, -limit, Scalar(limit), dtype, seed);
  };
}

Tensor make_initial_value(const Initializer& initializer, const Shape& shape, DType dtype, const std::string& caller) {
  if (!initializer) throw InvalidArgument(caller + ": the initializer is empty");
  Tensor value = initializer(shape, dtype);
  if (!value.defined()) throw InvalidArgument(caller + ": the initializer returned an undefined tensor");
  if (value.shape() != shape || value.dtype() != dtype)
    throw InvalidArgument(caller + ": the initializer returned " + describe_spec(value.shape(), value.dtype()) +
                          ", expected " + describe_spec(shape, dtype));
  return value;
}

}  // namespace eager::initializers

namespace eager::regularizers {

namespace {
void require_scale(const char* regularizer, double scale) {
  if (!std::isfinite(scale) || scale < 0)
    throw InvalidArgument(std::string("regularizers::") + regularizer + ": the scale must be finite and >= 0, got " +
                          number(scale));
}
}  // namespace

Regularizer l2_regularizer(double scale) {
  require_scale("l2_regularizer", scale);
  return [scale](const Tensor& weights) { return nn::l2_loss(weights) * scale; };
}

Regularizer l2(double l) {
  require_scale("l2", l);
  // l * sum(w^2) = 2l * l2_loss(w), exactly (a power-of-two factor), with
  // l2_loss's one-pass gradient and its dtype check.
  return [l](const Tensor& weights) { return nn::l2_loss(weights) * (2 * l); };
}

}  // namespace eager::regularizers
