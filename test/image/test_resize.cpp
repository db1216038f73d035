// tf.image.resize, tf.compat.v1.image.resize and resize_with_pad: parity with
// TensorFlow's outputs and gradients (tools/image_golden/resize.py), the
// dtype rules, TF's argument checks, gradient checks (also second order),
// and every pass order of the threaded kernel against a direct evaluation of
// the same weights.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "eager/gradient_check.hpp"
#include "image/image_test_util.hpp"
#include "image/resize_kernels.hpp"
#include "image/resize_weights.hpp"
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

// "aa=1" -> 1.0, "ext=-3.5" -> -3.5
double value_of(const std::string& field) { return std::stod(field.substr(field.find('=') + 1)); }

std::pair<std::int64_t, std::int64_t> size_of(const std::string& field) {
  const auto x = field.find('x');
  return {std::stoll(field.substr(0, x)), std::stoll(field.substr(x + 1))};
}

Tensor input(const std::string& name) { return golden()["in|" + name]; }

// The golden inputs are photos and random values in 0..255, or random values
// in 0..1; tolerances are stated on the 0..255 scale and scaled to the input.
double range_of(const Tensor& image) {
  const std::vector<double> v = image.to_vector<double>();
  return *std::max_element(v.begin(), v.end()) > 1.5 ? 255.0 : 1.0;
}

// Nearest copies values: exact. The other methods use TF's float32 weights
// and differ only in the order of the float32 additions: the largest
// differences seen are 3e-5 (bilinear) to 9e-5 (lanczos5) on 0..255.
double tolerance(const std::string& method) { return method == "nearest" ? 0.0 : 2e-4; }

}  // namespace

TEST_CASE("resize matches TensorFlow for every method, antialias, size and dtype", "[image][resize]") {
  int checked = 0;
  for (const auto& [key, expected] : golden().arrays()) {
    const auto f = test::key_fields(key);
    if (f[0] != "v2" && f[0] != "v1" && f[0] != "pad") continue;
    const Tensor image = input(f[1]);
    const ResizeMethod method = image::resize_method_from_string(f[2]);
    const auto [h, w] = size_of(f[4]);
    Tensor actual;
    if (f[0] == "v2") {
      image::ResizeOptions options;
      options.method = method;
      options.antialias = value_of(f[3]) != 0;
      options.preserve_aspect_ratio = value_of(f[5]) != 0;
      actual = image::resize(image, h, w, options);
    } else if (f[0] == "v1") {
      image::ResizeV1Options options;
      options.method = method;
      options.align_corners = value_of(f[3]) != 0;
      options.preserve_aspect_ratio = value_of(f[5]) != 0;
      actual = image::resize_v1(image, h, w, options);
    } else {
      actual = image::resize_with_pad(image, h, w, method, value_of(f[3]) != 0);
    }
    INFO(key);
    REQUIRE(actual.dtype() == expected.dtype());
    require_images_close(actual, expected, tolerance(f[2]) * range_of(image) / 255.0, key);
    ++checked;
  }
  CHECK(checked == 245);
}

TEST_CASE("resize gradients match TensorFlow's", "[image][resize]") {
  int checked = 0;
  for (const auto& [key, expected] : golden().arrays()) {
    const auto f = test::key_fields(key);
    if (f[0] != "grad" || f[1] != "v2") continue;
    const Tensor image = input(f[2]);
    const Tensor upstream = golden()["gup|" + key.substr(5)];
    image::ResizeOptions options;
    options.method = image::resize_method_from_string(f[3]);
    options.antialias = value_of(f[4]) != 0;
    const auto [h, w] = size_of(f[5]);
    GradientTape tape;
    tape.watch(image);
    const Tensor y = image::resize(image, h, w, options);
    const Tensor g = tape.gradient(y, {image}, UnconnectedGradients::None, upstream)[0];
    INFO(key);
    REQUIRE(g.dtype() == DType::Float32);
    require_images_close(g, expected, 1e-6, key);
    ++checked;
  }
  CHECK(checked == 16);
}

TEST_CASE("resize follows TensorFlow's dtype rules", "[image][resize]") {
  const Tensor u8 = input("photo");
  const Tensor f64 = input("rand_f64");
  for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Bicubic, ResizeMethod::Area, ResizeMethod::Lanczos5,
                         ResizeMethod::Gaussian, ResizeMethod::MitchellCubic}) {
    image::ResizeOptions o;
    o.method = m;
    CHECK(image::resize(u8, 5, 7, o).dtype() == DType::Float32);
    CHECK(image::resize(f64, 5, 7, o).dtype() == DType::Float32);
  }
  image::ResizeOptions nearest;
  nearest.method = ResizeMethod::Nearest;
  nearest.antialias = true;
  CHECK(image::resize(u8, 5, 7, nearest).dtype() == DType::UInt8);
  CHECK(image::resize(f64, 5, 7, nearest).dtype() == DType::Float64);
  // TF2 resamples even to the same size: bilinear is then an exact float copy.
  const Tensor same = image::resize(u8, u8.dim(0), u8.dim(1));
  CHECK(same.dtype() == DType::Float32);
  require_images_close(same, u8.cast(DType::Float32), 0.0);
  // TF1 returns the very images when the size does not change.
  CHECK(image::resize_v1(u8, u8.dim(0), u8.dim(1)).is_same(u8));
  // NHWC and HWC agree.
  const Tensor batch = input("batch_u8");
  image::ResizeOptions lanczos;
  lanczos.method = ResizeMethod::Lanczos3;
  lanczos.antialias = true;
  const Tensor whole = image::resize(batch, 7, 19, lanczos);
  CHECK(whole.shape() == Shape({2, 7, 19, 2}));
  require_images_close(whole[1], image::resize(batch[1], 7, 19, lanczos), 0.0);
  // An empty batch gives an empty batch.
  CHECK(image::resize(zeros({0, 4, 4, 3}, DType::Float32), 2, 2).shape() == Shape({0, 2, 2, 3}));
}

TEST_CASE("resize rejects what TensorFlow rejects", "[image][resize]") {
  const Tensor image = zeros({4, 5, 3}, DType::Float32);
  CHECK_THROWS_MATCHES(image::resize(zeros({4, 5}, DType::Float32), 2, 2), InvalidArgument,
                       MessageContains("image::resize: expected an image of rank 3"));
  CHECK_THROWS_MATCHES(image::resize(image, 0, 2), InvalidArgument, MessageContains("must be positive"));
  CHECK_THROWS_MATCHES(image::resize(image, 2, -1), InvalidArgument, MessageContains("must be positive"));
  CHECK_THROWS_MATCHES(image::resize(image, 1LL << 31, 2), InvalidArgument, MessageContains("int32"));
  // The largest sizes TF accepts, beyond int64 elements or any memory: clean
  // errors before any work.
  CHECK_THROWS_MATCHES(image::resize(image, (1LL << 31) - 1, (1LL << 31) - 1), InvalidArgument,
                       MessageContains("int64"));
  CHECK_THROWS_AS(image::resize(zeros({1, 1, 1}), (1LL << 31) - 1, (1LL << 31) - 1), ResourceExhausted);
  CHECK_THROWS_MATCHES(image::resize(zeros({0, 5, 3}, DType::Float32), 2, 2), InvalidArgument,
                       MessageContains("non-zero size"));
  CHECK_THROWS_MATCHES(image::resize(zeros({4, 5, 0}, DType::Float32), 2, 2), InvalidArgument,
                       MessageContains("at least one channel"));
  CHECK_THROWS_MATCHES(image::resize(zeros({4, 5, 3}, DType::Int32), 2, 2), InvalidArgument,
                       MessageContains("int32"));
  // preserve_aspect_ratio can round a side to 0.
  image::ResizeOptions keep;
  keep.preserve_aspect_ratio = true;
  CHECK_THROWS_MATCHES(image::resize(zeros({400, 2, 1}, DType::Float32), 100, 100, keep), InvalidArgument,
                       MessageContains("preserved aspect ratio"));
  CHECK_THROWS_MATCHES(image::resize_method_from_string("cubic"), InvalidArgument, MessageContains("lanczos3"));
  image::ResizeV1Options v1;
  v1.method = ResizeMethod::Lanczos3;
  CHECK_THROWS_MATCHES(image::resize_v1(image, 2, 2, v1), InvalidArgument, MessageContains("TF1"));
  CHECK_THROWS_MATCHES(image::resize_with_pad(image, 0, 3), InvalidArgument, MessageContains("resize_with_pad"));
  CHECK_THROWS_MATCHES(image::resize_with_pad(zeros({1000, 1, 1}, DType::Float32), 10, 10), InvalidArgument,
                       MessageContains("would be"));
  for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Nearest, ResizeMethod::Bicubic, ResizeMethod::Area,
                         ResizeMethod::Lanczos3, ResizeMethod::Lanczos5, ResizeMethod::Gaussian,
                         ResizeMethod::MitchellCubic})
    CHECK(image::resize_method_from_string(image::to_string(m)) == m);
}

TEST_CASE("resize handles degenerate sizes on every path", "[image][resize]") {
  // One-pixel inputs and outputs, extreme ratios: finite results, and a
  // constant image stays constant (TF's float32 weights sum to 1 within
  // a few ulps).
  for (const std::int64_t in : {1, 2, 7}) {
    for (const std::int64_t out : {1, 3, 50}) {
      const Tensor image = ones({in, in + 1, 3}) * 5.0;
      for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Nearest, ResizeMethod::Bicubic,
                             ResizeMethod::Area, ResizeMethod::Lanczos3, ResizeMethod::Lanczos5,
                             ResizeMethod::Gaussian, ResizeMethod::MitchellCubic}) {
        for (bool aa : {false, true}) {
          image::ResizeOptions o;
          o.method = m;
          o.antialias = aa;
          INFO(image::to_string(m) << " antialias " << aa << ", " << in << " -> " << out);
          const Tensor y = image::resize(image, out, 2 * out, o);
          REQUIRE(y.shape() == Shape({out, 2 * out, 3}));
          require_images_close(y, ones({out, 2 * out, 3}) * 5.0, 1e-4);
        }
        if (m == ResizeMethod::Bilinear || m == ResizeMethod::Nearest || m == ResizeMethod::Bicubic) {
          for (bool align : {false, true}) {
            image::ResizeV1Options o;
            o.method = m;
            o.align_corners = align;
            INFO("v1 " << image::to_string(m) << " align_corners " << align << ", " << in << " -> " << out);
            require_images_close(image::resize_v1(image, out, 2 * out, o), ones({out, 2 * out, 3}) * 5.0, 1e-4);
          }
        }
      }
    }
  }
}

TEST_CASE("bilinear weights stay inside axes longer than 2^23 pixels", "[image][resize]") {
  // Float rounding of the sample position reaches in_size itself here; the
  // taps must still be clamped to the axis (a heap overflow and a 0 pixel
  // before they were).
  const std::int64_t width = 8388610;
  const Tensor image = ones({1, width, 1}, DType::UInt8);
  const Tensor same = image::resize(image, 1, width);
  REQUIRE(same.to_vector<float>() == std::vector<float>(static_cast<std::size_t>(width), 1.0f));
}

TEST_CASE("resize gradients pass the gradient check", "[image][resize]") {
  // The maps are linear, so central differences with a large step are exact
  // up to the float32 rounding of the outputs.
  GradientCheckOptions options;
  options.delta = 0.5;
  options.rtol = 1e-4;
  options.atol = 1e-4;
  const Tensor x = test::random_tensor({2, 5, 6, 2}, DType::Float64, 11, 0, 1);
  for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Nearest, ResizeMethod::Bicubic, ResizeMethod::Area,
                         ResizeMethod::Lanczos3, ResizeMethod::Lanczos5, ResizeMethod::Gaussian,
                         ResizeMethod::MitchellCubic}) {
    for (bool aa : {false, true}) {
      for (auto [h, w] : {std::pair<int, int>{3, 9}, {8, 4}}) {
        image::ResizeOptions o;
        o.method = m;
        o.antialias = aa;
        const auto result = check_gradients(
            [&](const std::vector<Tensor>& in) { return image::resize(in[0], h, w, o).cast(DType::Float64); }, {x},
            options);
        INFO(image::to_string(m) << " antialias " << aa << " to " << h << "x" << w << "\n" << result.report());
        CHECK(result.ok);
      }
    }
  }
  for (ResizeMethod m : {ResizeMethod::Bilinear, ResizeMethod::Nearest, ResizeMethod::Bicubic, ResizeMethod::Area}) {
    for (bool align : {false, true}) {
      image::ResizeV1Options o;
      o.method = m;
      o.align_corners = align;
      const auto result = check_gradients(
          [&](const std::vector<Tensor>& in) { return image::resize_v1(in[0], 7, 4, o).cast(DType::Float64); },
          {x}, options);
      INFO(image::to_string(m) << " align_corners " << align << "\n" << result.report());
      CHECK(result.ok);
    }
  }
  const auto padded = check_gradients(
      [&](const std::vector<Tensor>& in) { return image::resize_with_pad(in[0], 9, 4).cast(DType::Float64); }, {x},
      options);
  INFO(padded.report());
  CHECK(padded.ok);
}

TEST_CASE("resize has second derivatives through nested tapes", "[image][resize]") {
  // f(x) = sum(resize(x)^2) has the Hessian 2 A^T A; its gradient, 2 A^T A x,
  // is linear, and the checker differentiates it once more.
  GradientCheckOptions options;
  options.delta = 0.5;
  options.rtol = 1e-4;
  options.atol = 1e-4;
  const Tensor x = test::random_tensor({4, 5, 1}, DType::Float64, 3, 0, 1);
  image::ResizeOptions o;
  o.method = ResizeMethod::Lanczos3;
  o.antialias = true;
  const auto result = check_gradients(
      [&](const std::vector<Tensor>& in) {
        GradientTape inner;
        inner.watch(in[0]);
        const Tensor y = image::resize(in[0], 3, 7, o).cast(DType::Float64);
        return inner.gradient(reduce_sum(y * y), in[0]);
      },
      {x}, options);
  INFO(result.report());
  CHECK(result.ok);
}

TEST_CASE("every pass order of the kernel equals a direct evaluation of the weights", "[image][resize]") {
  // Large enough for several threads and the blocked loops; every channel
  // count the kernel specialises (1, 3, 4) and a generic one (2); every
  // input dtype with float32 and float64 accumulation; tables with long
  // spans, clamped borders, and (transposed) output rows without taps.
  namespace d = image::detail;
  const std::int64_t H = 203, W = 311;
  struct Case {
    const char* what;
    d::AxisWeights rows, cols;
  };
  const std::vector<Case> cases = {
      {"bilinear down", d::bilinear_weights(H, 37, d::resize_scale(H, 37, false), true),
       d::bilinear_weights(W, 52, d::resize_scale(W, 52, false), true)},
      {"triangle antialias down", d::scale_weights(d::SamplingKernel::Triangle, H, 37, true),
       d::scale_weights(d::SamplingKernel::Triangle, W, 52, true)},
      {"lanczos3 up and down", d::scale_weights(d::SamplingKernel::Lanczos3, H, 411, false),
       d::scale_weights(d::SamplingKernel::Lanczos3, W, 97, true)},
      {"area and legacy bicubic", d::area_weights(H, 64, d::resize_scale(H, 64, false)),
       d::bicubic_weights(W, 700, d::resize_scale(W, 700, true), false)},
      {"transposed bilinear (a gradient)", d::transpose(d::bilinear_weights(90, H, d::resize_scale(90, H, false), true)),
       d::transpose(d::bilinear_weights(40, W, d::resize_scale(40, W, false), true))},
  };
  for (const std::int64_t channels : {1, 2, 3, 4}) {
    const Tensor u8 = test::random_tensor({2, H, W, channels}, DType::Float32, 5, 0, 255).cast(DType::UInt8);
    for (const DType in_dtype : {DType::UInt8, DType::Float32, DType::Float64}) {
      const Tensor images = u8.cast(in_dtype);
      const std::vector<double> v = images.to_vector<double>();
      for (const Case& c : cases) {
        const d::SeparableMap map{c.rows, c.cols};
        const std::int64_t ho = c.rows.out_size, wo = c.cols.out_size;
        std::vector<double> want(2 * ho * wo * channels, 0.0);
        for (std::int64_t b = 0; b < 2; ++b)
          for (std::int64_t y = 0; y < ho; ++y)
            for (std::int64_t x = 0; x < wo; ++x)
              for (std::int64_t ch = 0; ch < channels; ++ch) {
                double sum = 0;
                for (std::int64_t i = 0; i < c.rows.span; ++i)
                  for (std::int64_t j = 0; j < c.cols.span; ++j)
                    sum += double(c.rows.weights_of(y)[i]) * c.cols.weights_of(x)[j] *
                           v[((b * H + c.rows.start[y] + i) * W + c.cols.start[x] + j) * channels + ch];
                want[((b * ho + y) * wo + x) * channels + ch] = sum;
              }
        for (const DType out_dtype : {DType::Float32, DType::Float64})
          for (const d::PassOrder order : {d::PassOrder::Auto, d::PassOrder::Direct, d::PassOrder::VerticalFirst,
                                           d::PassOrder::HorizontalFirst}) {
            const Tensor out = d::apply_separable(images, map, out_dtype, order);
            INFO(c.what << ", " << channels << " channels, " << dtype_name(in_dtype) << " -> "
                        << dtype_name(out_dtype) << ", order " << static_cast<int>(order));
            REQUIRE(out.shape() == Shape({2, ho, wo, channels}));
            const std::vector<double> got = out.to_vector<double>();
            double worst = 0;
            for (std::size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
            CHECK(worst < (out_dtype == DType::Float32 ? 2e-3 : 1e-9));
          }
      }
    }
  }
}

TEST_CASE("resize weights are TensorFlow's", "[image][resize]") {
  // Spot values from TF's formulas: bilinear 4 -> 3 samples 1/6 + 4/3 k.
  const auto bilinear = image::detail::bilinear_weights(4, 3, 4.0f / 3.0f, true);
  REQUIRE(bilinear.span == 2);
  CHECK(bilinear.start[1] == 1);
  CHECK(bilinear.weights_of(1)[0] == Approx(0.5f));
  // Area 4 -> 3 (resize_area_op.cc's own example): out[0] = (in[0] + in[1] / 3) * 3 / 4.
  const auto area = image::detail::area_weights(4, 3, 4.0f / 3.0f);
  CHECK(area.weights_of(0)[0] == Approx(0.75f));
  CHECK(area.weights_of(0)[1] == Approx(0.25f));
  // Transposing twice gives the map back.
  const auto lanczos = image::detail::scale_weights(image::detail::SamplingKernel::Lanczos5, 17, 5, true);
  const auto back = image::detail::transpose(image::detail::transpose(lanczos));
  for (std::int64_t o = 0; o < 5; ++o)
    for (std::int64_t j = 0; j < 17; ++j) {
      auto at = [&](const image::detail::AxisWeights& a) {
        const std::int64_t k = j - a.start[o];
        return k >= 0 && k < a.span ? a.weights_of(o)[k] : 0.0f;
      };
      CHECK(at(back) == at(lanczos));
    }
}
