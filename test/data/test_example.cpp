// tf.train.Example: the builder, serialization byte for byte as TensorFlow's,
// parse_single_example / parse_example against what TensorFlow made of the
// same examples (tools/make_tfrecord_fixtures.py prints it), TF's errors,
// decode_raw and SparseTensor::to_dense.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "eager/data/example.hpp"
#include "eager/data/tfrecord.hpp"
#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using namespace eager::data;
using eager::test::MessageContains;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = fs::path(EAGER_TEST_SOURCE_DIR) / "data" / "fixtures" / "tfrecord";
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

using Int64List = Example::Int64List;
using FloatList = Example::FloatList;
using BytesList = Example::BytesList;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// EXAMPLES of tools/make_tfrecord_fixtures.py, built with eager.
std::vector<Example> fixture_examples() {
  return {
      Example()
          .set("id", 0)
          .set("label", 3)
          .set("score", 0.5f)
          .set("pixels", FloatList{0.0f, 0.25f, 0.5f, 0.75f})
          .set("name", "zero")
          .set("tags", BytesList{"a", "b"})
          .set("ragged", Int64List{1, 2, 3}),
      Example()
          .set("id", 1)
          .set("label", -7)
          .set("score", 1e-30f)
          .set("pixels", FloatList{1.5f, -2.0f, 3.25f, 1e10f})
          .set("name", "one")
          .set("tags", BytesList{})
          .set("ragged", Int64List{kMin, kMax}),
      Example()
          .set("id", 2)
          .set("label", 0)
          .set("pixels", FloatList{-1.0f, -0.5f, 0.125f, 100.0f})
          .set("name", std::string("\x00\xff" "bin", 5))
          .set("tags", BytesList{"x", "", "\xfe"}),
      Example()
          .set("id", 3)
          .set("label", 9)
          .set("score", -2.5f)
          .set("pixels", FloatList{7.0f, 8.0f, 9.0f, 10.0f})
          .set("name", "three")
          .set("ragged", Int64List{5, 6}),
  };
}

// SPEC of tools/make_tfrecord_fixtures.py.
FeatureSpec fixture_spec() {
  return {
      {"id", FixedLenFeature{{}, FeatureType::Int64, std::nullopt}},
      {"label", FixedLenFeature{{}, FeatureType::Int64, std::nullopt}},
      {"score", FixedLenFeature{{}, FeatureType::Float, scalar(-1.0f)}},
      {"pixels", FixedLenFeature{{4}, FeatureType::Float, std::nullopt}},
      {"name", FixedLenFeature{{}, FeatureType::Bytes, std::nullopt}},
      {"tags", VarLenFeature{FeatureType::Bytes}},
      {"ragged", VarLenFeature{FeatureType::Int64}},
  };
}

std::vector<std::string> serialized_fixture() {
  std::vector<std::string> out;
  TFRecordReader reader((kFixtures / "examples.tfrecord").string());
  std::string record;
  while (reader.read(record)) out.push_back(record);
  return out;
}

// Example { features { feature { key: "x" value { } } } }: a feature with no list set.
const std::string kEmptyFeature = from_hex("0a070a050a0178" "1200");

}  // namespace

TEST_CASE("Example: builder overloads and chaining", "[example]") {
  const Example e = Example()
                        .set("int", 5)
                        .set("bool", true)
                        .set("double", 2.5)
                        .set("text", "abc")
                        .set("string", std::string("de"))
                        .set("ints", Int64List{1, 2})
                        .set("ints", Int64List{3})  // replaces
                        .set("t_int", constant({{1, 2}, {3, 4}}))
                        .set("t_uint8", constant(std::vector<std::uint8_t>{255, 0}, {2}))
                        .set("t_f64", constant({0.5, 1e300}))
                        .set("t_bool", constant(std::vector<bool>{true, false}, {2}));
  const auto& f = e.features();
  CHECK(f.size() == 10);
  CHECK(std::get<Int64List>(f.at("int")) == Int64List{5});
  CHECK(std::get<Int64List>(f.at("bool")) == Int64List{1});
  CHECK(std::get<FloatList>(f.at("double")) == FloatList{2.5f});
  CHECK(std::get<BytesList>(f.at("text")) == BytesList{"abc"});
  CHECK(std::get<BytesList>(f.at("string")) == BytesList{"de"});
  CHECK(std::get<Int64List>(f.at("ints")) == Int64List{3});
  CHECK(std::get<Int64List>(f.at("t_int")) == Int64List{1, 2, 3, 4});
  CHECK(std::get<Int64List>(f.at("t_uint8")) == Int64List{255, 0});
  CHECK(std::get<FloatList>(f.at("t_f64")) == FloatList{0.5f, std::numeric_limits<float>::infinity()});
  CHECK(std::get<Int64List>(f.at("t_bool")) == Int64List{1, 0});
}

TEST_CASE("Example: serializes byte for byte as TensorFlow", "[example]") {
  // Printed by tools/make_tfrecord_fixtures.py from tf.train.Example.SerializeToString().
  CHECK(Example().set("i", Int64List{1, -1, 300}).serialize() ==
        from_hex("0a180a160a016912111a0f0a0d01ffffffffffffffffff01ac02"));
  CHECK(Example().set("f", FloatList{0.5f, -2.0f}).serialize() ==
        from_hex("0a130a110a0166120c120a0a080000003f000000c0"));
  CHECK(Example().set("b", BytesList{"ab", ""}).serialize() == from_hex("0a0f0a0d0a016212080a060a0261620a00"));
  // Several features: TensorFlow's deterministic serialization orders them by name, as ours always does.
  std::string records;
  for (const Example& e : fixture_examples()) {
    const std::string bytes = e.serialize();
    records += bytes;
    CHECK(Example::parse(bytes) == e);
  }
  std::string theirs;
  for (const std::string& s : serialized_fixture()) theirs += s;
  CHECK(records == theirs);
}

TEST_CASE("Example: parses TensorFlow's examples.tfrecord exactly", "[example]") {
  const std::vector<std::string> serialized = serialized_fixture();
  const std::vector<Example> expected = fixture_examples();
  REQUIRE(serialized.size() == expected.size());
  for (std::size_t i = 0; i < serialized.size(); ++i) {
    INFO("example " << i);
    CHECK(Example::parse(serialized[i]) == expected[i]);
  }
  const Example one = Example::parse(serialized[1]);
  CHECK(std::get<FloatList>(one.features().at("score")) == FloatList{1e-30f});
  CHECK(std::get<BytesList>(one.features().at("tags")).empty());
  CHECK(std::get<Int64List>(one.features().at("ragged")) == Int64List{kMin, kMax});
}

TEST_CASE("Example: round trips odd names and empty lists; malformed bytes are DataLoss", "[example]") {
  const Example e = Example()
                        .set(std::string("\xff\xfe not utf-8", 13), Int64List{})
                        .set("", FloatList{})
                        .set("big", BytesList{std::string(100000, 'z'), std::string(3, '\0')});
  CHECK(Example::parse(e.serialize()) == e);
  CHECK(Example::parse("").features().empty());
  CHECK(Example().serialize().empty());
  CHECK(Example::parse(kEmptyFeature).features().empty());  // no list set: absent, as in TF
  CHECK_THROWS_MATCHES(Example::parse(from_hex("0a05616263")), DataLoss,
                       MessageContains("Example::parse: the 5 bytes are not a serialized tf.train.Example"));
  CHECK_THROWS_AS(Example::parse("\xff\xff\xff"), DataLoss);
}

TEST_CASE("Example: a repeated feature name keeps its last entry, as protobuf maps do", "[example]") {
  // Concatenated serialized messages merge: the second Example's entries follow the first's.
  const std::string twice =
      Example().set("x", 1).set("z", 0.5f).serialize() + Example().set("x", 2).set("y", 3).serialize();
  const Example merged = Example::parse(twice);
  CHECK(merged == Example().set("x", 2).set("y", 3).set("z", 0.5f));
  const FeatureSpec spec = {{"x", FixedLenFeature{{}, FeatureType::Int64, {}}}};
  CHECK(parse_single_example(twice, spec).dense.at("x").item<std::int64_t>() == 2);
  // A last entry with no list set makes the feature absent.
  const std::string emptied = Example().set("x", 1).serialize() + kEmptyFeature;
  CHECK(Example::parse(emptied).features().empty());
  CHECK_THROWS_MATCHES(parse_single_example(emptied, spec), InvalidArgument,
                       MessageContains("feature 'x' (int64) is required but could not be found"));
}

TEST_CASE("Example: every flipped or cut byte gives a result or a clear error", "[example]") {
  const std::string good = fixture_examples()[0].serialize();
  const FeatureSpec spec = fixture_spec();
  std::vector<std::string> damaged;
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      damaged.push_back(good);
      damaged.back()[i] = static_cast<char>(damaged.back()[i] ^ mask);
    }
    damaged.push_back(good.substr(0, i));
  }
  int errors = 0;
  for (const std::string& bytes : damaged) {
    try {
      Example::parse(bytes);
      parse_single_example(bytes, spec);
    } catch (const DataLoss&) {
      ++errors;
    } catch (const InvalidArgument&) {
      ++errors;
    }
  }
  CHECK(errors > static_cast<int>(damaged.size()) / 2);
}

TEST_CASE("parse_example: TensorFlow's results for examples.tfrecord", "[example]") {
  const ParsedExample p = parse_example(serialized_fixture(), fixture_spec());
  CHECK(p.dense.size() == 4);
  CHECK(p.dense.at("id").dtype() == DType::Int64);
  CHECK(p.dense.at("id").shape() == Shape{4});
  CHECK(p.dense.at("id").to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(p.dense.at("label").to_vector<std::int64_t>() == std::vector<std::int64_t>{3, -7, 0, 9});
  CHECK(p.dense.at("score").dtype() == DType::Float32);
  CHECK(p.dense.at("score").to_vector<float>() == std::vector<float>{0.5f, 1e-30f, -1.0f, -2.5f});
  CHECK(p.dense.at("pixels").shape() == Shape{4, 4});
  CHECK(p.dense.at("pixels").to_vector<float>() ==
        std::vector<float>{0.0f, 0.25f, 0.5f, 0.75f, 1.5f, -2.0f, 3.25f, 1e10f, -1.0f, -0.5f, 0.125f, 100.0f, 7.0f,
                           8.0f, 9.0f, 10.0f});
  CHECK(p.bytes.at("name") == BytesList{"zero", "one", std::string("\x00\xff" "bin", 5), "three"});
  CHECK(p.bytes.at("tags") == BytesList{"a", "b", "x", "", "\xfe"});
  CHECK(p.bytes_row_lengths.at("tags") == std::vector<std::int64_t>{2, 0, 3, 0});
  REQUIRE(p.sparse.size() == 1);
  const SparseTensor& ragged = p.sparse.at("ragged");
  CHECK(ragged.indices.shape() == Shape{7, 2});
  CHECK(ragged.indices.to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 3, 0, 3, 1});
  CHECK(ragged.values.dtype() == DType::Int64);
  CHECK(ragged.values.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, kMin, kMax, 5, 6});
  CHECK(ragged.dense_shape.to_vector<std::int64_t>() == std::vector<std::int64_t>{4, 3});
  const Tensor dense = ragged.to_dense(-1);
  CHECK(dense.shape() == Shape{4, 3});
  CHECK(dense.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, kMin, kMax, -1, -1, -1, -1, 5, 6, -1});

  // No examples: the shapes TensorFlow gives.
  const ParsedExample none = parse_example({}, fixture_spec());
  CHECK(none.dense.at("pixels").shape() == Shape{0, 4});
  CHECK(none.sparse.at("ragged").indices.shape() == Shape{0, 2});
  CHECK(none.sparse.at("ragged").dense_shape.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0});
  CHECK(none.bytes.at("tags").empty());
}

TEST_CASE("parse_single_example: TensorFlow's results for each example", "[example]") {
  const std::vector<std::string> serialized = serialized_fixture();
  const ParsedExample p1 = parse_single_example(serialized[1], fixture_spec());
  CHECK(p1.dense.at("id").shape() == Shape{});
  CHECK(p1.dense.at("id").item<std::int64_t>() == 1);
  CHECK(p1.dense.at("score").item<float>() == 1e-30f);
  CHECK(p1.dense.at("pixels").shape() == Shape{4});
  CHECK(p1.bytes.at("name") == BytesList{"one"});
  CHECK(p1.bytes.at("tags").empty());
  CHECK(p1.bytes_row_lengths.at("tags") == std::vector<std::int64_t>{0});
  const SparseTensor& r1 = p1.sparse.at("ragged");
  CHECK(r1.indices.shape() == Shape{2, 1});
  CHECK(r1.indices.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  CHECK(r1.values.to_vector<std::int64_t>() == std::vector<std::int64_t>{kMin, kMax});
  CHECK(r1.dense_shape.to_vector<std::int64_t>() == std::vector<std::int64_t>{2});

  // Example 2 lacks "score" (the default fills in) and "ragged" (empty).
  const ParsedExample p2 = parse_single_example(serialized[2], fixture_spec());
  CHECK(p2.dense.at("score").item<float>() == -1.0f);
  CHECK(p2.bytes.at("tags") == BytesList{"x", "", "\xfe"});
  CHECK(p2.sparse.at("ragged").indices.shape() == Shape{0, 1});
  CHECK(p2.sparse.at("ragged").values.shape() == Shape{0});
  CHECK(p2.sparse.at("ragged").dense_shape.to_vector<std::int64_t>() == std::vector<std::int64_t>{0});

  // Features the spec does not name are ignored; a feature with no list set is absent.
  const FeatureSpec only_x = {{"x", FixedLenFeature{{2}, FeatureType::Int64, constant({7L, 8L})}}};
  CHECK(parse_single_example(serialized[0], only_x).dense.at("x").to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{7, 8});
  CHECK(parse_single_example(kEmptyFeature, only_x).dense.at("x").to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{7, 8});
  CHECK(parse_single_example(kEmptyFeature, {{"x", VarLenFeature{FeatureType::Float}}}).sparse.at("x").values.shape() ==
        Shape{0});
}

TEST_CASE("parse_single_example: defaults of every kind, multi-dimensional shapes", "[example]") {
  const std::string s = Example().set("m", Int64List{1, 2, 3, 4, 5, 6}).set("b", BytesList{"p", "q"}).serialize();
  const FeatureSpec spec = {
      {"m", FixedLenFeature{{2, 3}, FeatureType::Int64, std::nullopt}},
      {"m_as_float", FixedLenFeature{{3}, FeatureType::Float, constant({1, 2, 3})}},  // int32 default -> float32
      {"absent_i", FixedLenFeature{{2, 1}, FeatureType::Int64, constant({{true}, {false}})}},
      {"b", FixedLenFeature{{2}, FeatureType::Bytes, std::nullopt}},
      {"absent_b", FixedLenFeature{{1, 2}, FeatureType::Bytes, std::vector<std::string>{"u", "v"}}},
      {"absent_var_b", VarLenFeature{FeatureType::Bytes}},
  };
  const ParsedExample p = parse_single_example(s, spec);
  CHECK(p.dense.at("m").shape() == Shape{2, 3});
  CHECK(p.dense.at("m").to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(p.dense.at("m_as_float").dtype() == DType::Float32);
  CHECK(p.dense.at("m_as_float").to_vector<float>() == std::vector<float>{1, 2, 3});
  CHECK(p.dense.at("absent_i").shape() == Shape{2, 1});
  CHECK(p.dense.at("absent_i").to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(p.bytes.at("b") == BytesList{"p", "q"});
  CHECK(p.bytes.at("absent_b") == BytesList{"u", "v"});
  CHECK(p.bytes.at("absent_var_b").empty());
  CHECK(p.bytes_row_lengths.at("absent_var_b") == std::vector<std::int64_t>{0});
}

TEST_CASE("parse_single_example / parse_example: TensorFlow's errors", "[example]") {
  const std::string s = Example().set("i", Int64List{1, 2}).set("f", 0.5f).set("b", "x").serialize();
  auto fixed = [](Shape shape, FeatureType type) { return FeatureSpec{{"i", FixedLenFeature{shape, type, {}}}}; };
  CHECK_THROWS_MATCHES(parse_single_example(s, {{"missing", FixedLenFeature{{}, FeatureType::Int64, {}}}}),
                       InvalidArgument,
                       MessageContains("feature 'missing' (int64) is required but could not be found"));
  CHECK_THROWS_MATCHES(parse_single_example(s, fixed({2}, FeatureType::Float)), InvalidArgument,
                       MessageContains("feature 'i': data types don't match: the example holds int64 values, the "
                                       "spec expects float"));
  CHECK_THROWS_MATCHES(parse_single_example(s, {{"b", VarLenFeature{FeatureType::Int64}}}), InvalidArgument,
                       MessageContains("feature 'b': data types don't match: the example holds bytes values"));
  CHECK_THROWS_MATCHES(parse_single_example(s, fixed({3}, FeatureType::Int64)), InvalidArgument,
                       MessageContains("feature 'i': expected 3 int64 values for shape (3,), found 2"));
  CHECK_THROWS_MATCHES(parse_single_example(s, {{"b", FixedLenFeature{{2}, FeatureType::Bytes, {}}}}),
                       InvalidArgument,
                       MessageContains("feature 'b': expected 2 bytes values for shape (2,), found 1"));
  // A present feature does not fall back to the default when its count is wrong (as in TF).
  CHECK_THROWS_MATCHES(parse_single_example(s, {{"i", FixedLenFeature{{}, FeatureType::Int64, scalar(5L)}}}),
                       InvalidArgument, MessageContains("expected 1 int64 values for shape (), found 2"));
  CHECK_THROWS_MATCHES(parse_single_example(from_hex("0a05616263"), fixed({2}, FeatureType::Int64)), DataLoss,
                       MessageContains("parse_single_example: the 5 bytes are not a serialized tf.train.Example"));

  const std::vector<std::string> batch = {s, s, Example().set("i", Int64List{1}).serialize()};
  CHECK_THROWS_MATCHES(parse_example(batch, fixed({2}, FeatureType::Int64)), InvalidArgument,
                       MessageContains("parse_example: example 2: feature 'i': expected 2 int64 values"));

  // Invalid specs.
  CHECK_THROWS_MATCHES(parse_single_example(s, fixed({-1}, FeatureType::Int64)), InvalidArgument,
                       MessageContains("FixedLenFeature 'i': shape (-1,) has a negative dimension"));
  auto with_default = [&](FeatureType type, std::variant<Tensor, std::vector<std::string>> d, Shape shape = {}) {
    return parse_single_example(s, {{"z", FixedLenFeature{shape, type, std::move(d)}}});
  };
  CHECK_THROWS_MATCHES(with_default(FeatureType::Int64, scalar(1.5f)), InvalidArgument,
                       MessageContains("an int64 feature cannot take a float32 default_value"));
  CHECK_THROWS_MATCHES(with_default(FeatureType::Int64, scalar(1), {3}), InvalidArgument,
                       MessageContains("default_value has 1 elements, shape (3,) needs 3"));
  CHECK_THROWS_MATCHES(with_default(FeatureType::Float, std::vector<std::string>{"a"}), InvalidArgument,
                       MessageContains("the default_value of a float feature must be a Tensor"));
  CHECK_THROWS_MATCHES(with_default(FeatureType::Bytes, scalar(1)), InvalidArgument,
                       MessageContains("the default_value of a bytes feature must be strings"));
  CHECK_THROWS_MATCHES(with_default(FeatureType::Bytes, std::vector<std::string>{"a"}, {2}), InvalidArgument,
                       MessageContains("default_value has 1 strings, shape (2,) needs 2"));
  CHECK_THROWS_MATCHES(with_default(FeatureType::Float, Tensor()), InvalidArgument,
                       MessageContains("default_value is an undefined Tensor"));
}

TEST_CASE("decode_raw: every dtype, both byte orders, batches", "[example]") {
  const std::string bytes = from_hex("0102030405060708");
  CHECK(decode_raw(bytes, DType::UInt8).to_vector<int>() == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(decode_raw(bytes, DType::Int32).to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{0x04030201, 0x08070605});
  CHECK(decode_raw(bytes, DType::Int32, false).to_vector<std::int32_t>() ==
        std::vector<std::int32_t>{0x01020304, 0x05060708});
  CHECK(decode_raw(bytes, DType::Int64).to_vector<std::int64_t>() == std::vector<std::int64_t>{0x0807060504030201});
  CHECK(decode_raw(bytes, DType::Int64, false).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{0x0102030405060708});
  CHECK(decode_raw(from_hex("0000803f000000c0"), DType::Float32).to_vector<float>() == std::vector<float>{1.0f, -2.0f});
  CHECK(decode_raw(from_hex("3ff8000000000000"), DType::Float64, false).item<double>() == 1.5);
  const Tensor flags = decode_raw(from_hex("000102ff"), DType::Bool);
  CHECK(flags.dtype() == DType::Bool);
  CHECK(flags.to_vector<int>() == std::vector<int>{0, 1, 1, 1});
  CHECK(decode_raw(std::string_view(), DType::Int32).shape() == Shape{0});
  CHECK_THROWS_MATCHES(
      decode_raw(std::string_view("abc"), DType::Int32), InvalidArgument,
      MessageContains("decode_raw: input has length 3 that is not a multiple of 4, the size of int32"));

  const Tensor rows = decode_raw(std::vector<std::string>{from_hex("01000200"), from_hex("ffff0300")}, DType::Int32);
  CHECK(rows.shape() == Shape{2, 1});
  CHECK(rows.to_vector<std::int32_t>() == std::vector<std::int32_t>{0x00020001, 0x0003ffff});
  CHECK(decode_raw(std::vector<std::string>{}, DType::Float32).shape() == Shape{0, 0});
  CHECK_THROWS_MATCHES(decode_raw(std::vector<std::string>{"abcd", "abcd", "abc"}, DType::UInt8), InvalidArgument,
                       MessageContains("element 2 has size 3 != 4"));
  CHECK_THROWS_MATCHES(decode_raw(std::vector<std::string>{"abc"}, DType::Float32), InvalidArgument,
                       MessageContains("not a multiple of 4"));
}

TEST_CASE("SparseTensor::to_dense: dtypes, defaults and bad indices", "[example]") {
  SparseTensor s{constant({{0L, 1L}, {1L, 0L}}), constant({2.5f, -1.0f}), constant({2L, 3L})};
  CHECK(s.to_dense().to_vector<float>() == std::vector<float>{0, 2.5f, 0, -1.0f, 0, 0});
  CHECK(s.to_dense(9).to_vector<float>() == std::vector<float>{9, 2.5f, 9, -1.0f, 9, 9});
  s.indices = constant({{0L, 1L}, {2L, 0L}});
  CHECK_THROWS_MATCHES(s.to_dense(), InvalidArgument,
                       MessageContains("index (2, 0) of value 1 is outside dense_shape (2, 3)"));
  s.indices = constant({0L, 1L});
  CHECK_THROWS_MATCHES(s.to_dense(), InvalidArgument, MessageContains("expected int64 indices [n, rank]"));
}

TEST_CASE("Example: eager's examples.tfrecord for TensorFlow to read", "[example]") {
  // Byte-identical to TensorFlow's own file (checked above); with
  // EAGER_TFRECORD_EXPORT_DIR set it is also written there for
  // tools/make_tfrecord_fixtures.py --check-eager.
  const char* out = std::getenv("EAGER_TFRECORD_EXPORT_DIR");
  if (!out) return;
  TFRecordWriter writer((fs::path(out) / "eager_examples.tfrecord").string());
  for (const Example& e : fixture_examples()) writer.write(e.serialize());
  writer.close();
  CHECK(read_bytes(fs::path(out) / "eager_examples.tfrecord") == read_bytes(kFixtures / "examples.tfrecord"));
}
