// CRC32C (Castagnoli), the checksum of TFRecord framing. Reading a TFRecord
// file checks every byte, so the checksum has to run far faster than the
// file's bytes arrive: with SSE4.2 the crc32 instruction does 8 bytes per
// cycle once three independent streams hide its 3-cycle latency; elsewhere a
// slicing-by-8 table does about 1 byte per cycle.
#include "data/crc32c.hpp"

#include <array>
#include <bit>
#include <cstring>

#include "eager/data/tfrecord.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EAGER_CRC32C_SSE42 1
#include <nmmintrin.h>
#endif

namespace eager::data {
namespace detail {
namespace {

// The reflected Castagnoli polynomial.
constexpr std::uint32_t kPoly = 0x82F63B78u;

using Table = std::array<std::uint32_t, 256>;

// kSlices[k][b]: the CRC register after byte b followed by k zero bytes,
// starting from a zero register. Slicing-by-8 looks up all 8 bytes of a word
// at once with it.
constexpr std::array<Table, 8> make_slices() {
  std::array<Table, 8> t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t c = b;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[0][b] = c;
  }
  for (int k = 1; k < 8; ++k)
    for (std::uint32_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}
constexpr std::array<Table, 8> kSlices = make_slices();

std::uint64_t load_u64(const unsigned char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

std::uint32_t crc32c_software(const void* data, std::size_t size, std::uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~crc;
  if constexpr (std::endian::native == std::endian::little) {
    for (; size >= 8; size -= 8, p += 8) {
      const std::uint64_t w = load_u64(p) ^ c;
      c = kSlices[7][w & 0xff] ^ kSlices[6][(w >> 8) & 0xff] ^ kSlices[5][(w >> 16) & 0xff] ^
          kSlices[4][(w >> 24) & 0xff] ^ kSlices[3][(w >> 32) & 0xff] ^ kSlices[2][(w >> 40) & 0xff] ^
          kSlices[1][(w >> 48) & 0xff] ^ kSlices[0][w >> 56];
    }
  }
  for (; size > 0; --size, ++p) c = kSlices[0][(c ^ *p) & 0xff] ^ (c >> 8);
  return ~c;
}

#ifdef EAGER_CRC32C_SSE42
namespace {

// The three streams each take kLong (or kShort) bytes; their registers are
// then joined by "shifting" one register over n zero bytes, a linear map
// applied with four byte-indexed tables (Mark Adler's method, as in zlib's
// crc32_combine). Both sizes must be powers of two for make_shift below.
constexpr std::size_t kLong = 8192;
constexpr std::size_t kShort = 256;

using Matrix = std::array<std::uint32_t, 32>;  // column i: the image of bit i

constexpr std::uint32_t times(const Matrix& m, std::uint32_t v) {
  std::uint32_t sum = 0;
  for (int i = 0; v != 0; ++i, v >>= 1)
    if (v & 1) sum ^= m[i];
  return sum;
}

constexpr Matrix square(const Matrix& m) {
  Matrix out{};
  for (int i = 0; i < 32; ++i) out[i] = times(m, m[i]);
  return out;
}

// The register map for `bytes` zero bytes (a power of two), as 4 tables.
constexpr std::array<Table, 4> make_shift(std::size_t bytes) {
  Matrix op{};  // one zero bit
  op[0] = kPoly;
  for (int i = 1; i < 32; ++i) op[i] = std::uint32_t{1} << (i - 1);
  for (int i = 0; i < 3; ++i) op = square(op);  // one zero byte
  for (std::size_t n = bytes; n > 1; n >>= 1) op = square(op);
  std::array<Table, 4> t{};
  for (std::uint32_t b = 0; b < 256; ++b)
    for (int k = 0; k < 4; ++k) t[k][b] = times(op, b << (8 * k));
  return t;
}
constexpr std::array<Table, 4> kShiftLong = make_shift(kLong);
constexpr std::array<Table, 4> kShiftShort = make_shift(kShort);

std::uint64_t shift(const std::array<Table, 4>& t, std::uint64_t c) {
  return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][(c >> 24) & 0xff];
}

// Runs three streams over blocks of 3 * n bytes while they last.
__attribute__((target("sse4.2"))) std::uint64_t three_streams(const unsigned char*& p, std::size_t& size,
                                                              std::uint64_t c0, std::size_t n,
                                                              const std::array<Table, 4>& joiner) {
  while (size >= 3 * n) {
    std::uint64_t c1 = 0, c2 = 0;
    for (const unsigned char* end = p + n; p < end; p += 8) {
      c0 = _mm_crc32_u64(c0, load_u64(p));
      c1 = _mm_crc32_u64(c1, load_u64(p + n));
      c2 = _mm_crc32_u64(c2, load_u64(p + 2 * n));
    }
    c0 = shift(joiner, c0) ^ c1;
    c0 = shift(joiner, c0) ^ c2;
    p += 2 * n;
    size -= 3 * n;
  }
  return c0;
}

}  // namespace

bool crc32c_hardware_available() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_hardware(const void* data, std::size_t size,
                                                                 std::uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  c = three_streams(p, size, c, kLong, kShiftLong);
  c = three_streams(p, size, c, kShort, kShiftShort);
  for (; size >= 8; size -= 8, p += 8) c = _mm_crc32_u64(c, load_u64(p));
  for (; size > 0; --size, ++p) c = _mm_crc32_u8(static_cast<std::uint32_t>(c), *p);
  return ~static_cast<std::uint32_t>(c);
}
#else
bool crc32c_hardware_available() { return false; }

// Without the x86 intrinsics in this build there is only one implementation.
std::uint32_t crc32c_hardware(const void* data, std::size_t size, std::uint32_t crc) {
  return crc32c_software(data, size, crc);
}
#endif

}  // namespace detail

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc) {
  using Fn = std::uint32_t (*)(const void*, std::size_t, std::uint32_t);
  static const Fn fn = detail::crc32c_hardware_available() ? detail::crc32c_hardware : detail::crc32c_software;
  return fn(data, size, crc);
}

std::uint32_t masked_crc32c(const void* data, std::size_t size) {
  const std::uint32_t c = crc32c(data, size);
  return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

}  // namespace eager::data
