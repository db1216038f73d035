#pragma once
// Neural-network ops (tf.nn): softmax, cross-entropies and the activations.
//
// Dtypes: logits must be float32 or float64; integer or bool logits throw
// InvalidArgument (cast first). Results have the logits' dtype.
// Stability: softmax and the cross-entropies subtract the row maximum before
//   exponentiating, so logits of any finite magnitude (1e4 and beyond) give
//   finite results.
// Axes: `axis` may be negative (counts from the end); out of range throws
//   OutOfRange. No broadcasting: labels must match the shape stated per op.
// Results are plain tensors on the logits' device.
#include "eager/math.hpp"
#include "eager/tensor.hpp"

namespace eager::nn {

// exp(x_i - max(x)) / sum_j exp(x_j - max(x)) along `axis`. Same shape as
// logits; an empty axis gives an empty result.
Tensor softmax(const Tensor& logits, int axis = -1);

// x_i - max(x) - log(sum_j exp(x_j - max(x))) along `axis`.
Tensor log_softmax(const Tensor& logits, int axis = -1);

// Per-example loss -log_softmax(logits)[label] over the last axis.
// labels: int32 or int64 with shape logits.shape[:-1]; logits have rank >= 1
// and a non-empty last axis unless there are no examples. A label outside
// [0, classes) throws InvalidArgument naming it. Result shape is
// logits.shape[:-1].
Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);

// Per-example loss -sum_i labels_i * log_softmax(logits)_i along `axis`.
// labels: a probability distribution with exactly logits' shape, cast to the
// logits' dtype (any numeric dtype). Result shape is logits' shape without
// `axis`.
Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits,
                                         int axis = -1);

// Elementwise max(x, 0) - x * z + log(1 + exp(-|x|)) for logits x and labels
// z (TF's overflow-free form of z * -log(sigmoid(x)) + (1 - z) *
// -log(1 - sigmoid(x))). labels and logits must have the same shape; labels
// are cast to the logits' dtype.
Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);

// sum(t^2) / 2 as a 0-d tensor of t's dtype (float32 or float64).
Tensor l2_loss(const Tensor& t);

// Activations live in eager:: (math.hpp) and are re-exported here as in tf.nn.
using eager::elu;
using eager::leaky_relu;
using eager::relu;
using eager::relu6;
using eager::sigmoid;
using eager::softplus;
using eager::tanh;

}  // namespace eager::nn
