// Optimizers: variable and slot values after three steps against the update
// formulas run here in double precision, for float32 and float64 variables
// with a schedule as the learning rate; slot names; skipped gradients; the
// all-or-nothing checks and their messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::names_of;
using eager::test::as_doubles;
using eager::test::require_close;
using eager::test::rtol_for;

namespace {

constexpr int kSteps = 3;
const Shape kShape{2, 3};
const std::vector<double> kInitial{0.5, -1.0, 2.0, -0.25, 0.0, 1.5};

// A different gradient at every step, with both signs and a zero.
Tensor gradient_at(int step, DType dtype) {
  std::vector<double> g(kInitial.size());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(1.3 * static_cast<double>(i) + step) * (step + 1);
  g[4] = 0;
  return constant(g, kShape, dtype);
}

// The learning rate every test uses: a schedule, so that each step differs.
const schedules::ExponentialDecay kSchedule{0.1, 1, 0.5};

Variable make_variable(DType dtype, const std::string& name = "w") {
  return Variable(constant(kInitial, kShape, dtype), name);
}

void require_matches(const Variable& v, const std::vector<double>& expected) {
  INFO("variable " << v.name());
  require_close(v.handle(), expected, rtol_for(v.dtype()), v.dtype() == DType::Float32 ? 1e-6 : 1e-13);
}

// Runs kSteps updates of `opt` on a fresh variable; before each, `reference`
// advances the double-precision model by one step with the gradient values the
// optimizer sees and the scheduled learning rate.
using ReferenceStep = std::function<void(std::vector<double>& var, const std::vector<double>& grad, double lr, int t)>;
Variable run_steps(optimizers::Optimizer& opt, DType dtype, std::vector<double>& expected,
                   const ReferenceStep& reference) {
  Variable w = make_variable(dtype);
  expected = as_doubles(w.handle());
  for (int t = 0; t < kSteps; ++t) {
    const Tensor g = gradient_at(t, dtype);
    const double lr = kSchedule(t);
    CHECK(opt.learning_rate() == Approx(lr).epsilon(1e-15));
    reference(expected, as_doubles(g), lr, t);
    opt.apply_gradients({g}, {w});
  }
  CHECK(opt.iterations().handle().item<std::int64_t>() == kSteps);
  return w;
}

}  // namespace

TEST_CASE("optimizers: SGD follows var -= lr * g", "[optimizer]") {
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  optimizers::SGD sgd(kSchedule);
  std::vector<double> expected;
  Variable w = run_steps(sgd, dtype, expected, [](auto& var, const auto& g, double lr, int) {
    for (std::size_t i = 0; i < var.size(); ++i) var[i] -= lr * g[i];
  });
  require_matches(w, expected);
  CHECK(names_of(sgd.variables()) == std::vector<std::string>{"SGD/iterations"});
  CHECK(sgd.get_slot_names().empty());
  CHECK(sgd.iterations().dtype() == DType::Int64);
  CHECK_FALSE(sgd.iterations().trainable());
  CHECK(sgd.name() == "SGD");
}

TEST_CASE("optimizers: Momentum, plain and Nesterov", "[optimizer]") {
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  const bool nesterov = GENERATE(false, true);
  INFO("nesterov " << nesterov);
  const double momentum = 0.9;
  optimizers::Momentum opt(kSchedule, momentum, nesterov);
  std::vector<double> expected, accum(kInitial.size(), 0.0);
  Variable w = run_steps(opt, dtype, expected, [&](auto& var, const auto& g, double lr, int) {
    for (std::size_t i = 0; i < var.size(); ++i) {
      accum[i] = momentum * accum[i] + g[i];
      var[i] -= nesterov ? lr * (g[i] + momentum * accum[i]) : lr * accum[i];
    }
  });
  require_matches(w, expected);
  require_matches(opt.get_slot(w, "momentum"), accum);
  CHECK(names_of(opt.variables()) == std::vector<std::string>{"Momentum/iterations", "w/Momentum"});
  CHECK_FALSE(opt.get_slot(w, "momentum").trainable());
}

TEST_CASE("optimizers: Adam with Keras's bias correction", "[optimizer]") {
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  const double beta1 = 0.8, beta2 = 0.95, epsilon = 1e-3;
  optimizers::Adam adam(kSchedule, beta1, beta2, epsilon);
  std::vector<double> expected, m(kInitial.size(), 0.0), v(kInitial.size(), 0.0);
  Variable w = run_steps(adam, dtype, expected, [&](auto& var, const auto& g, double lr, int step) {
    const double t = step + 1;
    const double lr_t = lr * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t));
    for (std::size_t i = 0; i < var.size(); ++i) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      var[i] -= lr_t * m[i] / (std::sqrt(v[i]) + epsilon);
    }
  });
  require_matches(w, expected);
  require_matches(adam.get_slot(w, "m"), m);
  require_matches(adam.get_slot(w, "v"), v);
  CHECK(names_of(adam.variables()) == std::vector<std::string>{"Adam/iterations", "w/Adam/m", "w/Adam/v"});
}

TEST_CASE("optimizers: Adam's first step moves each element by about lr", "[optimizer]") {
  // With bias correction, m / sqrt(v) is g / |g| at t = 1 whatever beta1 and
  // beta2 are: the step is lr * sign(g) (up to epsilon), not (1 - beta1) * lr.
  optimizers::Adam adam(0.01, 0.9, 0.999, 1e-12);
  Variable w(constant({1.0, 1.0, 1.0}), "w");
  adam.apply_gradients({constant({0.003, -40.0, 0.0})}, {w});
  require_close(w.handle(), {0.99, 1.01, 1.0}, 1e-9, 1e-9);
}

TEST_CASE("optimizers: RMSProp plain, centered, with momentum and both", "[optimizer]") {
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  const bool centered = GENERATE(false, true);
  const double momentum = GENERATE(0.0, 0.7);
  INFO("centered " << centered << ", momentum " << momentum);
  const double rho = 0.8, epsilon = 1e-2;
  optimizers::RMSProp opt(kSchedule, rho, momentum, epsilon, centered);
  std::vector<double> expected, rms(kInitial.size(), 0.0), mom(kInitial.size(), 0.0), mg(kInitial.size(), 0.0);
  Variable w = run_steps(opt, dtype, expected, [&](auto& var, const auto& g, double lr, int) {
    for (std::size_t i = 0; i < var.size(); ++i) {
      rms[i] = rho * rms[i] + (1 - rho) * g[i] * g[i];
      double denom = rms[i];
      if (centered) {
        mg[i] = rho * mg[i] + (1 - rho) * g[i];
        denom = rms[i] - mg[i] * mg[i];
      }
      if (momentum > 0) {
        mom[i] = momentum * mom[i] + lr * g[i] / std::sqrt(denom + epsilon);
        var[i] -= mom[i];
      } else {
        var[i] -= lr * g[i] / (std::sqrt(denom) + epsilon);
      }
    }
  });
  require_matches(w, expected);
  require_matches(opt.get_slot(w, "rms"), rms);
  std::vector<std::string> names{"RMSprop/iterations", "w/RMSprop/rms"};
  if (momentum > 0) {
    require_matches(opt.get_slot(w, "momentum"), mom);
    names.push_back("w/RMSprop/momentum");
  } else {
    CHECK_THROWS_AS(opt.get_slot(w, "momentum"), NotFound);
  }
  if (centered) {
    require_matches(opt.get_slot(w, "mg"), mg);
    names.push_back("w/RMSprop/mg");
  }
  CHECK(names_of(opt.variables()) == names);
}

TEST_CASE("optimizers: gradients of the other float dtype, views and pair lists", "[optimizer]") {
  optimizers::SGD sgd(0.5, "descent");
  Variable a(constant({{1.0f, 2.0f}, {3.0f, 4.0f}}), "a");
  Variable b(constant({10.0, 20.0}), "b");
  // A float64 gradient for a float32 variable, and a transposed (non-contiguous) one.
  const Tensor ga = transpose(constant({{2.0, 4.0}, {6.0, 8.0}}));
  REQUIRE_FALSE(ga.is_contiguous());
  sgd.apply_gradients({{ga, a}, {constant({2.0f, -2.0f}), b}});
  require_close(a.handle(), {0, -1, 1, 0});
  CHECK(a.dtype() == DType::Float32);
  require_close(b.handle(), {9, 21});
  CHECK(names_of(sgd.variables()) == std::vector<std::string>{"descent/iterations"});
  // A variable's own value as its gradient: var -= 0.5 * var.
  sgd.apply_gradients({b.value()}, {b});
  require_close(b.handle(), {4.5, 10.5});
}

TEST_CASE("optimizers: undefined gradients are skipped", "[optimizer]") {
  optimizers::Adam adam(0.1);
  Variable w = make_variable(DType::Float32, "w");
  Variable frozen = make_variable(DType::Float32, "frozen");
  adam.apply_gradients({gradient_at(0, DType::Float32), Tensor()}, {w, frozen});
  require_close(frozen.handle(), kInitial);
  CHECK(as_doubles(w.handle()) != kInitial);
  CHECK(adam.iterations().handle().item<std::int64_t>() == 1);
  CHECK_THROWS_WITH(adam.get_slot(frozen, "m"), Catch::Contains("'frozen' has no slots"));
  CHECK(names_of(adam.variables()) == std::vector<std::string>{"Adam/iterations", "w/Adam/m", "w/Adam/v"});
  CHECK_THROWS_WITH(adam.apply_gradients({Tensor(), Tensor()}, {w, frozen}),
                    Catch::Contains("no gradients provided for any variable: ['w', 'frozen']"));
  CHECK(adam.iterations().handle().item<std::int64_t>() == 1);
}

TEST_CASE("optimizers: updates are not seen by gradient tapes", "[optimizer]") {
  optimizers::Momentum opt(0.1, 0.5);
  Variable w = make_variable(DType::Float32);
  GradientTape tape;
  opt.apply_gradients({gradient_at(0, DType::Float32)}, {w});
  // Reading w through value() would have made the tape watch it.
  CHECK(tape.watched_variables().empty());
}

TEST_CASE("optimizers: the iterations variable drives the schedule", "[optimizer]") {
  optimizers::SGD sgd(schedules::PiecewiseConstant({1}, {1.0, 0.1}));
  CHECK(sgd.learning_rate() == 1.0);
  sgd.iterations().assign(Scalar(std::int64_t{5}));
  CHECK(sgd.learning_rate() == 0.1);
  Variable w(constant({1.0}), "w");
  sgd.apply_gradients({constant({1.0})}, {w});
  require_close(w.handle(), {0.9});
  CHECK(sgd.iterations().handle().item<std::int64_t>() == 6);
}

TEST_CASE("optimizers: bad arguments throw and change nothing", "[optimizer]") {
  optimizers::Adam adam(0.1);
  Variable w = make_variable(DType::Float32, "w");
  Variable v = make_variable(DType::Float64, "v");
  const Tensor g = gradient_at(0, DType::Float32);
  // The first pair is fine; the second fails, and w must not have moved.
  CHECK_THROWS_WITH(adam.apply_gradients({g, constant({1.0, 2.0})}, {w, v}),
                    Catch::Contains("Adam.apply_gradients") && Catch::Contains("variable 'v'") &&
                        Catch::Contains("shape (2,)"));
  require_close(w.handle(), kInitial);
  CHECK(adam.variables().size() == 1);
  CHECK(adam.iterations().handle().item<std::int64_t>() == 0);

  Variable counter(constant({1, 2}), "counter");
  CHECK_THROWS_WITH(adam.apply_gradients({constant({1.0f, 1.0f})}, {counter}),
                    Catch::Contains("'counter'") && Catch::Contains("not floating point"));
  CHECK_THROWS_WITH(adam.apply_gradients({constant({1, 2, 3, 4, 5, 6}).reshape({2, 3})}, {w}),
                    Catch::Contains("gradients must be floating point"));
  CHECK_THROWS_WITH(adam.apply_gradients({g, g}, {w}), Catch::Contains("2 gradients for 1 variables"));
  CHECK_THROWS_WITH(adam.apply_gradients({g}, {Variable()}), Catch::Contains("variable 0 is undefined"));

  optimizers::SGD diverging([](std::int64_t) { return std::nan(""); });
  CHECK_THROWS_WITH(diverging.apply_gradients({g}, {w}), Catch::Contains("learning rate at step 0 is nan"));
  require_close(w.handle(), kInitial);
}

TEST_CASE("optimizers: hyperparameters are checked on construction", "[optimizer]") {
  CHECK_THROWS_WITH(optimizers::Momentum(0.1, -0.5), Catch::Contains("Momentum: momentum must lie in [0, 1]"));
  CHECK_THROWS_AS(optimizers::Momentum(0.1, std::nan("")), InvalidArgument);
  CHECK_THROWS_WITH(optimizers::Adam(0.1, 1.0), Catch::Contains("beta1 must lie in [0, 1)"));
  CHECK_THROWS_WITH(optimizers::Adam(0.1, 0.9, -0.1), Catch::Contains("beta2"));
  CHECK_THROWS_WITH(optimizers::Adam(0.1, 0.9, 0.999, 0.0), Catch::Contains("epsilon must be positive"));
  CHECK_THROWS_WITH(optimizers::RMSProp(0.1, 1.5), Catch::Contains("RMSprop: rho"));
  CHECK_THROWS_WITH(optimizers::RMSProp(0.1, 0.9, 0.0, -1e-7), Catch::Contains("epsilon"));
  CHECK_THROWS_WITH(optimizers::SGD(std::nan("")), Catch::Contains("must be finite"));
  CHECK_THROWS_WITH(optimizers::SGD(0.1, ""), Catch::Contains("name must not be empty"));
  // Negative learning rates are allowed, as in TensorFlow (gradient ascent).
  optimizers::SGD ascent(-1.0);
  Variable w(constant({1.0}), "w");
  ascent.apply_gradients({constant({2.0})}, {w});
  require_close(w.handle(), {3.0});
}

TEST_CASE("optimizers: large variables take the parallel path", "[optimizer]") {
  // Above the kernels' parallel grain, with a length that is not a multiple
  // of any vector width.
  const std::int64_t n = (1 << 17) + 3;
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  Variable w(test::random_tensor({n}, dtype, 7), "big");
  const Tensor g = test::random_tensor({n}, dtype, 8);
  const std::vector<double> w0 = as_doubles(w.handle()), gv = as_doubles(g);
  optimizers::Adam adam(0.01, 0.9, 0.999, 1e-3);
  adam.apply_gradients({g}, {w});
  std::vector<double> expected(w0.size());
  const double step_size = 0.01 * std::sqrt(1 - 0.999) / (1 - 0.9);
  for (std::size_t i = 0; i < w0.size(); ++i)
    expected[i] = w0[i] - step_size * (0.1 * gv[i]) / (std::sqrt(0.001 * gv[i] * gv[i]) + 1e-3);
  require_close(w.handle(), expected, rtol_for(dtype), 1e-6);
}

TEST_CASE("optimizers: slot and step names ignore the current name scope", "[optimizer]") {
  NameScope outer("train");
  optimizers::Adam adam(0.1);
  Variable w(constant({1.0}), "w");
  REQUIRE(w.name() == "train/w");
  adam.apply_gradients({constant({1.0})}, {w});
  CHECK(names_of(adam.variables()) ==
        std::vector<std::string>{"Adam/iterations", "train/w/Adam/m", "train/w/Adam/v"});
}
