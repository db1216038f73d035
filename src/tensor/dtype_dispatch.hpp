#pragma once
// Mapping between DType and C++ element types for kernels.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "eager/dtype.hpp"
#include "eager/error.hpp"

namespace eager::detail {

template <DType D> using ctype = std::conditional_t<D == DType::Bool, bool,
    std::conditional_t<D == DType::UInt8, std::uint8_t,
    std::conditional_t<D == DType::Int32, std::int32_t,
    std::conditional_t<D == DType::Int64, std::int64_t,
    std::conditional_t<D == DType::Float32, float, double>>>>>;

template <class T> struct TypeTag { using type = T; };

// Calls fn(TypeTag<T>{}) with the C++ type of `dtype`.
template <class Fn> decltype(auto) visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Bool: return fn(TypeTag<bool>{});
    case DType::UInt8: return fn(TypeTag<std::uint8_t>{});
    case DType::Int32: return fn(TypeTag<std::int32_t>{});
    case DType::Int64: return fn(TypeTag<std::int64_t>{});
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
  }
  throw InvalidArgument("unknown dtype");
}

// Whether an integer value is representable in `dtype` (always true for
// int64 and the floating dtypes): the check behind refusing, not wrapping,
// out-of-range scalars.
inline bool integer_fits(std::int64_t value, DType dtype) {
  return visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      return value >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
             value <= static_cast<std::int64_t>(std::numeric_limits<T>::max());
    else
      return true;
  });
}

}  // namespace eager::detail
