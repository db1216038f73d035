// eager::nn catalog: softmax, log_softmax, the three cross-entropies and
// l2_loss against float64 references computed here with plain loops, on every
// float dtype, any axis, large-magnitude logits, views and empty batches.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_util.hpp"

namespace {

using namespace eager;
using eager::test::as_doubles;
using eager::test::random_tensor;
using eager::test::require_close;
using eager::test::rtol_for;

// Splits a shape around `axis` into outer * classes * inner.
struct AxisSplit {
  std::int64_t outer = 1, classes = 1, inner = 1;
  AxisSplit(const Shape& shape, int axis) {
    for (int d = 0; d < shape.rank(); ++d) {
      if (d < axis) outer *= shape[d];
      else if (d == axis) classes = shape[d];
      else inner *= shape[d];
    }
  }
  std::size_t at(std::int64_t o, std::int64_t c, std::int64_t i) const {
    return static_cast<std::size_t>((o * classes + c) * inner + i);
  }
};

// log(sum(exp(x))) over one line, in float64 with the maximum pulled out.
template <class Get> double ref_logsumexp(std::int64_t n, const Get& get) {
  double m = -INFINITY;
  for (std::int64_t c = 0; c < n; ++c) m = std::max(m, get(c));
  double s = 0;
  for (std::int64_t c = 0; c < n; ++c) s += std::exp(get(c) - m);
  return m + std::log(s);
}

std::vector<double> ref_softmax(const Tensor& logits, int axis, bool log) {
  const std::vector<double> x = as_doubles(logits);
  const AxisSplit s(logits.shape(), axis);
  std::vector<double> out(x.size());
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t i = 0; i < s.inner; ++i) {
      const double lse = ref_logsumexp(s.classes, [&](std::int64_t c) { return x[s.at(o, c, i)]; });
      for (std::int64_t c = 0; c < s.classes; ++c) {
        const double v = x[s.at(o, c, i)] - lse;
        out[s.at(o, c, i)] = log ? v : std::exp(v);
      }
    }
  return out;
}

// -sum_c p[c] * log_softmax(x)[c] for each line along `axis`.
std::vector<double> ref_xent(const Tensor& labels, const Tensor& logits, int axis) {
  const std::vector<double> x = as_doubles(logits), p = as_doubles(labels);
  const AxisSplit s(logits.shape(), axis);
  std::vector<double> out;
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t i = 0; i < s.inner; ++i) {
      const double lse = ref_logsumexp(s.classes, [&](std::int64_t c) { return x[s.at(o, c, i)]; });
      double loss = 0;
      for (std::int64_t c = 0; c < s.classes; ++c) loss += p[s.at(o, c, i)] * (lse - x[s.at(o, c, i)]);
      out.push_back(loss);
    }
  return out;
}

// Random class indices in [0, classes).
Tensor random_labels(const Shape& shape, std::int64_t classes, DType dtype, unsigned seed) {
  return random_tensor(shape, dtype, seed, 0, static_cast<double>(classes));
}

// Rows of non-negative weights that sum to 1 along `axis`.
Tensor random_distribution(const Shape& shape, int axis, DType dtype, unsigned seed) {
  std::vector<double> p = as_doubles(random_tensor(shape, DType::Float64, seed, 0, 1));
  const AxisSplit s(shape, axis);
  for (std::int64_t o = 0; o < s.outer; ++o)
    for (std::int64_t i = 0; i < s.inner; ++i) {
      double total = 0;
      for (std::int64_t c = 0; c < s.classes; ++c) total += p[s.at(o, c, i)];
      for (std::int64_t c = 0; c < s.classes; ++c) p[s.at(o, c, i)] /= total;
    }
  return constant(p, shape, dtype);
}

const DType kFloatTypes[] = {DType::Float32, DType::Float64};

struct AxisCase {
  Shape shape;
  int axis;
};
// Rows shorter than a SIMD batch, rows of a few batches with and without a
// ragged end, long rows, enough rows to run in parallel, and axes other
// than the last.
const AxisCase kAxisCases[] = {
    {{1}, -1},      {{5, 7}, -1},     {{4, 8}, 1},     {{3, 4, 10}, -1}, {{3, 4, 10}, 0}, {{3, 4, 10}, 1},
    {{3, 16}, -1},  {{3, 32}, -1},    {{2, 64}, -1},   {{2, 37}, -1},    {{64, 1000}, -1}, {{300, 3}, 0},
    {{4000, 5}, 1}, {{6}, 0},
};

}  // namespace

TEST_CASE("nn::softmax and nn::log_softmax match float64 references", "[nn]") {
  for (DType dtype : kFloatTypes) {
    for (const auto& [shape, axis] : kAxisCases) {
      for (double scale : {3.0, 1e4}) {
        INFO(dtype_name(dtype) << shape.to_string() << " axis " << axis << " scale " << scale);
        const Tensor x = random_tensor(shape, dtype, 7, -scale, scale);
        const int ax = axis < 0 ? axis + shape.rank() : axis;
        const Tensor sm = nn::softmax(x, axis);
        const Tensor lsm = nn::log_softmax(x, axis);
        REQUIRE(sm.dtype() == dtype);
        REQUIRE(lsm.dtype() == dtype);
        REQUIRE(sm.shape() == shape);
        REQUIRE(lsm.shape() == shape);
        REQUIRE(sm.is_contiguous());
        require_close(sm, ref_softmax(x, ax, false), rtol_for(dtype), rtol_for(dtype));
        // log-probabilities of 1e4-scale logits are themselves of order 1e4.
        require_close(lsm, ref_softmax(x, ax, true), rtol_for(dtype), rtol_for(dtype) * scale);
      }
    }
  }
}

TEST_CASE("nn::softmax of huge logits has no inf or NaN", "[nn]") {
  const Tensor x = constant({{1e4, -1e4, 0.0}, {1e4, 1e4, -1e4}}, DType::Float32);
  require_close(nn::softmax(x), {1, 0, 0, 0.5, 0.5, 0}, 0, 1e-7);
  require_close(nn::log_softmax(x), {0, -2e4, -1e4, -std::log(2.0), -std::log(2.0), -2e4 - std::log(2.0)}, 1e-6,
                1e-6);
}

TEST_CASE("nn::softmax family propagates NaN to its row only", "[nn]") {
  for (std::int64_t classes : {3, 10, 40}) {
    INFO(classes << " classes");
    std::vector<float> values(static_cast<std::size_t>(2 * classes), 0.5f);
    values[1] = NAN;
    const Tensor x = constant(values, {2, classes});
    for (const Tensor& out : {nn::softmax(x), nn::log_softmax(x)}) {
      const std::vector<double> v = as_doubles(out);
      for (std::int64_t c = 0; c < classes; ++c) {
        REQUIRE(std::isnan(v[static_cast<std::size_t>(c)]));
        REQUIRE_FALSE(std::isnan(v[static_cast<std::size_t>(classes + c)]));
      }
    }
    const std::vector<double> loss =
        as_doubles(nn::sparse_softmax_cross_entropy_with_logits(constant<std::int32_t>({0, 0}), x));
    REQUIRE(std::isnan(loss[0]));
    REQUIRE(loss[1] == Approx(std::log(static_cast<double>(classes))));
  }
}

TEST_CASE("nn::softmax reads views and fills empty shapes", "[nn]") {
  const Tensor base = random_tensor({6, 5}, DType::Float64, 11);
  const Tensor view = transpose(base);
  REQUIRE_FALSE(view.is_contiguous());
  require_close(nn::softmax(view), ref_softmax(view, 1, false), 1e-12, 1e-12);
  require_close(nn::log_softmax(view, 0), ref_softmax(view, 0, true), 1e-12, 1e-12);

  for (const Shape& shape : {Shape{0, 4}, Shape{3, 0}, Shape{2, 0, 3}}) {
    for (int axis : {0, -1}) {
      const Tensor e = zeros(shape, DType::Float32);
      REQUIRE(nn::softmax(e, axis).shape() == shape);
      REQUIRE(nn::log_softmax(e, axis).shape() == shape);
    }
  }
}

TEST_CASE("nn::sparse_softmax_cross_entropy_with_logits matches a float64 reference", "[nn]") {
  const Shape shapes[] = {{100, 10}, {1, 1}, {2, 3, 5}, {4, 37}, {40, 600}, {3, 2}};
  for (DType dtype : kFloatTypes) {
    for (DType label_dtype : {DType::Int32, DType::Int64}) {
      for (const Shape& shape : shapes) {
        for (double scale : {3.0, 1e4}) {
          INFO(dtype_name(dtype) << shape.to_string() << " labels " << dtype_name(label_dtype) << " scale " << scale);
          const Tensor logits = random_tensor(shape, dtype, 3, -scale, scale);
          const Shape batch(std::vector<std::int64_t>(shape.begin(), shape.end() - 1));
          const std::int64_t classes = shape[shape.rank() - 1];
          const Tensor labels = random_labels(batch, classes, label_dtype, 5);
          const Tensor loss = nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
          REQUIRE(loss.dtype() == dtype);
          REQUIRE(loss.shape() == batch);

          const std::vector<double> x = as_doubles(logits);
          const std::vector<std::int64_t> y = labels.to_vector<std::int64_t>();
          std::vector<double> expected;
          for (std::size_t r = 0; r < y.size(); ++r) {
            const double* row = x.data() + r * static_cast<std::size_t>(classes);
            expected.push_back(ref_logsumexp(classes, [&](std::int64_t c) { return row[c]; }) - row[y[r]]);
          }
          require_close(loss, expected, rtol_for(dtype), rtol_for(dtype) * scale);
        }
      }
    }
  }
}

TEST_CASE("nn::sparse_softmax_cross_entropy_with_logits: exact values, views and empty batches", "[nn]") {
  const Tensor logits = constant({{1e4, -1e4}, {0.0, 0.0}, {-1e4, 1e4}}, DType::Float32);
  const Tensor labels = constant<std::int32_t>({1, 0, 1});
  require_close(nn::sparse_softmax_cross_entropy_with_logits(labels, logits), {2e4, std::log(2.0), 0}, 1e-7, 1e-7);

  // A transposed (non-contiguous) logits view and strided labels.
  const Tensor base = random_tensor({4, 3}, DType::Float64, 9);
  const Tensor view = transpose(base);
  const Tensor view_labels = transpose(constant(std::vector<std::int64_t>{2, 0, 1, 3, 3, 1}, {3, 2}))[1];
  REQUIRE_FALSE(view_labels.is_contiguous());
  const std::vector<double> x = as_doubles(view);
  const std::vector<std::int64_t> y = view_labels.to_vector<std::int64_t>();
  std::vector<double> expected;
  for (std::size_t r = 0; r < 3; ++r) {
    const double* row = x.data() + r * 4;
    expected.push_back(ref_logsumexp(4, [&](std::int64_t c) { return row[c]; }) - row[y[r]]);
  }
  require_close(nn::sparse_softmax_cross_entropy_with_logits(view_labels, view), expected, 1e-12, 1e-12);

  const Tensor empty = nn::sparse_softmax_cross_entropy_with_logits(zeros({0}, DType::Int32), zeros({0, 10}));
  REQUIRE(empty.shape() == Shape{0});
  REQUIRE(empty.dtype() == DType::Float32);
  // Rank-1 logits are a single example with 0-d labels.
  require_close(nn::sparse_softmax_cross_entropy_with_logits(scalar(0, DType::Int64), constant({0.0, 0.0, 0.0})),
                {std::log(3.0)}, 1e-6, 1e-6);
}

TEST_CASE("nn::sparse_softmax_cross_entropy_with_logits rejects bad arguments", "[nn]") {
  const Tensor logits = zeros({3, 10});
  const auto ce = [](const Tensor& y, const Tensor& x) { return nn::sparse_softmax_cross_entropy_with_logits(y, x); };
  REQUIRE_THROWS_AS(ce(constant<std::int32_t>({1, 10, 2}), logits), InvalidArgument);
  REQUIRE_THROWS_WITH(ce(constant<std::int32_t>({1, 10, 2}), logits), Catch::Contains("label value of 10"));
  REQUIRE_THROWS_WITH(ce(constant<std::int64_t>({-1, 0, 2}), logits), Catch::Contains("label value of -1"));
  REQUIRE_THROWS_AS(ce(constant<std::int32_t>({0, 0}), zeros({2, 0})), InvalidArgument);
  REQUIRE_THROWS_AS(ce(constant({1.0f, 2.0f, 0.0f}), logits), InvalidArgument);
  REQUIRE_THROWS_AS(ce(constant<std::int32_t>({1, 2}), logits), InvalidArgument);
  REQUIRE_THROWS_AS(ce(zeros({3, 10}, DType::Int32), logits), InvalidArgument);
  REQUIRE_THROWS_WITH(ce(constant<std::int32_t>({1, 2, 3}), zeros({3, 10}, DType::Int32)),
                      Catch::Contains("float32 or float64"));
  REQUIRE_THROWS_AS(ce(scalar(0, DType::Int32), scalar(1.0)), InvalidArgument);
  REQUIRE_THROWS_AS(ce(Tensor(), logits), InvalidArgument);
}

TEST_CASE("nn::softmax_cross_entropy_with_logits matches a float64 reference", "[nn]") {
  for (DType dtype : kFloatTypes) {
    for (const auto& [shape, axis] : kAxisCases) {
      for (double scale : {3.0, 1e4}) {
        INFO(dtype_name(dtype) << shape.to_string() << " axis " << axis << " scale " << scale);
        const int ax = axis < 0 ? axis + shape.rank() : axis;
        const Tensor logits = random_tensor(shape, dtype, 21, -scale, scale);
        const Tensor labels = random_distribution(shape, ax, dtype, 22);
        const Tensor loss = nn::softmax_cross_entropy_with_logits(labels, logits, axis);
        Shape loss_shape = shape;
        loss_shape.erase(ax);
        REQUIRE(loss.shape() == loss_shape);
        REQUIRE(loss.dtype() == dtype);
        require_close(loss, ref_xent(labels, logits, ax), rtol_for(dtype), rtol_for(dtype) * scale);
      }
    }
  }
}

TEST_CASE("nn::softmax_cross_entropy_with_logits: one-hot labels, exact values and empty shapes", "[nn]") {
  const Tensor logits = constant({{1e4, -1e4}, {0.0, 0.0}}, DType::Float64);
  const Tensor one_hot_int = constant<std::int32_t>({{0, 1}, {1, 0}});
  require_close(nn::softmax_cross_entropy_with_logits(one_hot_int, logits), {2e4, std::log(2.0)}, 1e-12, 1e-12);
  // Soft labels on the first axis: columns are the examples.
  const Tensor soft = constant({{0.25, 0.5}, {0.75, 0.5}});
  require_close(nn::softmax_cross_entropy_with_logits(soft, logits, 0), ref_xent(soft, logits, 0), 1e-12, 1e-12);

  REQUIRE(nn::softmax_cross_entropy_with_logits(zeros({0, 3}), zeros({0, 3})).shape() == Shape{0});
  // Zero classes: the sum over classes is empty.
  require_close(nn::softmax_cross_entropy_with_logits(zeros({2, 0}), zeros({2, 0})), {0, 0});

  const Tensor view = transpose(random_tensor({3, 4}, DType::Float32, 4));
  const Tensor p = random_distribution({4, 3}, 1, DType::Float32, 5);
  require_close(nn::softmax_cross_entropy_with_logits(p, view), ref_xent(p, view, 1), 2e-5, 2e-5);
}

TEST_CASE("nn::softmax and softmax_cross_entropy_with_logits reject bad arguments", "[nn]") {
  const Tensor x = zeros({2, 3});
  REQUIRE_THROWS_AS(nn::softmax(x, 2), OutOfRange);
  REQUIRE_THROWS_AS(nn::log_softmax(x, -3), OutOfRange);
  REQUIRE_THROWS_AS(nn::softmax(zeros({2, 3}, DType::Int32)), InvalidArgument);
  REQUIRE_THROWS_WITH(nn::log_softmax(zeros({2, 3}, DType::Int64)), Catch::Contains("float32 or float64"));
  REQUIRE_THROWS_AS(nn::softmax(scalar(1.0)), InvalidArgument);
  REQUIRE_THROWS_AS(nn::softmax(Tensor()), InvalidArgument);
  REQUIRE_THROWS_AS(nn::softmax_cross_entropy_with_logits(zeros({2, 4}), x), InvalidArgument);
  REQUIRE_THROWS_AS(nn::softmax_cross_entropy_with_logits(zeros({3}), x), InvalidArgument);
  REQUIRE_THROWS_AS(nn::softmax_cross_entropy_with_logits(x, x, 2), OutOfRange);
  REQUIRE_THROWS_AS(nn::softmax_cross_entropy_with_logits(x, zeros({2, 3}, DType::UInt8)), InvalidArgument);
}

TEST_CASE("nn::sigmoid_cross_entropy_with_logits matches the direct formula", "[nn]") {
  for (DType dtype : kFloatTypes) {
    INFO(dtype_name(dtype));
    const Tensor x = random_tensor({4, 6}, dtype, 31, -20, 20);
    const Tensor z = random_tensor({4, 6}, dtype, 32, 0, 1);
    const Tensor loss = nn::sigmoid_cross_entropy_with_logits(z, x);
    REQUIRE(loss.dtype() == dtype);
    REQUIRE(loss.shape() == Shape{4, 6});
    const std::vector<double> xv = as_doubles(x), zv = as_doubles(z);
    std::vector<double> expected;
    for (std::size_t i = 0; i < xv.size(); ++i) {
      const double s = 1 / (1 + std::exp(-xv[i]));
      expected.push_back(-zv[i] * std::log(s) - (1 - zv[i]) * std::log(1 - s));
    }
    require_close(loss, expected, dtype == DType::Float32 ? 1e-4 : 1e-9, 1e-6);
  }
  // Logits whose sigmoid is exactly 0 or 1 in floating point.
  const Tensor x = constant({1e4f, 1e4f, -1e4f, -1e4f, 0.0f});
  const Tensor z = constant<std::int32_t>({1, 0, 1, 0, 1});
  require_close(nn::sigmoid_cross_entropy_with_logits(z, x), {0, 1e4, 1e4, 0, std::log(2.0)}, 1e-7, 1e-7);
  REQUIRE(nn::sigmoid_cross_entropy_with_logits(zeros({0, 2}), zeros({0, 2})).shape() == Shape{0, 2});

  REQUIRE_THROWS_AS(nn::sigmoid_cross_entropy_with_logits(zeros({2}), zeros({3})), InvalidArgument);
  REQUIRE_THROWS_AS(nn::sigmoid_cross_entropy_with_logits(zeros({3}), zeros({3}, DType::Int32)), InvalidArgument);
}

TEST_CASE("nn::l2_loss is half the sum of squares", "[nn]") {
  for (DType dtype : kFloatTypes) {
    for (const Shape& shape : {Shape{}, Shape{7}, Shape{3, 5}, Shape{0, 2}}) {
      INFO(dtype_name(dtype) << shape.to_string());
      const Tensor t = random_tensor(shape, dtype, 41);
      double expected = 0;
      for (double v : as_doubles(t)) expected += v * v;
      const Tensor loss = nn::l2_loss(t);
      REQUIRE(loss.rank() == 0);
      REQUIRE(loss.dtype() == dtype);
      require_close(loss, {expected / 2}, rtol_for(dtype), rtol_for(dtype));
    }
  }
  REQUIRE_THROWS_AS(nn::l2_loss(zeros({2}, DType::Int32)), InvalidArgument);
}

TEST_CASE("nn re-exports the activations of eager::", "[nn]") {
  const Tensor x = constant({-2.0, -0.5, 0.0, 0.5, 7.0});
  REQUIRE(all_equal(nn::relu(x), relu(x)));
  REQUIRE(all_equal(nn::relu6(x), relu6(x)));
  REQUIRE(all_equal(nn::leaky_relu(x, 0.1), leaky_relu(x, 0.1)));
  REQUIRE(all_equal(nn::elu(x), elu(x)));
  REQUIRE(all_equal(nn::softplus(x), softplus(x)));
  REQUIRE(all_equal(nn::sigmoid(x), sigmoid(x)));
  REQUIRE(all_equal(nn::tanh(x), eager::tanh(x)));
  require_close(nn::relu6(x), {0, 0, 0, 0.5, 6});
}
