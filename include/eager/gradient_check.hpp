#pragma once
// A gradient checker for your own functions, as tf.test.compute_gradient.
//
//   auto result = eager::check_gradients(
//       [](const std::vector<eager::Tensor>& x) { return eager::tanh(x[0]) * x[1]; },
//       {a, b});
//   if (!result.ok) std::cerr << result.report();
//
// Every input is checked on the CPU: the floating-point inputs are cast to
// float64 and copied there, integer inputs are copied with their values and
// not checked. With a fixed random weight tensor w of f's output shape, the
// target T(x) = sum(f(x) * w) is differentiated on a tape (the analytic
// gradient) and by central differences (T(x + delta e_i) - T(x - delta e_i))
// / (2 delta) for every element i of every floating input (the numeric
// gradient). An element passes when |analytic - numeric| <= atol + rtol *
// |numeric|. f may itself use tapes, so the checker also checks second
// derivatives computed with nested tapes.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "eager/tensor.hpp"

namespace eager {

struct GradientCheckOptions {
  double delta = 1e-6;
  double rtol = 1e-5;
  double atol = 1e-7;
  std::uint64_t seed = 1;  // for the weights w
};

struct GradientElementReport {
  std::size_t input = 0;
  std::int64_t element = 0;  // row-major index into that input
  double analytic = 0;
  double numeric = 0;
  double abs_error = 0;
  double rel_error = 0;  // abs_error / max(|numeric|, tiny)
  bool ok = true;
};

struct GradientCheckResult {
  bool ok = true;
  double max_abs_error = 0;
  double max_rel_error = 0;
  std::vector<GradientElementReport> elements;  // every checked element
  // One line per failing element (or a one-line summary when all pass).
  std::string report() const;
};

GradientCheckResult check_gradients(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                                    const std::vector<Tensor>& inputs, const GradientCheckOptions& options = {});

}  // namespace eager
