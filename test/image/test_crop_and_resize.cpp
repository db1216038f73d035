// tf.image.crop_and_resize: parity with TensorFlow (boxes inside, outside and
// flipped, crop sizes of 1, extrapolation values; tools/image_golden/resize.py),
// its image gradient, TF's argument checks and error types.
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "eager/gradient_check.hpp"
#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::Golden;
using eager::test::MessageContains;
using eager::test::require_images_close;
using image::ResizeMethod;

namespace {

const Golden& golden() {
  static const Golden g("resize.npz");
  return g;
}

struct CropCase {
  Tensor image, boxes, box_indices;
  ResizeMethod method;
  std::int64_t height, width;
  double extrapolation;
};

// crop|IMAGE|METHOD|HxW|ext=V|BOXES
CropCase parse(const std::vector<std::string>& f) {
  const auto x = f[3].find('x');
  return {golden()["in|" + f[1]],
          golden()["boxes|" + f[5]],
          golden()["boxidx|" + f[5]],
          image::resize_method_from_string(f[2]),
          std::stoll(f[3].substr(0, x)),
          std::stoll(f[3].substr(x + 1)),
          std::stod(f[4].substr(4))};
}

}  // namespace

TEST_CASE("crop_and_resize matches TensorFlow", "[image][resize][crop_and_resize]") {
  int checked = 0;
  for (const auto& [key, expected] : golden().arrays()) {
    const auto f = test::key_fields(key);
    if (f[0] != "crop") continue;
    const CropCase c = parse(f);
    const Tensor out =
        image::crop_and_resize(c.image, c.boxes, c.box_indices, c.height, c.width, c.method, c.extrapolation);
    INFO(key);
    REQUIRE(out.dtype() == DType::Float32);
    // The same float32 arithmetic as TF's kernel, operation for operation: bit-identical.
    require_images_close(out, expected, 0.0, key);
    ++checked;
  }
  CHECK(checked == 24);
}

TEST_CASE("crop_and_resize's image gradient matches TensorFlow's", "[image][resize][crop_and_resize]") {
  int checked = 0;
  for (const auto& [key, expected] : golden().arrays()) {
    const auto f = test::key_fields(key);
    if (f[0] != "grad" || f[1] != "crop") continue;
    const CropCase c = parse(std::vector<std::string>(f.begin() + 1, f.end()));
    GradientTape tape;
    tape.watch(c.image);
    const Tensor y =
        image::crop_and_resize(c.image, c.boxes, c.box_indices, c.height, c.width, c.method, c.extrapolation);
    const Tensor g =
        tape.gradient(y, {c.image}, UnconnectedGradients::None, golden()["gup|" + key.substr(5)])[0];
    INFO(key);
    require_images_close(g, expected, 1e-6, key);
    ++checked;
  }
  CHECK(checked == 2);
}

TEST_CASE("crop_and_resize passes the gradient check", "[image][resize][crop_and_resize]") {
  GradientCheckOptions options;
  options.delta = 0.5;
  options.rtol = 1e-4;
  options.atol = 1e-4;
  const Tensor images = test::random_tensor({2, 6, 7, 2}, DType::Float64, 9, 0, 1);
  const Tensor boxes = constant<float>({0.1f, 0.2f, 0.9f, 0.7f, -0.2f, 1.1f, 0.6f, 0.3f, 0.5f, 0.5f, 0.5f, 0.5f},
                                       Shape{3, 4});
  const Tensor indices = constant<std::int32_t>({1, 0, 1}, Shape{3});
  for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Nearest}) {
    const auto result = check_gradients(
        [&](const std::vector<Tensor>& in) {
          return image::crop_and_resize(in[0], boxes, indices, 4, 5, m, 2.0).cast(DType::Float64);
        },
        {images}, options);
    INFO(image::to_string(m) << "\n" << result.report());
    CHECK(result.ok);
    // Second order: the gradient (a scatter) is itself differentiable.
    const auto second = check_gradients(
        [&](const std::vector<Tensor>& in) {
          GradientTape inner;
          inner.watch(in[0]);
          const Tensor y = image::crop_and_resize(in[0], boxes, indices, 4, 5, m).cast(DType::Float64);
          return inner.gradient(reduce_sum(y * y), in[0]);
        },
        {images}, options);
    INFO(second.report());
    CHECK(second.ok);
  }
}

TEST_CASE("crop_and_resize rejects what TensorFlow rejects", "[image][resize][crop_and_resize]") {
  const Tensor images = zeros({2, 5, 6, 3}, DType::UInt8);
  const Tensor boxes = constant<float>({0, 0, 1, 1}, Shape{1, 4});
  const Tensor index = constant<std::int32_t>({1}, Shape{1});
  const std::string op = "image::crop_and_resize";
  CHECK(image::crop_and_resize(images, boxes, index, 2, 3).shape() == Shape({1, 2, 3, 3}));
  CHECK(image::crop_and_resize(images, zeros({0, 4}), zeros({0}, DType::Int32), 2, 3).shape() ==
        Shape({0, 2, 3, 3}));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images[0], boxes, index, 2, 3), InvalidArgument,
                       MessageContains(op + ": images must be a batch of rank 4"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(zeros({2, 0, 6, 3}), boxes, index, 2, 3), InvalidArgument,
                       MessageContains("image dimensions must be positive"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, zeros({1, 3}), index, 2, 3), InvalidArgument,
                       MessageContains("[num_boxes, 4]"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, constant<std::int32_t>({0, 1}, Shape{2}), 2, 3),
                       InvalidArgument, MessageContains("incompatible shape"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, index.cast(DType::Float32), 2, 3), InvalidArgument,
                       MessageContains("int32"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, index, 0, 3), InvalidArgument,
                       MessageContains("crop dimensions must be positive"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, index, 2, 3, ResizeMethod::Bicubic), InvalidArgument,
                       MessageContains("bilinear or nearest"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, constant<std::int32_t>({2}, Shape{1}), 2, 3),
                       OutOfRange, MessageContains("outside [0, batch_size)"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images, boxes, constant<std::int32_t>({-1}, Shape{1}), 2, 3),
                       OutOfRange, MessageContains("outside [0, batch_size)"));
  CHECK_THROWS_MATCHES(
      image::crop_and_resize(images, constant<float>({0, 0, NAN, 1}, Shape{1, 4}), index, 2, 3), InvalidArgument,
      MessageContains("not finite"));
  CHECK_THROWS_MATCHES(image::crop_and_resize(images.cast(DType::Int32), boxes, index, 2, 3), InvalidArgument,
                       MessageContains("int32"));
}
