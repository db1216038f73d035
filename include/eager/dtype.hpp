#pragma once
// Element types. The order of the enum is the promotion order: for the dtypes
// eager supports, NumPy's and TensorFlow's promotion of two tensors is simply
// the larger of the two (uint8 fits in int32), so promote_types is a max.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace eager {

enum class DType : std::uint8_t { Bool, UInt8, Int32, Int64, Float32, Float64 };

inline constexpr int kNumDTypes = 6;

constexpr std::size_t itemsize(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return 1;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}

// TensorFlow's spelling: bool, uint8, int32, int64, float32, float64.
std::string_view dtype_name(DType t);

constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
constexpr bool is_integral(DType t) { return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64; }

constexpr DType promote_types(DType a, DType b) { return a < b ? b : a; }

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<std::uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <class T> inline constexpr DType dtype_v = dtype_of<T>::value;

}  // namespace eager
