// The elementwise kernels of the GPU beyond one op at a time: every cast and
// where, copies of views (contiguous, clone), promotions, empty tensors,
// the layouts at the edges of the strided indexer (rank 12, rank 13
// refused, offsets beyond 2^31), sizes beyond one grid of threads, and the
// errors for operands on different devices. Everything here is bit-exact.
#include <string>
#include <vector>

#include "elementwise_util.hpp"

using namespace eager;
using namespace eager::test;

namespace {

constexpr std::int64_t kSize = 1027;  // 13 * 79
constexpr std::int64_t kRows = 13;

template <class Run> void check_same(Run run) { require_same_elements(run(gpu()), run(Device::cpu())); }

}  // namespace

TEST_CASE("cuda cast: every pair of dtypes in every layout equals the CPU", "[cuda][elementwise]") {
  for (DType from : kEveryDType) {
    // Beyond the integer ranges, so that saturation and wrap-around show.
    const Tensor base = test_values(from, kSize, 31, false, -1e10, 1e10);
    const Tensor base_gpu = base.to(gpu());
    for (DType to : kEveryDType) {
      for (Layout layout : kLayouts) {
        INFO(dtype_name(from) << " to " << dtype_name(to) << ", " << layout_name(layout));
        check_same([&](Device d) { return cast(in_layout(d.is_cpu() ? base : base_gpu, layout, kRows), to); });
      }
    }
  }
}

TEST_CASE("cuda copies of views: contiguous and clone equal the CPU's", "[cuda][elementwise]") {
  for (DType dtype : kEveryDType) {
    const Tensor base = test_values(dtype, kSize, 32);
    const Tensor base_gpu = base.to(gpu());
    for (Layout layout : kLayouts) {
      INFO(dtype_name(dtype) << ", " << layout_name(layout));
      check_same([&](Device d) { return in_layout(d.is_cpu() ? base : base_gpu, layout, kRows).contiguous(); });
      check_same([&](Device d) { return in_layout(d.is_cpu() ? base : base_gpu, layout, kRows).clone(); });
    }
    INFO(dtype_name(dtype) << ", a strided 3-D view of a permuted tensor");
    const Tensor cube = test_values(dtype, 7 * 8 * 9, 33);
    const Tensor cube_gpu = cube.to(gpu());
    check_same([&](Device d) {
      const Tensor t = transpose(reshape(d.is_cpu() ? cube : cube_gpu, Shape{7, 8, 9}), std::vector<int>{2, 0, 1});
      return strided_slice(t, {8, 1, 0}, {0, 7, 8}, {-2, 2, 3}).clone();
    });
  }
}

TEST_CASE("cuda where: every dtype, broadcast condition and operands", "[cuda][elementwise]") {
  const Tensor condition = test_values(DType::Bool, kSize, 41);
  const Tensor condition_gpu = condition.to(gpu());
  for (DType dtype : kEveryDType) {
    const Tensor x = test_values(dtype, kSize, 42), y = test_values(dtype, kSize, 43);
    const Tensor x_gpu = x.to(gpu()), y_gpu = y.to(gpu());
    const auto C = [&](Device d) { return d.is_cpu() ? condition : condition_gpu; };
    const auto X = [&](Device d) { return d.is_cpu() ? x : x_gpu; };
    const auto Y = [&](Device d) { return d.is_cpu() ? y : y_gpu; };
    for (Layout layout : kLayouts) {
      INFO(dtype_name(dtype) << ", " << layout_name(layout));
      check_same([&](Device d) {
        return where(in_layout(C(d), layout, kRows), in_layout(X(d), layout, kRows), in_layout(Y(d), layout, kRows));
      });
    }
    INFO(dtype_name(dtype) << ", broadcast: [k, 1] condition, [1, k] x, scalar y");
    constexpr std::int64_t k = 40;
    check_same([&](Device d) {
      return where(slice(C(d), {0}, {k}).reshape(Shape{k, 1}), slice(X(d), {0}, {k}).reshape(Shape{1, k}), Y(d)[3]);
    });
    INFO(dtype_name(dtype) << ", scalar condition");
    check_same([&](Device d) { return where(C(d)[0], X(d), Y(d)); });
    check_same([&](Device d) { return where(C(d)[1], X(d), Y(d)); });
  }
}

TEST_CASE("cuda elementwise: promotions and scalar operands as on the CPU", "[cuda][elementwise]") {
  const Tensor i32 = test_values(DType::Int32, kSize, 51), f32 = test_values(DType::Float32, kSize, 52);
  const Tensor u8 = test_values(DType::UInt8, kSize, 53), f64 = test_values(DType::Float64, kSize, 54);
  const auto on = [](Device d, const Tensor& t) { return d.is_cpu() ? t : t.to(gpu()); };
  check_same([&](Device d) { return add(on(d, i32), on(d, f32)); });
  check_same([&](Device d) { return multiply(on(d, u8), on(d, i32)); });
  check_same([&](Device d) { return divide(on(d, u8), on(d, u8)); });
  check_same([&](Device d) { return less(on(d, f64), on(d, i32)); });
  check_same([&](Device d) { return add(on(d, u8), 3); });
  check_same([&](Device d) { return subtract(2.5, on(d, f32)); });
  check_same([&](Device d) { return maximum(on(d, i32), 0); });
  check_same([&](Device d) { return where(greater(on(d, f32), 0.0f), 1.0f, -1.0f); });
  check_same([&](Device d) { return sqrt(on(d, u8)); });
}

TEST_CASE("cuda elementwise: empty tensors give empty results", "[cuda][elementwise]") {
  for (const Shape& shape : {Shape{0}, Shape{3, 0}, Shape{0, 4, 2}}) {
    INFO(shape.to_string());
    const Tensor x = zeros(shape, DType::Float32, gpu());
    check_same([&](Device d) { return negative(zeros(shape, DType::Float32, d)); });
    check_same([&](Device d) { return add(zeros(shape, DType::Int32, d), ones(Shape{1}, DType::Int32, d)); });
    check_same([&](Device d) { return cast(zeros(shape, DType::Float64, d), DType::UInt8); });
    check_same([&](Device d) { return transpose(zeros(shape, DType::Int64, d)).clone(); });
    check_same([&](Device d) {
      return where(zeros(shape, DType::Bool, d), x.to(d), ones(Shape{1}, DType::Float32, d));
    });
  }
  check_same([&](Device d) { return multiply(zeros({0, 1}, DType::Float64, d), ones({1, 5}, DType::Float64, d)); });
}

TEST_CASE("cuda elementwise: the largest merged rank runs, one more is refused", "[cuda][elementwise]") {
  // Reversing the axes of [2]*12 leaves twelve dimensions nothing can merge.
  const Tensor twelve = test_values(DType::Float32, 1 << 12, 61).reshape(Shape::filled(12, 2));
  const Tensor twelve_gpu = twelve.to(gpu());
  check_same([&](Device d) {
    const Tensor t = transpose(d.is_cpu() ? twelve : twelve_gpu);
    return add(t, sqrt(transpose(t)).reshape(t.shape()));
  });
  check_same([&](Device d) { return transpose(d.is_cpu() ? twelve : twelve_gpu).clone(); });

  const Tensor thirteen = test_values(DType::Float64, 1 << 13, 62).reshape(Shape::filled(13, 2));
  const Tensor view = transpose(thirteen.to(gpu()));
  CHECK_NOTHROW(negative(transpose(thirteen)));  // the CPU has no limit
  const std::string error = error_of([&] { negative(view); });
  CHECK(error.find("negative: the operands' layout keeps 13 dimensions after merging contiguous ones") == 0);
  CHECK(error.find("(float64[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2] on /device:GPU:0)") != std::string::npos);
  CHECK(error.find("at most 12") != std::string::npos);
  CHECK_THROWS_AS(view.clone(), Unimplemented);
}

TEST_CASE("cuda elementwise: sizes beyond one grid of threads", "[cuda][elementwise]") {
  // grid_size caps the grid at 32 blocks of 256 threads per multiprocessor
  // (about a million threads on an H200): these loop several times.
  const std::int64_t n = 3 * (std::int64_t{1} << 22) + 5;
  const Tensor a = test_values(DType::Float32, n, 71), b = test_values(DType::Float32, n, 72);
  const Tensor a_gpu = a.to(gpu()), b_gpu = b.to(gpu());
  const auto A = [&](Device d) { return d.is_cpu() ? a : a_gpu; };
  const auto B = [&](Device d) { return d.is_cpu() ? b : b_gpu; };
  INFO("vector kernel");
  check_same([&](Device d) { return add(A(d), B(d)); });
  INFO("strided kernel, 1-D");
  check_same([&](Device d) { return multiply(slice(A(d), {1}, {n - 1}), slice(B(d), {0}, {n - 1})); });
  INFO("strided kernel, transposed");
  check_same([&](Device d) {
    return subtract(transpose(slice(A(d), {0}, {4099 * 3067}).reshape(Shape{4099, 3067})),
                    slice(B(d), {5}, {4099 * 3067}).reshape(Shape{3067, 4099}));
  });
  INFO("uint8: 16 elements per vector");
  const std::int64_t m = (std::int64_t{1} << 25) + 3;
  const Tensor u = test_values(DType::UInt8, m, 73);
  const Tensor u_gpu = u.to(gpu());
  check_same([&](Device d) { return add(d.is_cpu() ? u : u_gpu, 200); });
}

TEST_CASE("cuda elementwise: 64-bit indexing past 2^31 elements and offsets", "[cuda][elementwise][large]") {
  // A [65537, 32769] uint8 sum of a column and a row: 2^31 + 98305 elements
  // (2 GB on the GPU, none on the host), checked on a strided sample whose
  // offsets also pass 2^31, against the same sample computed on the CPU.
  const std::int64_t rows = 65537, cols = 32769, step = 4096;
  const Tensor column = test_values(DType::UInt8, rows, 81).reshape(Shape{rows, 1});
  const Tensor row = test_values(DType::UInt8, cols, 82).reshape(Shape{1, cols});
  const Tensor big = add(column.to(gpu()), row.to(gpu()));
  const Tensor sample = strided_slice(big, {0, 0}, {rows, cols}, {step, step});
  const Tensor expected = add(strided_slice(column, {0, 0}, {rows, 1}, {step, 1}),
                              strided_slice(row, {0, 0}, {1, cols}, {1, step}));
  REQUIRE(sample.shape() == Shape{17, 9});
  require_same_elements(sample.clone(), expected);
  require_same_elements(add(sample, 1), add(expected, 1));
  require_same_elements(cast(sample, DType::Float32), cast(expected, DType::Float32));
}

TEST_CASE("cuda elementwise: operands on different devices are refused", "[cuda][elementwise]") {
  const Tensor on_cpu = constant({1.0f, 2.0f}), on_gpu = constant({3.0f, 4.0f}).to(gpu());
  const std::string expected = "arguments are on different devices (/device:CPU:0 and /device:GPU:0)";
  CHECK_THROWS_MATCHES(add(on_cpu, on_gpu), InvalidArgument, MessageContains("add: " + expected));
  CHECK_THROWS_MATCHES(less(on_cpu, on_gpu), InvalidArgument, MessageContains("less: " + expected));
  CHECK_THROWS_MATCHES(
      maximum(on_gpu, scalar(1.0f)), InvalidArgument,
      MessageContains("maximum: arguments are on different devices (/device:GPU:0 and /device:CPU:0)"));
  CHECK_THROWS_MATCHES(where(greater(on_cpu, 1.0f), on_gpu, on_gpu), InvalidArgument,
                       MessageContains("where: " + expected));
}
