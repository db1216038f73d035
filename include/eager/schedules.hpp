#pragma once
// Learning-rate schedules, as tf.keras.optimizers.schedules: callables from
// the optimizer's step (its iterations() value, 0 for the first update) to a
// learning rate. Each converts to eager::optimizers::LearningRate, so it can be
// passed wherever a constant learning rate can:
//
//   eager::optimizers::SGD sgd(eager::schedules::ExponentialDecay{0.1, 1000, 0.96, true});
//
// Values are computed in double precision. Invalid parameters (decay_steps
// <= 0, NaN or infinite rates) throw InvalidArgument when the schedule is
// evaluated; PiecewiseConstant checks its boundaries when it is constructed.
#include <cstdint>
#include <vector>

namespace eager::schedules {

// initial_learning_rate * decay_rate ^ (step / decay_steps); with staircase
// the exponent is floor(step / decay_steps), so the rate drops in steps.
struct ExponentialDecay {
  double initial_learning_rate;
  std::int64_t decay_steps;
  double decay_rate;
  bool staircase = false;

  double operator()(std::int64_t step) const;
};

// values[0] while step <= boundaries[0], values[i] while
// boundaries[i-1] < step <= boundaries[i], and values.back() after the last
// boundary. Throws InvalidArgument unless values.size() == boundaries.size() + 1
// and the boundaries strictly increase (checked on construction and again on
// each call, since the members stay public).
struct PiecewiseConstant {
  PiecewiseConstant(std::vector<std::int64_t> boundaries, std::vector<double> values);

  std::vector<std::int64_t> boundaries;
  std::vector<double> values;

  double operator()(std::int64_t step) const;
};

// Cosine annealing from initial_learning_rate down to
// initial_learning_rate * alpha over decay_steps, then constant:
// initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * p)) + alpha)
// with p = min(step, decay_steps) / decay_steps.
struct CosineDecay {
  double initial_learning_rate;
  std::int64_t decay_steps;
  double alpha = 0;

  double operator()(std::int64_t step) const;
};

// initial_learning_rate / (1 + decay_rate * step / decay_steps); with
// staircase, step / decay_steps is floored.
struct InverseTimeDecay {
  double initial_learning_rate;
  std::int64_t decay_steps;
  double decay_rate;
  bool staircase = false;

  double operator()(std::int64_t step) const;
};

}  // namespace eager::schedules
