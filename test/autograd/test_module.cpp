// Modules (hierarchical names, ownership, trainable filtering, duplicates),
// the Dense layer (forward against loops, errors, gradients), initializers
// (statistics, fans, seeds) and the L2 regularizers.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>

#include "eager/eager.hpp"
#include "eager/initializers.hpp"
#include "eager/module.hpp"
#include "eager/variable_scope.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::names_of;
using eager::test::as_doubles;
using eager::test::MessageContains;
using eager::test::require_close;

namespace {

std::vector<std::string> paths_of(const std::vector<std::pair<std::string, Variable>>& named) {
  std::vector<std::string> paths;
  for (const auto& [path, variable] : named) paths.push_back(path);
  return paths;
}

// A two-layer perceptron with a non-trainable step counter between its layers.
class Mlp : public Module {
 public:
  Mlp()
      : Module("mlp"),
        layer1_(add_module<Dense>(3, 4, relu, "layer1")),
        step_(add_variable("step", scalar(0, DType::Int64), /*trainable=*/false)),
        layer2_(add_module<Dense>(4, 2, nullptr, "layer2")) {}
  Tensor operator()(const Tensor& x) const { return layer2_(layer1_(x)); }
  Dense& layer1_;
  Variable step_;
  Dense& layer2_;
};

// Three levels: a network holding a block holding a Dense.
class Block : public Module {
 public:
  explicit Block(std::string name) : Module(std::move(name)), dense_(add_module<Dense>(2, 2, nullptr, "proj")) {
    scale_ = add_variable("scale", Shape{2}, DType::Float32, initializers::ones());
  }
  Dense& dense_;
  Variable scale_;
};

class Net : public Module {
 public:
  Net() : Module("net") {
    add_variable("bias", constant({0.5f}));
    add_module<Block>("block");
  }
};

// Exposes the protected registration functions for the error tests.
class Open : public Module {
 public:
  using Module::add_module;
  using Module::add_variable;
  explicit Open(std::string name) : Module(std::move(name)) {}
};

// y[b][o] = sum_i x[b][i] * w[i][o] + bias[o], in float64 from the values.
std::vector<double> dense_by_hand(const Tensor& x, const Variable& w, const Variable& bias, std::int64_t in,
                                  std::int64_t out) {
  const std::vector<double> xv = as_doubles(x), wv = as_doubles(w.handle()), bv = as_doubles(bias.handle());
  const std::int64_t rows = static_cast<std::int64_t>(xv.size()) / in;
  std::vector<double> y(static_cast<std::size_t>(rows * out));
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t o = 0; o < out; ++o) {
      double sum = bv[o];
      for (std::int64_t i = 0; i < in; ++i) sum += xv[r * in + i] * wv[i * out + o];
      y[r * out + o] = sum;
    }
  return y;
}

struct Moments {
  double mean, stddev, min, max;
};
Moments moments(const Tensor& t) {
  const std::vector<double> v = as_doubles(t);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - mean) * (x - mean);
  return {mean, std::sqrt(sq / static_cast<double>(v.size())), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

}  // namespace

TEST_CASE("module: variables of nested modules have hierarchical names", "[module]") {
  Mlp model;
  CHECK(model.name() == "mlp");
  CHECK(model.layer1_.scope_name() == "mlp/layer1");
  CHECK(names_of(model.variables()) == std::vector<std::string>{"mlp/layer1/weights", "mlp/layer1/biases", "mlp/step",
                                                                "mlp/layer2/weights", "mlp/layer2/biases"});
  CHECK(paths_of(model.named_variables()) ==
        std::vector<std::string>{"layer1/weights", "layer1/biases", "step", "layer2/weights", "layer2/biases"});
  // Paths are relative to the module asked.
  CHECK(paths_of(model.layer1_.named_variables()) == std::vector<std::string>{"weights", "biases"});
  CHECK(model.named_variables()[0].second.is_same(model.layer1_.weights()));

  Net net;
  CHECK(paths_of(net.named_variables()) ==
        std::vector<std::string>{"bias", "block/proj/weights", "block/proj/biases", "block/scale"});
  CHECK(names_of(net.variables()) ==
        std::vector<std::string>{"net/bias", "net/block/proj/weights", "net/block/proj/biases", "net/block/scale"});
  const std::vector<Module*> subs = net.submodules();
  REQUIRE(subs.size() == 2);
  CHECK(subs[0]->scope_name() == "net/block");
  CHECK(subs[1]->scope_name() == "net/block/proj");
  CHECK(model.submodules().size() == 2);
}

TEST_CASE("module: adopted modules keep their names; paths come from the tree", "[module]") {
  Open parent("parent");
  Dense& adopted = parent.add_module(std::make_unique<Dense>(2, 3, nullptr, "adopted"));
  CHECK(adopted.weights().name() == "adopted/weights");
  {
    // Made inside the parent's scope, an adopted module gets the full path.
    const NameScope inside(parent.scope_name() + "/");
    parent.add_module(std::make_unique<Dense>(3, 1, nullptr, "inner"));
  }
  CHECK(paths_of(parent.named_variables()) ==
        std::vector<std::string>{"adopted/weights", "adopted/biases", "inner/weights", "inner/biases"});
  CHECK(names_of(parent.variables())[2] == "parent/inner/weights");
}

TEST_CASE("module: modules take the enclosing name scope", "[module]") {
  {
    const NameScope outer("outer");
    Mlp model;
    CHECK(model.scope_name() == "outer/mlp");
    CHECK(model.layer2_.biases().name() == "outer/mlp/layer2/biases");
  }
  {
    compat::v1::VariableStore store;
    auto use = store.as_default();
    const compat::v1::VariableScope scope("tower");
    Dense dense(2, 2);
    CHECK(dense.weights().name() == "tower/dense/weights");
  }
  // A caller's name scope does not leak into variables a module adds later.
  Open late("late");
  const NameScope elsewhere("elsewhere");
  CHECK(late.add_variable("v", constant({1.0f})).name() == "late/v");
}

TEST_CASE("module: trainable_variables leaves out non-trainable ones", "[module]") {
  Mlp model;
  CHECK(model.variables().size() == 5);
  CHECK(names_of(model.trainable_variables()) ==
        std::vector<std::string>{"mlp/layer1/weights", "mlp/layer1/biases", "mlp/layer2/weights", "mlp/layer2/biases"});
  CHECK_FALSE(model.step_.trainable());
}

TEST_CASE("module: duplicate and malformed names are refused", "[module]") {
  Open m("m");
  m.add_variable("v", constant({1.0f}));
  CHECK_THROWS_MATCHES(m.add_variable("v", constant({2.0f})), InvalidArgument,
                       Catch::Message("Module 'm': add_variable: the name 'v' is already used by a variable of this "
                                      "module"));
  m.add_module<Dense>(1, 1, nullptr, "d");
  CHECK_THROWS_MATCHES(m.add_module<Dense>(1, 1, nullptr, "d"), InvalidArgument,
                       Catch::Message("Module 'm': add_module: the name 'd' is already used by a submodule of this "
                                      "module"));
  CHECK_THROWS_MATCHES(m.add_module<Dense>(1, 1, nullptr, "v"), InvalidArgument,
                       MessageContains("the name 'v' is already used by a variable"));
  CHECK_THROWS_MATCHES(m.add_variable("d", constant({1.0f})), InvalidArgument,
                       MessageContains("the name 'd' is already used by a submodule"));
  CHECK_THROWS_MATCHES(m.add_variable("a/b", constant({1.0f})), InvalidArgument,
                       Catch::Message("Module 'm': add_variable: name 'a/b' contains '/'"));
  CHECK_THROWS_MATCHES(m.add_variable("", constant({1.0f})), InvalidArgument,
                       Catch::Message("Module 'm': add_variable: the name is empty"));
  CHECK_THROWS_MATCHES(m.add_module(std::unique_ptr<Dense>()), InvalidArgument,
                       Catch::Message("Module 'm': add_module: the module is null"));
  CHECK_THROWS_MATCHES(Open(""), InvalidArgument, Catch::Message("Module: the name is empty"));
  CHECK_THROWS_MATCHES(Open("x/y"), InvalidArgument, Catch::Message("Module: name 'x/y' contains '/'"));
  CHECK_THROWS_MATCHES(m.add_variable("w", Shape{2}, DType::Float32, nullptr), InvalidArgument,
                       Catch::Message("Module 'm': variable 'w': the initializer is empty"));
  // Nothing was registered by the refused calls.
  CHECK(paths_of(m.named_variables()) == std::vector<std::string>{"v", "d/weights", "d/biases"});
}

TEST_CASE("dense: forward equals matmul plus bias by hand, then the activation", "[module]") {
  const Tensor x = test::random_tensor({5, 3}, DType::Float64, 1);
  Dense linear(3, 4, nullptr, "linear", initializers::random_normal(0, 1, 11), initializers::random_normal(0, 1, 12),
               DType::Float64);
  const std::vector<double> expected = dense_by_hand(x, linear.weights(), linear.biases(), 3, 4);
  require_close(linear(x), expected, 1e-12, 1e-12);
  CHECK(linear(x).shape() == Shape{5, 4});

  Dense rectified(3, 4, relu, "rectified", initializers::random_normal(0, 1, 11), initializers::random_normal(0, 1, 12),
                  DType::Float64);
  std::vector<double> relu_expected = expected;
  for (double& v : relu_expected) v = std::max(v, 0.0);
  REQUIRE(std::any_of(expected.begin(), expected.end(), [](double v) { return v < 0; }));
  require_close(rectified(x), relu_expected, 1e-12, 1e-12);

  // Leading dimensions are batch dimensions.
  const Tensor x3 = test::random_tensor({2, 5, 3}, DType::Float64, 2);
  const Tensor y3 = linear(x3);
  CHECK(y3.shape() == Shape{2, 5, 4});
  require_close(y3, dense_by_hand(x3, linear.weights(), linear.biases(), 3, 4), 1e-12, 1e-12);

  // Defaults: glorot weights within their limit, zero biases.
  Dense plain(6, 10);
  CHECK(plain.weights().dtype() == DType::Float32);
  CHECK(moments(plain.weights().handle()).max <= std::sqrt(6.0 / 16));
  require_close(plain.biases().handle(), std::vector<double>(10, 0.0));
}

TEST_CASE("dense: errors name the layer", "[module]") {
  Open model("mlp");
  const Dense& layer = model.add_module<Dense>(3, 2, nullptr, "layer1");
  CHECK_THROWS_MATCHES(layer(zeros({2, 4})), InvalidArgument,
                       Catch::Message("Dense 'mlp/layer1': the input's last dimension must be in_features = 3, got "
                                      "shape (2, 4)"));
  CHECK_THROWS_MATCHES(layer(zeros({3})), InvalidArgument,
                       Catch::Message("Dense 'mlp/layer1': the input must have rank >= 2 ([batch..., in_features]), "
                                      "got shape (3,)"));
  CHECK_THROWS_MATCHES(
      layer(zeros({2, 3}, DType::Float64)), InvalidArgument,
      Catch::Message("Dense 'mlp/layer1': the input's dtype float64 differs from the layer's float32"));
  CHECK_THROWS_MATCHES(Dense(0, 2), InvalidArgument,
                       Catch::Message("Dense 'dense': in_features and out_features must be >= 1, got 0 and 2"));
  CHECK_THROWS_MATCHES(Dense(2, 2, nullptr, "ints", initializers::zeros(), initializers::zeros(), DType::Int32),
                       InvalidArgument, Catch::Message("Dense 'ints': dtype must be float32 or float64, got int32"));
  const initializers::Initializer wrong = [](const Shape&, DType) { return zeros({7}); };
  CHECK_THROWS_MATCHES(Dense(2, 3, nullptr, "odd", wrong), InvalidArgument,
                       Catch::Message("Module 'odd': variable 'weights': the initializer returned float32(7,), "
                                      "expected float32(2, 3)"));
}

TEST_CASE("dense: gradients reach weights and biases through a tape", "[module]") {
  const Tensor x = test::random_tensor({4, 3}, DType::Float64, 3);
  Dense layer(3, 2, nullptr, "layer", initializers::random_normal(0, 1, 5), initializers::random_normal(0, 1, 6),
              DType::Float64);
  GradientTape tape;
  const Tensor y = layer(x);
  const Tensor loss = reduce_sum(y * y);
  // The tape watched the trainable variables the layer read.
  const std::vector<Variable> watched = tape.watched_variables();
  REQUIRE(watched.size() == 2);
  CHECK(watched[0].is_same(layer.weights()));
  CHECK(watched[1].is_same(layer.biases()));
  const std::vector<Tensor> grads = tape.gradient(loss, std::vector<Variable>{layer.weights(), layer.biases()});

  // d loss / d y = 2 y; d loss / d w = x^T (2 y); d loss / d b = column sums of 2 y.
  const std::vector<double> xv = as_doubles(x), yv = as_doubles(y);
  std::vector<double> dw(6, 0.0), db(2, 0.0);
  for (int r = 0; r < 4; ++r)
    for (int o = 0; o < 2; ++o) {
      db[o] += 2 * yv[r * 2 + o];
      for (int i = 0; i < 3; ++i) dw[i * 2 + o] += xv[r * 3 + i] * 2 * yv[r * 2 + o];
    }
  require_close(grads[0], dw, 1e-12, 1e-12);
  require_close(grads[1], db, 1e-12, 1e-12);
}

TEST_CASE("dense: a relu layer passes gradient only where it is active", "[module]") {
  const Tensor x = test::random_tensor({6, 2}, DType::Float64, 4);
  Dense layer(2, 3, relu, "layer", initializers::random_normal(0, 1, 7), initializers::random_normal(0, 1, 8),
              DType::Float64);
  GradientTape tape;
  const Tensor loss = reduce_sum(layer(x));
  const Tensor db = tape.gradient(loss, layer.biases());
  const std::vector<double> pre = dense_by_hand(x, layer.weights(), layer.biases(), 2, 3);
  std::vector<double> expected(3, 0.0);
  for (int r = 0; r < 6; ++r)
    for (int o = 0; o < 3; ++o) expected[o] += pre[r * 3 + o] > 0 ? 1 : 0;
  require_close(db, expected);
}

TEST_CASE("initializer: constants", "[initializer]") {
  require_close(initializers::zeros()({2, 2}, DType::Float32), {0, 0, 0, 0});
  const Tensor ones = initializers::ones()({3}, DType::Int64);
  CHECK(ones.dtype() == DType::Int64);
  require_close(ones, {1, 1, 1});
  const Tensor c = initializers::constant(0.25)({2}, DType::Float64);
  CHECK(c.dtype() == DType::Float64);
  require_close(c, {0.25, 0.25});
}

TEST_CASE("initializer: random distributions have the stated moments and bounds", "[initializer]") {
  const Shape shape{400, 500};
  SECTION("random_normal") {
    const Moments m = moments(initializers::random_normal(1.0, 2.0, 1)(shape, DType::Float32));
    CHECK(m.mean == Approx(1.0).margin(0.02));
    CHECK(m.stddev == Approx(2.0).margin(0.02));
    CHECK(m.max - m.min > 16);  // a normal sample this large reaches beyond +-4 stddev
  }
  SECTION("truncated_normal: within 2 stddev, stddev shrunk to 0.8796") {
    const Tensor t = initializers::truncated_normal(-1.0, 0.5, 2)(shape, DType::Float64);
    CHECK(t.dtype() == DType::Float64);
    const Moments m = moments(t);
    CHECK(m.min >= -2.0);
    CHECK(m.max <= 0.0);
    CHECK(m.min < -1.99);
    CHECK(m.max > -0.01);
    CHECK(m.mean == Approx(-1.0).margin(0.005));
    // sd of N(0, 1) truncated to [-2, 2]: sqrt(1 - 2 * 2 * phi(2) / (2 * Phi(2) - 1)) = 0.879626
    CHECK(m.stddev == Approx(0.5 * 0.879626).epsilon(0.01));
  }
  SECTION("random_uniform") {
    const Moments m = moments(initializers::random_uniform(-3.0, 5.0, 3)(shape, DType::Float32));
    CHECK(m.min >= -3.0);
    CHECK(m.max < 5.0);
    CHECK(m.min < -2.99);
    CHECK(m.max > 4.99);
    CHECK(m.mean == Approx(1.0).margin(0.03));
    CHECK(m.stddev == Approx(8.0 / std::sqrt(12.0)).epsilon(0.01));
  }
  SECTION("glorot_uniform: limit sqrt(6 / (fan_in + fan_out))") {
    const double limit = std::sqrt(6.0 / 900);  // fans 400 and 500
    const Moments m = moments(initializers::glorot_uniform(4)(shape, DType::Float32));
    CHECK(m.min >= -limit);
    CHECK(m.max <= limit);
    CHECK(m.max > 0.99 * limit);
    CHECK(m.min < -0.99 * limit);
    CHECK(m.stddev == Approx(limit / std::sqrt(3.0)).epsilon(0.01));
    // A 3x3 convolution kernel from 16 to 32 channels: fans 144 and 288.
    const double conv_limit = std::sqrt(6.0 / 432);
    const Moments conv = moments(initializers::glorot_uniform(5)({3, 3, 16, 32}, DType::Float64));
    CHECK(conv.max <= conv_limit);
    CHECK(conv.max > 0.98 * conv_limit);
  }
}

TEST_CASE("initializer: fans as Keras computes them", "[initializer]") {
  const auto fans = [](const Shape& s) {
    const initializers::Fans f = initializers::compute_fans(s);
    return std::vector<double>{f.fan_in, f.fan_out};
  };
  CHECK(fans({}) == std::vector<double>{1, 1});
  CHECK(fans({7}) == std::vector<double>{7, 7});
  CHECK(fans({3, 5}) == std::vector<double>{3, 5});
  CHECK(fans({2, 3, 4, 5}) == std::vector<double>{24, 30});
  CHECK(fans({5, 4, 8}) == std::vector<double>{20, 40});
  // (fan_in + fan_out) / 2 is floored at 1: a scalar has limit sqrt(3).
  const double s = initializers::glorot_uniform(1)({}, DType::Float64).item<double>();
  CHECK(std::abs(s) <= std::sqrt(3.0));
  CHECK(initializers::glorot_uniform(1)({0, 4}, DType::Float32).shape() == Shape{0, 4});
}

TEST_CASE("initializer: seeds make values repeat", "[initializer]") {
  const Shape shape{20, 30};
  const auto same = [](const Tensor& a, const Tensor& b) { return as_doubles(a) == as_doubles(b); };
  CHECK(same(initializers::glorot_uniform(7)(shape, DType::Float32),
             initializers::glorot_uniform(7)(shape, DType::Float32)));
  CHECK_FALSE(same(initializers::glorot_uniform(7)(shape, DType::Float32),
                   initializers::glorot_uniform(8)(shape, DType::Float32)));
  const initializers::Initializer seeded = initializers::truncated_normal(0, 1, 3);
  CHECK(same(seeded(shape, DType::Float64), seeded(shape, DType::Float64)));
  // The seeded initializer is tf.random's op with that op seed.
  CHECK(same(initializers::random_normal(0.5, 2, 9)(shape, DType::Float32),
             random::normal(shape, 0.5, 2, DType::Float32, 9)));

  // Unseeded: consecutive calls differ, and the sequence repeats after set_seed.
  const initializers::Initializer unseeded = initializers::random_uniform();
  random::set_seed(123);
  const Tensor first = unseeded(shape, DType::Float32), second = unseeded(shape, DType::Float32);
  random::set_seed(123);
  CHECK(same(unseeded(shape, DType::Float32), first));
  CHECK(same(unseeded(shape, DType::Float32), second));
  CHECK_FALSE(same(first, second));
  random::clear_seed();
}

TEST_CASE("initializer: invalid parameters and dtypes", "[initializer]") {
  CHECK_THROWS_MATCHES(
      initializers::random_normal(0, 1)({2}, DType::Int32), InvalidArgument,
      Catch::Message("initializers::random_normal: dtype int32 is not supported (float32 or float64)"));
  CHECK_THROWS_MATCHES(initializers::glorot_uniform()({2, 2}, DType::Int64), InvalidArgument,
                       MessageContains("initializers::glorot_uniform: dtype int64 is not supported"));
  CHECK_THROWS_MATCHES(initializers::truncated_normal(0, -1), InvalidArgument,
                       Catch::Message("initializers::truncated_normal: mean must be finite and stddev finite and >= 0, "
                                      "got mean 0, stddev -1"));
  CHECK_THROWS_MATCHES(initializers::random_uniform(1, 1), InvalidArgument,
                       Catch::Message("initializers::random_uniform: the bounds must be finite with minval < maxval, "
                                      "got minval 1, maxval 1"));
  const Tensor ints = initializers::random_uniform(-5, 5, 1)({1000}, DType::Int32);
  CHECK(ints.dtype() == DType::Int32);
  CHECK(moments(ints).min == -5);
  CHECK(moments(ints).max == 4);
}

TEST_CASE("initializer: l2 regularizers", "[initializer]") {
  const Tensor w = constant({{1.0f, 2.0f}, {3.0f, -4.0f}});  // sum of squares 30
  const Tensor tf1 = regularizers::l2_regularizer(0.1)(w);
  CHECK(tf1.rank() == 0);
  CHECK(tf1.dtype() == DType::Float32);
  CHECK(tf1.item<double>() == Approx(1.5));
  CHECK(regularizers::l2(0.1)(w).item<double>() == Approx(3.0));
  CHECK(regularizers::l2_regularizer(0)(w).item<double>() == 0);
  CHECK(regularizers::l2_regularizer(0.5)(cast(w, DType::Float64)).dtype() == DType::Float64);
  CHECK_THROWS_MATCHES(regularizers::l2_regularizer(-1), InvalidArgument,
                       Catch::Message("regularizers::l2_regularizer: the scale must be finite and >= 0, got -1"));
  CHECK_THROWS_MATCHES(regularizers::l2(0.01)(constant({1, 2})), InvalidArgument,
                       MessageContains("l2_loss: t must be float32 or float64, got int32"));

  // d/dw scale * sum(w^2) / 2 = scale * w.
  Variable v(w, "w");
  GradientTape tape;
  const Tensor penalty = regularizers::l2_regularizer(0.1)(v);
  require_close(tape.gradient(penalty, v), {0.1, 0.2, 0.3, -0.4}, 1e-6);
}
