#pragma once
// How pipeline elements are batched and unbatched. An element is an ordinary
// C++ value; batch(n) turns n of them into one value of type Batched<T>:
//
//   element T                       Batched<T>
//   Tensor of shape S               Tensor of shape [n, S...] (eager::stack)
//   arithmetic (int64_t, float...)  1-D Tensor of the matching dtype
//   bool                            1-D bool Tensor
//   std::string                     std::vector<std::string>
//   std::tuple<A, B, ...>           std::tuple<Batched<A>, Batched<B>, ...>
//   std::pair<A, B>                 std::pair<Batched<A>, Batched<B>>
//   std::map<std::string, E>        std::map<std::string, Batched<E>> (same keys required)
//
// unbatch() goes back: Unbatched<Tensor> is Tensor (slices along axis 0),
// tuples and maps are sliced component-wise (all components need the same
// first dimension), std::vector<std::string> gives strings.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/creation.hpp"
#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager::data {

template <class T> struct ElementTraits;  // specialised below for every batchable element type

template <class T> using Batched = typename ElementTraits<T>::Batched;

namespace detail {

// Throws InvalidArgument unless every tensor has the shape of the first one;
// the message points to padded_batch, the usual fix.
void check_batch_shapes(const std::vector<Tensor>& elements);
// eager::stack along a new axis 0, after check_batch_shapes (on the CPU and
// outside a recording tape: one allocation and a memcpy per element).
Tensor stack_batch(const std::vector<Tensor>& elements);
// A 1-D tensor of `count` values of `dtype` copied from `data`.
Tensor vector_tensor(const void* data, std::int64_t count, DType dtype);
// Throws InvalidArgument when unbatching a rank-0 tensor.
void check_unbatchable(const Tensor& t);
[[noreturn]] void throw_map_keys_differ(const std::string& key);
[[noreturn]] void throw_unbatch_sizes_differ(std::int64_t first, std::int64_t other);

template <class T> struct is_tuple : std::false_type {};
template <class... A> struct is_tuple<std::tuple<A...>> : std::true_type {};
template <class A, class B> struct is_tuple<std::pair<A, B>> : std::true_type {};

// The i-th component of every element of a batch of tuples.
template <std::size_t I, class Tuple> auto column(std::vector<Tuple>& batch) {
  std::vector<std::decay_t<std::tuple_element_t<I, Tuple>>> out;
  out.reserve(batch.size());
  for (auto& element : batch) out.push_back(std::move(std::get<I>(element)));
  return out;
}

}  // namespace detail

template <> struct ElementTraits<Tensor> {
  using Batched = Tensor;
  static Tensor batch(std::vector<Tensor>& elements) { return detail::stack_batch(elements); }
  static std::int64_t batch_size(const Tensor& batch) {
    detail::check_unbatchable(batch);
    return batch.dim(0);
  }
  static Tensor slice(const Tensor& batch, std::int64_t i) { return batch[i]; }
};

template <class T>
  requires std::is_arithmetic_v<T>
struct ElementTraits<T> {
  using Batched = Tensor;
  static Tensor batch(std::vector<T>& elements) {
    // Types with an eager dtype are copied as they are (vector<bool> has no
    // contiguous data); others (char, unsigned, ...) convert via constant().
    if constexpr (!std::is_same_v<T, bool> && requires { dtype_of<T>::value; }) {
      return detail::vector_tensor(elements.data(), std::int64_t(elements.size()), dtype_v<T>);
    } else {
      return constant(elements, Shape{std::int64_t(elements.size())});
    }
  }
};

template <> struct ElementTraits<std::string> {
  using Batched = std::vector<std::string>;
  static std::vector<std::string> batch(std::vector<std::string>& elements) { return std::move(elements); }
};

template <> struct ElementTraits<std::vector<std::string>> {
  static std::int64_t batch_size(const std::vector<std::string>& batch) { return std::int64_t(batch.size()); }
  static std::string slice(const std::vector<std::string>& batch, std::int64_t i) { return batch[i]; }
};

template <class... A> struct ElementTraits<std::tuple<A...>> {
  using Batched = std::tuple<data::Batched<A>...>;

  static Batched batch(std::vector<std::tuple<A...>>& elements) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return Batched{batch_column<I>(elements)...};
    }(std::index_sequence_for<A...>{});
  }
  static std::int64_t batch_size(const std::tuple<A...>& batch) {
    std::int64_t size = -1;
    std::apply(
        [&](const auto&... parts) {
          auto check = [&](std::int64_t n) {
            if (size >= 0 && n != size) detail::throw_unbatch_sizes_differ(size, n);
            size = n;
          };
          (check(ElementTraits<std::decay_t<decltype(parts)>>::batch_size(parts)), ...);
        },
        batch);
    return size;
  }
  static auto slice(const std::tuple<A...>& batch, std::int64_t i) {
    return std::apply(
        [&](const auto&... parts) {
          return std::make_tuple(ElementTraits<std::decay_t<decltype(parts)>>::slice(parts, i)...);
        },
        batch);
  }

 private:
  template <std::size_t I> static auto batch_column(std::vector<std::tuple<A...>>& elements) {
    auto column = detail::column<I>(elements);
    return ElementTraits<std::tuple_element_t<I, std::tuple<A...>>>::batch(column);
  }
};

template <class A, class B> struct ElementTraits<std::pair<A, B>> {
  using Batched = std::pair<data::Batched<A>, data::Batched<B>>;
  static Batched batch(std::vector<std::pair<A, B>>& elements) {
    auto first = detail::column<0>(elements);
    auto second = detail::column<1>(elements);
    return {ElementTraits<A>::batch(first), ElementTraits<B>::batch(second)};
  }
};

template <class E> struct ElementTraits<std::map<std::string, E>> {
  using Batched = std::map<std::string, data::Batched<E>>;
  static Batched batch(std::vector<std::map<std::string, E>>& elements) {
    Batched out;
    for (const auto& [key, unused] : elements.front()) {
      std::vector<E> column;
      column.reserve(elements.size());
      for (auto& element : elements) {
        auto it = element.find(key);
        if (it == element.end() || element.size() != elements.front().size()) detail::throw_map_keys_differ(key);
        column.push_back(std::move(it->second));
      }
      out.emplace(key, ElementTraits<E>::batch(column));
    }
    return out;
  }
  static std::int64_t batch_size(const std::map<std::string, E>& batch) {
    std::int64_t size = -1;
    for (const auto& [key, part] : batch) {
      const std::int64_t n = ElementTraits<E>::batch_size(part);
      if (size >= 0 && n != size) detail::throw_unbatch_sizes_differ(size, n);
      size = n;
    }
    return std::max<std::int64_t>(size, 0);
  }
  static auto slice(const std::map<std::string, E>& batch, std::int64_t i) {
    std::map<std::string, decltype(ElementTraits<E>::slice(batch.begin()->second, i))> out;
    for (const auto& [key, part] : batch) out.emplace(key, ElementTraits<E>::slice(part, i));
    return out;
  }
};

// True for element types batch() accepts.
template <class T>
concept Batchable = requires(std::vector<T>& v) { ElementTraits<T>::batch(v); };
// True for element types unbatch() accepts.
template <class T>
concept Unbatchable = requires(const T& t) {
  ElementTraits<T>::batch_size(t);
  ElementTraits<T>::slice(t, std::int64_t{0});
};
template <Unbatchable T>
using Unbatched = decltype(ElementTraits<T>::slice(std::declval<const T&>(), std::int64_t{0}));

}  // namespace eager::data
