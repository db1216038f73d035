// TensorFlow's TF-wheel kernels are compiled without FMA contraction; fusing
// `(o + 0.5f) * scale - 0.5f` into one rounding would move sampling positions
// by an ulp, which can change a floor() or a table entry and so the weights.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "image/resize_weights.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace eager::image::detail {
namespace {

// Collects (output index, input index, weight) taps, then packs them into
// fixed-span runs. Repeated input indices (clamped borders) add up. Flat
// storage: a table is rebuilt on every resize call, and per-output
// containers would cost more than the resize of a small image.
class TapBuilder {
 public:
  TapBuilder(std::int64_t in_size, std::int64_t out_size) : in_size_(in_size), out_size_(out_size) {
    taps_.reserve(static_cast<std::size_t>(out_size) * 4);
  }
  void add(std::int64_t o, std::int64_t index, float weight) { taps_.push_back({o, index, weight}); }

  AxisWeights finish() {
    // The transposes add taps by input index; the forward builders in order.
    const auto by_output = [](const Tap& a, const Tap& b) { return a.o < b.o; };
    if (!std::is_sorted(taps_.begin(), taps_.end(), by_output))
      std::stable_sort(taps_.begin(), taps_.end(), by_output);
    std::vector<std::int64_t> lo(out_size_, in_size_), hi(out_size_, -1);
    for (const Tap& t : taps_) {
      lo[t.o] = std::min(lo[t.o], t.index);
      hi[t.o] = std::max(hi[t.o], t.index);
    }
    std::int64_t span = 1;
    for (std::int64_t o = 0; o < out_size_; ++o)
      if (hi[o] >= 0) span = std::max(span, hi[o] - lo[o] + 1);
    AxisWeights a;
    a.in_size = in_size_;
    a.out_size = out_size_;
    a.span = span;
    a.start.assign(out_size_, 0);
    a.weights.assign(out_size_ * span, 0.0f);
    for (std::int64_t o = 0; o < out_size_; ++o)
      if (hi[o] >= 0) a.start[o] = std::min(lo[o], in_size_ - span);
    for (const Tap& t : taps_) a.weights[t.o * span + t.index - a.start[t.o]] += t.weight;
    return a;
  }

 private:
  struct Tap {
    std::int64_t o, index;
    float weight;
  };
  std::int64_t in_size_, out_size_;
  std::vector<Tap> taps_;
};

std::int64_t bound(std::int64_t value, std::int64_t limit) { return std::min(limit - 1, std::max<std::int64_t>(0, value)); }

// TF's HalfPixelScaler and LegacyScaler.
float scaled_position(std::int64_t o, float scale, bool half_pixel_centers) {
  return half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
}

// resize_bicubic_op.cc's coefficient table: entry 2i is the cubic at
// i / 1024, entry 2i + 1 at i / 1024 + 1, computed in double from a float x.
using CubicTable = std::array<float, (1024 + 1) * 2>;
CubicTable make_cubic_table(double a) {
  CubicTable table{};
  for (int i = 0; i <= 1024; ++i) {
    float x = static_cast<float>(i * 1.0 / 1024);
    table[i * 2] = static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
    x = static_cast<float>(x + 1.0);
    table[i * 2 + 1] = static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
  }
  return table;
}
const CubicTable& cubic_table(bool keys) {
  static const CubicTable keys_table = make_cubic_table(-0.5f);
  static const CubicTable legacy_table = make_cubic_table(-0.75f);
  return keys ? keys_table : legacy_table;
}

// sampling_kernels.h, in its float arithmetic.
struct KernelFunction {
  SamplingKernel kind;
  float radius() const {
    switch (kind) {
      case SamplingKernel::Lanczos3: return 3.0f;
      case SamplingKernel::Lanczos5: return 5.0f;
      case SamplingKernel::Gaussian: return 1.5f;
      case SamplingKernel::Triangle: return 1.0f;
      case SamplingKernel::KeysCubic:
      case SamplingKernel::MitchellCubic: return 2.0f;
    }
    return 0.0f;
  }
  float operator()(float x) const {
    x = std::abs(x);
    switch (kind) {
      case SamplingKernel::Lanczos3:
      case SamplingKernel::Lanczos5: {
        constexpr float kPi = 3.14159265359f;
        const float r = radius();
        if (x > r) return 0.0f;
        if (x <= 1e-3f) return 1.0f;
        return r * std::sin(kPi * x) * std::sin(kPi * x / r) / (kPi * kPi * x * x);
      }
      case SamplingKernel::Gaussian: {
        const float sigma = 1.5f / 3.0f;
        if (x >= 1.5f) return 0.0f;
        return static_cast<float>(std::exp(-x * x / (2.0 * sigma * sigma)));
      }
      case SamplingKernel::Triangle: return x < 1.0f ? 1.0f - x : 0.0f;
      case SamplingKernel::KeysCubic:
        if (x >= 2.0f) return 0.0f;
        if (x >= 1.0f) return ((-0.5f * x + 2.5f) * x - 4.0f) * x + 2.0f;
        return ((1.5f * x - 2.5f) * x) * x + 1.0f;
      case SamplingKernel::MitchellCubic:
        if (x >= 2.0f) return 0.0f;
        if (x >= 1.0f) return (((-7.0f / 18.0f) * x + 2.0f) * x - 10.0f / 3.0f) * x + 16.0f / 9.0f;
        return (((7.0f / 6.0f) * x - 2.0f) * x) * x + 8.0f / 9.0f;
    }
    return 0.0f;
  }
};

}  // namespace

AxisWeights transpose(const AxisWeights& axis) {
  TapBuilder builder(axis.out_size, axis.in_size);
  for (std::int64_t o = 0; o < axis.out_size; ++o) {
    const float* w = axis.weights_of(o);
    for (std::int64_t k = 0; k < axis.span; ++k)
      if (w[k] != 0.0f) builder.add(axis.start[o] + k, o, w[k]);
  }
  return builder.finish();
}

float resize_scale(std::int64_t in_size, std::int64_t out_size, bool align_corners) {
  return align_corners && out_size > 1 ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                                       : static_cast<float>(in_size) / static_cast<float>(out_size);
}

AxisWeights bilinear_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers) {
  TapBuilder builder(in_size, out_size);
  for (std::int64_t o = 0; o < out_size; ++o) {
    const float in = scaled_position(o, scale, half_pixel_centers);
    const float in_f = std::floor(in);
    // Clamped on both sides: past 2^23 pixels float rounding can put the
    // position at in_size itself.
    const std::int64_t lower = std::clamp(static_cast<std::int64_t>(in_f), std::int64_t{0}, in_size - 1);
    const std::int64_t upper = std::min(static_cast<std::int64_t>(std::ceil(in)), in_size - 1);
    const float lerp = in - in_f;
    builder.add(o, lower, 1.0f - lerp);
    builder.add(o, upper, lerp);
  }
  return builder.finish();
}

AxisWeights nearest_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers,
                            bool align_corners) {
  TapBuilder builder(in_size, out_size);
  for (std::int64_t o = 0; o < out_size; ++o) {
    // TF's HalfPixelScalerForNN leaves out the -0.5: floor does the rest.
    const float p = half_pixel_centers ? (static_cast<float>(o) + 0.5f) * scale : static_cast<float>(o) * scale;
    std::int64_t index =
        std::min(static_cast<std::int64_t>(align_corners ? std::round(p) : std::floor(p)), in_size - 1);
    if (half_pixel_centers) index = std::max<std::int64_t>(0, index);
    builder.add(o, index, 1.0f);
  }
  return builder.finish();
}

AxisWeights bicubic_weights(std::int64_t in_size, std::int64_t out_size, float scale, bool half_pixel_centers) {
  constexpr std::int64_t kTableSize = 1024;
  const bool keys = half_pixel_centers;
  const CubicTable& table = cubic_table(keys);
  TapBuilder builder(in_size, out_size);
  for (std::int64_t o = 0; o < out_size; ++o) {
    const float in_loc_f = scaled_position(o, scale, half_pixel_centers);
    const auto in_loc = static_cast<std::int64_t>(std::floor(in_loc_f));
    const float delta = in_loc_f - static_cast<float>(in_loc);
    const std::int64_t offset = std::lrint(delta * kTableSize);
    std::array<float, 4> w = {table[offset * 2 + 1], table[offset * 2], table[(kTableSize - offset) * 2],
                              table[(kTableSize - offset) * 2 + 1]};
    std::array<std::int64_t, 4> index{};
    for (int k = 0; k < 4; ++k) index[k] = bound(in_loc - 1 + k, in_size);
    if (keys) {
      // Taps outside the image drop out and the rest are renormalised, as
      // ScaleAndTranslate does at the borders.
      for (int k = 0; k < 4; ++k)
        if (index[k] != in_loc - 1 + k) w[k] = 0.0f;
      const float sum = w[0] + w[1] + w[2] + w[3];
      if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
        const float inv = 1.0f / sum;
        for (float& v : w) v *= inv;
      }
    }
    for (int k = 0; k < 4; ++k) builder.add(o, index[k], w[k]);
  }
  return builder.finish();
}

AxisWeights area_weights(std::int64_t in_size, std::int64_t out_size, float scale) {
  TapBuilder builder(in_size, out_size);
  if (scale == 0.0f) {
    // align_corners with a single input pixel: TF 2.21 repeats the pixel.
    for (std::int64_t o = 0; o < out_size; ++o) builder.add(o, 0, 1.0f);
    return builder.finish();
  }
  // TF multiplies each sum by 1 / (height_scale * width_scale); one factor
  // per axis gives the same up to a rounding.
  const double normaliser = 1.0 / static_cast<double>(scale);
  for (std::int64_t o = 0; o < out_size; ++o) {
    const float in0 = static_cast<float>(o) * scale;
    const float in1 = static_cast<float>(o + 1) * scale;
    const auto first = static_cast<std::int64_t>(std::floor(in0));
    const auto end = static_cast<std::int64_t>(std::ceil(in1));
    for (std::int64_t i = first; i < end; ++i) {
      const float fi = static_cast<float>(i), fi1 = static_cast<float>(i + 1);
      float w;
      if (fi < in0)
        w = fi1 > in1 ? scale : fi1 - in0;
      else
        w = fi1 > in1 ? in1 - fi : 1.0f;
      builder.add(o, bound(i, in_size), static_cast<float>(w * normaliser));
    }
  }
  return builder.finish();
}

AxisWeights scale_weights(SamplingKernel kind, std::int64_t in_size, std::int64_t out_size, bool antialias) {
  const KernelFunction kernel{kind};
  // image_ops_impl.py passes scale = float(out) / float(in); the op inverts it.
  const float scale = static_cast<float>(out_size) / static_cast<float>(in_size);
  const auto inv_scale = static_cast<float>(1.0 / scale);
  const float inv_translate = -inv_scale * 0.0f;
  const float kernel_scale = antialias ? std::max(inv_scale, 1.0f) : 1.0f;
  const float one_over_kernel_scale = 1.0f / kernel_scale;
  const float reach = kernel.radius() * kernel_scale;
  TapBuilder builder(in_size, out_size);
  std::vector<float> taps;
  for (std::int64_t o = 0; o < out_size; ++o) {
    const float sample = (static_cast<float>(o) + 0.5f) * inv_scale + inv_translate;
    if (sample < 0 || sample > static_cast<float>(in_size)) continue;
    const std::int64_t first =
        std::clamp(static_cast<std::int64_t>(std::ceil(sample - reach - 0.5f)), std::int64_t{0}, in_size - 1);
    const std::int64_t end =
        std::clamp(static_cast<std::int64_t>(std::floor(sample + reach - 0.5f)), std::int64_t{0}, in_size - 1) + 1;
    taps.clear();
    float sum = 0.0f;
    for (std::int64_t j = first; j < end; ++j) {
      const float position = static_cast<float>(j) + 0.5f - sample;
      const float w = kernel(std::abs(position * one_over_kernel_scale));
      sum += w;
      taps.push_back(w);
    }
    if (std::abs(sum) < 1000.0f * std::numeric_limits<float>::min()) continue;
    const float inv = 1.0f / sum;
    for (std::int64_t j = first; j < end; ++j) builder.add(o, j, taps[j - first] * inv);
  }
  return builder.finish();
}

}  // namespace eager::image::detail
