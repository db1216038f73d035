#pragma once
// TensorFlow's per-pixel colour arithmetic, written once: the CPU kernels
// (color_kernels.cpp) instantiate it with xsimd batches, the CUDA kernels
// (src/cuda/image_color.cu) and the host tests with float or double.
//
// Each formula is TensorFlow's, operation for operation, without branches
// (selects instead), so every lane runs the same code. Every operation used
// is correctly rounded in IEEE arithmetic (+, -, *, /, floor, abs, min, max,
// select), so the CPU and the GPU give the same bits as long as neither fuses
// a product into a following addition: products go through mul(), which is
// __fmul_rn / __dmul_rn on the device (never contracted), and the CPU file
// compiles with contraction off.
//
// V is a scalar (float, double) or an xsimd batch. For batches, select, min,
// max, floor and abs resolve to xsimd's by argument-dependent lookup; the
// scalar forms below give the same results as xsimd's (min and max return
// the second operand when the comparison is unordered, as SSE/AVX do).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "tensor/functors.hpp"  // EAGER_HD

namespace eager::image::detail::pixel {

template <class V> struct ScalarOf {
  using type = typename V::value_type;
};
template <> struct ScalarOf<float> {
  using type = float;
};
template <> struct ScalarOf<double> {
  using type = double;
};
template <class V> using scalar_t = typename ScalarOf<V>::type;

template <class T> concept Scalar = std::is_floating_point_v<T>;

template <Scalar T> EAGER_HD T select(bool condition, T if_true, T if_false) { return condition ? if_true : if_false; }
template <Scalar T> EAGER_HD T min(T a, T b) { return a < b ? a : b; }
template <Scalar T> EAGER_HD T max(T a, T b) { return a > b ? a : b; }
template <Scalar T> EAGER_HD T floor(T x) {
  using std::floor;
  return floor(x);
}
template <Scalar T> EAGER_HD T abs(T x) {
  using std::fabs;
  return fabs(x);
}

// a * b rounded on its own, never fused with what is added to it.
template <class V> EAGER_HD V mul(V a, V b) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<V, float>) return __fmul_rn(a, b);
  else return __dmul_rn(a, b);
#else
  return a * b;
#endif
}

// a / b, correctly rounded also where a build asks nvcc for fast division.
template <class V> EAGER_HD V div(V a, V b) {
#if defined(__CUDA_ARCH__)
  if constexpr (std::is_same_v<V, float>) return __fdiv_rn(a, b);
  else return __ddiv_rn(a, b);
#else
  return a / b;
#endif
}

template <class V> EAGER_HD auto is(const V& k, scalar_t<V> value) { return k == V(value); }

// TF's AdjustHue kernel (rgb_to_hv_range, rotate, hv_range_to_rgb) on R, G,
// B in place; delta6 is the delta in turns times 6, rounded to T as TF does.
template <class T> struct RotateHue {
  T delta6;
  // TF multiplies the float32 delta by 6 in float32.
  static RotateHue from_delta(double delta) { return {static_cast<T>(static_cast<T>(delta) * T(6))}; }
  template <class V> EAGER_HD void operator()(V& r, V& g, V& b) const {
    const V zero(T(0)), one(T(1)), six(T(6)), d6(delta6);
    const V R = r, G = g, B = b;
    // TF's sextant and max/mid/min from its comparisons, ties included.
    const auto r_lt_g = R < G, b_lt_r = B < R, b_gt_g = B > G, b_lt_g = B < G, b_gt_r = B > R;
    const V vmax = select(r_lt_g, select(b_gt_g, B, G), select(b_gt_r, B, R));
    const V vmin = select(r_lt_g, select(b_lt_r, B, R), select(b_lt_g, B, G));
    const V vmid = select(r_lt_g, select(b_lt_r, R, select(b_gt_g, G, B)), select(b_lt_g, G, select(b_gt_r, R, B)));
    const V sextant = select(r_lt_g, select(b_lt_r, V(T(1)), select(b_gt_g, V(T(3)), V(T(2)))),
                             select(b_lt_g, V(T(0)), select(b_gt_r, V(T(4)), V(T(5)))));
    const auto odd = is(sextant, T(1)) || is(sextant, T(3)) || is(sextant, T(5));
    const V ratio = div(vmid - vmin, vmax - vmin);
    V h = select(vmax == vmin, zero, sextant + select(odd, one - ratio, ratio));
    // h is in [0, 6] and delta6 in [-6, 6]: TF's while loops run at most
    // once adding and twice subtracting.
    h = h + d6;
    h = select(h < zero, h + six, h);
    h = select(h >= six, h - six, h);
    h = select(h >= six, h - six, h);
    const V k = floor(h);
    const V f = h - k;
    const auto k_odd = is(k, T(1)) || is(k, T(3)) || is(k, T(5));
    const V mid = vmin + mul(select(k_odd, one - f, f), vmax - vmin);
    r = select(is(k, T(0)) || is(k, T(5)), vmax, select(is(k, T(2)) || is(k, T(3)), vmin, mid));
    g = select(is(k, T(1)) || is(k, T(2)), vmax, select(k >= V(T(4)), vmin, mid));
    b = select(is(k, T(3)) || is(k, T(4)), vmax, select(k <= one, vmin, mid));
  }
};

// TF's AdjustSaturation kernel: its own rgb_to_hsv, the scaled saturation
// clamped to [0, 1], its own hsv_to_rgb.
template <class T> struct ScaleSaturation {
  T scale;
  template <class V> EAGER_HD void operator()(V& r, V& g, V& b) const {
    const V zero(T(0)), one(T(1)), two(T(2)), six(T(6)), factor(scale);
    const V third(static_cast<T>(2.0 / 6.0)), two_thirds(static_cast<T>(4.0 / 6.0));
    const V R = r, G = g, B = b;
    const V v = max(R, max(G, B));
    const V range = v - min(R, min(G, B));
    V s = select(v > zero, div(range, v), zero);
    const V norm = div(one, mul(six, range));
    V h = select(R == v, mul(norm, G - B), select(G == v, mul(norm, B - R) + third, mul(norm, R - G) + two_thirds));
    h = select(range <= zero, zero, h);
    h = select(h < zero, h + one, h);
    s = min(one, max(zero, mul(s, factor)));

    const V c = mul(s, v);
    const V m = v - c;
    const V dh = mul(h, six);
    // TF's int(dh) and its fmod loops; dh is in [0, 6], where both are exact.
    const V k = floor(dh);
    const V fmodu = dh - mul(two, floor(mul(dh, V(T(0.5)))));
    const V x = mul(c, one - abs(fmodu - one));
    // Sextant 6 (h == 1 exactly) takes TF's default case: all zero.
    const V rr = select(is(k, T(0)) || is(k, T(5)), c, select(is(k, T(1)) || is(k, T(4)), x, zero));
    const V gg = select(is(k, T(1)) || is(k, T(2)), c, select(is(k, T(0)) || is(k, T(3)), x, zero));
    const V bb = select(is(k, T(3)) || is(k, T(4)), c, select(is(k, T(2)) || is(k, T(5)), x, zero));
    r = rr + m;
    g = gg + m;
    b = bb + m;
  }
};

// TF's RGBToHSV functor (colorspace_op.h): R, G, B become H, S, V.
template <class T> struct ToHsv {
  template <class V> EAGER_HD void operator()(V& r, V& g, V& b) const {
    const V zero(T(0)), one(T(1)), sixth(T(1) / T(6)), third(T(2) / T(6)), two_thirds(T(4) / T(6));
    const V R = r, G = g, B = b;
    const V v = max(R, max(G, B));
    const V range = v - min(R, min(G, B));
    const V s = select(v > zero, div(range, v), zero);
    const V norm = mul(div(one, range), sixth);
    V h = select(R == v, mul(norm, G - B), select(G == v, mul(norm, B - R) + third, mul(norm, R - G) + two_thirds));
    h = select(range > zero, h, zero);
    h = select(h < zero, h + one, h);
    r = h;
    g = s;
    b = v;
  }
};

// TF's HSVToRGB functor: H, S, V become R, G, B.
template <class T> struct FromHsv {
  template <class V> EAGER_HD void operator()(V& h, V& s, V& v) const {
    const V zero(T(0)), one(T(1)), two(T(2)), three(T(3)), four(T(4)), six(T(6));
    const V H = h, S = s, Vv = v;
    const V dh = mul(H, six);
    const V dr = min(max(abs(dh - three) - one, zero), one);
    const V dg = min(max(two - abs(dh - two), zero), one);
    const V db = min(max(two - abs(dh - four), zero), one);
    const V one_s = one - S;
    h = mul(one_s + mul(S, dr), Vv);
    s = mul(one_s + mul(S, dg), Vv);
    v = mul(one_s + mul(S, db), Vv);
  }
};

// convert_image_dtype's uint8 scale, as TF rounds it: 1. / 255 in double,
// then to the float type.
template <class T> EAGER_HD constexpr T inv255() { return static_cast<T>(1.0 / 255); }

// convert_image_dtype(uint8 -> float): x * (1 / 255).
template <class T> EAGER_HD T unit_from_uint8(std::uint8_t x) { return mul(static_cast<T>(x), inv255<T>()); }

// convert_image_dtype(float -> uint8): y * 255.5 clamped to [0, 255] and
// truncated (NaN gives 0). TF's unsaturated cast is undefined out of range:
// its vectorised path clamps like this, its scalar tail wraps.
template <class T> EAGER_HD std::uint8_t uint8_from_unit(T y) {
  const T scaled = mul(y, static_cast<T>(255.5));
  if (!(scaled > T(0))) return 0;
  return scaled >= T(255) ? std::uint8_t{255} : static_cast<std::uint8_t>(scaled);
}

// A stored value as the kernels compute with it, and back: uint8 through
// convert_image_dtype's scaling both ways, float types as they are.
template <class In, class T> EAGER_HD T load_value(In x) {
  if constexpr (std::is_same_v<In, std::uint8_t>) return unit_from_uint8<T>(x);
  else return x;
}
template <class In, class T> EAGER_HD In store_value(T y) {
  if constexpr (std::is_same_v<In, std::uint8_t>) return uint8_from_unit(y);
  else return y;
}

// TF's AdjustContrastv2 for one value: (x - mean) * factor + mean.
template <class T> EAGER_HD T contrast(T x, T mean, T factor) { return mul(x - mean, factor) + mean; }

}  // namespace eager::image::detail::pixel
