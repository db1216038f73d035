#pragma once
#include <array>
#include <cstddef>
#include <mutex>
#include <vector>

#include "eager/memory.hpp"

namespace eager::detail {

// Caching host allocator. Sizes are rounded up to classes (powers of two with
// four steps each, so at most 25% waste) and freed blocks are kept in a free
// list per class. Beyond avoiding malloc, this is what lets large
// out-of-place ops run at memory bandwidth: reused pages are already mapped,
// so they do not page-fault on first touch.
class CpuAllocator {
 public:
  static CpuAllocator& instance();

  // Returns a 64-byte aligned block of at least nbytes; *capacity receives the
  // class size, which must be passed back to deallocate.
  void* allocate(std::size_t nbytes, std::size_t* capacity);
  void deallocate(void* ptr, std::size_t capacity);

  memory::Stats stats();
  void reset_peak();
  void empty_cache();
  void set_cache_limit(std::int64_t bytes);

  static std::size_t size_class(std::size_t nbytes, int* class_index);

 private:
  static constexpr int kNumClasses = 64 * 4;
  std::mutex mutex_;
  std::array<std::vector<void*>, kNumClasses> free_lists_;
  memory::Stats stats_;
  std::int64_t cache_limit_ = std::int64_t{4} << 30;
};

}  // namespace eager::detail
