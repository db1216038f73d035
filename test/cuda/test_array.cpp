// The copying array ops on a GPU (concat, stack, gather and its gradient,
// one_hot, pad, tile, reverse, fill) against the same ops on the CPU: every
// dtype, views built on the device (transposed, strided slices), empty
// tensors, sizes beyond one grid of threads, and the CPU's error messages.
// Everything but gather's gradient must match bit for bit.
#include <functional>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"
#include "same_bits.hpp"
#include "tensor/array_test_util.hpp"

using namespace eager;
using namespace eager::test;

namespace {

// make(device) builds the inputs on a device (views are taken there, so
// the GPU kernels see the strides); op runs on them. Both devices must agree.
using Inputs = std::vector<Tensor>;
void check_same(const std::function<Inputs(Device)>& make, const std::function<Tensor(const Inputs&)>& op) {
  require_same_bits(op(make(gpu())), op(make(Device::cpu())));
}

// Values of `dtype` in `shape`, on `device`.
Tensor values(const Shape& shape, DType dtype, unsigned seed, Device device) {
  return random_tensor(shape, dtype, seed, -50, 50).to(device);
}

// A [rows, cols] view of a [cols, rows] tensor: transposed, on `device`.
Tensor transposed(std::int64_t rows, std::int64_t cols, DType dtype, unsigned seed, Device device) {
  return transpose(values(Shape{cols, rows}, dtype, seed, device));
}

// The message the call throws.
std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no exception");
  return {};
}

}  // namespace

TEST_CASE("cuda concat: every dtype and axis, views as inputs", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    for (int axis : {0, 1, 2, -1}) {
      INFO(dtype_name(dtype) << ", axis " << axis);
      const int a = axis < 0 ? axis + 3 : axis;
      check_same(
          [&](Device d) {
            Shape s1{2, 3, 4}, s2{2, 3, 4};
            s1[a] = 2;
            s2[a] = 1;
            Tensor contiguous = values(Shape{2, 3, 4}, dtype, 1, d);
            Tensor swapped = transpose(values(Shape{s1[2], s1[1], s1[0]}, dtype, 2, d));
            Tensor doubled = values(Shape{s2[0] * 2, s2[1], s2[2]}, dtype, 3, d);
            Tensor every_other = strided_slice(doubled, {1}, {0}, {2}, 0, 1);
            return Inputs{contiguous, swapped, every_other};
          },
          [&](const Inputs& in) { return concat(in, axis); });
    }
  }
}

TEST_CASE("cuda concat: many inputs along every axis, empty ones among them", "[cuda][array]") {
  for (DType dtype : {DType::UInt8, DType::Float32, DType::Int64}) {
    for (int axis = 0; axis < 3; ++axis) {
      INFO(dtype_name(dtype) << ", axis " << axis);
      check_same(
          [&](Device d) {
            Inputs in;
            for (unsigned i = 0; i < 40; ++i) {
              Shape s{3, 4, 5};
              s[axis] = i % 4;  // sizes 0..3 along the axis
              in.push_back(values(s, dtype, 10 + i, d));
            }
            return in;
          },
          [&](const Inputs& in) { return concat(in, axis); });
    }
  }
}

TEST_CASE("cuda stack: every dtype and axis, scalars into vectors", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    for (int axis : {0, 1, 2, -1}) {
      check_same([&](Device d) { return Inputs{values(Shape{2, 3}, dtype, 1, d), transposed(2, 3, dtype, 2, d)}; },
                 [&](const Inputs& in) { return stack(in, axis); });
    }
    check_same([&](Device d) { return Inputs{values(Shape{}, dtype, 3, d), values(Shape{}, dtype, 4, d)}; },
               [&](const Inputs& in) { return stack(in); });
  }
}

TEST_CASE("cuda gather: int32 and int64 indices of any shape, every dtype and axis", "[cuda][array]") {
  const std::vector<std::vector<std::int64_t>> index_sets = {{2}, {0, 3, 3, 1}, {1, 0, 2, 3, 0, 2}, {}};
  const std::vector<Shape> index_shapes = {Shape{}, Shape{4}, Shape{2, 3}, Shape{0}};
  for (DType dtype : kAllDTypes) {
    for (DType index_dtype : {DType::Int32, DType::Int64}) {
      for (int axis : {0, 1, 2, -1}) {
        for (std::size_t k = 0; k < index_sets.size(); ++k) {
          INFO(dtype_name(dtype) << " params, " << dtype_name(index_dtype) << " indices, axis " << axis
                                 << ", set " << k);
          check_same(
              [&](Device d) {
                // A [4, 4, 5] view: the last two axes of a [4, 5, 4] tensor swapped.
                Tensor params = transpose(values(Shape{4, 5, 4}, dtype, 5, d), std::vector<int>{0, 2, 1});
                Tensor idx = constant(index_sets[k], index_shapes[k], index_dtype).to(d);
                return Inputs{params, idx};
              },
              [&](const Inputs& in) { return gather(in[0], in[1], axis); });
        }
      }
    }
  }
}

TEST_CASE("cuda gather: out-of-range indices give the CPU's message", "[cuda][array]") {
  for (DType index_dtype : {DType::Int32, DType::Int64}) {
    const Tensor x = values(Shape{3, 2}, DType::Float32, 1, Device::cpu());
    for (const std::vector<std::int64_t>& bad : {std::vector<std::int64_t>{0, 3, 1}, {1, 2, -1, 7}, {-5}}) {
      const Tensor idx = constant(bad, Shape{static_cast<std::int64_t>(bad.size())}, index_dtype);
      const std::string on_cpu = message_of([&] { gather(x, idx); });
      const std::string on_gpu = message_of([&] { gather(x.to(gpu()), idx.to(gpu())); });
      // The indexed tensor's description names its device.
      REQUIRE(on_gpu == on_cpu + " on " + gpu().name());
    }
    const Tensor grid = constant(std::vector<std::int64_t>{0, 1, 2, 9}, Shape{2, 2}, index_dtype);
    REQUIRE(message_of([&] { gather(x.to(gpu()), grid.to(gpu()), 0); }) ==
            message_of([&] { gather(x, grid, 0); }) + " on " + gpu().name());
  }
  REQUIRE_THROWS_AS(gather(values(Shape{3}, DType::Float32, 1, gpu()), constant({0, 1})), InvalidArgument);
}

TEST_CASE("cuda gather gradient: repeated indices sum within float rounding", "[cuda][array]") {
  // The GPU adds with atomicAdd, so sums over repeated indices may differ
  // from the CPU's fixed order in the last bits.
  for (DType dtype : {DType::Float32, DType::Float64}) {
    for (int axis : {0, 1}) {
      const auto grad = [&](Device d) {
        Tensor x = values(Shape{6, 5}, dtype, 7, d);
        Tensor idx = constant(std::vector<std::int32_t>{0, 2, 2, 5, 0, 2, 1, 0}, Shape{2, 4}).to(d);
        GradientTape tape;
        tape.watch(x);
        Tensor y = gather(x, idx, axis);
        Tensor loss = reduce_sum(multiply(y, values(y.shape(), dtype, 8, d)));
        return tape.gradient(loss, {x})[0];
      };
      const double tol = dtype == DType::Float32 ? 1e-6 : 1e-14;
      require_matches_cpu(grad(gpu()), grad(Device::cpu()), tol, tol);
    }
  }
}

TEST_CASE("cuda one_hot: index dtypes, out-of-range indices, every output dtype", "[cuda][array]") {
  for (DType index_dtype : {DType::UInt8, DType::Int32, DType::Int64}) {
    for (DType dtype : kAllDTypes) {
      INFO(dtype_name(index_dtype) << " indices, " << dtype_name(dtype));
      std::vector<std::int64_t> idx = {0, 3, 4, 9, 2, 2};
      if (index_dtype != DType::UInt8) idx.push_back(-1);
      const auto n = static_cast<std::int64_t>(idx.size());
      for (std::int64_t depth : {0, 1, 5}) {
        check_same([&](Device d) { return Inputs{constant(idx, Shape{n}, index_dtype).to(d)}; },
                   [&](const Inputs& in) { return one_hot(in[0], depth, 1, 0, dtype); });
      }
      check_same([&](Device d) { return Inputs{constant(idx, Shape{n}, index_dtype).to(d)}; },
                 [&](const Inputs& in) { return one_hot(in[0], 6, dtype == DType::Bool ? 0 : 3, 1, dtype); });
    }
  }
  check_same([](Device d) { return Inputs{Tensor::empty(Shape{0, 3}, DType::Int32, d)}; },
             [](const Inputs& in) { return one_hot(in[0], 4); });
}

TEST_CASE("cuda pad: every dtype, views and empty inputs", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    const double value = dtype == DType::Bool ? 1 : 7;
    check_same([&](Device d) { return Inputs{transposed(3, 4, dtype, 1, d)}; },
               [&](const Inputs& in) { return pad(in[0], {{1, 2}, {0, 3}}, value); });
    check_same([&](Device d) { return Inputs{transposed(3, 4, dtype, 2, d)}; },
               [&](const Inputs& in) { return pad(in[0], {{0, 0}, {0, 0}}); });
    check_same([&](Device d) { return Inputs{Tensor::empty(Shape{0, 3}, dtype, d)}; },
               [&](const Inputs& in) { return pad(in[0], {{2, 0}, {1, 1}}, value); });
  }
}

TEST_CASE("cuda tile: every dtype, views, zero and unit multiples", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    for (const std::vector<std::int64_t>& m : {std::vector<std::int64_t>{2, 3}, {1, 1}, {0, 2}, {3, 1}}) {
      check_same([&](Device d) { return Inputs{transposed(3, 4, dtype, 1, d)}; },
                 [&](const Inputs& in) { return tile(in[0], m); });
    }
    check_same([&](Device d) { return Inputs{values(Shape{}, dtype, 2, d)}; },
               [&](const Inputs& in) { return tile(in[0], {}); });
  }
}

TEST_CASE("cuda reverse: every dtype, any set of axes, views", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    for (const std::vector<int>& axes : {std::vector<int>{}, {0}, {1}, {-1, 0}, {2, 1, 0}}) {
      check_same(
          [&](Device d) { return Inputs{transpose(values(Shape{4, 2, 3}, dtype, 1, d), std::vector<int>{2, 0, 1})}; },
          [&](const Inputs& in) { return reverse(in[0], axes); });
    }
    check_same([&](Device d) { return Inputs{Tensor::empty(Shape{3, 0}, dtype, d)}; },
               [&](const Inputs& in) { return reverse(in[0], {0, 1}); });
  }
}

TEST_CASE("cuda fill: zeros, ones, scalars and values of every dtype", "[cuda][array]") {
  for (DType dtype : kAllDTypes) {
    INFO(dtype_name(dtype));
    // 0 and -1 have equal bytes (a memset on the GPU); 3 and 2.5 do not.
    for (double v : {0.0, -1.0, 3.0, 2.5}) {
      require_same_bits(fill(Shape{5, 7}, v, dtype, gpu()), fill(Shape{5, 7}, v, dtype, Device::cpu()));
      require_same_bits(scalar(v, dtype, gpu()), scalar(v, dtype, Device::cpu()));
    }
    require_same_bits(zeros(Shape{0, 4}, dtype, gpu()), zeros(Shape{0, 4}, dtype, Device::cpu()));
    require_same_bits(ones(Shape{3}, dtype, gpu()), ones(Shape{3}, dtype, Device::cpu()));
  }
}

TEST_CASE("cuda copying ops on sizes beyond one grid of threads", "[cuda][array]") {
  // The grid holds about 32 blocks of 256 threads per multiprocessor
  // (about a million threads on an H200); these loop several times.
  check_same(
      [](Device d) {
        return Inputs{values(Shape{1500, 1000}, DType::Float32, 1, d), transposed(1500, 700, DType::Float32, 2, d)};
      },
      [](const Inputs& in) { return concat(in, 1); });
  check_same([](Device d) { return Inputs{transposed(1800, 1700, DType::UInt8, 3, d)}; },
             [](const Inputs& in) { return reverse(tile(in[0], {1, 2}), {0}); });
  check_same(
      [](Device d) {
        std::vector<std::int64_t> idx(3000000);
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int64_t>(i * 7919 % 4000000);
        return Inputs{values(Shape{4000000}, DType::Int32, 4, d), constant(idx, Shape{3000000}).to(d)};
      },
      [](const Inputs& in) { return gather(in[0], in[1]); });
  check_same(
      [](Device d) {
        return Inputs{random::stateless_uniform(Shape{3000}, {1, 2}, -2, 1002, DType::Int64, Device::cpu()).to(d)};
      },
      [](const Inputs& in) { return one_hot(in[0], 1000, 2.5, -1.0, DType::Float64); });
  check_same([](Device d) { return Inputs{values(Shape{700, 600}, DType::Int64, 5, d)}; },
             [](const Inputs& in) { return pad(in[0], {{300, 0}, {1, 2}}, -3); });
  require_same_bits(fill(Shape{5000000}, 1.25, DType::Float32, gpu()),
                    fill(Shape{5000000}, 1.25, DType::Float32, Device::cpu()));
}

TEST_CASE("cuda copying ops on more than 2^31 elements (64-bit indexing)", "[cuda][array][large]") {
  // 251 bytes tiled to 2,147,556,000 elements, then reversed: both copies
  // take the 64-bit indexer.
  check_same([](Device d) { return Inputs{values(Shape{251}, DType::UInt8, 1, d)}; },
             [](const Inputs& in) { return reverse(tile(in[0], {8556000}), {0}); });
}
