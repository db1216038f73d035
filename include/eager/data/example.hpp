#pragma once
// tf.train.Example: a map from feature names to lists of int64, float or byte
// strings, serialized as a protocol buffer that is byte-for-byte what
// TensorFlow reads and writes. Building and reading one goes through
// Example; turning serialized examples into tensors goes through a
// FeatureSpec and parse_single_example / parse_example, as tf.io does.
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eager/dtype.hpp"
#include "eager/scalar.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::data {

class Example {
 public:
  using Int64List = std::vector<std::int64_t>;
  using FloatList = std::vector<float>;
  using BytesList = std::vector<std::string>;
  using Feature = std::variant<Int64List, FloatList, BytesList>;

  // Sets feature `name` (replacing any feature of that name) and returns
  // *this, so calls chain: Example().set("label", 3).set("image", bytes).
  Example& set(const std::string& name, Feature value);
  // One integer (bool and char included) as an Int64List of one value.
  template <std::integral T>
  Example& set(const std::string& name, T value) {
    return set(name, Feature(Int64List{static_cast<std::int64_t>(value)}));
  }
  // One number as a FloatList of one value (float32, as TensorFlow stores it).
  template <std::floating_point T>
  Example& set(const std::string& name, T value) {
    return set(name, Feature(FloatList{static_cast<float>(value)}));
  }
  // One byte string as a BytesList of one value.
  Example& set(const std::string& name, std::string_view value);
  // The tensor's values in row-major order (the shape is not kept, as in TF):
  // bool and integer dtypes as an Int64List, floating dtypes as a FloatList
  // (float64 rounded to float32). Any device.
  Example& set(const std::string& name, const Tensor& value);

  const std::map<std::string, Feature>& features() const { return features_; }

  // The tf.train.Example protocol buffer. Features are written in name order,
  // so equal Examples serialize to equal bytes.
  std::string serialize() const;

  // Parses a serialized tf.train.Example. A feature with no list set (which
  // TensorFlow treats as absent) is left out. Throws DataLoss when the bytes
  // are not a valid protocol buffer of that type.
  static Example parse(std::string_view bytes);

  friend bool operator==(const Example&, const Example&) = default;

 private:
  std::map<std::string, Feature> features_;
};

enum class FeatureType { Int64, Float, Bytes };

// tf.io.FixedLenFeature: exactly shape.num_elements() values per example.
// Numeric features parse to int64 or float32 tensors of `shape`; bytes
// features to that many strings in row-major order.
//
// default_value is used when an example lacks the feature (or has it with no
// list set); without one such an example is an error. It is a Tensor for
// Int64 and Float features (any shape with the same number of elements; bool
// and integer dtypes for Int64, any numeric dtype for Float, converted) and a
// vector of strings for Bytes features (one per element).
struct FixedLenFeature {
  Shape shape;
  FeatureType type;
  std::optional<std::variant<Tensor, std::vector<std::string>>> default_value = std::nullopt;
};

// tf.io.VarLenFeature: any number of values per example, none when absent.
struct VarLenFeature {
  FeatureType type;
};

using FeatureSpec = std::map<std::string, std::variant<FixedLenFeature, VarLenFeature>>;

// tf.sparse.SparseTensor: the values at `indices` of a tensor of dense_shape.
struct SparseTensor {
  Tensor indices;      // int64 [n, rank]
  Tensor values;       // [n]
  Tensor dense_shape;  // int64 [rank]

  // tf.sparse.to_dense: a CPU tensor of dense_shape and the values' dtype,
  // `default_value` where no index points. A repeated index takes its last
  // value. Throws InvalidArgument when the three tensors do not fit together
  // or an index is outside dense_shape.
  Tensor to_dense(Scalar default_value = 0) const;
};

// What parse_single_example and parse_example return, by feature name.
struct ParsedExample {
  // Numeric FixedLenFeatures: int64 or float32 CPU tensors of the spec's shape
  // (parse_example: with a leading batch dimension).
  std::map<std::string, Tensor> dense;
  // Numeric VarLenFeatures, laid out as TensorFlow does: for one example
  // indices [n, 1] and dense_shape [n]; for a batch indices [n, 2] holding
  // (example, position) and dense_shape [batch, longest].
  std::map<std::string, SparseTensor> sparse;
  // Bytes features, all values in order (example by example for a batch):
  // shape.num_elements() per example for a FixedLenFeature.
  std::map<std::string, std::vector<std::string>> bytes;
  // For each bytes VarLenFeature: how many values each example had, so the
  // flat list in `bytes` can be split again.
  std::map<std::string, std::vector<std::int64_t>> bytes_row_lengths;
};

// tf.io.parse_single_example: the features of `spec` from one serialized
// tf.train.Example (features the spec does not name are ignored).
//
// Throws DataLoss when the bytes are not a tf.train.Example, and
// InvalidArgument, naming the feature, when a FixedLenFeature without a
// default is missing, when a feature holds another type than the spec says,
// when a FixedLenFeature has a different number of values than its shape
// calls for (saying both counts), or when the spec itself is invalid (a
// negative dimension, a default of the wrong kind, dtype or size).
ParsedExample parse_single_example(std::string_view serialized, const FeatureSpec& spec);

// tf.io.parse_example: a batch of serialized examples at once; see
// ParsedExample for the layout. Errors as parse_single_example, with the
// index of the offending example in the message.
ParsedExample parse_example(const std::vector<std::string>& serialized, const FeatureSpec& spec);

// tf.io.decode_raw: the bytes as a 1-D CPU tensor of `out_type` elements,
// read little- or big-endian (bool: any non-zero byte is true). Throws
// InvalidArgument when the length is not a multiple of the element size.
Tensor decode_raw(std::string_view bytes, DType out_type, bool little_endian = true);

// decode_raw of each string, stacked to [n, length / element size]; [0, 0]
// for no strings. Throws InvalidArgument when the strings differ in length
// (naming the first that does) or a length is not a multiple of the element size.
Tensor decode_raw(const std::vector<std::string>& bytes, DType out_type, bool little_endian = true);

}  // namespace eager::data
