// .npy reading and writing. The header is parsed by a small strict parser of
// the Python literals NumPy writes (never by anything that could run code),
// and every number in it is checked against the bytes that follow before
// memory is allocated for the array.
#include "eager/io/npy.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "eager/array_ops.hpp"
#include "eager/error.hpp"
#include "serialize/durable_file.hpp"
#include "serialize/file_dtype.hpp"
#include "serialize/npy_format.hpp"

namespace eager::io::detail {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kPrefixLength = 8;  // magic and version
constexpr std::size_t kArrayAlign = 64;   // NumPy's ARRAY_ALIGN
// NumPy leaves room for the first dimension to grow in place to this many
// digits (GROWTH_AXIS_MAX_DIGITS) by padding the dict with spaces.
constexpr std::size_t kGrowthAxisMaxDigits = 21;
// Elements converted per step when the stored type is widened.
constexpr std::int64_t kConversionChunk = 1 << 16;

// A header for messages: printable ASCII kept, the rest escaped, long ones cut.
std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 160;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += c == '\n' ? std::string("\\n") : std::string("\\x") + kHex[c >> 4] + kHex[c & 15];
    }
  }
  if (text.size() > kMaxShown) out += "...";
  return out;
}

struct ParsedHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// The dict literal of a .npy header: exactly the keys 'descr' (a string),
// 'fortran_order' (True or False) and 'shape' (a tuple of non-negative
// integers), in any order, quoted with ' or ", an optional trailing comma,
// Python whitespace between tokens, and a final '\n'. Integers may carry
// Python 2's 'L' suffix in format versions 1.0 and 2.0, as NumPy accepts.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& context, bool allow_long_suffix)
      : text_(text), context_(context), allow_long_suffix_(allow_long_suffix) {}

  ParsedHeader parse() {
    if (text_.empty() || text_.back() != '\n') fail("it must end with a newline");
    skip_space();
    expect('{', "it must be a dict literal starting with '{'");
    ParsedHeader header;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string("a key (a quoted string)");
      skip_space();
      expect(':', "expected ':' after the key '" + printable(key) + "'");
      skip_space();
      if (key == "descr") {
        mark_seen(seen_descr, key);
        if (peek() == '[' || peek() == '(')
          throw Unimplemented(context_ + ": the array has a structured or sub-array dtype (descr " + printable(rest()) +
                              "), which eager cannot hold: only plain numeric dtypes are read");
        header.descr = parse_string("a type string such as '<f4' as the value of 'descr'");
      } else if (key == "fortran_order") {
        mark_seen(seen_fortran, key);
        header.fortran_order = parse_bool();
      } else if (key == "shape") {
        mark_seen(seen_shape, key);
        header.shape = parse_shape();
      } else {
        fail("unknown key '" + printable(key) + "' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
      }
      skip_space();
      if (peek() == ',') {
        ++position_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' after the value of '" + key + "'");
    }
    ++position_;
    skip_space();
    if (position_ != text_.size()) fail("unexpected characters after the closing '}'");
    for (const auto& [seen, key] :
         {std::pair{seen_descr, "descr"}, std::pair{seen_fortran, "fortran_order"}, std::pair{seen_shape, "shape"}})
      if (!seen) fail(std::string("the key '") + key + "' is missing");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& rule) const {
    throw DataLoss(context_ + ": malformed .npy header (" + rule + ") at character " + std::to_string(position_) +
                   " of \"" + printable(text_) + "\"");
  }
  char peek() const { return position_ < text_.size() ? text_[position_] : '\0'; }
  std::string_view rest() const { return text_.substr(position_); }
  void skip_space() {
    while (position_ < text_.size() && std::string_view(" \t\r\n\f").find(text_[position_]) != std::string_view::npos)
      ++position_;
  }
  void expect(char c, const std::string& rule) {
    if (peek() != c) fail(rule);
    ++position_;
  }
  void mark_seen(bool& seen, const std::string& key) {
    if (seen) fail("the key '" + key + "' appears twice");
    seen = true;
  }

  std::string parse_string(const std::string& what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected " + what);
    const std::size_t begin = ++position_;
    while (position_ < text_.size() && text_[position_] != quote) {
      if (text_[position_] == '\\') fail("escape sequences are not allowed in header strings");
      if (text_[position_] == '\n') break;
      ++position_;
    }
    if (peek() != quote) fail("unterminated string");
    return std::string(text_.substr(begin, position_++ - begin));
  }

  bool parse_bool() {
    for (const auto& [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
      if (rest().substr(0, word.size()) == word) {
        position_ += word.size();
        return value;
      }
    }
    fail("the value of 'fortran_order' must be True or False");
  }

  std::vector<std::int64_t> parse_shape() {
    expect('(', "the value of 'shape' must be a tuple such as (2, 3), (5,) or ()");
    std::vector<std::int64_t> dims;
    skip_space();
    bool trailing_comma = false;
    while (peek() != ')') {
      dims.push_back(parse_dimension());
      skip_space();
      trailing_comma = peek() == ',';
      if (trailing_comma) {
        ++position_;
        skip_space();
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    if (dims.size() == 1 && !trailing_comma) fail("'(n)' is not a tuple: a 1-d shape is written (n,)");
    ++position_;
    return dims;
  }

  std::int64_t parse_dimension() {
    if (peek() == '-') fail("a dimension of the shape is negative");
    if (peek() < '0' || peek() > '9') fail("expected a dimension (a non-negative integer) in the shape");
    if (peek() == '0' && position_ + 1 < text_.size() && text_[position_ + 1] >= '0' && text_[position_ + 1] <= '9')
      fail("a dimension of the shape has a leading zero");
    std::int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      const int digit = peek() - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
        fail("a dimension of the shape exceeds the int64 range");
      value = value * 10 + digit;
      ++position_;
    }
    if (allow_long_suffix_ && peek() == 'L') ++position_;
    return value;
  }

  std::string_view text_;
  const std::string& context_;
  bool allow_long_suffix_;
  std::size_t position_ = 0;
};

struct StoredType {
  FileDType type;
  bool big_endian;
};

// A NumPy type string ("<f4", "|b1", ">i2") as a stored element type. Valid
// NumPy types eager cannot hold are Unimplemented; anything else is DataLoss.
StoredType parse_descr(const std::string& descr, const std::string& context) {
  std::string shown = "'";
  shown += printable(descr);
  shown += "'";
  auto unsupported = [&](const std::string& why) {
    return Unimplemented(context + ": the array's dtype " + shown + " " + why);
  };
  const char order = descr.empty() ? '\0' : descr[0];
  if (std::string_view("<>=|").find(order) == std::string_view::npos || descr.size() < 2)
    throw DataLoss(
        context + ": the descr " + shown +
        " is not a NumPy type string (a byte order <, >, = or | followed by a kind and a size, such as '<f4')");
  const char kind = descr[1];
  switch (kind) {
    case 'O':
      throw unsupported(
          "holds Python objects, stored as a pickle; eager never unpickles (it could run arbitrary code)");
    case 'U':
    case 'S':
    case 'a': throw unsupported("is a string type; eager tensors hold numbers");
    case 'V': throw unsupported("is a void (raw bytes or structured) type; eager tensors hold numbers");
    case 'c': throw unsupported("is complex; eager has no complex dtype");
    case 'M':
    case 'm': throw unsupported("is a datetime or timedelta type; eager has no such dtype");
    default: break;
  }
  const std::string size = descr.substr(2);
  static const std::pair<std::string_view, FileDType> kTypes[] = {
      {"b1", FileDType::Bool},   {"u1", FileDType::UInt8},   {"i1", FileDType::Int8},    {"i2", FileDType::Int16},
      {"u2", FileDType::UInt16}, {"i4", FileDType::Int32},   {"u4", FileDType::UInt32},  {"i8", FileDType::Int64},
      {"u8", FileDType::UInt64}, {"f2", FileDType::Float16}, {"f4", FileDType::Float32}, {"f8", FileDType::Float64}};
  const std::string code = descr.substr(1);
  const auto known = std::find_if(std::begin(kTypes), std::end(kTypes), [&](const auto& t) { return t.first == code; });
  if (known == std::end(kTypes)) {
    if (kind == 'f' && (size == "12" || size == "16"))
      throw unsupported("is an extended-precision float (long double)");
    throw DataLoss(context + ": the descr " + shown + " is not a NumPy numeric type eager knows (b1, u1, i1, i2, u2, " +
                   "i4, u4, i8, u8, f2, f4, f8)");
  }
  if (known->second == FileDType::UInt64)
    throw unsupported("is uint64, which no eager dtype holds without loss (int64 cannot hold values from 2^63)");
  const std::size_t item_size = file_itemsize(known->second);
  if (order == '|' && item_size > 1)
    throw DataLoss(context + ": the descr " + shown + " gives no byte order ('|') to a " + std::to_string(item_size) +
                   "-byte type");
  return {known->second, order == '>' && item_size > 1};
}

template <class T>
void swap_each(unsigned char* bytes, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    T value;
    std::memcpy(&value, bytes + i * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
    if constexpr (sizeof(T) == 2) value = __builtin_bswap16(value);
    if constexpr (sizeof(T) == 4) value = __builtin_bswap32(value);
    if constexpr (sizeof(T) == 8) value = __builtin_bswap64(value);
    std::memcpy(bytes + i * static_cast<std::int64_t>(sizeof(T)), &value, sizeof(T));
  }
}

void swap_bytes(void* data, std::int64_t count, std::size_t item_size) {
  auto* bytes = static_cast<unsigned char*>(data);
  if (item_size == 2) swap_each<std::uint16_t>(bytes, count);
  if (item_size == 4) swap_each<std::uint32_t>(bytes, count);
  if (item_size == 8) swap_each<std::uint64_t>(bytes, count);
}

// Reads `count` stored elements into `destination` (of the widened dtype):
// straight into it when the stored and eager types are the same, through a
// small buffer otherwise.
void read_elements(ByteSource& source, StoredType stored, std::int64_t count, void* destination) {
  const std::size_t stored_size = file_itemsize(stored.type);
  const std::size_t eager_size = itemsize(*widened_dtype(stored.type));
  if (count == 0) return;
  if (stored_size == eager_size) {
    source.read(destination, static_cast<std::size_t>(count) * stored_size);
    if (stored.big_endian) swap_bytes(destination, count, stored_size);
    // NumPy's bools are bytes 0 and 1, but a corrupt file may hold others,
    // which are true (as NumPy reads them) and must become 1 for eager.
    if (stored.type == FileDType::Bool) {
      auto* bytes = static_cast<unsigned char*>(destination);
      for (std::int64_t i = 0; i < count; ++i) bytes[i] = bytes[i] != 0;
    }
    return;
  }
  std::vector<unsigned char> buffer(static_cast<std::size_t>(std::min(count, kConversionChunk)) * stored_size);
  auto* out = static_cast<unsigned char*>(destination);
  for (std::int64_t done = 0; done < count;) {
    const std::int64_t n = std::min(count - done, kConversionChunk);
    source.read(buffer.data(), static_cast<std::size_t>(n) * stored_size);
    if (stored.big_endian) swap_bytes(buffer.data(), n, stored_size);
    decode_elements(stored.type, buffer.data(), n, out + static_cast<std::size_t>(done) * eager_size);
    done += n;
  }
}

std::string shape_text(const std::vector<std::int64_t>& dims) { return Shape(dims).to_string(); }

// The element count of a shape, or nullopt when the product of its non-zero
// dimensions exceeds int64: an empty array's strides must fit int64 too.
std::optional<std::int64_t> element_count(const std::vector<std::int64_t>& dims) {
  std::int64_t count = 1;
  for (std::int64_t d : dims) {
    if (d == 0) continue;
    if (count > std::numeric_limits<std::int64_t>::max() / d) return std::nullopt;
    count *= d;
  }
  return std::find(dims.begin(), dims.end(), 0) != dims.end() ? 0 : count;
}

std::string descr_of(DType dtype) {
  switch (dtype) {
    case DType::Bool: return "|b1";
    case DType::UInt8: return "|u1";
    case DType::Int32: return "<i4";
    case DType::Int64: return "<i8";
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
  }
  throw InvalidArgument("npy: unknown dtype");
}

void check_defined(const Tensor& array, const std::string& context) {
  if (!array.defined()) throw InvalidArgument(context + ": the tensor is undefined (default-constructed)");
}

}  // namespace

Tensor read_npy(ByteSource& source, const std::string& context) {
  const std::uint64_t total = source.size();
  unsigned char preamble[kPrefixLength + 4];
  if (total < kPrefixLength + 2)
    throw DataLoss(context + ": " + std::to_string(total) +
                   " bytes are too few for a .npy file (the magic string, version and header length take 10)");
  source.read(preamble, kPrefixLength);
  if (std::memcmp(preamble, kMagic.data(), kMagic.size()) != 0)
    throw DataLoss(context + ": not a .npy file (it does not start with the magic string \\x93NUMPY)");
  const int major = preamble[6], minor = preamble[7];
  if (minor != 0 || major < 1 || major > 3)
    throw DataLoss(context + ": unknown .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " (versions 1.0, 2.0 and 3.0 exist)");
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::uint64_t header_begin = kPrefixLength + length_size;
  if (total < header_begin)
    throw DataLoss(context + ": " + std::to_string(total) + " bytes are too few for a version " +
                   std::to_string(major) + ".0 .npy file (its header length field ends at byte 12)");
  source.read(preamble + kPrefixLength, length_size);
  const std::uint64_t header_length = major == 1 ? load_little_endian<std::uint16_t>(preamble + kPrefixLength)
                                                 : load_little_endian<std::uint32_t>(preamble + kPrefixLength);
  if (header_length > total - header_begin)
    throw DataLoss(context + ": the header length field says " + std::to_string(header_length) +
                   " bytes, but the file has only " + std::to_string(total - header_begin) + " after it");
  if (header_length > kMaxNpyHeaderLength)
    throw DataLoss(context + ": the header length " + std::to_string(header_length) + " exceeds the limit of " +
                   std::to_string(kMaxNpyHeaderLength) + " bytes");
  std::string header_text(static_cast<std::size_t>(header_length), '\0');
  source.read(header_text.data(), header_text.size());
  const ParsedHeader header = HeaderParser(header_text, context, major < 3).parse();
  const StoredType stored = parse_descr(header.descr, context);

  const std::optional<std::int64_t> count = element_count(header.shape);
  if (!count)
    throw DataLoss(context + ": the shape " + shape_text(header.shape) + " has more elements than fit in int64");
  const std::uint64_t data_size = total - header_begin - header_length;
  const std::uint64_t item_size = file_itemsize(stored.type);
  const std::string needs = "the shape " + shape_text(header.shape) + " of '" + header.descr + "' needs " +
                            std::to_string(*count) + " elements x " + std::to_string(item_size) + " bytes";
  if (static_cast<std::uint64_t>(*count) > data_size / item_size)
    throw DataLoss(context + ": the data is truncated: " + needs + ", but only " + std::to_string(data_size) +
                   " bytes follow the header");
  if (static_cast<std::uint64_t>(*count) * item_size < data_size)
    throw DataLoss(context + ": " + std::to_string(data_size - static_cast<std::uint64_t>(*count) * item_size) +
                   " bytes follow the array data: " + needs + " and a .npy file holds one array and nothing " +
                   "after it (NumPy ignores trailing bytes; eager refuses them as a sign of corruption)");

  std::vector<std::int64_t> storage_dims = header.shape;
  if (header.fortran_order) std::reverse(storage_dims.begin(), storage_dims.end());
  Tensor array = Tensor::empty(Shape(storage_dims), *widened_dtype(stored.type), Device::cpu());
  read_elements(source, stored, *count, array.raw_mutable_data());
  source.finish();
  // Fortran order stores the transpose of the array in C order.
  if (header.fortran_order && storage_dims.size() > 1) array = transpose(array).contiguous();
  return array;
}

std::string npy_header(const Shape& shape, DType dtype, const std::string& op) {
  // The dict exactly as NumPy's _write_array_header formats it: keys sorted,
  // repr of each value, a trailing ", ", then room for the first axis to grow.
  std::string dict =
      "{'descr': '" + descr_of(dtype) + "', 'fortran_order': False, 'shape': " + shape.to_string() + ", }";
  if (shape.rank() > 0) dict.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');
  const std::size_t unpadded = dict.size() + 1;  // and the final '\n'
  auto padded_length = [&](std::size_t length_size) {
    return unpadded + kArrayAlign - (kPrefixLength + length_size + unpadded) % kArrayAlign;
  };
  const int major = padded_length(2) <= 0xffff ? 1 : 2;
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t header_length = padded_length(length_size);
  if (header_length > kMaxNpyHeaderLength)
    throw InvalidArgument(op + ": the shape of rank " + std::to_string(shape.rank()) + " needs a .npy header of " +
                          std::to_string(header_length) + " bytes, more than the " +
                          std::to_string(kMaxNpyHeaderLength) + " eager reads");
  std::string out(kMagic);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t i = 0; i < length_size; ++i) out.push_back(static_cast<char>(header_length >> (8 * i)));
  out += dict;
  out.append(header_length - unpadded, ' ');
  out.push_back('\n');
  return out;
}

}  // namespace eager::io::detail

namespace eager::io {

void save_npy(const std::string& path, const Tensor& array) {
  detail::check_defined(array, "save_npy: '" + path + "'");
  const Tensor host = array.cpu().contiguous();
  const std::string header = detail::npy_header(host.shape(), host.dtype(), "save_npy: '" + path + "'");
  detail::DurableFile file(path);
  file.write(header);
  file.write(host.raw_data(), static_cast<std::size_t>(host.num_elements()) * itemsize(host.dtype()));
  file.commit();
}

Tensor load_npy(const std::string& path) {
  const std::string context = "load_npy: '" + path + "'";
  const detail::OpenedFile file = detail::open_for_reading(path, "load_npy");
  detail::FileRangeSource source(file.fd.get(), 0, file.size, context);
  return detail::read_npy(source, context);
}

std::string encode_npy(const Tensor& array) {
  detail::check_defined(array, "encode_npy");
  const Tensor host = array.cpu().contiguous();
  std::string bytes = detail::npy_header(host.shape(), host.dtype(), "encode_npy");
  bytes.append(static_cast<const char*>(host.raw_data()),
               static_cast<std::size_t>(host.num_elements()) * itemsize(host.dtype()));
  return bytes;
}

Tensor decode_npy(std::string_view bytes, const std::string& source) {
  const std::string context = "decode_npy: '" + source + "'";
  detail::MemorySource memory(bytes, context);
  return detail::read_npy(memory, context);
}

}  // namespace eager::io
