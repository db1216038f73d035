// The image ops on a GPU against the same ops on the CPU: resize (every
// method, antialias, up and down, uint8 and float inputs, HWC and NHWC, v1,
// gradients), crops, pads, flips, transpose, rot90, the colour functions,
// convert_image_dtype and per_image_standardization, plus the ops without a
// GPU kernel, which must refuse GPU tensors (encode_jpeg copies the image to
// the CPU, as its documentation says).
//
// Tolerances: the colour kernels, the uint8 tables and conversions, nearest
// resize and every crop/pad/flip/rotation match bit for bit. Resize sums its
// taps in another order than the CPU engine: within 1e-3 on a 0..255 scale
// (float32), 1e-9 in float64. Composites built on reductions or matmul
// (standardization, contrast's float64 means, grayscale, YUV) match to
// float rounding.
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cuda_test_util.hpp"
#include "eager/image.hpp"
#include "same_bits.hpp"

using namespace eager;
using namespace eager::test;
using image::ResizeMethod;

namespace {

// Runs op on the CPU image and on its copy on the GPU; bit for bit.
void check_same_bits(const Tensor& image, const std::function<Tensor(const Tensor&)>& op) {
  require_same_bits(op(image.to(gpu())), op(image));
}

// A photo-like batch: values 0..255 with smooth areas and edges, as `dtype`
// (uint8, or float on the 0..255 scale unless `unit` asks for 0..1).
Tensor photo(const Shape& shape, DType dtype, unsigned seed, bool unit = false) {
  const Tensor noise = random_tensor(shape, DType::Float32, seed, 0, 256);
  const Tensor values = floor(noise);
  if (dtype == DType::UInt8) return values.cast(DType::UInt8);
  return unit ? (values / 255.0).cast(dtype) : values.cast(dtype);
}

const std::vector<ResizeMethod> kMethods = {ResizeMethod::Bilinear, ResizeMethod::Nearest,  ResizeMethod::Bicubic,
                                            ResizeMethod::Area,     ResizeMethod::Lanczos3, ResizeMethod::Lanczos5,
                                            ResizeMethod::Gaussian, ResizeMethod::MitchellCubic};

// Nearest keeps the dtype and copies pixels: exact. The others sum in
// another order: atol on the 0..255 scale, scaled for 0..1 images.
void require_resized_alike(const Tensor& on_gpu, const Tensor& on_cpu, ResizeMethod method, double scale) {
  if (method == ResizeMethod::Nearest) return require_same_bits(on_gpu, on_cpu);
  if (on_cpu.dtype() == DType::Float64) return require_matches_cpu(on_gpu, on_cpu, 0, 1e-9 * scale / 255);
  require_matches_cpu(on_gpu, on_cpu, 0, 1e-3 * scale / 255);
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Unimplemented& e) {
    return e.what();
  }
  FAIL("no Unimplemented exception");
  return {};
}

}  // namespace

TEST_CASE("resize on the GPU: every method, up and down, uint8 and float", "[cuda][image]") {
  const std::vector<std::pair<std::int64_t, std::int64_t>> sizes = {{80, 97}, {13, 21}, {80, 21}, {37, 53}};
  for (const DType dtype : {DType::UInt8, DType::Float32}) {
    for (const std::int64_t channels : {1, 3, 4}) {
      const Tensor images = photo({2, 37, 53, channels}, dtype, 7 + static_cast<unsigned>(channels));
      for (const ResizeMethod method : kMethods)
        for (const bool antialias : {false, true})
          for (const auto& [h, w] : sizes) {
            INFO(image::to_string(method) << (antialias ? " antialias " : " ") << dtype_name(dtype) << " " << channels
                                          << " channels to " << h << "x" << w);
            image::ResizeOptions o;
            o.method = method;
            o.antialias = antialias;
            const Tensor cpu = image::resize(images, h, w, o);
            require_resized_alike(image::resize(images.to(gpu()), h, w, o), cpu, method, 255);
          }
    }
  }
}

TEST_CASE("resize on the GPU: HWC, float64, 0..1 floats, strided views, preserve_aspect_ratio", "[cuda][image]") {
  const Tensor hwc = photo({45, 31, 3}, DType::Float32, 3, true);
  for (const ResizeMethod method : kMethods) {
    INFO(image::to_string(method));
    image::ResizeOptions o;
    o.method = method;
    require_resized_alike(image::resize(hwc.to(gpu()), 90, 17, o), image::resize(hwc, 90, 17, o), method, 1);
    const Tensor f64 = photo({2, 19, 23, 3}, DType::Float64, 4, true);
    require_resized_alike(image::resize(f64.to(gpu()), 30, 11, o), image::resize(f64, 30, 11, o), method, 1);
    // A transposed view made on the GPU: resize makes it contiguous there.
    const Tensor viewed_gpu = transpose(photo({2, 31, 45, 3}, DType::UInt8, 5).to(gpu()), std::vector<int>{0, 2, 1, 3});
    const Tensor viewed_cpu = transpose(photo({2, 31, 45, 3}, DType::UInt8, 5), std::vector<int>{0, 2, 1, 3});
    require_resized_alike(image::resize(viewed_gpu, 20, 70, o), image::resize(viewed_cpu, 20, 70, o), method, 255);
    o.preserve_aspect_ratio = true;
    require_resized_alike(image::resize(hwc.to(gpu()), 100, 100, o), image::resize(hwc, 100, 100, o), method, 1);
  }
}

TEST_CASE("resize_v1 and resize_with_pad on the GPU", "[cuda][image]") {
  const Tensor images = photo({2, 29, 41, 3}, DType::UInt8, 9);
  for (const ResizeMethod method : {ResizeMethod::Bilinear, ResizeMethod::Nearest, ResizeMethod::Bicubic, ResizeMethod::Area})
    for (const bool align : {false, true})
      for (const auto& [h, w] : {std::pair<std::int64_t, std::int64_t>{60, 17}, {7, 90}}) {
        INFO(image::to_string(method) << " align_corners " << align << " to " << h << "x" << w);
        image::ResizeV1Options o;
        o.method = method;
        o.align_corners = align;
        require_resized_alike(image::resize_v1(images.to(gpu()), h, w, o), image::resize_v1(images, h, w, o), method,
                              255);
      }
  for (const ResizeMethod method : kMethods) {
    INFO(image::to_string(method));
    require_resized_alike(image::resize_with_pad(images.to(gpu()), 50, 50, method),
                          image::resize_with_pad(images, 50, 50, method), method, 255);
  }
}

TEST_CASE("resize on the GPU: empty batches and outputs beyond one grid", "[cuda][image]") {
  const Tensor empty = Tensor::empty({0, 8, 9, 3}, DType::Float32, Device::cpu());
  for (const ResizeMethod method : kMethods) {
    image::ResizeOptions o;
    o.method = method;
    require_same_bits(image::resize(empty.to(gpu()), 4, 5, o), image::resize(empty, 4, 5, o));
  }
  // About 15 million outputs, each pass far beyond one grid of threads.
  const Tensor big = photo({2, 1500, 1700, 3}, DType::UInt8, 12);
  for (const ResizeMethod method : {ResizeMethod::Bilinear, ResizeMethod::Lanczos3, ResizeMethod::Nearest}) {
    INFO(image::to_string(method));
    image::ResizeOptions o;
    o.method = method;
    o.antialias = true;
    require_resized_alike(image::resize(big.to(gpu()), 1100, 2300, o), image::resize(big, 1100, 2300, o), method, 255);
    require_resized_alike(image::resize(big.to(gpu()), 300, 257, o), image::resize(big, 300, 257, o), method, 255);
  }
}

TEST_CASE("nearest resize on the GPU past 2^31 elements", "[cuda][image][large]") {
  // 46342^2 > 2^31 outputs: the indices must be 64-bit all the way.
  const Tensor rows = reshape(range(0, 23171, 1, DType::Int32), {23171, 1});
  const Tensor cols = reshape(range(0, 23171, 1, DType::Int32), {1, 23171});
  const Tensor image = reshape(cast(mod(rows * 7 + cols * 13, 251), DType::UInt8), {1, 23171, 23171, 1});
  image::ResizeOptions o;
  o.method = ResizeMethod::Nearest;
  const Tensor on_gpu = image::resize(image.to(gpu()), 46342, 46342, o).cpu();
  const Tensor on_cpu = image::resize(image, 46342, 46342, o);
  REQUIRE(on_gpu.shape() == on_cpu.shape());
  REQUIRE(reduce_all(equal(on_gpu, on_cpu)).item<bool>());
}

TEST_CASE("resize gradients on the GPU", "[cuda][image]") {
  for (const DType dtype : {DType::Float32, DType::Float64}) {
    const Tensor images = photo({2, 17, 23, 3}, dtype, 21, true);
    for (const ResizeMethod method : kMethods)
      for (const bool antialias : {false, true})
        for (const auto& [h, w] : {std::pair<std::int64_t, std::int64_t>{40, 9}, {6, 50}}) {
          INFO(image::to_string(method) << (antialias ? " antialias " : " ") << dtype_name(dtype) << " to " << h << "x"
                                        << w);
          image::ResizeOptions o;
          o.method = method;
          o.antialias = antialias;
          const Tensor upstream = random_tensor({2, h, w, 3}, DType::Float32, 22, -1, 1);
          const auto gradient = [&](Device device) {
            const Tensor x = images.to(device);
            GradientTape tape;
            tape.watch(x);
            const Tensor y = image::resize(x, h, w, o);
            return tape.gradient(y, {x}, UnconnectedGradients::None, upstream.to(device))[0];
          };
          const Tensor cpu = gradient(Device::cpu());
          if (method == ResizeMethod::Nearest)
            require_matches_cpu(gradient(gpu()), cpu, 0, dtype == DType::Float64 ? 1e-12 : 1e-6);
          else
            require_matches_cpu(gradient(gpu()), cpu, 0, dtype == DType::Float64 ? 1e-12 : 1e-5);
        }
  }
}

TEST_CASE("crops, pads, flips, transpose and rot90 on the GPU", "[cuda][image]") {
  for (const DType dtype : {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    for (const Tensor& img : {photo({2, 13, 17, 3}, dtype == DType::UInt8 ? dtype : DType::Float32, 31).cast(dtype),
                              photo({13, 17, 4}, DType::Float32, 32).cast(dtype)}) {
      check_same_bits(img, [](const Tensor& x) { return image::crop_to_bounding_box(x, 2, 3, 7, 9).contiguous(); });
      check_same_bits(img, [](const Tensor& x) { return image::pad_to_bounding_box(x, 2, 3, 20, 25); });
      check_same_bits(img, [](const Tensor& x) { return image::resize_with_crop_or_pad(x, 8, 30); });
      check_same_bits(img, [](const Tensor& x) { return image::resize_with_crop_or_pad(x, 20, 5); });
      check_same_bits(img, [](const Tensor& x) { return image::central_crop(x, 0.6).contiguous(); });
      check_same_bits(img, [](const Tensor& x) { return image::flip_left_right(x); });
      check_same_bits(img, [](const Tensor& x) { return image::flip_up_down(x); });
      check_same_bits(img, [](const Tensor& x) { return image::transpose(x).contiguous(); });
      for (int k = -1; k <= 4; ++k) check_same_bits(img, [k](const Tensor& x) { return image::rot90(x, k).contiguous(); });
      check_same_bits(img, [](const Tensor& x) {
        return image::stateless_random_flip_left_right(x, random::SeedPair{3, 4});
      });
      check_same_bits(img, [](const Tensor& x) { return image::stateless_random_flip_up_down(x, random::SeedPair{5, 6}); });
      // A flip of a strided view made on the device.
      check_same_bits(img, [](const Tensor& x) { return image::flip_left_right(image::rot90(x, 1)); });
    }
  }
}

TEST_CASE("hue, saturation and HSV on the GPU give the CPU's bits", "[cuda][image]") {
  // Photo pixels, grey and saturated ones, ties between channels; a batch
  // of over 2 million pixels runs the grid-stride loop several times.
  for (const DType dtype : {DType::UInt8, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor ties = floor(photo({5, 7, 3}, DType::Float32, 43, true) * 4.0) / 4.0;
    for (const Tensor& x : {photo({3, 41, 37, 3}, dtype, 41, true), photo({2, 1100, 1000, 3}, dtype, 42, true),
                            image::convert_image_dtype(ties, dtype)}) {
      for (const double delta : {0.0, 0.2, -0.45, 1.0, -1.0})
        check_same_bits(x, [delta](const Tensor& t) { return image::adjust_hue(t, delta); });
      for (const double factor : {0.0, 0.4, 2.5, -3.0})
        check_same_bits(x, [factor](const Tensor& t) { return image::adjust_saturation(t, factor); });
      check_same_bits(x, [](const Tensor& t) { return image::stateless_random_hue(t, 0.4, random::SeedPair{7, 8}); });
      check_same_bits(x, [](const Tensor& t) {
        return image::stateless_random_saturation(t, 0.2, 1.9, random::SeedPair{9, 10});
      });
      if (dtype != DType::UInt8) {
        check_same_bits(x, [](const Tensor& t) { return image::rgb_to_hsv(t); });
        check_same_bits(x, [](const Tensor& t) { return image::hsv_to_rgb(t); });
        check_same_bits(x, [](const Tensor& t) { return image::hsv_to_rgb(image::rgb_to_hsv(t)); });
      }
    }
  }
  // int32 images go through float32 and back; empty images stay empty.
  check_same_bits(photo({4, 5, 3}, DType::Float32, 44).cast(DType::Int32) * 1000,
                  [](const Tensor& t) { return image::adjust_hue(t, 0.3); });
  check_same_bits(Tensor::empty({0, 4, 3}, DType::Float32, Device::cpu()),
                  [](const Tensor& t) { return image::adjust_saturation(t, 2.0); });
}

TEST_CASE("convert_image_dtype, brightness, gamma and contrast on the GPU", "[cuda][image]") {
  const Tensor u8 = photo({2, 300, 301, 3}, DType::UInt8, 51);
  const Tensor f32 = photo({2, 300, 301, 3}, DType::Float32, 52, true);
  const Tensor wide = (f32 * 1.4 - 0.2);  // out of range: clamped on the way to uint8
  for (const DType to : {DType::Float32, DType::Float64, DType::Int32, DType::Int64})
    check_same_bits(u8, [to](const Tensor& t) { return image::convert_image_dtype(t, to); });
  for (const bool saturate : {false, true}) {
    check_same_bits(wide, [saturate](const Tensor& t) { return image::convert_image_dtype(t, DType::UInt8, saturate); });
    check_same_bits(wide.cast(DType::Float64),
                    [saturate](const Tensor& t) { return image::convert_image_dtype(t, DType::UInt8, saturate); });
  }
  for (const Tensor& x : {u8, f32, f32.cast(DType::Float64)}) {
    INFO(dtype_name(x.dtype()));
    check_same_bits(x, [](const Tensor& t) { return image::adjust_brightness(t, 0.17); });
    check_same_bits(x, [](const Tensor& t) { return image::adjust_brightness(t, -0.6); });
    check_same_bits(x, [](const Tensor& t) { return image::stateless_random_brightness(t, 0.3, random::SeedPair{1, 2}); });
    // uint8: a table made on the CPU; floats: pow, whose last bit may differ.
    if (x.dtype() == DType::UInt8)
      check_same_bits(x, [](const Tensor& t) { return image::adjust_gamma(t, 0.7, 1.1); });
    else
      require_matches_cpu(image::adjust_gamma(x.to(gpu()), 0.7, 1.1), image::adjust_gamma(x, 0.7, 1.1), 1e-6, 0);
    // Means in double on both devices, summed in another order.
    for (const double factor : {0.3, 1.0, 2.7}) {
      const Tensor cpu = image::adjust_contrast(x, factor);
      const Tensor on_gpu = image::adjust_contrast(x.to(gpu()), factor);
      if (x.dtype() == DType::Float64)
        require_matches_cpu(on_gpu, cpu, 1e-14, 1e-15);
      else
        require_same_bits(on_gpu, cpu);
    }
  }
  // The contrast gradient (recorded by the fused kernel's caller).
  const auto gradient = [&](Device device) {
    const Tensor x = f32.to(device);
    GradientTape tape;
    tape.watch(x);
    return tape.gradient(image::adjust_contrast(x, 1.8), {x})[0];
  };
  require_matches_cpu(gradient(gpu()), gradient(Device::cpu()), 1e-6, 1e-6);
}

TEST_CASE("standardization, grayscale and YUV on the GPU", "[cuda][image]") {
  for (const DType dtype : {DType::UInt8, DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = photo({3, 64, 65, 3}, dtype, 61, true);
    const bool f64 = dtype == DType::Float64;
    require_matches_cpu(image::per_image_standardization(x.to(gpu())), image::per_image_standardization(x),
                        f64 ? 1e-12 : 1e-5, f64 ? 1e-12 : 1e-5);
    if (dtype == DType::UInt8) {
      // A matmul in float32, truncated to uint8: one unit where cuBLAS and
      // the CPU round a sum to either side of an integer.
      require_matches_cpu(image::rgb_to_grayscale(x.to(gpu())), image::rgb_to_grayscale(x), 0, 1);
    } else {
      // Three-term dot products (cuBLAS may fuse them): U and V cancel to
      // near 0, hence the absolute tolerance.
      require_matches_cpu(image::rgb_to_grayscale(x.to(gpu())), image::rgb_to_grayscale(x), 1e-6, 1e-6);
      require_matches_cpu(image::rgb_to_yuv(x.to(gpu())), image::rgb_to_yuv(x), 1e-6, 1e-6);
      require_matches_cpu(image::yuv_to_rgb(x.to(gpu())), image::yuv_to_rgb(x), 1e-6, 1e-6);
    }
    check_same_bits(image::rgb_to_grayscale(x), [](const Tensor& t) { return image::grayscale_to_rgb(t); });
  }
}

TEST_CASE("image ops without a GPU kernel refuse GPU tensors", "[cuda][image]") {
  const Tensor images = photo({1, 8, 8, 3}, DType::Float32, 71, true).to(gpu());
  const Tensor boxes = constant(std::vector<float>{0.1f, 0.1f, 0.8f, 0.9f}, Shape{1, 4}).to(gpu());
  const Tensor scores = constant(std::vector<float>{0.5f}, Shape{1}).to(gpu());
  const auto names = [](const std::string& message, const std::string& op) {
    INFO(message);
    CHECK(message.find(op) != std::string::npos);
    CHECK(message.find("/device:GPU:0") != std::string::npos);
  };
  names(message_of([&] {
          image::crop_and_resize(images, boxes.cpu(), constant(std::vector<std::int32_t>{0}, Shape{1}), 4, 4);
        }),
        "image::crop_and_resize");
  names(message_of([&] { image::draw_bounding_boxes(images, reshape(boxes, {1, 1, 4})); }),
        "image::draw_bounding_boxes");
  names(message_of([&] { image::draw_bounding_boxes(images.cpu(), reshape(boxes, {1, 1, 4})); }),
        "image::draw_bounding_boxes");
  names(message_of([&] { image::non_max_suppression(boxes, scores, 1); }), "image::non_max_suppression");
  names(message_of([&] { image::non_max_suppression_with_scores(boxes, scores, 1, 0.5, -1.0, 0.5); }),
        "image::non_max_suppression_with_scores");
  names(message_of([&] { image::sample_distorted_bounding_box(Shape{8, 8, 3}, reshape(boxes, {1, 1, 4}), {}, 1); }),
        "image::sample_distorted_bounding_box");
}

TEST_CASE("encode_jpeg copies a GPU image to the CPU, as documented", "[cuda][image]") {
  const Tensor pixels = photo({16, 24, 3}, DType::UInt8, 72);
  CHECK(image::encode_jpeg(pixels.to(gpu())) == image::encode_jpeg(pixels));
  CHECK(image::encode_jpeg(image::flip_left_right(pixels.to(gpu()))) == image::encode_jpeg(image::flip_left_right(pixels)));
}
