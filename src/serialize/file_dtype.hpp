#pragma once
// Element types as stored in files (safetensors, .npy), a superset of eager's
// dtypes. Reading widens the ones eager lacks without losing a value:
// int8, int16, uint16 -> int32; uint32 -> int64; float16, bfloat16 ->
// float32. uint64 has no lossless target and is refused. Every format eager
// reads is little-endian, as is every machine eager builds on.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "eager/dtype.hpp"

namespace eager::io::detail {

static_assert(std::endian::native == std::endian::little, "eager's file formats assume a little-endian host");

enum class FileDType : std::uint8_t {
  Bool, UInt8, Int8, Int16, UInt16, Int32, UInt32, Int64, UInt64, Float16, BFloat16, Float32, Float64
};

std::size_t file_itemsize(FileDType type);
// "float16", "uint32", ... for messages.
const char* file_dtype_name(FileDType type);
// The eager dtype a stored type is read as; nullopt for uint64.
std::optional<DType> widened_dtype(FileDType type);
// The stored type of an eager dtype (written as it is).
FileDType file_dtype_of(DType dtype);

// Converts `count` stored elements at `src` into eager elements at `dst`
// (of widened_dtype(type)). Bool bytes other than 0 read as true, as NumPy
// reads them. `src` need not be aligned.
void decode_elements(FileDType type, const void* src, std::int64_t count, void* dst);

}  // namespace eager::io::detail
