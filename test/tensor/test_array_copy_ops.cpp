// Op catalog for the copying array ops (concat, stack, gather, one_hot, pad,
// tile, reverse): references computed with plain loops on float64 copies,
// every dtype, non-contiguous inputs, 0-d and empty tensors, and tensors large
// enough to take the parallel paths.
#include <vector>

#include "array_test_util.hpp"

using namespace eager;
using namespace eager::test;
using eager::test::Index;

namespace {

std::vector<double> concat_ref(const std::vector<Tensor>& values, int axis, Shape* out_shape) {
  *out_shape = values[0].shape();
  (*out_shape)[axis] = 0;
  for (const Tensor& v : values) (*out_shape)[axis] += v.shape()[axis];
  std::vector<std::vector<double>> data;
  for (const Tensor& v : values) data.push_back(v.to_vector<double>());
  std::vector<double> out;
  for (std::int64_t i = 0; i < out_shape->num_elements(); ++i) {
    Index idx = unravel(i, *out_shape);
    std::size_t k = 0;
    while (idx[axis] >= values[k].shape()[axis]) idx[axis] -= values[k++].shape()[axis];
    out.push_back(data[k][ravel(idx, values[k].shape())]);
  }
  return out;
}

// Three inputs of one dtype that differ along `axis`: contiguous, transposed
// and strided views.
std::vector<Tensor> concat_inputs(DType dtype, int axis, unsigned seed) {
  Shape s0{2, 3, 4}, s1 = s0, s2 = s0;
  s1[axis] = 2;
  s2[axis] = 1;
  Tensor a = random_tensor(s0, dtype, seed);
  Tensor b = transpose(random_tensor(Shape{s1[2], s1[1], s1[0]}, dtype, seed + 1));
  Tensor c2 = random_tensor(Shape{s2[0] * 2, s2[1], s2[2]}, dtype, seed + 2);
  Tensor c = strided_slice(c2, {1}, {0}, {2}, 0, 1);
  REQUIRE_FALSE(b.is_contiguous());
  REQUIRE(c.shape() == s2);
  return {a, b, c};
}

}  // namespace

TEST_CASE("concat: every dtype and axis, views as inputs", "[array]") {
  for (DType dtype : kAllDTypes) {
    for (int axis : {0, 1, 2, -1}) {
      const int a = axis < 0 ? axis + 3 : axis;
      const auto inputs = concat_inputs(dtype, a, 20 + static_cast<unsigned>(a));
      Shape shape;
      const auto expected = concat_ref(inputs, a, &shape);
      Tensor out = concat(inputs, axis);
      require_same(out, shape, dtype, expected);
      REQUIRE(out.is_contiguous());
      REQUIRE_FALSE(out.shares_storage_with(inputs[0]));
    }
  }
  Tensor one = range(4);
  Tensor copy = concat({one}, 0);
  require_same(copy, Shape{4}, DType::Int32, {0, 1, 2, 3});
  REQUIRE_FALSE(copy.shares_storage_with(one));
  Tensor no_rows = zeros(Shape{0, 2}, DType::Int64);
  require_same(concat({no_rows, ones(Shape{1, 2}, DType::Int64), no_rows}, 0), Shape{1, 2}, DType::Int64, {1, 1});
  REQUIRE(concat({zeros(Shape{2, 0}), zeros(Shape{3, 0})}, 0).shape() == (Shape{5, 0}));
  // Broadcast (stride 0) inputs.
  require_same(concat({broadcast_to(scalar(7), Shape{2, 2}), range(2).reshape(Shape{1, 2})}, 0), Shape{3, 2},
               DType::Int32, {7, 7, 7, 7, 0, 1});

  Tensor x = zeros(Shape{2, 3});
  REQUIRE_THROWS_AS(concat({}, 0), InvalidArgument);
  REQUIRE_THROWS_AS(concat({x, Tensor()}, 0), InvalidArgument);
  REQUIRE_THROWS_AS(concat({scalar(1.f), scalar(2.f)}, 0), InvalidArgument);
  REQUIRE_THROWS_AS(concat({x, x}, 2), OutOfRange);
  REQUIRE_THROWS_AS(concat({x, zeros(Shape{2, 3}, DType::Float64)}, 0), InvalidArgument);
  REQUIRE_THROWS_AS(concat({x, zeros(Shape{6})}, 0), InvalidArgument);
  REQUIRE_THROWS_AS(concat({x, zeros(Shape{2, 4})}, 0), InvalidArgument);
  require_message([&] { concat({x, x, zeros(Shape{3, 3})}, 1); }, "tensor 2");
  require_message([&] { concat({x, x, zeros(Shape{3, 3})}, 1); }, "dimension 0");
  require_message([&] { concat({x, zeros(Shape{2, 3}, DType::Int32)}, 1); }, "int32");
  Tensor one_elem = zeros(Shape{1});
  Tensor huge_a = broadcast_to(one_elem, Shape{INT64_MAX / 2});
  Tensor huge_b = broadcast_to(one_elem, Shape{INT64_MAX / 2 + 2});
  REQUIRE_THROWS_AS(concat({huge_a, huge_b}, 0), InvalidArgument);
}

TEST_CASE("stack: a new axis, scalars into vectors", "[array]") {
  for (DType dtype : kAllDTypes) {
    Tensor a = random_tensor(Shape{2, 3}, dtype, 30);
    Tensor b = transposed_input(Shape{2, 3}, dtype, 31);
    Tensor c = slice(random_tensor(Shape{4, 5}, dtype, 32), {1, 1}, {2, 3});
    const std::vector<Tensor> values = {a, b, c};
    for (int axis : {0, 1, 2, -1, -3}) {
      const int ax = axis < 0 ? axis + 3 : axis;
      Shape shape{2, 3};
      shape.insert(ax, 3);
      const auto expected = [&] {
        std::vector<double> out;
        for (std::int64_t i = 0; i < shape.num_elements(); ++i) {
          Index idx = unravel(i, shape);
          const auto k = idx[ax];
          idx.erase(idx.begin() + ax);
          out.push_back(values[k].to_vector<double>()[ravel(idx, Shape{2, 3})]);
        }
        return out;
      }();
      require_same(stack(values, axis), shape, dtype, expected);
    }
  }
  require_same(stack({scalar(1.5), scalar(2.5), scalar(-1.0)}), Shape{3}, DType::Float32, {1.5, 2.5, -1});
  REQUIRE(stack({zeros(Shape{0, 2}), zeros(Shape{0, 2})}, 1).shape() == (Shape{0, 2, 2}));

  REQUIRE_THROWS_AS(stack({}), InvalidArgument);
  REQUIRE_THROWS_AS(stack({zeros(Shape{2}), zeros(Shape{3})}), InvalidArgument);
  REQUIRE_THROWS_AS(stack({zeros(Shape{2}), zeros(Shape{2}, DType::Int32)}), InvalidArgument);
  REQUIRE_THROWS_AS(stack({zeros(Shape{2})}, 2), OutOfRange);
  REQUIRE_THROWS_AS(stack({zeros(Shape{2})}, -3), OutOfRange);
  require_message([] { stack({zeros(Shape{2}), zeros(Shape{2}), zeros(Shape{3})}); }, "tensor 2");
}

TEST_CASE("gather: index tensors of any shape along any axis", "[array]") {
  const Shape shape{4, 5, 3};
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(shape, dtype, 40);
    Tensor xt = transpose(random_tensor(Shape{3, 5, 4}, dtype, 41));
    for (const Tensor& params : {x, xt}) {
      const auto pv = params.to_vector<double>();
      for (DType idt : {DType::Int32, DType::Int64}) {
        for (int axis : {0, 1, 2, -2}) {
          const int a = axis < 0 ? axis + 3 : axis;
          const std::int64_t dim = shape[a];
          const std::vector<Tensor> index_sets = {
              constant(std::vector<std::int64_t>{dim - 1, 0, 1, dim - 1, 2, 0}, Shape{2, 3}, idt),
              scalar(dim - 2, idt), constant(std::vector<std::int64_t>{}, Shape{0}, idt),
              transpose(constant(std::vector<std::int64_t>{1, 0, 2, 2, 0, 1}, Shape{2, 3}, idt))};
          for (const Tensor& ind : index_sets) {
            const auto iv = ind.to_vector<std::int64_t>();
            Shape out_shape;
            for (int d = 0; d < a; ++d) out_shape.push_back(shape[d]);
            for (auto d : ind.shape().dims()) out_shape.push_back(d);
            for (int d = a + 1; d < 3; ++d) out_shape.push_back(shape[d]);
            const auto expected = gather_ref(pv, shape, out_shape, [&](const Index& o) {
              Index ii(o.begin() + a, o.begin() + a + ind.rank());
              Index in(o.begin(), o.begin() + a);
              in.push_back(iv[ravel(ii, ind.shape())]);
              in.insert(in.end(), o.begin() + a + ind.rank(), o.end());
              return in;
            });
            require_same(gather(params, ind, axis), out_shape, dtype, expected);
          }
        }
      }
    }
  }
  require_same(gather(range(10, 0, -1), constant({9, 0, 4})), Shape{3}, DType::Int32, {1, 10, 6});
  REQUIRE(gather(zeros(Shape{0, 3}), constant(std::vector<int>{}, Shape{0})).shape() == (Shape{0, 3}));

  Tensor x = zeros(Shape{3, 4});
  REQUIRE_THROWS_AS(gather(x, constant({0.f, 1.f})), InvalidArgument);
  REQUIRE_THROWS_AS(gather(x, constant({true})), InvalidArgument);
  REQUIRE_THROWS_AS(gather(x, constant({0, 3})), OutOfRange);
  REQUIRE_THROWS_AS(gather(x, constant({-1})), OutOfRange);
  REQUIRE_THROWS_AS(gather(x, constant({0}), 2), OutOfRange);
  REQUIRE_THROWS_AS(gather(zeros(Shape{0, 3}), constant({0})), OutOfRange);
  REQUIRE_THROWS_AS(gather(scalar(1), constant({0})), InvalidArgument);
  require_message([&] { gather(x, constant({{0, 1}, {7, 2}})); }, "indices[1, 0] = 7");
  require_message([&] { gather(x, scalar(-5, DType::Int64), 1); }, "-5");
}

TEST_CASE("one_hot: integer indices, on/off values, dtypes", "[array]") {
  for (DType idt : {DType::UInt8, DType::Int32, DType::Int64}) {
    for (DType dtype : kAllDTypes) {
      Tensor ind = transpose(constant(std::vector<std::int64_t>{0, 2, 5, 1, 3, 2}, Shape{2, 3}, idt));
      const auto iv = ind.to_vector<std::int64_t>();
      const double on = dtype == DType::Bool ? 1 : 3, off = dtype == DType::Bool ? 0 : 1;
      std::vector<double> expected;
      for (auto i : iv)
        for (std::int64_t j = 0; j < 4; ++j) expected.push_back(i == j ? on : off);
      require_same(one_hot(ind, 4, on, off, dtype), Shape{3, 2, 4}, dtype, expected);
    }
  }
  require_same(one_hot(constant({1, -1, 2}), 3), Shape{3, 3}, DType::Float32, {0, 1, 0, 0, 0, 0, 0, 0, 1});
  require_same(one_hot(scalar(std::int64_t{1}), 2), Shape{2}, DType::Float32, {0, 1});
  REQUIRE(one_hot(constant({1, 2}), 0).shape() == (Shape{2, 0}));
  REQUIRE(one_hot(constant(std::vector<int>{}, Shape{0}), 3).shape() == (Shape{0, 3}));

  REQUIRE_THROWS_AS(one_hot(constant({1}), -1), InvalidArgument);
  REQUIRE_THROWS_AS(one_hot(constant({1.0}), 3), InvalidArgument);
  REQUIRE_THROWS_AS(one_hot(constant({true}), 3), InvalidArgument);
  REQUIRE_THROWS_AS(one_hot(constant({1}), 3, 300, 0, DType::UInt8), InvalidArgument);
  REQUIRE_THROWS_AS(one_hot(constant({1}), 3, 1.5, 0, DType::Int32), InvalidArgument);
}

TEST_CASE("pad: constant mode over every dtype", "[array]") {
  const std::vector<std::pair<std::int64_t, std::int64_t>> paddings = {{1, 2}, {0, 1}};
  for (DType dtype : kAllDTypes) {
    for (const Tensor& x : {random_tensor(Shape{3, 4}, dtype, 50), transposed_input(Shape{3, 4}, dtype, 51)}) {
      const auto xv = x.to_vector<double>();
      const double c = dtype == DType::Bool ? 1 : 9;
      std::vector<double> expected;
      for (std::int64_t i = 0; i < 6; ++i)
        for (std::int64_t j = 0; j < 5; ++j)
          expected.push_back(i >= 1 && i < 4 && j < 4 ? xv[(i - 1) * 4 + j] : c);
      require_same(pad(x, paddings, c), Shape{6, 5}, dtype, expected);
      require_same(pad(x, {{0, 0}, {0, 0}}), Shape{3, 4}, dtype, xv);
    }
  }
  require_same(pad(scalar(5), {}), Shape{}, DType::Int32, {5});
  require_same(pad(zeros(Shape{0}, DType::Int64), {{1, 1}}, -2), Shape{2}, DType::Int64, {-2, -2});
  require_same(pad(constant({1.5, 2.5}), {{1, 0}}, 0.25), Shape{3}, DType::Float64, {0.25, 1.5, 2.5});
  REQUIRE(pad(zeros(Shape{0, 2}), {{0, 0}, {3, 3}}).shape() == (Shape{0, 8}));

  Tensor x = zeros(Shape{2, 2});
  REQUIRE_THROWS_AS(pad(x, {{1, 1}}), InvalidArgument);
  REQUIRE_THROWS_AS(pad(x, {{1, 1}, {-1, 0}}), InvalidArgument);
  REQUIRE_THROWS_AS(pad(x, {{0, 0}, {INT64_MAX, 0}}), InvalidArgument);
  REQUIRE_THROWS_AS(pad(zeros(Shape{2}, DType::UInt8), {{1, 1}}, -1), InvalidArgument);
  REQUIRE_THROWS_AS(pad(zeros(Shape{2}, DType::Int32), {{1, 1}}, 0.5), InvalidArgument);
  REQUIRE_THROWS_AS(pad(zeros(Shape{2}, DType::Int64), {{1, 1}}, 1e19), InvalidArgument);
}

TEST_CASE("tile: repeats along every axis", "[array]") {
  for (DType dtype : kAllDTypes) {
    for (const Tensor& x : {random_tensor(Shape{2, 3}, dtype, 60), transposed_input(Shape{2, 3}, dtype, 61)}) {
      const auto xv = x.to_vector<double>();
      for (const Index& m : {Index{1, 1}, Index{2, 3}, Index{3, 1}, Index{1, 2}, Index{0, 2}}) {
        const Shape shape{2 * m[0], 3 * m[1]};
        const auto expected =
            gather_ref(xv, x.shape(), shape, [](const Index& o) { return Index{o[0] % 2, o[1] % 3}; });
        require_same(tile(x, m), shape, dtype, expected);
      }
    }
  }
  require_same(tile(scalar(3), {}), Shape{}, DType::Int32, {3});
  require_same(tile(constant({{1}, {2}}), {2, 3}), Shape{4, 3}, DType::Int32, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
  REQUIRE(tile(zeros(Shape{0, 2}), {5, 2}).shape() == (Shape{0, 4}));

  Tensor x = zeros(Shape{2, 2});
  REQUIRE_THROWS_AS(tile(x, {2}), InvalidArgument);
  REQUIRE_THROWS_AS(tile(x, {2, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(tile(x, {INT64_MAX, 1}), InvalidArgument);
}

TEST_CASE("reverse: any set of axes", "[array]") {
  const Shape shape{3, 4, 2};
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(shape, dtype, 70);
    Tensor xt = transpose(random_tensor(Shape{2, 4, 3}, dtype, 71));
    for (const Tensor& in : {x, xt}) {
      const auto v = in.to_vector<double>();
      for (const std::vector<int>& axes : std::vector<std::vector<int>>{{}, {0}, {1}, {-1}, {0, 2}, {2, 1, 0}}) {
        bool flip[3] = {false, false, false};
        for (int a : axes) flip[a < 0 ? a + 3 : a] = true;
        const auto expected = gather_ref(v, shape, shape, [&](const Index& o) {
          Index i = o;
          for (int d = 0; d < 3; ++d)
            if (flip[d]) i[d] = shape[d] - 1 - o[d];
          return i;
        });
        Tensor r = reverse(in, axes);
        require_same(r, shape, dtype, expected);
        REQUIRE_FALSE(r.shares_storage_with(in));
      }
    }
  }
  require_same(reverse(scalar(2), {}), Shape{}, DType::Int32, {2});
  REQUIRE(reverse(zeros(Shape{0, 3}), {0, 1}).shape() == (Shape{0, 3}));

  Tensor x = zeros(Shape{2, 3});
  REQUIRE_THROWS_AS(reverse(x, {0, 0}), InvalidArgument);
  REQUIRE_THROWS_AS(reverse(x, {1, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(reverse(x, {2}), OutOfRange);
  REQUIRE_THROWS_AS(reverse(scalar(1), {0}), OutOfRange);
}

TEST_CASE("copying array ops on large tensors (parallel paths)", "[array]") {
  const Shape shape{300, 517};
  Tensor a = random_tensor(shape, DType::Float32, 80);
  Tensor b = transpose(random_tensor(Shape{517, 300}, DType::Float32, 81));
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();

  for (int axis : {0, 1}) {
    Shape out_shape;
    const auto expected = concat_ref({a, b}, axis, &out_shape);
    require_same(concat({a, b}, axis), out_shape, DType::Float32, expected);
  }

  std::vector<std::int64_t> idx;
  for (std::int64_t i = 0; i < 2000; ++i) idx.push_back((i * 7919) % 517);
  Tensor ind = constant(idx, Shape{2000});
  std::vector<double> expected;
  for (std::int64_t r = 0; r < 300; ++r)
    for (auto i : idx) expected.push_back(av[r * 517 + i]);
  require_same(gather(a, ind, 1), Shape{300, 2000}, DType::Float32, expected);
  expected.clear();
  for (auto i : std::vector<std::int64_t>(idx.begin(), idx.begin() + 290))
    for (std::int64_t c = 0; c < 517; ++c) expected.push_back(bv[(i % 300) * 517 + c]);
  std::vector<std::int64_t> rows;
  for (std::int64_t k = 0; k < 290; ++k) rows.push_back(idx[k] % 300);
  require_same(gather(b, constant(rows, Shape{290}), 0), Shape{290, 517}, DType::Float32, expected);

  require_same(tile(b, {2, 1}), Shape{600, 517}, DType::Float32,
               gather_ref(bv, shape, Shape{600, 517}, [](const Index& o) { return Index{o[0] % 300, o[1]}; }));
  require_same(reverse(b, {1}), shape, DType::Float32,
               gather_ref(bv, shape, shape, [](const Index& o) { return Index{o[0], 516 - o[1]}; }));
  require_same(pad(a, {{3, 1}, {2, 5}}, -1.0), Shape{304, 524}, DType::Float32,
               [&] {
                 std::vector<double> out;
                 for (std::int64_t i = 0; i < 304; ++i)
                   for (std::int64_t j = 0; j < 524; ++j)
                     out.push_back(i >= 3 && i < 303 && j >= 2 && j < 519 ? av[(i - 3) * 517 + j - 2] : -1.0);
                 return out;
               }());
  // A batch of transposed matrices of every element size (the tiled copy path).
  for (DType dtype : {DType::UInt8, DType::Int32, DType::Float64}) {
    Tensor t3 = transpose(random_tensor(Shape{7, 70, 45}, dtype, 82), std::vector<int>{0, 2, 1});
    const auto t3v = t3.to_vector<double>();
    Shape out_shape;
    const auto cat = concat_ref({t3, t3}, 1, &out_shape);
    require_same(concat({t3, t3}, 1), out_shape, dtype, cat);
    std::vector<double> padded;
    for (std::int64_t i = 0; i < 7; ++i)
      for (std::int64_t j = 0; j < 46; ++j)
        for (std::int64_t k = 0; k < 72; ++k)
          padded.push_back(j >= 1 && k < 70 ? t3v[(i * 45 + j - 1) * 70 + k] : 1.0);
    require_same(pad(t3, {{0, 0}, {1, 0}, {0, 2}}, 1), Shape{7, 46, 72}, dtype, padded);
  }

  Tensor oh = one_hot(constant(rows, Shape{290}), 300);
  const auto ohv = oh.to_vector<double>();
  for (std::int64_t k = 0; k < 290; ++k)
    for (std::int64_t j = 0; j < 300; ++j) REQUIRE(ohv[k * 300 + j] == (j == rows[k] ? 1.0 : 0.0));
}
