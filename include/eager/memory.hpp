#pragma once
// Memory statistics of the caching allocators. Freed tensor memory is kept
// for reuse by size class, so a training step in steady state asks the
// operating system for nothing; empty_cache() returns the kept blocks.
#include <cstdint>

#include "eager/device.hpp"

namespace eager::memory {

struct Stats {
  std::int64_t allocated_bytes = 0;       // held by live tensors (rounded to size classes)
  std::int64_t peak_allocated_bytes = 0;
  std::int64_t cached_bytes = 0;          // freed, kept for reuse
  std::int64_t reserved_bytes = 0;        // allocated + cached
  std::int64_t system_allocations = 0;    // times the allocator asked the system for memory
};

Stats stats(Device device = Device::cpu());
void reset_peak(Device device = Device::cpu());
void empty_cache(Device device = Device::cpu());
// Freed blocks beyond this many cached bytes go back to the system (default 4 GiB).
void set_cache_limit(std::int64_t bytes, Device device = Device::cpu());

}  // namespace eager::memory
