#include "eager/shape.hpp"

#include <algorithm>
#include <limits>

#include "eager/error.hpp"

namespace eager {

void Shape::assign(const std::int64_t* dims, std::size_t rank) {
  if (rank > static_cast<std::size_t>(kInlineRank)) {
    auto heap = std::make_unique<std::int64_t[]>(rank);
    std::copy(dims, dims + rank, heap.get());
    heap_ = std::move(heap);
  } else {
    // Copy first: dims may point into our own heap block.
    std::copy(dims, dims + rank, inline_.data());
    heap_.reset();
  }
  rank_ = static_cast<int>(rank);
}

Shape Shape::filled(int rank, std::int64_t fill) {
  Shape s;
  if (rank > kInlineRank) s.heap_ = std::make_unique<std::int64_t[]>(static_cast<std::size_t>(rank));
  s.rank_ = rank;
  std::fill(s.data(), s.data() + rank, fill);
  return s;
}

std::int64_t Shape::num_elements() const {
  std::int64_t n = 1;
  for (auto d : dims()) {
    if (d < 0) throw InvalidArgument("Shape " + to_string() + " has a negative dimension");
    if (d == 0) n = 0;
  }
  if (n == 0) return 0;
  for (auto d : dims()) {
    if (n > std::numeric_limits<std::int64_t>::max() / d)
      throw InvalidArgument("Shape " + to_string() + " has more elements than fit in int64");
    n *= d;
  }
  return n;
}

void Shape::insert(int pos, std::int64_t d) {
  if (!heap_ && rank_ < kInlineRank) {
    std::copy_backward(inline_.begin() + pos, inline_.begin() + rank_, inline_.begin() + rank_ + 1);
    inline_[static_cast<std::size_t>(pos)] = d;
    ++rank_;
    return;
  }
  std::vector<std::int64_t> v = to_vector();
  v.insert(v.begin() + pos, d);
  assign(v.data(), v.size());
}

void Shape::push_back(std::int64_t d) { insert(rank_, d); }

void Shape::erase(int pos) {
  std::int64_t* p = data();
  std::copy(p + pos + 1, p + rank_, p + pos);
  --rank_;
}

std::string Shape::to_string() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string((*this)[i]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

bool operator==(const Shape& a, const Shape& b) {
  return a.rank_ == b.rank_ && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace eager
