#pragma once
// Edge values of every dtype for the elementwise parity tests, on the host
// (test/cuda_host) and on the GPU (test/cuda): signed zeros, infinities,
// NaN, denormals, integer limits, values around uint8 wrap-around and the
// saturation bounds of float-to-integer casts, halves for rounding.
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace eager::test {

template <class T> std::vector<T> edge_values() {
  using L = std::numeric_limits<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return {false, true};
  } else if constexpr (std::is_same_v<T, std::uint8_t>) {
    return {0, 1, 2, 3, 5, 6, 7, 16, 127, 128, 200, 254, 255};
  } else if constexpr (std::is_integral_v<T>) {
    return {0, 1, -1, 2, -2, 3, -7, 6, 7, 100, -100, 46341, L::max(), L::max() - 1, L::min(), L::min() + 1};
  } else {
    return {T(0), -T(0), T(1), T(-1), T(0.5), T(-0.5), T(1.5), T(2.5), T(-2.5), T(3), T(6), T(6.5), T(-7),
            T(100), T(-100.25), T(88.5), T(-88.5), T(700), T(1e-30), L::denorm_min(), L::max(), L::lowest(),
            T(255.5), T(-129), T(2147483648.0), T(-9.3e18), T(1e19), L::infinity(), -L::infinity(),
            L::quiet_NaN()};
  }
}

}  // namespace eager::test
