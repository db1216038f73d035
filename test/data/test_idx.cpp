// IDX reader: every element type against hand-encoded big-endian bytes, gzip
// files (committed fixtures from tools/make_idx_fixtures.py), every kind of
// malformed input, load_mnist on tiny directories, and Fashion-MNIST itself
// when the Debian package dataset-fashion-mnist is installed.
#include <catch2/catch.hpp>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "eager/data/idx.hpp"
#include "eager/eager.hpp"
#include "data/temp_dir.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::MessageContains;
using eager::data::load_mnist;
using eager::data::read_idx;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<unsigned char>;

const fs::path kFixtures = fs::path(EAGER_TEST_SOURCE_DIR) / "data" / "fixtures";

using eager::test::TempDir;

void append_be(Bytes& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

// 00 00 <type> <rank>, then each dimension as a big-endian uint32.
Bytes idx_header(unsigned char type, const std::vector<std::uint32_t>& dims) {
  Bytes out = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims) append_be(out, d, 4);
  return out;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string write_file(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
  return path.string();
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string fixture(const std::string& name) { return (kFixtures / name).string(); }


}  // namespace

TEST_CASE("read_idx: uint8 data keeps its shape and values", "[idx]") {
  TempDir dir;
  const auto path = write_file(dir / "u8", concat(idx_header(0x08, {2, 3}), {0, 1, 2, 127, 128, 255}));
  Tensor t = read_idx(path);
  CHECK(t.dtype() == DType::UInt8);
  CHECK(t.device() == Device::cpu());
  CHECK(t.is_contiguous());
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.to_vector<int>() == std::vector<int>{0, 1, 2, 127, 128, 255});
}

TEST_CASE("read_idx: signed and wide types are decoded from big-endian", "[idx]") {
  TempDir dir;
  SECTION("int8 widens to int32") {
    const auto path = write_file(dir / "i8", concat(idx_header(0x09, {4}), {0x80, 0xFF, 0x00, 0x7F}));
    Tensor t = read_idx(path);
    CHECK(t.dtype() == DType::Int32);
    CHECK(t.to_vector<std::int32_t>() == std::vector<std::int32_t>{-128, -1, 0, 127});
  }
  SECTION("int16 widens to int32") {
    Bytes data;
    for (std::uint16_t v : {0x8000, 0xFFFE, 300, 0x7FFF}) append_be(data, v, 2);
    Tensor t = read_idx(write_file(dir / "i16", concat(idx_header(0x0B, {2, 2}), data)));
    CHECK(t.dtype() == DType::Int32);
    CHECK(t.shape() == Shape{2, 2});
    CHECK(t.to_vector<std::int32_t>() == std::vector<std::int32_t>{-32768, -2, 300, 32767});
  }
  SECTION("int32") {
    Bytes data;
    for (std::uint32_t v : {0x80000000u, 0xFFFFFFFFu, 123456789u, 0x01020304u}) append_be(data, v, 4);
    Tensor t = read_idx(write_file(dir / "i32", concat(idx_header(0x0C, {4}), data)));
    CHECK(t.dtype() == DType::Int32);
    CHECK(t.to_vector<std::int32_t>() == std::vector<std::int32_t>{INT32_MIN, -1, 123456789, 0x01020304});
  }
  SECTION("float32") {
    const std::vector<float> values = {1.5f, -2.25f, 3.0e-38f, 1.0f / 3.0f, -0.0f};
    Bytes data;
    for (float v : values) append_be(data, std::bit_cast<std::uint32_t>(v), 4);
    Tensor t = read_idx(write_file(dir / "f32", concat(idx_header(0x0D, {5, 1}), data)));
    CHECK(t.dtype() == DType::Float32);
    CHECK(t.shape() == Shape{5, 1});
    CHECK(t.to_vector<float>() == values);
  }
  SECTION("float64") {
    const std::vector<double> values = {1e300, -0.1, 2.5};
    Bytes data;
    for (double v : values) append_be(data, std::bit_cast<std::uint64_t>(v), 8);
    Tensor t = read_idx(write_file(dir / "f64", concat(idx_header(0x0E, {1, 3, 1}), data)));
    CHECK(t.dtype() == DType::Float64);
    CHECK(t.shape() == Shape{1, 3, 1});
    CHECK(t.to_vector<double>() == values);
  }
}

TEST_CASE("read_idx: rank 0, empty dimensions and long chunks", "[idx]") {
  TempDir dir;
  Tensor scalar_file = read_idx(write_file(dir / "scalar", concat(idx_header(0x08, {}), {42})));
  CHECK(scalar_file.rank() == 0);
  CHECK(scalar_file.item<int>() == 42);

  Tensor empty = read_idx(write_file(dir / "empty", idx_header(0x0D, {0, 5})));
  CHECK(empty.shape() == Shape{0, 5});
  CHECK(empty.dtype() == DType::Float32);

  // More int16 elements than one conversion chunk holds.
  const std::uint32_t n = 100000;
  Bytes data;
  for (std::uint32_t i = 0; i < n; ++i) append_be(data, static_cast<std::uint16_t>(i * 7 - 30000), 2);
  Tensor wide = read_idx(write_file(dir / "long", concat(idx_header(0x0B, {n}), data)));
  const auto values = wide.to_vector<std::int32_t>();
  REQUIRE(values.size() == n);
  for (std::uint32_t i = 0; i < n; i += 997)
    REQUIRE(values[i] == static_cast<std::int16_t>(static_cast<std::uint16_t>(i * 7 - 30000)));
  CHECK(values[n - 1] == static_cast<std::int16_t>(static_cast<std::uint16_t>((n - 1) * 7 - 30000)));
}

TEST_CASE("read_idx: missing files and directories", "[idx]") {
  TempDir dir;
  const std::string missing = dir / "no-such-file";
  CHECK_THROWS_MATCHES(read_idx(missing), NotFound, MessageContains(missing));
  CHECK_THROWS_MATCHES(read_idx(dir.path().string()), InvalidArgument, MessageContains("is a directory"));
}

TEST_CASE("read_idx: malformed headers are DataLoss", "[idx]") {
  TempDir dir;
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "empty", {})), DataLoss,
                       MessageContains("expected 4 bytes of magic number, found 0"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "short", {0, 0, 8})), DataLoss,
                       MessageContains("expected 4 bytes of magic number, found 3"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "magic", {0x01, 0x02, 0x08, 0x01, 0, 0, 0, 0})), DataLoss,
                       MessageContains("bad magic number 01 02 08 01"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "type", idx_header(0x0A, {1}))), DataLoss,
                       MessageContains("unknown element type code 0x0A"));
  Bytes two_of_three_dims = idx_header(0x08, {2, 3, 4});
  two_of_three_dims.resize(12);
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "dims", two_of_three_dims)), DataLoss,
                       MessageContains("expected 12 bytes of 3 dimensions, found 8"));
}

TEST_CASE("read_idx: too little or too much data is DataLoss", "[idx]") {
  TempDir dir;
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "u8", concat(idx_header(0x08, {2, 3}), {1, 2, 3, 4}))), DataLoss,
                       MessageContains("expected 6 data bytes for dimensions (2, 3), found 4"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "f64", concat(idx_header(0x0E, {2}), Bytes(15, 0)))), DataLoss,
                       MessageContains("expected 16 data bytes for dimensions (2,), found 15"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "i16", concat(idx_header(0x0B, {3}), Bytes(5, 0)))), DataLoss,
                       MessageContains("expected 6 data bytes for dimensions (3,), found 5"));
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "extra", concat(idx_header(0x08, {2}), {1, 2, 3, 4}))), DataLoss,
                       MessageContains("trailing garbage: 2 bytes after the 2 data bytes"));
}

TEST_CASE("read_idx: hostile dimensions are refused before allocating", "[idx]") {
  TempDir dir;
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "count", idx_header(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}))),
                       DataLoss, MessageContains("overflow"));
  // (2^32 - 1)(2^31 - 1) elements fit in int64; their float64 bytes do not.
  CHECK_THROWS_MATCHES(read_idx(write_file(dir / "bytes", idx_header(0x0E, {0xFFFFFFFF, 0x7FFFFFFF}))), DataLoss,
                       MessageContains("overflow"));
  const auto before = memory::stats();
  const auto huge = write_file(dir / "huge", concat(idx_header(0x08, {100000, 100000}), {1, 2}));
  CHECK_THROWS_MATCHES(read_idx(huge), DataLoss,
                       MessageContains("expected 10000000000 data bytes for dimensions (100000, 100000), found 2"));
  CHECK(memory::stats().peak_allocated_bytes == before.peak_allocated_bytes);
}

TEST_CASE("read_idx: gzip files decode transparently", "[idx]") {
  Tensor t = read_idx(fixture("ubyte_2x3.idx.gz"));
  CHECK(t.dtype() == DType::UInt8);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.to_vector<int>() == std::vector<int>{0, 1, 2, 127, 128, 255});

  Tensor members = read_idx(fixture("ubyte_2x3_two_members.idx.gz"));
  CHECK(members.shape() == Shape{2, 3});
  CHECK(members.to_vector<int>() == std::vector<int>{0, 1, 2, 127, 128, 255});

  Tensor f64 = read_idx(fixture("float64_2.idx.gz"));
  CHECK(f64.dtype() == DType::Float64);
  CHECK(f64.to_vector<double>() == std::vector<double>{1.5, -0.25});
}

TEST_CASE("read_idx: corrupt gzip files are DataLoss", "[idx]") {
  CHECK_THROWS_MATCHES(read_idx(fixture("bad_crc.idx.gz")), DataLoss, MessageContains("incorrect data check"));
  CHECK_THROWS_MATCHES(read_idx(fixture("truncated_stream.idx.gz")), DataLoss, MessageContains("truncated"));
  CHECK_THROWS_MATCHES(read_idx(fixture("garbage_after_stream.idx.gz")), DataLoss,
                       MessageContains("bytes after the end of its gzip stream"));
  CHECK_THROWS_MATCHES(read_idx(fixture("extra_data.idx.gz")), DataLoss,
                       MessageContains("trailing garbage: more bytes after the 6 data bytes"));
  CHECK_THROWS_MATCHES(read_idx(fixture("ubyte_truncated_data.idx.gz")), DataLoss,
                       MessageContains("expected 6 data bytes for dimensions (2, 3), found 4"));
  CHECK_THROWS_MATCHES(read_idx(fixture("int16_truncated_data.idx.gz")), DataLoss,
                       MessageContains("expected 6 data bytes for dimensions (3,), found 5"));
  CHECK_THROWS_MATCHES(read_idx(fixture("huge_dims.idx.gz")), DataLoss,
                       MessageContains("expected 4000000000 data bytes for dimensions (2000000000, 2)") &&
                           MessageContains("decodes to at most"));
}

TEST_CASE("read_idx: every prefix and every bit flip of a file is handled", "[idx]") {
  // Each case gets a file of its own: rewriting one file in place makes ext4
  // flush it on every close, which is a hundred times slower.
  TempDir dir;
  for (const std::string name : {"ubyte_2x3.idx.gz", "float64_2.idx.gz", "ubyte_2x3_two_members.idx.gz"}) {
    const Bytes whole = read_file(kFixtures / name);
    REQUIRE(!whole.empty());
    for (std::size_t length = 0; length < whole.size(); ++length) {
      INFO(name << " cut to " << length << " bytes");
      const auto path = write_file(dir / (name + ".prefix" + std::to_string(length)),
                                   Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(length)));
      CHECK_THROWS_AS(read_idx(path), DataLoss);
    }
    // A flipped bit either still decodes to the same values (a header byte
    // gzip does not check, such as the time stamp) or is DataLoss; nothing else.
    const Tensor original = read_idx((kFixtures / name).string());
    for (std::size_t i = 0; i < whole.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        Bytes flipped = whole;
        flipped[i] ^= static_cast<unsigned char>(1 << bit);
        INFO(name << " with bit " << bit << " of byte " << i << " flipped");
        const std::string path = write_file(dir / (name + ".flip" + std::to_string(i * 8 + bit)), flipped);
        Tensor decoded;
        try {
          decoded = read_idx(path);
        } catch (const DataLoss&) {
          continue;
        }
        CHECK(all_equal(decoded, original));
      }
    }
  }
}

TEST_CASE("load_mnist: reads a gzip directory", "[idx]") {
  const auto mnist = load_mnist((kFixtures / "mnist_gz").string());
  CHECK(mnist.train_images.shape() == Shape{3, 4, 4});
  CHECK(mnist.train_images.dtype() == DType::UInt8);
  const auto train_pixels = mnist.train_images.to_vector<int>();
  for (int i = 0; i < 48; ++i) REQUIRE(train_pixels[i] == i);
  CHECK(mnist.train_labels.to_vector<int>() == std::vector<int>{5, 0, 9});
  CHECK(mnist.test_images.shape() == Shape{2, 4, 4});
  CHECK(mnist.test_images.to_vector<int>()[31] == 231);
  CHECK(mnist.test_labels.to_vector<int>() == std::vector<int>{7, 2});
}

TEST_CASE("load_mnist: plain files win over .gz and errors name the paths", "[idx]") {
  TempDir dir;
  for (const auto& entry : fs::directory_iterator(kFixtures / "mnist_gz"))
    fs::copy_file(entry.path(), dir / entry.path().filename().string());
  // A plain train-labels file beside the .gz one, with other labels.
  write_file(dir / "train-labels-idx1-ubyte", concat(idx_header(0x08, {3}), {1, 1, 1}));
  CHECK(load_mnist(dir.path().string()).train_labels.to_vector<int>() == std::vector<int>{1, 1, 1});

  write_file(dir / "train-labels-idx1-ubyte", concat(idx_header(0x08, {2}), {1, 1}));
  CHECK_THROWS_MATCHES(load_mnist(dir.path().string()), DataLoss,
                       MessageContains("train split") && MessageContains("has 3 images but 2 labels"));

  write_file(dir / "train-labels-idx1-ubyte", concat(idx_header(0x08, {3, 1}), {1, 1, 1}));
  CHECK_THROWS_MATCHES(load_mnist(dir.path().string()), DataLoss, MessageContains("expected uint8 of rank 1"));

  write_file(dir / "train-labels-idx1-ubyte", concat(idx_header(0x0C, {1}), {0, 0, 0, 1}));
  CHECK_THROWS_MATCHES(load_mnist(dir.path().string()), DataLoss, MessageContains("holds int32(1,)"));

  fs::remove(dir / "train-labels-idx1-ubyte");
  write_file(dir / "t10k-images-idx3-ubyte", concat(idx_header(0x08, {2, 2, 8}), Bytes(32, 0)));
  CHECK_THROWS_MATCHES(load_mnist(dir.path().string()), DataLoss, MessageContains("differ in size"));

  fs::remove(dir / "t10k-images-idx3-ubyte");
  fs::remove(dir / "t10k-images-idx3-ubyte.gz");
  const std::string plain = dir / "t10k-images-idx3-ubyte";
  CHECK_THROWS_MATCHES(load_mnist(dir.path().string()), NotFound,
                       MessageContains(plain + "'") && MessageContains(plain + ".gz'"));

  const std::string missing = dir / "missing";
  CHECK_THROWS_MATCHES(load_mnist(missing), NotFound, MessageContains(missing) && MessageContains("does not exist"));
}

TEST_CASE("load_mnist: Fashion-MNIST from the Debian package", "[idx]") {
  const fs::path directory = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(directory / "train-images-idx3-ubyte.gz")) {
    WARN("skipped: " << directory.string() << " not found (apt-get install dataset-fashion-mnist)");
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto mnist = load_mnist(directory.string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("load_mnist took " << seconds << " s");
  CHECK(mnist.train_images.shape() == Shape{60000, 28, 28});
  CHECK(mnist.train_labels.shape() == Shape{60000});
  CHECK(mnist.test_images.shape() == Shape{10000, 28, 28});
  CHECK(mnist.test_labels.shape() == Shape{10000});

  // Reference figures computed with Python's gzip and NumPy from the same files.
  const auto sum_pixels = [](const Tensor& images) {
    const std::uint8_t* p = images.data<std::uint8_t>();
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < images.num_elements(); ++i) sum += p[i];
    return sum;
  };
  CHECK(sum_pixels(mnist.train_images) == 3431114169);
  CHECK(sum_pixels(mnist.test_images) == 573469082);
  CHECK(mnist.train_images[0][10].to_vector<int>()[13] == 193);
  const auto first_labels = [](const Tensor& labels) {
    const auto all = labels.to_vector<int>();
    return std::vector<int>(all.begin(), all.begin() + 10);
  };
  CHECK(first_labels(mnist.train_labels) == std::vector<int>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
  CHECK(first_labels(mnist.test_labels) == std::vector<int>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
  // Fashion-MNIST is balanced: 6000 train and 1000 test examples per class.
  std::vector<int> train_counts(10), test_counts(10);
  for (int label : mnist.train_labels.to_vector<int>()) ++train_counts.at(static_cast<std::size_t>(label));
  for (int label : mnist.test_labels.to_vector<int>()) ++test_counts.at(static_cast<std::size_t>(label));
  CHECK(train_counts == std::vector<int>(10, 6000));
  CHECK(test_counts == std::vector<int>(10, 1000));
}
