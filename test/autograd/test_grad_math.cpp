// Gradient catalog of the elementwise, reduction, matmul and nn rules: every
// differentiable op against central differences in float64 (first order,
// inputs away from kinks and domain edges, broadcasting, several axis sets),
// second order through nested tapes, dtypes of the gradients, and a few
// values computed by hand at ties, kinks and zeros.
#include <catch2/catch.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

void require_gradients(const std::string& name, const Fn& f, const std::vector<Tensor>& inputs,
                       const GradientCheckOptions& options = {}) {
  const GradientCheckResult result = check_gradients(f, inputs, options);
  INFO(name << ": " << result.report());
  REQUIRE(result.ok);
  REQUIRE(!result.elements.empty());
}

Tensor uniform(const Shape& shape, unsigned seed, double lo = -2, double hi = 2) {
  return random_tensor(shape, DType::Float64, seed, lo, hi);
}

// Magnitudes in [lo, hi) with random signs: clear of kinks and poles at 0.
Tensor away_from_zero(const Shape& shape, unsigned seed, double lo = 0.3, double hi = 2) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> magnitude(lo, hi);
  std::vector<double> v(static_cast<std::size_t>(shape.num_elements()));
  for (auto& e : v) e = magnitude(gen) * (gen() % 2 ? 1 : -1);
  return constant(v, shape, DType::Float64);
}

// The gradient of f with respect to input `wrt`, taken on a tape inside the
// function, so that check_gradients differentiates a gradient.
Fn gradient_of(Fn f, std::size_t wrt = 0) {
  return [f = std::move(f), wrt](const std::vector<Tensor>& x) {
    GradientTape tape;
    for (const Tensor& t : x)
      if (is_floating(t.dtype())) tape.watch(t);
    return tape.gradient(f(x), x[wrt], UnconnectedGradients::Zero);
  };
}

struct UnaryRow {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  Tensor input;
};

std::vector<UnaryRow> unary_rows() {
  const Shape s{2, 3};
  const Tensor around_six = constant(std::vector<double>{-2.5, -0.4, 0.7, 3.1, 5.5, 6.8}, s);
  return {
      {"negative", [](const Tensor& x) { return negative(x); }, uniform(s, 1)},
      {"abs", [](const Tensor& x) { return abs(x); }, away_from_zero(s, 2)},
      {"sign", [](const Tensor& x) { return sign(x) * x; }, away_from_zero(s, 3)},
      {"exp", [](const Tensor& x) { return exp(x); }, uniform(s, 4)},
      {"log", [](const Tensor& x) { return log(x); }, uniform(s, 5, 0.2, 3)},
      {"log1p", [](const Tensor& x) { return log1p(x); }, uniform(s, 6, -0.5, 3)},
      {"expm1", [](const Tensor& x) { return expm1(x); }, uniform(s, 7)},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, uniform(s, 8, 0.2, 3)},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, uniform(s, 9, 0.2, 3)},
      {"square", [](const Tensor& x) { return square(x); }, uniform(s, 10)},
      {"floor", [](const Tensor& x) { return floor(x) + x; }, uniform(s, 11, -3, 3)},
      {"ceil", [](const Tensor& x) { return ceil(x) * x; }, uniform(s, 12, -3, 3)},
      {"round", [](const Tensor& x) { return round(x) * x; }, uniform(s, 13, -3, 3)},
      {"sin", [](const Tensor& x) { return sin(x); }, uniform(s, 14, -3, 3)},
      {"cos", [](const Tensor& x) { return cos(x); }, uniform(s, 15, -3, 3)},
      {"tanh", [](const Tensor& x) { return tanh(x); }, uniform(s, 16)},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, uniform(s, 17, -4, 4)},
      {"reciprocal", [](const Tensor& x) { return reciprocal(x); }, away_from_zero(s, 18)},
      {"relu", [](const Tensor& x) { return relu(x); }, away_from_zero(s, 19)},
      {"relu6", [](const Tensor& x) { return relu6(x); }, around_six},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.3); }, away_from_zero(s, 20)},
      {"elu", [](const Tensor& x) { return elu(x); }, away_from_zero(s, 21)},
      {"softplus", [](const Tensor& x) { return softplus(x); }, uniform(s, 22, -4, 4)},
      {"clip_by_value", [](const Tensor& x) { return clip_by_value(x, -1.0, 1.5); }, uniform(s, 23, -3, 3)},
  };
}

using BinaryOpFn = Tensor (*)(const Tensor&, const Tensor&);

struct BinaryRow {
  const char* name;
  BinaryOpFn op;
  double a_lo, a_hi;
  double b_lo, b_hi;
  bool b_away_from_zero;
};

const std::vector<BinaryRow> kBinaryRows = {
    {"add", add, -2, 2, -2, 2, false},
    {"subtract", subtract, -2, 2, -2, 2, false},
    {"multiply", multiply, -2, 2, -2, 2, false},
    {"divide", divide, -2, 2, 0.5, 2, true},
    {"mod", mod, -3, 3, 0.7, 2, true},
    {"pow", pow, 0.5, 2, -2, 2, false},
    {"maximum", maximum, -2, 2, -2, 2, false},
    {"minimum", minimum, -2, 2, -2, 2, false},
    {"squared_difference", squared_difference, -2, 2, -2, 2, false},
};

const std::vector<std::pair<Shape, Shape>> kBroadcastPairs = {
    {{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{2, 3}, {}}, {{}, {3}}, {{3, 1, 2}, {2, 1}},
};

Tensor reduce(const std::string& op, const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  if (op == "sum") return reduce_sum(x, axes, keepdims);
  if (op == "mean") return reduce_mean(x, axes, keepdims);
  if (op == "prod") return reduce_prod(x, axes, keepdims);
  if (op == "max") return reduce_max(x, axes, keepdims);
  if (op == "min") return reduce_min(x, axes, keepdims);
  return reduce_logsumexp(x, axes, keepdims);
}

}  // namespace

TEST_CASE("grad-math: unary ops match central differences", "[autograd][grad-math]") {
  for (const UnaryRow& row : unary_rows())
    require_gradients(row.name, [&](const std::vector<Tensor>& x) { return row.op(x[0]); }, {row.input});
}

TEST_CASE("grad-math: binary ops with broadcasting match central differences", "[autograd][grad-math]") {
  unsigned seed = 100;
  for (const BinaryRow& row : kBinaryRows) {
    for (const auto& [sa, sb] : kBroadcastPairs) {
      const Tensor a = uniform(sa, ++seed, row.a_lo, row.a_hi);
      const Tensor b = row.b_away_from_zero ? away_from_zero(sb, ++seed, row.b_lo, row.b_hi)
                                            : uniform(sb, ++seed, row.b_lo, row.b_hi);
      require_gradients(std::string(row.name) + " " + sa.to_string() + " with " + sb.to_string(),
                        [&](const std::vector<Tensor>& x) { return row.op(x[0], x[1]); }, {a, b});
    }
  }
}

TEST_CASE("grad-math: scalar operands, repeated operands and composites", "[autograd][grad-math]") {
  const Tensor x = uniform({2, 3}, 200);
  const Tensor pos = uniform({2, 3}, 201, 0.5, 2);
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> rows = {
      {"x * 2.5", [](const Tensor& t) { return t * 2.5; }},
      {"2.5 - x", [](const Tensor& t) { return 2.5 - t; }},
      {"x * x", [](const Tensor& t) { return t * t; }},
      {"x / (x^2 + 1)", [](const Tensor& t) { return t / (t * t + 1); }},
      {"pow(x, 3)", [](const Tensor& t) { return pow(t, 3.0); }},
      {"pow(2, x)", [](const Tensor& t) { return pow(2.0, t); }},
      {"pow(x, x)", [](const Tensor& t) { return pow(abs(t) + 0.5, t); }},
      {"maximum(x, 0.3)", [](const Tensor& t) { return maximum(t, 0.3); }},
      {"mod(x, 1.7)", [](const Tensor& t) { return mod(t, 1.7); }},
      {"squared_difference(x, 1)", [](const Tensor& t) { return squared_difference(t, 1.0); }},
      {"x + floordiv(x, 2)", [](const Tensor& t) { return t + floordiv(t, 2.0); }},
      {"l2_loss", [](const Tensor& t) { return nn::l2_loss(t); }},
      {"reduce_mean", [](const Tensor& t) { return reduce_mean(t, {1}); }},
  };
  for (const auto& [name, op] : rows) {
    require_gradients(name, [&](const std::vector<Tensor>& v) { return op(v[0]); }, {x});
    require_gradients(name, [&](const std::vector<Tensor>& v) { return op(v[0]); }, {pos});
  }
  const Tensor condition = constant(std::vector<bool>{true, false}, {2, 1});
  require_gradients("where", [&](const std::vector<Tensor>& v) { return where(condition, v[0], v[1]); },
                    {uniform({2, 3}, 202), uniform({3}, 203)});
  require_gradients("where with scalar branch",
                    [&](const std::vector<Tensor>& v) { return where(v[0] > 0, v[0] * v[0], v[1]); },
                    {away_from_zero({2, 3}, 204), uniform({}, 205)});
  // Through float32 the differences need a wider step; the function is a
  // quadratic, so central differences stay exact up to float32 rounding.
  GradientCheckOptions coarse;
  coarse.delta = 1e-2;
  coarse.rtol = 1e-4;
  coarse.atol = 1e-4;
  require_gradients("cast float64 -> float32 -> float64",
                    [](const std::vector<Tensor>& v) {
                      return cast(square(cast(v[0], DType::Float32)), DType::Float64) + v[0];
                    },
                    {uniform({2, 3}, 207)}, coarse);
  require_gradients("clip_by_value with tensor bounds",
                    [](const std::vector<Tensor>& v) { return clip_by_value(v[0], v[1], v[2]); },
                    {uniform({2, 3}, 206, -3, 3), constant({-1.0, -0.5, -2.0}), scalar(1.25, DType::Float64)});
}

TEST_CASE("grad-math: reductions over several axis sets match central differences", "[autograd][grad-math]") {
  const std::vector<std::vector<int>> axis_sets = {{}, {0}, {1}, {2}, {-1}, {0, 2}, {0, 1}, {1, 2}, {2, 0, 1}};
  unsigned seed = 300;
  for (const std::string op : {"sum", "mean", "prod", "max", "min", "logsumexp"}) {
    for (const auto& axes : axis_sets) {
      for (const bool keepdims : {false, true}) {
        const Tensor x = op == "prod" ? away_from_zero({2, 3, 4}, ++seed, 0.6, 1.4) : uniform({2, 3, 4}, ++seed);
        std::string axes_name;
        for (int a : axes) axes_name += std::to_string(a) + ",";
        require_gradients("reduce_" + op + " axes {" + axes_name + "} keepdims " + std::to_string(keepdims),
                          [&](const std::vector<Tensor>& v) { return reduce(op, v[0], axes, keepdims); }, {x});
      }
    }
    require_gradients("reduce_" + op + " of a 0-d tensor",
                      [&](const std::vector<Tensor>& v) { return reduce(op, v[0], {0}, false) * v[0]; },
                      {scalar(1.5, DType::Float64)});
  }
}

TEST_CASE("grad-math: reduce_prod with zeros in a slice", "[autograd][grad-math]") {
  // The product is a polynomial, so central differences are exact enough even
  // at zeros: one zero, two zeros and none, per row.
  const Tensor x = constant({{2.0, 0.0, 3.0, -1.5}, {0.0, 1.5, 0.0, 2.0}, {1.5, -2.0, 0.5, 3.0}});
  require_gradients("reduce_prod rows", [](const std::vector<Tensor>& v) { return reduce_prod(v[0], {1}); }, {x});
  require_gradients("reduce_prod all", [](const std::vector<Tensor>& v) { return reduce_prod(v[0]); }, {x});
  GradientTape tape;
  tape.watch(x);
  const Tensor y = reduce_prod(x, {1});
  require_close(tape.gradient(y, x), {0, -9, 0, 0, 0, 0, 0, 0, -3, 2.25, -9, -1.5});
  // Second order stays right with one zero per slice (not with two).
  require_gradients("d2 reduce_prod with a zero",
                    gradient_of([](const std::vector<Tensor>& v) { return reduce_prod(v[0], {1}); }),
                    {constant({{2.0, 0.0, 3.0, -1.5}, {1.5, -2.0, 0.5, 3.0}})});
}

TEST_CASE("grad-math: cumsum in every direction matches central differences", "[autograd][grad-math]") {
  unsigned seed = 400;
  for (const int axis : {0, 1, 2, -1})
    for (const bool exclusive : {false, true})
      for (const bool reverse : {false, true})
        require_gradients("cumsum axis " + std::to_string(axis) + (exclusive ? " exclusive" : "") +
                              (reverse ? " reverse" : ""),
                          [&](const std::vector<Tensor>& v) { return cumsum(v[0], axis, exclusive, reverse); },
                          {uniform({2, 3, 4}, ++seed)});
}

TEST_CASE("grad-math: matmul with transpose flags and batches matches central differences", "[autograd][grad-math]") {
  unsigned seed = 500;
  const std::int64_t m = 2, k = 3, n = 4;
  // {batch of a, batch of b}: none, equal, a broadcast, b broadcast, both partly broadcast.
  const std::vector<std::pair<Shape, Shape>> batches = {
      {{}, {}}, {{2}, {2}}, {{}, {3}}, {{2, 1}, {}}, {{2, 1}, {3}}, {{1, 2}, {3, 1}}};
  for (const auto& [batch_a, batch_b] : batches) {
    for (const bool ta : {false, true}) {
      for (const bool tb : {false, true}) {
        Shape sa = batch_a, sb = batch_b;
        sa.push_back(ta ? k : m);
        sa.push_back(ta ? m : k);
        sb.push_back(tb ? n : k);
        sb.push_back(tb ? k : n);
        require_gradients("matmul " + sa.to_string() + " " + sb.to_string() + (ta ? " transpose_a" : "") +
                              (tb ? " transpose_b" : ""),
                          [&](const std::vector<Tensor>& v) { return matmul(v[0], v[1], ta, tb); },
                          {uniform(sa, ++seed), uniform(sb, ++seed)});
      }
    }
  }
  // Transposed views reach the kernel as flags; the gradients keep the views' shapes.
  const Tensor a_view = transpose(uniform({3, 2}, ++seed));
  const Tensor b = uniform({3, 4}, ++seed);
  GradientTape tape;
  tape.watch(a_view);
  const Tensor g = tape.gradient(matmul(a_view, b), a_view);
  // d sum(a b) / d a[i][k] = sum_j b[k][j]: the row sums of b, the same for every i.
  const std::vector<double> bv = eager::test::as_doubles(b);
  std::vector<double> row_sums(3, 0.0);
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t j = 0; j < 4; ++j) row_sums[k] += bv[k * 4 + j];
  REQUIRE(g.shape() == Shape{2, 3});
  require_close(g, {row_sums[0], row_sums[1], row_sums[2], row_sums[0], row_sums[1], row_sums[2]}, 1e-12);
}

TEST_CASE("grad-math: nn ops match central differences", "[autograd][grad-math]") {
  const Tensor logits = uniform({3, 4}, 600, -3, 3);
  const Tensor logits3 = uniform({2, 3, 4}, 601, -3, 3);
  for (const int axis : {-1, 0}) {
    require_gradients("softmax axis " + std::to_string(axis),
                      [axis](const std::vector<Tensor>& v) { return nn::softmax(v[0], axis); }, {logits});
    require_gradients("log_softmax axis " + std::to_string(axis),
                      [axis](const std::vector<Tensor>& v) { return nn::log_softmax(v[0], axis); }, {logits});
  }
  require_gradients("softmax axis 1 of rank 3",
                    [](const std::vector<Tensor>& v) { return nn::softmax(v[0], 1); }, {logits3});
  const Tensor labels = constant(std::vector<std::int32_t>{0, 3, 1}, {3});
  const Tensor labels3 = constant(std::vector<std::int64_t>{0, 3, 1, 2, 2, 0}, {2, 3});
  for (const auto& [classes, input] : {std::pair{labels, logits}, std::pair{labels3, logits3}})
    require_gradients("sparse_softmax_cross_entropy_with_logits " + input.shape().to_string(),
                      [&](const std::vector<Tensor>& v) {
                        return nn::sparse_softmax_cross_entropy_with_logits(classes, v[0]);
                      },
                      {input});
  // The logits' gradient softmax - labels (TF's) assumes labels that sum to 1
  // along the axis, as probability distributions do.
  for (const int axis : {-1, 0})
    require_gradients("softmax_cross_entropy_with_logits axis " + std::to_string(axis),
                      [axis](const std::vector<Tensor>& v) {
                        return nn::softmax_cross_entropy_with_logits(v[0], v[1], axis);
                      },
                      {nn::softmax(uniform({3, 4}, 602), axis), logits});
  // Includes logits of exactly 0, where the stable form's relu and abs have kinks.
  const Tensor sigmoid_logits = constant({{-2.0, 0.0, 1.5}, {0.0, 3.0, -0.5}});
  require_gradients("sigmoid_cross_entropy_with_logits",
                    [](const std::vector<Tensor>& v) { return nn::sigmoid_cross_entropy_with_logits(v[0], v[1]); },
                    {uniform({2, 3}, 603, 0, 1), sigmoid_logits});
  require_gradients("l2_loss", [](const std::vector<Tensor>& v) { return nn::l2_loss(v[0]); }, {logits});
}

TEST_CASE("grad-math: second order through nested tapes", "[autograd][grad-math]") {
  const Tensor a = uniform({2, 3}, 700);
  const Tensor b = uniform({2, 3}, 701);
  const std::vector<std::pair<const char*, Fn>> unary = {
      {"exp", [](const std::vector<Tensor>& v) { return exp(v[0]); }},
      {"tanh", [](const std::vector<Tensor>& v) { return tanh(v[0]); }},
      {"sigmoid", [](const std::vector<Tensor>& v) { return sigmoid(v[0]); }},
      {"log", [](const std::vector<Tensor>& v) { return log(v[0] * v[0] + 1); }},
      {"sqrt", [](const std::vector<Tensor>& v) { return sqrt(v[0] * v[0] + 1); }},
      {"softplus", [](const std::vector<Tensor>& v) { return softplus(v[0]); }},
      {"elu", [](const std::vector<Tensor>& v) { return elu(v[0] - 1); }},
      {"reduce_prod", [](const std::vector<Tensor>& v) { return reduce_prod(v[0], {1}); }},
      {"reduce_logsumexp", [](const std::vector<Tensor>& v) { return reduce_logsumexp(v[0], {0}); }},
      {"reduce_max", [](const std::vector<Tensor>& v) { return reduce_max(v[0] * v[0], {1}); }},
      {"softmax", [](const std::vector<Tensor>& v) { return nn::softmax(v[0]) * v[0]; }},
      {"log_softmax", [](const std::vector<Tensor>& v) { return nn::log_softmax(v[0], 0) * v[0]; }},
  };
  for (const auto& [name, f] : unary) require_gradients(std::string("d2 ") + name, gradient_of(f), {a});

  const Fn product = [](const std::vector<Tensor>& v) { return v[0] * v[0] * v[1]; };
  const Fn quotient = [](const std::vector<Tensor>& v) { return v[0] / (v[1] * v[1] + 1); };
  const Fn power = [](const std::vector<Tensor>& v) { return pow(v[0] * v[0] + 0.5, v[1]); };
  for (std::size_t wrt : {0u, 1u}) {
    require_gradients("d2 multiply", gradient_of(product, wrt), {a, b});
    require_gradients("d2 divide", gradient_of(quotient, wrt), {a, b});
    require_gradients("d2 pow", gradient_of(power, wrt), {a, b});
  }

  const Fn products = [](const std::vector<Tensor>& v) { return matmul(matmul(v[0], v[1], false, true), v[1]); };
  const Tensor wide = uniform({3, 4}, 702);
  for (std::size_t wrt : {0u, 1u})
    require_gradients("d2 matmul", gradient_of(products, wrt), {uniform({2, 4}, 703), wide});

  const Tensor logits = uniform({3, 4}, 704, -3, 3);
  const Tensor labels = constant(std::vector<std::int32_t>{2, 0, 3}, {3});
  require_gradients("d2 sparse_softmax_cross_entropy_with_logits",
                    gradient_of([&](const std::vector<Tensor>& v) {
                      return nn::sparse_softmax_cross_entropy_with_logits(labels, v[0]);
                    }),
                    {logits});
  const Fn xent = [](const std::vector<Tensor>& v) {
    return nn::softmax_cross_entropy_with_logits(v[0], v[1]) * reduce_sum(v[1], {1});
  };
  for (std::size_t wrt : {0u, 1u})
    require_gradients("d2 softmax_cross_entropy_with_logits", gradient_of(xent, wrt),
                      {nn::softmax(uniform({3, 4}, 705)), logits});
  const Fn sigmoid_xent = [](const std::vector<Tensor>& v) {
    return nn::sigmoid_cross_entropy_with_logits(v[0], v[1]) * v[1];
  };
  for (std::size_t wrt : {0u, 1u})
    require_gradients("d2 sigmoid_cross_entropy_with_logits", gradient_of(sigmoid_xent, wrt),
                      {uniform({2, 3}, 706, 0, 1), a});
}

TEST_CASE("grad-math: hand-computed gradients at ties, kinks and domain edges", "[autograd][grad-math]") {
  GradientTape tape(true);
  const Tensor x = constant({-1.0, 0.0, 2.0});
  const Tensor y = constant({-1.0, 1.0, 2.0});
  tape.watch(x);
  tape.watch(y);
  require_close(tape.gradient(relu(x), x), {0, 0, 1});
  require_close(tape.gradient(abs(x), x), {-1, 0, 1});
  require_close(tape.gradient(sigmoid(x), x), {0.19661193324148185, 0.25, 0.10499358540350662}, 1e-12);
  require_close(tape.gradient(round(x * 1.3), x), {0, 0, 0});
  // Ties send the gradient to the first operand (TF's rule).
  auto g = tape.gradient(maximum(x, y), std::vector<Tensor>{x, y});
  require_close(g[0], {1, 0, 1});
  require_close(g[1], {0, 1, 0});
  g = tape.gradient(minimum(x, y), std::vector<Tensor>{x, y});
  require_close(g[0], {1, 1, 1});
  require_close(g[1], {0, 0, 0});
  // d/dy x^y = x^y log(x) is taken as 0 where x <= 0.
  g = tape.gradient(pow(x, y), std::vector<Tensor>{x, y});
  require_close(g[0], {-1, 1, 4});
  require_close(g[1], {0, 0, 4 * std::log(2.0)});
  // floordiv has no gradient; mod passes g to x and -g * floordiv(x, y) to y.
  CHECK_FALSE(tape.gradient(floordiv(x, 3.0), x).defined());
  g = tape.gradient(mod(x, y), std::vector<Tensor>{x, y});
  require_close(g[0], {1, 1, 1});
  require_close(g[1], {-1, 0, -1});
  // reduce_max splits among ties.
  const Tensor t = constant({{1.0, 3.0, 3.0}, {2.0, 2.0, 2.0}});
  tape.watch(t);
  require_close(tape.gradient(reduce_max(t, {1}), t), {0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  require_close(tape.gradient(reduce_min(t), t), {1, 0, 0, 0, 0, 0});
  // sigmoid cross-entropy at logit 0 is sigmoid(0) - z, not -z.
  const Tensor z = constant({0.3, 1.0});
  const Tensor zero_logits = constant({0.0, 0.0});
  tape.watch(zero_logits);
  require_close(tape.gradient(nn::sigmoid_cross_entropy_with_logits(z, zero_logits), zero_logits), {0.2, -0.5});
  const Tensor logits = constant({{0.0, 0.0}});
  tape.watch(logits);
  require_close(tape.gradient(nn::softmax_cross_entropy_with_logits(constant({{1.0, 0.0}}), logits), logits),
                {-0.5, 0.5});
  require_close(tape.gradient(nn::sparse_softmax_cross_entropy_with_logits(constant({1}), logits), logits),
                {0.5, -0.5});
  // where routes to x where the condition holds, else y; cond never gets one.
  g = tape.gradient(where(constant(std::vector<bool>{true, false, true}, {3}), x, y), std::vector<Tensor>{x, y});
  require_close(g[0], {1, 0, 1});
  require_close(g[1], {0, 1, 0});
  // exclusive reverse cumsum of [a, b, c] is [b + c, c, 0].
  require_close(tape.gradient(cumsum(x, 0, true, true), x), {0, 1, 2});
}

TEST_CASE("grad-math: gradients keep the sources' dtypes; integers get none", "[autograd][grad-math]") {
  const Tensor x32 = constant({0.5f, -1.5f, 2.0f});
  const Tensor x64 = constant({1.0, 2.0, 3.0});
  const Tensor ints = constant({1, 2, 3});
  GradientTape tape(true);
  tape.watch(x32);
  tape.watch(x64);
  const std::vector<Tensor> targets = {
      exp(x32) * tanh(x32),
      reduce_logsumexp(reshape(x32, {1, 3}), {1}),
      matmul(reshape(x32, {3, 1}), reshape(x32, {1, 3})),
      nn::softmax_cross_entropy_with_logits(nn::softmax(x32), x32),
      nn::sigmoid_cross_entropy_with_logits(ints, x32),
      x32 * ints,
      cumsum(x32),
  };
  for (const Tensor& target : targets) {
    const Tensor g = tape.gradient(target, x32);
    REQUIRE(g.defined());
    CHECK(g.dtype() == DType::Float32);
  }
  require_close(tape.gradient(x32 * ints, x32), {1, 2, 3});
  // Mixed float dtypes: each source's gradient in its own dtype.
  const Tensor mixed = reduce_sum(x32 * x64) + matmul(reshape(x32, {1, 3}), reshape(x64, {3, 1}));
  auto g = tape.gradient(mixed, std::vector<Tensor>{x32, x64});
  CHECK(g[0].dtype() == DType::Float32);
  CHECK(g[1].dtype() == DType::Float64);
  require_close(g[0], {2, 4, 6});
  require_close(g[1], {1, -3, 4});
  // float32 -> float64 -> float32: the cast passes the gradient back.
  const Tensor g_cast = tape.gradient(cast(square(cast(x32, DType::Float64)), DType::Float32), x32);
  CHECK(g_cast.dtype() == DType::Float32);
  require_close(g_cast, {1, -3, 4});
  // Integer results of float inputs carry nothing back.
  CHECK_FALSE(tape.gradient(cast(cast(x32 * 3, DType::Int32), DType::Float32), x32).defined());
  CHECK_FALSE(tape.gradient(cast(argmax(x32), DType::Float32), x32).defined());
}

TEST_CASE("grad-math: empty tensors are recorded with gradients of their shapes", "[autograd][grad-math]") {
  const Tensor x = zeros({0, 3}, DType::Float64);
  const Tensor a = ones({2, 0}, DType::Float64);
  const Tensor b = ones({0, 3}, DType::Float64);
  GradientTape tape(true);
  tape.watch(x);
  tape.watch(a);
  tape.watch(b);
  CHECK(tape.gradient(reduce_sum(exp(x) * 2.0), x).shape() == Shape{0, 3});
  CHECK(tape.gradient(cumsum(x, 1), x).shape() == Shape{0, 3});
  CHECK(tape.gradient(nn::softmax(x), x).shape() == Shape{0, 3});
  CHECK(tape.gradient(where(x > 0, x, 1.0 - x), x).shape() == Shape{0, 3});
  const Tensor no_labels = zeros({0}, DType::Int32);
  CHECK(tape.gradient(nn::sparse_softmax_cross_entropy_with_logits(no_labels, x), x).shape() == Shape{0, 3});
  auto g = tape.gradient(matmul(a, b), std::vector<Tensor>{a, b});
  CHECK(g[0].shape() == Shape{2, 0});
  CHECK(g[1].shape() == Shape{0, 3});
}

TEST_CASE("grad-math: rules differentiate again on a persistent tape", "[autograd][grad-math]") {
  const Tensor x = constant({0.5});
  GradientTape tape(true);
  tape.watch(x);
  const Tensor y = tanh(x);
  const Tensor dy = tape.gradient(y, x);          // 1 - tanh^2
  const Tensor d2y = tape.gradient(dy, x);        // -2 tanh (1 - tanh^2)
  const double th = std::tanh(0.5);
  require_close(dy, {1 - th * th}, 1e-12);
  require_close(d2y, {-2 * th * (1 - th * th)}, 1e-12);
}
