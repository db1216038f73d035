#include "safetensors_header.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <tuple>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>

#include "eager/error.hpp"

namespace eager::io::detail {
namespace {

using nlohmann::json;

struct DTypeName {
  FileDType type;
  const char* name;
};

// In the order of the Rust crate's Dtype enum, which is its sort order.
constexpr std::array<DTypeName, 13> kDTypeNames{{{FileDType::Bool, "BOOL"},
                                                 {FileDType::UInt8, "U8"},
                                                 {FileDType::Int8, "I8"},
                                                 {FileDType::Int16, "I16"},
                                                 {FileDType::UInt16, "U16"},
                                                 {FileDType::Float16, "F16"},
                                                 {FileDType::BFloat16, "BF16"},
                                                 {FileDType::Int32, "I32"},
                                                 {FileDType::UInt32, "U32"},
                                                 {FileDType::Float32, "F32"},
                                                 {FileDType::Float64, "F64"},
                                                 {FileDType::Int64, "I64"},
                                                 {FileDType::UInt64, "U64"}}};

constexpr std::string_view kMetadataKey = "__metadata__";
constexpr std::uint64_t kMaxDimension = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// A valid header is an object of objects whose deepest values are the
// arrays "shape" and "data_offsets": containers start at depth 0, 1 and 2.
constexpr int kMaxContainerDepth = 2;
// Names longer than this are cut in messages (a hostile header may hold a
// name of many megabytes).
constexpr std::size_t kMaxQuotedLength = 200;

std::string shortened(std::string_view text) {
  if (text.size() <= kMaxQuotedLength) return std::string(text);
  return std::string(text.substr(0, kMaxQuotedLength)) + "... (" + std::to_string(text.size()) + " bytes)";
}

std::string quote_name(std::string_view name) {
  std::string quoted = "'";
  quoted += shortened(name);
  quoted += '\'';
  return quoted;
}

std::string excerpt(const json& value) { return shortened(value.dump()); }

std::string json_string(const std::string& text) { return json(text).dump(); }

std::string supported_dtype_names() {
  std::string names;
  for (const auto& entry : kDTypeNames) names += (names.empty() ? "" : ", ") + std::string(entry.name);
  return names;
}

std::string dims_text(const std::vector<std::int64_t>& dims) { return shortened(Shape(dims).to_string()); }

class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::uint64_t data_size) : path_(path), data_size_(data_size) {}

  ParsedSafetensorsHeader parse(std::string_view header) {
    if (const auto bad = invalid_utf8_offset(header))
      fail("the header is not valid UTF-8 (byte " + std::to_string(*bad) + " of the header)");
    if (header.empty() || header.front() != '{') fail("the header does not begin with '{' (it must be a JSON object)");
    // nlohmann's lexer takes a NUL byte for the end of its input and would
    // ignore whatever follows it.
    if (const auto nul = header.find('\0'); nul != std::string_view::npos)
      fail("the header is not valid JSON: a NUL byte at byte " + std::to_string(nul) + " of the header");
    json root;
    try {
      const auto callback = [this](int depth, json::parse_event_t event, json& parsed) {
        return watch(depth, event, parsed);
      };
      root = json::parse(header.begin(), header.end(), callback);
    } catch (const json::exception& e) {
      fail("the header is not valid JSON: " + shortened(e.what()));
    }
    ParsedSafetensorsHeader result;
    for (const auto& [name, value] : root.items()) {
      if (name == kMetadataKey) {
        result.metadata = parse_metadata(value);
      } else {
        result.entries.push_back(parse_entry(name, value));
        result.file_dtypes.push_back(*safetensors_dtype_from_name(result.entries.back().file_dtype));
      }
    }
    sort_by_offsets(result);
    check_layout(result);
    return result;
  }

 private:
  [[noreturn]] void fail(const std::string& rule) const {
    throw DataLoss("safetensors '" + path_ + "': " + rule);
  }

  // Called by nlohmann for every token: refuses duplicate keys (which the
  // parser would silently resolve to the last one) and nesting deeper than
  // the format has (a header of a million '[' would otherwise allocate a
  // value for each).
  bool watch(int depth, json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth > kMaxContainerDepth) fail("the header nests deeper than a safetensors header can");
        if (event == json::parse_event_t::object_start) open_objects_.emplace_back();
        break;
      case json::parse_event_t::object_end: open_objects_.pop_back(); break;
      case json::parse_event_t::key: {
        const auto& key = parsed.get_ref<const std::string&>();
        if (!open_objects_.back().insert(key).second) fail("duplicate key " + quote_name(key) + " in the header");
        break;
      }
      default: break;
    }
    return true;
  }

  Metadata parse_metadata(const json& value) const {
    const std::string rule = "\"__metadata__\" must map strings to strings";
    if (!value.is_object()) fail(rule + ", it is " + value.type_name());
    Metadata metadata;
    for (const auto& [key, text] : value.items()) {
      if (!text.is_string()) fail(rule + ", the value of " + quote_name(key) + " is " + text.type_name());
      metadata.emplace(key, text.get<std::string>());
    }
    return metadata;
  }

  // A JSON integer in [0, max]; DataLoss with `rule` otherwise.
  std::uint64_t unsigned_value(const json& value, std::uint64_t max, const std::string& rule) const {
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() > max) fail(rule + ", it holds " + excerpt(value));
    return value.get<std::uint64_t>();
  }

  SafetensorsEntry parse_entry(const std::string& name, const json& value) const {
    if (!value.is_object()) fail("entry " + quote_name(name) + " is not an object, it is " + value.type_name());
    for (const auto& field : value.items())
      if (field.key() != "dtype" && field.key() != "shape" && field.key() != "data_offsets")
        fail("entry " + quote_name(name) + " has an unknown field " + quote_name(field.key()));
    for (const char* field : {"dtype", "shape", "data_offsets"})
      if (!value.contains(field)) fail("entry " + quote_name(name) + " lacks the field '" + field + "'");

    SafetensorsEntry entry;
    entry.name = name;
    const json& dtype = value["dtype"];
    const auto type = dtype.is_string() ? safetensors_dtype_from_name(dtype.get<std::string>()) : std::nullopt;
    if (!type)
      fail("entry " + quote_name(name) + " has the unsupported dtype " + excerpt(dtype) + " (eager reads " +
           supported_dtype_names() + ")");
    entry.file_dtype = safetensors_dtype_name(*type);
    entry.dtype = widened_dtype(*type);

    const json& shape = value["shape"];
    const std::string shape_rule =
        "entry " + quote_name(name) + ": \"shape\" must be an array of integers in [0, 2^63)";
    if (!shape.is_array()) fail(shape_rule + ", it is " + excerpt(shape));
    std::vector<std::int64_t> dims;
    for (const json& d : shape) dims.push_back(static_cast<std::int64_t>(unsigned_value(d, kMaxDimension, shape_rule)));
    entry.shape = Shape(dims);

    const json& offsets = value["data_offsets"];
    const std::string offsets_rule =
        "entry " + quote_name(name) + ": \"data_offsets\" must be a pair of non-negative integers";
    if (!offsets.is_array() || offsets.size() != 2) fail(offsets_rule + ", it is " + excerpt(offsets));
    constexpr std::uint64_t any = std::numeric_limits<std::uint64_t>::max();
    entry.begin = unsigned_value(offsets[0], any, offsets_rule);
    entry.end = unsigned_value(offsets[1], any, offsets_rule);
    if (entry.begin > entry.end)
      fail("entry " + quote_name(name) + ": data_offsets [" + std::to_string(entry.begin) + ", " +
           std::to_string(entry.end) + "] begin after they end");

    const std::uint64_t expected = byte_size(name, dims, *type);
    if (entry.num_bytes() != expected)
      fail("entry " + quote_name(name) + " holds " + std::to_string(entry.num_bytes()) + " bytes but dtype " +
           entry.file_dtype + " and shape " + dims_text(dims) + " need " + std::to_string(expected));
    return entry;
  }

  // The bytes a tensor needs, refusing shapes whose element count (ignoring
  // zeros, so that every stride of the tensor fits int64) or size overflows.
  std::uint64_t byte_size(const std::string& name, const std::vector<std::int64_t>& dims, FileDType type) const {
    std::uint64_t count = 1;
    bool empty = false;
    for (const std::int64_t d : dims) {
      if (d == 0) {
        empty = true;
        continue;
      }
      if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(d), &count) || count > kMaxDimension)
        fail("entry " + quote_name(name) + ": shape " + dims_text(dims) + " overflows 64-bit arithmetic");
    }
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(count, file_itemsize(type), &bytes))
      fail("entry " + quote_name(name) + ": shape " + dims_text(dims) + " overflows 64-bit arithmetic");
    return empty ? 0 : bytes;
  }

  static void sort_by_offsets(ParsedSafetensorsHeader& header) {
    std::vector<std::size_t> order(header.entries.size());
    std::iota(order.begin(), order.end(), 0);
    const auto& entries = header.entries;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(entries[a].begin, entries[a].end, entries[a].name) <
             std::tie(entries[b].begin, entries[b].end, entries[b].name);
    });
    ParsedSafetensorsHeader sorted;
    for (const std::size_t i : order) {
      sorted.entries.push_back(std::move(header.entries[i]));
      sorted.file_dtypes.push_back(header.file_dtypes[i]);
    }
    header.entries = std::move(sorted.entries);
    header.file_dtypes = std::move(sorted.file_dtypes);
  }

  // The tensors' data must tile the data section exactly: from byte 0, each
  // tensor where the previous one ends, the last one at its end.
  void check_layout(const ParsedSafetensorsHeader& header) const {
    std::uint64_t position = 0;
    for (const auto& entry : header.entries) {
      if (entry.begin > position)
        fail("gap of " + std::to_string(entry.begin - position) + " bytes in the data before entry " +
             quote_name(entry.name) + " (it begins at byte " + std::to_string(entry.begin) +
             ", the data before it ends at byte " + std::to_string(position) + ")");
      if (entry.begin < position)
        fail("overlap: entry " + quote_name(entry.name) + " begins at byte " + std::to_string(entry.begin) +
             ", inside the data before it (which ends at byte " + std::to_string(position) + ")");
      position = entry.end;
    }
    if (position < data_size_)
      fail("the data section has " + std::to_string(data_size_ - position) +
           " trailing bytes after the last tensor (it holds " + std::to_string(data_size_) +
           " bytes, the tensors end at byte " + std::to_string(position) + ")");
    if (position > data_size_)
      fail("the file is truncated: the tensors end at byte " + std::to_string(position) +
           " of the data section, which holds only " + std::to_string(data_size_) + " bytes");
  }

  const std::string& path_;
  std::uint64_t data_size_;
  std::vector<std::unordered_set<std::string>> open_objects_;
};

}  // namespace

const char* safetensors_dtype_name(FileDType type) {
  for (const auto& entry : kDTypeNames)
    if (entry.type == type) return entry.name;
  return "?";
}

std::optional<FileDType> safetensors_dtype_from_name(std::string_view name) {
  for (const auto& entry : kDTypeNames)
    if (name == entry.name) return entry.type;
  return std::nullopt;
}

int safetensors_dtype_rank(FileDType type) {
  for (std::size_t i = 0; i < kDTypeNames.size(); ++i)
    if (kDTypeNames[i].type == type) return static_cast<int>(i);
  return -1;
}

std::optional<std::size_t> invalid_utf8_offset(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // The range of the second byte excludes overlong forms (E0, F0),
    // surrogates (ED) and code points above U+10FFFF (F4).
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (size - i < length || bytes[i + 1] < low || bytes[i + 1] > high) return i;
    for (std::size_t k = 2; k < length; ++k)
      if ((bytes[i + k] & 0xC0) != 0x80) return i;
    i += length;
  }
  return std::nullopt;
}

std::string build_safetensors_header(const std::vector<SafetensorsEntry>& entries, const Metadata& metadata) {
  std::string header = "{";
  auto separate = [&header] {
    if (header.size() > 1) header += ',';
  };
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : metadata) {
      if (!first) header += ',';
      first = false;
      header += json_string(key) + ':' + json_string(value);
    }
    header += '}';
  }
  for (const auto& entry : entries) {
    separate();
    header += json_string(entry.name) + ":{\"dtype\":\"" + entry.file_dtype + "\",\"shape\":[";
    for (int d = 0; d < entry.shape.rank(); ++d) {
      if (d > 0) header += ',';
      header += std::to_string(entry.shape[d]);
    }
    header += "],\"data_offsets\":[" + std::to_string(entry.begin) + ',' + std::to_string(entry.end) + "]}";
  }
  header += '}';
  // Padding to a multiple of 8 puts the data section, and with the sort
  // order every tensor in it, at an offset aligned to its element size.
  header.append((8 - header.size() % 8) % 8, ' ');
  return header;
}

ParsedSafetensorsHeader parse_safetensors_header(const std::string& path, std::string_view header,
                                                 std::uint64_t data_size) {
  return HeaderParser(path, data_size).parse(header);
}

}  // namespace eager::io::detail
