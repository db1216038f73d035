#pragma once
// The values of TensorBoard summaries in TF2's tensor form, as
// tf.summary.{scalar,histogram,image,text} write them: a tensor plus the name
// of the TensorBoard plugin that shows it. The FileWriter adds the tag, the
// description, the step and the wall time.
//
// `where` names the call and the tag in error messages, e.g.
// "summary::histogram (tag 'weights')".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "eager/tensor.hpp"
#include "summary.pb.h"

namespace eager::summary::detail {

// Whether `text` is well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF (what Python's bytes.decode("utf-8") accepts).
bool is_valid_utf8(std::string_view text);

// A float32 scalar tensor under plugin "scalars".
tensorboard::Summary::Value scalar_value(float value);

// TensorBoard's histogram buckets (tensorboard/plugins/histogram/summary_v2.py,
// _buckets) of the values converted to float64, as `buckets` rows of (left
// edge, right edge, count), row-major. Throws InvalidArgument for a NaN or
// infinite value or buckets outside [1, kMaxHistogramBuckets].
inline constexpr int kMaxHistogramBuckets = 1 << 16;
std::vector<double> histogram_buckets(const std::string& where, const Tensor& values, int buckets);
// Those buckets as a [buckets, 3] float64 tensor under plugin "histograms".
tensorboard::Summary::Value histogram_value(const std::string& where, const Tensor& values, int buckets);

// The first max_outputs images of an HWC image or NHWC batch as PNGs in a
// string tensor [width, height, png...] under plugin "images" (the rules are
// FileWriter::image's).
tensorboard::Summary::Value image_value(const std::string& where, const Tensor& images, int max_outputs);

struct EncodedImageSize {
  std::int64_t width = 0;
  std::int64_t height = 0;
};
// The size in a PNG's IHDR chunk or a JPEG's frame header. Throws
// InvalidArgument for other bytes, a header cut short, or a zero dimension.
EncodedImageSize encoded_image_size(const std::string& where, std::string_view encoded);
// One encoded image stored as image_value stores one.
tensorboard::Summary::Value encoded_image_value(const std::string& where, std::string encoded);

// A string scalar tensor under plugin "text" (UTF-8 checked by the caller).
tensorboard::Summary::Value text_value(const std::string& text);

}  // namespace eager::summary::detail
