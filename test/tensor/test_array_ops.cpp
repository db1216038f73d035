// Op catalog for shapes and data movement: every op against a reference
// computed with plain loops on row-major float64 copies, over all dtypes,
// non-contiguous inputs, 0-d and empty tensors; views must share storage.
#include <random>
#include <vector>

#include "array_test_util.hpp"

using namespace eager;
using namespace eager::test;
using eager::test::Index;

TEST_CASE("reshape: views contiguous data, copies views, infers -1", "[array]") {
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(Shape{2, 3, 4}, dtype, 1);
    Tensor r = reshape(x, Shape{4, -1});
    require_same(r, Shape{4, 6}, dtype, x.to_vector<double>());
    REQUIRE(r.shares_storage_with(x));
    REQUIRE(x.reshape(Shape{24}).shares_storage_with(x));

    Tensor t = transpose(x);
    Tensor rt = reshape(t, Shape{-1});
    REQUIRE_FALSE(rt.shares_storage_with(x));
    require_same(rt, Shape{24}, dtype, t.to_vector<double>());
  }
  Tensor s = scalar(7);
  REQUIRE(reshape(s, Shape{1, 1}).shape() == (Shape{1, 1}));
  REQUIRE(reshape(reshape(s, Shape{-1}), Shape{}).item<int>() == 7);
  REQUIRE(reshape(zeros(Shape{0, 3}), Shape{3, 0, 5}).shape() == (Shape{3, 0, 5}));
  REQUIRE(reshape(zeros(Shape{0, 3}), Shape{-1}).shape() == (Shape{0}));
  // A slice keeps its offset when reshaped as a view.
  Tensor row = range(12).reshape(Shape{3, 4})[2];
  require_same(reshape(row, Shape{2, 2}), Shape{2, 2}, DType::Int32, {8, 9, 10, 11});

  Tensor x = zeros(Shape{2, 3});
  REQUIRE_THROWS_AS(reshape(x, Shape{4, 2}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(x, Shape{-1, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(x, Shape{-2, -3}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(x, Shape{4, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(zeros(Shape{0}), Shape{0, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(x, Shape{std::int64_t{1} << 62, 8, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(reshape(Tensor(), Shape{1}), InvalidArgument);
}

TEST_CASE("transpose: permuted strides over shared storage", "[array]") {
  const Shape shape{2, 3, 4};
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(shape, dtype, 2);
    const auto xv = x.to_vector<double>();
    const std::vector<std::vector<int>> perms = {{0, 1, 2}, {2, 1, 0}, {1, 0, 2}, {0, 2, 1}, {2, 0, 1}, {-1, 0, -2}};
    for (const auto& perm : perms) {
      Tensor t = transpose(x, perm);
      Shape out_shape = shape;
      std::vector<int> p;
      for (int a : perm) p.push_back(a < 0 ? a + 3 : a);
      for (int i = 0; i < 3; ++i) out_shape[i] = shape[p[i]];
      const auto expected = gather_ref(xv, shape, out_shape, [&](const Index& o) {
        Index in(3);
        for (int i = 0; i < 3; ++i) in[p[i]] = o[i];
        return in;
      });
      require_same(t, out_shape, dtype, expected);
      REQUIRE(t.shares_storage_with(x));
    }
    REQUIRE(transpose(x).shape() == (Shape{4, 3, 2}));
  }
  REQUIRE(transpose(scalar(3.0)).item<double>() == 3.0);
  REQUIRE(transpose(zeros(Shape{0, 5})).shape() == (Shape{5, 0}));

  Tensor x = zeros(Shape{2, 3});
  REQUIRE_THROWS_AS(transpose(x, std::vector<int>{0}), InvalidArgument);
  REQUIRE_THROWS_AS(transpose(x, std::vector<int>{0, 0}), InvalidArgument);
  REQUIRE_THROWS_AS(transpose(x, std::vector<int>{1, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(transpose(x, std::vector<int>{0, 2}), OutOfRange);
}

TEST_CASE("expand_dims and squeeze", "[array]") {
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(Shape{2, 3}, dtype, 3);
    const auto xv = x.to_vector<double>();
    const std::vector<std::pair<int, Shape>> cases = {
        {0, Shape{1, 2, 3}}, {1, Shape{2, 1, 3}}, {2, Shape{2, 3, 1}}, {-1, Shape{2, 3, 1}}, {-3, Shape{1, 2, 3}}};
    for (const auto& [axis, shape] : cases) {
      Tensor e = expand_dims(x, axis);
      require_same(e, shape, dtype, xv);
      REQUIRE(e.is_contiguous());
      REQUIRE(e.shares_storage_with(x));
      Tensor s = squeeze(e, {axis});
      require_same(s, x.shape(), dtype, xv);
      REQUIRE(s.shares_storage_with(x));
    }
  }
  REQUIRE(expand_dims(scalar(1), 0).shape() == (Shape{1}));
  REQUIRE(expand_dims(scalar(1), -1).shape() == (Shape{1}));
  Tensor ones4 = zeros(Shape{1, 3, 1, 1});
  REQUIRE(squeeze(ones4).shape() == (Shape{3}));
  REQUIRE(squeeze(ones4, {0, -1}).shape() == (Shape{3, 1}));
  REQUIRE(squeeze(zeros(Shape{1, 1})).shape() == (Shape{}));
  REQUIRE(squeeze(zeros(Shape{0, 1})).shape() == (Shape{0}));
  Tensor t = strided_slice(random_tensor(Shape{3, 4, 1}, DType::Int32, 4), {0, 0}, {3, 4}, {1, 2});
  REQUIRE_FALSE(t.is_contiguous());
  require_same(squeeze(t), Shape{3, 2}, DType::Int32, t.to_vector<double>());

  REQUIRE_THROWS_AS(expand_dims(zeros(Shape{2}), 2), OutOfRange);
  REQUIRE_THROWS_AS(expand_dims(zeros(Shape{2}), -3), OutOfRange);
  REQUIRE_THROWS_AS(squeeze(ones4, {1}), InvalidArgument);
  REQUIRE_THROWS_AS(squeeze(ones4, {4}), OutOfRange);
  REQUIRE_THROWS_AS(squeeze(scalar(1), {0}), InvalidArgument);
}

TEST_CASE("slice: tf.slice with size -1 and strict bounds", "[array]") {
  const Shape shape{4, 5, 3};
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(shape, dtype, 5);
    const auto xv = x.to_vector<double>();
    const std::vector<std::pair<Index, Index>> cases = {
        {{1, 2, 0}, {2, 3, 3}}, {{0, 0, 0}, {-1, -1, -1}}, {{3, 4, 2}, {1, 1, 1}}, {{2, 1, 1}, {-1, 0, 2}},
        {{4, 5, 3}, {0, 0, 0}}};
    for (const auto& [begin, size] : cases) {
      Tensor s = slice(x, begin, size);
      Shape out_shape = shape;
      for (int d = 0; d < 3; ++d) out_shape[d] = size[d] == -1 ? shape[d] - begin[d] : size[d];
      const auto expected = gather_ref(xv, shape, out_shape, [&](const Index& o) {
        Index in(3);
        for (int d = 0; d < 3; ++d) in[d] = o[d] + begin[d];
        return in;
      });
      require_same(s, out_shape, dtype, expected);
      REQUIRE(s.shares_storage_with(x));
    }
  }
  Tensor t = transposed_input(Shape{4, 6}, DType::Float32, 6);
  const auto tv = t.to_vector<double>();
  std::vector<double> expected;
  for (int i = 1; i < 3; ++i)
    for (int j = 2; j < 6; ++j) expected.push_back(tv[i * 6 + j]);
  require_same(slice(t, {1, 2}, {2, -1}), Shape{2, 4}, DType::Float32, expected);
  REQUIRE(slice(scalar(2), {}, {}).item<int>() == 2);

  Tensor x = zeros(Shape{4, 5});
  REQUIRE_THROWS_AS(slice(x, {0}, {1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {0, 0}, {5, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {3, 0}, {2, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {-1, 0}, {1, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {5, 0}, {-1, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {0, 0}, {-2, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(slice(x, {1, 0}, {INT64_MAX, 1}), InvalidArgument);
}

namespace {

// CPython's PySlice_AdjustIndices plus the enumeration of range(start, stop, step).
Index python_slice(std::int64_t dim, std::int64_t b, std::int64_t e, std::int64_t s, bool no_begin, bool no_end) {
  std::int64_t start, stop;
  if (no_begin) {
    start = s < 0 ? dim - 1 : 0;
  } else {
    start = b;
    if (start < 0) {
      start += dim;
      if (start < 0) start = s < 0 ? -1 : 0;
    } else if (start >= dim) {
      start = s < 0 ? dim - 1 : dim;
    }
  }
  if (no_end) {
    stop = s < 0 ? -1 : dim;
  } else {
    stop = e;
    if (stop < 0) {
      stop += dim;
      if (stop < 0) stop = s < 0 ? -1 : 0;
    } else if (stop >= dim) {
      stop = s < 0 ? dim - 1 : dim;
    }
  }
  Index out;
  for (std::int64_t i = start; s > 0 ? i < stop : i > stop; i += s) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("strided_slice: Python semantics against CPython's rules", "[array]") {
  const Shape shape{5, 4, 3};
  Tensor x = random_tensor(shape, DType::Float64, 7);
  const auto xv = x.to_vector<double>();
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> bound(-8, 8), step_dist(-4, 4), mask(0, 7), count(0, 3);
  for (int trial = 0; trial < 400; ++trial) {
    const int n = count(gen);
    Index begin, end, strides;
    for (int i = 0; i < n; ++i) {
      begin.push_back(bound(gen));
      end.push_back(bound(gen));
      int s = 0;
      while (s == 0) s = step_dist(gen);
      strides.push_back(s);
    }
    const std::int64_t bm = mask(gen) & ((1 << n) - 1), em = mask(gen) & ((1 << n) - 1);
    INFO("trial " << trial);
    Tensor s = strided_slice(x, begin, end, strides, bm, em);
    std::vector<Index> picks(3);
    Shape out_shape;
    for (int d = 0; d < 3; ++d) {
      if (d < n) picks[d] = python_slice(shape[d], begin[d], end[d], strides[d], bm >> d & 1, em >> d & 1);
      else for (std::int64_t i = 0; i < shape[d]; ++i) picks[d].push_back(i);
      out_shape.push_back(static_cast<std::int64_t>(picks[d].size()));
    }
    const auto expected = gather_ref(xv, shape, out_shape, [&](const Index& o) {
      return Index{picks[0][o[0]], picks[1][o[1]], picks[2][o[2]]};
    });
    require_same(s, out_shape, DType::Float64, expected);
    REQUIRE(s.shares_storage_with(x));
  }

  // Literal cases checked with Python: list(range(10))[...]
  Tensor r = range(10);
  require_same(strided_slice(r, {-3}, {100}), Shape{3}, DType::Int32, {7, 8, 9});
  require_same(strided_slice(r, {8}, {2}, {-2}), Shape{3}, DType::Int32, {8, 6, 4});
  require_same(strided_slice(r, {0}, {0}, {-1}, 1, 1), Shape{10}, DType::Int32, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0});
  require_same(strided_slice(r, {-100}, {0}, {3}, 0, 1), Shape{4}, DType::Int32, {0, 3, 6, 9});
  require_same(strided_slice(r, {100}, {-100}, {-4}), Shape{3}, DType::Int32, {9, 5, 1});
  require_same(strided_slice(r, {5}, {5}), Shape{0}, DType::Int32, {});
  require_same(strided_slice(r, {0}, {10}, {INT64_MIN}), Shape{0}, DType::Int32, {});
  require_same(strided_slice(r, {9}, {0}, {INT64_MIN}), Shape{1}, DType::Int32, {9});
  require_same(strided_slice(r, {INT64_MIN}, {INT64_MAX}, {INT64_MAX}), Shape{1}, DType::Int32, {0});

  // Shrinking: x[1, :, -1] and x[-2].
  Tensor m = range(12).reshape(Shape{3, 4});
  require_same(strided_slice(m, {1, 0}, {2, 0}, {1, 1}, 0, 2, 1), Shape{4}, DType::Int32, {4, 5, 6, 7});
  require_same(strided_slice(m, {0, -1}, {0, 0}, {1, 1}, 1, 1, 2), Shape{3}, DType::Int32, {3, 7, 11});
  require_same(strided_slice(m, {-2, 1}, {0, 0}, {1, 1}, 0, 0, 3), Shape{}, DType::Int32, {5});
  // Non-contiguous input.
  Tensor t = transpose(m);
  require_same(strided_slice(t, {3, 2}, {0, 0}, {-2, -1}, 0, 2), Shape{2, 3}, DType::Int32, {11, 7, 3, 9, 5, 1});
  require_same(strided_slice(scalar(4), {}, {}), Shape{}, DType::Int32, {4});

  REQUIRE_THROWS_AS(strided_slice(m, {0}, {1}, {0}), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {0, 0}, {1}), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {0, 0}, {1, 1}, {1}), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {0, 0, 0}, {1, 1, 1}), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {3}, {4}, {1}, 0, 0, 1), OutOfRange);
  REQUIRE_THROWS_AS(strided_slice(m, {-4}, {4}, {1}, 0, 0, 1), OutOfRange);
  REQUIRE_THROWS_AS(strided_slice(m, {1}, {0}, {-1}, 0, 0, 1), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {1}, {2}, {1}, 2), InvalidArgument);
  REQUIRE_THROWS_AS(strided_slice(m, {1}, {2}, {1}, 0, 0, -1), InvalidArgument);
}

TEST_CASE("broadcast_to: stride-0 views", "[array]") {
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(Shape{3, 1}, dtype, 8);
    const auto xv = x.to_vector<double>();
    const Shape shape{2, 3, 4};
    Tensor b = broadcast_to(x, shape);
    const auto expected = gather_ref(xv, Shape{3, 1}, shape, [](const Index& o) { return Index{o[1], 0}; });
    require_same(b, shape, dtype, expected);
    REQUIRE(b.shares_storage_with(x));
    REQUIRE(b.strides()[0] == 0);
    REQUIRE(b.strides()[2] == 0);
  }
  require_same(broadcast_to(scalar(2.5), Shape{2, 2}), Shape{2, 2}, DType::Float32, {2.5, 2.5, 2.5, 2.5});
  REQUIRE(broadcast_to(zeros(Shape{1, 3}), Shape{0, 3}).num_elements() == 0);
  Tensor t = strided_slice(random_tensor(Shape{1, 6}, DType::Int64, 9), {0, 0}, {1, 6}, {1, 2});
  REQUIRE_FALSE(t.is_contiguous());
  require_same(broadcast_to(t, Shape{2, 3}), Shape{2, 3}, DType::Int64,
               [&] { auto v = t.to_vector<double>(); v.insert(v.end(), v.begin(), v.end()); return v; }());

  REQUIRE_THROWS_AS(broadcast_to(zeros(Shape{3}), Shape{4}), InvalidArgument);
  REQUIRE_THROWS_AS(broadcast_to(zeros(Shape{2, 3}), Shape{3}), InvalidArgument);
  REQUIRE_THROWS_AS(broadcast_to(zeros(Shape{1}), Shape{-1}), InvalidArgument);
}

TEST_CASE("split and unstack: views along an axis", "[array]") {
  const Shape shape{4, 6, 2};
  for (DType dtype : kAllDTypes) {
    Tensor x = random_tensor(shape, dtype, 10);
    const auto xv = x.to_vector<double>();
    for (int axis : {0, 1, -1}) {
      const int a = axis < 0 ? axis + 3 : axis;
      for (const Index& sizes : {Index{shape[a] / 2, shape[a] / 2}, Index{1, -1}, Index{0, shape[a], 0}}) {
        const auto parts = split(x, sizes, axis);
        REQUIRE(parts.size() == sizes.size());
        std::int64_t start = 0;
        for (const Tensor& p : parts) {
          REQUIRE(p.shares_storage_with(x));
          const auto expected = gather_ref(xv, shape, p.shape(), [&](const Index& o) {
            Index in = o;
            in[a] += start;
            return in;
          });
          require_same(p, p.shape(), dtype, expected);
          start += p.shape()[a];
        }
        REQUIRE(start == shape[a]);
      }
      const auto halves = split(x, 2, axis);
      REQUIRE(halves.size() == 2);
      REQUIRE(halves[1].shape()[a] == shape[a] / 2);

      const auto slices = unstack(x, axis);
      REQUIRE(static_cast<std::int64_t>(slices.size()) == shape[a]);
      for (std::int64_t i = 0; i < shape[a]; ++i) {
        REQUIRE(slices[i].shares_storage_with(x));
        Shape out_shape = shape;
        out_shape.erase(a);
        const auto expected = gather_ref(xv, shape, out_shape, [&](const Index& o) {
          Index in = o;
          in.insert(in.begin() + a, i);
          return in;
        });
        require_same(slices[i], out_shape, dtype, expected);
      }
    }
  }
  REQUIRE(split(zeros(Shape{0, 2}), 3).size() == 3);
  REQUIRE(unstack(zeros(Shape{0, 2})).empty());

  Tensor x = zeros(Shape{6});
  REQUIRE_THROWS_AS(split(x, 4), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, 0), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{2, 2}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{4, 4}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{-1, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{7, -1}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{-2, 8}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, Index{}), InvalidArgument);
  REQUIRE_THROWS_AS(split(x, 2, 1), OutOfRange);
  REQUIRE_THROWS_AS(split(scalar(1), 1), InvalidArgument);
  REQUIRE_THROWS_AS(unstack(scalar(1)), InvalidArgument);
  REQUIRE_THROWS_AS(unstack(x, -2), OutOfRange);
}
