#pragma once
// Automatic differentiation with a tape, as tf.GradientTape.
//
//   eager::Variable w(eager::random::normal({3, 2}), "w");
//   eager::GradientTape tape;
//   eager::Tensor loss = eager::reduce_sum(eager::matmul(x, w));
//   auto grads = tape.gradient(loss, {w});      // d loss / d w, shape [3, 2]
//
// A tape records the ops run on its thread while it is alive whose inputs it
// watches: tensors passed to watch(), trainable variables read while it
// records (unless watch_accessed_variables is false) and every output of a
// recorded op. gradient() walks the record backwards with gradient rules
// written with public ops, so an outer tape records them and nested tapes give
// higher-order gradients. Only floating-point tensors carry gradients.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "eager/tensor.hpp"
#include "eager/variable.hpp"

namespace eager {

// What gradient() returns for a source the target does not depend on.
enum class UnconnectedGradients { None, Zero };

// A tape belongs to the thread that made it: it records that thread's ops
// and must be destroyed on that thread.
class GradientTape {
 public:
  // persistent: gradient() may be called more than once, and while the tape
  // is alive it also records the ops gradient() runs (TensorFlow's behaviour),
  // so one persistent tape can give second derivatives.
  explicit GradientTape(bool persistent = false, bool watch_accessed_variables = true);
  ~GradientTape();
  GradientTape(const GradientTape&) = delete;
  GradientTape& operator=(const GradientTape&) = delete;

  // Ops reading `t` (or the variable) are recorded from now on. Throws
  // InvalidArgument for tensors that are not floating point.
  void watch(const Tensor& t);
  void watch(const Variable& v);

  // d target / d source for each source; a non-scalar target is summed
  // (seeded with ones), or seeded with `output_gradient` when given (same
  // shape as target). A non-persistent tape allows one call and records
  // nothing afterwards. Integer targets or sources throw InvalidArgument.
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Tensor>& sources,
                               UnconnectedGradients unconnected = UnconnectedGradients::None,
                               const Tensor& output_gradient = Tensor());
  std::vector<Tensor> gradient(const Tensor& target, const std::vector<Variable>& sources,
                               UnconnectedGradients unconnected = UnconnectedGradients::None,
                               const Tensor& output_gradient = Tensor());
  // Braced lists: gradient(loss, {x, y}) or gradient(loss, {w, b}).
  std::vector<Tensor> gradient(const Tensor& target, std::initializer_list<Tensor> sources,
                               UnconnectedGradients unconnected = UnconnectedGradients::None) {
    return gradient(target, std::vector<Tensor>(sources), unconnected);
  }
  std::vector<Tensor> gradient(const Tensor& target, std::initializer_list<Variable> sources,
                               UnconnectedGradients unconnected = UnconnectedGradients::None) {
    return gradient(target, std::vector<Variable>(sources), unconnected);
  }
  Tensor gradient(const Tensor& target, const Tensor& source,
                  UnconnectedGradients unconnected = UnconnectedGradients::None);
  Tensor gradient(const Tensor& target, const Variable& source,
                  UnconnectedGradients unconnected = UnconnectedGradients::None);

  // The variables this tape watches, in the order it first saw them.
  std::vector<Variable> watched_variables() const;

  // While the returned guard lives, this tape records nothing
  // (`with tape.stop_recording():`).
  class Pause {
   public:
    explicit Pause(GradientTape& tape);
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    GradientTape& tape_;
  };
  [[nodiscard]] Pause stop_recording() { return Pause(*this); }

  // Drops everything recorded so far and keeps recording (tape.reset()).
  void reset();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// The same values, cut off from every tape: no gradient flows through it.
Tensor stop_gradient(const Tensor& t);

// While alive, no tape on this thread records anything.
class NoGradient {
 public:
  NoGradient();
  ~NoGradient();
  NoGradient(const NoGradient&) = delete;
  NoGradient& operator=(const NoGradient&) = delete;
};

// A function with its own gradient (tf.custom_gradient). `forward` runs with
// recording paused and returns its outputs and a backward function mapping
// the gradients of the outputs (one per output, never undefined) to the
// gradients of the inputs (one per input; an undefined Tensor means none).
// The backward function should use public ops so that outer tapes can
// differentiate it again.
struct CustomGradientResult {
  std::vector<Tensor> outputs;
  std::function<std::vector<Tensor>(const std::vector<Tensor>& output_gradients)> backward;
};
std::vector<Tensor> custom_gradient(const std::vector<Tensor>& inputs,
                                    const std::function<CustomGradientResult(const std::vector<Tensor>&)>& forward);

}  // namespace eager
