#pragma once
// Shape: the dimensions of a tensor. Ranks up to kInlineRank live inside the
// object, so creating a tensor does not allocate for its shape; larger ranks
// spill to the heap.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace eager {

class Shape {
 public:
  static constexpr int kInlineRank = 6;

  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(std::span<const std::int64_t> dims) { assign(dims.data(), dims.size()); }
  explicit Shape(const std::vector<std::int64_t>& dims) { assign(dims.data(), dims.size()); }
  Shape(const Shape& other) { assign(other.data(), other.rank_); }
  Shape(Shape&& other) noexcept : rank_(other.rank_), inline_(other.inline_), heap_(std::move(other.heap_)) {
    other.rank_ = 0;
  }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.data(), other.rank_);
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    rank_ = other.rank_;
    inline_ = other.inline_;
    heap_ = std::move(other.heap_);
    other.rank_ = 0;
    return *this;
  }

  // A shape of `rank` dimensions, each `fill`.
  static Shape filled(int rank, std::int64_t fill);

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return data()[i]; }
  std::int64_t& operator[](int i) { return data()[i]; }
  const std::int64_t* data() const { return heap_ ? heap_.get() : inline_.data(); }
  std::int64_t* data() { return heap_ ? heap_.get() : inline_.data(); }
  const std::int64_t* begin() const { return data(); }
  const std::int64_t* end() const { return data() + rank_; }
  std::span<const std::int64_t> dims() const { return {data(), static_cast<std::size_t>(rank_)}; }
  std::vector<std::int64_t> to_vector() const { return {begin(), end()}; }

  // Product of the dimensions; 1 for a scalar. Throws InvalidArgument on
  // overflow of int64.
  std::int64_t num_elements() const;

  void push_back(std::int64_t d);
  void insert(int pos, std::int64_t d);
  void erase(int pos);

  // "(2, 3)", "()", "(5,)": Python tuple style as TensorFlow prints shapes.
  std::string to_string() const;

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  void assign(const std::int64_t* dims, std::size_t rank);

  int rank_ = 0;
  std::array<std::int64_t, kInlineRank> inline_{};
  std::unique_ptr<std::int64_t[]> heap_;
};

// Strides are counted in elements, as TensorFlow and NumPy views would with
// itemsize 1; they share Shape's storage rules.
using Strides = Shape;

}  // namespace eager
