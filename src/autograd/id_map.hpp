#pragma once
// A map from tensor ids to values with open addressing, for the tape's
// per-op bookkeeping: one allocation per table instead of one per entry,
// which is most of a tiny tape's cost with std::unordered_map. Ids are never
// 0 (next_tensor_id starts at 1), so 0 marks an empty slot. There is no
// erase: callers reset a value instead.
#include <cstdint>
#include <utility>
#include <vector>

namespace eager::autograd {

template <class V> class IdMap {
 public:
  V* find(std::uint64_t id) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (slots_[i].id == id) return &slots_[i].value;
      if (slots_[i].id == 0) return nullptr;
    }
  }
  const V* find(std::uint64_t id) const { return const_cast<IdMap*>(this)->find(id); }
  bool contains(std::uint64_t id) const { return find(id) != nullptr; }

  // Inserts `value` under `id` unless present; returns the stored value and
  // whether it was inserted.
  std::pair<V*, bool> insert(std::uint64_t id, V value) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (slots_[i].id == id) return {&slots_[i].value, false};
      if (slots_[i].id == 0) {
        slots_[i].id = id;
        slots_[i].value = std::move(value);
        ++size_;
        return {&slots_[i].value, true};
      }
    }
  }

  void clear() {
    slots_.clear();
    size_ = 0;
  }

 private:
  struct Slot {
    std::uint64_t id = 0;
    V value{};
  };
  std::size_t mask() const { return slots_.size() - 1; }
  // Fibonacci hashing: consecutive ids land far apart.
  std::size_t home(std::uint64_t id) const {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 32) & mask();
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    size_ = 0;
    for (Slot& s : old)
      if (s.id != 0) insert(s.id, std::move(s.value));
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

struct Present {};
using IdSet = IdMap<Present>;

}  // namespace eager::autograd
