#pragma once
// Reference helpers for the array op tests: row-major index arithmetic and
// element-wise reference construction on float64 copies.
#include <string>
#include <vector>

#include "test_util.hpp"

namespace eager::test {

using Index = std::vector<std::int64_t>;

inline const DType kAllDTypes[] = {DType::Bool,  DType::UInt8,   DType::Int32,
                                   DType::Int64, DType::Float32, DType::Float64};

// Row-major position <-> multi-index.
inline Index unravel(std::int64_t flat, const Shape& shape) {
  Index idx(static_cast<std::size_t>(shape.rank()));
  for (int d = shape.rank() - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  return idx;
}
inline std::int64_t ravel(const Index& idx, const Shape& shape) {
  std::int64_t flat = 0;
  for (int d = 0; d < shape.rank(); ++d) flat = flat * shape[d] + idx[d];
  return flat;
}

// out[idx] = in[source(idx)] for every output element.
template <class Fn>
std::vector<double> gather_ref(const std::vector<double>& in, const Shape& in_shape, const Shape& out_shape,
                               Fn source) {
  std::vector<double> out(static_cast<std::size_t>(out_shape.num_elements()));
  for (std::int64_t i = 0; i < out_shape.num_elements(); ++i)
    out[i] = in[ravel(source(unravel(i, out_shape)), in_shape)];
  return out;
}

// Random values of `dtype` in `shape` (rank 2) as a transposed, non-contiguous view.
inline Tensor transposed_input(const Shape& shape, DType dtype, unsigned seed) {
  Tensor base = random_tensor(Shape{shape[1], shape[0]}, dtype, seed, -50, 50);
  Tensor t = transpose(base);
  REQUIRE_FALSE(t.is_contiguous());
  return t;
}

// Same shape, dtype and exactly the expected values.
inline void require_same(const Tensor& actual, const Shape& shape, DType dtype, const std::vector<double>& expected) {
  REQUIRE(actual.shape() == shape);
  REQUIRE(actual.dtype() == dtype);
  require_close(actual, expected, 0, 0);
}

// The call throws an eager::Error whose message contains `fragment`.
template <class Fn> void require_message(Fn fn, const std::string& fragment) {
  try {
    fn();
    FAIL("no exception");
  } catch (const Error& e) {
    INFO(e.what());
    REQUIRE(std::string(e.what()).find(fragment) != std::string::npos);
  }
}

}  // namespace eager::test
