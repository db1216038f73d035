#pragma once
// The JSON header of a safetensors file: building it for a save, and parsing
// and validating it for a load. Every rule the reader enforces is numbered in
// docs/checkpoint-format.md; the messages here quote those rules.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eager/io/safetensors.hpp"
#include "file_dtype.hpp"

namespace eager::io::detail {

// The Rust crate's MAX_HEADER_SIZE: readers refuse longer headers.
inline constexpr std::uint64_t kMaxSafetensorsHeaderSize = 100'000'000;

// "F32", "BF16", ...: the names safetensors writes.
const char* safetensors_dtype_name(FileDType type);
std::optional<FileDType> safetensors_dtype_from_name(std::string_view name);

// Where safetensors puts a dtype when it sorts tensors for a save: larger
// ranks first (U64, I64, F64, F32, U32, I32, BF16, F16, U16, I16, I8, U8,
// BOOL), so that every tensor's data is aligned to its element size.
int safetensors_dtype_rank(FileDType type);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF); the offset of the first bad byte otherwise.
std::optional<std::size_t> invalid_utf8_offset(std::string_view text);

// The header of `entries` (already in data order with their offsets set) and
// `metadata` as the Rust crate serialises it: compact JSON, "__metadata__"
// first when there is any, then the tensors in data order, padded with spaces
// to a multiple of 8 bytes. Names and metadata must be valid UTF-8.
std::string build_safetensors_header(const std::vector<SafetensorsEntry>& entries, const Metadata& metadata);

struct ParsedSafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // in data order
  std::vector<FileDType> file_dtypes;     // entries[i]'s stored type
  Metadata metadata;
};

// Parses and validates `header` (the N bytes after the length) of the file
// `path` whose data section holds `data_size` bytes. DataLoss naming the file
// and the rule broken.
ParsedSafetensorsHeader parse_safetensors_header(const std::string& path, std::string_view header,
                                                 std::uint64_t data_size);

}  // namespace eager::io::detail
