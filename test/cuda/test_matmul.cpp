// matmul on a GPU against the CPU: float32 and float64 through cuBLAS, the
// integer dtypes through eager's tiled kernel; every transpose flag,
// transposed views, batches with full and partial broadcasting, empty
// products, many batches, and the TF32 switch.
//
// Tolerances: integers (which wrap on both devices) bit for bit. Floats: the
// two BLAS libraries add in different orders, so an element may differ by
// about sqrt(k) ulps of the sum of |a_i b_i|; with inputs in [-1, 1] that is
// within 1e-5 * k (float32) and 1e-13 * k (float64) absolute.
#include <cmath>
#include <cstdint>
#include <vector>

#include "cuda_test_util.hpp"
#include "same_bits.hpp"

using namespace eager;
using namespace eager::test;

namespace {

Tensor operand(const Shape& shape, DType dtype, unsigned seed) {
  if (dtype == DType::Float32 || dtype == DType::Float64) return random_tensor(shape, dtype, seed, -1, 1);
  // Integers: large enough that products and sums wrap in uint8 and int32.
  return dtype == DType::UInt8 ? random_tensor(shape, dtype, seed, 0, 256)
                               : random_tensor(shape, dtype, seed, -60000, 60000);
}

void check(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, std::int64_t k) {
  const Tensor on_cpu = matmul(a, b, transpose_a, transpose_b);
  const Tensor on_gpu = matmul(a.to(gpu()), b.to(gpu()), transpose_a, transpose_b);
  const DType dtype = on_cpu.dtype();
  if (dtype == DType::Float32) require_matches_cpu(on_gpu, on_cpu, 0, 1e-5 * static_cast<double>(k + 1));
  else if (dtype == DType::Float64) require_matches_cpu(on_gpu, on_cpu, 0, 1e-13 * static_cast<double>(k + 1));
  else require_same_bits(on_gpu, on_cpu);
}

const DType kDTypes[] = {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};

// Restores TF32 off, the default, however the test ends.
struct Tf32Off {
  ~Tf32Off() { cuda::set_allow_tf32(false); }
};

}  // namespace

TEST_CASE("cuda matmul: every dtype, shape class and transpose flag", "[cuda][matmul]") {
  struct Dims {
    std::int64_t m, k, n;
  };
  for (DType dtype : kDTypes) {
    for (const Dims& d : {Dims{1, 1, 1}, Dims{3, 5, 7}, Dims{1, 300, 17}, Dims{64, 1, 33}, Dims{17, 250, 1},
                          Dims{128, 256, 96}, Dims{257, 129, 65}}) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          INFO(dtype_name(dtype) << " m " << d.m << " k " << d.k << " n " << d.n << " ta " << ta << " tb " << tb);
          const Tensor a = operand(ta ? Shape{d.k, d.m} : Shape{d.m, d.k}, dtype, 1);
          const Tensor b = operand(tb ? Shape{d.n, d.k} : Shape{d.k, d.n}, dtype, 2);
          check(a, b, ta, tb, d.k);
        }
      }
    }
  }
}

TEST_CASE("cuda matmul: transposed views reach the kernel without a copy", "[cuda][matmul]") {
  for (DType dtype : {DType::Int32, DType::Float32, DType::Float64}) {
    const Tensor a = operand(Shape{40, 30}, dtype, 3), b = operand(Shape{50, 40}, dtype, 4);
    const Tensor on_cpu = matmul(transpose(a), transpose(b));
    const Tensor on_gpu = matmul(transpose(a.to(gpu())), transpose(b.to(gpu())));
    if (dtype == DType::Int32) require_same_bits(on_gpu, on_cpu);
    else require_matches_cpu(on_gpu, on_cpu, 0, dtype == DType::Float32 ? 1e-5 * 41 : 1e-13 * 41);
  }
}

TEST_CASE("cuda matmul: batches, broadcast operands and partial broadcasting", "[cuda][matmul]") {
  struct Case {
    Shape a, b;
  };
  for (DType dtype : kDTypes) {
    for (const Case& c : {Case{Shape{4, 5, 6}, Shape{4, 6, 3}}, Case{Shape{2, 3, 4, 5}, Shape{5, 6}},
                          Case{Shape{4, 5}, Shape{3, 5, 6}}, Case{Shape{2, 1, 3, 4}, Shape{1, 3, 4, 5}},
                          Case{Shape{1, 7, 8}, Shape{6, 8, 2}}}) {
      INFO(dtype_name(dtype) << " " << c.a.to_string() << " @ " << c.b.to_string());
      check(operand(c.a, dtype, 5), operand(c.b, dtype, 6), false, false, c.a[c.a.rank() - 1]);
    }
  }
  // Many small products: cuBLAS's batch count and the integer kernel's
  // grid-stride loop over tiles.
  for (DType dtype : {DType::Int64, DType::Float32}) {
    check(operand(Shape{70000, 2, 3}, dtype, 7), operand(Shape{70000, 3, 2}, dtype, 8), false, true, 3);
  }
}

TEST_CASE("cuda matmul: empty products and promoted operands", "[cuda][matmul]") {
  for (DType dtype : kDTypes) {
    check(operand(Shape{3, 0}, dtype, 9), operand(Shape{0, 4}, dtype, 10), false, false, 0);
    check(operand(Shape{0, 5}, dtype, 9), operand(Shape{5, 4}, dtype, 10), false, false, 5);
    check(operand(Shape{2, 0, 5}, dtype, 9), operand(Shape{5, 4}, dtype, 10), false, false, 5);
  }
  // Mixed operands are promoted, then multiplied, on both devices alike.
  check(operand(Shape{6, 7}, DType::Int32, 11), operand(Shape{7, 3}, DType::Float32, 12), false, false, 7 * 60000);
}

TEST_CASE("cuda matmul: large float products; TF32 changes results only when allowed", "[cuda][matmul]") {
  const Tf32Off restore;
  const Tensor a = random_tensor(Shape{1024, 1024}, DType::Float32, 13, -1, 1);
  const Tensor b = random_tensor(Shape{1024, 1024}, DType::Float32, 14, -1, 1);
  const Tensor reference = matmul(cast(a, DType::Float64), cast(b, DType::Float64));
  const Tensor ga = a.to(gpu()), gb = b.to(gpu());
  const auto max_error = [&](const Tensor& product) {
    return reduce_max(abs(cast(product.cpu(), DType::Float64) - reference)).item<double>();
  };
  REQUIRE_FALSE(cuda::allow_tf32());
  const double fp32_error = max_error(matmul(ga, gb));
  // float32 products and sums: about sqrt(1024) * 2^-24 * |partial sums|,
  // a few 1e-5 at the worst of a million elements.
  CHECK(fp32_error < 5e-4);
  cuda::set_allow_tf32(true);
  const double tf32_error = max_error(matmul(ga, gb));
  // 10-bit mantissas: errors around 1e-2, a hundred times float32's or more.
  CHECK(tf32_error > 10 * fp32_error);
  CHECK(tf32_error < 0.5);
  cuda::set_allow_tf32(false);
  CHECK(max_error(matmul(ga, gb)) == fp32_error);
  // float64 never uses TF32.
  cuda::set_allow_tf32(true);
  const Tensor d64 = matmul(cast(ga, DType::Float64), cast(gb, DType::Float64));
  require_matches_cpu(d64, reference, 0, 1e-12);
}
