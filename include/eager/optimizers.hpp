#pragma once
// Optimizers, as tf.keras.optimizers: apply gradients to variables with a
// fused in-place kernel per variable (one pass over the variable, its
// gradient and its slots; no temporaries).
//
//   eager::optimizers::Adam adam(eager::schedules::ExponentialDecay{1e-3, 1000, 0.9});
//   for (auto batch : data) {
//     eager::GradientTape tape;
//     eager::Tensor loss = model(batch);
//     adam.apply_gradients(tape.gradient(loss, weights), weights);
//   }
//
// Rules shared by every optimizer:
// - Variables must be float32 or float64 (InvalidArgument otherwise). A
//   gradient must have its variable's shape and device (InvalidArgument naming
//   the variable otherwise); a gradient of the other float dtype is cast, a
//   non-contiguous one is made contiguous. Integer gradients are refused.
// - Everything is checked before anything changes: on an error no variable,
//   slot or step counter has been touched.
// - Updates are never recorded by gradient tapes.
// - Slots (optimizer state per variable) are created, as zeros of the
//   variable's dtype, shape and device, the first time the variable gets a
//   gradient. They are non-trainable variables named
//   "<variable>/<optimizer name>/<slot>" (Momentum: "<variable>/<optimizer name>").
// - The learning rate of an update is the schedule evaluated at iterations()
//   before the update (0 for the first update), as in Keras.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/tensor.hpp"
#include "eager/variable.hpp"

namespace eager::optimizers {

// A learning rate: a constant or a schedule from the step (an optimizer's
// iterations()) to the rate. Every eager::schedules type, lambda or other
// callable taking int64 and returning a number converts implicitly. The
// constant must be finite (InvalidArgument); negative rates are allowed, as
// in TensorFlow. A schedule's values are checked when the optimizer uses them.
class LearningRate {
 public:
  LearningRate(double constant);  // NOLINT: a number is a learning rate
  LearningRate(std::function<double(std::int64_t)> schedule);  // NOLINT
  // Any other callable, such as schedules::ExponentialDecay{...}: std::function
  // alone would need two user-defined conversions, which C++ refuses.
  template <class Schedule>
    requires(std::is_invocable_r_v<double, const Schedule&, std::int64_t> &&
             !std::is_convertible_v<const Schedule&, double> &&
             !std::is_same_v<std::remove_cvref_t<Schedule>, LearningRate>)
  LearningRate(Schedule schedule)  // NOLINT
      : LearningRate(std::function<double(std::int64_t)>(std::move(schedule))) {}

  double operator()(std::int64_t step) const { return schedule_ ? schedule_(step) : constant_; }

 private:
  double constant_ = 0;
  std::function<double(std::int64_t)> schedule_;
};

class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;

  // One update per (gradient, variable); pairs with an undefined gradient
  // (TensorFlow's None) are skipped. Then iterations() grows by one. Throws
  // InvalidArgument when no gradient at all is defined (as Keras does: it is
  // almost always a loss that does not depend on the variables), when a
  // variable is undefined, or for the dtype, shape and device rules above.
  void apply_gradients(const std::vector<std::pair<Tensor, Variable>>& grads_and_vars);
  // The same with parallel lists (gradients as returned by
  // GradientTape::gradient); InvalidArgument when their sizes differ.
  void apply_gradients(const std::vector<Tensor>& grads, const std::vector<Variable>& vars);

  // Keras's build: creates the slots of each variable that has none yet
  // (zeros, as its first update would), so that a checkpoint holding them can
  // be restored before training resumes. InvalidArgument for an undefined or
  // non-floating variable, before anything is created.
  void build(const std::vector<Variable>& variables);

  // The number of updates applied so far (the global step): an int64 scalar,
  // non-trainable variable named "<name>/iterations". Assigning it (when
  // restoring a checkpoint) moves the schedules with it.
  Variable iterations() const;
  // The learning rate the next update will use: the schedule at iterations().
  double learning_rate() const;
  // iterations() and then every slot, in the order they were created: what a
  // checkpoint must save to resume training exactly.
  std::vector<Variable> variables() const;
  // Keras's get_slot: the slot `slot_name` (see get_slot_names()) of `var`.
  // NotFound when `var` has had no gradient yet or the slot does not exist.
  Variable get_slot(const Variable& var, const std::string& slot_name) const;
  // The slots this optimizer keeps per variable ("m", "v" for Adam).
  std::vector<std::string> get_slot_names() const;
  const std::string& name() const;

 protected:
  // Throws InvalidArgument for an empty name.
  Optimizer(LearningRate learning_rate, std::string name);

  // What one update needs besides the variable, its gradient and its slots.
  struct Step {
    std::int64_t iterations;  // updates applied before this one
    double learning_rate;     // the schedule at `iterations`, checked finite
  };

  // The extension points of a subclass. slot_names() is fixed after
  // construction; slots reach update() in the same order.
  virtual std::vector<std::string> slot_names() const = 0;
  // The name of the slot variable of `slot` for a variable named `var_name`.
  virtual std::string slot_variable_name(const std::string& var_name, const std::string& slot) const;
  // Throws Unimplemented when no update kernel exists for this device and
  // dtype; called for every variable before anything changes.
  virtual void check_kernel(Device device, DType dtype) const = 0;
  // Updates `var` in place. `grad` has var's dtype, shape and device, is
  // contiguous and shares no memory with `var`. Must not throw.
  virtual void update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const = 0;

 private:
  struct State;
  State& state() const;
  // The slots of `var`, created (zeros) the first time it is seen.
  std::vector<Variable>& slots_of(const Variable& var);
  std::unique_ptr<State> state_;
};

// Gradient descent: var -= lr * grad.
class SGD : public Optimizer {
 public:
  explicit SGD(LearningRate learning_rate = 0.01, std::string name = "SGD");

 protected:
  std::vector<std::string> slot_names() const override;
  void check_kernel(Device device, DType dtype) const override;
  void update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const override;
};

// Momentum, as TF1's MomentumOptimizer (slot "momentum", a variable named
// "<var>/<name>"):
//   accum = momentum * accum + grad
//   var -= lr * accum                          (plain)
//   var -= lr * (grad + momentum * accum)      (nesterov)
// momentum must lie in [0, 1] (InvalidArgument).
class Momentum : public Optimizer {
 public:
  Momentum(LearningRate learning_rate, double momentum, bool nesterov = false, std::string name = "Momentum");

 protected:
  std::vector<std::string> slot_names() const override;
  std::string slot_variable_name(const std::string& var_name, const std::string& slot) const override;
  void check_kernel(Device device, DType dtype) const override;
  void update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const override;

 private:
  double momentum_;
  bool nesterov_;
};

// Adam, with Keras's (TF2) formula: at step t = iterations + 1,
//   step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   m += (grad - m) * (1 - beta1)
//   v += (grad^2 - v) * (1 - beta2)
//   var -= step_size * m / (sqrt(v) + epsilon)
// Slots "m" and "v". beta1 and beta2 must lie in [0, 1) and epsilon be
// positive and finite (InvalidArgument).
class Adam : public Optimizer {
 public:
  explicit Adam(LearningRate learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7,
                std::string name = "Adam");

 protected:
  std::vector<std::string> slot_names() const override;
  void check_kernel(Device device, DType dtype) const override;
  void update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const override;

 private:
  double beta1_, beta2_, epsilon_;
};

// RMSprop, with Keras's (TF2) formula:
//   rms = rho * rms + (1 - rho) * grad^2
//   centered: mg = rho * mg + (1 - rho) * grad;  denom = rms - mg^2
//   otherwise: denom = rms
//   momentum == 0: var -= lr * grad / (sqrt(denom) + epsilon)
//   momentum > 0:  mom = momentum * mom + lr * grad / sqrt(denom + epsilon);  var -= mom
// (epsilon sits inside the square root with momentum: Keras then calls TF's
// ApplyRMSProp kernel). Slots "rms", then "momentum" only when momentum > 0
// and "mg" only when centered, as Keras creates them. rho and momentum must
// lie in [0, 1] and epsilon be positive and finite (InvalidArgument).
class RMSProp : public Optimizer {
 public:
  explicit RMSProp(LearningRate learning_rate = 0.001, double rho = 0.9, double momentum = 0.0, double epsilon = 1e-7,
                   bool centered = false, std::string name = "RMSprop");

 protected:
  std::vector<std::string> slot_names() const override;
  void check_kernel(Device device, DType dtype) const override;
  void update(Tensor& var, const Tensor& grad, std::vector<Variable>& slots, const Step& step) const override;

 private:
  double rho_, momentum_, epsilon_;
  bool centered_;
};

}  // namespace eager::optimizers
