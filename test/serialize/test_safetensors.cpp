// safetensors files: round trips of every dtype and shape, the bytes the
// Rust crate's own tests expect, files written by Python's safetensors
// (fixtures from tools/make_safetensors_fixtures.py) with every stored type
// widened, Python reading what eager writes, read_into, and a malformed
// corpus: every validation rule broken once, every truncation, random byte
// flips, a file truncated after it was opened.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/temp_dir.hpp"
#include "serialize/file_helpers.hpp"
#include "eager/eager.hpp"
#include "eager/io/safetensors.hpp"
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
const fs::path kFixtures = kSourceDir / "serialize" / "fixtures" / "safetensors";
constexpr std::array<DType, 6> kAllDTypes = {DType::Bool,  DType::UInt8,   DType::Int32,
                                             DType::Int64, DType::Float32, DType::Float64};

std::string le64(std::uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return bytes;
}

// A file of `header` (as given, not padded) and `data`.
std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  return le64(header.size()) + header + data;
}

// The raw bytes of a tensor's elements in row-major order.
std::string element_bytes(const Tensor& t) {
  const Tensor host = t.cpu().contiguous();
  return std::string(static_cast<const char*>(host.raw_data()),
                     static_cast<std::size_t>(host.num_elements()) * itemsize(host.dtype()));
}

void require_same(const Tensor& actual, const Tensor& expected) {
  REQUIRE(actual.dtype() == expected.dtype());
  REQUIRE(actual.shape() == expected.shape());
  REQUIRE(element_bytes(actual) == element_bytes(expected));
}

template <class T> std::vector<T> iota_values(std::size_t n, T scale, T shift) {
  std::vector<T> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<T>(static_cast<T>(i) * scale + shift);
  return values;
}

// A small file of three tensors and metadata for the corruption tests.
std::string save_small_file(const TempDir& dir, const std::string& name) {
  const std::string path = dir / name;
  save_safetensors(path,
                   {{"weights", constant({{1.f, 2.f}, {3.f, 4.f}})},
                    {"bias", constant({7, 8, 9})},
                    {"flags", constant({true, false})}},
                   {{"step", "12"}});
  return path;
}

// Opens `path` and reads every tensor; the exception, if any, propagates.
void open_and_read_all(const std::string& path) {
  const SafetensorsFile file(path);
  for (const SafetensorsEntry& entry : file.entries())
    if (entry.dtype) (void)file.tensor(entry.name);
}

}  // namespace

TEST_CASE("safetensors: every dtype and shape round-trips exactly", "[safetensors]") {
  TempDir dir;
  const std::vector<Shape> shapes = {Shape{}, Shape{0}, Shape{3, 0}, Shape{2, 3}, Shape{4, 1, 5}};
  std::vector<std::pair<std::string, Tensor>> tensors;
  unsigned seed = 1;
  for (const DType dtype : kAllDTypes)
    for (std::size_t i = 0; i < shapes.size(); ++i)
      tensors.emplace_back(std::string(dtype_name(dtype)) + "/" + std::to_string(i),
                           eager::test::random_tensor(shapes[i], dtype, seed++, 0, 100));
  const std::string path = dir / "all.safetensors";
  save_safetensors(path, tensors);

  Metadata metadata{{"stale", "value"}};
  const auto loaded = load_safetensors(path, &metadata);
  CHECK(metadata.empty());
  REQUIRE(loaded.size() == tensors.size());
  for (const auto& [name, tensor] : tensors) {
    INFO(name);
    REQUIRE(loaded.count(name) == 1);
    require_same(loaded.at(name), tensor);
  }
}

TEST_CASE("safetensors: large and non-contiguous tensors", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "large.safetensors";
  const Tensor big = constant(iota_values<float>(1 << 20, 0.5f, -3.f), Shape{1 << 20});
  const Tensor square = constant(iota_values<double>(1000 * 1000, 1.0, 0.0), Shape{1000, 1000});
  const Tensor transposed = transpose(square);
  REQUIRE_FALSE(transposed.is_contiguous());
  const Tensor column = slice(constant(iota_values<std::int64_t>(12, 1, 0), Shape{3, 4}), {0, 1}, {3, 1});
  REQUIRE_FALSE(column.is_contiguous());
  save_safetensors(path, {{"big", big}, {"transposed", transposed}, {"column", column}});

  const SafetensorsFile file(path);
  require_same(file.tensor("big"), big);
  require_same(file.tensor("transposed"), transposed.contiguous());
  require_same(file.tensor("column"), column.contiguous());
  CHECK(file.tensor("transposed").to_vector<double>()[1] == 1000.0);
  CHECK(file.file_size() == fs::file_size(path));
}

TEST_CASE("safetensors: tensors are stored in safetensors' order, aligned", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "order.safetensors";
  save_safetensors(path, {{"z_bool", constant({true})},
                          {"b_f32", constant({1.f, 2.f, 3.f})},
                          {"u8", constant(std::vector<std::uint8_t>{1, 2, 3}, Shape{3})},
                          {"a_f32", constant({4.f})},
                          {"i32", constant({5})},
                          {"f64", constant({6.0})},
                          {"i64", constant(std::vector<std::int64_t>{7}, Shape{1})}});
  const SafetensorsFile file(path);
  std::vector<std::string> names;
  for (const SafetensorsEntry& entry : file.entries()) {
    names.push_back(entry.name);
    // The header is padded to 8 bytes, so data offsets aligned to the
    // element size mean aligned file offsets.
    CHECK(entry.begin % itemsize(*entry.dtype) == 0);
  }
  CHECK(names == std::vector<std::string>{"i64", "f64", "a_f32", "b_f32", "i32", "u8", "z_bool"});
  const std::uint64_t header_size = file.file_size() - file.entries().back().end - 8;
  CHECK(header_size % 8 == 0);
}

TEST_CASE("safetensors: the bytes of the Rust crate's serialization tests", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "golden.safetensors";
  const Tensor values = constant(iota_values<float>(6, 1.f, 0.f), Shape{1, 2, 3});
  std::string data;
  for (float v : iota_values<float>(6, 1.f, 0.f)) data.append(reinterpret_cast<const char*>(&v), 4);

  // safetensors/src/tensor.rs, test_serialization: a 64-byte header, no padding.
  save_safetensors(path, {{"attn.0", values}});
  CHECK(read_bytes(path) ==
        safetensors_bytes(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})", data));

  // test_serialization_forced_alignement: 65 bytes padded to 72.
  save_safetensors(path, {{"attn0", values.reshape(Shape{1, 1, 2, 3})}});
  CHECK(read_bytes(path) ==
        safetensors_bytes(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" + std::string(7, ' '),
                          data));

  // test_empty: no tensors, with and without metadata.
  save_safetensors(path, {});
  CHECK(read_bytes(path) == safetensors_bytes("{}" + std::string(6, ' ')));
  CHECK(load_safetensors(path).empty());
  save_safetensors(path, {}, {{"framework", "pt"}});
  CHECK(read_bytes(path) == safetensors_bytes(R"({"__metadata__":{"framework":"pt"}})" + std::string(5, ' ')));
}

TEST_CASE("safetensors: metadata round-trips", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "metadata.safetensors";
  const Metadata metadata = {{"json", R"({"a": [1, 2]})"},
                             {"unicode", "\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80"},
                             {"control", std::string("tab\tnewline\n\x01 nul\0end", 22)},
                             {"", "empty key"},
                             {"empty value", ""}};
  save_safetensors(path, {{"x", constant({1.f})}}, metadata);
  Metadata loaded;
  load_safetensors(path, &loaded);
  CHECK(loaded == metadata);
  CHECK(SafetensorsFile(path).metadata() == metadata);
}

TEST_CASE("safetensors: invalid saves are refused and leave the old file", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "keep.safetensors";
  save_safetensors(path, {{"x", constant({1.f, 2.f})}});
  const std::string before = read_bytes(path);
  const Tensor t = constant({1.f});
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"", t}}), InvalidArgument, MessageContains("empty"));
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"__metadata__", t}}), InvalidArgument, MessageContains("reserved"));
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"a", t}, {"a", t}}), InvalidArgument, MessageContains("twice"));
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"a", Tensor()}}), InvalidArgument, MessageContains("undefined"));
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"bad\xff", t}}), InvalidArgument, MessageContains("UTF-8"));
  CHECK_THROWS_MATCHES(save_safetensors(path, {{"a", t}}, {{"k", "\xc3"}}), InvalidArgument, MessageContains("UTF-8"));
  CHECK_THROWS_AS(save_safetensors(dir / "missing/x.safetensors", {{"a", t}}), NotFound);
  CHECK(read_bytes(path) == before);
  // Nothing but the file itself: no temporary files left behind.
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("safetensors: files written by Python's safetensors, every stored type", "[safetensors]") {
  const std::string path = (kFixtures / "stored_types.safetensors").string();
  const SafetensorsFile file(path);
  CHECK(file.metadata() == Metadata{{"format", "np"}, {"producer", "make_safetensors_fixtures.py"}});
  CHECK(file.entries().size() == 15);

  const auto check_entry = [&](const std::string& name, const char* stored, std::optional<DType> dtype) {
    INFO(name);
    REQUIRE(file.contains(name));
    CHECK(file.entry(name).file_dtype == stored);
    CHECK(file.entry(name).dtype == dtype);
  };
  check_entry("bool", "BOOL", DType::Bool);
  check_entry("u8", "U8", DType::UInt8);
  check_entry("i8", "I8", DType::Int32);
  check_entry("i16", "I16", DType::Int32);
  check_entry("u16", "U16", DType::Int32);
  check_entry("i32", "I32", DType::Int32);
  check_entry("u32", "U32", DType::Int64);
  check_entry("i64", "I64", DType::Int64);
  check_entry("u64", "U64", std::nullopt);
  check_entry("f16", "F16", DType::Float32);
  check_entry("bf16", "BF16", DType::Float32);
  check_entry("f32", "F32", DType::Float32);
  check_entry("f64", "F64", DType::Float64);

  CHECK(file.tensor("bool").to_vector<int>() == std::vector<int>{1, 0, 1});
  CHECK(file.tensor("u8").to_vector<int>() == std::vector<int>{0, 1, 255});
  CHECK(file.tensor("i8").shape() == Shape{2, 2});
  CHECK(file.tensor("i8").to_vector<std::int32_t>() == std::vector<std::int32_t>{-128, -1, 0, 127});
  CHECK(file.tensor("i16").to_vector<std::int32_t>() == std::vector<std::int32_t>{-32768, 32767, -1});
  CHECK(file.tensor("u16").to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 65535, 1234});
  CHECK(file.tensor("i32").to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{std::numeric_limits<std::int32_t>::min(), 2147483647, 7});
  CHECK(file.tensor("u32").to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 4294967295, 3000000000});
  CHECK(file.tensor("i64").to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max(), 5});
  const auto f16 = file.tensor("f16").to_vector<double>();
  CHECK(file.tensor("f16").shape() == Shape{2, 3});
  CHECK(std::vector<double>(f16.begin(), f16.begin() + 5) ==
        std::vector<double>{1.5, -2.0, 65504.0, std::ldexp(1.0, -24), INFINITY});
  CHECK(std::isnan(f16[5]));
  CHECK(file.tensor("bf16").to_vector<double>() ==
        std::vector<double>{1.5, -2.0, 3.140625, std::ldexp(1.0, 100), -INFINITY});
  CHECK(file.tensor("f32").to_vector<double>() == std::vector<double>{0.5, -3.25, std::ldexp(1.0, 100)});
  CHECK(file.tensor("f64").to_vector<double>() == std::vector<double>{0.1, -1e300, 2.5});
  const Tensor scalar = file.tensor("scalar");
  CHECK(scalar.rank() == 0);
  CHECK(scalar.item<float>() == 3.5f);
  CHECK(file.tensor("empty").shape() == Shape{3, 0});

  CHECK_THROWS_MATCHES(file.tensor("u64"), Unimplemented, MessageContains("'u64' is stored as U64"));
  CHECK_THROWS_AS(load_safetensors(path), Unimplemented);
  CHECK_THROWS_MATCHES(file.entry("absent"), NotFound, MessageContains("'absent'"));
  CHECK_FALSE(file.contains("absent"));
}

TEST_CASE("safetensors: read_into reads in place and converts", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "into.safetensors";
  const Tensor w = constant({{1.5f, -2.f, 3.f}, {4.f, 5.f, 6.25f}});
  const Tensor d = constant({0.1, 0.2});
  const Tensor n = constant({0, 3, -1});
  save_safetensors(path, {{"w", w}, {"d", d}, {"n", n}});
  const SafetensorsFile file(path);

  Tensor same = zeros(Shape{2, 3});
  const void* memory = same.raw_data();
  file.read_into("w", same);
  CHECK(same.raw_data() == memory);
  require_same(same, w);

  Tensor narrower = zeros(Shape{2}, DType::Float32);
  file.read_into("d", narrower);
  CHECK(narrower.to_vector<float>() == std::vector<float>{0.1f, 0.2f});
  Tensor flags = zeros(Shape{3}, DType::Bool);
  file.read_into("n", flags);
  CHECK(flags.to_vector<int>() == std::vector<int>{0, 1, 1});

  Variable variable(zeros(Shape{2, 3}), "w");
  Tensor handle = variable.mutable_handle();
  file.read_into("w", handle);
  require_same(variable.read_value(), w);

  Tensor wrong_shape = zeros(Shape{3, 2});
  CHECK_THROWS_MATCHES(file.read_into("w", wrong_shape), InvalidArgument,
                       MessageContains("shape (2, 3) but the destination has shape (3, 2)"));
  Tensor strided = transpose(zeros(Shape{3, 2}));
  CHECK_THROWS_MATCHES(file.read_into("w", strided), InvalidArgument, MessageContains("not contiguous"));
  Tensor undefined;
  CHECK_THROWS_AS(file.read_into("w", undefined), InvalidArgument);
  CHECK_THROWS_AS(file.read_into("absent", same), NotFound);

  const SafetensorsFile fixture((kFixtures / "stored_types.safetensors").string());
  Tensor halves = zeros(Shape{2, 3});
  fixture.read_into("f16", halves);
  CHECK(halves.to_vector<double>()[2] == 65504.0);
  Tensor halves64 = zeros(Shape{5}, DType::Float64);
  fixture.read_into("bf16", halves64);
  CHECK(halves64.to_vector<double>()[2] == 3.140625);
  Tensor unsigned64 = zeros(Shape{2}, DType::Int64);
  CHECK_THROWS_AS(fixture.read_into("u64", unsigned64), Unimplemented);
}

TEST_CASE("safetensors: bool bytes other than 0 and 1 read as true", "[safetensors]") {
  TempDir dir;
  const std::string path = dir / "bools.safetensors";
  write_bytes(path, safetensors_bytes(R"({"b":{"dtype":"BOOL","shape":[4],"data_offsets":[0,4]}})",
                                      std::string("\x00\x02\xff\x01", 4)));
  const Tensor b = SafetensorsFile(path).tensor("b");
  const auto* bytes = reinterpret_cast<const unsigned char*>(b.raw_data());
  CHECK(std::vector<int>(bytes, bytes + 4) == std::vector<int>{0, 1, 1, 1});
}

TEST_CASE("safetensors: files, names and moves", "[safetensors]") {
  TempDir dir;
  CHECK_THROWS_AS(SafetensorsFile(dir / "absent.safetensors"), NotFound);
  CHECK_THROWS_MATCHES(SafetensorsFile(dir.path().string()), InvalidArgument, MessageContains("not a regular file"));
  const std::string path = save_small_file(dir, "small.safetensors");
  SafetensorsFile file(path);
  CHECK(file.path() == path);
  SafetensorsFile moved(std::move(file));
  CHECK(moved.entries().size() == 3);
  CHECK_THROWS_AS(file.entries(), FailedPrecondition);  // NOLINT(bugprone-use-after-move): the point of the check
}

TEST_CASE("safetensors: a file replaced or truncated after opening", "[safetensors]") {
  TempDir dir;
  const std::string path = save_small_file(dir, "small.safetensors");
  const SafetensorsFile file(path);

  // Every eager save replaces the file by rename: the open file still reads whole.
  save_safetensors(path, {{"weights", constant({0.f})}});
  require_same(file.tensor("weights"), constant({{1.f, 2.f}, {3.f, 4.f}}));
  CHECK(SafetensorsFile(path).tensor("weights").shape() == Shape{1});

  const std::string other = save_small_file(dir, "other.safetensors");
  const SafetensorsFile shrinking(other);
  const SafetensorsEntry last = shrinking.entries().back();
  fs::resize_file(other, shrinking.file_size() - 1);
  CHECK(shrinking.tensor(shrinking.entries().front().name).defined());
  CHECK_THROWS_MATCHES(shrinking.tensor(last.name), DataLoss, MessageContains("truncated after it was opened"));
  Tensor destination = zeros(last.shape, *last.dtype);
  CHECK_THROWS_MATCHES(shrinking.read_into(last.name, destination), DataLoss,
                       MessageContains("truncated after it was opened"));
  fs::resize_file(other, 0);
  CHECK_THROWS_AS(shrinking.tensor(shrinking.entries().front().name), DataLoss);
}

TEST_CASE("safetensors: every validation rule, broken once", "[safetensors]") {
  TempDir dir;
  const auto entry = [](const std::string& name, const std::string& dtype, const std::string& shape,
                        const std::string& offsets) {
    return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
  };
  // A JSON object of `members`.
  const auto object = [](const std::vector<std::string>& members) {
    std::string text = "{";
    for (const std::string& member : members) text += (text.size() > 1 ? "," : "") + member;
    return text + "}";
  };
  const auto f32 = [&](const std::string& shape, const std::string& offsets) {
    return object({entry("a", "\"F32\"", shape, offsets)});
  };
  const std::string four(4, '\0');
  struct Case {
    const char* fragment;
    std::vector<std::string> files;
  };
  const std::vector<Case> cases = {
      {"fewer than the 8 of the header length", {"", std::string("\x05\0\0", 3)}},
      {"exceeds the limit of 100000000 bytes", {le64(100000001) + "{}", le64(~std::uint64_t{0}) + "{}"}},
      {"bytes that follow it", {le64(100) + "{}      ", le64(9) + "{}      "}},
      {"is not valid UTF-8", {safetensors_bytes("{\"a\xff\":1}"), safetensors_bytes("{\"\xed\xa0\x80\":1}")}},
      {"does not begin with '{'", {safetensors_bytes(" {}"), safetensors_bytes("[]"), safetensors_bytes("")}},
      {"is not valid JSON",
       {safetensors_bytes("{\"a\":}"), safetensors_bytes(std::string("{}\0\0", 4)), safetensors_bytes("{} x")}},
      {"nests deeper", {safetensors_bytes(f32("[[1]]", "[0,4]"), four)}},
      {"duplicate key",
       {safetensors_bytes(object({entry("a", "\"F32\"", "[1]", "[0,4]"), entry("a", "\"F32\"", "[1]", "[0,4]")}),
                          four),
        safetensors_bytes(R"({"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})", four)}},
      {"\"__metadata__\" must map strings to strings",
       {safetensors_bytes(R"({"__metadata__":{"k":1}})"), safetensors_bytes(R"({"__metadata__":[]})"),
        safetensors_bytes(R"({"__metadata__":null})")}},
      {"is not an object", {safetensors_bytes(R"({"a":5})"), safetensors_bytes(R"({"a":[]})")}},
      {"lacks the field", {safetensors_bytes(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", four)}},
      {"unknown field",
       {safetensors_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", four)}},
      {"unsupported dtype",
       {safetensors_bytes(object({entry("a", "\"F8_E4M3\"", "[1]", "[0,1]")}), "x"),
        safetensors_bytes(object({entry("a", "5", "[1]", "[0,1]")}), "x"),
        safetensors_bytes(object({entry("a", "\"f32\"", "[1]", "[0,4]")}), four)}},
      {"\"shape\" must be an array of integers in [0, 2^63)",
       {safetensors_bytes(f32("[-1]", "[0,4]"), four), safetensors_bytes(f32("[1.0]", "[0,4]"), four),
        safetensors_bytes(f32("\"1\"", "[0,4]"), four), safetensors_bytes(f32("[9223372036854775808]", "[0,0]"))}},
      {"\"data_offsets\" must be a pair of non-negative integers",
       {safetensors_bytes(f32("[1]", "[0]"), four), safetensors_bytes(f32("[1]", "[0,4,8]"), four),
        safetensors_bytes(f32("[1]", "[-1,3]"), four), safetensors_bytes(f32("[1]", "[0,\"4\"]"), four),
        safetensors_bytes(f32("[1]", "{}"), four)}},
      {"begin after they end", {safetensors_bytes(f32("[1]", "[4,0]"), four)}},
      {"overflows 64-bit arithmetic",
       {safetensors_bytes(f32("[4294967296,4294967296,4294967296]", "[0,0]")),
        safetensors_bytes(f32("[4611686018427387904,2]", "[0,0]")),
        safetensors_bytes(f32("[4611686018427387904]", "[0,0]")),
        safetensors_bytes(f32("[0,4294967296,4294967296,4294967296]", "[0,0]"))}},
      {"bytes but dtype F32 and shape (3,) need 12", {safetensors_bytes(f32("[3]", "[0,8]"), std::string(8, 'x'))}},
      {"gap of",
       {safetensors_bytes(f32("[1]", "[4,8]"), std::string(8, 'x')),
        safetensors_bytes(object({entry("a", "\"F32\"", "[1]", "[0,4]"), entry("b", "\"F32\"", "[1]", "[5,9]")}),
                          std::string(9, 'x'))}},
      {"overlap",
       {safetensors_bytes(object({entry("a", "\"F32\"", "[2]", "[0,8]"), entry("b", "\"F32\"", "[2]", "[4,12]")}),
                          std::string(12, 'x'))}},
      {"trailing bytes after the last tensor",
       {safetensors_bytes(f32("[1]", "[0,4]"), std::string(5, 'x')), safetensors_bytes("{}", "x")}},
      {"the file is truncated", {safetensors_bytes(f32("[2]", "[0,8]"), std::string(7, 'x'))}},
  };
  std::set<std::string> fragments;
  for (const Case& c : cases) {
    fragments.insert(c.fragment);
    for (std::size_t i = 0; i < c.files.size(); ++i) {
      INFO("rule \"" << c.fragment << "\", file " << i);
      const std::string path = dir / "bad.safetensors";
      write_bytes(path, c.files[i]);
      CHECK_THROWS_MATCHES(SafetensorsFile(path), DataLoss, MessageContains(c.fragment));
      CHECK_THROWS_MATCHES(SafetensorsFile(path), DataLoss, MessageContains("safetensors '" + path + "'"));
    }
  }
  CHECK(fragments.size() == cases.size());

  // Valid corner cases next to the rules: 0-d and empty tensors, empty
  // tensors sharing an offset, a header padded with spaces.
  const std::string path = dir / "good.safetensors";
  const std::string header = object({entry("s", "\"F64\"", "[]", "[0,8]"), entry("e", "\"I32\"", "[0,5]", "[8,8]"),
                                      entry("f", "\"U8\"", "[0]", "[8,8]")});
  write_bytes(path, safetensors_bytes(header + "   ", le64(0x4004000000000000)));
  const SafetensorsFile good(path);
  CHECK(good.tensor("s").item<double>() == 2.5);
  CHECK(good.tensor("e").shape() == Shape{0, 5});
  CHECK(good.tensor("f").num_elements() == 0);
}

TEST_CASE("safetensors: every truncation of a valid file is refused", "[safetensors]") {
  TempDir dir;
  const std::string whole = read_bytes(save_small_file(dir, "small.safetensors"));
  const std::string path = dir / "cut.safetensors";
  for (std::size_t length = 0; length < whole.size(); ++length) {
    INFO("first " << length << " of " << whole.size() << " bytes");
    write_bytes(path, whole.substr(0, length));
    CHECK_THROWS_AS(SafetensorsFile(path), DataLoss);
  }
}

TEST_CASE("safetensors: random byte changes never crash", "[safetensors]") {
  TempDir dir;
  const std::string source = save_small_file(dir, "small.safetensors");
  const std::string whole = read_bytes(source);
  const SafetensorsFile original(source);
  // The length, the header and its padding: everything but the data.
  const std::uint64_t header_end = original.file_size() - original.entries().back().end;
  const std::string path = dir / "flipped.safetensors";
  std::mt19937 generator(20240611);
  int refused = 0;
  constexpr int kTrials = 1500;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::string bytes = whole;
    const int changes = 1 + trial % 3;
    for (int k = 0; k < changes; ++k) {
      const std::size_t at = generator() % header_end;
      bytes[at] = static_cast<char>(bytes[at] ^ (1 + generator() % 255));
    }
    write_bytes(path, bytes);
    INFO("trial " << trial);
    try {
      open_and_read_all(path);
    } catch (const DataLoss&) {
      ++refused;
    }
  }
  // Most changes break a rule; the rest alter a name or metadata text.
  CHECK(refused > kTrials * 3 / 4);
}

TEST_CASE("safetensors: Python's safetensors reads what eager writes", "[safetensors]") {
  const auto found = eager::test::python_with("/work/tfvenv/bin/python", "safetensors, numpy, ml_dtypes",
                                              "pip install safetensors ml_dtypes");
  if (!found) return;
  const std::string& python = *found;
  TempDir dir;
  const auto i = [](std::size_t n) { return iota_values<std::int64_t>(n, 1, 0); };
  std::vector<bool> bools;
  for (std::int64_t v : i(6)) bools.push_back(v % 3 == 0);
  std::vector<std::uint8_t> bytes;
  for (std::int64_t v : i(5)) bytes.push_back(static_cast<std::uint8_t>(v * 53 % 256));
  // EAGER_WRITES of tools/make_safetensors_fixtures.py.
  save_safetensors(dir / "eager.safetensors",
                   {{"bool", constant(bools, Shape{2, 3})},
                    {"uint8", constant(bytes, Shape{5})},
                    {"int32", constant(iota_values<std::int32_t>(12, 7919, -40000), Shape{3, 4})},
                    {"int64", constant(std::vector<std::int64_t>{-(std::int64_t{1} << 62), (std::int64_t{1} << 62) + 1},
                                       Shape{2})},
                    {"float32", transpose(constant(iota_values<float>(12, 0.25f, -1.f), Shape{3, 4}))},
                    {"float64", constant(iota_values<double>(8, 0.1, 0.0), Shape{2, 2, 2})},
                    {"scalar", scalar(2.5, DType::Float32)},
                    {"empty", zeros(Shape{3, 0})},
                    {"empty1", zeros(Shape{0}, DType::Int64)}},
                   {{"step", "100"}});
  const fs::path script = kSourceDir.parent_path() / "tools" / "make_safetensors_fixtures.py";
  const std::string command = python + " " + script.string() + " --check-eager " + dir.path().string();
  const std::string output = eager::test::run_successfully(command);
  INFO(output);
  CHECK(output == "ok\n");
}
