#pragma once
#include <array>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "eager/memory.hpp"

namespace eager::detail {

// A caching allocator over some system allocator (the host heap, or
// cudaMalloc for one GPU). Sizes are rounded up to classes (powers of two
// with four steps each, so at most 25% waste) and freed blocks are kept in a
// free list per class. Beyond avoiding the system call, this is what lets
// large out-of-place ops run at memory bandwidth: reused host pages are
// already mapped, and a GPU training step asks cudaMalloc for nothing.
class CachingAllocator {
 public:
  virtual ~CachingAllocator() = default;

  // Returns a block of at least nbytes; *capacity receives the class size,
  // which must be passed back to deallocate. When the system is out of
  // memory the cache is returned to it and the request retried once; then
  // ResourceExhausted says how much was asked and how much is held.
  void* allocate(std::size_t nbytes, std::size_t* capacity);
  void deallocate(void* ptr, std::size_t capacity) noexcept;

  memory::Stats stats();
  void reset_peak();
  void empty_cache();
  void set_cache_limit(std::int64_t bytes);

  static std::size_t size_class(std::size_t nbytes, int* class_index);

 protected:
  // `name` starts the messages: "CPU allocator", "/device:GPU:0".
  explicit CachingAllocator(std::string name) : name_(std::move(name)) {}
  // Null when the system has no memory left; other failures throw.
  virtual void* system_allocate(std::size_t nbytes) = 0;
  virtual void system_free(void* ptr) noexcept = 0;
  // Appended to the out-of-memory message (a GPU's free and total memory).
  virtual std::string memory_details() { return {}; }

 private:
  static constexpr int kNumClasses = 64 * 4;
  std::string name_;
  std::mutex mutex_;
  std::array<std::vector<void*>, kNumClasses> free_lists_;
  memory::Stats stats_;
  std::int64_t cache_limit_ = std::int64_t{4} << 30;
};

// The host allocator: 64-byte aligned blocks from the C heap.
class CpuAllocator final : public CachingAllocator {
 public:
  static CpuAllocator& instance();

 private:
  CpuAllocator() : CachingAllocator("CPU allocator") {}
  void* system_allocate(std::size_t nbytes) override;
  void system_free(void* ptr) noexcept override;
};

}  // namespace eager::detail
