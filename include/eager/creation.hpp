#pragma once
// Creating tensors: tf.constant, tf.zeros, tf.ones, tf.fill, tf.range,
// tf.linspace, tf.eye. Every function takes an optional device; without one
// the tensor goes to default_device().
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <type_traits>
#include <vector>

#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager {

namespace detail {
Tensor constant_from_buffer(const void* data, DType src_dtype, const Shape& shape, std::optional<DType> dtype,
                            std::optional<Device> device, std::int64_t num_values);
template <class T> struct nested_list_traits;
}  // namespace detail

// A tensor holding `values` with `shape`. Throws InvalidArgument when the
// number of values does not match the shape. `dtype` converts the values.
template <class T>
Tensor constant(const std::vector<T>& values, const Shape& shape, std::optional<DType> dtype = std::nullopt,
                std::optional<Device> device = std::nullopt) {
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<std::uint8_t> bytes(values.begin(), values.end());
    return detail::constant_from_buffer(bytes.data(), DType::Bool, shape, dtype, device,
                                        static_cast<std::int64_t>(values.size()));
  } else {
    return detail::constant_from_buffer(values.data(), dtype_v<T>, shape, dtype, device,
                                        static_cast<std::int64_t>(values.size()));
  }
}

// A scalar (0-d) tensor. Integers default to int32 and floating values to
// their own type, as tf.constant does for Python numbers.
Tensor scalar(Scalar value, std::optional<DType> dtype = std::nullopt, std::optional<Device> device = std::nullopt);

// tf.constant from (nested) braces: constant({1, 2, 3}), constant({{1.f, 2.f}, {3.f, 4.f}}).
// Ragged nesting throws InvalidArgument. `int` and `long` literals become
// int32 and int64; `float` float32; `double` float64.
template <class T>
Tensor constant(std::initializer_list<T> values, std::optional<DType> dtype = std::nullopt,
                std::optional<Device> device = std::nullopt);
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<T>> values, std::optional<DType> dtype = std::nullopt,
                std::optional<Device> device = std::nullopt);
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<std::initializer_list<T>>> values,
                std::optional<DType> dtype = std::nullopt, std::optional<Device> device = std::nullopt);
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> values,
                std::optional<DType> dtype = std::nullopt, std::optional<Device> device = std::nullopt);

Tensor zeros(const Shape& shape, DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
Tensor ones(const Shape& shape, DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);
// tf.fill: every element `value`; the dtype is the scalar's own unless given.
Tensor fill(const Shape& shape, Scalar value, std::optional<DType> dtype = std::nullopt,
            std::optional<Device> device = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor fill_like(const Tensor& t, Scalar value, std::optional<DType> dtype = std::nullopt);

// tf.range(start, limit, delta): [start, limit) in steps of delta (may be
// negative, never zero). The dtype is int32 when all three are integers,
// float32 otherwise, unless given.
Tensor range(Scalar start, Scalar limit, Scalar delta = 1, std::optional<DType> dtype = std::nullopt,
             std::optional<Device> device = std::nullopt);
Tensor range(Scalar limit);
// tf.linspace: num evenly spaced values from start to stop inclusive (float32 by default).
Tensor linspace(double start, double stop, std::int64_t num, DType dtype = DType::Float32,
                std::optional<Device> device = std::nullopt);
// tf.eye: an identity matrix of num_rows x num_columns (square by default).
Tensor eye(std::int64_t num_rows, std::optional<std::int64_t> num_columns = std::nullopt,
           DType dtype = DType::Float32, std::optional<Device> device = std::nullopt);

// ---- nested initializer lists ------------------------------------------------

namespace detail {
[[noreturn]] void throw_ragged(int depth, std::int64_t expected, std::int64_t got);

template <class T> struct nested_list_traits {
  using value_type = T;
  static void flatten(const T& v, std::vector<T>& out, std::vector<std::int64_t>&, int) { out.push_back(v); }
};
template <class T> struct nested_list_traits<std::initializer_list<T>> {
  using value_type = typename nested_list_traits<T>::value_type;
  static void flatten(std::initializer_list<T> list, std::vector<value_type>& out, std::vector<std::int64_t>& dims,
                      int depth) {
    const auto n = static_cast<std::int64_t>(list.size());
    if (static_cast<int>(dims.size()) <= depth) dims.push_back(n);
    else if (dims[depth] != n) throw_ragged(depth, dims[depth], n);
    for (const auto& item : list) nested_list_traits<T>::flatten(item, out, dims, depth + 1);
  }
};
template <class List>
Tensor constant_from_list(List list, std::optional<DType> dtype, std::optional<Device> device) {
  using V = typename nested_list_traits<List>::value_type;
  using Stored = std::conditional_t<std::is_same_v<V, long>, std::int64_t,
                 std::conditional_t<std::is_same_v<V, long long>, std::int64_t,
                 std::conditional_t<std::is_same_v<V, unsigned char>, std::uint8_t, V>>>;
  std::vector<V> flat;
  std::vector<std::int64_t> dims;
  nested_list_traits<List>::flatten(list, flat, dims, 0);
  // A ragged list can still leave a dimension unseen (an empty inner list):
  // the element count then disagrees with the shape and constant() says so.
  std::vector<Stored> stored(flat.begin(), flat.end());
  return constant(stored, Shape(dims), dtype, device);
}
}  // namespace detail

template <class T>
Tensor constant(std::initializer_list<T> values, std::optional<DType> dtype, std::optional<Device> device) {
  return detail::constant_from_list(values, dtype, device);
}
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<T>> values, std::optional<DType> dtype,
                std::optional<Device> device) {
  return detail::constant_from_list(values, dtype, device);
}
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<std::initializer_list<T>>> values,
                std::optional<DType> dtype, std::optional<Device> device) {
  return detail::constant_from_list(values, dtype, device);
}
template <class T>
Tensor constant(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> values,
                std::optional<DType> dtype, std::optional<Device> device) {
  return detail::constant_from_list(values, dtype, device);
}

}  // namespace eager
