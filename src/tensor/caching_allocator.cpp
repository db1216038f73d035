#include "caching_allocator.hpp"

#include <bit>
#include <cstdlib>
#include <string>

#include "eager/error.hpp"

namespace eager::detail {

namespace {
constexpr std::size_t kAlignment = 64;
}

std::size_t CachingAllocator::size_class(std::size_t nbytes, int* class_index) {
  if (nbytes <= kAlignment) {
    *class_index = 0;
    return kAlignment;
  }
  // Classes: 2^k * (4 + q) / 4 for q in 0..3.
  const int k = std::bit_width(nbytes - 1) - 1;  // 2^k < nbytes <= 2^(k+1)
  const std::size_t step = std::size_t{1} << (k - 2 < 0 ? 0 : k - 2);
  const std::size_t q = (nbytes - (std::size_t{1} << k) + step - 1) / step;  // 1..4
  *class_index = k * 4 + static_cast<int>(q) - 1;
  return (std::size_t{1} << k) + q * step;
}

void* CachingAllocator::allocate(std::size_t nbytes, std::size_t* capacity) {
  // No machine has this much memory, and the size classes above it would
  // overflow size_t.
  if (nbytes > (std::size_t{1} << 60))
    throw ResourceExhausted(name_ + ": cannot allocate " + std::to_string(nbytes) + " bytes");
  int index = 0;
  const std::size_t size = size_class(nbytes, &index);
  *capacity = size;
  const auto signed_size = static_cast<std::int64_t>(size);
  auto count_allocated = [&] {
    stats_.allocated_bytes += signed_size;
    if (stats_.allocated_bytes > stats_.peak_allocated_bytes) stats_.peak_allocated_bytes = stats_.allocated_bytes;
  };
  {
    std::lock_guard lock(mutex_);
    auto& list = free_lists_[index];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      stats_.cached_bytes -= signed_size;
      count_allocated();
      return p;
    }
  }
  void* p = system_allocate(size);
  if (p == nullptr) {
    empty_cache();
    p = system_allocate(size);
  }
  if (p == nullptr) {
    std::int64_t held = 0;
    {
      std::lock_guard lock(mutex_);
      held = stats_.allocated_bytes;
    }
    throw ResourceExhausted(name_ + ": out of memory allocating " + std::to_string(nbytes) + " bytes (" +
                            std::to_string(held) + " bytes held by tensors; the cache was emptied first" +
                            memory_details() + ")");
  }
  std::lock_guard lock(mutex_);
  ++stats_.system_allocations;
  count_allocated();
  return p;
}

void CachingAllocator::deallocate(void* ptr, std::size_t capacity) noexcept {
  int index = 0;
  size_class(capacity, &index);
  {
    std::lock_guard lock(mutex_);
    stats_.allocated_bytes -= static_cast<std::int64_t>(capacity);
    if (stats_.cached_bytes + static_cast<std::int64_t>(capacity) <= cache_limit_) {
      free_lists_[index].push_back(ptr);
      stats_.cached_bytes += static_cast<std::int64_t>(capacity);
      return;
    }
  }
  system_free(ptr);
}

memory::Stats CachingAllocator::stats() {
  std::lock_guard lock(mutex_);
  memory::Stats s = stats_;
  s.reserved_bytes = s.allocated_bytes + s.cached_bytes;
  return s;
}

void CachingAllocator::reset_peak() {
  std::lock_guard lock(mutex_);
  stats_.peak_allocated_bytes = stats_.allocated_bytes;
}

void CachingAllocator::empty_cache() {
  std::array<std::vector<void*>, kNumClasses> released;
  {
    std::lock_guard lock(mutex_);
    released.swap(free_lists_);
    stats_.cached_bytes = 0;
  }
  for (auto& list : released)
    for (void* p : list) system_free(p);
}

void CachingAllocator::set_cache_limit(std::int64_t bytes) {
  if (bytes < 0) throw InvalidArgument("memory::set_cache_limit: limit must be >= 0, got " + std::to_string(bytes));
  {
    std::lock_guard lock(mutex_);
    cache_limit_ = bytes;
  }
  empty_cache();
}

CpuAllocator& CpuAllocator::instance() {
  // Never destroyed: tensors in static storage may be freed after main.
  static auto* allocator = new CpuAllocator;
  return *allocator;
}

void* CpuAllocator::system_allocate(std::size_t nbytes) {
  // aligned_alloc wants a multiple of the alignment; small classes are not.
  return std::aligned_alloc(kAlignment, (nbytes + kAlignment - 1) / kAlignment * kAlignment);
}

void CpuAllocator::system_free(void* ptr) noexcept { std::free(ptr); }

}  // namespace eager::detail
