#include "png.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "eager/error.hpp"

namespace eager::io::detail {
namespace {

constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
// Bytes of the zlib stream per IDAT chunk (any size up to 2^31 - 1 is valid).
constexpr std::size_t kMaxIdatSize = std::size_t{1} << 20;
// Output space zlib gets per call, and the most input it is handed at once
// (its counters are 32-bit).
constexpr std::size_t kDeflateOutputStep = std::size_t{1} << 16;
constexpr std::size_t kMaxDeflateInput = std::size_t{1} << 30;
constexpr int kNumFilters = 5;  // none, sub, up, average, Paeth

void append_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void append_chunk(std::string& out, std::string_view type, std::string_view data) {
  append_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type);
  out.append(data);
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start));
  append_be32(out, static_cast<std::uint32_t>(crc));
}

std::uint8_t paeth_predictor(int left, int up, int up_left) {
  const int estimate = left + up - up_left;
  const int to_left = std::abs(estimate - left);
  const int to_up = std::abs(estimate - up);
  const int to_up_left = std::abs(estimate - up_left);
  if (to_left <= to_up && to_left <= to_up_left) return static_cast<std::uint8_t>(left);
  if (to_up <= to_up_left) return static_cast<std::uint8_t>(up);
  return static_cast<std::uint8_t>(up_left);
}

// Writes the filter byte and the row filtered with `filter` (PNG spec,
// section 9.2; `prior` is the previous row, zeros for the first) and returns
// the sum of the filtered bytes read as signed values, by magnitude.
std::uint64_t filter_row(int filter, const std::uint8_t* row, const std::uint8_t* prior, std::size_t n, int bpp,
                         std::uint8_t* out) {
  out[0] = static_cast<std::uint8_t>(filter);
  std::uint64_t cost = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int left = i >= static_cast<std::size_t>(bpp) ? row[i - bpp] : 0;
    const int up = prior[i];
    const int up_left = i >= static_cast<std::size_t>(bpp) ? prior[i - bpp] : 0;
    int predicted = 0;
    switch (filter) {
      case 1: predicted = left; break;
      case 2: predicted = up; break;
      case 3: predicted = (left + up) / 2; break;
      case 4: predicted = paeth_predictor(left, up, up_left); break;
      default: break;
    }
    const auto value = static_cast<std::uint8_t>(row[i] - predicted);
    out[i + 1] = value;
    cost += static_cast<std::uint64_t>(std::abs(static_cast<int>(static_cast<std::int8_t>(value))));
  }
  return cost;
}

// One zlib stream appended to a string.
class Deflater {
 public:
  Deflater() {
    if (deflateInit(&stream_, Z_DEFAULT_COMPRESSION) != Z_OK)
      throw ResourceExhausted("encode_png: zlib could not start compressing");
  }
  ~Deflater() { deflateEnd(&stream_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // Compresses `n` bytes (Z_NO_FLUSH) or ends the stream (Z_FINISH, n = 0).
  void add(const std::uint8_t* data, std::size_t n, int mode) {
    do {
      const std::size_t step = std::min(n, kMaxDeflateInput);
      stream_.next_in = const_cast<Bytef*>(data);
      stream_.avail_in = static_cast<uInt>(step);
      const int step_mode = step == n ? mode : Z_NO_FLUSH;
      do {
        stream_.next_out = staging_.data();
        stream_.avail_out = static_cast<uInt>(staging_.size());
        if (deflate(&stream_, step_mode) == Z_STREAM_ERROR) throw ResourceExhausted("encode_png: zlib failed");
        output_.append(reinterpret_cast<const char*>(staging_.data()), staging_.size() - stream_.avail_out);
      } while (stream_.avail_out == 0);
      data += step;
      n -= step;
    } while (n > 0);
  }

  const std::string& output() const { return output_; }

 private:
  z_stream stream_{};
  std::vector<Bytef> staging_ = std::vector<Bytef>(kDeflateOutputStep);
  std::string output_;
};

}  // namespace

std::string encode_png(const std::uint8_t* pixels, std::int64_t height, std::int64_t width, int channels) {
  if (channels < 1 || channels > 4)
    throw InvalidArgument("encode_png: channels must be 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA), got " +
                          std::to_string(channels));
  if (height < 1 || height > kMaxPngDimension || width < 1 || width > kMaxPngDimension)
    throw InvalidArgument("encode_png: height and width must be in [1, " + std::to_string(kMaxPngDimension) +
                          "], got " + std::to_string(height) + " x " + std::to_string(width));
  static constexpr std::array<char, 4> kColourType = {0, 4, 2, 6};
  const std::size_t row_bytes = static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);

  Deflater deflater;
  const std::vector<std::uint8_t> zero_row(row_bytes, 0);
  std::vector<std::uint8_t> candidates(kNumFilters * (row_bytes + 1));
  for (std::int64_t y = 0; y < height; ++y) {
    const std::uint8_t* row = pixels + static_cast<std::size_t>(y) * row_bytes;
    const std::uint8_t* prior = y == 0 ? zero_row.data() : row - row_bytes;
    int best = 0;
    std::uint64_t best_cost = 0;
    for (int filter = 0; filter < kNumFilters; ++filter) {
      const std::uint64_t cost =
          filter_row(filter, row, prior, row_bytes, channels, candidates.data() + filter * (row_bytes + 1));
      if (filter == 0 || cost < best_cost) {
        best = filter;
        best_cost = cost;
      }
    }
    deflater.add(candidates.data() + best * (row_bytes + 1), row_bytes + 1, Z_NO_FLUSH);
  }
  deflater.add(nullptr, 0, Z_FINISH);
  const std::string& compressed = deflater.output();

  std::string header;
  append_be32(header, static_cast<std::uint32_t>(width));
  append_be32(header, static_cast<std::uint32_t>(height));
  header += {8, kColourType[static_cast<std::size_t>(channels - 1)], 0, 0, 0};  // depth, colour, deflate, filters, no interlace

  std::string png(kSignature);
  png.reserve(compressed.size() + compressed.size() / kMaxIdatSize * 12 + 64);
  append_chunk(png, "IHDR", header);
  for (std::size_t at = 0; at < compressed.size(); at += kMaxIdatSize)
    append_chunk(png, "IDAT", std::string_view(compressed).substr(at, kMaxIdatSize));
  append_chunk(png, "IEND", {});
  return png;
}

}  // namespace eager::io::detail
