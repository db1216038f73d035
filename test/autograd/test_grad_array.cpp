// Gradient catalog of the shape and data-movement ops: every differentiable
// op against central differences (check_gradients) over several shapes, axes
// and masks, second derivatives through nested tapes, and a few gradients
// computed by hand.
#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

void require_gradients_match(const std::string& what, const Fn& f, const std::vector<Tensor>& inputs) {
  const GradientCheckResult result = check_gradients(f, inputs);
  INFO(what << ": " << result.report());
  REQUIRE(result.ok);
}

Tensor random64(const Shape& shape, unsigned seed) { return random_tensor(shape, DType::Float64, seed, -2, 2); }

// d sum(f(x) * w) / dx on a tape, for hand-computed expectations.
Tensor weighted_gradient(const Tensor& x, const std::function<Tensor(const Tensor&)>& f, const Tensor& w) {
  GradientTape tape;
  tape.watch(x);
  Tensor y = reduce_sum(f(x) * w);
  return tape.gradient(y, x);
}

// The gradient of sum(f(x)^3) with respect to every input, computed on an
// inner tape and concatenated as vectors: checking it differentiates the
// rules of f's ops (and of their own gradients) once more.
Fn second_order(const std::function<Tensor(const std::vector<Tensor>&)>& f) {
  return [f](const std::vector<Tensor>& x) {
    GradientTape inner;
    for (const Tensor& t : x)
      if (is_floating(t.dtype())) inner.watch(t);
    Tensor y = f(x);
    std::vector<Tensor> sources;
    for (const Tensor& t : x)
      if (is_floating(t.dtype())) sources.push_back(t);
    const std::vector<Tensor> grads = inner.gradient(reduce_sum(y * y * y), sources, UnconnectedGradients::Zero);
    std::vector<Tensor> flat;
    for (const Tensor& g : grads) flat.push_back(reshape(g, {-1}));
    return concat(flat, 0);
  };
}

}  // namespace

TEST_CASE("grad array: transpose, expand_dims, squeeze, reshape, broadcast_to", "[autograd][grad-array]") {
  const Tensor x = random64({2, 3, 4}, 1);
  require_gradients_match("transpose default", [](const auto& v) { return transpose(v[0]); }, {x});
  require_gradients_match("transpose (2, 0, 1)", [](const auto& v) { return transpose(v[0], {{2, 0, 1}}); }, {x});
  require_gradients_match("transpose negative perm",
                          [](const auto& v) { return transpose(v[0], {{-2, -1, 0}}); }, {x});
  require_gradients_match("expand_dims 0", [](const auto& v) { return expand_dims(v[0], 0); }, {x});
  require_gradients_match("expand_dims -1", [](const auto& v) { return expand_dims(v[0], -1); }, {x});
  require_gradients_match("expand_dims of a transpose",
                          [](const auto& v) { return expand_dims(transpose(v[0]), 2); }, {x});
  const Tensor ones_in = random64({1, 3, 1, 2}, 2);
  require_gradients_match("squeeze all", [](const auto& v) { return squeeze(v[0]); }, {ones_in});
  require_gradients_match("squeeze -2", [](const auto& v) { return squeeze(v[0], {-2}); }, {ones_in});
  require_gradients_match("reshape of a transposed view",
                          [](const auto& v) { return reshape(transpose(v[0], {{1, 0, 2}}), {4, -1}); }, {x});
  require_gradients_match("broadcast_to", [](const auto& v) { return broadcast_to(v[0], {3, 2, 3, 4}); },
                          {random64({2, 1, 4}, 3)});
  require_gradients_match("scalar through expand_dims and squeeze",
                          [](const auto& v) { return squeeze(expand_dims(v[0], 0)) * v[0]; }, {random64({}, 4)});
}

TEST_CASE("grad array: slice and strided_slice", "[autograd][grad-array]") {
  const Tensor x = random64({3, 4, 5}, 5);
  require_gradients_match("slice", [](const auto& v) { return slice(v[0], {1, 0, 2}, {2, -1, 2}); }, {x});
  require_gradients_match("slice to the end", [](const auto& v) { return slice(v[0], {2, 3, 0}, {-1, -1, -1}); },
                          {x});
  require_gradients_match("empty slice", [](const auto& v) { return slice(v[0], {1, 0, 0}, {0, 4, 5}); }, {x});
  require_gradients_match("slice of a transpose",
                          [](const auto& v) { return slice(transpose(v[0]), {1, 1, 0}, {3, 2, 2}); }, {x});

  const Tensor m = random64({5, 7}, 6);
  require_gradients_match("positive strides",
                          [](const auto& v) { return strided_slice(v[0], {1, 0}, {5, 7}, {2, 3}); }, {m});
  require_gradients_match("negative strides",
                          [](const auto& v) { return strided_slice(v[0], {4, -1}, {0, 0}, {-1, -2}); }, {m});
  require_gradients_match("masks with negative strides",
                          [](const auto& v) { return strided_slice(v[0], {0, 0}, {0, 0}, {-2, -3}, 3, 3); }, {m});
  require_gradients_match("begin mask, end mask",
                          [](const auto& v) { return strided_slice(v[0], {3, 2}, {1, 6}, {1, 2}, 1, 2); }, {m});
  require_gradients_match("out-of-range bounds are clamped",
                          [](const auto& v) { return strided_slice(v[0], {10, -10}, {-10, 10}, {-3, 4}); }, {m});
  require_gradients_match("shrink axis 0",
                          [](const auto& v) { return strided_slice(v[0], {2, 1}, {3, 6}, {1, 2}, 0, 0, 1); }, {m});
  require_gradients_match("shrink negative index on axis 1",
                          [](const auto& v) { return strided_slice(v[0], {0, -1}, {0, 0}, {1, 1}, 1, 1, 2); }, {m});
  require_gradients_match("shrink both axes",
                          [](const auto& v) { return strided_slice(v[0], {-2, 3}, {0, 0}, {1, 1}, 0, 0, 3); }, {m});
  require_gradients_match("empty range", [](const auto& v) { return strided_slice(v[0], {3}, {1}, {1}); }, {m});
  require_gradients_match("one element with a negative stride",
                          [](const auto& v) { return strided_slice(v[0], {2, 6}, {1, 4}, {-5, -4}); }, {m});
  require_gradients_match("fewer entries than axes",
                          [](const auto& v) { return strided_slice(v[0], {-1}, {-4}, {-1}); }, {x});
  require_gradients_match("rank 3 with a shrink in the middle",
                          [](const auto& v) { return strided_slice(v[0], {0, 2, 4}, {3, 3, 0}, {2, 1, -2}, 0, 0, 2); },
                          {x});
  require_gradients_match("strided slice of a transposed view",
                          [](const auto& v) { return strided_slice(transpose(v[0]), {6, 0}, {0, 5}, {-3, 2}); }, {m});
  require_gradients_match("scalar with no entries", [](const auto& v) { return strided_slice(v[0], {}, {}) * v[0]; },
                          {random64({}, 7)});
}

TEST_CASE("grad array: concat, stack, split, unstack", "[autograd][grad-array]") {
  const Tensor a = random64({2, 3}, 8), b = random64({2, 1}, 9), c = random64({2, 4}, 10);
  require_gradients_match("concat axis 1", [](const auto& v) { return concat({v[0], v[1], v[2]}, 1); }, {a, b, c});
  require_gradients_match("concat axis -2",
                          [](const auto& v) { return concat({transpose(v[0]), v[1]}, -2); }, {a, random64({4, 2}, 11)});
  require_gradients_match("concat of one tensor twice", [](const auto& v) { return concat({v[0], v[0]}, 0); }, {a});
  require_gradients_match("stack axis 0", [](const auto& v) { return stack({v[0], v[1]}); }, {a, random64({2, 3}, 12)});
  require_gradients_match("stack axis -1", [](const auto& v) { return stack({v[0], v[1], v[0]}, -1); },
                          {a, random64({2, 3}, 13)});
  require_gradients_match("stack scalars", [](const auto& v) { return stack({v[0], v[1]}); },
                          {random64({}, 14), random64({}, 15)});

  const Tensor x = random64({3, 6, 2}, 16);
  require_gradients_match("split into equal parts, all used", [](const auto& v) {
    const auto parts = split(v[0], 3, 1);
    return parts[0] * parts[1] + parts[2];
  }, {x});
  require_gradients_match("split with sizes, middle part unused", [](const auto& v) {
    const auto parts = split(v[0], std::vector<std::int64_t>{2, -1, 2}, -2);
    return parts[0] * parts[2];
  }, {x});
  require_gradients_match("split of a transposed view, one part", [](const auto& v) {
    return split(transpose(v[0]), std::vector<std::int64_t>{1, 2}, 2)[1];
  }, {x});
  require_gradients_match("unstack, reordered and partly used", [](const auto& v) {
    const auto rows = unstack(v[0], 1);
    return stack({rows[4], rows[0] * rows[1]});
  }, {x});
  require_gradients_match("unstack axis -1", [](const auto& v) {
    const auto cols = unstack(v[0], -1);
    return cols[1] - cols[0] * cols[0];
  }, {x});
}

TEST_CASE("grad array: gather", "[autograd][grad-array]") {
  const Tensor x = random64({4, 3}, 17);
  const Tensor repeated = constant({0, 2, 0, 0, 3});
  require_gradients_match("axis 0, repeated indices", [&](const auto& v) { return gather(v[0], repeated); }, {x});
  const Tensor matrix = constant({{2, 0}, {2, 2}}, DType::Int64);
  require_gradients_match("axis 1, 2-D int64 indices", [&](const auto& v) { return gather(v[0], matrix, 1); }, {x});
  require_gradients_match("axis -1 of rank 3", [&](const auto& v) { return gather(v[0], repeated, -1); },
                          {random64({2, 3, 4}, 18)});
  require_gradients_match("axis 1 of rank 3 (batched)", [&](const auto& v) { return gather(v[0], matrix, 1); },
                          {random64({2, 3, 4}, 19)});
  require_gradients_match("0-d index", [](const auto& v) { return gather(v[0], scalar(1), 1); }, {x});
  require_gradients_match("no indices", [](const auto& v) { return gather(v[0], zeros({0}, DType::Int32)); }, {x});
  require_gradients_match("indices as an integer input",
                          [](const auto& v) { return gather(transpose(v[0]), v[1], 1) * 2.0; }, {x, repeated});
  // The gradient reads the indices again; values changed in place since the
  // gather (a variable's) are checked rather than written out of bounds.
  Variable moving(constant({0, 1}), "moving", false);
  GradientTape tape(true);
  tape.watch(x);
  Tensor y = gather(x, moving.value());
  moving.assign(constant({0, 7}));
  CHECK_THROWS_AS(tape.gradient(y, x), OutOfRange);
  CHECK_THROWS_WITH(tape.gradient(y, x), Catch::Contains("gather gradient") && Catch::Contains("indices[1] = 7"));
}

TEST_CASE("grad array: pad, tile, reverse", "[autograd][grad-array]") {
  const Tensor x = random64({2, 3}, 20);
  require_gradients_match("pad asymmetric", [](const auto& v) { return pad(v[0], {{1, 0}, {2, 3}}); }, {x});
  require_gradients_match("pad with a constant", [](const auto& v) { return pad(v[0], {{0, 2}, {1, 1}}, 5.0); }, {x});
  require_gradients_match("pad nothing", [](const auto& v) { return pad(v[0], {{0, 0}, {0, 0}}); }, {x});
  require_gradients_match("pad a transposed view",
                          [](const auto& v) { return pad(transpose(v[0]), {{2, 1}, {0, 1}}); }, {x});

  require_gradients_match("tile 2x1", [](const auto& v) { return tile(v[0], {2, 1}); }, {x});
  require_gradients_match("tile 1x3", [](const auto& v) { return tile(v[0], {1, 3}); }, {x});
  require_gradients_match("tile 3x2", [](const auto& v) { return tile(v[0], {3, 2}); }, {x});
  require_gradients_match("tile rank 3 with 1s", [](const auto& v) { return tile(v[0], {1, 2, 1}); },
                          {random64({2, 1, 3}, 21)});
  require_gradients_match("tile a scalar", [](const auto& v) { return tile(v[0], {}) * v[0]; }, {random64({}, 22)});

  require_gradients_match("reverse axis 0", [](const auto& v) { return reverse(v[0], {0}); }, {x});
  require_gradients_match("reverse axes -1 and 0", [](const auto& v) { return reverse(v[0], {-1, 0}); }, {x});
  require_gradients_match("reverse no axis", [](const auto& v) { return reverse(v[0], {}); }, {x});
  require_gradients_match("reverse a strided view", [](const auto& v) {
    return reverse(strided_slice(v[0], {0, 0}, {0, 0}, {1, 2}, 3, 3), {1});
  }, {x});
}

TEST_CASE("grad array: Tensor methods clone, contiguous, operator[], to", "[autograd][grad-array]") {
  const Tensor x = random64({3, 4}, 23);
  require_gradients_match("clone", [](const auto& v) { return v[0].clone() * v[0]; }, {x});
  require_gradients_match("contiguous of a view", [](const auto& v) { return transpose(v[0]).contiguous(); }, {x});
  require_gradients_match("contiguous of a contiguous tensor", [](const auto& v) { return v[0].contiguous(); }, {x});
  require_gradients_match("operator[]", [](const auto& v) { return v[0][1]; }, {x});
  require_gradients_match("operator[] negative", [](const auto& v) { return v[0][-1] * v[0][0]; }, {x});
  require_gradients_match("operator[] twice", [](const auto& v) { return v[0][2][3]; }, {x});
  require_gradients_match("operator[] of a transpose", [](const auto& v) { return transpose(v[0])[2]; }, {x});
  require_gradients_match("to the same device", [](const auto& v) { return v[0].to(Device::cpu()) * v[0]; }, {x});
}

TEST_CASE("grad array: second derivatives through nested tapes", "[autograd][grad-array]") {
  const Tensor indices = constant({1, 0, 1, 3});
  require_gradients_match("gather", second_order([&](const auto& v) { return gather(v[0], indices, 1); }),
                          {random64({2, 4}, 24)});
  require_gradients_match("concat", second_order([](const auto& v) { return concat({v[0], v[1] * v[0]}, 1); }),
                          {random64({2, 2}, 25), random64({2, 2}, 26)});
  require_gradients_match("strided_slice", second_order([](const auto& v) {
    return strided_slice(v[0], {4, 0}, {0, 0}, {-2, 3}, 0, 2);
  }), {random64({5, 7}, 27)});
  require_gradients_match("strided_slice with shrink", second_order([](const auto& v) {
    return strided_slice(v[0], {1, -1}, {0, 0}, {1, -3}, 0, 2, 1);
  }), {random64({5, 7}, 28)});
  require_gradients_match("split and stack", second_order([](const auto& v) {
    const auto parts = split(v[0], 2, 0);
    return stack({parts[1], parts[0] * parts[0]}, 1);
  }), {random64({4, 3}, 29)});
  require_gradients_match("tile and pad", second_order([](const auto& v) {
    return pad(tile(v[0], {2, 1}), {{1, 0}, {0, 2}});
  }), {random64({2, 3}, 30)});
}

TEST_CASE("grad array: hand-computed gradients", "[autograd][grad-array]") {
  // x[5], x[3], x[1] with weights 1, 2, 3.
  require_close(weighted_gradient(range(6.0),
                                  [](const Tensor& t) { return strided_slice(t, {5}, {0}, {-2}); },
                                  constant({1.0f, 2.0f, 3.0f})),
                {0, 3, 0, 2, 0, 1});
  // Rows 0, 2, 0 of [[.], [.], [.]]: row 0 collects the weights of two picks.
  const Tensor x = constant({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  Tensor g = weighted_gradient(x, [](const Tensor& t) { return gather(t, constant({0, 2, 0})); },
                               constant({{1.0, 10.0}, {100.0, 1000.0}, {2.0, 20.0}}));
  CHECK(g.shape() == Shape{3, 2});
  require_close(g, {3, 30, 0, 0, 100, 1000});
  // Each element of x appears three times in tile(x, [3]).
  require_close(weighted_gradient(constant({1.0f, 2.0f}), [](const Tensor& t) { return tile(t, {3}); },
                                  constant({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f})),
                {9, 12});
  // Tiling zero times: x contributes nothing, but its gradient is zeros, not missing.
  Tensor tiled_away = weighted_gradient(constant({1.0, 2.0}), [](const Tensor& t) { return tile(t, {0}); },
                                        zeros({0}, DType::Float64));
  REQUIRE(tiled_away.defined());
  require_close(tiled_away, {0, 0});
  // pad takes x to positions 1..2 of a length-5 vector.
  require_close(weighted_gradient(constant({1.0, 2.0}), [](const Tensor& t) { return pad(t, {{1, 2}}, 7.0); },
                                  constant({1.0, 2.0, 3.0, 4.0, 5.0})),
                {2, 3});
  // A split whose other parts are unused gets zeros there.
  require_close(weighted_gradient(range(5.0), [](const Tensor& t) { return split(t, {2, 3})[1]; },
                                  constant({7.0, 8.0, 9.0})),
                {0, 0, 7, 8, 9});
  // clone and the identity move to the same device pass the gradient unchanged.
  require_close(weighted_gradient(constant({1.0f, -1.0f}), [](const Tensor& t) { return t.clone().to(Device::cpu()); },
                                  constant({4.0f, 5.0f})),
                {4, 5});
  // contiguous() of a transpose: the gradient is the transposed weights.
  require_close(weighted_gradient(x, [](const Tensor& t) { return transpose(t).contiguous(); },
                                  constant({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}})),
                {1, 4, 2, 5, 3, 6});
}

TEST_CASE("grad array: gradients keep the source dtype; integer inputs get none", "[autograd][grad-array]") {
  Tensor x = constant({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}});
  Tensor indices = constant({2, 2});
  GradientTape tape(true);
  tape.watch(x);
  Tensor y = reduce_sum(gather(reverse(x, {1}), indices, 1) * concat({x, x}, 1)[0][0]);
  Tensor g = tape.gradient(y, x);
  REQUIRE(g.dtype() == DType::Float32);
  // The gather picks [[x00, x00], [x10, x10]], so y = (2 x00 + 2 x10) * x00:
  // d/dx00 = 4 x00 + 2 x10, d/dx10 = 2 x00.
  require_close(g, {4 * 1 + 2 * 4, 0, 0, 2 * 1, 0, 0});
  CHECK_THROWS_WITH(tape.gradient(y, indices), Catch::Contains("int32") && Catch::Contains("floating"));
  // Integer ops under a tape are not recorded and do not disturb it: the
  // persistent tape still gives the same gradient afterwards.
  Tensor ints = tile(concat({indices, indices}, 0), {2});
  CHECK(ints.dtype() == DType::Int32);
  require_close(tape.gradient(y, x), {4 * 1 + 2 * 4, 0, 0, 2 * 1, 0, 0});
}
