#pragma once
// The combining rules of eager's reductions, written once for the CUDA
// kernels (EAGER_HD) and tested on the host against the CPU kernels
// (test/cuda_host/test_reduction_parity.cpp). A reducer R has
//   Acc            the running value: T, or a (value, index) pair for argmax
//   Out            the output element: T, or int64 for argmax/argmin
//   identity()     the result over an empty axis: the CPU kernels' identities
//   load(x, r)     the running value of element x at position r of the axis
//   combine(a, b)  associative; exact (so any tree of combines gives the CPU
//                  kernel's result bit for bit) for every reducer but the
//                  floating-point sum and product, whose rounding depends on
//                  the order
//   finish(acc)    the output element
// Integer sums and products wrap (computed in the unsigned type of the same
// width), as the CPU kernels and TensorFlow do.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "tensor/host_device.hpp"

namespace eager::detail::reduce {

template <class T> EAGER_HD constexpr bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}

template <class T, bool = std::is_integral_v<T>> struct Wrap { using type = T; };
template <class T> struct Wrap<T, true> { using type = std::make_unsigned_t<T>; };
template <class T> using wrap_t = typename Wrap<T>::type;

template <class T> EAGER_HD T wrapping_add(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
}

template <class T> struct Sum {
  using Acc = T;
  using Out = T;
  EAGER_HD static T identity() { return T(0); }
  EAGER_HD static T load(T x, std::int64_t) { return x; }
  EAGER_HD static T combine(T a, T b) { return wrapping_add(a, b); }
  EAGER_HD static T finish(T a) { return a; }
};

template <class T> struct Prod {
  using Acc = T;
  using Out = T;
  EAGER_HD static T identity() { return T(1); }
  EAGER_HD static T load(T x, std::int64_t) { return x; }
  EAGER_HD static T combine(T a, T b) {
    return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
  }
  EAGER_HD static T finish(T a) { return a; }
};

// Max and Min keep a NaN once seen, whichever side it arrives on.
template <class T> struct Max {
  using Acc = T;
  using Out = T;
  EAGER_HD static T identity() {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::lowest();
  }
  EAGER_HD static T load(T x, std::int64_t) { return x; }
  EAGER_HD static T combine(T a, T b) { return (is_nan(a) || a > b) ? a : b; }
  EAGER_HD static T finish(T a) { return a; }
};

template <class T> struct Min {
  using Acc = T;
  using Out = T;
  EAGER_HD static T identity() {
    return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::max();
  }
  EAGER_HD static T load(T x, std::int64_t) { return x; }
  EAGER_HD static T combine(T a, T b) { return (is_nan(a) || a < b) ? a : b; }
  EAGER_HD static T finish(T a) { return a; }
};

// bool tensors are read as bytes holding 0 or 1.
struct All {
  using Acc = std::uint8_t;
  using Out = std::uint8_t;
  EAGER_HD static std::uint8_t identity() { return 1; }
  EAGER_HD static std::uint8_t load(std::uint8_t x, std::int64_t) { return x; }
  EAGER_HD static std::uint8_t combine(std::uint8_t a, std::uint8_t b) { return a & b; }
  EAGER_HD static std::uint8_t finish(std::uint8_t a) { return a; }
};

struct Any {
  using Acc = std::uint8_t;
  using Out = std::uint8_t;
  EAGER_HD static std::uint8_t identity() { return 0; }
  EAGER_HD static std::uint8_t load(std::uint8_t x, std::int64_t) { return x; }
  EAGER_HD static std::uint8_t combine(std::uint8_t a, std::uint8_t b) { return a | b; }
  EAGER_HD static std::uint8_t finish(std::uint8_t a) { return a; }
};

template <class T> struct ArgAcc {
  T value;
  std::int64_t index;
};

// argmax (IsMax) / argmin. The CPU scans each slice once and keeps the first
// strictly better element, or the first NaN, which then stays. As a combine
// of (value, index) pairs: a NaN beats any number, two NaNs or two equal
// values go to the smaller index, otherwise the larger (smaller) value wins.
// The result is the CPU's for any grouping of the elements. The identity
// (the worst value at the largest index) loses to every element.
template <bool IsMax, class T> struct Arg {
  using Acc = ArgAcc<T>;
  using Out = std::int64_t;
  EAGER_HD static Acc identity() {
    return {IsMax ? Max<T>::identity() : Min<T>::identity(), std::numeric_limits<std::int64_t>::max()};
  }
  EAGER_HD static Acc load(T x, std::int64_t r) { return {x, r}; }
  EAGER_HD static Acc combine(Acc a, Acc b) {
    const bool a_nan = is_nan(a.value), b_nan = is_nan(b.value);
    if (a_nan != b_nan) return a_nan ? a : b;
    if (a_nan || a.value == b.value) return a.index < b.index ? a : b;
    return (IsMax ? a.value > b.value : a.value < b.value) ? a : b;
  }
  EAGER_HD static std::int64_t finish(Acc a) { return a.index; }
};

}  // namespace eager::detail::reduce
