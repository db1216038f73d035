#include "eager/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "eager/error.hpp"

namespace eager::schedules {

namespace {

void check_finite(const char* schedule, const char* parameter, double value) {
  if (!std::isfinite(value))
    throw InvalidArgument(std::string(schedule) + ": " + parameter + " must be finite, got " + std::to_string(value));
}

void check_decay_steps(const char* schedule, std::int64_t decay_steps) {
  if (decay_steps <= 0)
    throw InvalidArgument(std::string(schedule) + ": decay_steps must be positive, got " +
                          std::to_string(decay_steps));
}

// step / decay_steps, floored when the schedule is a staircase.
double decay_progress(std::int64_t step, std::int64_t decay_steps, bool staircase) {
  const double p = static_cast<double>(step) / static_cast<double>(decay_steps);
  return staircase ? std::floor(p) : p;
}

void check_piecewise(const std::vector<std::int64_t>& boundaries, const std::vector<double>& values) {
  if (values.size() != boundaries.size() + 1)
    throw InvalidArgument("PiecewiseConstant: values must have one more element than boundaries, got " +
                          std::to_string(boundaries.size()) + " boundaries and " + std::to_string(values.size()) +
                          " values");
  for (std::size_t i = 1; i < boundaries.size(); ++i)
    if (boundaries[i] <= boundaries[i - 1])
      throw InvalidArgument("PiecewiseConstant: boundaries must strictly increase, got " +
                            std::to_string(boundaries[i - 1]) + " then " + std::to_string(boundaries[i]) +
                            " at index " + std::to_string(i));
  for (double v : values) check_finite("PiecewiseConstant", "every value", v);
}

}  // namespace

double ExponentialDecay::operator()(std::int64_t step) const {
  check_finite("ExponentialDecay", "initial_learning_rate", initial_learning_rate);
  check_finite("ExponentialDecay", "decay_rate", decay_rate);
  check_decay_steps("ExponentialDecay", decay_steps);
  return initial_learning_rate * std::pow(decay_rate, decay_progress(step, decay_steps, staircase));
}

PiecewiseConstant::PiecewiseConstant(std::vector<std::int64_t> boundaries, std::vector<double> values)
    : boundaries(std::move(boundaries)), values(std::move(values)) {
  // The members, not the moved-from parameters.
  check_piecewise(this->boundaries, this->values);
}

double PiecewiseConstant::operator()(std::int64_t step) const {
  check_piecewise(boundaries, values);
  // The first boundary not below step: values[i] covers (b[i-1], b[i]].
  std::size_t i = 0;
  while (i < boundaries.size() && step > boundaries[i]) ++i;
  return values[i];
}

double CosineDecay::operator()(std::int64_t step) const {
  check_finite("CosineDecay", "initial_learning_rate", initial_learning_rate);
  check_finite("CosineDecay", "alpha", alpha);
  check_decay_steps("CosineDecay", decay_steps);
  const double completed = static_cast<double>(std::min(step, decay_steps)) / static_cast<double>(decay_steps);
  const double cosine = 0.5 * (1 + std::cos(std::numbers::pi * completed));
  return initial_learning_rate * ((1 - alpha) * cosine + alpha);
}

double InverseTimeDecay::operator()(std::int64_t step) const {
  check_finite("InverseTimeDecay", "initial_learning_rate", initial_learning_rate);
  check_finite("InverseTimeDecay", "decay_rate", decay_rate);
  check_decay_steps("InverseTimeDecay", decay_steps);
  return initial_learning_rate / (1 + decay_rate * decay_progress(step, decay_steps, staircase));
}

}  // namespace eager::schedules
