#pragma once
// Scalar: a C++ number used as an operand (t * 2, clip_by_value(t, 0, 1)).
// Scalars are "weakly typed", as Python numbers are in TensorFlow 2 and
// PyTorch: a scalar takes the tensor's dtype when it is of the same kind
// (int32 tensor * 2 stays int32, float32 tensor * 0.5 stays float32); a
// floating scalar with an integer or bool tensor gives float32.
#include <cstdint>
#include <type_traits>

#include "eager/dtype.hpp"

namespace eager {

class Scalar {
 public:
  enum class Kind : unsigned char { Bool, Integer, Floating };

  constexpr Scalar(bool v) : kind_(Kind::Bool), i_(v), d_(v) {}
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  constexpr Scalar(T v) : kind_(Kind::Integer), i_(static_cast<std::int64_t>(v)), d_(static_cast<double>(v)) {}
  template <class T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  constexpr Scalar(T v) : kind_(Kind::Floating), i_(saturate(static_cast<double>(v))), d_(static_cast<double>(v)) {}

  constexpr Kind kind() const { return kind_; }
  constexpr std::int64_t to_int64() const { return i_; }
  constexpr double to_double() const { return d_; }
  // The dtype this scalar would have on its own: bool, int32 or float32
  // (TensorFlow's defaults for Python numbers).
  constexpr DType default_dtype() const {
    return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Integer ? DType::Int32 : DType::Float32;
  }
  // The dtype of `tensor_dtype op scalar` under the weak-typing rule.
  constexpr DType result_dtype_with(DType tensor_dtype) const {
    if (kind_ == Kind::Floating) return is_floating(tensor_dtype) ? tensor_dtype : DType::Float32;
    if (kind_ == Kind::Integer) return tensor_dtype == DType::Bool ? DType::Int32 : tensor_dtype;
    return tensor_dtype;
  }

 private:
  // Truncates toward zero like a C++ cast, but defined for every double:
  // NaN gives 0 and out-of-range values the nearest int64.
  static constexpr std::int64_t saturate(double v) {
    if (v != v) return 0;
    if (v >= 9223372036854775807.0) return INT64_MAX;
    if (v <= -9223372036854775808.0) return INT64_MIN;
    return static_cast<std::int64_t>(v);
  }

  Kind kind_;
  std::int64_t i_;
  double d_;
};

}  // namespace eager
