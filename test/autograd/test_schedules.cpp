// Learning-rate schedules against their formulas written out here, the
// staircase and boundary rules, and the conversion to LearningRate.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "eager/eager.hpp"

using namespace eager;
using eager::schedules::CosineDecay;
using eager::schedules::ExponentialDecay;
using eager::schedules::InverseTimeDecay;
using eager::schedules::PiecewiseConstant;

TEST_CASE("schedules: ExponentialDecay, smooth and staircase", "[schedule]") {
  const ExponentialDecay smooth{0.1, 10, 0.5};
  const ExponentialDecay stairs{0.1, 10, 0.5, true};
  for (std::int64_t step : {0, 1, 5, 9, 10, 25, 100}) {
    INFO("step " << step);
    CHECK(smooth(step) == Approx(0.1 * std::pow(0.5, static_cast<double>(step) / 10)).epsilon(1e-14));
    CHECK(stairs(step) == Approx(0.1 * std::pow(0.5, static_cast<double>(step / 10))).epsilon(1e-14));
  }
  CHECK(stairs(9) == 0.1);
  CHECK(stairs(10) == Approx(0.05));
  CHECK(smooth(5) == Approx(0.1 * std::sqrt(0.5)));
}

TEST_CASE("schedules: PiecewiseConstant uses the earlier value at a boundary", "[schedule]") {
  const PiecewiseConstant schedule({10, 20}, {1.0, 0.5, 0.1});
  CHECK(schedule(0) == 1.0);
  CHECK(schedule(10) == 1.0);
  CHECK(schedule(11) == 0.5);
  CHECK(schedule(20) == 0.5);
  CHECK(schedule(21) == 0.1);
  CHECK(schedule(100000) == 0.1);
  CHECK(schedule(-5) == 1.0);
  const PiecewiseConstant constant({}, {0.3});
  CHECK(constant(7) == 0.3);
}

TEST_CASE("schedules: PiecewiseConstant checks its boundaries and values", "[schedule]") {
  CHECK_THROWS_WITH(PiecewiseConstant({10, 20}, {1.0, 0.5}),
                    Catch::Contains("one more element") && Catch::Contains("2 boundaries and 2 values"));
  CHECK_THROWS_AS(PiecewiseConstant({10}, {1.0, 0.5, 0.1}), InvalidArgument);
  CHECK_THROWS_WITH(PiecewiseConstant({20, 10}, {1.0, 0.5, 0.1}), Catch::Contains("strictly increase"));
  CHECK_THROWS_AS(PiecewiseConstant({10, 10}, {1.0, 0.5, 0.1}), InvalidArgument);
  CHECK_THROWS_AS(PiecewiseConstant({10}, {1.0, std::nan("")}), InvalidArgument);
  // The members are public; a later edit that breaks the rule is caught at the call.
  PiecewiseConstant edited({10}, {1.0, 0.5});
  edited.values.pop_back();
  CHECK_THROWS_AS(edited(3), InvalidArgument);
}

TEST_CASE("schedules: CosineDecay at the start, middle, end and beyond", "[schedule]") {
  const CosineDecay schedule{0.1, 100, 0.1};
  auto expected = [](double step) {
    const double p = std::min(step, 100.0) / 100;
    return 0.1 * (0.9 * 0.5 * (1 + std::cos(std::numbers::pi * p)) + 0.1);
  };
  CHECK(schedule(0) == Approx(0.1));
  CHECK(schedule(50) == Approx(0.055));
  CHECK(schedule(100) == Approx(0.01));
  CHECK(schedule(150) == Approx(0.01));
  for (std::int64_t step : {1, 25, 75, 99})
    CHECK(schedule(step) == Approx(expected(static_cast<double>(step))).epsilon(1e-14));
  const CosineDecay to_zero{2.0, 10};
  CHECK(to_zero(10) == Approx(0).margin(1e-15));
  CHECK(to_zero(5) == Approx(1.0));
}

TEST_CASE("schedules: InverseTimeDecay, smooth and staircase", "[schedule]") {
  const InverseTimeDecay smooth{0.1, 10, 0.5};
  const InverseTimeDecay stairs{0.1, 10, 0.5, true};
  for (std::int64_t step : {0, 5, 10, 25, 1000}) {
    INFO("step " << step);
    CHECK(smooth(step) == Approx(0.1 / (1 + 0.5 * static_cast<double>(step) / 10)).epsilon(1e-14));
    CHECK(stairs(step) == Approx(0.1 / (1 + 0.5 * static_cast<double>(step / 10))).epsilon(1e-14));
  }
  CHECK(stairs(25) == Approx(0.05));
}

TEST_CASE("schedules: invalid parameters throw when evaluated", "[schedule]") {
  CHECK_THROWS_WITH((ExponentialDecay{0.1, 0, 0.5}(1)),
                    Catch::Contains("ExponentialDecay") && Catch::Contains("decay_steps must be positive"));
  CHECK_THROWS_WITH((CosineDecay{0.1, -3}(1)), Catch::Contains("CosineDecay") && Catch::Contains("got -3"));
  CHECK_THROWS_AS((InverseTimeDecay{0.1, 0, 0.5}(1)), InvalidArgument);
  CHECK_THROWS_WITH((ExponentialDecay{std::nan(""), 10, 0.5}(1)), Catch::Contains("initial_learning_rate"));
  CHECK_THROWS_WITH((InverseTimeDecay{0.1, 10, INFINITY}(1)), Catch::Contains("decay_rate"));
  CHECK_THROWS_WITH((CosineDecay{0.1, 10, std::nan("")}(1)), Catch::Contains("alpha"));
}

TEST_CASE("schedules: every schedule, a lambda and a number convert to LearningRate", "[schedule]") {
  using optimizers::LearningRate;
  const LearningRate exponential = ExponentialDecay{0.1, 10, 0.5, true};
  CHECK(exponential(25) == Approx(0.025));
  const LearningRate piecewise = PiecewiseConstant({10}, {1.0, 0.5});
  CHECK(piecewise(11) == 0.5);
  const LearningRate cosine = CosineDecay{0.1, 100};
  CHECK(cosine(100) == Approx(0).margin(1e-15));
  const LearningRate inverse = InverseTimeDecay{0.1, 10, 1.0};
  CHECK(inverse(10) == Approx(0.05));
  const LearningRate lambda = [](std::int64_t step) { return 1.0 / static_cast<double>(step + 1); };
  CHECK(lambda(3) == 0.25);
  const LearningRate number = 0.01;
  CHECK(number(12345) == 0.01);
  const LearningRate integer = 1;
  CHECK(integer(0) == 1.0);
  CHECK_THROWS_WITH(LearningRate(std::nan("")), Catch::Contains("must be finite"));
  CHECK_THROWS_AS(LearningRate(std::function<double(std::int64_t)>()), InvalidArgument);
}
