// Automatic differentiation as with tf.GradientTape: gradients of a
// function, of variables a tape watches by itself, second derivatives from
// nested tapes, a custom gradient, and a gradient check of your own function.
#include <cmath>
#include <iostream>

#include "eager/eager.hpp"

int main() {
  // dy/dx of y = x^2 + x at x = 3.
  eager::Tensor x = eager::scalar(3.0f);
  {
    eager::GradientTape tape;
    tape.watch(x);
    eager::Tensor y = x * x + x;
    std::cout << "dy/dx = " << tape.gradient(y, x) << "\n";  // 7
  }

  // Trainable variables are watched as soon as the tape sees them read.
  eager::Variable w(eager::constant({{1.0f, 2.0f}, {3.0f, 4.0f}}), "w");
  eager::Variable b(eager::constant({0.5f, -0.5f}), "b");
  const eager::Tensor inputs = eager::constant({{1.0f, 1.0f}});
  {
    eager::GradientTape tape;
    eager::Tensor loss = eager::reduce_sum(eager::square(eager::matmul(inputs, w) + b));
    const auto grads = tape.gradient(loss, std::vector<eager::Variable>{w, b});
    std::cout << "d loss / d w = " << grads[0] << "\nd loss / d b = " << grads[1] << "\n";
  }

  // Second derivative of x^3 with two tapes: 6x = 18.
  {
    eager::GradientTape outer;
    outer.watch(x);
    eager::Tensor dy;
    {
      eager::GradientTape inner;
      inner.watch(x);
      dy = inner.gradient(x * x * x, x);
    }
    std::cout << "d2y/dx2 = " << outer.gradient(dy, x) << "\n";
  }

  // log(1 + e^x) with its own gradient (tf.custom_gradient): the automatic
  // one, e^x / (1 + e^x), is inf / inf = NaN at x = 100 in float32.
  const auto log1pexp = [](const eager::Tensor& t) {
    return eager::custom_gradient({t}, [](const std::vector<eager::Tensor>& in) {
      const eager::Tensor e = eager::exp(in[0]);
      return eager::CustomGradientResult{{eager::log1p(e)}, [e](const std::vector<eager::Tensor>& g) {
                                           return std::vector<eager::Tensor>{g[0] * (1 - 1 / (1 + e))};
                                         }};
    })[0];
  };
  {
    eager::Tensor big = eager::scalar(100.0f);
    eager::GradientTape tape;
    tape.watch(big);
    const eager::Tensor g = tape.gradient(log1pexp(big), big);
    std::cout << "custom gradient at 100: " << g << "\n";  // 1, not NaN
    if (!std::isfinite(g.item<double>())) return 1;
  }

  // Check a gradient against central differences (float64).
  const auto result = eager::check_gradients(
      [](const std::vector<eager::Tensor>& t) { return eager::tanh(t[0]) * eager::sigmoid(t[1]); },
      {eager::constant({0.1, -0.4, 2.0}), eager::constant({1.0, 0.5, -3.0})});
  std::cout << result.report();
  return result.ok ? 0 : 1;
}
