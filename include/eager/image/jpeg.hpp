#pragma once
// tf.io / tf.image JPEG functions, backed by libjpeg-turbo.
#include <cstdint>
#include <string>
#include <string_view>

#include "eager/tensor.hpp"

namespace eager::image {

// libjpeg's inverse DCT. TensorFlow's default ("" and "INTEGER_FAST") is the
// fast integer IDCT; decode with Fast to reproduce tf.io.decode_jpeg's pixels.
enum class DctMethod { Fast, Accurate };

struct DecodeJpegOptions {
  int channels = 0;  // 0: as stored (1 or 3); 1: grayscale; 3: RGB
  int ratio = 1;     // 1, 2, 4 or 8: decode at 1/ratio of the size (rounded up)
  DctMethod dct_method = DctMethod::Fast;
  bool fancy_upscaling = true;
  bool try_recover_truncated = false;
  float acceptable_fraction = 1.0f;  // with try_recover_truncated: the share of rows that must be present
  // Refuse images with more pixels than this (ResourceExhausted) before any
  // memory is allocated for them; 0 lifts the limit.
  std::int64_t max_pixels = std::int64_t{1} << 28;
  // Refuse progressive files with more scans than this (a cheap defence
  // against files that make the decoder loop); 0 lifts the limit.
  int max_scans = 1000;
};

// tf.io.decode_jpeg: a uint8 HWC tensor on the CPU.
Tensor decode_jpeg(std::string_view contents, const DecodeJpegOptions& options = {});

// A window in pixels: the rows [y, y + height) and columns [x, x + width).
struct CropWindow {
  std::int64_t y = 0, x = 0, height = 0, width = 0;
};
// tf.io.decode_and_crop_jpeg: decodes only what the window needs.
Tensor decode_and_crop_jpeg(std::string_view contents, const CropWindow& window,
                            const DecodeJpegOptions& options = {});

// tf.io.extract_jpeg_shape: int32 [height, width, channels] read from the
// headers alone.
Tensor extract_jpeg_shape(std::string_view contents);

// True when the bytes start like a JPEG file (FF D8 FF).
bool is_jpeg(std::string_view contents);

enum class DensityUnit { Inch, Centimeter };

struct EncodeJpegOptions {
  int quality = 95;  // 0..100
  bool progressive = false;
  bool optimize_size = false;
  bool chroma_downsampling = true;  // 4:2:0 when true, 4:4:4 when false
  DensityUnit density_unit = DensityUnit::Inch;
  int x_density = 300;
  int y_density = 300;
  std::string xmp_metadata;  // written as an APP1 XMP segment when not empty
};

// tf.io.encode_jpeg: an HWC uint8 image with 1 or 3 channels to JPEG bytes.
std::string encode_jpeg(const Tensor& image, const EncodeJpegOptions& options = {});

}  // namespace eager::image
