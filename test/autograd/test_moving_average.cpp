// ExponentialMovingAverage: shadow values against decay * s + (1 - decay) * v
// computed here, the num_updates rule, names, variables_to_restore and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::require_close;
using eager::test::rtol_for;

namespace {

// s = decay * s + (1 - decay) * v, elementwise.
void average_into(std::vector<double>& shadow, const std::vector<double>& value, double decay) {
  for (std::size_t i = 0; i < shadow.size(); ++i) shadow[i] = decay * shadow[i] + (1 - decay) * value[i];
}

}  // namespace

TEST_CASE("ema: a fixed decay; the shadow starts as a copy", "[ema]") {
  const DType dtype = GENERATE(DType::Float32, DType::Float64);
  ExponentialMovingAverage ema(0.9);
  CHECK(ema.decay() == 0.9);
  std::vector<double> value{1.0, 2.0, -4.0};
  Variable w(constant(value, {3}, dtype), "w");
  ema.apply({w});
  Variable shadow = ema.average(w);
  require_close(shadow.handle(), value);
  CHECK(shadow.name() == "w/ExponentialMovingAverage");
  CHECK_FALSE(shadow.trainable());
  CHECK(shadow.dtype() == dtype);
  CHECK_FALSE(shadow.handle().shares_storage_with(w.handle()));

  std::vector<double> expected = value;
  for (int step = 1; step <= 3; ++step) {
    value = {value[0] * 3 + step, value[1] - 5, value[2] * -0.5};
    w.assign(constant(value, {3}, dtype));
    // Until apply(), the shadow does not follow the variable.
    require_close(shadow.handle(), expected, rtol_for(dtype));
    ema.apply({w});
    average_into(expected, value, 0.9);
  }
  require_close(shadow.handle(), expected, rtol_for(dtype));
  CHECK(ema.average(w).is_same(shadow));
}

TEST_CASE("ema: num_updates lowers the decay early on", "[ema]") {
  Variable n(scalar(0, DType::Int64), "step", false);
  ExponentialMovingAverage ema(0.5, n);
  CHECK(ema.decay() == Approx(0.1));  // min(0.5, 1 / 10)
  Variable w(constant({10.0, -10.0}), "w");
  ema.apply({w});
  std::vector<double> expected{10.0, -10.0};

  n.assign(Scalar(3));
  const double decay3 = 4.0 / 13.0;
  CHECK(ema.decay() == Approx(decay3));
  w.assign(constant({0.0, 1.0}));
  ema.apply({w});
  average_into(expected, {0.0, 1.0}, decay3);
  require_close(ema.average(w).handle(), expected, 1e-12);

  n.assign(Scalar(20));
  CHECK(ema.decay() == 0.5);  // (1 + 20) / (10 + 20) = 0.7 is above decay
  w.assign(constant({2.0, 2.0}));
  ema.apply({w});
  average_into(expected, {2.0, 2.0}, 0.5);
  require_close(ema.average(w).handle(), expected, 1e-12);
}

TEST_CASE("ema: an optimizer's iterations as num_updates", "[ema]") {
  optimizers::SGD sgd(0.5);
  ExponentialMovingAverage ema(0.99, sgd.iterations());
  Variable w(constant({1.0f, 2.0f}), "w");
  std::vector<double> expected, value{1.0, 2.0};
  for (int step = 0; step < 3; ++step) {
    sgd.apply_gradients({constant({1.0f, -1.0f})}, {w});
    value = {value[0] - 0.5, value[1] + 0.5};
    const double n = step + 1;
    const double decay = std::min(0.99, (1 + n) / (10 + n));
    CHECK(ema.decay() == Approx(decay));
    ema.apply({w});
    // The first apply() only creates the shadow, a copy of the value.
    if (step == 0) expected = value;
    else average_into(expected, value, decay);
  }
  require_close(ema.average(w).handle(), expected, rtol_for(DType::Float32));
}

TEST_CASE("ema: names, variables and variables_to_restore", "[ema]") {
  ExponentialMovingAverage ema(0.9, std::nullopt, "ema");
  CHECK(ema.name() == "ema");
  Variable w(constant({1.0}), "dense/kernel");
  Variable b(constant({2.0f}), "dense/bias");
  Variable unused(constant({3.0}), "other");
  ema.apply({w, b});
  CHECK(ema.average_name(w) == "dense/kernel/ema");
  CHECK(ema.average_name(unused) == "other/ema");
  const auto shadows = ema.variables();
  REQUIRE(shadows.size() == 2);
  CHECK(shadows[0].name() == "dense/kernel/ema");
  CHECK(shadows[1].name() == "dense/bias/ema");
  CHECK(shadows[1].dtype() == DType::Float32);

  const auto restore = ema.variables_to_restore({w, b, w});
  REQUIRE(restore.size() == 2);
  CHECK(restore.at("dense/kernel/ema").is_same(w));
  CHECK(restore.at("dense/bias/ema").is_same(b));
  Variable twin(constant({0.0}), "dense/kernel");
  CHECK_THROWS_WITH(ema.variables_to_restore({w, twin}),
                    Catch::Contains("two different variables") && Catch::Contains("'dense/kernel/ema'"));
}

TEST_CASE("ema: shadows are named average_name() inside a name scope too", "[ema]") {
  ExponentialMovingAverage ema(0.9);
  Variable w(constant({1.0}), "w");
  NameScope scope("eval");
  ema.apply({w});
  CHECK(ema.average(w).name() == "w/ExponentialMovingAverage");
  CHECK(ema.average(w).name() == ema.average_name(w));
}

TEST_CASE("ema: errors", "[ema]") {
  CHECK_THROWS_WITH(ExponentialMovingAverage(1.5), Catch::Contains("decay must lie in [0, 1], got 1.5"));
  CHECK_THROWS_AS(ExponentialMovingAverage(std::nan("")), InvalidArgument);
  CHECK_THROWS_WITH(ExponentialMovingAverage(0.9, Variable(constant({1.0f}), "steps")),
                    Catch::Contains("num_updates 'steps' must be an integer scalar"));
  CHECK_THROWS_AS(ExponentialMovingAverage(0.9, Variable(constant({1, 2}), "steps")), InvalidArgument);
  CHECK_THROWS_AS(ExponentialMovingAverage(0.9, Variable()), InvalidArgument);
  CHECK_THROWS_AS(ExponentialMovingAverage(0.9, std::nullopt, ""), InvalidArgument);

  ExponentialMovingAverage ema(0.9);
  Variable w(constant({1.0, 2.0}), "w");
  Variable fresh(constant({5.0}), "fresh");
  ema.apply({w});
  CHECK_THROWS_WITH(ema.average(fresh), Catch::Contains("'fresh' has no moving average"));
  CHECK_THROWS_AS(ema.average(fresh), NotFound);
  // An integer variable fails the whole call before any shadow changes or appears.
  Variable counter(constant({1, 2}), "counter");
  w.assign(constant({11.0, 12.0}));
  CHECK_THROWS_WITH(ema.apply({w, fresh, counter}), Catch::Contains("'counter'") && Catch::Contains("float32"));
  require_close(ema.average(w).handle(), {1.0, 2.0});
  CHECK_THROWS_AS(ema.average(fresh), NotFound);
  CHECK(ema.variables().size() == 1);
}

TEST_CASE("ema: apply is not seen by gradient tapes", "[ema]") {
  ExponentialMovingAverage ema(0.9);
  Variable w(constant({1.0, 2.0}), "w");
  GradientTape tape;
  ema.apply({w});
  ema.apply({w});
  CHECK(tape.watched_variables().empty());
}
