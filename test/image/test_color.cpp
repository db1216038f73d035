// tf.image colour functions: TensorFlow parity (test/image/golden/color.npz,
// made by tools/image_golden/color.py), dtype and shape rules, NHWC batches,
// the random variants, gradients, and the vectorised kernels against TF's
// scalar algorithm on images large enough to be split across threads.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "image/color_common.hpp"
#include "image/image_test_util.hpp"
#include "tensor/test_util.hpp"

namespace {

using namespace eager;
using eager::test::Golden;
using eager::test::MessageContains;
using eager::test::random_tensor;
using eager::test::require_images_close;

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

DType dtype_named(const std::string& name) {
  for (DType t : {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64})
    if (dtype_name(t) == name) return t;
  FAIL("unknown dtype " << name);
  return DType::Bool;
}

struct GoldenCase {
  std::string function, input;
  std::vector<double> params;
  std::string dtype;  // convert_image_dtype's target
};

GoldenCase parse_case(const std::string& key) {
  const std::vector<std::string> parts = split(key, ':');
  REQUIRE(parts.size() >= 3);
  GoldenCase c{parts[1], parts[2], {}, ""};
  if (parts.size() > 3) {
    for (const std::string& p : split(parts[3], ',')) {
      if (c.function == "convert_image_dtype" && c.dtype.empty())
        c.dtype = p;
      else
        c.params.push_back(std::stod(p));
    }
  }
  return c;
}

Tensor run_case(const GoldenCase& c, const Tensor& x) {
  const auto& p = c.params;
  if (c.function == "convert_image_dtype") return image::convert_image_dtype(x, dtype_named(c.dtype), p.at(0) != 0);
  if (c.function == "rgb_to_grayscale") return image::rgb_to_grayscale(x);
  if (c.function == "rgb_to_hsv") return image::rgb_to_hsv(x);
  if (c.function == "hsv_to_rgb") return image::hsv_to_rgb(x);
  if (c.function == "rgb_to_yuv") return image::rgb_to_yuv(x);
  if (c.function == "yuv_to_rgb") return image::yuv_to_rgb(x);
  if (c.function == "adjust_brightness") return image::adjust_brightness(x, p.at(0));
  if (c.function == "adjust_contrast") return image::adjust_contrast(x, p.at(0));
  if (c.function == "adjust_hue") return image::adjust_hue(x, p.at(0));
  if (c.function == "adjust_saturation") return image::adjust_saturation(x, p.at(0));
  if (c.function == "adjust_gamma") return image::adjust_gamma(x, p.at(0), p.at(1));
  if (c.function == "per_image_standardization") return image::per_image_standardization(x);
  FAIL("no function " << c.function);
  return x;
}

// The largest difference allowed from TensorFlow's result.
double tolerance(const GoldenCase& c, const Tensor& expected) {
  if (c.function == "convert_image_dtype") return 0;  // the same float products, truncated alike
  switch (expected.dtype()) {
    case DType::UInt8: return 1;
    // One float32 rounding of a value near 0.5 is 3e-8, times 2^31.
    case DType::Int32: return 256;
    // A few float32 roundings (reached: 5e-7), or float64 against TF's
    // float32 rounding of float64 images.
    default: return 1e-6;
  }
}

TEST_CASE("color: every function matches TensorFlow's golden outputs", "[image][color]") {
  const Golden golden("color.npz");
  std::set<std::string> functions;
  int cases = 0, exact_uint8 = 0, uint8_cases = 0;
  for (const auto& [key, expected] : golden.arrays()) {
    if (key.rfind("out:", 0) != 0) continue;
    const GoldenCase c = parse_case(key);
    const Tensor x = golden["in:" + c.input];
    const Tensor got = run_case(c, x);
    INFO(key);
    // TF2 returns float32 from per_image_standardization for every input;
    // eager keeps float64 for float64 images.
    const bool keeps_float64 = c.function == "per_image_standardization" && x.dtype() == DType::Float64;
    CHECK(got.dtype() == (keeps_float64 ? DType::Float64 : expected.dtype()));
    require_images_close(got, expected, tolerance(c, expected), key);
    if (expected.dtype() == DType::UInt8 && c.function != "convert_image_dtype") {
      ++uint8_cases;
      exact_uint8 += all_equal(got, expected) ? 1 : 0;
    }
    functions.insert(c.function);
    ++cases;
  }
  CHECK(cases >= 130);
  // Off-by-one uint8 values come from float32 roundings at .5 boundaries:
  // most uint8 results must be exact.
  CHECK(exact_uint8 * 4 >= uint8_cases * 3);
  CHECK(functions == std::set<std::string>{"convert_image_dtype", "rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb",
                                           "rgb_to_yuv", "yuv_to_rgb", "adjust_brightness", "adjust_contrast",
                                           "adjust_hue", "adjust_saturation", "adjust_gamma",
                                           "per_image_standardization"});
}

TEST_CASE("color: the gradient of rgb_to_hsv matches TensorFlow's", "[image][color]") {
  const Golden golden("color.npz");
  const std::vector<double> weights = golden["in:hsv_weights"].to_vector<double>();
  for (const std::string name : {"rand_f64", "photo_f32"}) {
    INFO(name);
    const Tensor x = golden["in:" + name];
    // np.resize: the weights repeated to x's size.
    std::vector<double> w(static_cast<std::size_t>(x.num_elements()));
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = weights[i % weights.size()];
    GradientTape tape;
    tape.watch(x);
    const Tensor y = reduce_sum(image::rgb_to_hsv(x) * constant(w, x.shape(), x.dtype()));
    const std::vector<double> got = tape.gradient(y, x).to_vector<double>();
    const std::vector<double> expected = golden["grad:rgb_to_hsv:" + name].to_vector<double>();
    const std::vector<double> pixels = x.to_vector<double>();
    // TF zeroes dS/dmin where the minimum channel is 0 (its guard against
    // dividing by that channel); the derivative there is -1 / V, which eager
    // keeps. Those pixels are left out.
    int compared = 0;
    for (std::size_t p = 0; p < pixels.size(); p += 3) {
      if (std::min({pixels[p], pixels[p + 1], pixels[p + 2]}) == 0) continue;
      for (std::size_t k = p; k < p + 3; ++k) {
        INFO("element " << k << ": got " << got[k] << ", expected " << expected[k]);
        CHECK(std::abs(got[k] - expected[k]) <= 1e-4 * (1 + std::abs(expected[k])));
      }
      ++compared;
    }
    CHECK(compared * 3 + 30 >= static_cast<int>(pixels.size()));
  }
}

TEST_CASE("color: adjust_saturation keeps TF's sextant-6 quirk and adjust_hue its tie rules", "[image][color]") {
  // Hue -1e-9 / 6 wraps to exactly 1.0 in float32: TF's kernel turns the red
  // pixel black, and so does eager.
  const Tensor red = constant({1.0f, 0.0f, 1e-9f}).reshape({1, 1, 3});
  CHECK(image::adjust_saturation(red, 1.0).to_vector<float>() == std::vector<float>{0, 0, 0});
  // Rotating a pure hue by a third of a turn moves it to the next primary.
  const Tensor primaries = constant({1.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f}).reshape({1, 2, 3});
  CHECK(image::adjust_hue(primaries, 1.0 / 3).to_vector<float>() == std::vector<float>{0, 1, 0, 0, 0, 1});
  // Grey stays grey, whatever the rotation.
  const Tensor grey = constant({0.4f, 0.4f, 0.4f}).reshape({1, 1, 3});
  CHECK(image::adjust_hue(grey, 0.37).to_vector<float>() == std::vector<float>{0.4f, 0.4f, 0.4f});
}

TEST_CASE("color: dtype rules", "[image][color]") {
  const Tensor u8 = cast(random_tensor({4, 5, 3}, DType::Float32, 1, 0, 255), DType::UInt8);
  const Tensor f32 = random_tensor({4, 5, 3}, DType::Float32, 2, 0, 1);
  const Tensor f64 = random_tensor({4, 5, 3}, DType::Float64, 3, 0, 1);
  for (const Tensor& x : {u8, f32, f64}) {
    INFO(dtype_name(x.dtype()));
    CHECK(image::adjust_brightness(x, 0.1).dtype() == x.dtype());
    CHECK(image::adjust_contrast(x, 1.5).dtype() == x.dtype());
    CHECK(image::adjust_hue(x, 0.1).dtype() == x.dtype());
    CHECK(image::adjust_saturation(x, 1.5).dtype() == x.dtype());
    CHECK(image::adjust_gamma(x, 0.8).dtype() == x.dtype());
    CHECK(image::rgb_to_grayscale(x).dtype() == x.dtype());
    CHECK(image::rgb_to_grayscale(x).shape() == Shape{4, 5, 1});
    CHECK(image::grayscale_to_rgb(image::rgb_to_grayscale(x)).shape() == Shape{4, 5, 3});
  }
  CHECK(image::per_image_standardization(u8).dtype() == DType::Float32);
  CHECK(image::per_image_standardization(f32).dtype() == DType::Float32);
  CHECK(image::per_image_standardization(f64).dtype() == DType::Float64);
  CHECK(image::convert_image_dtype(f32, DType::Float32).is_same(f32));
  // uint8 -> float -> uint8 restores every value (TF's 255.5 rounding).
  const Tensor all = cast(range(0, 256, 1, DType::Int32), DType::UInt8);
  CHECK(all_equal(image::convert_image_dtype(image::convert_image_dtype(all, DType::Float32), DType::UInt8), all));
  CHECK(all_equal(image::convert_image_dtype(image::convert_image_dtype(all, DType::Float64), DType::UInt8), all));
  CHECK(all_equal(image::convert_image_dtype(image::convert_image_dtype(all, DType::Int64), DType::UInt8), all));
  // Saturation of float -> uint8, both directions out of range.
  const Tensor spill = constant({-0.1f, 0.5f, 1.2f});
  CHECK(image::convert_image_dtype(spill, DType::UInt8, true).to_vector<int>() == std::vector<int>{0, 127, 255});
  CHECK(image::convert_image_dtype(spill, DType::UInt8, false).to_vector<int>() == std::vector<int>{0, 127, 255});
  CHECK(image::convert_image_dtype(constant({-0.1, 1.2}), DType::UInt8).to_vector<int>() == std::vector<int>{0, 255});
  CHECK(image::convert_image_dtype(constant({-0.5f, 0.25f, 1.5f}), DType::Int32, true).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{-1073741824, 536870912, 2147483520});
  // grayscale_to_rgb is a tile: any dtype, bool included.
  CHECK(image::grayscale_to_rgb(constant({true, false}).reshape({2, 1})).shape() == Shape{2, 3});
  // Empty images give empty results.
  const Tensor empty = zeros({0, 4, 3});
  CHECK(image::adjust_hue(empty, 0.2).shape() == Shape{0, 4, 3});
  CHECK(image::rgb_to_grayscale(empty).shape() == Shape{0, 4, 1});
  CHECK(image::adjust_contrast(empty, 2).shape() == Shape{0, 4, 3});
  CHECK(image::per_image_standardization(zeros({0, 4, 3}, DType::UInt8)).dtype() == DType::Float32);
}

TEST_CASE("color: errors name the function, the shape and the dtype", "[image][color]") {
  const Tensor rgb = zeros({2, 2, 3});
  const Tensor u8 = zeros({2, 2, 3}, DType::UInt8);
  CHECK_THROWS_MATCHES(image::adjust_hue(zeros({4, 3}), 0.1), InvalidArgument,
                       MessageContains("image::adjust_hue: expected a tensor of rank >= 3"));
  CHECK_THROWS_MATCHES(image::adjust_saturation(zeros({2, 2, 4}), 1), InvalidArgument,
                       MessageContains("expected 3 channels (the last dimension), got shape (2, 2, 4)"));
  CHECK_THROWS_MATCHES(image::adjust_hue(rgb, 1.5), InvalidArgument,
                       MessageContains("delta must be in the interval [-1, 1], got 1.5"));
  CHECK_THROWS_AS(image::adjust_hue(rgb, std::nan("")), InvalidArgument);
  CHECK_THROWS_AS(image::adjust_saturation(rgb, INFINITY), InvalidArgument);
  CHECK_THROWS_MATCHES(image::adjust_gamma(rgb, -0.5), InvalidArgument,
                       MessageContains("image::adjust_gamma: gamma must be a non-negative real number"));
  CHECK_THROWS_MATCHES(image::rgb_to_hsv(u8), InvalidArgument,
                       MessageContains("image::rgb_to_hsv: images must be float32 or float64, got uint8"));
  CHECK_THROWS_AS(image::hsv_to_rgb(u8), InvalidArgument);
  CHECK_THROWS_AS(image::rgb_to_yuv(u8), InvalidArgument);
  CHECK_THROWS_AS(image::yuv_to_rgb(zeros({3, 2})), InvalidArgument);
  CHECK_THROWS_AS(image::rgb_to_grayscale(zeros({2, 2, 1})), InvalidArgument);
  CHECK_THROWS_AS(image::grayscale_to_rgb(zeros({2, 2, 3})), InvalidArgument);
  CHECK_THROWS_AS(image::grayscale_to_rgb(zeros({3})), InvalidArgument);
  CHECK_THROWS_AS(image::adjust_contrast(zeros({2, 3}), 2), InvalidArgument);
  CHECK_THROWS_AS(image::per_image_standardization(zeros({2, 3})), InvalidArgument);
  const Tensor flags = zeros({2, 2, 3}, DType::Bool);
  CHECK_THROWS_MATCHES(image::adjust_brightness(flags, 0.1), InvalidArgument,
                       MessageContains("image::adjust_brightness: images must be uint8, int32, int64, float32 or "
                                       "float64, got bool"));
  CHECK_THROWS_AS(image::convert_image_dtype(flags, DType::Float32), InvalidArgument);
  CHECK_THROWS_MATCHES(image::convert_image_dtype(rgb, DType::Bool), InvalidArgument,
                       MessageContains("image::convert_image_dtype: dtype must be"));
  CHECK_THROWS_MATCHES(image::random_hue(rgb, 0.6), InvalidArgument,
                       MessageContains("image::random_hue: max_delta must be in [0, 0.5], got 0.6"));
  CHECK_THROWS_AS(image::stateless_random_hue(rgb, -0.1, {1, 2}), InvalidArgument);
  CHECK_THROWS_AS(image::random_brightness(rgb, -1), InvalidArgument);
  CHECK_THROWS_MATCHES(image::random_contrast(rgb, 0.8, 0.5), InvalidArgument,
                       MessageContains("image::random_contrast: upper must be > lower"));
  CHECK_THROWS_AS(image::stateless_random_saturation(rgb, -0.5, 1, {1, 2}), InvalidArgument);
  CHECK_THROWS_AS(image::random_saturation(rgb, 1, 1), InvalidArgument);
}

TEST_CASE("color: an NHWC batch is each image on its own", "[image][color]") {
  const Tensor batch = random_tensor({3, 7, 5, 3}, DType::Float32, 11, 0, 1);
  const auto per_image = [&](const std::function<Tensor(const Tensor&)>& f) {
    std::vector<Tensor> outs;
    for (std::int64_t i = 0; i < 3; ++i) outs.push_back(f(batch[i]));
    return stack(outs);
  };
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> functions = {
      {"contrast", [](const Tensor& x) { return image::adjust_contrast(x, 1.7); }},
      {"standardization", [](const Tensor& x) { return image::per_image_standardization(x); }},
      {"hue", [](const Tensor& x) { return image::adjust_hue(x, -0.3); }},
      {"saturation", [](const Tensor& x) { return image::adjust_saturation(x, 0.4); }},
      {"grayscale", [](const Tensor& x) { return image::rgb_to_grayscale(x); }},
      {"hsv", [](const Tensor& x) { return image::rgb_to_hsv(x); }},
  };
  for (const auto& [name, f] : functions) {
    INFO(name);
    require_images_close(f(batch), per_image(f), 1e-6);
  }
  // Statistics are per image: two different images give different means.
  const Tensor out = image::per_image_standardization(batch);
  require_images_close(reduce_mean(out, {1, 2, 3}), zeros({3}), 1e-5);
  require_images_close(reduce_mean(square(out), {1, 2, 3}), ones({3}), 1e-4);
}

TEST_CASE("color: non-contiguous views give the results of their copies", "[image][color]") {
  const Tensor base = random_tensor({6, 9, 3}, DType::Float32, 21, 0, 1);
  const Tensor view = transpose(base, std::vector<int>{1, 0, 2});
  REQUIRE_FALSE(view.is_contiguous());
  const Tensor copy = view.contiguous();
  CHECK(all_equal(image::adjust_hue(view, 0.2), image::adjust_hue(copy, 0.2)));
  CHECK(all_equal(image::adjust_saturation(view, 1.3), image::adjust_saturation(copy, 1.3)));
  CHECK(all_equal(image::rgb_to_hsv(view), image::rgb_to_hsv(copy)));
  const Tensor u8 = image::convert_image_dtype(view, DType::UInt8);
  CHECK(all_equal(u8, image::convert_image_dtype(copy, DType::UInt8)));
  CHECK(all_equal(image::adjust_brightness(transpose(u8, std::vector<int>{1, 0, 2}), 0.2),
                  transpose(image::adjust_brightness(u8, 0.2), std::vector<int>{1, 0, 2})));
}

// TensorFlow's scalar AdjustHue and AdjustSaturation kernels, as written in
// adjust_hue_op.cc and adjust_saturation_op.cc, for the large images below.
void tf_hue(const float* p, float* q, float delta) {
  const float r = p[0], g = p[1], b = p[2];
  float vmax, vmid, vmin;
  int category;
  if (r < g) {
    if (b < r) { vmax = g; vmid = r; vmin = b; category = 1; }
    else if (b > g) { vmax = b; vmid = g; vmin = r; category = 3; }
    else { vmax = g; vmid = b; vmin = r; category = 2; }
  } else {
    if (b < g) { vmax = r; vmid = g; vmin = b; category = 0; }
    else if (b > r) { vmax = b; vmid = r; vmin = g; category = 4; }
    else { vmax = r; vmid = b; vmin = g; category = 5; }
  }
  float h = 0;
  if (vmax != vmin) {
    const float ratio = (vmid - vmin) / (vmax - vmin);
    h = static_cast<float>(category) + ((category & 1) == 0 ? ratio : 1 - ratio);
  }
  h += delta * 6;
  while (h < 0) h += 6;
  while (h >= 6) h -= 6;
  const int k = static_cast<int>(h);
  float f = h - static_cast<float>(k);
  if (k & 1) f = 1 - f;
  const float mid = vmin + f * (vmax - vmin);
  const float rgb[6][3] = {{vmax, mid, vmin}, {mid, vmax, vmin}, {vmin, vmax, mid},
                           {vmin, mid, vmax}, {mid, vmin, vmax}, {vmax, vmin, mid}};
  std::copy(rgb[k], rgb[k] + 3, q);
}

void tf_saturation(const float* p, float* q, float scale) {
  const float r = p[0], g = p[1], b = p[2];
  const float v = std::max(r, std::max(g, b));
  const float range = v - std::min(r, std::min(g, b));
  float s = v > 0 ? range / v : 0;
  const float norm = 1.0f / (6.0f * range);
  float h;
  if (r == v) h = norm * (g - b);
  else if (g == v) h = static_cast<float>(norm * (b - r) + 2.0 / 6.0);
  else h = static_cast<float>(norm * (r - g) + 4.0 / 6.0);
  if (range <= 0) h = 0;
  if (h < 0) h = h + 1;
  s = std::min(1.0f, std::max(0.0f, s * scale));
  const float c = s * v, m = v - c, dh = h * 6;
  const int k = static_cast<int>(dh);
  float fm = dh;
  while (fm <= 0) fm += 2;
  while (fm >= 2) fm -= 2;
  const float x = c * (1 - std::abs(fm - 1));
  const float rgb[7][3] = {{c, x, 0}, {x, c, 0}, {0, c, x}, {0, x, c}, {x, 0, c}, {c, 0, x}, {0, 0, 0}};
  for (int i = 0; i < 3; ++i) q[i] = rgb[std::min(k, 6)][i] + m;
}

TEST_CASE("color: the vectorised kernels follow TF's scalar kernels on large images", "[image][color]") {
  // 517 x 263 pixels: many tasks of the thread pool, partial blocks and a
  // ragged tail. A quarter of the pixels have tied channels.
  Tensor x = random_tensor({263, 517, 3}, DType::Float32, 31, 0, 1);
  std::vector<float> values = x.to_vector<float>();
  for (std::size_t i = 0; i + 3 <= values.size(); i += 12) values[i + 1] = values[i + (i / 12 % 2 == 0 ? 0 : 2)];
  x = constant(values, x.shape());
  const std::size_t pixels = values.size() / 3;
  for (const double delta : {0.0, 0.17, -0.61, 1.0}) {
    std::vector<float> expected(values.size());
    for (std::size_t i = 0; i < pixels; ++i) tf_hue(&values[3 * i], &expected[3 * i], static_cast<float>(delta));
    INFO("hue delta " << delta);
    require_images_close(image::adjust_hue(x, delta), constant(expected, x.shape()), 1e-6);
  }
  for (const double scale : {0.0, 0.5, 1.0, 2.5}) {
    std::vector<float> expected(values.size());
    for (std::size_t i = 0; i < pixels; ++i)
      tf_saturation(&values[3 * i], &expected[3 * i], static_cast<float>(scale));
    INFO("saturation factor " << scale);
    require_images_close(image::adjust_saturation(x, scale), constant(expected, x.shape()), 1e-6);
  }
  // uint8 in and out: TF's conversions around the float32 kernel.
  const Tensor u8 = image::convert_image_dtype(x, DType::UInt8);
  const Tensor through_float =
      image::convert_image_dtype(image::adjust_hue(image::convert_image_dtype(u8, DType::Float32), 0.3), DType::UInt8);
  CHECK(all_equal(image::adjust_hue(u8, 0.3), through_float));
}

TEST_CASE("color: the CPU fast paths give the composites' values", "[image][color]") {
  // convert_image_dtype between uint8 and float: every uint8 value, and
  // floats in and out of range, both ways, with and without saturation.
  const Tensor all = cast(range(0, 256, 1, DType::Int32), DType::UInt8);
  const Tensor floats = constant({-1e9, -0.3, -0.0, 0.0, 0.001, 0.5, 0.99804, 0.99805, 1.0, 1.3, 1e9});
  for (const DType t : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(t));
    CHECK(all_equal(image::convert_image_dtype(all, t), image::detail::convert_image_dtype_composite(all, t, false)));
    for (const bool saturate : {false, true}) {
      const Tensor x = cast(floats, t);
      CHECK(all_equal(image::convert_image_dtype(x, DType::UInt8, saturate),
                      image::detail::convert_image_dtype_composite(x, DType::UInt8, saturate)));
    }
  }
  // adjust_contrast: the fused kernel against the rows-and-tiled-means composite.
  for (const DType t : {DType::Float32, DType::Float64}) {
    const Tensor x = random_tensor({3, 17, 29, 4}, t, 71, 0, 1);
    for (const double factor : {-0.5, 0.0, 0.7, 2.5}) {
      INFO(dtype_name(t) << " factor " << factor);
      require_images_close(image::adjust_contrast(x, factor), image::detail::adjust_contrast_composite(x, factor),
                           t == DType::Float32 ? 1e-6 : 1e-14);
    }
  }
}

TEST_CASE("color: round trips through HSV and YUV", "[image][color]") {
  for (const DType dtype : {DType::Float32, DType::Float64}) {
    INFO(dtype_name(dtype));
    const Tensor x = random_tensor({2, 16, 16, 3}, dtype, 41, 0, 1);
    const double tol = dtype == DType::Float32 ? 2e-6 : 1e-12;
    require_images_close(image::hsv_to_rgb(image::rgb_to_hsv(x)), x, tol);
    require_images_close(image::yuv_to_rgb(image::rgb_to_yuv(x)), x, 1e-5);
    // A full turn of hue and a factor-1 saturation leave the image as it was.
    require_images_close(image::adjust_hue(x, 1.0), x, tol);
    require_images_close(image::adjust_saturation(x, 1.0), x, tol);
  }
}

TEST_CASE("color: the composites are differentiable", "[image][color]") {
  const Tensor x = random_tensor({2, 3, 4, 3}, DType::Float64, 51, 0.1, 0.9);
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> functions = {
      {"brightness", [](const Tensor& t) { return image::adjust_brightness(t, 0.3); }},
      {"contrast", [](const Tensor& t) { return image::adjust_contrast(t, 1.8); }},
      {"gamma", [](const Tensor& t) { return image::adjust_gamma(t, 2.2, 0.7); }},
      {"standardization", [](const Tensor& t) { return image::per_image_standardization(t); }},
      {"rgb_to_yuv", [](const Tensor& t) { return image::rgb_to_yuv(t); }},
      {"yuv_to_rgb", [](const Tensor& t) { return image::yuv_to_rgb(t); }},
      {"grayscale", [](const Tensor& t) { return image::rgb_to_grayscale(t); }},
      {"grayscale_to_rgb", [](const Tensor& t) { return image::grayscale_to_rgb(image::rgb_to_grayscale(t)); }},
      {"rgb_to_hsv", [](const Tensor& t) { return image::rgb_to_hsv(t); }},
  };
  for (const auto& [name, f] : functions) {
    INFO(name);
    const GradientCheckResult result = check_gradients([&](const std::vector<Tensor>& in) { return f(in[0]); }, {x});
    INFO(result.report());
    CHECK(result.ok);
  }
  // rgb_to_hsv in every sextant of the hue.
  const Tensor pixels =
      constant({0.9, 0.5, 0.2, 0.5, 0.9, 0.2, 0.2, 0.9, 0.5, 0.2, 0.5, 0.9, 0.5, 0.2, 0.9, 0.9, 0.2, 0.5})
          .reshape({1, 6, 3});
  const GradientCheckResult hsv =
      check_gradients([](const std::vector<Tensor>& in) { return image::rgb_to_hsv(in[0]); }, {pixels});
  INFO(hsv.report());
  CHECK(hsv.ok);
  {
    // Grey and black pixels, where the hue jumps: finite gradients, none 0 / 0.
    const Tensor flat = constant({0.4f, 0.4f, 0.4f, 0.0f, 0.0f, 0.0f}).reshape({2, 1, 3});
    GradientTape tape;
    tape.watch(flat);
    const Tensor grad = tape.gradient(reduce_sum(image::rgb_to_hsv(flat)), flat);
    REQUIRE(grad.defined());
    for (const double value : grad.to_vector<double>()) CHECK(std::isfinite(value));
  }
  // adjust_hue, adjust_saturation and hsv_to_rgb are not recorded: no
  // gradient flows through them, as in TensorFlow.
  const Tensor y = random_tensor({3, 4, 3}, DType::Float32, 52, 0, 1);
  GradientTape tape;
  tape.watch(y);
  const Tensor loss = reduce_sum(image::adjust_hue(y, 0.2)) + reduce_sum(image::adjust_saturation(y, 2)) +
                      reduce_sum(image::hsv_to_rgb(y));
  CHECK_FALSE(tape.gradient(loss, y).defined());
}

TEST_CASE("color: random variants draw one value per call, reproducibly", "[image][color]") {
  const Tensor image = random_tensor({5, 6, 3}, DType::Float32, 61, 0, 1);
  const Tensor twins = stack({image, image});
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&, random::SeedPair)>>> functions = {
      {"brightness", [](const Tensor& t, random::SeedPair s) { return image::stateless_random_brightness(t, 0.3, s); }},
      {"contrast",
       [](const Tensor& t, random::SeedPair s) { return image::stateless_random_contrast(t, 0.2, 1.8, s); }},
      {"hue", [](const Tensor& t, random::SeedPair s) { return image::stateless_random_hue(t, 0.5, s); }},
      {"saturation",
       [](const Tensor& t, random::SeedPair s) { return image::stateless_random_saturation(t, 0.1, 3, s); }},
  };
  for (const auto& [name, f] : functions) {
    INFO(name);
    CHECK(all_equal(f(image, {1, 2}), f(image, {1, 2})));
    CHECK_FALSE(all_equal(f(image, {1, 2}), f(image, {1, 3})));
    // One draw for the whole batch: identical images stay identical, and each
    // equals the single image with the same seed.
    const Tensor out = f(twins, {7, 8});
    CHECK(all_equal(out[0], out[1]));
    CHECK(all_equal(out[0], f(image, {7, 8})));
  }
  // The brightness delta lies in [-max_delta, max_delta) and spreads over it.
  const Tensor zero = zeros({1, 1, 3});
  double lo = 1, hi = -1;
  for (std::int64_t s = 0; s < 200; ++s) {
    const double delta = image::stateless_random_brightness(zero, 0.25, {3, s}).to_vector<double>()[0];
    CHECK((delta >= -0.25 && delta < 0.25));
    lo = std::min(lo, delta);
    hi = std::max(hi, delta);
  }
  CHECK(lo < -0.2);
  CHECK(hi > 0.2);
  // A zero-width range is allowed and changes nothing.
  CHECK(all_equal(image::stateless_random_hue(image, 0, {1, 1}), image::adjust_hue(image, 0)));
  // Stateful forms: the (global seed, op seed) pair fixes the draw; with the
  // global seed alone, the sequence of calls repeats after set_seed.
  random::set_seed(5);
  const Tensor a = image::random_contrast(image, 0.5, 1.5, 9);
  const Tensor b1 = image::random_saturation(image, 0.5, 1.5);
  const Tensor b2 = image::random_saturation(image, 0.5, 1.5);
  random::set_seed(5);
  CHECK(all_equal(image::random_contrast(image, 0.5, 1.5, 9), a));
  CHECK(all_equal(image::random_saturation(image, 0.5, 1.5), b1));
  CHECK(all_equal(image::random_saturation(image, 0.5, 1.5), b2));
  CHECK_FALSE(all_equal(b1, b2));
  CHECK(all_equal(image::random_hue(image, 0.2, 4), image::random_hue(image, 0.2, 4)));
  random::clear_seed();
}

}  // namespace
