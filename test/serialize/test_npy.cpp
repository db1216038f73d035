// .npy and .npz: round trips of every dtype and shape, NumPy's own files
// (fixtures from tools/make_npy_fixtures.py, byte for byte where eager writes
// the same), NumPy reading eager's files, and malformed input: every
// truncation, each rule broken once, random byte changes.
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "data/temp_dir.hpp"
#include "serialize/file_helpers.hpp"
#include "eager/io/npy.hpp"
#include "serialize/zip.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using namespace eager::io;
using eager::test::MessageContains;
using eager::test::TempDir;
namespace fs = std::filesystem;

using eager::test::read_bytes;
using eager::test::write_bytes;

namespace {

const fs::path kSourceDir = fs::path(EAGER_TEST_SOURCE_DIR);
const fs::path kFixtures = kSourceDir / "serialize" / "fixtures" / "npy";

std::string fixture(const std::string& name) { return (kFixtures / name).string(); }

std::string tensor_bytes(const Tensor& t) {
  const Tensor host = t.cpu().contiguous();
  return std::string(static_cast<const char*>(host.raw_data()),
                     static_cast<std::size_t>(host.num_elements()) * itemsize(host.dtype()));
}

void require_same(const Tensor& got, const Tensor& want) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  CHECK(got.is_contiguous());
  CHECK(got.device() == Device::cpu());
  CHECK(tensor_bytes(got) == tensor_bytes(want));
}

// Random bytes of every dtype (bools 0 or 1; floats any bit pattern).
Tensor random_tensor_of(const Shape& shape, DType dtype, std::mt19937& generator) {
  Tensor t = Tensor::empty(shape, dtype, Device::cpu());
  auto* bytes = static_cast<unsigned char*>(t.raw_mutable_data());
  const std::size_t size = static_cast<std::size_t>(t.num_elements()) * itemsize(dtype);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<unsigned char>(dtype == DType::Bool ? generator() % 2 : generator());
  return t;
}

constexpr DType kDTypes[] = {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64};

// VALUES of tools/make_npy_fixtures.py, as eager reads them (widened).
struct FixtureValues {
  DType dtype;
  std::vector<std::int64_t> integers;
  std::vector<double> floats;
};

const std::map<std::string, FixtureValues>& fixture_values() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  static const std::map<std::string, FixtureValues> values = {
      {"bool", {DType::Bool, {1, 0, 1, 1, 0, 0}, {}}},
      {"uint8", {DType::UInt8, {0, 1, 127, 128, 254, 255}, {}}},
      {"int8", {DType::Int32, {-128, -1, 0, 1, 100, 127}, {}}},
      {"int16", {DType::Int32, {-32768, -1, 0, 1, 1000, 32767}, {}}},
      {"uint16", {DType::Int32, {0, 1, 255, 256, 40000, 65535}, {}}},
      {"int32", {DType::Int32, {-2147483648LL, -1, 0, 1, 123456789, 2147483647}, {}}},
      {"uint32", {DType::Int64, {0, 1, 2147483647, 2147483648LL, 3000000000LL, 4294967295LL}, {}}},
      {"int64",
       {DType::Int64,
        {std::numeric_limits<std::int64_t>::min(), -1, 0, 1, 1234567890123LL, std::numeric_limits<std::int64_t>::max()},
        {}}},
      {"float16", {DType::Float32, {}, {0.5, -2.0, 65504.0, std::ldexp(1.0, -24), inf, -0.0}}},
      {"float32",
       {DType::Float32,
        {},
        {0.5, -2.0, 3.4028234663852886e38, std::ldexp(1.0, -149), -inf, static_cast<double>(0.1f)}}},
      {"float64", {DType::Float64, {}, {0.5, -2.0, 1.7976931348623157e308, 5e-324, -inf, 0.1}}},
  };
  return values;
}

// The values of `t` equal `want` exactly (floats bit for bit, so -0.0 counts).
void check_values(const Tensor& t, const FixtureValues& want) {
  REQUIRE(t.dtype() == want.dtype);
  if (is_floating(want.dtype)) {
    const std::vector<double> got = t.to_vector<double>();
    REQUIRE(got.size() == want.floats.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("element " << i << ": " << got[i] << " vs " << want.floats[i]);
      CHECK(std::bit_cast<std::uint64_t>(got[i]) == std::bit_cast<std::uint64_t>(want.floats[i]));
    }
  } else {
    CHECK(t.to_vector<std::int64_t>() == want.integers);
  }
}

// ARCHIVE of tools/make_npy_fixtures.py, as eager reads it.
void check_archive(const std::map<std::string, Tensor>& arrays) {
  REQUIRE(arrays.size() == 4);
  CHECK(arrays.at("a").shape() == Shape{2, 3});
  check_values(arrays.at("a"), fixture_values().at("float32"));
  CHECK(arrays.at("b").shape() == Shape{2, 3});
  check_values(arrays.at("b"), fixture_values().at("int8"));
  CHECK(arrays.at("scalar").shape() == Shape{});
  check_values(arrays.at("scalar"), {DType::Bool, {1}, {}});
  CHECK(arrays.at("empty").shape() == Shape{2, 0});
  CHECK(arrays.at("empty").dtype() == DType::Int64);
}

// A .npy file whose header is `dict`, padded as NumPy pads it, then `data`.
std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  const std::size_t length = (prefix + dict.size() + 1 + 63) / 64 * 64 - prefix;
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>(length >> (8 * i)));
  return out + dict + std::string(length - dict.size() - 1, ' ') + "\n" + data;
}

std::string header_dict(const std::string& descr, const std::string& shape, const std::string& fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
}

void patch(std::string& bytes, std::size_t offset, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i) bytes[offset + static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
}

std::uint64_t load(const std::string& bytes, std::size_t offset, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + static_cast<std::size_t>(i)]);
  return value;
}

// An archive written by eager's ZipWriter, returned as bytes.
std::string write_archive(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members,
                          io::detail::ZipMethod method, bool force_zip64 = false) {
  io::detail::DurableFile file(path);
  io::detail::ZipWriter zip(file, force_zip64);
  for (const auto& [name, content] : members) zip.add(name, {content}, method);
  zip.finish();
  file.commit();
  return read_bytes(path);
}

}  // namespace

TEST_CASE("npy: every dtype and shape round trips through files and bytes", "[npy]") {
  TempDir dir;
  std::mt19937 generator(11);
  const std::vector<Shape> shapes = {{}, {0}, {2, 0, 3}, {7}, {3, 5}, {4, 3, 2, 5}, {300, 1001}};
  for (DType dtype : kDTypes) {
    for (const Shape& shape : shapes) {
      INFO(dtype_name(dtype) << " " << shape.to_string());
      const Tensor t = random_tensor_of(shape, dtype, generator);
      const std::string path = dir / "t.npy";
      save_npy(path, t);
      require_same(load_npy(path), t);
      const std::string bytes = encode_npy(t);
      CHECK(read_bytes(path) == bytes);
      CHECK((bytes.size() - tensor_bytes(t).size()) % 64 == 0);  // the data is 64-byte aligned
      require_same(decode_npy(bytes, "memory"), t);
    }
  }
}

TEST_CASE("npy: eager writes NumPy's bytes exactly", "[npy]") {
  for (const char* name : {"bool.npy", "uint8.npy", "int32.npy", "int64.npy", "float32.npy", "float64.npy",
                           "scalar_float64.npy", "scalar_int64.npy", "empty_float32.npy", "empty_int64.npy"}) {
    INFO(name);
    CHECK(encode_npy(load_npy(fixture(name))) == read_bytes(fixture(name)));
  }
}

TEST_CASE("npy: a header above 65535 bytes is written as version 2.0", "[npy]") {
  const Shape shape = Shape::filled(22000, 1);
  const Tensor t = fill(shape, 2.5, DType::Float64);
  const std::string bytes = encode_npy(t);
  CHECK(bytes[6] == 2);
  CHECK((bytes.size() - 8) % 64 == 0);
  require_same(decode_npy(bytes, "rank 22000"), t);
}

TEST_CASE("npy: non-contiguous tensors are saved in C order", "[npy]") {
  TempDir dir;
  const Tensor x = reshape(range(0, 24, 1, DType::Int32), Shape{2, 3, 4});
  const Tensor view = transpose(x, std::vector<int>{2, 0, 1});
  REQUIRE_FALSE(view.is_contiguous());
  save_npy(dir / "view.npy", view);
  require_same(load_npy(dir / "view.npy"), view.contiguous());
  CHECK(load_npy(dir / "view.npy").to_vector<std::int32_t>()[1] == 4);  // view[0][0][1] = x[0][1][0]
}

TEST_CASE("npy: reads every type NumPy writes that eager holds, widening the others", "[npy]") {
  for (const auto& [name, values] : fixture_values()) {
    for (const std::string prefix : {"", "be_"}) {
      if (!fs::exists(kFixtures / (prefix + name + ".npy"))) continue;
      INFO(prefix << name);
      const Tensor t = load_npy(fixture(prefix + name + ".npy"));
      CHECK(t.shape() == Shape{2, 3});
      check_values(t, values);
    }
  }
  CHECK(fs::exists(kFixtures / "be_float16.npy"));
}

TEST_CASE("npy: Fortran order, format versions 2.0 and 3.0, 0-d and empty arrays", "[npy]") {
  const Tensor fortran = load_npy(fixture("fortran_int16.npy"));
  CHECK(fortran.shape() == Shape{2, 3, 4});
  std::vector<std::int64_t> counting(24);
  for (std::size_t i = 0; i < counting.size(); ++i) counting[i] = static_cast<std::int64_t>(i);
  check_values(fortran, {DType::Int32, counting, {}});
  const Tensor fortran_float = load_npy(fixture("fortran_float32.npy"));
  CHECK(fortran_float.shape() == Shape{2, 3});
  check_values(fortran_float, fixture_values().at("float32"));
  const Tensor big_fortran = load_npy(fixture("be_fortran_float64.npy"));
  CHECK(big_fortran.shape() == Shape{3, 2});
  check_values(big_fortran, fixture_values().at("float64"));

  CHECK(read_bytes(fixture("v2_float32.npy"))[6] == 2);
  check_values(load_npy(fixture("v2_float32.npy")), fixture_values().at("float32"));
  CHECK(read_bytes(fixture("v3_int32.npy"))[6] == 3);
  check_values(load_npy(fixture("v3_int32.npy")), fixture_values().at("int32"));

  const Tensor scalar_float = load_npy(fixture("scalar_float64.npy"));
  CHECK(scalar_float.shape() == Shape{});
  CHECK(scalar_float.item<double>() == 3.5);
  CHECK(load_npy(fixture("scalar_int64.npy")).item<std::int64_t>() == -7);
  const Tensor empty_float = load_npy(fixture("empty_float32.npy"));
  CHECK(empty_float.shape() == Shape{0});
  CHECK(empty_float.dtype() == DType::Float32);
  const Tensor empty_int = load_npy(fixture("empty_int64.npy"));
  CHECK(empty_int.shape() == Shape{2, 0, 3});
  CHECK(empty_int.dtype() == DType::Int64);
}

TEST_CASE("npy: types eager cannot hold are refused, pickles are never opened", "[npy]") {
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"uint64.npy", "uint64"},          {"complex64.npy", "complex"},     {"float128.npy", "long double"},
      {"object.npy", "never unpickles"}, {"structured.npy", "structured"}, {"unicode.npy", "string type"},
      {"bytes.npy", "string type"},      {"datetime.npy", "datetime"}};
  for (const auto& [name, fragment] : refused) {
    INFO(name);
    CHECK_THROWS_MATCHES(load_npy(fixture(name)), Unimplemented, MessageContains(fragment));
    CHECK_THROWS_MATCHES(load_npy(fixture(name)), Unimplemented, MessageContains(fixture(name)));
  }
  CHECK_THROWS_MATCHES(load_npz(fixture("object.npz")), Unimplemented, MessageContains("member 'x.npy'"));
}

TEST_CASE("npz: reads np.savez, np.savez_compressed and archives with data descriptors", "[npy]") {
  for (const char* name : {"arrays.npz", "arrays_compressed.npz", "arrays_descriptor.npz"}) {
    INFO(name);
    check_archive(load_npz(fixture(name)));
  }
}

TEST_CASE("npz: round trips stored and deflated, with and without ZIP64 records", "[npy]") {
  TempDir dir;
  std::mt19937 generator(5);
  std::vector<std::pair<std::string, Tensor>> arrays;
  for (DType dtype : kDTypes) {
    arrays.emplace_back(std::string(dtype_name(dtype)), random_tensor_of(Shape{3, 4}, dtype, generator));
    arrays.emplace_back(std::string(dtype_name(dtype)) + "/scalar", random_tensor_of(Shape{}, dtype, generator));
    arrays.emplace_back(std::string(dtype_name(dtype)) + "/empty", random_tensor_of(Shape{0, 3}, dtype, generator));
  }
  arrays.emplace_back("zeros", zeros(Shape{512, 1024}));
  arrays.emplace_back("large", random_tensor_of(Shape{700, 1000}, DType::Float32, generator));
  arrays.emplace_back("view", transpose(random_tensor_of(Shape{5, 7}, DType::Int64, generator)));
  for (const bool compressed : {false, true}) {
    INFO("compressed " << compressed);
    const std::string path = dir / (compressed ? "deflated.npz" : "stored.npz");
    save_npz(path, arrays, compressed);
    const std::map<std::string, Tensor> loaded = load_npz(path);
    REQUIRE(loaded.size() == arrays.size());
    for (const auto& [key, array] : arrays) require_same(loaded.at(key), array.contiguous());
  }
  CHECK(fs::file_size(dir / "deflated.npz") + 2'000'000 < fs::file_size(dir / "stored.npz"));

  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& [key, array] : arrays) members.emplace_back(key + ".npy", encode_npy(array));
  for (const auto method : {io::detail::ZipMethod::Stored, io::detail::ZipMethod::Deflated}) {
    const std::string bytes = write_archive(dir / "zip64.npz", members, method, true);
    CHECK(bytes.find(std::string("PK\x06\x06", 4)) != std::string::npos);
    const std::map<std::string, Tensor> loaded = load_npz(dir / "zip64.npz");
    for (const auto& [key, array] : arrays) require_same(loaded.at(key), array.contiguous());
  }

  save_npz(dir / "none.npz", {});
  CHECK(fs::file_size(dir / "none.npz") == 22);
  CHECK(load_npz(dir / "none.npz").empty());
}

TEST_CASE("npz: keys must be non-empty and unique, tensors defined", "[npy]") {
  TempDir dir;
  const Tensor t = zeros(Shape{2});
  CHECK_THROWS_MATCHES(save_npz(dir / "a.npz", {{"", t}}), InvalidArgument, MessageContains("empty key"));
  CHECK_THROWS_MATCHES(save_npz(dir / "a.npz", {{"x", t}, {"y", t}, {"x", t}}), InvalidArgument,
                       MessageContains("'x' appears twice"));
  CHECK_THROWS_MATCHES(save_npz(dir / "a.npz", {{"x", Tensor()}}), InvalidArgument, MessageContains("undefined"));
  CHECK_THROWS_MATCHES(save_npz(dir / "a.npz", {{std::string(70000, 'k'), t}}), InvalidArgument,
                       MessageContains("longer than"));
  CHECK_THROWS_MATCHES(save_npy(dir / "a.npy", Tensor()), InvalidArgument, MessageContains("undefined"));
  CHECK_FALSE(fs::exists(dir / "a.npz"));
  // The key is the member name without ".npy", whatever else it holds.
  save_npz(dir / "b.npz", {{"x.npy", t}, {"dir/y", t}});
  const std::map<std::string, Tensor> loaded = load_npz(dir / "b.npz");
  CHECK(loaded.count("x.npy") == 1);
  CHECK(loaded.count("dir/y") == 1);
}

TEST_CASE("npy: files that do not exist, directories, missing directories", "[npy]") {
  TempDir dir;
  CHECK_THROWS_AS(load_npy(dir / "missing.npy"), NotFound);
  CHECK_THROWS_AS(load_npz(dir / "missing.npz"), NotFound);
  CHECK_THROWS_MATCHES(load_npy(dir.path().string()), InvalidArgument, MessageContains("is a directory"));
  CHECK_THROWS_MATCHES(load_npz(dir.path().string()), InvalidArgument, MessageContains("is a directory"));
  CHECK_THROWS_AS(save_npy(dir / "no/such/dir.npy", zeros(Shape{1})), NotFound);
  CHECK_THROWS_AS(save_npz(dir / "no/such/dir.npz", {{"x", zeros(Shape{1})}}), NotFound);
}

TEST_CASE("npy: NumPy reads what eager writes", "[npy]") {
  const auto found = eager::test::python_with("/usr/bin/python3", "numpy", "apt-get install python3-numpy");
  if (!found) return;
  const std::string& python = *found;
  TempDir dir;
  // eager_writes() and archive() of tools/make_npy_fixtures.py.
  for (const auto& [name, values] : fixture_values()) save_npy(dir / (name + ".npy"), load_npy(fixture(name + ".npy")));
  save_npy(dir / "scalar_float64.npy", scalar(3.5, DType::Float64));
  save_npy(dir / "empty_int64.npy", zeros(Shape{2, 0, 3}, DType::Int64));
  save_npy(dir / "fortran_int16.npy", load_npy(fixture("fortran_int16.npy")));
  save_npy(dir / "transposed.npy", transpose(load_npy(fixture("float32.npy"))));
  const std::map<std::string, Tensor> archive = load_npz(fixture("arrays.npz"));
  const std::vector<std::pair<std::string, Tensor>> arrays(archive.begin(), archive.end());
  save_npz(dir / "stored.npz", arrays);
  save_npz(dir / "deflated.npz", arrays, true);
  std::vector<std::pair<std::string, std::string>> members;
  for (const auto& [key, array] : arrays) members.emplace_back(key + ".npy", encode_npy(array));
  write_archive(dir / "zip64_stored.npz", members, io::detail::ZipMethod::Stored, true);
  write_archive(dir / "zip64_deflated.npz", members, io::detail::ZipMethod::Deflated, true);

  const std::string command = python + " " + (kSourceDir.parent_path() / "tools" / "make_npy_fixtures.py").string() +
                              " --check-eager " + dir.path().string();
  const std::string output = eager::test::run_successfully(command);
  INFO(output);
  CHECK(output.find("DIFFERENT") == std::string::npos);
  CHECK(output.ends_with("all equal\n"));
}

TEST_CASE("npy: every truncation of a valid file is DataLoss, and so are trailing bytes", "[npy]") {
  TempDir dir;
  for (const char* name : {"float32.npy", "v2_float32.npy", "be_fortran_float64.npy", "scalar_int64.npy"}) {
    const std::string bytes = read_bytes(fixture(name));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO(name << " cut to " << n << " bytes");
      CHECK_THROWS_AS(decode_npy(std::string_view(bytes).substr(0, n), name), DataLoss);
      write_bytes(dir / "cut.npy", bytes.substr(0, n));
      CHECK_THROWS_MATCHES(load_npy(dir / "cut.npy"), DataLoss, MessageContains(dir / "cut.npy"));
    }
    CHECK_THROWS_MATCHES(decode_npy(bytes + '\0', name), DataLoss, MessageContains("follow the array data"));
  }
}

TEST_CASE("npz: every truncation of a valid archive is DataLoss", "[npy]") {
  TempDir dir;
  for (const char* name : {"arrays.npz", "arrays_compressed.npz", "arrays_descriptor.npz"}) {
    const std::string bytes = read_bytes(fixture(name));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO(name << " cut to " << n << " bytes");
      write_bytes(dir / "cut.npz", bytes.substr(0, n));
      CHECK_THROWS_AS(load_npz(dir / "cut.npz"), DataLoss);
    }
  }
}

TEST_CASE("npy: each header rule broken once gives its own message", "[npy]") {
  const std::string data(24, '\0');  // (2, 3) of 4-byte elements
  const std::string good = header_dict("<f4", "(2, 3)");
  std::string version4 = npy_file(good, data), version11 = npy_file(good, data);
  version4[6] = 4;
  version11[7] = 1;
  std::string long_length = npy_file(good, data);
  patch(long_length, 8, 0xffff, 2);
  const std::string huge_header =
      std::string("\x93NUMPY\x02\x00", 8) + std::string("\x00\x00\x20\x00", 4) + std::string((1 << 21) + 24, ' ');
  std::string no_newline = npy_file(good, data);
  no_newline[no_newline.size() - data.size() - 1] = ' ';
  struct Case {
    const char* what;
    std::string bytes;
    std::string fragment;
  };
  const std::vector<Case> data_loss = {
      {"empty", "", "too few for a .npy file"},
      {"magic", "\x93NUMPZ" + npy_file(good, data).substr(6), "magic string"},
      {"version 4.0", version4, "unknown .npy format version 4.0"},
      {"version 1.1", version11, "unknown .npy format version 1.1"},
      {"header length", long_length, "the header length field says 65535 bytes"},
      {"header limit", huge_header, "exceeds the limit"},
      {"newline", no_newline, "it must end with a newline"},
      {"not a dict", npy_file("['<f4', False, (2, 3)]", data), "it must be a dict literal"},
      {"unknown key", npy_file("{'descr': '<f4', 'extra': 1, 'fortran_order': False, 'shape': (2, 3)}", data),
       "unknown key 'extra'"},
      {"missing key", npy_file("{'descr': '<f4', 'fortran_order': False}", data), "the key 'shape' is missing"},
      {"duplicate key", npy_file("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", data),
       "the key 'descr' appears twice"},
      {"key not a string", npy_file("{descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}", data), "expected a key"},
      {"colon", npy_file("{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3)}", data), "expected ':'"},
      {"comma", npy_file("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}", data), "expected ',' or '}'"},
      {"after the dict", npy_file(good + " x", data), "after the closing '}'"},
      {"unterminated string", npy_file("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3)}", data),
       "unterminated string"},
      {"escape", npy_file(header_dict("<f\\x34", "(2, 3)"), data), "escape sequences"},
      {"bool", npy_file(header_dict("<f4", "(2, 3)", "0"), data), "must be True or False"},
      {"shape list", npy_file(header_dict("<f4", "[2, 3]"), data), "must be a tuple"},
      {"shape (n)", npy_file(header_dict("<f4", "(6)"), data), "is not a tuple"},
      {"shape separator", npy_file(header_dict("<f4", "(2; 3)"), data), "expected ',' or ')'"},
      {"dimension", npy_file(header_dict("<f4", "(a,)"), data), "expected a dimension"},
      {"negative", npy_file(header_dict("<f4", "(-6,)"), data), "is negative"},
      {"leading zero", npy_file(header_dict("<f4", "(06,)"), data), "leading zero"},
      {"int64 dimension", npy_file(header_dict("<f4", "(9223372036854775808,)"), data), "exceeds the int64 range"},
      {"element count", npy_file(header_dict("<f4", "(4294967296, 4294967296)"), data),
       "more elements than fit in int64"},
      {"empty with huge strides", npy_file(header_dict("<f4", "(0, 4611686018427387904, 4611686018427387904)"), ""),
       "more elements than fit in int64"},
      {"Python 2 long in 3.0", npy_file(header_dict("<f4", "(2L, 3L)"), data, 3), "expected ',' or ')'"},
      {"descr kind", npy_file(header_dict("<g4", "(2, 3)"), data), "not a NumPy numeric type eager knows"},
      {"descr order", npy_file(header_dict("f4", "(2, 3)"), data), "is not a NumPy type string"},
      {"descr no order", npy_file(header_dict("|i4", "(2, 3)"), data), "gives no byte order"},
      {"truncated data", npy_file(good, data.substr(1)), "the data is truncated"},
      {"overflowing data size", npy_file(header_dict("<f8", "(2305843009213693952,)"), data), "the data is truncated"},
      {"trailing data", npy_file(good, data + "x"), "1 bytes follow the array data"},
  };
  for (const Case& c : data_loss) {
    INFO(c.what);
    CHECK_THROWS_MATCHES(decode_npy(c.bytes, c.what), DataLoss, MessageContains(c.fragment));
    CHECK_THROWS_MATCHES(decode_npy(c.bytes, c.what), DataLoss, MessageContains("decode_npy: '" + std::string(c.what)));
  }
  const std::vector<Case> unimplemented = {
      {"object", npy_file(header_dict("|O", "(2, 3)"), data), "never unpickles"},
      {"complex", npy_file(header_dict("<c8", "(3,)"), data), "complex"},
      {"unicode", npy_file(header_dict("<U2", "(3,)"), data), "string type"},
      {"void", npy_file(header_dict("|V8", "(3,)"), data), "void"},
      {"structured", npy_file("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (6,), }", data),
       "structured"},
      {"uint64", npy_file(header_dict("<u8", "(3,)"), data), "uint64"},
      {"datetime", npy_file(header_dict("<M8[s]", "(3,)"), data), "datetime"},
      {"long double", npy_file(header_dict("<f16", "(1,)"), data.substr(0, 16)), "long double"},
  };
  for (const Case& c : unimplemented) {
    INFO(c.what);
    CHECK_THROWS_MATCHES(decode_npy(c.bytes, c.what), Unimplemented, MessageContains(c.fragment));
  }
  // What NumPy also accepts: any key order, double quotes, no trailing comma,
  // Python 2 longs in versions 1.0 and 2.0, '=' for the native byte order.
  const std::string accepted[] = {npy_file("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}", data),
                                  npy_file(header_dict("<f4", "(2L, 3L)"), data),
                                  npy_file(header_dict("<f4", "(2L, 3L)"), data, 2),
                                  npy_file(header_dict("=f4", "( 2 ,3 , )"), data)};
  for (const std::string& bytes : accepted) {
    INFO(bytes.substr(10, 70));
    const Tensor t = decode_npy(bytes, "accepted");
    CHECK(t.shape() == Shape{2, 3});
    CHECK(t.dtype() == DType::Float32);
  }
}

TEST_CASE("npz: each archive rule broken once gives its own message", "[npy]") {
  using io::detail::ZipMethod;
  TempDir dir;
  const std::string npy = encode_npy(reshape(range(0, 48, 1, DType::Float32), Shape{6, 8}));
  const std::string path = dir / "a.npz";
  const std::string stored = write_archive(path, {{"x.npy", npy}}, ZipMethod::Stored);
  const std::string deflated = write_archive(path, {{"x.npy", npy}}, ZipMethod::Deflated);
  const std::string two = write_archive(path, {{"x.npy", npy}, {"y.npy", npy}}, ZipMethod::Stored);
  const std::string zip64 = write_archive(path, {{"x.npy", npy}}, ZipMethod::Stored, true);
  auto central = [](const std::string& bytes, std::size_t index = 0) {
    std::size_t at = bytes.find(std::string("PK\x01\x02", 4));
    for (std::size_t i = 0; i < index; ++i) at = bytes.find(std::string("PK\x01\x02", 4), at + 1);
    return at;
  };
  auto end = [](const std::string& bytes) { return bytes.rfind(std::string("PK\x05\x06", 4)); };
  struct Patch {
    std::size_t offset;
    std::uint64_t value;
    int size;
  };
  auto with = [](std::string bytes, std::initializer_list<Patch> patches) {
    for (const Patch& p : patches) patch(bytes, p.offset, p.value, p.size);
    return bytes;
  };
  // Local headers start at 0 (fields: flags 6, method 8, CRC 14, sizes 18 and
  // 22, name 30); central entries at cd (flags 8, method 10, CRC 16, sizes 20
  // and 24, offset 42); the end record at e (disk 4, entries 8 and 10,
  // directory offset 16).
  const std::size_t cd = central(stored), dcd = central(deflated), e = end(stored);
  const std::uint64_t packed = load(deflated, dcd + 20, 4);
  const std::uint64_t n = npy.size();

  struct Case {
    const char* what;
    std::string bytes;
    std::string fragment;
    bool unimplemented = false;
  };
  std::vector<Case> cases = {
      {"not a zip", npy, "not a ZIP archive"},
      {"crc", with(stored, {{14, 1234, 4}, {cd + 16, 1234, 4}}), "CRC-32 mismatch"},
      {"local crc", with(stored, {{14, 1234, 4}}), "disagree on the CRC-32"},
      {"method", with(stored, {{8, 12, 2}, {cd + 10, 12, 2}}), "method 12 (bzip2)", true},
      {"encrypted", with(stored, {{6, 1, 2}, {cd + 8, 1, 2}}), "is encrypted", true},
      {"local method", with(stored, {{8, 8, 2}}), "disagree on the compression method"},
      {"local flags", with(stored, {{6, 0x800, 2}}), "disagree on the flags"},
      {"local signature", with(stored, {{0, 0, 1}}), "no local header signature"},
      {"local name", with(stored, {{30, 'z', 1}}), "disagree on the name"},
      {"central signature", with(stored, {{cd, 0, 1}}), "central header signature"},
      {"stored sizes", with(stored, {{cd + 24, n + 1, 4}}), "is stored, but its sizes differ"},
      {"offset past the directory", with(stored, {{cd + 42, cd, 4}}), "is not before the central directory"},
      {"no ZIP64 record", with(stored, {{18, 0xffffffff, 4}, {cd + 20, 0xffffffff, 4}}), "no ZIP64 extra field"},
      {"deflate ratio", with(deflated, {{22, (packed + 1) * 1032, 4}, {dcd + 24, (packed + 1) * 1032, 4}}),
       "more than deflate can produce"},
      {"compressed truncated", with(deflated, {{18, packed / 2, 4}, {dcd + 20, packed / 2, 4}}),
       "deflate stream is truncated"},
      {"split archive", with(stored, {{e + 4, 1, 2}}), "split over several disks", true},
      {"disk entries", with(stored, {{e + 8, 2, 2}}), "on its only disk"},
      {"directory offset", with(stored, {{e + 16, cd + 1, 4}}), "does not end where"},
      {"entries", with(two, {{end(two) + 8, 1, 2}, {end(two) + 10, 1, 2}}), "follow its last entry"},
      {"ZIP64 disagreement", with(zip64, {{end(zip64) + 8, 7, 2}, {end(zip64) + 10, 7, 2}}),
       "disagree on the number of entries"},
      // The first member stretched over the second, its sizes kept consistent.
      {"overlap",
       with(two, {{18, n + 40, 4}, {22, n + 40, 4}, {central(two) + 20, n + 40, 4}, {central(two) + 24, n + 40, 4}}),
       "overlap"},
  };
  // Two members named alike, and keys that collide once ".npy" is removed.
  cases.push_back(
      {"duplicate", write_archive(path, {{"x.npy", npy}, {"x.npy", npy}}, ZipMethod::Stored), "appears twice"});
  cases.push_back({"key collision", write_archive(path, {{"x.npy", npy}, {"x", npy}}, ZipMethod::Stored),
                   "is also the key of another member"});
  // A member declaring fewer bytes than its deflate stream holds, and more.
  const std::string longer = write_archive(path, {{"x.npy", npy + "extra"}}, ZipMethod::Deflated);
  cases.push_back(
      {"inflates to more", with(longer, {{22, n, 4}, {central(longer) + 24, n, 4}}), "inflates to more than the"});
  const std::string shorter = write_archive(path, {{"x.npy", npy.substr(0, npy.size() - 8)}}, ZipMethod::Deflated);
  cases.push_back({"inflates to less", with(shorter, {{22, n, 4}, {central(shorter) + 24, n, 4}}),
                   "the deflate stream ends after"});
  // A data descriptor that disagrees with the directory.
  std::string descriptor = read_bytes(fixture("arrays_descriptor.npz"));
  patch(descriptor, descriptor.find(std::string("PK\x07\x08", 4)) + 4, 99, 4);
  cases.push_back({"data descriptor", descriptor, "data descriptor is missing or disagrees"});

  for (const Case& c : cases) {
    INFO(c.what);
    write_bytes(path, c.bytes);
    if (c.unimplemented)
      CHECK_THROWS_MATCHES(load_npz(path), Unimplemented, MessageContains(c.fragment));
    else
      CHECK_THROWS_MATCHES(load_npz(path), DataLoss, MessageContains(c.fragment));
    CHECK_THROWS_MATCHES(load_npz(path), Error, MessageContains("load_npz: '" + path + "'"));
  }
  // The unpatched archives are fine.
  for (const std::string* bytes : {&stored, &deflated, &two, &zip64}) {
    write_bytes(path, *bytes);
    CHECK(load_npz(path).at("x").to_vector<float>()[47] == 47.f);
  }
}

TEST_CASE("npy and npz: random byte changes are refused or harmless, never a crash", "[npy]") {
  TempDir dir;
  std::mt19937 generator(2024);
  auto change = [&](std::string bytes) {
    const int changes = 1 + static_cast<int>(generator() % 3);
    for (int k = 0; k < changes; ++k) {
      const std::size_t at = generator() % bytes.size();
      bytes[at] = static_cast<char>(bytes[at] ^ (1 + generator() % 255));
    }
    return bytes;
  };
  int refused = 0, trials = 0;
  for (const char* name : {"float32.npy", "be_fortran_float64.npy", "fortran_int16.npy", "v3_int32.npy", "bool.npy"}) {
    const std::string bytes = read_bytes(fixture(name));
    for (int trial = 0; trial < 1500; ++trial, ++trials) {
      INFO(name << " trial " << trial);
      try {
        const Tensor t = decode_npy(change(bytes), name);
        // Bytes other than 0 and 1 are true, stored as 1.
        if (t.dtype() == DType::Bool)
          CHECK(tensor_bytes(t).find_first_not_of(std::string("\0\1", 2)) == std::string::npos);
      } catch (const Error&) {
        ++refused;
      }
    }
  }
  // Changes in the data of a .npy file go unnoticed (it has no checksum);
  // most of the others break a rule.
  CHECK(refused > trials / 3);

  for (const char* name : {"arrays.npz", "arrays_compressed.npz", "arrays_descriptor.npz"}) {
    const std::string bytes = read_bytes(fixture(name));
    for (int trial = 0; trial < 600; ++trial) {
      INFO(name << " trial " << trial);
      write_bytes(dir / "changed.npz", change(bytes));
      try {
        // CRC-32 guards every member's bytes: whatever loads is the original.
        check_archive(load_npz(dir / "changed.npz"));
      } catch (const Error&) {
      }
    }
  }
}
