// eager inspect: what a safetensors checkpoint, .npy or .npz file holds (in
// the spirit of TensorFlow's inspect_checkpoint): a table of its tensors, the
// metadata, totals, and on request the values.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "eager/array_ops.hpp"
#include "eager/error.hpp"
#include "eager/io/npy.hpp"
#include "eager/io/safetensors.hpp"
#include "eager/tensor.hpp"
#include "text.hpp"

namespace eager::cli {
namespace {

constexpr std::string_view kHelp = R"(usage: eager inspect FILE [options]

Lists the tensors of a safetensors file (eager's checkpoint format), a NumPy
.npy file or a NumPy .npz archive: for each its name, dtype, shape, number of
elements and size in bytes, then the file's metadata (eager's "eager.*" keys
and the user's) and the totals. The format is told by the file's first bytes,
the extension only when those are not recognised.

options:
  --tensor NAME    print the values of tensor NAME instead of the listing
                   (repeatable); for an .npz file NAME is the array's key
  --all            list, then print the values of every tensor with their
                   min, max and mean
  --summarize N    print at most N values per tensor: a larger tensor shows
                   its first N values in row-major order (default: every value
                   up to 1000, beyond that the first and last 3 along each
                   axis, as NumPy and TensorFlow print arrays)
  -h, --help       show this help

Exit status: 0 when the file was read, 1 when it could not be (missing,
damaged, no such tensor; the error is on stderr), 2 for bad usage.
)";

constexpr OptionSpec kOptions[] = {{"--tensor", true}, {"--all", false}, {"--summarize", true}};

enum class Format { Safetensors, Npy, Npz };

// One tensor of a file, as the listing shows it.
struct Item {
  std::string name;
  std::string dtype;  // NumPy's spelling: as stored in safetensors, as loaded from NumPy files
  Shape shape;
  std::uint64_t bytes = 0;
  std::function<Tensor()> load;
};

struct Contents {
  Contents(std::string path, std::string format, std::uint64_t file_size)
      : path(std::move(path)), format(std::move(format)), file_size(file_size) {}

  std::string path;
  std::string format;  // its name for the first line of the listing
  std::uint64_t file_size;
  bool named = true;  // false for .npy: one array without a name
  std::string noun = "tensor";  // what the totals count
  std::string element_noun = "parameter";
  std::string note;  // printed under the table
  std::vector<Item> items;
  io::Metadata metadata;
};

bool starts_with(std::string_view bytes, std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; }

std::optional<Format> format_from_magic(std::string_view head) {
  if (starts_with(head, "\x93NUMPY")) return Format::Npy;
  // A ZIP archive starts with a local file header, or, when empty, with the
  // end of central directory record.
  if (starts_with(head, "PK\x03\x04") || starts_with(head, "PK\x05\x06")) return Format::Npz;
  // safetensors: an 8-byte header length, then the JSON object of the header.
  if (head.size() > 8 && head[8] == '{') return Format::Safetensors;
  return std::nullopt;
}

std::optional<Format> format_from_extension(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".safetensors") return Format::Safetensors;
  if (extension == ".npy") return Format::Npy;
  if (extension == ".npz") return Format::Npz;
  return std::nullopt;
}

Format detect_format(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InvalidArgument("'" + path + "' is a directory");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw NotFound(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string head(16, '\0');
  file.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(file.gcount()));
  if (const auto format = format_from_magic(head)) return *format;
  // A damaged file whose name says what it should be: its reader says what is wrong.
  if (const auto format = format_from_extension(path)) return *format;
  throw InvalidArgument(
      fmt::format("cannot tell what '{}' holds: it is not a safetensors, .npy or .npz file ({})", path,
                  head.empty() ? "it is empty" : "it starts with " + quoted_bytes(head, head.size())));
}

// The stored dtype of a safetensors entry in NumPy's spelling.
std::string numpy_dtype_name(std::string_view file_dtype) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"BOOL", "bool"},   {"U8", "uint8"},      {"I8", "int8"},   {"I16", "int16"},  {"U16", "uint16"},
      {"F16", "float16"}, {"BF16", "bfloat16"}, {"I32", "int32"}, {"U32", "uint32"}, {"F32", "float32"},
      {"F64", "float64"}, {"I64", "int64"},     {"U64", "uint64"}};
  for (const auto& [stored, numpy] : kNames)
    if (stored == file_dtype) return std::string(numpy);
  return std::string(file_dtype);
}

Contents read_safetensors(const std::string& path) {
  auto file = std::make_shared<io::SafetensorsFile>(path);
  Contents contents(path, "safetensors", file->file_size());
  contents.metadata = file->metadata();
  for (const io::SafetensorsEntry& entry : file->entries())
    contents.items.push_back({entry.name, numpy_dtype_name(entry.file_dtype), entry.shape, entry.num_bytes(),
                              [file, name = entry.name] { return file->tensor(name); }});
  return contents;
}

Item loaded_item(std::string name, const Tensor& tensor) {
  return {std::move(name), std::string(dtype_name(tensor.dtype())), tensor.shape(),
          static_cast<std::uint64_t>(tensor.num_elements()) * itemsize(tensor.dtype()), [tensor] { return tensor; }};
}

// NumPy files are decoded whole: their dtypes and sizes are the ones eager
// loads (narrow stored types widened, see eager/io/npy.hpp).
Contents numpy_contents(const std::string& path, std::string format) {
  Contents contents(path, std::move(format), std::filesystem::file_size(path));
  contents.noun = "array";
  contents.element_noun = "element";
  return contents;
}

// The arrays' dtypes are what eager loaded; say so where a narrower stored
// type could hide behind one.
void add_widening_note(Contents& contents) {
  const bool may_be_widened = std::any_of(contents.items.begin(), contents.items.end(), [](const Item& item) {
    return item.dtype == "int32" || item.dtype == "int64" || item.dtype == "float32";
  });
  if (may_be_widened)
    contents.note = "(dtypes and bytes as eager loads the arrays: stored int8, int16 and uint16 become int32, "
                    "uint32 int64, float16 float32)";
}

Contents read_npy(const std::string& path) {
  Contents contents = numpy_contents(path, "NumPy .npy");
  contents.named = false;
  contents.items.push_back(loaded_item("", io::load_npy(path)));
  add_widening_note(contents);
  return contents;
}

Contents read_npz(const std::string& path) {
  Contents contents = numpy_contents(path, "NumPy .npz");
  for (const auto& [key, tensor] : io::load_npz(path)) contents.items.push_back(loaded_item(key, tensor));
  add_widening_note(contents);
  return contents;
}

Contents read_contents(const std::string& path) {
  switch (detect_format(path)) {
    case Format::Safetensors: return read_safetensors(path);
    case Format::Npy: return read_npy(path);
    case Format::Npz: return read_npz(path);
  }
  throw Unimplemented("unknown format");
}

void print_listing(const Contents& contents) {
  std::cout << fmt::format("{}: {}, {}\n\n", contents.path, contents.format, byte_count(contents.file_size));
  std::vector<Table::Column> columns{{"dtype"}, {"shape"}, {"elements", true}, {"bytes", true}};
  if (contents.named) columns.insert(columns.begin(), {"name"});
  Table table(std::move(columns));
  std::uint64_t elements = 0, bytes = 0;
  for (const Item& item : contents.items) {
    std::vector<std::string> row{item.dtype, item.shape.to_string(), std::to_string(item.shape.num_elements()),
                                 std::to_string(item.bytes)};
    if (contents.named) row.insert(row.begin(), shown_text(item.name));
    table.add_row(std::move(row));
    elements += static_cast<std::uint64_t>(item.shape.num_elements());
    bytes += item.bytes;
  }
  std::cout << table.render();
  if (!contents.note.empty()) std::cout << contents.note << '\n';
  if (!contents.metadata.empty()) {
    Table metadata({{"key"}, {"value"}});
    for (const auto& [key, value] : contents.metadata)
      metadata.add_row({shown_text(key), shown_text(value)});
    std::cout << "\nmetadata:\n" << indented(metadata.render(), "  ");
  }
  if (contents.named)
    std::cout << fmt::format("\ntotal: {}, {}, {}\n", counted(contents.items.size(), contents.noun),
                             counted(elements, contents.element_noun), byte_count(bytes));
}

// "min -1.5  max 2  mean 0.25", over the values that are not NaN (counted
// apart); empty when there are none.
template <class T>
std::string statistics(const std::vector<T>& values) {
  std::optional<T> low, high;
  long double sum = 0;
  std::uint64_t count = 0, nans = 0;
  for (const T v : values) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v)) {
        ++nans;
        continue;
      }
    }
    low = low ? std::min(*low, v) : v;
    high = high ? std::max(*high, v) : v;
    sum += v;
    ++count;
  }
  const auto shown = [](T v) {
    if constexpr (std::is_floating_point_v<T>) return fmt::format("{:.6g}", v);
    else return std::to_string(v);
  };
  std::string text;
  if (count > 0)
    text = fmt::format("min {}  max {}  mean {:.6g}", shown(*low), shown(*high), static_cast<double>(sum / count));
  if (nans > 0) text += fmt::format("{}nan {}", text.empty() ? "" : "  ", nans);
  return text;
}

std::string statistics(const Tensor& tensor) {
  if (is_floating(tensor.dtype())) return statistics(tensor.to_vector<double>());
  if (is_integral(tensor.dtype())) return statistics(tensor.to_vector<std::int64_t>());
  const std::vector<bool> values = tensor.to_vector<bool>();
  return fmt::format("true {} of {}", std::count(values.begin(), values.end(), true), values.size());
}

// The tensor as eager prints it, or its first `summarize` values on one line.
std::string values_text(const Tensor& tensor, std::optional<std::int64_t> summarize) {
  if (!summarize || tensor.num_elements() <= *summarize) return tensor.to_string();
  const std::string shape_and_dtype =
      fmt::format("shape={}, dtype={}", tensor.shape().to_string(), dtype_name(tensor.dtype()));
  if (*summarize == 0) return shape_and_dtype + ", values not shown";
  std::string first = slice(tensor.reshape(Shape{-1}), {0}, {*summarize}).values_string();
  first.insert(first.size() - 1, " ...");
  return fmt::format("{}, first {} of {} values: {}", shape_and_dtype, *summarize, tensor.num_elements(), first);
}

void print_values(const Item& item, bool named, std::optional<std::int64_t> summarize) {
  if (named) std::cout << "tensor_name: " << shown_text(item.name) << '\n';
  Tensor tensor;
  try {
    tensor = item.load();
  } catch (const Unimplemented& e) {
    // One tensor eager cannot hold (uint64) should not hide the others.
    std::cout << "values not shown: " << e.what() << '\n';
    return;
  }
  std::cout << values_text(tensor, summarize) << '\n';
  if (const std::string line = statistics(tensor); !line.empty()) std::cout << line << '\n';
}

const Item& find_item(const Contents& contents, const std::string& name) {
  const auto it = std::find_if(contents.items.begin(), contents.items.end(),
                               [&](const Item& item) { return item.name == name; });
  if (it != contents.items.end()) return *it;
  constexpr std::size_t kListedNames = 20;
  std::string names;
  for (std::size_t i = 0; i < contents.items.size() && i < kListedNames; ++i)
    names += (i ? ", " : "") + quoted_bytes(contents.items[i].name, 80);
  if (contents.items.size() > kListedNames) names += fmt::format(", ... ({} in all)", contents.items.size());
  throw NotFound(fmt::format("'{}' has no {} {} (it holds {})", contents.path, contents.noun,
                             quoted_bytes(name, name.size()), names.empty() ? "none" : names));
}

int run(const ParsedArgs& parsed) {
  if (parsed.positionals.size() != 1)
    throw UsageError(parsed.positionals.empty() ? "no input file" : "expected one file, got " +
                                                                       std::to_string(parsed.positionals.size()));
  const std::vector<std::string> names = parsed.values("--tensor");
  const bool all = parsed.has("--all");
  if (all && !names.empty()) throw UsageError("--tensor and --all exclude each other");
  std::optional<std::int64_t> summarize;
  if (const auto count = parsed.value("--summarize")) {
    if (!all && names.empty()) throw UsageError("--summarize needs --tensor or --all");
    summarize = parse_count("--summarize", *count);
  }

  const Contents contents = read_contents(parsed.positionals[0]);
  if (!names.empty()) {
    if (!contents.named) throw UsageError("a .npy file holds one array without a name; use --all for its values");
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i > 0) std::cout << '\n';
      print_values(find_item(contents, names[i]), true, summarize);
    }
    return kExitOk;
  }
  print_listing(contents);
  if (all)
    for (const Item& item : contents.items) {
      std::cout << '\n';
      print_values(item, contents.named, summarize);
    }
  return kExitOk;
}

}  // namespace

extern const Command kInspectCommand{
    "inspect", "list the tensors of a .safetensors checkpoint, .npy or .npz file, print their values", kHelp, kOptions,
    run};

}  // namespace eager::cli
