#include "file_dtype.hpp"

#include <cstring>

#include "eager/error.hpp"

namespace eager::io::detail {
namespace {

// IEEE binary16 to binary32, exact for every value including subnormals,
// infinities and NaN payloads.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exponent = (h >> 10) & 0x1fu;
  std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa != 0) {
    // Subnormal: shift the mantissa up until its leading one is implicit.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  } else {
    bits = sign;
  }
  return std::bit_cast<float>(bits);
}

template <class From, class To> void widen(const void* src, std::int64_t count, void* dst) {
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<To*>(dst);
  for (std::int64_t i = 0; i < count; ++i) {
    From value;
    std::memcpy(&value, in + i * static_cast<std::int64_t>(sizeof(From)), sizeof(From));
    out[i] = static_cast<To>(value);
  }
}

}  // namespace

std::size_t file_itemsize(FileDType type) {
  switch (type) {
    case FileDType::Bool:
    case FileDType::UInt8:
    case FileDType::Int8: return 1;
    case FileDType::Int16:
    case FileDType::UInt16:
    case FileDType::Float16:
    case FileDType::BFloat16: return 2;
    case FileDType::Int32:
    case FileDType::UInt32:
    case FileDType::Float32: return 4;
    case FileDType::Int64:
    case FileDType::UInt64:
    case FileDType::Float64: return 8;
  }
  return 0;
}

const char* file_dtype_name(FileDType type) {
  switch (type) {
    case FileDType::Bool: return "bool";
    case FileDType::UInt8: return "uint8";
    case FileDType::Int8: return "int8";
    case FileDType::Int16: return "int16";
    case FileDType::UInt16: return "uint16";
    case FileDType::Int32: return "int32";
    case FileDType::UInt32: return "uint32";
    case FileDType::Int64: return "int64";
    case FileDType::UInt64: return "uint64";
    case FileDType::Float16: return "float16";
    case FileDType::BFloat16: return "bfloat16";
    case FileDType::Float32: return "float32";
    case FileDType::Float64: return "float64";
  }
  return "?";
}

std::optional<DType> widened_dtype(FileDType type) {
  switch (type) {
    case FileDType::Bool: return DType::Bool;
    case FileDType::UInt8: return DType::UInt8;
    case FileDType::Int8:
    case FileDType::Int16:
    case FileDType::UInt16:
    case FileDType::Int32: return DType::Int32;
    case FileDType::UInt32:
    case FileDType::Int64: return DType::Int64;
    case FileDType::UInt64: return std::nullopt;
    case FileDType::Float16:
    case FileDType::BFloat16:
    case FileDType::Float32: return DType::Float32;
    case FileDType::Float64: return DType::Float64;
  }
  return std::nullopt;
}

FileDType file_dtype_of(DType dtype) {
  switch (dtype) {
    case DType::Bool: return FileDType::Bool;
    case DType::UInt8: return FileDType::UInt8;
    case DType::Int32: return FileDType::Int32;
    case DType::Int64: return FileDType::Int64;
    case DType::Float32: return FileDType::Float32;
    case DType::Float64: return FileDType::Float64;
  }
  throw InvalidArgument("file_dtype_of: unknown dtype");
}

void decode_elements(FileDType type, const void* src, std::int64_t count, void* dst) {
  if (count <= 0) return;
  switch (type) {
    case FileDType::Bool: {
      const auto* in = static_cast<const unsigned char*>(src);
      auto* out = static_cast<bool*>(dst);
      for (std::int64_t i = 0; i < count; ++i) out[i] = in[i] != 0;
      return;
    }
    case FileDType::UInt8:
    case FileDType::Int32:
    case FileDType::Int64:
    case FileDType::Float32:
    case FileDType::Float64:
      std::memcpy(dst, src, static_cast<std::size_t>(count) * file_itemsize(type));
      return;
    case FileDType::Int8: return widen<std::int8_t, std::int32_t>(src, count, dst);
    case FileDType::Int16: return widen<std::int16_t, std::int32_t>(src, count, dst);
    case FileDType::UInt16: return widen<std::uint16_t, std::int32_t>(src, count, dst);
    case FileDType::UInt32: return widen<std::uint32_t, std::int64_t>(src, count, dst);
    case FileDType::Float16: {
      const auto* in = static_cast<const unsigned char*>(src);
      auto* out = static_cast<float*>(dst);
      for (std::int64_t i = 0; i < count; ++i) {
        std::uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      return;
    }
    case FileDType::BFloat16: {
      const auto* in = static_cast<const unsigned char*>(src);
      auto* out = static_cast<float*>(dst);
      for (std::int64_t i = 0; i < count; ++i) {
        std::uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16);
      }
      return;
    }
    case FileDType::UInt64: break;
  }
  throw Unimplemented(std::string("cannot read ") + file_dtype_name(type) + " elements: eager has no dtype that holds them");
}

}  // namespace eager::io::detail
