// Tape semantics: what is recorded, persistence, nesting, pausing, unconnected
// sources, variable watching, custom gradients and the errors.
#include <catch2/catch.hpp>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::require_close;

TEST_CASE("tape: gradient of a simple expression", "[autograd][tape]") {
  Tensor x = constant({1.0f, 2.0f, 3.0f});
  GradientTape tape;
  tape.watch(x);
  Tensor y = reduce_sum(x * x + x);
  require_close(tape.gradient(y, x), {3, 5, 7});
}

TEST_CASE("tape: non-scalar targets are summed; output_gradient seeds", "[autograd][tape]") {
  Tensor x = constant({1.0, 2.0});
  {
    GradientTape tape;
    tape.watch(x);
    Tensor y = x * x;
    require_close(tape.gradient(y, x), {2, 4});
  }
  {
    GradientTape tape;
    tape.watch(x);
    Tensor y = x * x;
    require_close(tape.gradient(y, {x}, UnconnectedGradients::None, constant({10.0, 100.0}))[0], {20, 400});
  }
}

TEST_CASE("tape: unwatched tensors are not recorded", "[autograd][tape]") {
  Tensor x = constant({1.0f, 2.0f});
  Tensor z = constant({5.0f, 6.0f});
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * z;
  auto g = tape.gradient(y, {x, z});
  require_close(g[0], {5, 6});
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("tape: unconnected sources give none or zeros", "[autograd][tape]") {
  Tensor x = constant({1.0f, 2.0f});
  Tensor u = constant({3.0f});
  GradientTape tape(true);
  tape.watch(x);
  tape.watch(u);
  Tensor y = exp(x);
  CHECK_FALSE(tape.gradient(y, u).defined());
  Tensor zero = tape.gradient(y, u, UnconnectedGradients::Zero);
  REQUIRE(zero.defined());
  require_close(zero, std::vector<double>{0});
}

TEST_CASE("tape: non-persistent tapes allow one gradient call", "[autograd][tape]") {
  Tensor x = constant({2.0f});
  GradientTape tape;
  tape.watch(x);
  Tensor y = x * x;
  tape.gradient(y, x);
  CHECK_THROWS_AS(tape.gradient(y, x), FailedPrecondition);
}

TEST_CASE("tape: persistent tapes allow several calls", "[autograd][tape]") {
  Tensor x = constant({3.0f});
  GradientTape tape(true);
  tape.watch(x);
  Tensor y = x * x;
  Tensor z = y * y;
  require_close(tape.gradient(z, x), {108});
  require_close(tape.gradient(y, x), {6});
  require_close(tape.gradient(z, y), {18});
}

TEST_CASE("tape: nested tapes give second derivatives", "[autograd][tape]") {
  Tensor x = constant({3.0});
  GradientTape outer;
  outer.watch(x);
  Tensor dy;
  {
    GradientTape inner;
    inner.watch(x);
    Tensor y = x * x * x;
    dy = inner.gradient(y, x);  // 3x^2 = 27
  }
  require_close(dy, {27});
  require_close(outer.gradient(dy, x), {18});  // 6x
}

TEST_CASE("tape: a persistent tape differentiates its own gradient", "[autograd][tape]") {
  Tensor x = constant({2.0});
  GradientTape tape(true);
  tape.watch(x);
  Tensor y = exp(x * x);
  Tensor dy = tape.gradient(y, x);  // 2x e^{x^2}
  Tensor d2y = tape.gradient(dy, x);  // (2 + 4x^2) e^{x^2}
  require_close(dy, {4 * std::exp(4.0)}, 1e-12);
  require_close(d2y, {18 * std::exp(4.0)}, 1e-12);
}

TEST_CASE("tape: stop_recording, stop_gradient and NoGradient", "[autograd][tape]") {
  Tensor x = constant({2.0f});
  GradientTape tape(true);
  tape.watch(x);
  Tensor a = x * x;
  Tensor b;
  {
    auto pause = tape.stop_recording();
    b = a * x;
  }
  CHECK_FALSE(tape.gradient(b, x).defined());
  Tensor c = stop_gradient(a) * x;  // d/dx = a = 4
  require_close(tape.gradient(c, x), {4});
  Tensor d;
  {
    NoGradient quiet;
    d = x * x;
  }
  CHECK_FALSE(tape.gradient(d, x).defined());
  Tensor e = x * x;  // recording again
  require_close(tape.gradient(e, x), {4});
}

TEST_CASE("tape: trainable variables are watched when read", "[autograd][tape][variable]") {
  Variable w(constant({1.0f, 2.0f}), "w");
  Variable frozen(constant({3.0f, 4.0f}), "frozen", false);
  {
    GradientTape tape;
    Tensor y = reduce_sum(w * frozen);
    auto g = tape.gradient(y, std::vector<Variable>{w, frozen});
    require_close(g[0], {3, 4});
    CHECK_FALSE(g[1].defined());
  }
  {
    GradientTape tape(false, false);
    Tensor y = reduce_sum(w * w);
    CHECK_FALSE(tape.gradient(y, w).defined());
    CHECK(tape.watched_variables().empty());
  }
  {
    GradientTape tape;
    Tensor y = reduce_sum(w * w);
    REQUIRE(tape.watched_variables().size() == 1);
    CHECK(tape.watched_variables()[0].is_same(w));
    require_close(tape.gradient(y, w), {2, 4});
  }
}

TEST_CASE("tape: integer targets and sources are refused", "[autograd][tape]") {
  Tensor i = constant({1, 2});
  Tensor x = constant({1.0f});
  GradientTape tape(true);
  CHECK_THROWS_AS(tape.watch(i), InvalidArgument);
  tape.watch(x);
  Tensor y = x * x;
  CHECK_THROWS_WITH(tape.gradient(y, i), Catch::Contains("int32") && Catch::Contains("floating"));
  CHECK_THROWS_AS(tape.gradient(cast(y, DType::Int32), x), InvalidArgument);
}

TEST_CASE("tape: gradients flow through integer-free broadcasting", "[autograd][tape]") {
  Tensor x = constant({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  Tensor b = constant({1.0f, 1.0f, 1.0f});
  Tensor s = scalar(2.0f);
  GradientTape tape;
  tape.watch(b);
  tape.watch(s);
  Tensor y = (x + b) * s;
  auto g = tape.gradient(y, {b, s});
  require_close(g[0], {4, 4, 4});
  require_close(g[1], {27});
}

TEST_CASE("tape: custom_gradient uses the user's backward", "[autograd][tape]") {
  Tensor x = constant({1.0, 2.0});
  auto clip_grad = [](const std::vector<Tensor>& in) {
    CustomGradientResult r;
    r.outputs = {in[0] * in[0]};
    Tensor saved = in[0];
    r.backward = [saved](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{g[0] * saved * 3.0};  // deliberately not 2x
    };
    return r;
  };
  GradientTape outer;
  outer.watch(x);
  Tensor dy;
  {
    GradientTape tape;
    tape.watch(x);
    Tensor y = custom_gradient({x}, clip_grad)[0];
    require_close(y, {1, 4});
    dy = tape.gradient(y, x);
  }
  require_close(dy, {3, 6});
  require_close(outer.gradient(dy, x), {3, 3});  // the backward is itself differentiable
}

TEST_CASE("tape: custom_gradient checks what the backward returns", "[autograd][tape]") {
  Tensor x = constant({1.0, 2.0});
  GradientTape tape;
  tape.watch(x);
  Tensor y = custom_gradient({x}, [](const std::vector<Tensor>& in) {
    return CustomGradientResult{{in[0]}, [](const std::vector<Tensor>&) { return std::vector<Tensor>{constant({1.0})}; }};
  })[0];
  CHECK_THROWS_WITH(tape.gradient(y, x), Catch::Contains("custom_gradient") && Catch::Contains("shape"));
}

TEST_CASE("gradient checker: passes correct rules and reports wrong ones", "[autograd][gradcheck]") {
  Tensor a = constant({0.5, -1.0, 2.0});
  Tensor b = constant({1.5, 0.25, -0.75});
  auto good = check_gradients([](const std::vector<Tensor>& x) { return exp(x[0]) * x[1] - x[0]; }, {a, b});
  INFO(good.report());
  CHECK(good.ok);
  CHECK(good.elements.size() == 6);
  auto bad = check_gradients(
      [](const std::vector<Tensor>& x) {
        return custom_gradient({x[0]}, [](const std::vector<Tensor>& in) {
                 return CustomGradientResult{{in[0] * in[0]}, [](const std::vector<Tensor>& g) {
                                               return std::vector<Tensor>{g[0]};
                                             }};
               })[0];
      },
      {a});
  CHECK_FALSE(bad.ok);
  CHECK_THAT(bad.report(), Catch::Contains("input 0 element 1") && Catch::Contains("gradients differ"));
}

TEST_CASE("gradient checker: second order through a nested tape", "[autograd][gradcheck]") {
  Tensor a = constant({0.3, -0.7});
  auto result = check_gradients(
      [](const std::vector<Tensor>& x) {
        GradientTape inner;
        inner.watch(x[0]);
        Tensor y = exp(x[0]) * x[0];
        return inner.gradient(y, x[0]);
      },
      {a});
  INFO(result.report());
  CHECK(result.ok);
}

TEST_CASE("variable: assign keeps dtype and shape and refuses bad values", "[autograd][variable]") {
  Variable v(constant({1.0f, 2.0f}), "v");
  CHECK(v.name() == "v");
  CHECK(v.trainable());
  Tensor live = v.value();
  Tensor snapshot = v.read_value();
  v.assign(constant({3.0, 4.0}));
  CHECK(v.dtype() == DType::Float32);
  require_close(live, {3, 4});
  require_close(snapshot, {1, 2});
  v.assign_add(constant({1.0f, 1.0f}));
  v.assign_sub(scalar(0.5f));
  require_close(v.value(), {3.5, 4.5});
  v.assign(7);
  require_close(v.value(), {7, 7});
  CHECK_THROWS_WITH(v.assign(constant({1.0f, 2.0f, 3.0f})), Catch::Contains("'v'") && Catch::Contains("(3,)"));
  CHECK_THROWS_AS(v.assign_add(constant({{1.0f, 2.0f}, {3.0f, 4.0f}})), InvalidArgument);
  require_close(v.value(), {7, 7});
  v.assign(reverse(v.value(), {0}) + constant({0.0f, 1.0f}));
  require_close(v.value(), {7, 8});
  Variable none;
  CHECK_THROWS_AS(none.value(), InvalidArgument);
  CHECK_THROWS_AS(Variable(Tensor(), "x"), InvalidArgument);
}

TEST_CASE("tape: braced lists of tensors or variables as sources", "[autograd][tape]") {
  Tensor x = constant({1.0f, 2.0f});
  Tensor y = constant({3.0f, 4.0f});
  Variable w(constant({5.0f, 6.0f}), "w");
  GradientTape tape(true);
  tape.watch(x);
  tape.watch(y);
  Tensor z = reduce_sum(x * y * w);
  auto by_tensor = tape.gradient(z, {x, y});
  require_close(by_tensor[0], {15, 24});
  require_close(by_tensor[1], {5, 12});
  auto by_variable = tape.gradient(z, {w});
  require_close(by_variable[0], {3, 8});
}

TEST_CASE("tape: guards may end in any order", "[autograd][tape]") {
  Tensor x = constant({2.0f});
  GradientTape tape(true);
  tape.watch(x);
  {
    auto first = std::make_unique<NoGradient>();
    auto second = std::make_unique<NoGradient>();
    first.reset();
    CHECK_FALSE(tape.gradient(x * x, x).defined());
    second.reset();
  }
  require_close(tape.gradient(x * x, x), {4});
  {
    auto first = std::make_unique<GradientTape::Pause>(tape);
    auto second = std::make_unique<GradientTape::Pause>(tape);
    first.reset();
    CHECK_FALSE(tape.gradient(x * x, x).defined());
    second.reset();
  }
  require_close(tape.gradient(x * x, x), {4});
}

TEST_CASE("tape: a failing gradient rule leaves a non-persistent tape finished", "[autograd][tape]") {
  Tensor x = constant({1.0});
  GradientTape tape;
  tape.watch(x);
  Tensor y = custom_gradient({x}, [](const std::vector<Tensor>& in) {
    return CustomGradientResult{{in[0] * 2.0}, [](const std::vector<Tensor>&) -> std::vector<Tensor> {
                                  throw DataLoss("backward failed");
                                }};
  })[0];
  CHECK_THROWS_AS(tape.gradient(y, x), DataLoss);
  CHECK_THROWS_AS(tape.gradient(y, x), FailedPrecondition);
}

TEST_CASE("variable: its initial value starts a new history; read_value is recorded", "[autograd][variable]") {
  Tensor x = constant({3.0f});
  GradientTape tape(true);
  tape.watch(x);
  Variable v(x * 2.0f, "v");
  CHECK_FALSE(tape.gradient(v.value() * 1.0f, x).defined());
  require_close(tape.gradient(v.read_value() * 5.0f, v), {5});
}

TEST_CASE("variable: scalar assignment in the variable's own dtype", "[autograd][variable]") {
  Variable d(constant({0.0, 0.0}), "d");
  d.assign(0.1);
  CHECK(d.value().to_vector<double>()[0] == 0.1);
  Variable big(scalar(0, DType::Int64), "big");
  big.assign(std::int64_t{3'000'000'000});
  CHECK(big.value().item<std::int64_t>() == 3'000'000'000);
  Variable small(scalar(0), "small");
  CHECK_THROWS_WITH(small.assign(std::int64_t{3'000'000'000}), Catch::Contains("does not fit") && Catch::Contains("'small'"));
  CHECK_THROWS_WITH(small.assign(2.5), Catch::Contains("floating-point value for an integer variable"));
  CHECK(small.value().item<int>() == 0);
}
