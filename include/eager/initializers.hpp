#pragma once
// Variable initializers (tf.keras.initializers / tf.compat.v1.*_initializer)
// and weight regularizers.
//
// An Initializer is a function from (shape, dtype) to a tensor of exactly that
// shape and dtype, called once when a variable is made: by Module::add_variable,
// by Dense, and by compat::v1::get_variable.
//
// Seeds: the random initializers draw from eager::random and follow its
// global-seed / op-seed rules (random.hpp). Without a seed each call draws an
// op seed from the global counter, so after random::set_seed(s) a program
// builds the same variables every run, and two layers built with the same
// unseeded initializer get different values. With a seed, every call of that
// initializer returns the same values (for the same shape and dtype): two
// layers sharing a seeded initializer start identical, as in Keras.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "eager/dtype.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::initializers {

using Initializer = std::function<Tensor(const Shape& shape, DType dtype)>;

// All zeros (tf.zeros_initializer). Any dtype.
Initializer zeros();
// All ones (tf.ones_initializer). Any dtype.
Initializer ones();
// Every element `value`, converted to the dtype as eager::fill converts a
// scalar (tf.constant_initializer with a scalar).
Initializer constant(double value);

// mean + stddev * N(0, 1) (tf.random_normal_initializer). float32 or float64;
// stddev >= 0 (InvalidArgument otherwise, when the initializer is made).
Initializer random_normal(double mean = 0.0, double stddev = 0.05, std::optional<std::int64_t> seed = std::nullopt);

// As random_normal, but every draw further than 2 * stddev from the mean is
// redrawn (tf.truncated_normal_initializer), so values lie in
// [mean - 2 stddev, mean + 2 stddev]; their standard deviation is about
// 0.88 * stddev. float32 or float64; stddev >= 0.
Initializer truncated_normal(double mean = 0.0, double stddev = 0.05, std::optional<std::int64_t> seed = std::nullopt);

// Uniform on [minval, maxval) (tf.random_uniform_initializer). float32 and
// float64; int32 and int64 too, where the bounds must be whole numbers in the
// dtype's range (random::uniform's rule). minval < maxval.
Initializer random_uniform(double minval = -0.05, double maxval = 0.05,
                           std::optional<std::int64_t> seed = std::nullopt);

// Glorot (Xavier) uniform (tf.keras.initializers.GlorotUniform, TF1's default
// for get_variable): U(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)),
// fans computed as Keras does:
//   rank 0:  fan_in = fan_out = 1
//   rank 1:  fan_in = fan_out = shape[0]
//   rank 2:  fan_in = shape[0], fan_out = shape[1]
//   rank >2: receptive field r = product of shape[:-2] (a convolution kernel
//            [..., in_depth, out_depth]); fan_in = shape[-2] * r,
//            fan_out = shape[-1] * r.
// (fan_in + fan_out) / 2 is floored at 1, as Keras does, so shapes with zero
// dimensions do not divide by zero. float32 or float64.
Initializer glorot_uniform(std::optional<std::int64_t> seed = std::nullopt);

// Keras' fan computation above, exposed for tests and custom initializers.
struct Fans {
  double fan_in;
  double fan_out;
};
Fans compute_fans(const Shape& shape);

// Calls `initializer` and checks its result: defined, with exactly `shape` and
// `dtype`. `caller` names the variable being made in the InvalidArgument
// thrown otherwise (also for a null initializer).
Tensor make_initial_value(const Initializer& initializer, const Shape& shape, DType dtype, const std::string& caller);

}  // namespace eager::initializers

namespace eager::regularizers {

// A penalty computed from a weight tensor, added to the loss by the caller.
using Regularizer = std::function<Tensor(const Tensor& weights)>;

// TF1's tf.contrib.layers.l2_regularizer(scale):
//   scale * sum(w^2) / 2  (= scale * nn::l2_loss(w)),
// a 0-d tensor of w's dtype (float32 or float64). scale must be finite and
// >= 0 (InvalidArgument otherwise); scale 0 gives a zero penalty (TF1 returns
// None instead).
// Note: Keras' tf.keras.regularizers.l2(l) is l * sum(w^2), without the half;
// use l2() below for that. l2_regularizer(2 * l) equals l2(l).
Regularizer l2_regularizer(double scale);

// tf.keras.regularizers.l2(l): l * sum(w^2) as a 0-d tensor of w's dtype
// (float32 or float64). l must be finite and >= 0.
Regularizer l2(double l = 0.01);

}  // namespace eager::regularizers
