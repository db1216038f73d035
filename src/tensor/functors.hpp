#pragma once
// Scalar math of the elementwise primitives, written once. The same functor
// serves the scalar CPU loop, the xsimd loop (where `simd` is true, apply is
// called with xsimd batches: std:: calls resolve to xsimd's by ADL) and, when
// nvcc compiles this header, CUDA kernels (EAGER_HD).
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "host_device.hpp"

namespace eager::detail::fn {

template <class T> inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// ---- unary ------------------------------------------------------------------

struct Negative {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (is_int_v<T>) {
      // Wraps like two's complement instead of overflowing (-INT_MIN).
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(U(0) - static_cast<U>(x));
    } else {
      return -x;
    }
  }
};
struct Abs {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (std::is_unsigned_v<T>) return x;
    else if constexpr (is_int_v<T>) return x < 0 ? Negative::apply(x) : x;
    else {
      using std::abs;
      return abs(x);
    }
  }
};
struct Sign {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (std::is_floating_point_v<T>)
      if (x != x) return x;
    // Spelled out for unsigned types, where nvcc warns about x < 0.
    if constexpr (std::is_unsigned_v<T>) return static_cast<T>(T(0) < x);
    else return static_cast<T>((T(0) < x) - (x < T(0)));
  }
};
struct Exp {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::exp; return exp(x); }
};
struct Log {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::log; return log(x); }
};
struct Log1p {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::log1p; return log1p(x); }
};
struct Expm1 {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::expm1; return expm1(x); }
};
struct Sqrt {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::sqrt; return sqrt(x); }
};
struct Rsqrt {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::sqrt; return T(1) / sqrt(x); }
};
struct Square {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (is_int_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(x) * static_cast<U>(x));
    } else {
      return x * x;
    }
  }
};
struct Floor {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (is_int_v<T>) return x;
    else { using std::floor; return floor(x); }
  }
};
struct Ceil {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (is_int_v<T>) return x;
    else { using std::ceil; return ceil(x); }
  }
};
// Half to even (banker's rounding), as tf.math.round; nearbyint rounds that
// way in the default floating-point environment.
struct Round {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (is_int_v<T>) return x;
    else { using std::nearbyint; return nearbyint(x); }
  }
};
struct Sin {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::sin; return sin(x); }
};
struct Cos {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::cos; return cos(x); }
};
struct Tanh {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::tanh; return tanh(x); }
};
// exp(-x) overflows to inf for very negative x, giving exactly 0: no NaN.
struct Sigmoid {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { using std::exp; return T(1) / (T(1) + exp(-x)); }
};
struct Reciprocal {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T x) { return T(1) / x; }
};
struct LogicalNot {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x) { return !x; }
};
struct Relu {
  static constexpr bool simd = false;
  // NaN stays NaN, as in TensorFlow.
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (std::is_unsigned_v<T>) return x;
    else return x < T(0) ? T(0) : x;
  }
};
struct Relu6 {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x) {
    if constexpr (std::is_unsigned_v<T>) return x > T(6) ? T(6) : x;
    else return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
  }
};
struct Elu {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x) { using std::expm1; return x > T(0) ? x : expm1(x); }
};
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|.
struct Softplus {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x) {
    using std::exp;
    using std::log1p;
    const T ax = x < T(0) ? -x : x;
    return (x > T(0) ? x : T(0)) + log1p(exp(-ax));
  }
};
// Parameterised: alpha arrives through ElementwiseArgs.
struct LeakyRelu {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T x, double alpha) {
    return x > T(0) ? x : static_cast<T>(x * static_cast<T>(alpha));
  }
};

// ---- binary -----------------------------------------------------------------

template <class T> EAGER_HD inline T wrapping_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}

struct Add {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (is_int_v<T>) return wrapping_add(a, b);
    else return a + b;
  }
};
struct Subtract {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (is_int_v<T>) return wrapping_add(a, Negative::apply(b));
    else return a - b;
  }
};
struct Multiply {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (is_int_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
    } else {
      return a * b;
    }
  }
};
// Only instantiated for floating types (the dispatcher casts integers).
struct Divide {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T a, T b) { return a / b; }
};
// Integers: rounds toward -inf. The dispatcher refuses a zero divisor;
// MIN / -1 wraps instead of trapping.
struct FloorDiv {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (std::is_unsigned_v<T>) return a / b;
    else if constexpr (is_int_v<T>) {
      if (b == T(-1)) return Negative::apply(a);
      T q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
      return q;
    } else {
      using std::floor;
      return floor(a / b);
    }
  }
};
// Result has the sign of b (tf.math.floormod).
struct Mod {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (std::is_unsigned_v<T>) return a % b;
    else if constexpr (is_int_v<T>) {
      if (b == T(-1)) return T(0);
      T r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else {
      using std::fmod;
      T r = fmod(a, b);
      if (r != T(0) && ((r < T(0)) != (b < T(0)))) r += b;
      return r;
    }
  }
};
// Integers by squaring (the dispatcher refuses negative exponents).
struct Pow {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (is_int_v<T>) {
      using U = std::make_unsigned_t<T>;
      U result = 1, base = static_cast<U>(a);
      for (T e = b; e > 0; e >>= 1) {
        if (e & 1) result *= base;
        base *= base;
      }
      return static_cast<T>(result);
    } else {
      using std::pow;
      return pow(a, b);
    }
  }
};
// NaN-propagating, as tf.maximum.
struct Maximum {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>)
      if (a != a || b != b) return std::numeric_limits<T>::quiet_NaN();
    return a < b ? b : a;
  }
};
struct Minimum {
  static constexpr bool simd = false;
  template <class T> EAGER_HD static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>)
      if (a != a || b != b) return std::numeric_limits<T>::quiet_NaN();
    return b < a ? b : a;
  }
};
struct SquaredDifference {
  static constexpr bool simd = true;
  template <class T> EAGER_HD static T apply(T a, T b) {
    const T d = Subtract::apply(a, b);
    return Multiply::apply(d, d);
  }
};
struct Equal {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a == b; }
};
struct NotEqual {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a != b; }
};
struct Less {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a < b; }
};
struct LessEqual {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a <= b; }
};
struct Greater {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a > b; }
};
struct GreaterEqual {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a >= b; }
};
struct LogicalAnd {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a && b; }
};
struct LogicalOr {
  template <class T> EAGER_HD static bool apply(T a, T b) { return a || b; }
};
struct LogicalXor {
  template <class T> EAGER_HD static bool apply(T a, T b) { return static_cast<bool>(a) != static_cast<bool>(b); }
};

// ---- cast -------------------------------------------------------------------

// Float to integer truncates toward zero and saturates at the target's range
// (NaN gives 0), so no input is undefined behaviour; to bool is x != 0.
template <class To> struct Cast {
  template <class From> EAGER_HD static To apply(From x) {
    if constexpr (std::is_same_v<To, bool>) {
      return x != From(0);
    } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
      if (x != x) return To(0);
      constexpr double lo = static_cast<double>(std::numeric_limits<To>::min());
      constexpr double hi = static_cast<double>(std::numeric_limits<To>::max());
      const double d = static_cast<double>(x);
      if (d <= lo) return std::numeric_limits<To>::min();
      if (d >= hi) return std::numeric_limits<To>::max();
      return static_cast<To>(d);
    } else {
      return static_cast<To>(x);
    }
  }
};

}  // namespace eager::detail::fn
