// The arithmetic the image CUDA kernels run (image/color_math.hpp,
// image/resize_math.hpp), run here on the host element by element as the
// kernels do, against the CPU kernels: the colour math bit for bit, the
// resize passes within float rounding. What only a GPU can check (launches,
// indexing across the grid) is in test/cuda/test_image.cpp.
//
// No contraction here either, so that the scalar products round as they do
// on the device (__fmul_rn) and in the CPU kernels.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "image/color_kernels.hpp"
#include "image/color_math.hpp"
#include "image/resize_kernels.hpp"
#include "image/resize_math.hpp"
#include "image/resize_weights.hpp"

using namespace eager;
namespace d = eager::image::detail;
namespace px = eager::image::detail::pixel;

namespace {

// Pixels in [0, 1] with the cases the formulas branch on: grey, black,
// white, two or three equal channels, each channel the maximum, hues next to
// the wrap-around, and random values.
std::vector<double> test_pixels(std::int64_t random_count) {
  std::vector<double> v = {0, 0, 0,   1, 1, 1,       0.5, 0.5, 0.5,   1, 0, 0,   0, 1, 0,   0, 0, 1,
                           1, 1, 0,   0, 1, 1,       1, 0, 1,         0.2, 0.2, 0.7, 0.7, 0.2, 0.2,
                           0.2, 0.7, 0.7, 1, 0, 1e-9, 1e-9, 0, 1,     0.3, 0.3, 0.3000001, 0.9, 0.1, 0.0999,
                           1, 0, 1,   0.25, 0.5, 0.75};
  std::mt19937 gen(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (std::int64_t i = 0; i < random_count * 3; ++i) {
    double x = u(gen);
    if (i % 5 == 0) x = std::floor(x * 8) / 8;  // ties between channels
    v.push_back(x);
  }
  return v;
}

bool same_bits(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

// The pixel kernel's loop (src/cuda/image_color.cu) on the host.
template <class In, class T, class Fn> Tensor pixels_like_the_gpu(const Tensor& in, Fn fn) {
  Tensor out = Tensor::empty(in.shape(), in.dtype(), Device::cpu());
  const In* src = in.data<In>();
  In* dst = out.mutable_data<In>();
  for (std::int64_t p = 0; p < in.num_elements() / 3; ++p) {
    T r = px::load_value<In, T>(src[3 * p]), g = px::load_value<In, T>(src[3 * p + 1]),
      b = px::load_value<In, T>(src[3 * p + 2]);
    fn(r, g, b);
    dst[3 * p] = px::store_value<In, T>(r);
    dst[3 * p + 1] = px::store_value<In, T>(g);
    dst[3 * p + 2] = px::store_value<In, T>(b);
  }
  return out;
}

template <class In, class T> Tensor pixel_op_like_the_gpu(d::PixelOp op, const Tensor& in, double param) {
  switch (op) {
    case d::PixelOp::AdjustHue: return pixels_like_the_gpu<In, T>(in, px::RotateHue<T>::from_delta(param));
    case d::PixelOp::AdjustSaturation:
      return pixels_like_the_gpu<In, T>(in, px::ScaleSaturation<T>{static_cast<T>(param)});
    case d::PixelOp::RgbToHsv: return pixels_like_the_gpu<In, T>(in, px::ToHsv<T>{});
    default: return pixels_like_the_gpu<In, T>(in, px::FromHsv<T>{});
  }
}

Tensor cpu_kernel(d::PixelOp op, const Tensor& in, double param) {
  Tensor out = Tensor::empty(in.shape(), in.dtype(), Device::cpu());
  d::run_pixel_op(op, in, out, param);
  return out;
}

void require_same_bits(const Tensor& a, const Tensor& b) {
  REQUIRE(a.dtype() == b.dtype());
  REQUIRE(a.shape() == b.shape());
  const std::vector<double> x = a.to_vector<double>(), y = b.to_vector<double>();
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!same_bits(x[i], y[i])) {
      INFO("element " << i << ": " << x[i] << " vs " << y[i]);
      REQUIRE(same_bits(x[i], y[i]));
    }
  }
}

}  // namespace

TEST_CASE("the GPU's colour math gives the CPU kernels' bits", "[cuda_host][image]") {
  // 1003 random pixels: whole xsimd batches and a padded tail on the CPU.
  const std::vector<double> values = test_pixels(1003);
  const auto n = static_cast<std::int64_t>(values.size() / 3);
  const Tensor f64 = constant(values, {n, 3}, DType::Float64);
  const Tensor f32 = f64.cast(DType::Float32);
  const Tensor u8 = (f32 * 255.0).cast(DType::UInt8);
  struct Case {
    d::PixelOp op;
    double param;
  };
  const std::vector<Case> cases = {
      {d::PixelOp::AdjustHue, 0.0},         {d::PixelOp::AdjustHue, 0.13},        {d::PixelOp::AdjustHue, -0.61},
      {d::PixelOp::AdjustHue, 1.0},         {d::PixelOp::AdjustHue, -1.0},        {d::PixelOp::AdjustSaturation, 0.0},
      {d::PixelOp::AdjustSaturation, 0.45}, {d::PixelOp::AdjustSaturation, 3.7}, {d::PixelOp::AdjustSaturation, -2.0},
      {d::PixelOp::RgbToHsv, 0.0},          {d::PixelOp::HsvToRgb, 0.0}};
  for (const Case& c : cases) {
    INFO("op " << static_cast<int>(c.op) << ", param " << c.param);
    require_same_bits(pixel_op_like_the_gpu<float, float>(c.op, f32, c.param), cpu_kernel(c.op, f32, c.param));
    require_same_bits(pixel_op_like_the_gpu<double, double>(c.op, f64, c.param), cpu_kernel(c.op, f64, c.param));
    if (c.op == d::PixelOp::AdjustHue || c.op == d::PixelOp::AdjustSaturation)
      require_same_bits(pixel_op_like_the_gpu<std::uint8_t, float>(c.op, u8, c.param), cpu_kernel(c.op, u8, c.param));
  }
}

TEST_CASE("the GPU's uint8 conversions give the CPU kernels' bits", "[cuda_host][image]") {
  const Tensor all = cast(range(0, 256, 1, DType::Int32), DType::UInt8);
  for (const DType t : {DType::Float32, DType::Float64}) {
    Tensor cpu = Tensor::empty(all.shape(), t, Device::cpu());
    d::uint8_to_float(all, cpu);
    const std::vector<double> got = cpu.to_vector<double>();
    for (int v = 0; v < 256; ++v) {
      const auto x = static_cast<std::uint8_t>(v);
      const double gpu = t == DType::Float32 ? double(px::unit_from_uint8<float>(x)) : px::unit_from_uint8<double>(x);
      REQUIRE(same_bits(gpu, got[static_cast<std::size_t>(v)]));
    }
  }
  // Every float32 value from -0.1 to 1.1 in steps of 2^-14, plus the edges.
  std::vector<double> ys = {std::nan(""), std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(), 254.5 / 255.5, 255.0 / 255.5, -0.0};
  for (double y = -0.1; y <= 1.1; y += 1.0 / 16384) ys.push_back(y);
  for (const DType t : {DType::Float32, DType::Float64}) {
    const Tensor in = constant(ys, {static_cast<std::int64_t>(ys.size())}, t);
    Tensor cpu = Tensor::empty(in.shape(), DType::UInt8, Device::cpu());
    d::float_to_uint8(in, cpu);
    const std::vector<std::int64_t> got = cpu.to_vector<std::int64_t>();
    const std::vector<double> typed = in.to_vector<double>();
    for (std::size_t i = 0; i < ys.size(); ++i) {
      const std::uint8_t gpu = t == DType::Float32 ? px::uint8_from_unit(static_cast<float>(typed[i]))
                                                   : px::uint8_from_unit(typed[i]);
      INFO("value " << typed[i]);
      REQUIRE(static_cast<std::int64_t>(gpu) == got[i]);
    }
  }
}

TEST_CASE("the GPU's contrast formula gives the CPU kernel's values", "[cuda_host][image]") {
  // The GPU sums in another order; with means computed here in double (as
  // both devices do) the float32 results are the CPU's bits.
  const std::vector<double> values = test_pixels(2 * 37 * 29);
  const std::int64_t pixels = 2 * 37 * 29;
  const Tensor f64 = reshape(slice(constant(values, {static_cast<std::int64_t>(values.size())}, DType::Float64), {0},
                                   {pixels * 3}),
                             {2, 37, 29, 3});
  for (const DType t : {DType::Float32, DType::Float64}) {
    const Tensor in = f64.cast(t);
    const double factor = 1.73;
    Tensor cpu = Tensor::empty(in.shape(), t, Device::cpu());
    d::adjust_contrast(in, cpu, factor);
    const std::vector<double> x = in.to_vector<double>(), want = cpu.to_vector<double>();
    std::vector<double> means(6, 0.0);
    for (std::int64_t e = 0; e < pixels * 3; ++e) means[static_cast<std::size_t>((e / (37 * 29 * 3)) * 3 + e % 3)] += x[e];
    for (std::int64_t e = 0; e < pixels * 3; ++e) {
      const double sum = means[static_cast<std::size_t>((e / (37 * 29 * 3)) * 3 + e % 3)];
      double got;
      if (t == DType::Float32)
        got = px::contrast(static_cast<float>(x[e]), static_cast<float>(sum / (37 * 29)), static_cast<float>(factor));
      else
        got = px::contrast(x[e], sum / (37 * 29), factor);
      INFO(dtype_name(t) << " element " << e);
      if (t == DType::Float32)
        REQUIRE(got == want[e]);
      else
        REQUIRE(std::abs(got - want[e]) <= 1e-15);
    }
  }
}

namespace {

// The resize kernels' two passes (src/cuda/image_resize.cu) on the host.
template <class Acc, class In>
std::vector<Acc> two_passes_like_the_gpu(const Tensor& images, const d::SeparableMap& map, d::PassOrder order) {
  const Shape& s = images.shape();
  d::TwoPassPlan plan = d::plan_two_passes(s[0], s[1], s[2], s[3], map.rows.out_size, map.rows.span,
                                           map.cols.out_size, map.cols.span, order);
  plan.rows.start = map.rows.start.data();
  plan.rows.weights = map.rows.weights.data();
  plan.cols.start = map.cols.start.data();
  plan.cols.weights = map.cols.weights.data();
  std::vector<Acc> intermediate(static_cast<std::size_t>(plan.intermediate));
  const In* in = images.data<In>();
  for (std::int64_t e = 0; e < plan.intermediate; ++e) intermediate[e] = d::axis_pass_value<Acc>(plan.first(), in, e);
  std::vector<Acc> out(static_cast<std::size_t>(plan.second().out_elements()));
  for (std::int64_t e = 0; e < static_cast<std::int64_t>(out.size()); ++e)
    out[e] = d::axis_pass_value<Acc>(plan.second(), intermediate.data(), e);
  return out;
}

template <class Acc>
std::vector<Acc> two_passes_for(const Tensor& images, const d::SeparableMap& map, d::PassOrder order) {
  switch (images.dtype()) {
    case DType::UInt8: return two_passes_like_the_gpu<Acc, std::uint8_t>(images, map, order);
    case DType::Float32: return two_passes_like_the_gpu<Acc, float>(images, map, order);
    default: return two_passes_like_the_gpu<Acc, double>(images, map, order);
  }
}

}  // namespace

TEST_CASE("the GPU's resize passes match the CPU engine", "[cuda_host][image]") {
  constexpr std::int64_t H = 61, W = 83;
  struct Case {
    const char* what;
    d::AxisWeights rows, cols;
  };
  using K = d::SamplingKernel;
  const std::vector<Case> cases = {
      {"bilinear down", d::bilinear_weights(H, 37, d::resize_scale(H, 37, false), true),
       d::bilinear_weights(W, 52, d::resize_scale(W, 52, false), true)},
      {"bilinear up, legacy", d::bilinear_weights(H, 150, d::resize_scale(H, 150, true), false),
       d::bilinear_weights(W, 201, d::resize_scale(W, 201, true), false)},
      {"bicubic up and down", d::bicubic_weights(H, 130, d::resize_scale(H, 130, false), true),
       d::bicubic_weights(W, 40, d::resize_scale(W, 40, false), true)},
      {"area down", d::area_weights(H, 17, d::resize_scale(H, 17, false)),
       d::area_weights(W, 29, d::resize_scale(W, 29, false))},
      {"triangle antialias down", d::scale_weights(K::Triangle, H, 13, true), d::scale_weights(K::Triangle, W, 20, true)},
      {"lanczos3 up, lanczos5 antialias down", d::scale_weights(K::Lanczos3, H, 211, false),
       d::scale_weights(K::Lanczos5, W, 31, true)},
      {"gaussian and mitchellcubic antialias", d::scale_weights(K::Gaussian, H, 23, true),
       d::scale_weights(K::MitchellCubic, W, 97, true)},
      {"keys cubic antialias down", d::scale_weights(K::KeysCubic, H, 30, true),
       d::scale_weights(K::KeysCubic, W, 9, true)},
      {"transposed bilinear (a gradient)", d::transpose(d::bilinear_weights(90, H, d::resize_scale(90, H, false), true)),
       d::transpose(d::bilinear_weights(40, W, d::resize_scale(40, W, false), true))},
  };
  std::mt19937 gen(3);
  for (const std::int64_t channels : {1, 3, 4}) {
    std::vector<double> v(static_cast<std::size_t>(2 * H * W * channels));
    for (double& x : v) x = std::floor(std::uniform_real_distribution<double>(0, 256)(gen));
    const Tensor u8 = constant(v, {2, H, W, channels}, DType::UInt8);
    for (const DType in_dtype : {DType::UInt8, DType::Float32, DType::Float64}) {
      const Tensor images = u8.cast(in_dtype);
      for (const Case& c : cases) {
        const d::SeparableMap map{c.rows, c.cols};
        const std::vector<double> f32 = d::apply_separable(images, map, DType::Float32).to_vector<double>();
        const std::vector<double> f64 = d::apply_separable(images, map, DType::Float64).to_vector<double>();
        for (const d::PassOrder order : {d::PassOrder::Auto, d::PassOrder::VerticalFirst, d::PassOrder::HorizontalFirst}) {
          INFO(c.what << ", " << channels << " channels, " << dtype_name(in_dtype) << ", order "
                      << static_cast<int>(order));
          const std::vector<float> g32 = two_passes_for<float>(images, map, order);
          const std::vector<double> g64 = two_passes_for<double>(images, map, order);
          REQUIRE(g32.size() == f32.size());
          REQUIRE(g64.size() == f64.size());
          double worst32 = 0, worst64 = 0;
          for (std::size_t i = 0; i < f32.size(); ++i) {
            worst32 = std::max(worst32, std::abs(double(g32[i]) - f32[i]));
            worst64 = std::max(worst64, std::abs(g64[i] - f64[i]));
          }
          // The stated tolerances of the GPU tests, on a 0..255 scale.
          CHECK(worst32 <= 1e-3);
          CHECK(worst64 <= 1e-9);
        }
      }
    }
  }
}

TEST_CASE("the GPU's nearest gather copies the CPU's pixels", "[cuda_host][image]") {
  constexpr std::int64_t H = 19, W = 23;
  const Tensor images = cast(reshape(range(0, 2 * H * W * 3, 1, DType::Int32), {2, H, W, 3}), DType::Float32);
  for (const auto& [ho, wo] : {std::pair<std::int64_t, std::int64_t>{40, 11}, {7, 50}, {19, 23}}) {
    for (const bool legacy : {false, true}) {
      const auto axis = [&](std::int64_t in, std::int64_t out) {
        return legacy ? d::nearest_weights(in, out, d::resize_scale(in, out, true), false, true)
                      : d::nearest_weights(in, out, d::resize_scale(in, out, false), true, false);
      };
      const d::SeparableMap map{axis(H, ho), axis(W, wo)};
      const std::vector<float> cpu = d::gather_nearest(images, map).to_vector<float>();
      const float* in = images.data<float>();
      for (std::int64_t e = 0; e < 2 * ho * wo * 3; ++e)
        REQUIRE(in[d::nearest_source(e, H, W, 3, ho, wo, map.rows.start.data(), map.cols.start.data())] == cpu[e]);
    }
  }
}
