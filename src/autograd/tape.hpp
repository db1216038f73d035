#pragma once
// The recording side of autograd, used by op dispatchers. An op that may be
// differentiated checks any_recording() (one thread-local load) and, when it
// is true, hands its inputs, outputs and gradient rule to record(); every
// tape that records and watches one of the inputs keeps the entry.
#include <functional>
#include <vector>

#include "eager/tensor.hpp"
#include "eager/variable.hpp"

namespace eager::autograd {

namespace detail {
// constinit: no dynamic initialisation, so reading it is a plain TLS load.
extern thread_local constinit int recording_tapes;
}

// True when some tape on this thread records; the op's only cost otherwise.
inline bool any_recording() { return detail::recording_tapes > 0; }

// What a gradient rule sees. grad(i) is the gradient of output i (zeros of
// its shape when the target does not depend on it); needs(i) says whether
// the gradient of input i is wanted, so rules can skip the others.
struct GradContext {
  const std::vector<Tensor>& inputs;
  const std::vector<Tensor>& outputs;
  const std::vector<Tensor>& output_grads;
  const std::vector<bool>& needed;

  const Tensor& input(std::size_t i) const { return inputs[i]; }
  const Tensor& output(std::size_t i = 0) const { return outputs[i]; }
  const Tensor& grad(std::size_t i = 0) const { return output_grads[i]; }
  bool needs(std::size_t i) const { return needed[i]; }
};

// Returns one gradient per input, in the input's shape and dtype; an
// undefined Tensor means "no gradient" (integer inputs, inputs not needed).
using Backward = std::function<std::vector<Tensor>(const GradContext&)>;

// Records an op on every recording tape that watches one of its floating
// inputs; does nothing when no output is floating point. Outputs that are
// the same tensor as an input (an op returning its argument unchanged) are
// not recorded: the gradient flows through them untouched.
void record(const char* op, std::vector<Tensor> inputs, std::vector<Tensor> outputs, Backward backward);

// A trainable variable was read: every recording tape on this thread that
// watches accessed variables starts watching it.
void variable_accessed(const Variable& variable);

// Sums `grad` over the axes along which `shape` was broadcast and reshapes
// it to `shape`; casts to `dtype`. The usual last step of a gradient rule.
Tensor unbroadcast(const Tensor& grad, const Shape& shape, DType dtype);
// unbroadcast to the shape and dtype of `input`.
inline Tensor fit_to(const Tensor& grad, const Tensor& input) {
  return unbroadcast(grad, input.shape(), input.dtype());
}

}  // namespace eager::autograd
