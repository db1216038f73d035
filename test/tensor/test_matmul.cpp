// The matmul rows of the op catalog: every dtype, all transpose flags, batch
// broadcasting, promotion, transposed and sliced views, empty operands and
// the shape errors, against a float64 reference written with loops.
#include <cstdint>
#include <utility>
#include <string>
#include <vector>

#include "tensor/dispatch.hpp"
#include "test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

namespace {

const std::vector<DType> kNumeric = {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};

// Element of x (row-major values, shape [..., rows, cols]) for batch index
// `batch` of the broadcast batch shape `out_batch`.
double element(const std::vector<double>& v, const Shape& shape, const Shape& out_batch, std::int64_t batch,
               std::int64_t r, std::int64_t c) {
  const int rank = shape.rank();
  const int lead = out_batch.rank() - (rank - 2);
  std::int64_t offset = 0, stride = shape[rank - 2] * shape[rank - 1];
  for (int d = out_batch.rank() - 1; d >= 0; --d) {
    const std::int64_t i = batch % out_batch[d];
    batch /= out_batch[d];
    const int xd = d - lead;
    if (xd < 0) continue;
    if (shape[xd] != 1) offset += i * stride;
    stride *= shape[xd];
  }
  return v[static_cast<std::size_t>(offset + r * shape[rank - 1] + c)];
}

Shape batch_of(const Shape& s) { return Shape(s.dims().first(static_cast<std::size_t>(s.rank() - 2))); }

std::vector<double> matmul_reference(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const Shape out_batch = detail::broadcast_shapes("ref", batch_of(a.shape()), batch_of(b.shape()));
  const int ra = a.rank(), rb = b.rank();
  const std::int64_t m = ta ? a.shape()[ra - 1] : a.shape()[ra - 2];
  const std::int64_t k = ta ? a.shape()[ra - 2] : a.shape()[ra - 1];
  const std::int64_t n = tb ? b.shape()[rb - 2] : b.shape()[rb - 1];
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  std::vector<double> out;
  for (std::int64_t bi = 0; bi < out_batch.num_elements(); ++bi)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (std::int64_t p = 0; p < k; ++p)
          acc += (ta ? element(va, a.shape(), out_batch, bi, p, i) : element(va, a.shape(), out_batch, bi, i, p)) *
                 (tb ? element(vb, b.shape(), out_batch, bi, j, p) : element(vb, b.shape(), out_batch, bi, p, j));
        out.push_back(acc);
      }
  return out;
}

// Swaps the last two axes without copying.
Tensor swap_last(const Tensor& x) {
  Shape shape = x.shape();
  Strides strides = x.strides();
  const int r = x.rank();
  std::swap(shape[r - 1], shape[r - 2]);
  std::swap(strides[r - 1], strides[r - 2]);
  return detail::make_view(x, shape, strides, x.storage_offset());
}

Tensor input(const Shape& shape, DType dtype, unsigned seed) {
  return random_tensor(shape, dtype, seed, dtype == DType::UInt8 ? 0 : -4, 4);
}

void check_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb, const Shape& expected_shape) {
  const Tensor got = matmul(a, b, ta, tb);
  REQUIRE(got.dtype() == promote_types(a.dtype(), b.dtype()));
  REQUIRE(got.shape() == expected_shape);
  const double tol = eager::test::rtol_for(got.dtype()) * 10;
  require_close(got, matmul_reference(a, b, ta, tb), tol, tol);
}

}  // namespace

TEST_CASE("matmul matches the reference for every dtype and transpose", "[matmul]") {
  for (DType dtype : kNumeric) {
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        INFO(dtype_name(dtype) << " transpose_a " << ta << " transpose_b " << tb);
        const Tensor a = input(ta ? Shape{4, 3} : Shape{3, 4}, dtype, 1);
        const Tensor b = input(tb ? Shape{5, 4} : Shape{4, 5}, dtype, 2);
        check_matmul(a, b, ta, tb, {3, 5});
        // Transposed views of contiguous matrices reach the kernel as transpose flags.
        check_matmul(swap_last(a), swap_last(b), !ta, !tb, {3, 5});
        const Tensor ab = input(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, dtype, 3);
        const Tensor bb = input(tb ? Shape{2, 5, 4} : Shape{2, 4, 5}, dtype, 4);
        check_matmul(ab, bb, ta, tb, {2, 3, 5});
        check_matmul(swap_last(ab), bb, !ta, tb, {2, 3, 5});
      }
    }
  }
}

TEST_CASE("matmul broadcasts batch axes", "[matmul]") {
  for (DType dtype : {DType::Int32, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    check_matmul(input({2, 3, 4}, dtype, 5), input({4, 5}, dtype, 6), false, false, {2, 3, 5});
    check_matmul(input({3, 4}, dtype, 7), input({2, 2, 4, 5}, dtype, 8), false, false, {2, 2, 3, 5});
    check_matmul(input({2, 1, 3, 4}, dtype, 9), input({1, 3, 4, 5}, dtype, 10), false, false, {2, 3, 3, 5});
    check_matmul(input({2, 1, 4, 3}, dtype, 11), input({3, 5, 4}, dtype, 12), true, true, {2, 3, 3, 5});
    check_matmul(input({1, 3, 4}, dtype, 13), input({2, 4, 5}, dtype, 14), false, false, {2, 3, 5});
  }
}

TEST_CASE("matmul promotes mixed dtypes and reads non-contiguous views", "[matmul]") {
  check_matmul(input({3, 4}, DType::Int32, 15), input({4, 2}, DType::Float32, 16), false, false, {3, 2});
  check_matmul(input({3, 4}, DType::Float32, 17), input({4, 2}, DType::Float64, 18), false, false, {3, 2});
  check_matmul(input({3, 4}, DType::UInt8, 19), input({4, 2}, DType::Int64, 20), false, false, {3, 2});
  // A column slice: neither contiguous nor a transposed contiguous matrix.
  const Tensor wide = input({4, 6}, DType::Float32, 21);
  const Tensor cols = detail::make_view(wide, {4, 3}, {6, 2}, wide.storage_offset() + 1);
  REQUIRE_FALSE(cols.is_contiguous());
  check_matmul(cols, input({3, 5}, DType::Float32, 22), false, false, {4, 5});
  check_matmul(input({2, 4}, DType::Float32, 23), cols, false, false, {2, 3});
  // A batch broadcast by a zero stride.
  const Tensor m = input({3, 4}, DType::Float64, 24);
  const Tensor repeated = detail::make_view(m, {5, 3, 4}, {0, 4, 1}, m.storage_offset());
  check_matmul(repeated, input({5, 4, 2}, DType::Float64, 25), false, false, {5, 3, 2});
  // A batch of transposed matrices that are not densely packed.
  const Tensor big = input({3, 4, 6}, DType::Float32, 26);
  const Tensor strided = detail::make_view(big, {3, 4, 3}, {24, 6, 2}, big.storage_offset());
  check_matmul(swap_last(strided), input({3, 4, 2}, DType::Float32, 27), false, false, {3, 3, 2});
}

TEST_CASE("matmul of larger matrices and batches takes the parallel paths", "[matmul]") {
  for (DType dtype : {DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    check_matmul(input({70, 300}, dtype, 28), input({300, 290}, dtype, 29), false, false, {70, 290});
    check_matmul(input({300, 70}, dtype, 30), input({290, 300}, dtype, 31), true, true, {70, 290});
    check_matmul(input({40, 9, 8}, dtype, 32), input({40, 8, 7}, dtype, 33), false, false, {40, 9, 7});
  }
  // uint8 products wrap modulo 256, as TensorFlow's integer arithmetic does.
  const Tensor a = fill({1, 2}, 200, DType::UInt8);
  const Tensor b = fill({2, 1}, 3, DType::UInt8);
  REQUIRE(matmul(a, b).item<int>() == (200 * 3 * 2) % 256);
}

TEST_CASE("matmul of empty operands", "[matmul]") {
  const Tensor z = matmul(zeros({3, 0}), zeros({0, 4}));
  REQUIRE(z.shape() == (Shape{3, 4}));
  require_close(z, std::vector<double>(12, 0.0));
  REQUIRE(matmul(zeros({0, 2}), zeros({2, 4})).shape() == (Shape{0, 4}));
  REQUIRE(matmul(zeros({0, 3, 2}, DType::Int32), zeros({2, 4}, DType::Int32)).shape() == (Shape{0, 3, 4}));
  REQUIRE(matmul(zeros({2, 3, 0}, DType::Int64), zeros({0, 4}, DType::Int64)).shape() == (Shape{2, 3, 4}));
}

TEST_CASE("matmul refuses bad shapes and dtypes", "[matmul]") {
  REQUIRE_THROWS_AS(matmul(zeros({3}), zeros({3, 2})), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(zeros({2, 3}), zeros({3})), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(scalar(1.0), zeros({1, 1})), InvalidArgument);
  REQUIRE(matmul(zeros({2, 3}), zeros({2, 3}), true, false).shape() == (Shape{3, 3}));
  REQUIRE_THROWS_AS(matmul(zeros({2, 3}), zeros({2, 3}), false, false), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(zeros({2, 3}), zeros({2, 3}), true, true), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(zeros({2, 3}), zeros({4, 3}), false, false), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(zeros({2, 2, 3}), zeros({3, 3, 4})), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(zeros({2, 2}, DType::Bool), zeros({2, 2}, DType::Bool)), InvalidArgument);
  REQUIRE_THROWS_AS(matmul(Tensor(), zeros({2, 2})), InvalidArgument);
}
