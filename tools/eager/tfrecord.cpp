// eager tfrecord: counts, validates or prints the records of TFRecord files,
// showing records that are tf.train.Examples feature by feature.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "eager/data/example.hpp"
#include "eager/data/tfrecord.hpp"
#include "eager/error.hpp"
#include "text.hpp"

namespace eager::cli {
namespace {

using data::Compression;

constexpr std::string_view kCommand = "tfrecord";

constexpr std::string_view kHelp = R"(usage: eager tfrecord FILE... [options]

Reads TFRecord files (tf.io.TFRecordWriter, tf.data.TFRecordDataset), checking
the CRC of every record it reads. By default prints, per file, the number of
records and their total size in bytes (the record data, without framing).

options:
  --compression KIND  none, gzip, zlib or auto (default: auto, which takes a
                      file whose first record header has a valid CRC as
                      uncompressed, one starting with 1f 8b as gzip and one
                      starting with a zlib header as zlib)
  --count             print only the number of records (one number for one
                      file; per file and a total, like wc, for several)
  --validate          read every record and report OK, or the first error
                      (its offset and the rule broken) and exit 1
  --print N           print the first N records of each file: a record that
                      is a tf.train.Example as its features (name, type,
                      number of values, the first values), any other as its
                      length and first bytes
  --skip N            with --print: skip the first N records
  -h, --help          show this help

Offsets count bytes in the uncompressed stream of records. Exit status: 0 when
every file was read, 1 when one could not be (the error is on stderr), 2 for
bad usage.
)";

constexpr OptionSpec kOptions[] = {
    {"--compression", true}, {"--count", false}, {"--validate", false}, {"--print", true}, {"--skip", true}};

// How much of a record --print shows.
constexpr std::size_t kShownValues = 8;
constexpr std::size_t kShownBytesPerValue = 32;
constexpr std::size_t kShownRawBytes = 64;

enum class Mode { Summary, Count, Validate, Print };

struct Settings {
  std::optional<Compression> compression;  // nullopt: detect per file
  Mode mode = Mode::Summary;
  std::int64_t print_count = 0;
  std::int64_t skip = 0;
};

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::None: return "none";
    case Compression::Gzip: return "gzip";
    case Compression::Zlib: return "zlib";
  }
  return "unknown";
}

Settings settings_from(const ParsedArgs& parsed) {
  Settings settings;
  if (const auto kind = parsed.value("--compression")) {
    if (*kind == "none") settings.compression = Compression::None;
    else if (*kind == "gzip") settings.compression = Compression::Gzip;
    else if (*kind == "zlib") settings.compression = Compression::Zlib;
    else if (*kind != "auto")
      throw UsageError("--compression: expected none, gzip, zlib or auto, got '" + *kind + "'");
  }
  const int modes = parsed.has("--count") + parsed.has("--validate") + parsed.has("--print");
  if (modes > 1) throw UsageError("--count, --validate and --print exclude each other");
  if (parsed.has("--count")) settings.mode = Mode::Count;
  if (parsed.has("--validate")) settings.mode = Mode::Validate;
  if (const auto count = parsed.value("--print")) {
    settings.mode = Mode::Print;
    settings.print_count = parse_count("--print", *count);
  }
  if (const auto skip = parsed.value("--skip")) {
    if (settings.mode != Mode::Print) throw UsageError("--skip needs --print");
    settings.skip = parse_count("--skip", *skip);
  }
  if (parsed.positionals.empty()) throw UsageError("no input file");
  return settings;
}

std::uint32_t load_le32(const unsigned char* bytes) {
  return bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (static_cast<std::uint32_t>(bytes[3]) << 24);
}

// The compression of a file, from its first bytes. An uncompressed file
// starts with a record header whose length CRC checks out (a compressed
// stream does so by chance once in 2^32); gzip starts with the magic 1f 8b;
// zlib with a header whose method is deflate and whose two bytes are a
// multiple of 31 (RFC 1950). Anything else, including a file that cannot be
// opened, is left to the uncompressed reader to report.
Compression detect_compression(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  unsigned char head[12] = {};
  file.read(reinterpret_cast<char*>(head), sizeof head);
  const std::streamsize size = file.gcount();
  if (size == 12 && data::masked_crc32c(head, 8) == load_le32(head + 8)) return Compression::None;
  if (size >= 2 && head[0] == 0x1f && head[1] == 0x8b) return Compression::Gzip;
  if (size >= 2 && (head[0] & 0x0f) == 8 && (head[0] >> 4) <= 7 && ((head[0] << 8) | head[1]) % 31 == 0)
    return Compression::Zlib;
  return Compression::None;
}

Compression compression_of(const std::string& path, const Settings& settings) {
  return settings.compression ? *settings.compression : detect_compression(path);
}

struct Scan {
  Compression compression = Compression::None;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;
  std::optional<std::string> error;  // the first error; records and bytes count what came before it
};

Scan scan(const std::string& path, const Settings& settings) {
  Scan result;
  result.compression = compression_of(path, settings);
  try {
    data::TFRecordReader reader(path, {result.compression});
    std::string record;
    while (reader.read(record)) {
      ++result.records;
      result.bytes += record.size();
    }
  } catch (const Error& e) {
    result.error = e.what();
  }
  return result;
}

// Scans each file in turn, handing the scan to `on_read`, or to `on_failed`
// before its error goes to stderr. True when every file was read.
template <class OnRead, class OnFailed>
bool scan_files(const std::vector<std::string>& files, const Settings& settings, OnRead on_read, OnFailed on_failed) {
  bool all_read = true;
  for (const std::string& path : files) {
    const Scan result = scan(path, settings);
    if (result.error) {
      on_failed(path, result);
      print_error(kCommand, *result.error);
      all_read = false;
    } else {
      on_read(path, result);
    }
  }
  return all_read;
}

bool print_summary(const std::vector<std::string>& files, const Settings& settings) {
  Table table({{"file"}, {"compression"}, {"records", true}, {"bytes", true}});
  std::size_t rows = 0;
  std::uint64_t total_records = 0, total_bytes = 0;
  const bool all_read = scan_files(
      files, settings,
      [&](const std::string& path, const Scan& result) {
        table.add_row({path, std::string(compression_name(result.compression)), std::to_string(result.records),
                       std::to_string(result.bytes)});
        ++rows;
        total_records += result.records;
        total_bytes += result.bytes;
      },
      [](const std::string&, const Scan&) {});
  if (rows > 1) table.add_row({"total", "", std::to_string(total_records), std::to_string(total_bytes)});
  if (rows > 0) std::cout << table.render();
  return all_read;
}

// Like wc: the bare count for one file, "count path" lines and a total for several.
bool print_counts(const std::vector<std::string>& files, const Settings& settings) {
  std::uint64_t total = 0;
  const bool all_read = scan_files(
      files, settings,
      [&](const std::string& path, const Scan& result) {
        total += result.records;
        if (files.size() == 1) std::cout << result.records << '\n';
        else std::cout << result.records << ' ' << path << '\n';
      },
      [](const std::string&, const Scan&) {});
  if (files.size() > 1) std::cout << total << " total\n";
  return all_read;
}

bool validate(const std::vector<std::string>& files, const Settings& settings) {
  return scan_files(
      files, settings,
      [](const std::string& path, const Scan& result) {
        std::cout << fmt::format("{}: OK, {}, {}, compression {}\n", path, counted(result.records, "record"),
                                 byte_count(result.bytes), compression_name(result.compression));
      },
      [](const std::string& path, const Scan& result) {
        std::cout << fmt::format("{}: FAILED after {}\n", path, counted(result.records, "valid record"));
      });
}

// "[1, 2, 3, ...]": the first kShownValues values of a list, each with `show`.
template <class List, class Show>
std::string shown_values(const List& values, Show show) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size() && i < kShownValues; ++i) out += (i ? ", " : "") + show(values[i]);
  if (values.size() > kShownValues) out += ", ...";
  return out + "]";
}

struct FeatureRow {
  std::string_view type;
  std::size_t count;
  std::string values;
};

FeatureRow describe(const data::Example::Feature& feature) {
  if (const auto* ints = std::get_if<data::Example::Int64List>(&feature))
    return {"int64", ints->size(), shown_values(*ints, [](std::int64_t v) { return std::to_string(v); })};
  if (const auto* floats = std::get_if<data::Example::FloatList>(&feature))
    return {"float", floats->size(), shown_values(*floats, [](float v) { return fmt::format("{}", v); })};
  const auto& strings = std::get<data::Example::BytesList>(feature);
  return {"bytes", strings.size(), shown_values(strings, [](const std::string& v) {
            return fmt::format("{} ({})", quoted_bytes(v, kShownBytesPerValue), byte_count(v.size()));
          })};
}

// The Example a record holds, or nullopt. Random bytes can happen to be a
// valid protocol buffer of unknown fields, so a record counts as an Example
// only when it has at least one feature.
std::optional<data::Example> as_example(const std::string& record) {
  try {
    data::Example example = data::Example::parse(record);
    if (!example.features().empty()) return example;
  } catch (const DataLoss&) {
  }
  return std::nullopt;
}

void print_record(std::int64_t index, std::uint64_t offset, const std::string& record) {
  std::cout << fmt::format("record {}: offset {}, {}", index, offset, byte_count(record.size()));
  if (record.empty()) {
    std::cout << ", empty\n";
    return;
  }
  const std::optional<data::Example> example = as_example(record);
  if (!example) {
    std::cout << '\n' << "  " << quoted_bytes(record, kShownRawBytes) << '\n';
    return;
  }
  std::cout << fmt::format(", tf.train.Example with {}\n", counted(example->features().size(), "feature"));
  Table table({{"feature"}, {"type"}, {"count", true}, {"values"}});
  for (const auto& [name, feature] : example->features()) {
    const FeatureRow row = describe(feature);
    table.add_row({shown_text(name), std::string(row.type), std::to_string(row.count), row.values});
  }
  std::cout << indented(table.render(), "  ");
}

bool print_records(const std::vector<std::string>& files, const Settings& settings) {
  bool all_read = true;
  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string& path = files[f];
    if (files.size() > 1) std::cout << (f ? "\n" : "") << "==> " << path << " <==\n";
    try {
      data::TFRecordReader reader(path, {compression_of(path, settings)});
      const std::int64_t end = settings.print_count > std::numeric_limits<std::int64_t>::max() - settings.skip
                                   ? std::numeric_limits<std::int64_t>::max()
                                   : settings.skip + settings.print_count;
      std::string record;
      for (std::int64_t index = 0; index < end; ++index) {
        const std::uint64_t offset = reader.offset();
        if (!reader.read(record)) break;
        if (index >= settings.skip) print_record(index, offset, record);
      }
    } catch (const Error& e) {
      print_error(kCommand, e.what());
      all_read = false;
    }
  }
  return all_read;
}

int run(const ParsedArgs& parsed) {
  const Settings settings = settings_from(parsed);
  const std::vector<std::string>& files = parsed.positionals;
  bool ok = false;
  switch (settings.mode) {
    case Mode::Summary: ok = print_summary(files, settings); break;
    case Mode::Count: ok = print_counts(files, settings); break;
    case Mode::Validate: ok = validate(files, settings); break;
    case Mode::Print: ok = print_records(files, settings); break;
  }
  return ok ? kExitOk : kExitFailure;
}

}  // namespace

extern const Command kTFRecordCommand{
    "tfrecord", "count, validate or print the records of TFRecord files (tf.train.Example aware)", kHelp, kOptions,
    run};

}  // namespace eager::cli
