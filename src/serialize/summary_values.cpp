#include "summary_values.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <utility>

#include "eager/error.hpp"
#include "png.hpp"

namespace eager::summary::detail {
namespace {

using tensorboard::DataType;
using tensorboard::Summary;
using tensorboard::TensorProto;

Summary::Value tensor_value(const char* plugin_name, DataType dtype, std::initializer_list<std::int64_t> dims) {
  Summary::Value value;
  value.mutable_metadata()->mutable_plugin_data()->set_plugin_name(plugin_name);
  TensorProto* tensor = value.mutable_tensor();
  tensor->set_dtype(dtype);
  // TensorFlow writes the shape even for a scalar (an empty message).
  tensorboard::TensorShapeProto* shape = tensor->mutable_tensor_shape();
  for (std::int64_t d : dims) shape->add_dim()->set_size(d);
  return value;
}

// "float32(2, 3)": dtype and shape for messages.
std::string describe(const Tensor& t) { return std::string(dtype_name(t.dtype())) + t.shape().to_string(); }

// tf.image.convert_image_dtype(x, uint8, saturate=True) for floating x:
// scaled by 255.5 in x's own precision, clamped, truncated.
template <class T>
void float_pixels_to_uint8(const std::string& where, const T* pixels, std::int64_t count, std::int64_t image,
                           const Shape& image_shape, std::uint8_t* out) {
  for (std::int64_t i = 0; i < count; ++i) {
    const T x = pixels[i];
    if (std::isnan(x)) {
      const std::int64_t channels = image_shape[2], width = image_shape[1];
      throw InvalidArgument(where + ": pixel (row " + std::to_string(i / channels / width) + ", column " +
                            std::to_string(i / channels % width) + ", channel " + std::to_string(i % channels) +
                            ") of image " + std::to_string(image) + " is NaN, which has no colour");
    }
    out[i] = static_cast<std::uint8_t>(std::clamp(x * static_cast<T>(255.5), T{0}, T{255}));
  }
}

std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint32_t load_be16(const unsigned char* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }

// Walks the JPEG markers up to the first start-of-frame (SOF0..SOF15 except
// DHT, JPG and DAC, which share the range) and reads its dimensions.
EncodedImageSize jpeg_size(const std::string& where, const unsigned char* p, std::size_t size) {
  std::size_t at = 2;
  while (at + 4 <= size) {
    if (p[at] != 0xff) break;
    const unsigned marker = p[at + 1];
    if (marker == 0xff) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {  // segments without a length
      at += 2;
      continue;
    }
    if (marker == 0xd9 || marker == 0xda) break;  // end of image, start of scan: no frame header before them
    const std::size_t length = load_be16(p + at + 2);
    if (length < 2) break;
    const bool is_frame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
    if (is_frame) {
      if (length < 8 || at + 2 + 8 > size) break;
      const EncodedImageSize found{load_be16(p + at + 7), load_be16(p + at + 5)};
      if (found.width == 0 || found.height == 0)
        throw InvalidArgument(where + ": the JPEG's frame header gives a zero width or height");
      return found;
    }
    at += 2 + length;
  }
  throw InvalidArgument(where + ": the JPEG has no readable frame header (truncated or corrupt)");
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned low = 0x80, high = 0xbf;  // the range of the second byte
    if (lead >= 0xc2 && lead <= 0xdf) {
      length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead == 0xe0) low = 0xa0;   // overlong
      if (lead == 0xed) high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead == 0xf0) low = 0x90;   // overlong
      if (lead == 0xf4) high = 0x8f;  // above U+10FFFF
    } else {
      return false;
    }
    if (n - i < length || p[i + 1] < low || p[i + 1] > high) return false;
    for (std::size_t k = 2; k < length; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xbf) return false;
    i += length;
  }
  return true;
}

Summary::Value scalar_value(float value) {
  Summary::Value result = tensor_value("scalars", tensorboard::DT_FLOAT, {});
  result.mutable_tensor()->set_tensor_content(std::string(reinterpret_cast<const char*>(&value), sizeof value));
  return result;
}

std::vector<double> histogram_buckets(const std::string& where, const Tensor& values, int buckets) {
  if (buckets < 1 || buckets > kMaxHistogramBuckets)
    throw InvalidArgument(where + ": buckets must be in [1, " + std::to_string(kMaxHistogramBuckets) + "], got " +
                          std::to_string(buckets));
  const std::vector<double> data = values.to_vector<double>();
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!std::isfinite(data[i]))
      throw InvalidArgument(where + ": value " + std::to_string(i) + " (row-major) of the " +
                            describe(values) + " values is " +
                            (std::isnan(data[i]) ? "NaN" : "infinite") + ", which no histogram bucket holds");
  }
  const auto k = static_cast<std::size_t>(buckets);
  std::vector<double> rows(3 * k, 0.0);
  if (data.empty()) return rows;
  const auto [min_it, max_it] = std::minmax_element(data.begin(), data.end());
  const double min = *min_it, max = *max_it;
  if (max == min) {
    for (std::size_t b = 0; b < k; ++b) rows[3 * b] = rows[3 * b + 1] = max;
    rows[3 * k - 1] = static_cast<double>(data.size());
    return rows;
  }
  // TensorBoard's arithmetic, in units halved when the span exceeds the
  // largest double (where TensorBoard's own edges become infinite).
  const double scale = std::isinf(max - min) ? 0.5 : 1.0;
  const double low = min * scale;
  const double width = (max * scale - low) / static_cast<double>(k);
  std::vector<std::int64_t> counts(k, 0);
  for (double x : data) {
    const double index = std::floor((x * scale - low) / width);
    // The maximum lands on index k: it belongs to the last bucket.
    ++counts[index < static_cast<double>(k) ? static_cast<std::size_t>(index) : k - 1];
  }
  // TensorBoard's edges: min + width * b, rounded after the product and
  // again after the sum (two TensorFlow ops). The volatile product keeps the
  // compiler from fusing them into one fma, which rounds once and can differ
  // in the last bit.
  const auto edge = [&](std::size_t b) {
    const volatile double product = width * static_cast<double>(b);
    return (low + product) / scale;
  };
  for (std::size_t b = 0; b < k; ++b) {
    rows[3 * b] = b == 0 ? min : edge(b);
    rows[3 * b + 1] = b + 1 == k ? max : edge(b + 1);
    rows[3 * b + 2] = static_cast<double>(counts[b]);
  }
  return rows;
}

Summary::Value histogram_value(const std::string& where, const Tensor& values, int buckets) {
  const std::vector<double> rows = histogram_buckets(where, values, buckets);
  Summary::Value result = tensor_value("histograms", tensorboard::DT_DOUBLE, {buckets, 3});
  result.mutable_tensor()->set_tensor_content(
      std::string(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(double)));
  return result;
}

Summary::Value image_value(const std::string& where, const Tensor& images, int max_outputs) {
  const int rank = images.rank();
  if (rank != 3 && rank != 4)
    throw InvalidArgument(where + ": images must be [height, width, channels] or [n, height, width, channels], got " +
                          describe(images));
  const DType dtype = images.dtype();
  if (dtype != DType::UInt8 && !is_floating(dtype))
    throw InvalidArgument(where + ": images must be uint8 (0..255) or float32/float64 (0..1), got " +
                          describe(images) + "; cast or scale them first");
  if (max_outputs < 0) throw InvalidArgument(where + ": max_outputs must be >= 0, got " + std::to_string(max_outputs));
  const Shape image_shape({images.dim(-3), images.dim(-2), images.dim(-1)});
  const std::int64_t height = image_shape[0], width = image_shape[1], channels = image_shape[2];
  if (channels < 1 || channels > 4)
    throw InvalidArgument(where + ": images need 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) channels, got " +
                          std::to_string(channels) + " in " + describe(images));
  if (height < 1 || height > io::detail::kMaxPngDimension || width < 1 || width > io::detail::kMaxPngDimension)
    throw InvalidArgument(where + ": image height and width must be in [1, " +
                          std::to_string(io::detail::kMaxPngDimension) + "], got " + describe(images));
  const std::int64_t n = rank == 4 ? images.dim(0) : 1;
  const std::int64_t count = std::min<std::int64_t>(n, max_outputs);

  Summary::Value result = tensor_value("images", tensorboard::DT_STRING, {2 + count});
  TensorProto* tensor = result.mutable_tensor();
  tensor->add_string_val(std::to_string(width));
  tensor->add_string_val(std::to_string(height));
  std::vector<std::uint8_t> converted;
  for (std::int64_t i = 0; i < count; ++i) {
    const Tensor host = (rank == 4 ? images[i] : images).cpu().contiguous();
    const std::int64_t num_values = host.num_elements();
    const std::uint8_t* pixels = nullptr;
    if (dtype == DType::UInt8) {
      pixels = host.data<std::uint8_t>();
    } else {
      converted.resize(static_cast<std::size_t>(num_values));
      if (dtype == DType::Float32)
        float_pixels_to_uint8(where, host.data<float>(), num_values, i, image_shape, converted.data());
      else
        float_pixels_to_uint8(where, host.data<double>(), num_values, i, image_shape, converted.data());
      pixels = converted.data();
    }
    tensor->add_string_val(io::detail::encode_png(pixels, height, width, static_cast<int>(channels)));
  }
  return result;
}

EncodedImageSize encoded_image_size(const std::string& where, std::string_view encoded) {
  const auto* p = reinterpret_cast<const unsigned char*>(encoded.data());
  const std::size_t size = encoded.size();
  static constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);
  if (encoded.starts_with(kPngSignature)) {
    // The signature, then IHDR: length, type, width, height.
    if (size < 24 || encoded.substr(12, 4) != "IHDR")
      throw InvalidArgument(where + ": the PNG does not start with an IHDR chunk (truncated or corrupt)");
    const EncodedImageSize found{load_be32(p + 16), load_be32(p + 20)};
    if (found.width < 1 || found.width > io::detail::kMaxPngDimension || found.height < 1 ||
        found.height > io::detail::kMaxPngDimension)
      throw InvalidArgument(where + ": the PNG's IHDR gives an invalid size " + std::to_string(found.height) + " x " +
                            std::to_string(found.width));
    return found;
  }
  if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return jpeg_size(where, p, size);
  throw InvalidArgument(where + ": the encoded image is neither PNG nor JPEG (" + std::to_string(size) + " bytes)");
}

Summary::Value encoded_image_value(const std::string& where, std::string encoded) {
  const EncodedImageSize size = encoded_image_size(where, encoded);
  Summary::Value result = tensor_value("images", tensorboard::DT_STRING, {3});
  TensorProto* tensor = result.mutable_tensor();
  tensor->add_string_val(std::to_string(size.width));
  tensor->add_string_val(std::to_string(size.height));
  tensor->add_string_val(std::move(encoded));
  return result;
}

Summary::Value text_value(const std::string& text) {
  Summary::Value result = tensor_value("text", tensorboard::DT_STRING, {});
  result.mutable_tensor()->add_string_val(text);
  return result;
}

}  // namespace eager::summary::detail
