#pragma once
// ExponentialMovingAverage, as tf.train.ExponentialMovingAverage: shadow
// copies of variables that follow them slowly, commonly evaluated instead of
// the trained weights.
//
//   eager::optimizers::Adam adam;
//   eager::ExponentialMovingAverage ema(0.999, adam.iterations());
//   ...  adam.apply_gradients(grads, weights);  ema.apply(weights);
//   eager::Variable smoothed = ema.average(weights[0]);
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eager/variable.hpp"

namespace eager {

class ExponentialMovingAverage {
 public:
  // decay must lie in [0, 1]. num_updates, when given, is an integer scalar
  // variable (typically an optimizer's iterations()) read at every apply():
  // the effective decay is then min(decay, (1 + n) / (10 + n)), which lets the
  // averages move quickly early in training. The name must not be empty.
  // InvalidArgument otherwise.
  explicit ExponentialMovingAverage(double decay, std::optional<Variable> num_updates = std::nullopt,
                                    std::string name = "ExponentialMovingAverage");
  ~ExponentialMovingAverage();
  ExponentialMovingAverage(ExponentialMovingAverage&&) noexcept;
  ExponentialMovingAverage& operator=(ExponentialMovingAverage&&) noexcept;

  // Updates the average of each variable in place, in one fused pass:
  //   shadow -= (1 - decay()) * (shadow - variable)
  // A variable seen for the first time first gets its shadow: a copy of its
  // current value, a non-trainable variable named average_name(variable), so
  // its first update leaves the copy unchanged. Variables must be float32 or
  // float64 (InvalidArgument naming the variable); everything is checked
  // before anything changes. Not recorded by gradient tapes.
  void apply(const std::vector<Variable>& variables);

  // The shadow of `variable`; NotFound naming it when apply() never saw it.
  Variable average(const Variable& variable) const;
  // "<variable name>/<this average's name>".
  std::string average_name(const Variable& variable) const;
  // TensorFlow's variables_to_restore for the given variables: maps
  // average_name(v) -> v for each, so that restoring a checkpoint through this
  // map loads the saved averages into the model's own variables (for
  // evaluation). Variables need not have been applied. InvalidArgument when two
  // variables give the same name. Variables without averages that should be
  // restored too are the caller's to add under their own names.
  std::map<std::string, Variable> variables_to_restore(const std::vector<Variable>& variables) const;
  // Every shadow, in the order they were created (for checkpoints).
  std::vector<Variable> variables() const;
  // The decay the next apply() uses: min(decay, (1 + n) / (10 + n)) with
  // num_updates, else decay.
  double decay() const;
  const std::string& name() const;

 private:
  struct State;
  State& state() const;
  std::unique_ptr<State> state_;
};

}  // namespace eager
