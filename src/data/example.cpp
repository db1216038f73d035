// tf.train.Example through libprotobuf's generated code (src/data/proto/
// example.proto), kept out of the public headers. Parsing copies each list
// once, straight into its output tensor.
#include "eager/data/example.hpp"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <map>
#include <span>
#include <utility>

#include "eager/creation.hpp"
#include "eager/error.hpp"
#include "example.pb.h"

namespace eager::data {
namespace {

namespace pb = ::tensorflow;

const char* type_name(FeatureType t) {
  switch (t) {
    case FeatureType::Int64: return "int64";
    case FeatureType::Float: return "float";
    case FeatureType::Bytes: return "bytes";
  }
  return "?";
}

DType numeric_dtype(FeatureType t) { return t == FeatureType::Int64 ? DType::Int64 : DType::Float32; }

// The type of a feature whose list is set.
FeatureType list_type(const pb::Feature& f) {
  switch (f.kind_case()) {
    case pb::Feature::kInt64List: return FeatureType::Int64;
    case pb::Feature::kFloatList: return FeatureType::Float;
    default: return FeatureType::Bytes;
  }
}

std::int64_t list_size(const pb::Feature& f) {
  switch (f.kind_case()) {
    case pb::Feature::kInt64List: return f.int64_list().value_size();
    case pb::Feature::kFloatList: return f.float_list().value_size();
    default: return f.bytes_list().value_size();
  }
}

// The raw values of a numeric list (int64 or float), contiguous in the proto.
const void* numeric_values(const pb::Feature& f) {
  if (f.kind_case() == pb::Feature::kInt64List) return f.int64_list().value().data();
  return f.float_list().value().data();
}

template <class List, class Repeated>
List to_list(const Repeated& values) {
  return List(values.begin(), values.end());
}

// The start of an error message about one example: "parse_example: example 3: ".
// Built only when an error is thrown, so that a batch costs no string per example.
struct Context {
  const char* op;
  bool batched;
  std::int64_t index;
  std::string operator()() const {
    return std::string(op) + ": " + (batched ? "example " + std::to_string(index) + ": " : "");
  }
};

// Parses into `proto` (reusing its memory), or throws DataLoss starting with `who()`.
template <class Who>
void parse_into(pb::Example& proto, std::string_view bytes, const Who& who) {
  // protobuf sizes are ints.
  if (bytes.size() > static_cast<std::size_t>(INT_MAX) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw DataLoss(who() + "the " + std::to_string(bytes.size()) + " bytes are not a serialized tf.train.Example");
}

// One FixedLenFeature of the spec, with its output and its checked default.
struct FixedState {
  const std::string* name = nullptr;
  FeatureType type = FeatureType::Int64;
  Shape shape;
  std::int64_t count = 0;  // values per example
  Tensor dense;            // numeric output, [batch] + shape
  Tensor default_tensor;
  std::vector<std::string>* bytes = nullptr;
  const std::vector<std::string>* default_bytes = nullptr;
};

// One VarLenFeature of the spec: its values and per-example counts so far.
struct VarState {
  const std::string* name = nullptr;
  FeatureType type = FeatureType::Int64;
  std::vector<std::int64_t> int64s;
  std::vector<float> floats;
  std::vector<std::string>* bytes = nullptr;
  std::vector<std::int64_t> lengths;
};

// Checks a FixedLenFeature and its default, and allocates its output.
FixedState prepare_fixed(const std::string& name, const FixedLenFeature& f, std::int64_t batch, bool batched,
                         ParsedExample& out, const char* op) {
  const std::string who = std::string(op) + ": FixedLenFeature '" + name + "': ";
  for (std::int64_t d : f.shape)
    if (d < 0) throw InvalidArgument(who + "shape " + f.shape.to_string() + " has a negative dimension");
  FixedState s;
  s.name = &name;
  s.type = f.type;
  s.shape = f.shape;
  s.count = f.shape.num_elements();
  if (f.type == FeatureType::Bytes) {
    s.bytes = &out.bytes[name];
    if (f.default_value) {
      s.default_bytes = std::get_if<std::vector<std::string>>(&*f.default_value);
      if (!s.default_bytes) throw InvalidArgument(who + "the default_value of a bytes feature must be strings");
      if (static_cast<std::int64_t>(s.default_bytes->size()) != s.count)
        throw InvalidArgument(who + "default_value has " + std::to_string(s.default_bytes->size()) +
                              " strings, shape " + f.shape.to_string() + " needs " + std::to_string(s.count));
    }
    return s;
  }
  const DType dtype = numeric_dtype(f.type);
  Shape out_shape = f.shape;
  if (batched) out_shape.insert(0, batch);
  s.dense = Tensor::empty(out_shape, dtype, Device::cpu());
  out.dense[name] = s.dense;
  if (f.default_value) {
    const Tensor* t = std::get_if<Tensor>(&*f.default_value);
    if (!t) throw InvalidArgument(who + "the default_value of a " + type_name(f.type) + " feature must be a Tensor");
    if (!t->defined()) throw InvalidArgument(who + "default_value is an undefined Tensor");
    if (f.type == FeatureType::Int64 && is_floating(t->dtype()))
      throw InvalidArgument(who + "an int64 feature cannot take a " + std::string(dtype_name(t->dtype())) +
                            " default_value");
    if (t->num_elements() != s.count)
      throw InvalidArgument(who + "default_value has " + std::to_string(t->num_elements()) + " elements, shape " +
                            f.shape.to_string() + " needs " + std::to_string(s.count));
    s.default_tensor = t->cast(dtype).cpu().contiguous();
  }
  return s;
}

void check_type(const pb::Feature& f, FeatureType expected, const Context& where, const std::string& name) {
  const FeatureType found = list_type(f);
  if (found != expected)
    throw InvalidArgument(where() + "feature '" + name + "': data types don't match: the example holds " +
                          type_name(found) + " values, the spec expects " + type_name(expected));
}

void fill_fixed(FixedState& s, const pb::Feature* f, const Context& where) {
  if (f) {
    check_type(*f, s.type, where, *s.name);
    const std::int64_t found = list_size(*f);
    if (found != s.count)
      throw InvalidArgument(where() + "feature '" + *s.name + "': expected " + std::to_string(s.count) + " " +
                            type_name(s.type) + " values for shape " + s.shape.to_string() + ", found " +
                            std::to_string(found));
  } else if (!s.default_bytes && !s.default_tensor.defined()) {
    throw InvalidArgument(where() + "feature '" + *s.name + "' (" + type_name(s.type) +
                          ") is required but could not be found");
  }
  if (s.type == FeatureType::Bytes) {
    if (f) s.bytes->insert(s.bytes->end(), f->bytes_list().value().begin(), f->bytes_list().value().end());
    else s.bytes->insert(s.bytes->end(), s.default_bytes->begin(), s.default_bytes->end());
    return;
  }
  const std::size_t n = static_cast<std::size_t>(s.count) * itemsize(s.dense.dtype());
  if (n == 0) return;  // the pointers may then be null
  char* dst = static_cast<char*>(s.dense.raw_mutable_data()) + static_cast<std::size_t>(where.index) * n;
  std::memcpy(dst, f ? numeric_values(*f) : s.default_tensor.raw_data(), n);
}

void fill_var(VarState& s, const pb::Feature* f, const Context& where) {
  if (!f) {
    s.lengths.push_back(0);
    return;
  }
  check_type(*f, s.type, where, *s.name);
  s.lengths.push_back(list_size(*f));
  if (s.type == FeatureType::Int64) {
    const auto& v = f->int64_list().value();
    s.int64s.insert(s.int64s.end(), v.begin(), v.end());
  } else if (s.type == FeatureType::Float) {
    const auto& v = f->float_list().value();
    s.floats.insert(s.floats.end(), v.begin(), v.end());
  } else {
    const auto& v = f->bytes_list().value();
    s.bytes->insert(s.bytes->end(), v.begin(), v.end());
  }
}

SparseTensor finish_var(const VarState& s, bool batched) {
  const auto n = static_cast<std::int64_t>(s.type == FeatureType::Int64 ? s.int64s.size() : s.floats.size());
  const std::int64_t rank = batched ? 2 : 1;
  SparseTensor out;
  out.indices = Tensor::empty({n, rank}, DType::Int64, Device::cpu());
  std::int64_t* idx = out.indices.mutable_data<std::int64_t>();
  std::int64_t longest = 0;
  for (std::size_t b = 0; b < s.lengths.size(); ++b) {
    longest = std::max(longest, s.lengths[b]);
    for (std::int64_t j = 0; j < s.lengths[b]; ++j) {
      if (batched) *idx++ = static_cast<std::int64_t>(b);
      *idx++ = j;
    }
  }
  if (s.type == FeatureType::Int64) out.values = constant(s.int64s, Shape{n}, std::nullopt, Device::cpu());
  else out.values = constant(s.floats, Shape{n}, std::nullopt, Device::cpu());
  const std::vector<std::int64_t> dense_shape =
      batched ? std::vector<std::int64_t>{static_cast<std::int64_t>(s.lengths.size()), longest}
              : std::vector<std::int64_t>{n};
  out.dense_shape = constant(dense_shape, Shape{rank}, std::nullopt, Device::cpu());
  return out;
}

ParsedExample parse_examples(std::span<const std::string_view> inputs, const FeatureSpec& spec, bool batched) {
  const char* op = batched ? "parse_example" : "parse_single_example";
  const auto batch = static_cast<std::int64_t>(inputs.size());
  ParsedExample out;
  std::vector<FixedState> fixed;
  std::vector<VarState> var;
  for (const auto& [name, feature] : spec) {
    if (const auto* f = std::get_if<FixedLenFeature>(&feature)) {
      fixed.push_back(prepare_fixed(name, *f, batch, batched, out, op));
    } else {
      VarState s;
      s.name = &name;
      s.type = std::get<VarLenFeature>(feature).type;
      if (s.type == FeatureType::Bytes) s.bytes = &out.bytes[name];
      var.push_back(std::move(s));
    }
  }

  // Spec position of each name: fixed features first, then var-len ones.
  std::map<std::string_view, std::size_t> slot_of;
  for (std::size_t k = 0; k < fixed.size(); ++k) slot_of.emplace(*fixed[k].name, k);
  for (std::size_t k = 0; k < var.size(); ++k) slot_of.emplace(*var[k].name, fixed.size() + k);
  std::vector<const pb::Feature*> found(slot_of.size());

  pb::Example proto;
  for (std::int64_t i = 0; i < batch; ++i) {
    const Context where{op, batched, i};
    parse_into(proto, inputs[static_cast<std::size_t>(i)], where);
    std::fill(found.begin(), found.end(), nullptr);
    // In order, so that a repeated name ends with its last entry, as a map would.
    for (const pb::Features::FeatureEntry& entry : proto.features().feature()) {
      const auto it = slot_of.find(entry.key());
      if (it == slot_of.end()) continue;
      // A feature with no list set counts as absent, as in TensorFlow.
      const bool has_list = entry.value().kind_case() != pb::Feature::KIND_NOT_SET;
      found[it->second] = has_list ? &entry.value() : nullptr;
    }
    for (std::size_t k = 0; k < fixed.size(); ++k) fill_fixed(fixed[k], found[k], where);
    for (std::size_t k = 0; k < var.size(); ++k) fill_var(var[k], found[fixed.size() + k], where);
  }

  for (const VarState& s : var) {
    if (s.type == FeatureType::Bytes) out.bytes_row_lengths[*s.name] = s.lengths;
    else out.sparse[*s.name] = finish_var(s, batched);
  }
  return out;
}

// Copies `count` elements of `item` bytes, reversing each when `swap`.
void copy_elements(unsigned char* dst, const char* src, std::size_t count, DType dtype, bool swap) {
  if (count == 0) return;  // the pointers may then be null
  const std::size_t item = itemsize(dtype);
  if (dtype == DType::Bool) {
    for (std::size_t i = 0; i < count; ++i) dst[i] = src[i] != 0;
  } else if (!swap || item == 1) {
    std::memcpy(dst, src, count * item);
  } else {
    for (std::size_t i = 0; i < count; ++i, dst += item, src += item)
      for (std::size_t b = 0; b < item; ++b) dst[b] = static_cast<unsigned char>(src[item - 1 - b]);
  }
}

void check_raw_length(std::size_t length, DType out_type) {
  if (length % itemsize(out_type) != 0)
    throw InvalidArgument("decode_raw: input has length " + std::to_string(length) + " that is not a multiple of " +
                          std::to_string(itemsize(out_type)) + ", the size of " + std::string(dtype_name(out_type)));
}

bool needs_swap(bool little_endian) { return little_endian != (std::endian::native == std::endian::little); }

}  // namespace

// ---- Example ----------------------------------------------------------------

Example& Example::set(const std::string& name, Feature value) {
  features_.insert_or_assign(name, std::move(value));
  return *this;
}

Example& Example::set(const std::string& name, std::string_view value) {
  return set(name, Feature(BytesList{std::string(value)}));
}

Example& Example::set(const std::string& name, const Tensor& value) {
  if (is_floating(value.dtype())) return set(name, Feature(value.to_vector<float>()));
  return set(name, Feature(value.to_vector<std::int64_t>()));
}

std::string Example::serialize() const {
  pb::Example proto;
  // In name order, as deterministic map serialization (TensorFlow's included) writes them.
  for (const auto& [name, feature] : features_) {
    pb::Features::FeatureEntry& entry = *proto.mutable_features()->add_feature();
    entry.set_key(name);
    pb::Feature& f = *entry.mutable_value();
    if (const auto* v = std::get_if<Int64List>(&feature)) {
      f.mutable_int64_list()->mutable_value()->Add(v->begin(), v->end());
    } else if (const auto* v = std::get_if<FloatList>(&feature)) {
      f.mutable_float_list()->mutable_value()->Add(v->begin(), v->end());
    } else {
      auto* list = f.mutable_bytes_list()->mutable_value();
      for (const std::string& s : std::get<BytesList>(feature)) list->Add()->assign(s);
    }
  }
  return proto.SerializeAsString();
}

Example Example::parse(std::string_view bytes) {
  pb::Example proto;
  parse_into(proto, bytes, [] { return std::string("Example::parse: "); });
  Example out;
  // In order, so that a repeated name ends with its last entry, as a map would.
  for (const pb::Features::FeatureEntry& entry : proto.features().feature()) {
    const pb::Feature& f = entry.value();
    const auto set = [&](Feature value) { out.features_.insert_or_assign(entry.key(), std::move(value)); };
    switch (f.kind_case()) {
      case pb::Feature::kInt64List: set(to_list<Int64List>(f.int64_list().value())); break;
      case pb::Feature::kFloatList: set(to_list<FloatList>(f.float_list().value())); break;
      case pb::Feature::kBytesList: set(to_list<BytesList>(f.bytes_list().value())); break;
      case pb::Feature::KIND_NOT_SET: out.features_.erase(entry.key()); break;
    }
  }
  return out;
}

// ---- parsing into tensors ---------------------------------------------------

ParsedExample parse_single_example(std::string_view serialized, const FeatureSpec& spec) {
  return parse_examples(std::span<const std::string_view>(&serialized, 1), spec, false);
}

ParsedExample parse_example(const std::vector<std::string>& serialized, const FeatureSpec& spec) {
  const std::vector<std::string_view> views(serialized.begin(), serialized.end());
  return parse_examples(views, spec, true);
}

Tensor SparseTensor::to_dense(Scalar default_value) const {
  const std::string who = "SparseTensor::to_dense: ";
  if (!indices.defined() || !values.defined() || !dense_shape.defined())
    throw InvalidArgument(who + "indices, values and dense_shape must all be defined");
  if (indices.dtype() != DType::Int64 || dense_shape.dtype() != DType::Int64 || indices.rank() != 2 ||
      values.rank() != 1 || dense_shape.rank() != 1 || indices.dim(0) != values.dim(0) ||
      indices.dim(1) != dense_shape.dim(0))
    throw InvalidArgument(who + "expected int64 indices [n, rank], values [n] and int64 dense_shape [rank]; got " +
                          std::string(dtype_name(indices.dtype())) + " indices " + indices.shape().to_string() +
                          ", values " + values.shape().to_string() + ", " +
                          std::string(dtype_name(dense_shape.dtype())) + " dense_shape " +
                          dense_shape.shape().to_string());
  const std::vector<std::int64_t> dims = dense_shape.to_vector<std::int64_t>();
  for (std::int64_t d : dims)
    if (d < 0) throw InvalidArgument(who + "dense_shape " + Shape(dims).to_string() + " has a negative dimension");
  Tensor out = fill(Shape(dims), default_value, values.dtype(), Device::cpu());
  const Tensor host_values = values.cpu().contiguous();
  const std::vector<std::int64_t> idx = indices.to_vector<std::int64_t>();
  const std::size_t rank = dims.size();
  const std::size_t item = itemsize(values.dtype());
  auto* dst = static_cast<char*>(out.raw_mutable_data());
  const auto* src = static_cast<const char*>(host_values.raw_data());
  for (std::int64_t k = 0; k < values.dim(0); ++k) {
    std::int64_t linear = 0;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t i = idx[static_cast<std::size_t>(k) * rank + d];
      if (i < 0 || i >= dims[d]) {
        std::vector<std::int64_t> where(idx.begin() + k * static_cast<std::int64_t>(rank),
                                        idx.begin() + (k + 1) * static_cast<std::int64_t>(rank));
        throw InvalidArgument(who + "index " + Shape(where).to_string() + " of value " + std::to_string(k) +
                              " is outside dense_shape " + Shape(dims).to_string());
      }
      linear = linear * dims[d] + i;
    }
    std::memcpy(dst + linear * static_cast<std::int64_t>(item), src + k * static_cast<std::int64_t>(item), item);
  }
  return out;
}

Tensor decode_raw(std::string_view bytes, DType out_type, bool little_endian) {
  check_raw_length(bytes.size(), out_type);
  const std::size_t count = bytes.size() / itemsize(out_type);
  Tensor out = Tensor::empty({static_cast<std::int64_t>(count)}, out_type, Device::cpu());
  copy_elements(static_cast<unsigned char*>(out.raw_mutable_data()), bytes.data(), count, out_type,
                needs_swap(little_endian));
  return out;
}

Tensor decode_raw(const std::vector<std::string>& bytes, DType out_type, bool little_endian) {
  const std::size_t length = bytes.empty() ? 0 : bytes[0].size();
  check_raw_length(length, out_type);
  for (std::size_t i = 1; i < bytes.size(); ++i)
    if (bytes[i].size() != length)
      throw InvalidArgument("decode_raw: the strings must all be the same size, but element " + std::to_string(i) +
                            " has size " + std::to_string(bytes[i].size()) + " != " + std::to_string(length));
  const std::size_t per_row = length / itemsize(out_type);
  Tensor out = Tensor::empty({static_cast<std::int64_t>(bytes.size()), static_cast<std::int64_t>(per_row)}, out_type,
                             Device::cpu());
  auto* dst = static_cast<unsigned char*>(out.raw_mutable_data());
  for (const std::string& s : bytes) {
    copy_elements(dst, s.data(), per_row, out_type, needs_swap(little_endian));
    dst += length;
  }
  return out;
}

}  // namespace eager::data
