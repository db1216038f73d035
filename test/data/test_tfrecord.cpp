// TFRecord files: CRC32C (both implementations, known vectors, against each
// other), golden framed bytes, files written by TensorFlow (fixtures from
// tools/make_tfrecord_fixtures.py), round trips through every compression,
// and every byte flipped or cut off of small files.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "data/crc32c.hpp"
#include "eager/data/tfrecord.hpp"
#include "eager/error.hpp"
#include "data/temp_dir.hpp"
#include "serialize/file_helpers.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using namespace eager::data;
using eager::test::MessageContains;
namespace fs = std::filesystem;
namespace crc_detail = eager::data::detail;

namespace {

const fs::path kFixtures = fs::path(EAGER_TEST_SOURCE_DIR) / "data" / "fixtures" / "tfrecord";

using eager::test::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// The bytes of tools/make_tfrecord_fixtures.py's pattern(n, k).
std::string pattern(std::size_t n, std::size_t k) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>((31 * i + 7 * k) % 251);
  return out;
}

// RECORDS of tools/make_tfrecord_fixtures.py.
std::vector<std::string> fixture_records() {
  std::string all_bytes(256, '\0');
  for (int i = 0; i < 256; ++i) all_bytes[static_cast<std::size_t>(i)] = static_cast<char>(i);
  return {"", "hello", all_bytes, pattern(1000, 1), std::string("\x00\xff", 2), pattern(3000, 2)};
}

// A record header: the length, little-endian, and its masked CRC.
std::string frame_header(std::uint64_t length) {
  std::string header;
  for (int i = 0; i < 8; ++i) header.push_back(static_cast<char>(length >> (8 * i)));
  const std::uint32_t crc = masked_crc32c(header.data(), 8);
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>(crc >> (8 * i)));
  return header;
}

std::vector<std::string> read_all(const std::string& path, TFRecordOptions options = {}) {
  TFRecordReader reader(path, options);
  std::vector<std::string> out;
  std::string record;
  while (reader.read(record)) out.push_back(record);
  return out;
}

void write_all(const std::string& path, const std::vector<std::string>& records, TFRecordOptions options = {}) {
  TFRecordWriter writer(path, options);
  for (const std::string& r : records) writer.write(r);
  writer.close();
}

std::string random_bytes(std::size_t n, std::mt19937& gen) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

const std::vector<std::pair<const char*, Compression>> kCompressions = {
    {"none", Compression::None}, {"gzip", Compression::Gzip}, {"zlib", Compression::Zlib}};

}  // namespace

TEST_CASE("crc32c: known vectors for both implementations", "[tfrecord]") {
  const std::string digits = "123456789";
  const std::string zeros(32, '\0'), ones(32, '\xff');
  std::string ascending(32, '\0'), descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[static_cast<std::size_t>(i)] = static_cast<char>(i);
    descending[static_cast<std::size_t>(i)] = static_cast<char>(31 - i);
  }
  // RFC 3720, appendix B.4, and the usual check value.
  const std::vector<std::pair<std::string, std::uint32_t>> vectors = {
      {"", 0}, {digits, 0xE3069283u}, {zeros, 0x8A9136AAu}, {ones, 0x62A8AB43u},
      {ascending, 0x46DD794Eu}, {descending, 0x113FDB5Cu}};
  for (const auto& [bytes, expected] : vectors) {
    INFO("input of " << bytes.size() << " bytes");
    CHECK(crc_detail::crc32c_software(bytes.data(), bytes.size(), 0) == expected);
    CHECK(crc32c(bytes.data(), bytes.size()) == expected);
    if (crc_detail::crc32c_hardware_available())
      CHECK(crc_detail::crc32c_hardware(bytes.data(), bytes.size(), 0) == expected);
  }
  // TFRecord's mask, as the bytes of TensorFlow's files store it.
  CHECK(masked_crc32c("", 0) == 0xa282ead8u);
  CHECK(masked_crc32c(zeros.data(), 8) == 0x07980329u);
  CHECK(masked_crc32c("hello", 5) == 0x191c1fbbu);
}

TEST_CASE("crc32c: hardware and software agree on random data of many lengths and alignments", "[tfrecord]") {
  if (!crc_detail::crc32c_hardware_available()) {
    WARN("no SSE4.2 crc32 on this CPU: only the software CRC32C is tested");
    return;
  }
  std::mt19937 gen(7);
  const std::string data = random_bytes(200000, gen);
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  // Around the three-stream block sizes (3 x 256 and 3 x 8192 bytes) and beyond.
  for (std::size_t n : {767, 768, 769, 1535, 1536, 1537, 24575, 24576, 24577, 49160, 100000, 199990})
    lengths.push_back(n);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n : lengths) {
      const char* p = data.data() + offset;
      const std::uint32_t sw = crc_detail::crc32c_software(p, n, 0);
      if (crc_detail::crc32c_hardware(p, n, 0) != sw) FAIL("offset " << offset << ", length " << n);
      // Continuing from a previous CRC is the same as one pass over both parts.
      const std::size_t cut = n / 3;
      if (crc_detail::crc32c_hardware(p + cut, n - cut, crc_detail::crc32c_software(p, cut, 0)) != sw ||
          crc32c(p + cut, n - cut, crc32c(p, cut)) != sw)
        FAIL("extended CRC at offset " << offset << ", length " << n << ", cut " << cut);
    }
  }
}

TEST_CASE("TFRecordWriter: golden bytes of the empty record and of 'hello'", "[tfrecord]") {
  TempDir dir;
  write_all(dir / "empty", {""});
  CHECK(read_bytes(dir / "empty") == from_hex("000000000000000029039807d8ea82a2"));
  write_all(dir / "hello", {"hello"});
  CHECK(read_bytes(dir / "hello") == from_hex("0500000000000000eab2043e68656c6c6fbb1f1c19"));
}

TEST_CASE("TFRecordWriter: writes byte for byte what tf.io.TFRecordWriter wrote", "[tfrecord]") {
  TempDir dir;
  write_all(dir / "records", fixture_records());
  CHECK(read_bytes(dir / "records") == read_bytes((kFixtures / "records.tfrecord").string()));
}

TEST_CASE("TFRecordReader: reads TensorFlow's files, uncompressed, GZIP and ZLIB", "[tfrecord]") {
  const std::vector<std::string> expected = fixture_records();
  for (const auto& [suffix, compression] : std::vector<std::pair<std::string, Compression>>{
           {"", Compression::None}, {".gz", Compression::Gzip}, {".zlib", Compression::Zlib}}) {
    INFO("records.tfrecord" << suffix);
    TFRecordReader reader((kFixtures / ("records.tfrecord" + suffix)).string(), {compression});
    CHECK(reader.offset() == 0);
    std::uint64_t offset = 0;
    for (const std::string& want : expected) {
      const std::optional<std::string> got = reader.next();
      REQUIRE(got.has_value());
      CHECK(*got == want);
      offset += 16 + want.size();
      CHECK(reader.offset() == offset);
    }
    CHECK_FALSE(reader.next().has_value());
    CHECK_FALSE(reader.next().has_value());
  }
}

TEST_CASE("TFRecord: round trips through every compression, records small and large", "[tfrecord]") {
  TempDir dir;
  std::mt19937 gen(3);
  std::vector<std::string> records;
  // Sizes around the reader's 1 MiB buffer and its direct-read threshold.
  for (std::size_t n : {0, 1, 11, 12, 100, 4096, 100000, 524287, 524288, 1048575, 1048576, 3000001, 7})
    records.push_back(random_bytes(n, gen));
  for (int i = 0; i < 300; ++i) records.push_back(random_bytes(gen() % 5000, gen));
  const std::string path = dir / "round_trip";
  if (const char* out = std::getenv("EAGER_TFRECORD_EXPORT_DIR")) {
    // For tools/make_tfrecord_fixtures.py --check-eager: TensorFlow reads these.
    write_all((fs::path(out) / "eager_records.tfrecord").string(), fixture_records());
    write_all((fs::path(out) / "eager_records.tfrecord.gz").string(), fixture_records(), {Compression::Gzip});
    write_all((fs::path(out) / "eager_records.tfrecord.zlib").string(), fixture_records(), {Compression::Zlib});
  }
  for (const auto& [name, compression] : kCompressions) {
    INFO("compression " << name);
    write_all(path, records, {compression});
    CHECK(read_all(path, {compression}) == records);
    // read() reuses the string: an empty record after a longer one must come out empty.
    const std::vector<std::string> shrinking = {"abc", "", "x", "", std::string(70000, 'y'), "z"};
    write_all(path, shrinking, {compression});
    CHECK(read_all(path, {compression}) == shrinking);
    // The same files through eager's writer and TensorFlow's reader: tools/make_tfrecord_fixtures.py.
    write_all(path, fixture_records(), {compression});
    CHECK(read_all(path, {compression}) == fixture_records());
  }
  // An empty file holds no records, whatever its compression.
  write_bytes(dir / "zero_bytes", "");
  for (const auto& [name, compression] : kCompressions) CHECK(read_all(dir / "zero_bytes", {compression}).empty());
  // A writer with no records still makes a complete (empty) compressed stream.
  write_all(path, {}, {Compression::Gzip});
  CHECK(fs::file_size(path) > 0);
  CHECK(read_all(path, {Compression::Gzip}).empty());
}

TEST_CASE("TFRecordWriter: flush, close, destructor and moves", "[tfrecord]") {
  TempDir dir;
  const std::string path = dir / "w";
  {
    TFRecordWriter writer(path);
    writer.write("one");
    writer.write("two");
    CHECK(fs::file_size(path) == 0);  // still buffered
    writer.flush();
    CHECK(read_all(path) == std::vector<std::string>{"one", "two"});
    writer.write("three");
    TFRecordWriter moved(std::move(writer));
    moved.write("four");
    CHECK_THROWS_MATCHES(writer.write("x"), FailedPrecondition, MessageContains("after close()"));
  }  // the destructor closes
  CHECK(read_all(path) == std::vector<std::string>{"one", "two", "three", "four"});

  TFRecordWriter writer(path, {Compression::Gzip});
  CHECK(writer.path() == path);
  writer.write("a");
  writer.flush();
  // A flushed gzip stream holds the records but has not ended: the reader
  // returns them and then reports the stream cut short.
  TFRecordReader partial(path, {Compression::Gzip});
  CHECK(partial.next() == std::optional<std::string>("a"));
  CHECK_THROWS_MATCHES(partial.next(), DataLoss, MessageContains("ends inside its gzip stream"));
  writer.write("b");
  writer.close();
  writer.close();  // idempotent
  CHECK_THROWS_MATCHES(writer.write("c"), FailedPrecondition, MessageContains(path));
  CHECK_THROWS_MATCHES(writer.flush(), FailedPrecondition, MessageContains("after close()"));
  CHECK(read_all(path, {Compression::Gzip}) == std::vector<std::string>{"a", "b"});

  TFRecordWriter first(dir / "first");
  first.write("kept");
  first = TFRecordWriter(dir / "second");  // closes "first" with its record
  first.write("other");
  first.close();
  CHECK(read_all(dir / "first") == std::vector<std::string>{"kept"});
  CHECK(read_all(dir / "second") == std::vector<std::string>{"other"});
}

TEST_CASE("TFRecord: missing files, directories and unwritable paths", "[tfrecord]") {
  TempDir dir;
  const std::string missing = dir / "missing.tfrecord";
  CHECK_THROWS_MATCHES(TFRecordReader(missing), NotFound, MessageContains(missing));
  CHECK_THROWS_MATCHES(TFRecordReader(dir.path().string()), InvalidArgument, MessageContains("is a directory"));
  const std::string nested = dir / "no_such_dir/out.tfrecord";
  CHECK_THROWS_MATCHES(TFRecordWriter(nested), NotFound, MessageContains(nested));
  CHECK_THROWS_MATCHES(TFRecordWriter(dir.path().string()), FailedPrecondition,
                       MessageContains(dir.path().string()));
}

TEST_CASE("TFRecordWriter: a full disk is ResourceExhausted, from flush() and close()", "[tfrecord]") {
  if (!fs::exists("/dev/full")) {
    WARN("no /dev/full: the disk-full path is not exercised");
    return;
  }
  TFRecordWriter writer("/dev/full");
  writer.write("x");
  CHECK_THROWS_MATCHES(writer.flush(), ResourceExhausted, MessageContains("cannot write to '/dev/full'"));
  CHECK_THROWS_AS(writer.close(), ResourceExhausted);
  writer.close();  // closed despite the error
  CHECK_THROWS_AS(writer.write("y"), FailedPrecondition);
}

TEST_CASE("TFRecordReader: a pipe, which has no size to check lengths against", "[tfrecord]") {
  TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto feed = [&](std::string bytes) {
    return std::thread([fifo, bytes = std::move(bytes)] {
      std::ofstream out(fifo, std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    });
  };
  std::thread writer = feed(read_bytes((kFixtures / "records.tfrecord").string()));
  CHECK(read_all(fifo) == fixture_records());
  writer.join();
  // A header claiming 2^60 bytes: read as far as the pipe goes, never allocated up front.
  const std::string header = frame_header(std::uint64_t{1} << 60);
  writer = feed(header + std::string(3000000, 'a'));
  CHECK_THROWS_MATCHES(read_all(fifo), DataLoss,
                       MessageContains("expected 1152921504606846976 data bytes, found 3000000"));
  writer.join();
}

TEST_CASE("TFRecordReader: every flipped byte of a small file is a DataLoss at its record's offset", "[tfrecord]") {
  TempDir dir;
  const std::vector<std::string> records = {"", "hello", pattern(20, 3)};
  const std::vector<std::uint64_t> starts = {0, 16, 37, 73};  // record offsets, then the end
  const std::string path = dir / "small";
  write_all(path, records);
  const std::string good = read_bytes(path);
  REQUIRE(good.size() == starts.back());
  const std::string corrupt = dir / "corrupt";
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      write_bytes(corrupt, bad);
      std::size_t record = 0;
      while (starts[record + 1] <= i) ++record;
      INFO("byte " << i << " ^ " << int(mask) << ", in record " << record);
      TFRecordReader reader(corrupt);
      std::string got;
      for (std::size_t k = 0; k < record; ++k) {
        REQUIRE(reader.read(got));
        CHECK(got == records[k]);
      }
      const std::string where = "at offset " + std::to_string(starts[record]) + " in '" + corrupt + "'";
      CHECK_THROWS_MATCHES(reader.read(got), DataLoss, MessageContains(where));
      // A reader stays failed with the same error.
      CHECK_THROWS_MATCHES(reader.read(got), DataLoss, MessageContains(where));
    }
  }
}

TEST_CASE("TFRecordReader: a file cut at every offset reads to the cut, then says where", "[tfrecord]") {
  TempDir dir;
  const std::vector<std::string> records = {"", "hello", pattern(20, 3)};
  const std::vector<std::uint64_t> starts = {0, 16, 37, 73};
  const std::string path = dir / "small";
  write_all(path, records);
  const std::string good = read_bytes(path);
  const std::string cut = dir / "cut";
  for (std::size_t n = 0; n < good.size(); ++n) {
    write_bytes(cut, good.substr(0, n));
    std::size_t complete = 0;
    while (starts[complete + 1] <= n) ++complete;
    INFO("cut at " << n);
    TFRecordReader reader(cut);
    std::string got;
    for (std::size_t k = 0; k < complete; ++k) REQUIRE(reader.read(got));
    if (n == starts[complete]) {
      CHECK_FALSE(reader.read(got));  // a cut between records is a shorter, valid file
      continue;
    }
    const std::uint64_t inside = n - starts[complete];
    const std::string part = inside < 12 ? "expected 12 header bytes, found " + std::to_string(inside)
                             : inside < 12 + records[complete].size()
                                 ? "expected " + std::to_string(records[complete].size()) + " data bytes, found " +
                                       std::to_string(inside - 12)
                                 : "expected 4 footer bytes";
    CHECK_THROWS_MATCHES(reader.read(got), DataLoss,
                         MessageContains("truncated record at offset " + std::to_string(starts[complete]) + " in '" +
                                         cut + "': " + part));
  }
}

TEST_CASE("TFRecordReader: corrupt and truncated compressed files never pass as different records", "[tfrecord]") {
  TempDir dir;
  const std::vector<std::string> records = {"", "hello", pattern(300, 5)};
  for (const auto& [name, compression] : {kCompressions[1], kCompressions[2]}) {
    INFO("compression " << name);
    const std::string path = dir / "small";
    write_all(path, records, {compression});
    const std::string good = read_bytes(path);
    const std::string bad_path = dir / "bad";
    for (std::size_t i = 0; i < good.size(); ++i) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ 0x10);
      write_bytes(bad_path, bad);
      // Some header bytes (a gzip mtime) do not matter; everything else must be caught.
      std::vector<std::string> got;
      try {
        got = read_all(bad_path, {compression});
      } catch (const DataLoss& e) {
        CHECK_THAT(e, MessageContains(bad_path));
        continue;
      }
      INFO("byte " << i << " flipped");
      CHECK(got == records);
    }
    for (std::size_t n = 1; n < good.size(); ++n) {
      write_bytes(bad_path, good.substr(0, n));
      INFO("cut at " << n);
      CHECK_THROWS_MATCHES(read_all(bad_path, {compression}), DataLoss, MessageContains("in '" + bad_path + "'"));
    }
  }
}

TEST_CASE("TFRecordReader: an absurd length is refused before anything is allocated", "[tfrecord]") {
  TempDir dir;
  // A header claiming 2^60 bytes, with a valid length CRC, then 3 bytes.
  const std::string header = frame_header(std::uint64_t{1} << 60);
  const std::string path = dir / "absurd";
  write_bytes(path, header + "abc");
  CHECK_THROWS_MATCHES(read_all(path), DataLoss,
                       MessageContains("truncated record at offset 0 in '" + path +
                                       "': expected 1152921504606846976 data bytes, found 3"));
  // The same in a gzip stream (2^40 bytes claimed, made by the fixture script).
  const std::string gz = (kFixtures / "absurd_length.tfrecord.gz").string();
  CHECK_THROWS_MATCHES(read_all(gz, {Compression::Gzip}), DataLoss,
                       MessageContains("truncated record at offset 0 in '" + gz +
                                       "': expected 1099511627776 data bytes"));
  // Read as uncompressed, the gzip file is simply corrupt.
  CHECK_THROWS_MATCHES(read_all(gz), DataLoss, MessageContains("length CRC mismatch"));
}

TEST_CASE("tfrecord: after a write error the writer refuses to write again", "[tfrecord]") {
  eager::test::TempDir dir;
  const std::string path = dir / "full.tfrecord";
  TFRecordWriter writer(path);
  writer.write("first");
  writer.flush();
  {
    // As a full disk: only 10 more bytes fit, so the flush writes part of
    // the buffer and fails. Writing that buffer again would duplicate bytes.
    const eager::test::FileSizeLimit limit(std::filesystem::file_size(path) + 10);
    writer.write(std::string(100, 'x'));
    CHECK_THROWS_WITH(writer.flush(), Catch::Contains("cannot write to"));
    CHECK_THROWS_WITH(writer.write("more"), Catch::Contains("cannot write to"));
    CHECK_THROWS_WITH(writer.flush(), Catch::Contains("cannot write to"));
  }
  CHECK_THROWS_WITH(writer.close(), Catch::Contains("cannot write to"));
  CHECK_NOTHROW(writer.close());
  CHECK(std::filesystem::file_size(path) == 4 + 5 + 12 + 10);  // nothing written twice
  TFRecordReader reader(path);
  std::string record;
  REQUIRE(reader.read(record));
  CHECK(record == "first");
  CHECK_THROWS_AS(reader.read(record), DataLoss);
}
