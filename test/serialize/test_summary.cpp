// TensorBoard event files: every record decoded with the generated protos,
// exact record contents,
// histogram buckets against values TensorBoard computes, PNGs decoded by a
// small decoder here (zlib inflate, CRCs, unfiltering), the committed fixture
// byte for byte, TensorBoard's own reader on a fresh file
// (tools/check_event_file.py), queueing and timed flushes, threads, the
// default writer, and malformed input.
#include <catch2/catch.hpp>
#include <google/protobuf/text_format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "data/temp_dir.hpp"
#include "eager/array_ops.hpp"
#include "eager/creation.hpp"
#include "eager/data/tfrecord.hpp"
#include "eager/error.hpp"
#include "eager/summary.hpp"
#include "event.pb.h"
#include "serialize/png.hpp"
#include "serialize/file_helpers.hpp"
#include "serialize/summary_values.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::summary::FileWriter;
using eager::summary::FileWriterOptions;
using eager::test::MessageContains;
using eager::test::TempDir;
namespace fs = std::filesystem;
namespace pb = google::protobuf;

using eager::test::FileSizeLimit;
using eager::test::read_bytes;

namespace {

const fs::path kSourceDir(EAGER_TEST_SOURCE_DIR);
const fs::path kFixtureDir = kSourceDir / "serialize" / "fixtures" / "events";
const std::string kFixtureName = "events.out.tfevents.1700000000.fixture-host.4242.0.v2";
constexpr double kInf = std::numeric_limits<double>::infinity();


std::vector<std::string> read_records(const std::string& path) {
  data::TFRecordReader reader(path);
  std::vector<std::string> records;
  while (auto record = reader.next()) records.push_back(std::move(*record));
  return records;
}

using tensorboard::Event;
using tensorboard::TensorProto;

Event parse_event(const std::string& bytes) {
  Event event;
  REQUIRE(event.ParseFromString(bytes));
  // Nothing that eager's own protos do not declare.
  REQUIRE(event.GetReflection()->GetUnknownFields(event).empty());
  return event;
}

std::string text_of(const Event& event) {
  pb::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string text;
  printer.PrintToString(event, &text);
  return text;
}
std::string text_of(const std::string& record) { return text_of(parse_event(record)); }

// summary.value[0].tensor of an event.
const TensorProto& tensor_of(const Event& event) {
  REQUIRE(event.summary().value_size() == 1);
  return event.summary().value(0).tensor();
}
std::vector<std::string> string_vals(const TensorProto& tensor) {
  return {tensor.string_val().begin(), tensor.string_val().end()};
}
std::vector<double> doubles_of(const TensorProto& tensor) {
  const std::string& content = tensor.tensor_content();
  REQUIRE(content.size() % sizeof(double) == 0);
  std::vector<double> values(content.size() / sizeof(double));
  std::memcpy(values.data(), content.data(), content.size());
  return values;
}

// ---- a PNG decoder for the checks ---------------------------------------------------

struct DecodedPng {
  std::uint32_t width = 0, height = 0;
  int channels = 0;
  std::vector<std::uint8_t> pixels;
  std::set<int> filters;  // the filter types the rows use
};

std::uint32_t be32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Checks the signature, every chunk's CRC and the chunk order, inflates the
// IDATs and undoes the filters (PNG spec, 9.2).
DecodedPng decode_png(const std::string& png) {
  REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  DecodedPng out;
  std::string idat;
  std::vector<std::string> types;
  for (std::size_t at = 8; at < png.size();) {
    REQUIRE(at + 12 <= png.size());
    const std::uint32_t length = be32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    const std::string type = png.substr(at + 4, 4);
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(png.data() + at + 4), 4 + length);
    REQUIRE(be32(png, at + 8 + length) == crc);
    if (type == "IHDR") {
      REQUIRE(length == 13);
      out.width = be32(png, at + 8);
      out.height = be32(png, at + 12);
      REQUIRE(png[at + 16] == 8);  // bit depth
      const int colour = png[at + 17];
      out.channels = colour == 0 ? 1 : colour == 4 ? 2 : colour == 2 ? 3 : colour == 6 ? 4 : 0;
      REQUIRE(out.channels > 0);
      REQUIRE(png.substr(at + 18, 3) == std::string(3, '\0'));
    }
    if (type == "IDAT") idat += png.substr(at + 8, length);
    types.push_back(type);
    at += 12 + length;
  }
  REQUIRE(types.front() == "IHDR");
  REQUIRE(types.back() == "IEND");
  const std::size_t row = std::size_t{out.width} * static_cast<std::size_t>(out.channels);
  std::vector<std::uint8_t> filtered(out.height * (row + 1));
  uLongf size = filtered.size();
  REQUIRE(uncompress(filtered.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
  REQUIRE(size == filtered.size());
  out.pixels.resize(out.height * row);
  const std::size_t bpp = static_cast<std::size_t>(out.channels);
  for (std::size_t y = 0; y < out.height; ++y) {
    const std::uint8_t filter = filtered[y * (row + 1)];
    REQUIRE(filter <= 4);
    out.filters.insert(filter);
    for (std::size_t i = 0; i < row; ++i) {
      const int a = i >= bpp ? out.pixels[y * row + i - bpp] : 0;
      const int b = y > 0 ? out.pixels[(y - 1) * row + i] : 0;
      const int c = i >= bpp && y > 0 ? out.pixels[(y - 1) * row + i - bpp] : 0;
      const int p = a + b - c;
      const int paeth = std::abs(p - a) <= std::abs(p - b) && std::abs(p - a) <= std::abs(p - c) ? a
                        : std::abs(p - b) <= std::abs(p - c)                                      ? b
                                                                                                   : c;
      const int predicted[] = {0, a, b, (a + b) / 2, paeth};
      out.pixels[y * row + i] = static_cast<std::uint8_t>(filtered[y * (row + 1) + 1 + i] + predicted[filter]);
    }
  }
  return out;
}

// ---- the fixture ------------------------------------------------------------------

// A clock that starts at 1700000000 s and advances half a second per reading.
FileWriterOptions fixed_options() {
  FileWriterOptions options;
  options.wall_clock = [n = std::make_shared<int>(0)] { return 1700000000.0 + 0.5 * (*n)++; };
  options.hostname = "fixture-host";
  options.pid = 4242;
  options.max_queue = 100;
  options.flush_secs = kInf;
  return options;
}

std::vector<std::uint8_t> fixture_input_pixels() {
  std::vector<std::uint8_t> pixels(2 * 2 * 3 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(37 * i % 256);
  return pixels;
}

// The calls tools/check_event_file.py describes and repeats with tf.summary.
void write_fixture_sequence(FileWriter& writer) {
  writer.scalar("loss", 2.5, 0, "Cross-entropy plus *L2*");
  writer.scalar("loss", 1.25, 1);
  writer.histogram("layer1/weights", constant(std::vector<float>{-1, -0.5f, 0, 0.25f, 0.5f, 2.5f}, Shape{6}), 1, 4);
  writer.histogram("layer1/bias", constant(std::vector<std::int32_t>{7, 7, 7}, Shape{3}), 1, 3);
  writer.image("inputs", constant(fixture_input_pixels(), Shape{2, 2, 3, 3}), 1);
  writer.image("mask", constant(std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.5f}, Shape{2, 3, 1}), 2);
  writer.text("notes", "hello **world** \xe2\x9c\x93", 2);
}

std::string write_fixture(const TempDir& dir) {
  FileWriter writer(dir.path().string(), fixed_options());
  write_fixture_sequence(writer);
  writer.close();
  return writer.path();
}

}  // namespace

TEST_CASE("summary: the file name and first record are TensorFlow 2's", "[summary]") {
  TempDir dir;
  FileWriter writer((dir.path() / "a" / "b").string(), fixed_options());
  const std::string name = fs::path(writer.path()).filename().string();
  CHECK(std::regex_match(name, std::regex(R"(events\.out\.tfevents\.1700000000\.fixture-host\.4242\.\d+\.v2)")));
  CHECK(fs::path(writer.path()).parent_path() == dir.path() / "a" / "b");
  CHECK(writer.logdir() == (dir.path() / "a" / "b").string());
  // The first record is flushed at once, as TensorFlow's EventsWriter does.
  const std::vector<std::string> records = read_records(writer.path());
  REQUIRE(records.size() == 1);
  CHECK(text_of(records[0]) ==
        "wall_time: 1700000000 file_version: \"brain.Event:2\" source_metadata { writer: \"eager.summary.FileWriter\" } ");

  SECTION("the real clock, host and process by default; two writers never share a file") {
    FileWriterOptions options;
    options.filename_suffix = ".run";
    const auto before = std::chrono::system_clock::now();
    FileWriter first(dir.path().string(), options), second(dir.path().string(), options);
    char host[256] = {};
    REQUIRE(::gethostname(host, sizeof host - 1) == 0);
    const std::regex form(R"(events\.out\.tfevents\.(\d{10})\.)" + std::string(host) + "\\." +
                          std::to_string(::getpid()) + R"(\.(\d+)\.run)");
    std::smatch m1, m2;
    const std::string n1 = fs::path(first.path()).filename().string(), n2 = fs::path(second.path()).filename().string();
    REQUIRE(std::regex_match(n1, m1, form));
    REQUIRE(std::regex_match(n2, m2, form));
    CHECK(m1[2] != m2[2]);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(before.time_since_epoch()).count();
    CHECK(std::abs(std::stoll(m1[1]) - seconds) <= 5);
  }
}

TEST_CASE("summary: records hold TF2's tensor summaries", "[summary]") {
  TempDir dir;
  FileWriter writer(dir.path().string(), fixed_options());
  writer.scalar("loss", 2.5, 7);
  writer.scalar("loss/tensor", constant({0.25}), -3, "the *loss*");
  writer.scalar("nan", std::nan(""), 1);
  writer.text("notes", "hello", 2);
  writer.histogram("h", constant({1.f, 2.f, 3.f, 10.f}), 1, 2);
  writer.flush();
  const std::vector<std::string> records = read_records(writer.path());
  REQUIRE(records.size() == 6);
  const std::string scalars = " metadata { plugin_data { plugin_name: \"scalars\" } } } } ";
  // 2.5f is 0x40200000, little-endian.
  CHECK(text_of(records[1]) == "wall_time: 1700000000.5 step: 7 summary { value { tag: \"loss\" tensor { dtype: "
                                    "DT_FLOAT tensor_shape { } tensor_content: \"\\000\\000 @\" }" + scalars);
  CHECK(text_of(records[2]) ==
        "wall_time: 1700000001 step: -3 summary { value { tag: \"loss/tensor\" tensor { dtype: DT_FLOAT tensor_shape { } "
        "tensor_content: \"\\000\\000\\200>\" } metadata { plugin_data { plugin_name: \"scalars\" } "
        "summary_description: \"the *loss*\" } } } ");
  const Event nan_event = parse_event(records[3]);
  const std::string& content = tensor_of(nan_event).tensor_content();
  float nan_value = 0;
  REQUIRE(content.size() == sizeof nan_value);
  std::memcpy(&nan_value, content.data(), sizeof nan_value);
  CHECK(std::isnan(nan_value));
  CHECK(text_of(records[4]) ==
        "wall_time: 1700000002 step: 2 summary { value { tag: \"notes\" tensor { dtype: DT_STRING tensor_shape { } "
        "string_val: \"hello\" } metadata { plugin_data { plugin_name: \"text\" } } } } ");
  const Event histogram = parse_event(records[5]);
  CHECK(text_of(histogram).find("tensor_shape { dim { size: 2 } dim { size: 3 } }") != std::string::npos);
  CHECK(histogram.summary().value(0).metadata().plugin_data().plugin_name() == "histograms");
  CHECK(doubles_of(tensor_of(histogram)) == std::vector<double>{1, 5.5, 3, 5.5, 10, 1});
}

TEST_CASE("summary: histogram buckets are TensorBoard's", "[summary]") {
  using summary::detail::histogram_buckets;
  // TensorBoard's _buckets: width (max - min) / k, edges min + width * i,
  // the maximum counted in the last bucket.
  const std::vector<double> rows = histogram_buckets("h", constant({1.f, 2.f, 3.f, 10.f}), 30);
  REQUIRE(rows.size() == 90);
  const double width = (10.0 - 1.0) / 30;
  for (int b = 0; b < 30; ++b) {
    INFO("bucket " << b);
    CHECK(rows[3 * b] == (b == 0 ? 1.0 : 1.0 + width * b));
    CHECK(rows[3 * b + 1] == (b == 29 ? 10.0 : 1.0 + width * (b + 1)));
    CHECK(rows[3 * b + 2] == (b == 0 || b == 3 || b == 6 || b == 29 ? 1 : 0));
  }
  // These edges are the bytes tf.summary.histogram wrote for the same values
  // (1.3 = 0x3ff4cccccccccccd, 2.2 = 0x400199999999999a).
  CHECK(rows[1] == 1.3);
  CHECK(rows[3 * 3 + 1] == 2.2);

  CHECK(histogram_buckets("h", zeros(Shape{0}), 3) == std::vector<double>(9, 0.0));
  CHECK(histogram_buckets("h", constant({7, 7, 7}), 3) == std::vector<double>{7, 7, 0, 7, 7, 0, 7, 7, 3});
  CHECK(histogram_buckets("h", constant({true, false, true}), 2) == std::vector<double>{0, 0.5, 1, 0.5, 1, 2});
  CHECK(histogram_buckets("h", constant(std::vector<std::int64_t>{-4, 4, 0, 2}, Shape{2, 2}), 4) ==
        std::vector<double>{-4, -2, 1, -2, 0, 0, 0, 2, 1, 2, 4, 2});
  // A span above the largest double still gives finite edges.
  CHECK(histogram_buckets("h", constant({-1e308, 1e308, 0.0}), 2) == std::vector<double>{-1e308, 0, 1, 0, 1e308, 2});

  CHECK_THROWS_MATCHES(histogram_buckets("summary::histogram (tag 'h')", constant({1.0, std::nan(""), 2.0}), 30),
                       InvalidArgument, MessageContains("value 1 (row-major) of the float64(3,) values is NaN"));
  CHECK_THROWS_MATCHES(histogram_buckets("h", constant({1.f, -INFINITY}), 30), InvalidArgument,
                       MessageContains("is infinite"));
  CHECK_THROWS_MATCHES(histogram_buckets("h", constant({1.f}), 0), InvalidArgument,
                       MessageContains("buckets must be in [1, 65536], got 0"));
  CHECK_THROWS_AS(histogram_buckets("h", constant({1.f}), 65537), InvalidArgument);
  CHECK_THROWS_AS(histogram_buckets("h", Tensor(), 30), InvalidArgument);
}

TEST_CASE("summary: images become PNGs that decode to their pixels", "[summary]") {
  TempDir dir;
  FileWriter writer(dir.path().string(), fixed_options());
  // The string tensor [width, height, png...] of the last record.
  const auto last_image = [&] {
    writer.flush();
    return string_vals(tensor_of(parse_event(read_records(writer.path()).back())));
  };

  SECTION("uint8 HWC: one RGB image, pixels as they are") {
    const std::vector<std::uint8_t> pixels = {0, 1, 2, 50, 60, 70, 255, 254, 253, 9, 8, 7, 128, 0, 64, 1, 1, 1};
    writer.image("rgb", constant(pixels, Shape{2, 3, 3}), 1);
    const std::vector<std::string> values = last_image();
    REQUIRE(values.size() == 3);
    CHECK(values[0] == "3");  // width, then height, as TensorFlow writes them
    CHECK(values[1] == "2");
    const DecodedPng png = decode_png(values[2]);
    CHECK(png.width == 3);
    CHECK(png.height == 2);
    CHECK(png.channels == 3);
    CHECK(png.pixels == pixels);
  }
  SECTION("float NHWC: the first max_outputs images, x * 255.5 clamped and truncated") {
    const std::vector<float> values = {-0.5f, 1.5f, INFINITY, 0.25f, 0, 0.5f, 0.75f, 1, 0.1f, 0.2f, 0.3f, 0.4f,
                                       0,     0,    0,        0,     1, 1,    1,     1};
    writer.image("gray", constant(values, Shape{5, 2, 2, 1}), 1, 3);
    const std::vector<std::string> stored = last_image();
    REQUIRE(stored.size() == 5);
    CHECK(stored[0] == "2");
    CHECK(stored[1] == "2");
    CHECK(decode_png(stored[2]).pixels == std::vector<std::uint8_t>{0, 255, 255, 63});
    CHECK(decode_png(stored[3]).pixels == std::vector<std::uint8_t>{0, 127, 191, 255});
    CHECK(decode_png(stored[4]).pixels == std::vector<std::uint8_t>{25, 51, 76, 102});
    CHECK(decode_png(stored[4]).channels == 1);
  }
  SECTION("float64 gray + alpha") {
    writer.image("ga", constant({{{{0.0, 1.0}, {0.5, 0.25}}}}), 1);
    const DecodedPng png = decode_png(last_image().at(2));
    CHECK(png.channels == 2);
    CHECK(png.width == 2);
    CHECK(png.height == 1);
    CHECK(png.pixels == std::vector<std::uint8_t>{0, 255, 127, 63});
  }
  SECTION("RGBA images of several patterns round-trip, and every filter is used") {
    const std::int64_t h = 30, w = 40;
    std::vector<std::uint8_t> pixels(static_cast<std::size_t>(4 * h * w * 4));
    std::uint32_t noise = 12345;
    for (std::int64_t k = 0; k < 4; ++k)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          for (std::int64_t c = 0; c < 4; ++c) {
            noise = noise * 1664525u + 1013904223u;
            const std::int64_t patterns[] = {x * 6 + c, y * 8 + c * 3, (x * x + y * y) / 7 + c, noise >> 24};
            pixels[static_cast<std::size_t>(((k * h + y) * w + x) * 4 + c)] = static_cast<std::uint8_t>(patterns[k]);
          }
    writer.image("rgba", constant(pixels, Shape{4, h, w, 4}), 1, 4);
    const std::vector<std::string> stored = last_image();
    REQUIRE(stored.size() == 6);
    std::set<int> filters;
    for (std::size_t k = 0; k < 4; ++k) {
      const DecodedPng png = decode_png(stored[2 + k]);
      CHECK(png.channels == 4);
      CHECK(std::vector<std::uint8_t>(pixels.begin() + static_cast<std::ptrdiff_t>(k * h * w * 4),
                                      pixels.begin() + static_cast<std::ptrdiff_t>((k + 1) * h * w * 4)) == png.pixels);
      filters.insert(png.filters.begin(), png.filters.end());
    }
    CHECK(filters == std::set<int>{0, 1, 2, 3, 4});
  }
  SECTION("a strided view, max_outputs 0 and an empty batch") {
    const Tensor column = constant(std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}, Shape{3, 2, 1});
    writer.image("view", transpose(column, std::vector<int>{1, 0, 2}), 1);
    CHECK(decode_png(last_image().at(2)).pixels == std::vector<std::uint8_t>{1, 3, 5, 2, 4, 6});
    writer.image("none", constant(std::vector<std::uint8_t>(12, 0), Shape{1, 2, 2, 3}), 1, 0);
    CHECK(last_image() == std::vector<std::string>{"2", "2"});
    writer.image("empty", zeros(Shape{0, 4, 5, 3}, DType::UInt8), 1);
    CHECK(last_image() == std::vector<std::string>{"5", "4"});
  }
}

TEST_CASE("summary: encoded images keep their bytes, sized from their headers", "[summary]") {
  using summary::detail::encoded_image_size;
  const std::string png = io::detail::encode_png(std::vector<std::uint8_t>(5 * 7 * 3, 9).data(), 5, 7, 3);
  CHECK(encoded_image_size("e", png).width == 7);
  CHECK(encoded_image_size("e", png).height == 5);
  // SOI, APP0 (JFIF), DHT (skipped: C4 is not a frame), SOF2 of 7 rows x 9 columns.
  const std::string jpeg = std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20) +
                           std::string("\xff\xc4\x00\x04\x00\x00", 6) +
                           std::string("\xff\xc2\x00\x11\x08\x00\x07\x00\x09\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 19) +
                           std::string("\xff\xd9", 2);
  CHECK(encoded_image_size("e", jpeg).width == 9);
  CHECK(encoded_image_size("e", jpeg).height == 7);

  TempDir dir;
  FileWriter writer(dir.path().string(), fixed_options());
  writer.image_encoded("jpeg", jpeg, 3);
  writer.flush();
  const Event event = parse_event(read_records(writer.path()).back());
  CHECK(string_vals(tensor_of(event)) == std::vector<std::string>{"9", "7", jpeg});
  CHECK(event.summary().value(0).metadata().plugin_data().plugin_name() == "images");

  CHECK_THROWS_MATCHES(writer.image_encoded("x", "hello", 1), InvalidArgument,
                       MessageContains("summary::image_encoded (tag 'x'): the encoded image is neither PNG nor JPEG"));
  CHECK_THROWS_MATCHES(encoded_image_size("e", png.substr(0, 20)), InvalidArgument, MessageContains("IHDR"));
  CHECK_THROWS_MATCHES(encoded_image_size("e", std::string("\xff\xd8\xff\xd9", 4)), InvalidArgument,
                       MessageContains("no readable frame header"));
  CHECK_THROWS_MATCHES(encoded_image_size("e", jpeg.substr(0, 30)), InvalidArgument,
                       MessageContains("no readable frame header"));
  std::string zero_width = jpeg;
  zero_width[26 + 7] = zero_width[26 + 8] = '\0';
  CHECK_THROWS_MATCHES(encoded_image_size("e", zero_width), InvalidArgument, MessageContains("zero width or height"));
  std::string huge_png = png;
  huge_png[16] = '\x80';
  CHECK_THROWS_MATCHES(encoded_image_size("e", huge_png), InvalidArgument, MessageContains("invalid size"));
}

TEST_CASE("summary: UTF-8 is checked as Python decodes it", "[summary]") {
  using summary::detail::is_valid_utf8;
  for (const char* good : {"", "abc", "\xc3\xa9", "\xe2\x9c\x93", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf"})
    CHECK(is_valid_utf8(good));
  for (const char* bad : {"\x80", "\xc0\x80", "\xc1\xbf", "\xc3", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80",
                          "\xe2\x9c", "\xe2\x28\xa1", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
                          "\xff", "a\xf0\x9f\x98"})
    CHECK_FALSE(is_valid_utf8(bad));
}

TEST_CASE("summary: malformed input is refused and writes nothing", "[summary]") {
  TempDir dir;
  FileWriter writer(dir.path().string(), fixed_options());
  const Tensor image = zeros(Shape{2, 2, 3}, DType::UInt8);
  CHECK_THROWS_MATCHES(writer.scalar("", 1.0, 0), InvalidArgument,
                       MessageContains("summary::scalar: the tag must not be empty"));
  CHECK_THROWS_MATCHES(writer.scalar("a\xff", 1.0, 0), InvalidArgument, MessageContains("the tag is not valid UTF-8"));
  CHECK_THROWS_MATCHES(writer.scalar("a", 1.0, 0, "\xc0\x80"), InvalidArgument,
                       MessageContains("the description is not valid UTF-8"));
  CHECK_THROWS_MATCHES(writer.text("t", "caf\xe9", 0), InvalidArgument,
                       MessageContains("summary::text (tag 't'): the text is not valid UTF-8"));
  CHECK_THROWS_MATCHES(writer.scalar("s", constant({1.f, 2.f}), 0), InvalidArgument,
                       MessageContains("a scalar summary needs a tensor of one element, got float32(2,)"));
  CHECK_THROWS_MATCHES(writer.histogram("h", constant({1.0, std::nan("")}), 0), InvalidArgument,
                       MessageContains("summary::histogram (tag 'h'): value 1"));
  CHECK_THROWS_MATCHES(writer.image("i", zeros(Shape{4, 4}, DType::UInt8), 0), InvalidArgument,
                       MessageContains("images must be [height, width, channels] or [n, height, width, channels], got "
                                       "uint8(4, 4)"));
  CHECK_THROWS_AS(writer.image("i", zeros(Shape{1, 1, 2, 2, 3}, DType::UInt8), 0), InvalidArgument);
  CHECK_THROWS_MATCHES(writer.image("i", zeros(Shape{2, 2, 5}, DType::UInt8), 0), InvalidArgument,
                       MessageContains("got 5 in uint8(2, 2, 5)"));
  CHECK_THROWS_AS(writer.image("i", zeros(Shape{2, 2, 0}, DType::UInt8), 0), InvalidArgument);
  CHECK_THROWS_MATCHES(writer.image("i", zeros(Shape{2, 2, 3}, DType::Int32), 0), InvalidArgument,
                       MessageContains("images must be uint8 (0..255) or float32/float64 (0..1), got int32(2, 2, 3)"));
  CHECK_THROWS_AS(writer.image("i", zeros(Shape{2, 2, 3}, DType::Bool), 0), InvalidArgument);
  CHECK_THROWS_MATCHES(writer.image("i", zeros(Shape{3, 0, 2, 3}), 0), InvalidArgument,
                       MessageContains("height and width must be in [1, 2147483647]"));
  CHECK_THROWS_MATCHES(writer.image("i", image, 0, -1), InvalidArgument, MessageContains("max_outputs must be >= 0"));
  CHECK_THROWS_MATCHES(writer.image("i", constant({{{0.f}, {0.f}}, {{NAN}, {0.f}}}), 0), InvalidArgument,
                       MessageContains("pixel (row 1, column 0, channel 0) of image 0 is NaN"));
  CHECK_THROWS_AS(writer.histogram("h", Tensor(), 0), InvalidArgument);
  writer.flush();
  CHECK(read_records(writer.path()).size() == 1);
  // A refused call leaves the writer working.
  writer.image("i", image, 0);
  writer.flush();
  CHECK(read_records(writer.path()).size() == 2);
}

TEST_CASE("summary: bad log directories and options are refused", "[summary]") {
  TempDir dir;
  CHECK_THROWS_MATCHES(FileWriter(""), InvalidArgument, MessageContains("logdir must not be empty"));
  const std::string file = dir.file("plain", "x");
  CHECK_THROWS_MATCHES(FileWriter(file), FailedPrecondition,
                       MessageContains("cannot create the log directory '" + file + "'"));
  CHECK_THROWS_MATCHES(FileWriter(file + "/sub"), FailedPrecondition, MessageContains("cannot create the log directory"));
  if (::geteuid() != 0) {
    fs::create_directories(dir / "locked");
    fs::permissions(dir / "locked", fs::perms::owner_read | fs::perms::owner_exec);
    CHECK_THROWS_MATCHES(FileWriter(dir / "locked"), FailedPrecondition,
                         MessageContains("cannot create the event file"));
    CHECK_THROWS_AS(FileWriter(dir / "locked/sub"), FailedPrecondition);
    fs::permissions(dir / "locked", fs::perms::owner_all);
  } else {
    WARN("skipped: permission checks (root may write anywhere)");
  }
  const auto refused = [&](auto change, const char* message) {
    FileWriterOptions options;
    change(options);
    CHECK_THROWS_MATCHES(FileWriter(dir.path().string(), options), InvalidArgument, MessageContains(message));
  };
  refused([](FileWriterOptions& o) { o.max_queue = -1; }, "max_queue must be >= 0");
  refused([](FileWriterOptions& o) { o.flush_secs = 0; }, "flush_secs must be > 0");
  refused([](FileWriterOptions& o) { o.flush_secs = NAN; }, "flush_secs must be > 0");
  refused([](FileWriterOptions& o) { o.filename_suffix = "/../x"; }, "filename_suffix '/../x' must not contain '/'");
  refused([](FileWriterOptions& o) { o.hostname = "a/b"; }, "hostname 'a/b' must not contain '/'");
  refused([](FileWriterOptions& o) { o.pid = -1; }, "pid must be >= 0");
  refused([](FileWriterOptions& o) { o.wall_clock = [] { return -1.0; }; }, "the wall clock gave -1");
  refused([](FileWriterOptions& o) { o.wall_clock = [] { return NAN; }; }, "outside [0, 1e10)");
  // Nothing refused left a file behind.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("summary: records reach the file past max_queue, at flush, close and destruction", "[summary]") {
  TempDir dir;
  std::string path;
  {
    FileWriterOptions options = fixed_options();
    options.max_queue = 2;
    FileWriter writer(dir.path().string(), options);
    path = writer.path();
    writer.scalar("a", 1, 1);
    writer.scalar("a", 2, 2);
    CHECK(read_records(path).size() == 1);  // two pending: not more than max_queue
    writer.scalar("a", 3, 3);
    CHECK(read_records(path).size() == 4);
    writer.scalar("a", 4, 4);
    CHECK(read_records(path).size() == 4);
    writer.flush();
    CHECK(read_records(path).size() == 5);
    writer.scalar("a", 5, 5);
  }
  CHECK(read_records(path).size() == 6);  // the destructor closed the file

  FileWriterOptions options = fixed_options();
  options.max_queue = 0;
  FileWriter eager_writer(dir.path().string(), options);
  eager_writer.text("t", "now", 1);
  CHECK(read_records(eager_writer.path()).size() == 2);
  eager_writer.text("t", "later", 2);
  eager_writer.close();
  eager_writer.close();
  CHECK(read_records(eager_writer.path()).size() == 3);
  CHECK_THROWS_MATCHES(eager_writer.scalar("a", 1, 1), FailedPrecondition,
                       MessageContains("summary::scalar (tag 'a'): the writer of '" + eager_writer.path() + "' is closed"));
  CHECK_THROWS_AS(eager_writer.flush(), FailedPrecondition);

  FileWriter moved = std::move(eager_writer);
  CHECK_THROWS_MATCHES(eager_writer.flush(), FailedPrecondition, MessageContains("moved from"));
  CHECK_THROWS_AS(eager_writer.path(), FailedPrecondition);
  eager_writer.close();
  CHECK(moved.path().find(dir.path().string()) == 0);
}

TEST_CASE("summary: a write error breaks the writer and is reported", "[summary]") {
  TempDir dir;
  FileWriterOptions options = fixed_options();
  SECTION("met by a call: that call and every later one throw") {
    options.max_queue = 0;
    FileWriter writer(dir.path().string(), options);
    const std::string path = writer.path();
    const auto records_before = read_records(path).size();
    {
      FileSizeLimit limit(fs::file_size(path) + 100);
      writer.text("t", "fits", 1);
      CHECK_THROWS_MATCHES(writer.text("t", std::string(200, 'x'), 2), DataLoss,
                           MessageContains("cannot write to '" + path + "'"));
      CHECK_THROWS_AS(writer.scalar("a", 1, 3), DataLoss);
      CHECK_THROWS_AS(writer.flush(), DataLoss);
      CHECK_NOTHROW(writer.close());  // already reported
    }
    CHECK_THROWS_AS(writer.scalar("a", 1, 4), FailedPrecondition);
    // "fits" is there, then the record cut short by the limit.
    data::TFRecordReader reader(path);
    std::string record;
    std::size_t complete = 0;
    CHECK_THROWS_MATCHES([&] { while (reader.read(record)) ++complete; }(), DataLoss, MessageContains("truncated"));
    CHECK(complete == records_before + 1);
  }
  SECTION("met by the background thread: the next calls throw it") {
    options.max_queue = 1000;
    options.flush_secs = 0.01;
    FileWriter writer(dir.path().string(), options);
    FileSizeLimit limit(fs::file_size(writer.path()) + 100);
    writer.text("t", std::string(200, 'x'), 1);
    // Only the timer flushes here (max_queue is far away): a later call that
    // does not flush itself throws once the background thread has met the error.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    bool thrown = false;
    for (int step = 2; !thrown && std::chrono::steady_clock::now() < deadline; ++step) {
      try {
        writer.scalar("s", 1, step);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      } catch (const DataLoss&) {
        thrown = true;
      }
    }
    CHECK(thrown);
    CHECK_THROWS_AS(writer.scalar("s", 1, 0), DataLoss);
    CHECK_NOTHROW(writer.close());  // the error has been reported
  }
}

TEST_CASE("summary: the background thread flushes every flush_secs", "[summary]") {
  TempDir dir;
  FileWriterOptions options = fixed_options();
  options.flush_secs = 0.3;
  FileWriter writer(dir.path().string(), options);
  // The record waits in the queue (max_queue is 10) until the timer fires:
  // no sooner than flush_secs after it was written, and without any call.
  const auto written = std::chrono::steady_clock::now();
  writer.scalar("a", 1, 1);
  std::size_t records = read_records(writer.path()).size();
  const auto first_read = std::chrono::steady_clock::now();
  if (first_read - written < std::chrono::milliseconds(300)) CHECK(records == 1);
  while (records < 2 && std::chrono::steady_clock::now() - written < std::chrono::seconds(20)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    records = read_records(writer.path()).size();
  }
  CHECK(records == 2);
  CHECK(std::chrono::steady_clock::now() - written >= std::chrono::milliseconds(300));
}

TEST_CASE("summary: several threads can log at once", "[summary]") {
  TempDir dir;
  FileWriterOptions options;
  options.max_queue = 7;
  options.flush_secs = 0.002;
  FileWriter writer(dir.path().string(), options);
  constexpr int kThreads = 4, kEach = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&writer, t] {
      for (int i = 0; i < kEach; ++i) writer.scalar("thread" + std::to_string(t), i, i);
    });
  std::thread flusher([&writer] {
    for (int i = 0; i < 50; ++i) writer.flush();
  });
  for (auto& thread : threads) thread.join();
  flusher.join();
  writer.close();
  const std::vector<std::string> records = read_records(writer.path());
  REQUIRE(records.size() == 1 + kThreads * kEach);
  std::vector<std::set<std::int64_t>> steps(kThreads);
  for (std::size_t i = 1; i < records.size(); ++i) {
    const Event event = parse_event(records[i]);
    const std::string& tag = event.summary().value(0).tag();
    REQUIRE(tag.size() == 7);
    REQUIRE(tag.starts_with("thread"));
    steps[static_cast<std::size_t>(tag[6] - '0')].insert(event.step());
  }
  for (const auto& s : steps) CHECK(s.size() == kEach);
}

TEST_CASE("summary: the default writer is per thread and scoped", "[summary]") {
  TempDir dir;
  CHECK_FALSE(summary::scalar("a", 1, 1));
  CHECK_FALSE(summary::flush());
  FileWriter outer(dir.path().string(), fixed_options()), inner(dir.path().string(), fixed_options());
  {
    auto scope = outer.as_default();
    CHECK(summary::scalar("a", 1, 1));
    CHECK(summary::histogram("h", constant({1.0, 2.0}), 1));
    {
      summary::DefaultWriter nested(inner);
      CHECK(summary::text("t", "x", 1));
      CHECK(summary::image("i", zeros(Shape{1, 1, 1}, DType::UInt8), 1));
      CHECK(summary::image_encoded("e", io::detail::encode_png(std::vector<std::uint8_t>{7}.data(), 1, 1, 1), 1));
      CHECK(summary::scalar("s", constant({2}), 1));
    }
    bool other_thread_has_default = true;
    std::thread([&] { other_thread_has_default = summary::scalar("b", 1, 1); }).join();
    CHECK_FALSE(other_thread_has_default);
    CHECK(summary::flush());
    CHECK(read_records(outer.path()).size() == 3);
    inner.flush();
    CHECK(read_records(inner.path()).size() == 5);

    inner.set_as_default();  // until the enclosing scope restores what it replaced
    CHECK(summary::scalar("c", 1, 1));
    inner.close();
    CHECK_THROWS_MATCHES(summary::scalar("c", 1, 1), FailedPrecondition, MessageContains("is closed"));
  }
  CHECK_FALSE(summary::scalar("a", 1, 1));
  {
    std::optional<FileWriter> short_lived(std::in_place, dir.path().string(), fixed_options());
    summary::DefaultWriter scope(*short_lived);
    short_lived.reset();  // the default does not keep the file open
    CHECK_THROWS_AS(summary::text("t", "x", 1), FailedPrecondition);
  }
  CHECK_FALSE(summary::text("t", "x", 1));
}

TEST_CASE("summary: the committed fixture is what eager writes, byte for byte", "[summary]") {
  TempDir dir;
  const std::string fresh = read_bytes(write_fixture(dir));
  const std::string committed = read_bytes((kFixtureDir / kFixtureName).string());
  INFO("regenerate with: eager_tests \"[.summary-fixture]\" (and rerun tools/check_event_file.py --compare-tf)");
  CHECK(committed == fresh);
  const std::vector<std::string> records = read_records((kFixtureDir / kFixtureName).string());
  CHECK(records.size() == 8);
  for (const std::string& record : records) CHECK_NOTHROW(parse_event(record));
}

TEST_CASE("summary: regenerate the committed fixture", "[.summary-fixture]") {
  TempDir dir;
  const std::string bytes = read_bytes(write_fixture(dir));
  std::ofstream out(kFixtureDir / kFixtureName, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

TEST_CASE("summary: TensorBoard's reader shows what eager wrote", "[summary]") {
  const auto found =
      eager::test::python_with("/work/tfvenv/bin/python", "tensorboard, PIL", "pip install tensorboard pillow");
  if (!found) return;
  const std::string& python = *found;
  // A fresh file (the real clock, host and process) from the fixture's calls
  // must show exactly what the committed expectation lists.
  TempDir dir;
  std::string path;
  {
    FileWriter writer(dir.path().string());
    write_fixture_sequence(writer);
    path = writer.path();
  }
  const std::string command = python + " " + (kSourceDir.parent_path() / "tools" / "check_event_file.py").string() +
                              " " + path + " --expect " + (kFixtureDir / "expected.txt").string();
  const std::string output = eager::test::run_successfully(command);
  INFO(output);
  CHECK(output.find("scalars . loss step 1 value 1.25") != std::string::npos);
}
