#pragma once
// tf.io / tf.image JPEG functions, backed by libjpeg-turbo's libjpeg API.
//
// Images are uint8 HWC tensors on the CPU: shape [height, width, channels]
// with channels 1 (grayscale) or 3 (RGB), rows top to bottom. (Batches of
// images, NHWC, are decoded and encoded one image at a time.)
//
// Matching TensorFlow. The decoder makes the calls TensorFlow's
// tensorflow/core/lib/jpeg/jpeg_mem.cc makes, with the same settings, so with
// the same libjpeg-turbo its pixels are TensorFlow's bit for bit; across
// libjpeg-turbo versions and SIMD builds the default (fast) IDCT can differ by
// a unit here and there (test/image/test_jpeg.cpp states what the committed
// golden files reach). Differences by design are marked "Unlike TensorFlow".
//
// Errors. Bad arguments and data that is not a JPEG, or is corrupt or
// unsupported (12-bit, lossless, ...), throw InvalidArgument with libjpeg's
// own explanation; data that ends before the image does throws DataLoss;
// exceeding max_pixels or max_scans, or libjpeg running out of memory,
// throws ResourceExhausted. Messages name the function and the input size.
// Hostile input fails with one of these and never crashes: the tests run a
// corpus of truncated, bit-flipped and malformed files under ASan and UBSan.
#include <cstdint>
#include <string>
#include <string_view>

#include "eager/dtype.hpp"
#include "eager/tensor.hpp"

namespace eager::image {

// libjpeg's inverse DCT. TensorFlow's default (dct_method "" or
// "INTEGER_FAST") is Fast, libjpeg's JDCT_IFAST: decode with Fast to reproduce
// tf.io.decode_jpeg's pixels. Accurate is JDCT_ISLOW ("INTEGER_ACCURATE"):
// slightly slower, closer to the encoder's input.
enum class DctMethod { Fast, Accurate };

struct DecodeJpegOptions {
  // 0: as stored (grayscale files give 1 channel, every other file 3);
  // 1: grayscale (the luma of colour files); 3: RGB. CMYK and YCCK files
  // decode to RGB with TensorFlow's formula (Adobe files, which store CMYK
  // inverted: R = K * C / 255; others: R = (255 - K) * (255 - C) / 255, the
  // same for G from M and B from Y, integer division); asking for 1 channel
  // from a CMYK file is InvalidArgument, as in TensorFlow.
  int channels = 0;
  // 1, 2, 4 or 8: libjpeg scales the image by 1/ratio while decoding (its
  // scale_denom), giving ceil(height / ratio) x ceil(width / ratio) pixels
  // much faster than decoding in full and resizing.
  int ratio = 1;
  DctMethod dct_method = DctMethod::Fast;
  // Smooth (triangle-filter) upsampling of subsampled chroma; false takes
  // the nearest chroma sample, as libjpeg's do_fancy_upsampling = FALSE.
  bool fancy_upscaling = true;
  // When the data ends before the image does: false throws DataLoss; true
  // decodes it as TensorFlow does, ending the data with a fake EOI marker, so
  // that libjpeg decodes the missing blocks as zero coefficients (rows of
  // mid-grey, 128, in a sequential file; less detail in a progressive one).
  // Within the one iMCU row (16 rows for 4:2:0) where the data ends,
  // libjpeg-turbo versions differ: this one greys the blocks after the cut,
  // TensorFlow 2.21's build decodes noise up to the end of that row; every
  // other row matches.
  bool try_recover_truncated = false;
  // With try_recover_truncated: the share of the output rows that must have
  // been decoded from real data (the iMCU rows completed before the data
  // ran out; a progressive file counts the rows reached by the scan that was
  // cut short) for the result to be returned; otherwise DataLoss. Values
  // above 1 act as 1. Unlike TensorFlow: TF 2.21 documents this check but,
  // with its in-memory source, never applies it, so there any truncated file
  // is accepted; set 0 for that behaviour. The default 1 rejects every
  // truncated file, so pass a smaller fraction with try_recover_truncated.
  float acceptable_fraction = 1.0f;
  // Refuse images whose stored width x height exceeds this
  // (ResourceExhausted), checked from the header before any pixel memory is
  // allocated. The stored size, not the output size, is checked because
  // libjpeg's own buffers (all coefficients of a progressive file) grow with
  // it at every ratio. 0 lifts the limit; negative is InvalidArgument.
  std::int64_t max_pixels = std::int64_t{1} << 28;
  // Refuse files with more scans than this (ResourceExhausted), a defence
  // against progressive files built to make the decoder loop over hundreds of
  // tiny scans; checked as each scan starts. Ordinary progressive files have
  // about 10. 0 lifts the limit; negative is InvalidArgument.
  int max_scans = 1000;
  // libjpeg's warnings flag corrupt data it can decode around ("Corrupt JPEG
  // data: 12 extraneous bytes before marker 0xd9", "premature end of data
  // segment"). As in TensorFlow they are ignored by default; true makes the
  // first one an InvalidArgument (except those that follow a truncation
  // recovered by try_recover_truncated). TurboJPEG's TJFLAG_STOPONWARNING.
  bool stop_on_warning = false;
};

// tf.io.decode_jpeg: the image as a uint8 tensor [height, width, channels] on
// the CPU (the pixels are decoded straight into it). Throws as described at
// the top of this file; InvalidArgument for an empty input or bad options.
Tensor decode_jpeg(std::string_view contents, const DecodeJpegOptions& options = {});

// A window in pixels of the image at the requested ratio: the rows
// [y, y + height) and columns [x, x + width).
struct CropWindow {
  std::int64_t y = 0, x = 0, height = 0, width = 0;
};

// tf.io.decode_and_crop_jpeg: decode_jpeg(contents, options) cropped to
// `window`, a [window.height, window.width, channels] uint8 tensor. Only the
// rows of the window are decoded (libjpeg's jpeg_skip_scanlines skips the
// others without the inverse DCT) and only the iMCU columns that cover it
// (jpeg_crop_scanline), as in TensorFlow. The window must be non-empty and
// lie inside the image (y, x >= 0, y + height <= image height, x + width <=
// image width), else InvalidArgument showing the window and the image size.
// Pixels equal decode_jpeg's except, with fancy_upscaling, possibly at the
// window's left and right edges, where libjpeg upsamples chroma without the
// columns outside (TensorFlow's result has the same property).
Tensor decode_and_crop_jpeg(std::string_view contents, const CropWindow& window,
                            const DecodeJpegOptions& options = {});

// tf.io.extract_jpeg_shape: [height, width, channels] of the stored image as
// a 1-D tensor of output_type (int32, TensorFlow's default, or int64;
// anything else is InvalidArgument). channels is what libjpeg outputs by
// default: 1 for grayscale, 3 for YCbCr and RGB, 4 for CMYK and YCCK.
// Only the headers are read (up to the first scan), so this is cheap and
// succeeds on files whose image data is truncated or corrupt. Unlike
// TensorFlow, which also starts decompression and so reads a whole
// progressive file, and fails when its scans are broken.
Tensor extract_jpeg_shape(std::string_view contents, DType output_type = DType::Int32);

// tf.io.is_jpeg: true when the bytes start like a JPEG file (FF D8 FF). Cheap,
// and fooled by anything that starts so.
bool is_jpeg(std::string_view contents);

// JFIF's unit for x_density and y_density (TensorFlow's "in" and "cm").
enum class DensityUnit { Inch, Centimeter };

struct EncodeJpegOptions {
  // 0..100, libjpeg's jpeg_set_quality with baseline-compatible tables
  // (quality 0 is treated as 1). Outside that range: InvalidArgument.
  int quality = 95;
  // A progressive file (libjpeg's jpeg_simple_progression script, 10 scans).
  bool progressive = false;
  // Optimal Huffman tables (a smaller file, a second pass over the data).
  bool optimize_size = false;
  // RGB only: chroma at half resolution both ways (4:2:0) when true, at full
  // resolution (4:4:4) when false.
  bool chroma_downsampling = true;
  // Pixel density in the JFIF header, 0..65535 each (else InvalidArgument).
  DensityUnit density_unit = DensityUnit::Inch;
  int x_density = 300;
  int y_density = 300;
  // Written as an APP1 segment "http://ns.adobe.com/xap/1.0/\0" + metadata
  // when not empty; at most 65504 bytes (the segment limit), else
  // InvalidArgument.
  std::string xmp_metadata;
};

// tf.io.encode_jpeg: a uint8 HWC image with 1 (grayscale) or 3 (RGB)
// channels, height and width in 1..65500, to JPEG bytes (JFIF). Images on
// another device are copied to the CPU; non-contiguous views are accepted.
// The same libjpeg calls and settings as TensorFlow, so with the same
// libjpeg-turbo version the bytes are TensorFlow's. Any other rank, dtype or
// channel count, an empty image or a bad option: InvalidArgument.
std::string encode_jpeg(const Tensor& image, const EncodeJpegOptions& options = {});

}  // namespace eager::image
