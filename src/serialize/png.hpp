#pragma once
// A PNG encoder for 8-bit images (TensorBoard's image summaries): signature,
// IHDR, IDAT chunks of one zlib stream, IEND, each chunk with its CRC-32.
// Each row gets the filter (none, sub, up, average, Paeth) whose output has
// the smallest sum of absolute values, libpng's heuristic for choosing
// filters, which usually compresses best.
#include <cstdint>
#include <string>

namespace eager::io::detail {

// PNG's limit on either dimension.
inline constexpr std::int64_t kMaxPngDimension = 0x7fffffff;

// Encodes `height` rows of `width` pixels of `channels` interleaved bytes
// each, top row first: 1 channel is gray, 2 gray + alpha, 3 RGB, 4 RGBA
// (PNG colour types 0, 4, 2, 6; bit depth 8, no interlacing). Throws
// InvalidArgument for channels outside 1..4 or a dimension outside
// [1, kMaxPngDimension], ResourceExhausted when zlib cannot get memory.
std::string encode_png(const std::uint8_t* pixels, std::int64_t height, std::int64_t width, int channels);

}  // namespace eager::io::detail
