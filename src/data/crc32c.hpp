#pragma once
// The two CRC32C implementations behind eager::data::crc32c, exposed to the
// tests so that each can be checked against known vectors and the other.
#include <cstddef>
#include <cstdint>

namespace eager::data::detail {

// Table-driven (slicing-by-8); runs on any CPU. Same contract as crc32c().
std::uint32_t crc32c_software(const void* data, std::size_t size, std::uint32_t crc);

// True when this CPU has the SSE4.2 crc32 instruction and this build can use it.
bool crc32c_hardware_available();

// SSE4.2 crc32, three interleaved streams. Call only when
// crc32c_hardware_available(); same contract as crc32c().
std::uint32_t crc32c_hardware(const void* data, std::size_t size, std::uint32_t crc);

}  // namespace eager::data::detail
