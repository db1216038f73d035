// The fused nn ops on a GPU (softmax, log_softmax, sparse and dense softmax
// cross-entropy) against the CPU: float32 and float64, rows handled by a
// warp (up to 1024 classes) and by a block, any class axis, views, NaN and
// infinite logits, gradients through a tape, and the label errors.
//
// Tolerances: exp and log differ between CUDA and xsimd by an ulp or two and
// the row sums are added in another order, so results agree within
// rtol 2e-5 (float32) / 1e-12 (float64) plus a small atol for values near 0.
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.hpp"

using namespace eager;
using namespace eager::test;

namespace {

double rtol(DType dtype) { return dtype == DType::Float32 ? 2e-5 : 1e-12; }
double atol(DType dtype) { return dtype == DType::Float32 ? 1e-6 : 1e-14; }

Tensor logits(const Shape& shape, DType dtype, unsigned seed, double scale = 4) {
  return random_tensor(shape, dtype, seed, -scale, scale);
}

template <class Fn> void check(const std::vector<Tensor>& inputs, DType dtype, Fn&& fn) {
  require_same_on_gpu(inputs, fn, rtol(dtype), atol(dtype));
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no exception";
}

const DType kFloats[] = {DType::Float32, DType::Float64};

}  // namespace

TEST_CASE("cuda softmax and log_softmax: warp and block rows, every axis", "[cuda][nn]") {
  for (DType dtype : kFloats) {
    for (const Shape& shape : {Shape{1, 1}, Shape{3, 10}, Shape{1000, 10}, Shape{7, 1024}, Shape{5, 1025},
                               Shape{2, 20000}, Shape{4, 5, 6}}) {
      for (double scale : {4.0, 60.0}) {
        const Tensor x = logits(shape, dtype, 1, scale);
        for (int axis = -1; axis < shape.rank(); ++axis) {
          INFO(dtype_name(dtype) << " " << shape.to_string() << " axis " << axis << " scale " << scale);
          check({x}, dtype, [&](const std::vector<Tensor>& in) { return nn::softmax(in[0], axis); });
          check({x}, dtype, [&](const std::vector<Tensor>& in) { return nn::log_softmax(in[0], axis); });
        }
      }
    }
  }
}

TEST_CASE("cuda softmax: NaN and infinite logits, transposed views, empty tensors", "[cuda][nn]") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  // A NaN makes its whole row NaN; a row of -inf is NaN (0 / 0); +inf too.
  const Tensor x = constant<float>({{1, nan, 2}, {-inf, -inf, -inf}, {0, inf, 1}, {-inf, 0, 3}});
  check({x}, DType::Float32, [](const std::vector<Tensor>& in) { return nn::softmax(in[0]); });
  check({x}, DType::Float32, [](const std::vector<Tensor>& in) { return nn::log_softmax(in[0]); });
  const Tensor t = logits(Shape{30, 40}, DType::Float32, 2);
  check({t}, DType::Float32, [](const std::vector<Tensor>& in) { return nn::softmax(transpose(in[0])); });
  check({zeros(Shape{0, 5})}, DType::Float32, [](const std::vector<Tensor>& in) { return nn::softmax(in[0]); });
  check({zeros(Shape{4, 0})}, DType::Float32, [](const std::vector<Tensor>& in) { return nn::log_softmax(in[0]); });
}

TEST_CASE("cuda sparse softmax cross-entropy: int32 and int64 labels", "[cuda][nn]") {
  for (DType dtype : kFloats) {
    for (DType label_type : {DType::Int32, DType::Int64}) {
      for (const Shape& shape : {Shape{1, 3}, Shape{100, 10}, Shape{3, 4, 7}, Shape{8, 3000}}) {
        INFO(dtype_name(dtype) << " labels " << dtype_name(label_type) << " " << shape.to_string());
        const std::int64_t classes = shape[shape.rank() - 1];
        Shape batch = shape;
        batch.erase(shape.rank() - 1);
        const Tensor labels = cast(random_tensor(batch, DType::Int64, 3, 0, static_cast<double>(classes)), label_type);
        check({labels, logits(shape, dtype, 4, 30)}, dtype, [](const std::vector<Tensor>& in) {
          return nn::sparse_softmax_cross_entropy_with_logits(in[0], in[1]);
        });
      }
    }
  }
}

TEST_CASE("cuda softmax cross-entropy: dense labels on every axis", "[cuda][nn]") {
  for (DType dtype : kFloats) {
    for (const Shape& shape : {Shape{100, 10}, Shape{3, 4, 7}, Shape{8, 3000}, Shape{2, 0}}) {
      const Tensor p = nn::softmax(logits(shape, dtype, 5));
      const Tensor x = logits(shape, dtype, 6, 20);
      for (int axis = 0; axis < shape.rank(); ++axis) {
        INFO(dtype_name(dtype) << " " << shape.to_string() << " axis " << axis);
        check({p, x}, dtype, [&](const std::vector<Tensor>& in) {
          return nn::softmax_cross_entropy_with_logits(in[0], in[1], axis);
        });
      }
    }
  }
}

TEST_CASE("cuda nn: gradients through a tape match the CPU's", "[cuda][nn]") {
  const Tensor x = logits(Shape{16, 10}, DType::Float32, 7);
  const Tensor labels = cast(random_tensor(Shape{16}, DType::Int64, 8, 0, 10), DType::Int32);
  const auto grads = [&](Device d) {
    const Tensor xd = x.to(d);
    GradientTape tape;
    tape.watch(xd);
    const Tensor loss = reduce_sum(nn::sparse_softmax_cross_entropy_with_logits(labels.to(d), xd)) +
                        reduce_sum(nn::log_softmax(xd) * nn::softmax(xd));
    return tape.gradient(loss, std::vector<Tensor>{xd})[0];
  };
  require_matches_cpu(grads(gpu()), grads(Device::cpu()), 2e-5, 1e-6);
}

TEST_CASE("cuda sparse softmax cross-entropy: out-of-range labels are refused as on the CPU", "[cuda][nn]") {
  const Tensor x = logits(Shape{4, 5}, DType::Float32, 9);
  for (DType label_type : {DType::Int32, DType::Int64}) {
    for (const std::vector<std::int64_t>& values :
         {std::vector<std::int64_t>{0, 4, 5, 7}, std::vector<std::int64_t>{1, -1, 9, 2},
          std::vector<std::int64_t>{0, 1, 2, std::int64_t{1} << 40}}) {
      if (label_type == DType::Int32 && values[3] > 1000) continue;
      const Tensor labels = constant(values, Shape{4}, label_type);
      const std::string on_cpu =
          message_of([&] { nn::sparse_softmax_cross_entropy_with_logits(labels, x); });
      const std::string on_gpu =
          message_of([&] { nn::sparse_softmax_cross_entropy_with_logits(labels.to(gpu()), x.to(gpu())); });
      INFO(on_cpu);
      CHECK(on_gpu == on_cpu);
      CHECK(on_gpu.find("outside the valid range [0, 5)") != std::string::npos);
    }
  }
  CHECK(message_of([&] {
          nn::sparse_softmax_cross_entropy_with_logits(constant<std::int32_t>({0, 4, 5, 7}).to(gpu()), x.to(gpu()));
        }) == "sparse_softmax_cross_entropy_with_logits: received a label value of 5 at position 2, outside the valid "
              "range [0, 5)");
  // The first bad label of a long batch, past a grid of threads.
  Tensor many = zeros(Shape{3000000}, DType::Int64);
  many = concat({many, constant<std::int64_t>({-3, 8})}, 0);
  const Tensor wide = zeros(Shape{3000002, 2}, DType::Float32, gpu());
  CHECK(message_of([&] { nn::sparse_softmax_cross_entropy_with_logits(many.to(gpu()), wide); }) ==
        "sparse_softmax_cross_entropy_with_logits: received a label value of -3 at position 3000000, outside the "
        "valid range [0, 2)");
}
