// TensorFlow's per-pixel colour kernels, rewritten without branches.
//
// TF's adjust_hue and adjust_saturation kernels are scalar loops with a
// switch on the hue sextant; on real images those branches mispredict often.
// Here every pixel runs the same straight-line code on xsimd batches, the
// branches becoming selects, so the compiler keeps 8 (AVX2 float) pixels in
// flight. Each formula is TensorFlow's, operation for operation, so the
// results are TF's up to the occasional fused multiply-add (one rounding
// instead of two). Pixels are interleaved (RGBRGB...) in memory; blocks of
// kBlock pixels are split into three planes, computed, and interleaved back,
// which keeps the arithmetic on full vectors and the planes in L1.
#include "image/color_kernels.hpp"

#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "tensor/thread_pool.hpp"

namespace eager::image::detail {
namespace {

constexpr std::int64_t kBlock = 256;   // pixels per block: a multiple of every batch width
constexpr std::int64_t kGrain = 8192;  // pixels per task of the thread pool

// convert_image_dtype's uint8 scale, as TF rounds it: 1. / 255 in double,
// then to the float type.
template <class T> constexpr T kInv255 = static_cast<T>(1.0 / 255);

template <class T> T to_float(std::uint8_t x) { return static_cast<T>(x) * kInv255<T>; }

// convert_image_dtype(float -> uint8): y * 255.5 clamped to [0, 255] and
// truncated (NaN gives 0). TF's unsaturated cast is undefined out of range:
// its vectorised path clamps like this, its scalar tail wraps.
template <class T> std::uint8_t to_uint8(T y) {
  const T scaled = y * static_cast<T>(255.5);
  if (!(scaled > T(0))) return 0;
  return scaled >= T(255) ? 255 : static_cast<std::uint8_t>(scaled);
}

template <class In, class T> T load_value(In x) {
  if constexpr (std::is_same_v<In, std::uint8_t>) {
    return to_float<T>(x);
  } else {
    return x;
  }
}
template <class In, class T> In store_value(T y) {
  if constexpr (std::is_same_v<In, std::uint8_t>) {
    return to_uint8(y);
  } else {
    return y;
  }
}

// Runs fn(r, g, b, count) on planes of up to kBlock pixels; count is rounded
// up to a whole number of batches, the padding lanes being zeros.
template <class In, class T, class Fn>
void for_each_block(const In* src, In* dst, std::int64_t pixels, const Fn& fn) {
  constexpr std::int64_t width = static_cast<std::int64_t>(xsimd::batch<T>::size);
  eager::detail::parallel_for(pixels, kGrain, [&](std::int64_t begin, std::int64_t end) {
    alignas(64) T r[kBlock], g[kBlock], b[kBlock];
    for (std::int64_t start = begin; start < end; start += kBlock) {
      const std::int64_t n = std::min(kBlock, end - start);
      const std::int64_t padded = (n + width - 1) / width * width;
      const In* s = src + 3 * start;
      for (std::int64_t i = 0; i < n; ++i) {
        r[i] = load_value<In, T>(s[3 * i]);
        g[i] = load_value<In, T>(s[3 * i + 1]);
        b[i] = load_value<In, T>(s[3 * i + 2]);
      }
      for (std::int64_t i = n; i < padded; ++i) r[i] = g[i] = b[i] = T(0);
      fn(r, g, b, padded);
      In* d = dst + 3 * start;
      for (std::int64_t i = 0; i < n; ++i) {
        d[3 * i] = store_value<In, T>(r[i]);
        d[3 * i + 1] = store_value<In, T>(g[i]);
        d[3 * i + 2] = store_value<In, T>(b[i]);
      }
    }
  });
}

template <class T> using V = xsimd::batch<T>;

template <class T> xsimd::batch_bool<T> is(const V<T>& k, T value) { return k == V<T>(value); }

// TF's AdjustHue kernel (rgb_to_hv_range, rotate, hv_range_to_rgb).
template <class T> struct RotateHue {
  T delta6;  // delta * 6, rounded to T before it is added, as in TF
  void operator()(T* r, T* g, T* b, std::int64_t n) const {
    const V<T> zero(T(0)), one(T(1)), six(T(6)), d6(delta6);
    for (std::int64_t i = 0; i < n; i += static_cast<std::int64_t>(V<T>::size)) {
      const V<T> R = V<T>::load_aligned(r + i), G = V<T>::load_aligned(g + i), B = V<T>::load_aligned(b + i);
      // TF's sextant and max/mid/min from its comparisons, ties included.
      const auto r_lt_g = R < G, b_lt_r = B < R, b_gt_g = B > G, b_lt_g = B < G, b_gt_r = B > R;
      const V<T> vmax = xsimd::select(r_lt_g, xsimd::select(b_gt_g, B, G), xsimd::select(b_gt_r, B, R));
      const V<T> vmin = xsimd::select(r_lt_g, xsimd::select(b_lt_r, B, R), xsimd::select(b_lt_g, B, G));
      const V<T> vmid = xsimd::select(r_lt_g, xsimd::select(b_lt_r, R, xsimd::select(b_gt_g, G, B)),
                                      xsimd::select(b_lt_g, G, xsimd::select(b_gt_r, R, B)));
      const V<T> sextant =
          xsimd::select(r_lt_g, xsimd::select(b_lt_r, V<T>(1), xsimd::select(b_gt_g, V<T>(3), V<T>(2))),
                        xsimd::select(b_lt_g, V<T>(0), xsimd::select(b_gt_r, V<T>(4), V<T>(5))));
      const auto odd = is<T>(sextant, 1) || is<T>(sextant, 3) || is<T>(sextant, 5);
      const V<T> ratio = (vmid - vmin) / (vmax - vmin);
      V<T> h = xsimd::select(vmax == vmin, zero, sextant + xsimd::select(odd, one - ratio, ratio));
      // h is in [0, 6] and delta6 in [-6, 6]: TF's while loops run at most
      // once adding and twice subtracting.
      h = h + d6;
      h = xsimd::select(h < zero, h + six, h);
      h = xsimd::select(h >= six, h - six, h);
      h = xsimd::select(h >= six, h - six, h);
      const V<T> k = xsimd::floor(h);
      const V<T> f = h - k;
      const auto k_odd = is<T>(k, 1) || is<T>(k, 3) || is<T>(k, 5);
      const V<T> mid = vmin + xsimd::select(k_odd, one - f, f) * (vmax - vmin);
      const V<T> out_r = xsimd::select(is<T>(k, 0) || is<T>(k, 5), vmax,
                                       xsimd::select(is<T>(k, 2) || is<T>(k, 3), vmin, mid));
      const V<T> out_g =
          xsimd::select(is<T>(k, 1) || is<T>(k, 2), vmax, xsimd::select(k >= V<T>(4), vmin, mid));
      const V<T> out_b =
          xsimd::select(is<T>(k, 3) || is<T>(k, 4), vmax, xsimd::select(k <= one, vmin, mid));
      out_r.store_aligned(r + i);
      out_g.store_aligned(g + i);
      out_b.store_aligned(b + i);
    }
  }
};

// TF's AdjustSaturation kernel: its own rgb_to_hsv, the scaled saturation
// clamped to [0, 1], its own hsv_to_rgb.
template <class T> struct ScaleSaturation {
  T scale;
  void operator()(T* r, T* g, T* b, std::int64_t n) const {
    const V<T> zero(T(0)), one(T(1)), two(T(2)), six(T(6)), factor(scale);
    const V<T> third(static_cast<T>(2.0 / 6.0)), two_thirds(static_cast<T>(4.0 / 6.0));
    for (std::int64_t i = 0; i < n; i += static_cast<std::int64_t>(V<T>::size)) {
      const V<T> R = V<T>::load_aligned(r + i), G = V<T>::load_aligned(g + i), B = V<T>::load_aligned(b + i);
      const V<T> v = xsimd::max(R, xsimd::max(G, B));
      const V<T> range = v - xsimd::min(R, xsimd::min(G, B));
      V<T> s = xsimd::select(v > zero, range / v, zero);
      const V<T> norm = one / (six * range);
      V<T> h = xsimd::select(R == v, norm * (G - B),
                             xsimd::select(G == v, norm * (B - R) + third, norm * (R - G) + two_thirds));
      h = xsimd::select(range <= zero, zero, h);
      h = xsimd::select(h < zero, h + one, h);
      s = xsimd::min(one, xsimd::max(zero, s * factor));

      const V<T> c = s * v;
      const V<T> m = v - c;
      const V<T> dh = h * six;
      // TF's int(dh) and its fmod loops; dh is in [0, 6], where both are exact.
      const V<T> k = xsimd::floor(dh);
      const V<T> fmodu = dh - two * xsimd::floor(dh * V<T>(T(0.5)));
      const V<T> x = c * (one - xsimd::abs(fmodu - one));
      // Sextant 6 (h == 1 exactly) takes TF's default case: all zero.
      const V<T> rr = xsimd::select(is<T>(k, 0) || is<T>(k, 5), c,
                                    xsimd::select(is<T>(k, 1) || is<T>(k, 4), x, zero));
      const V<T> gg = xsimd::select(is<T>(k, 1) || is<T>(k, 2), c,
                                    xsimd::select(is<T>(k, 0) || is<T>(k, 3), x, zero));
      const V<T> bb = xsimd::select(is<T>(k, 3) || is<T>(k, 4), c,
                                    xsimd::select(is<T>(k, 2) || is<T>(k, 5), x, zero));
      (rr + m).store_aligned(r + i);
      (gg + m).store_aligned(g + i);
      (bb + m).store_aligned(b + i);
    }
  }
};

// TF's RGBToHSV functor (colorspace_op.h); writes H, S, V over R, G, B.
template <class T> struct ToHsv {
  void operator()(T* r, T* g, T* b, std::int64_t n) const {
    const V<T> zero(T(0)), one(T(1)), sixth(T(1) / T(6)), third(T(2) / T(6)), two_thirds(T(4) / T(6));
    for (std::int64_t i = 0; i < n; i += static_cast<std::int64_t>(V<T>::size)) {
      const V<T> R = V<T>::load_aligned(r + i), G = V<T>::load_aligned(g + i), B = V<T>::load_aligned(b + i);
      const V<T> v = xsimd::max(R, xsimd::max(G, B));
      const V<T> range = v - xsimd::min(R, xsimd::min(G, B));
      const V<T> s = xsimd::select(v > zero, range / v, zero);
      const V<T> norm = (one / range) * sixth;
      V<T> h = xsimd::select(R == v, norm * (G - B),
                             xsimd::select(G == v, norm * (B - R) + third, norm * (R - G) + two_thirds));
      h = xsimd::select(range > zero, h, zero);
      h = xsimd::select(h < zero, h + one, h);
      h.store_aligned(r + i);
      s.store_aligned(g + i);
      v.store_aligned(b + i);
    }
  }
};

// TF's HSVToRGB functor; reads H, S, V from the three planes.
template <class T> struct FromHsv {
  void operator()(T* r, T* g, T* b, std::int64_t n) const {
    const V<T> zero(T(0)), one(T(1)), two(T(2)), three(T(3)), four(T(4)), six(T(6));
    for (std::int64_t i = 0; i < n; i += static_cast<std::int64_t>(V<T>::size)) {
      const V<T> H = V<T>::load_aligned(r + i), S = V<T>::load_aligned(g + i), Vv = V<T>::load_aligned(b + i);
      const V<T> dh = H * six;
      const V<T> dr = xsimd::min(xsimd::max(xsimd::abs(dh - three) - one, zero), one);
      const V<T> dg = xsimd::min(xsimd::max(two - xsimd::abs(dh - two), zero), one);
      const V<T> db = xsimd::min(xsimd::max(two - xsimd::abs(dh - four), zero), one);
      const V<T> one_s = one - S;
      ((one_s + S * dr) * Vv).store_aligned(r + i);
      ((one_s + S * dg) * Vv).store_aligned(g + i);
      ((one_s + S * db) * Vv).store_aligned(b + i);
    }
  }
};

template <class In, class T> void run_typed(PixelOp op, const Tensor& in, Tensor& out, double param) {
  const In* src = in.data<In>();
  In* dst = out.mutable_data<In>();
  const std::int64_t pixels = in.num_elements() / 3;
  switch (op) {
    case PixelOp::AdjustHue:
      // TF multiplies the float32 delta by 6 in float32.
      for_each_block<In, T>(src, dst, pixels, RotateHue<T>{static_cast<T>(static_cast<T>(param) * T(6))});
      break;
    case PixelOp::AdjustSaturation:
      for_each_block<In, T>(src, dst, pixels, ScaleSaturation<T>{static_cast<T>(param)});
      break;
    case PixelOp::RgbToHsv:
      for_each_block<In, T>(src, dst, pixels, ToHsv<T>{});
      break;
    case PixelOp::HsvToRgb:
      for_each_block<In, T>(src, dst, pixels, FromHsv<T>{});
      break;
  }
}

// One image at a time: column sums over row blocks (contiguous adds in
// double, one partial row per block), folded into per-channel means; then
// every row at once as (x - mean_row) * factor + mean_row with the means
// tiled along a row, which vectorises however few channels there are.
template <class T>
void contrast_typed(const T* src, T* dst, std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c,
                    T factor) {
  const std::int64_t row = w * c;
  std::vector<T> mean_rows(static_cast<std::size_t>(batch * row));
  const std::int64_t blocks = std::min<std::int64_t>(h, 2 * eager::detail::ThreadPool::instance().num_threads());
  std::vector<double> partial(static_cast<std::size_t>(blocks * row));
  for (std::int64_t b = 0; b < batch; ++b) {
    const T* image = src + b * h * row;
    std::fill(partial.begin(), partial.end(), 0.0);
    eager::detail::parallel_for(blocks, 1, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t k = first; k < last; ++k) {
        double* sums = partial.data() + k * row;
        for (std::int64_t y = h * k / blocks; y < h * (k + 1) / blocks; ++y) {
          const T* line = image + y * row;
          for (std::int64_t j = 0; j < row; ++j) sums[j] += static_cast<double>(line[j]);
        }
      }
    });
    std::vector<double> channel(static_cast<std::size_t>(c), 0.0);
    for (std::int64_t k = 0; k < blocks; ++k)
      for (std::int64_t j = 0; j < row; ++j) channel[static_cast<std::size_t>(j % c)] += partial[k * row + j];
    T* mean_row = mean_rows.data() + b * row;
    for (std::int64_t j = 0; j < row; ++j)
      mean_row[j] = static_cast<T>(channel[static_cast<std::size_t>(j % c)] / static_cast<double>(h * w));
  }
  eager::detail::parallel_for(batch * h, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(row, 1)),
                              [&](std::int64_t first, std::int64_t last) {
                                for (std::int64_t y = first; y < last; ++y) {
                                  const T* mean = mean_rows.data() + (y / h) * row;
                                  const T* x = src + y * row;
                                  T* o = dst + y * row;
                                  for (std::int64_t j = 0; j < row; ++j) o[j] = (x[j] - mean[j]) * factor + mean[j];
                                }
                              });
}

}  // namespace

void adjust_contrast(const Tensor& in, Tensor& out, double factor) {
  const Shape& s = in.shape();
  const std::int64_t h = s[s.rank() - 3], w = s[s.rank() - 2], c = s[s.rank() - 1];
  const std::int64_t batch = in.num_elements() / (h * w * c);
  if (in.dtype() == DType::Float32) {
    contrast_typed(in.data<float>(), out.mutable_data<float>(), batch, h, w, c, static_cast<float>(factor));
  } else {
    contrast_typed(in.data<double>(), out.mutable_data<double>(), batch, h, w, c, factor);
  }
}

void run_pixel_op(PixelOp op, const Tensor& in, Tensor& out, double param) {
  switch (in.dtype()) {
    case DType::UInt8: run_typed<std::uint8_t, float>(op, in, out, param); break;
    case DType::Float32: run_typed<float, float>(op, in, out, param); break;
    case DType::Float64: run_typed<double, double>(op, in, out, param); break;
    default: break;  // the dispatchers admit only these
  }
}

// The byte loops below work on local copies of the pointers and the table: a
// uint8 store may alias anything, so through the lambda's captures the
// compiler would reload them on every element.
void apply_lut(const Tensor& in, Tensor& out, const std::uint8_t (&lut)[256]) {
  const std::uint8_t* const src_base = in.data<std::uint8_t>();
  std::uint8_t* const dst_base = out.mutable_data<std::uint8_t>();
  eager::detail::parallel_for(in.num_elements(), 1 << 16, [&](std::int64_t begin, std::int64_t end) {
    std::uint8_t table[256];
    std::copy(lut, lut + 256, table);
    const std::uint8_t* src = src_base;
    std::uint8_t* dst = dst_base;
    for (std::int64_t i = begin; i < end; ++i) dst[i] = table[src[i]];
  });
}

void uint8_to_float(const Tensor& in, Tensor& out) {
  const std::uint8_t* src = in.data<std::uint8_t>();
  const auto run = [&](auto* dst) {
    using T = std::remove_pointer_t<decltype(dst)>;
    eager::detail::parallel_for(in.num_elements(), 1 << 16, [&, dst](std::int64_t begin, std::int64_t end) {
      T table[256];
      for (int v = 0; v < 256; ++v) table[v] = to_float<T>(static_cast<std::uint8_t>(v));
      const std::uint8_t* s = src;
      T* d = dst;
      for (std::int64_t i = begin; i < end; ++i) d[i] = table[s[i]];
    });
  };
  if (out.dtype() == DType::Float32) {
    run(out.mutable_data<float>());
  } else {
    run(out.mutable_data<double>());
  }
}

void float_to_uint8(const Tensor& in, Tensor& out) {
  std::uint8_t* const dst_base = out.mutable_data<std::uint8_t>();
  const auto run = [&](const auto* src_base) {
    eager::detail::parallel_for(in.num_elements(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
      const auto* src = src_base;
      std::uint8_t* dst = dst_base;
      for (std::int64_t i = begin; i < end; ++i) dst[i] = to_uint8(src[i]);
    });
  };
  if (in.dtype() == DType::Float32) {
    run(in.data<float>());
  } else {
    run(in.data<double>());
  }
}

}  // namespace eager::image::detail
