#pragma once
// Opt-in interop with xtensor (https://github.com/xtensor-stack/xtensor).
// Including this header pulls in xtensor, which is why eager.hpp does not.
//
//   eager::Tensor t = eager::zeros({2, 3}, eager::DType::Float64);
//   auto a = eager::as_xtensor<double>(t);    // zero-copy view of t
//   a(1, 2) = 5;                              // t now holds 5 at [1, 2]
//   eager::Tensor u = eager::from_xtensor(xt::arange<std::int64_t>(6));  // a copy
#include <xtensor/xadapt.hpp>
#include <xtensor/xexpression.hpp>
#include <xtensor/xnoalias.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "eager/creation.hpp"
#include "eager/tensor.hpp"

namespace eager {

namespace detail {

template <class T> void check_xtensor_view(const Tensor& t, bool writable) {
  if (t.dtype() != dtype_v<T> || !t.device().is_cpu())
    throw InvalidArgument("as_xtensor<" + std::string(dtype_name(dtype_v<T>)) + ">: needs a CPU tensor of dtype " +
                          std::string(dtype_name(dtype_v<T>)) + ", got " + std::string(dtype_name(t.dtype())) +
                          t.shape().to_string() + " on " + t.device().name());
  for (int d = 0; d < t.rank(); ++d) {
    if (t.strides()[d] < 0)
      throw InvalidArgument("as_xtensor: views with negative strides are not supported, got strides " +
                            t.strides().to_string() + "; call .contiguous() first");
    // Elements of a broadcast view share memory, so a write to one would
    // silently change the others.
    if (writable && t.strides()[d] == 0 && t.shape()[d] > 1)
      throw InvalidArgument("as_xtensor: shape " + t.shape().to_string() + " with strides " +
                            t.strides().to_string() +
                            " is a broadcast view; adapt it read-only (std::as_const) or call .contiguous() first");
  }
}

inline std::vector<std::size_t> xtensor_shape(const Tensor& t) { return {t.shape().begin(), t.shape().end()}; }
inline std::vector<std::ptrdiff_t> xtensor_strides(const Tensor& t) {
  return {t.strides().begin(), t.strides().end()};
}

// The eager element type that holds values of V without loss.
template <class V> struct xtensor_storage_type {
  static_assert(!std::is_same_v<V, V>,
                "from_xtensor: no eager dtype for this value type (use bool, integers up to 64 bits except "
                "uint64, float or double)");
};
template <> struct xtensor_storage_type<bool> { using type = bool; };
template <> struct xtensor_storage_type<float> { using type = float; };
template <> struct xtensor_storage_type<double> { using type = double; };
template <class V>
  requires(std::is_integral_v<V> && !std::is_same_v<V, bool> && !(std::is_unsigned_v<V> && sizeof(V) == 8))
struct xtensor_storage_type<V> {
  using type = std::conditional_t<std::is_unsigned_v<V> && sizeof(V) == 1, std::uint8_t,
               std::conditional_t<sizeof(V) < 4 || (std::is_signed_v<V> && sizeof(V) == 4), std::int32_t,
                                  std::int64_t>>;
};

}  // namespace detail

// A zero-copy xtensor view (xt::xarray_adaptor with the tensor's shape and
// strides in elements) of a CPU tensor of dtype T; writes through it change
// the tensor and every view sharing its memory. The tensor's storage must
// outlive the adaptor. Throws InvalidArgument for another dtype or device,
// negative strides, and (here, not in the const overload) broadcast views.
// For a non-contiguous view, use element access, iterators and expression
// assignment: xtensor's storage-level members (storage(), fill(),
// linear_begin()) assume num_elements() consecutive elements.
template <class T> auto as_xtensor(Tensor& t) {
  detail::check_xtensor_view<T>(t, true);
  return xt::adapt(static_cast<T*>(t.raw_mutable_data()), static_cast<std::size_t>(t.num_elements()),
                   xt::no_ownership(), detail::xtensor_shape(t), detail::xtensor_strides(t));
}

// Read-only version of as_xtensor.
template <class T> auto as_xtensor(const Tensor& t) {
  detail::check_xtensor_view<T>(t, false);
  return xt::adapt(static_cast<const T*>(t.raw_data()), static_cast<std::size_t>(t.num_elements()),
                   xt::no_ownership(), detail::xtensor_shape(t), detail::xtensor_strides(t));
}

// A new tensor holding a copy of the values of any xtensor expression. The
// dtype follows the value type: bool, uint8_t, float and double map to
// themselves; other signed integers of up to 32 bits (and 16-bit unsigned)
// to int32; 32-bit unsigned and 64-bit signed integers to int64; uint64 is
// refused at compile time. `dtype` converts the result as eager::cast does;
// `device` defaults to default_device().
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expression, std::optional<DType> dtype = std::nullopt,
                    std::optional<Device> device = std::nullopt) {
  const E& e = expression.derived_cast();
  using V = std::decay_t<typename E::value_type>;
  using Stored = typename detail::xtensor_storage_type<V>::type;
  std::vector<std::int64_t> dims(e.shape().begin(), e.shape().end());
  Tensor out = Tensor::empty(Shape(dims), dtype_v<Stored>, Device::cpu());
  auto view = as_xtensor<Stored>(out);
  xt::noalias(view) = e;
  if (dtype && *dtype != out.dtype()) out = out.cast(*dtype);
  return out.to(device.value_or(default_device()));
}

}  // namespace eager
