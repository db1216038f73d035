// The seed's variable-management snippets in C++: TF1 variable scopes with
// get_variable and reuse, the two-layer inference function written with them,
// and the moving-average snippet (shadow variables and the name map used to
// restore averages into the model variables).
#include <cstdio>
#include <iostream>

#include "eager/eager.hpp"

namespace v1 = eager::compat::v1;
using eager::compat::v1::Reuse;

namespace {

// The seed's inference(input_tensor, reuse): two layers whose variables live
// in the scopes layer1 and layer2, created on the first call and shared after.
eager::Tensor inference(const eager::Tensor& input, Reuse reuse) {
  eager::Tensor hidden;
  {
    v1::VariableScope scope("layer1", reuse);
    const auto w = v1::get_variable("weights", {784, 500}, eager::DType::Float32,
                                    eager::initializers::truncated_normal(0.0, 0.1));
    const auto b = v1::get_variable("biases", {500}, eager::DType::Float32, eager::initializers::constant(0.0));
    hidden = eager::relu(eager::matmul(input, w) + b);
  }
  v1::VariableScope scope("layer2", reuse);
  const auto w = v1::get_variable("weights", {500, 10}, eager::DType::Float32,
                                  eager::initializers::truncated_normal(0.0, 0.1));
  const auto b = v1::get_variable("biases", {10}, eager::DType::Float32, eager::initializers::constant(0.0));
  return eager::matmul(hidden, w) + b;
}

void scopes() {
  std::cout << "== variable scopes ==\n";
  eager::Variable v;
  {
    v1::VariableScope scope("foo");
    v = v1::get_variable("v", {1}, eager::DType::Float32, eager::initializers::constant(1.0));
  }
  try {
    v1::VariableScope scope("foo");
    v1::get_variable("v", {1});
  } catch (const eager::AlreadyExists& e) {
    std::cout << e.what() << "\n";
  }
  {
    v1::VariableScope scope("foo", Reuse::Yes);
    const auto v_again = v1::get_variable("v", {1});
    std::cout << "same variable with reuse: " << std::boolalpha << v.is_same(v_again) << "\n";
  }
  try {
    v1::VariableScope scope("bar", Reuse::Yes);
    v1::get_variable("v", {1});
  } catch (const eager::NotFound& e) {
    std::cout << e.what() << "\n";
  }
  {
    v1::VariableScope root("root");
    std::cout << "root reuse: " << (v1::get_variable_scope().reuse == Reuse::Yes) << "\n";
    v1::VariableScope foo("foo", Reuse::Yes);
    std::cout << "root/foo reuse: " << (v1::get_variable_scope().reuse == Reuse::Yes) << "\n";
    v1::VariableScope bar("bar");
    std::cout << "root/foo/bar reuse (inherited): " << (v1::get_variable_scope().reuse == Reuse::Yes) << "\n";
  }
  eager::Variable v3;
  {
    v1::VariableScope foo("foo");
    v1::VariableScope bar("bar");
    v3 = v1::get_variable("v", {1});
    std::cout << "name: " << v3.name() << "\n";  // foo/bar/v
  }
  {
    v1::VariableScope root("", Reuse::Yes);
    std::cout << "found by full name: " << v1::get_variable("foo/bar/v", {1}).is_same(v3) << "\n";
  }

  const eager::Tensor x = eager::random::uniform({2, 784});
  const eager::Tensor first = inference(x, Reuse::No);
  const eager::Tensor again = inference(x, Reuse::Yes);  // the same variables, so the same logits
  std::cout << "inference twice gives the same logits: " << eager::all_equal(first, again) << "\n";
  for (const auto& variable : v1::trainable_variables()) std::cout << "  " << variable.name() << " "
                                                                     << variable.shape().to_string() << "\n";
}

void moving_average() {
  std::cout << "== moving average ==\n";
  eager::Variable v(eager::scalar(0.0f), "v");
  eager::ExponentialMovingAverage ema(0.99);
  ema.apply({v});
  std::cout << "shadow variable: " << ema.average(v).name() << "\n";  // v/ExponentialMovingAverage
  v.assign(10);
  ema.apply({v});
  std::printf("v = %g, average = %.9g\n", v.value().item<double>(), ema.average(v).value().item<double>());
  // tf.train.Saver({"v/ExponentialMovingAverage": v}) restores the average
  // into v; the same map, used here by hand (checkpoints take it as is).
  for (const auto& [checkpoint_name, variable] : ema.variables_to_restore({v})) {
    std::cout << "restore " << checkpoint_name << " into " << variable.name() << "\n";
    eager::Variable(variable).assign(ema.average(variable).value());
  }
  std::printf("v after restoring the average: %.9g\n", v.value().item<double>());
}

}  // namespace

int main() {
  scopes();
  moving_average();
}
