// tf.io.decode_jpeg, decode_and_crop_jpeg and extract_jpeg_shape with
// libjpeg-turbo's libjpeg API, following TensorFlow's
// tensorflow/core/lib/jpeg/jpeg_mem.cc call for call (the same source
// manager behaviour, decoder settings, crop calls and CMYK conversion) so
// that the pixels agree with TensorFlow's wherever the libjpeg-turbo builds
// agree. See jpeg_support.hpp for how errors leave libjpeg.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "eager/error.hpp"
#include "eager/image/jpeg.hpp"
#include "image/jpeg_support.hpp"

namespace eager::image {
namespace {

using detail::JpegErrorManager;
using detail::JpegFailure;

// The whole input is in memory, so libjpeg asks for more only once it has
// all been read.
struct MemorySource {
  jpeg_source_mgr pub;  // first: libjpeg's cinfo->src points here
  bool recover_truncated;
  bool ran_out;
  // Output rows decoded from real data when it ran out: the iMCU rows the
  // scan being read had completed (a whole progressive scan counts as all).
  long rows_present;
};

MemorySource& source_of(j_decompress_ptr cinfo) { return *reinterpret_cast<MemorySource*>(cinfo->src); }

void init_source(j_decompress_ptr) {}
void term_source(j_decompress_ptr) {}

// TensorFlow's (and libjpeg's jdatasrc.c) answer to running out of data:
// fatal, unless recovery is on; then a fake EOI marker ends the image and
// libjpeg decodes what is missing as zero coefficients (mid-grey rows in a
// sequential file, less detail in a progressive one).
boolean fill_input_buffer(j_decompress_ptr cinfo) {
  static const JOCTET kEndOfImage[2] = {0xFF, JPEG_EOI};
  MemorySource& src = source_of(cinfo);
  if (!src.recover_truncated)
    detail::jpeg_fail(reinterpret_cast<j_common_ptr>(cinfo), JpegFailure::Truncated,
                      "truncated JPEG data: the input ends before the image does "
                      "(try_recover_truncated decodes the rows that are present)");
  if (!src.ran_out) {
    src.ran_out = true;
    reinterpret_cast<JpegErrorManager*>(cinfo->err)->data_ran_out = true;
    src.rows_present = static_cast<long>(cinfo->input_iMCU_row) * cinfo->max_v_samp_factor * cinfo->min_DCT_scaled_size;
  }
  WARNMS(cinfo, JWRN_JPEG_EOF);
  src.pub.next_input_byte = kEndOfImage;
  src.pub.bytes_in_buffer = 2;
  return TRUE;
}

void skip_input_data(j_decompress_ptr cinfo, long count) {
  if (count <= 0) return;
  MemorySource& src = source_of(cinfo);
  if (static_cast<unsigned long>(count) > src.pub.bytes_in_buffer) {
    src.pub.bytes_in_buffer = 0;
    fill_input_buffer(cinfo);
    return;
  }
  src.pub.next_input_byte += count;
  src.pub.bytes_in_buffer -= static_cast<std::size_t>(count);
}

// libjpeg calls the progress monitor before each step of consuming input, so
// a progressive file with too many scans stops at the first scan too many.
struct ScanLimit {
  jpeg_progress_mgr pub;  // first: cinfo->progress points here
  int max_scans;
};

void check_scan_count(j_common_ptr cinfo) {
  const int limit = reinterpret_cast<ScanLimit*>(cinfo->progress)->max_scans;
  if (limit > 0 && reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number > limit) {
    char text[160];
    std::snprintf(text, sizeof text, "the JPEG has more than %d scans (DecodeJpegOptions::max_scans)", limit);
    detail::jpeg_fail(cinfo, JpegFailure::Limit, text);
  }
}

// Owns the libjpeg decompressor: destroyed on every path, including the
// exceptions thrown between guarded calls.
struct Decompressor {
  jpeg_decompress_struct cinfo{};  // zeroed: destroying it is safe even if creation failed
  JpegErrorManager err;
  MemorySource src{};
  ScanLimit limit{};

  Decompressor(std::string_view data, bool recover_truncated, bool stop_on_warning, int max_scans) {
    cinfo.err = detail::init_error_manager(err, stop_on_warning);
    src.pub.next_input_byte = reinterpret_cast<const JOCTET*>(data.data());
    src.pub.bytes_in_buffer = data.size();
    src.pub.init_source = init_source;
    src.pub.fill_input_buffer = fill_input_buffer;
    src.pub.skip_input_data = skip_input_data;
    src.pub.resync_to_restart = jpeg_resync_to_restart;
    src.pub.term_source = term_source;
    src.recover_truncated = recover_truncated;
    limit.pub.progress_monitor = check_scan_count;
    limit.max_scans = max_scans;
  }
  ~Decompressor() { jpeg_destroy_decompress(&cinfo); }
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  bool read_header() {
    auto body = [this] {
      jpeg_create_decompress(&cinfo);
      cinfo.src = &src.pub;
      cinfo.progress = &limit.pub;
      jpeg_read_header(&cinfo, TRUE);
    };
    return detail::guarded(err, body);
  }
  bool calc_output_dimensions() {
    auto body = [this] { jpeg_calc_output_dimensions(&cinfo); };
    return detail::guarded(err, body);
  }
};

std::string str(std::int64_t v) { return std::to_string(v); }

void validate(const char* op, const DecodeJpegOptions& o) {
  if (o.channels != 0 && o.channels != 1 && o.channels != 3)
    throw InvalidArgument(std::string(op) + ": channels must be 0, 1 or 3, got " + str(o.channels));
  if (o.ratio != 1 && o.ratio != 2 && o.ratio != 4 && o.ratio != 8)
    throw InvalidArgument(std::string(op) + ": ratio must be 1, 2, 4 or 8, got " + str(o.ratio));
  if (std::isnan(o.acceptable_fraction))
    throw InvalidArgument(std::string(op) + ": acceptable_fraction is NaN");
  if (o.max_pixels < 0) throw InvalidArgument(std::string(op) + ": max_pixels must be >= 0, got " + str(o.max_pixels));
  if (o.max_scans < 0) throw InvalidArgument(std::string(op) + ": max_scans must be >= 0, got " + str(o.max_scans));
}

// TensorFlow's IsCropWindowValid, on the image at the requested ratio.
void validate_window(const CropWindow& w, std::int64_t height, std::int64_t width, int ratio) {
  // Written so that no sum can overflow, whatever the caller passes.
  if (w.height > 0 && w.width > 0 && w.y >= 0 && w.x >= 0 && w.y <= height - w.height && w.x <= width - w.width)
    return;
  throw InvalidArgument("image::decode_and_crop_jpeg: invalid crop window y=" + str(w.y) + ", x=" + str(w.x) +
                        ", height=" + str(w.height) + ", width=" + str(w.width) + " for an image of height " +
                        str(height) + " and width " + str(width) + (ratio > 1 ? " (at ratio " + str(ratio) + ")" : "") +
                        ": the window must be non-empty and lie inside the image");
}

// TensorFlow's CMYK to RGB. Adobe's files store CMYK inverted (255 = no ink).
void cmyk_to_rgb(const JSAMPLE* cmyk, std::uint8_t* rgb, JDIMENSION width, bool adobe) {
  for (JDIMENSION i = 0; i < width; ++i, cmyk += 4, rgb += 3) {
    const int c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
    if (adobe) {
      rgb[0] = static_cast<std::uint8_t>(k * c / 255);
      rgb[1] = static_cast<std::uint8_t>(k * m / 255);
      rgb[2] = static_cast<std::uint8_t>(k * y / 255);
    } else {
      rgb[0] = static_cast<std::uint8_t>((255 - k) * (255 - c) / 255);
      rgb[1] = static_cast<std::uint8_t>((255 - k) * (255 - m) / 255);
      rgb[2] = static_cast<std::uint8_t>((255 - k) * (255 - y) / 255);
    }
  }
}

Tensor decode(const char* op, std::string_view contents, const DecodeJpegOptions& o, const CropWindow* crop) {
  validate(op, o);
  if (contents.empty()) throw InvalidArgument(std::string(op) + ": the input is empty");
  Decompressor d(contents, o.try_recover_truncated, o.stop_on_warning, o.max_scans);
  jpeg_decompress_struct& cinfo = d.cinfo;
  if (!d.read_header()) detail::throw_jpeg_error(op, d.err, contents.size());

  // TensorFlow's choices: channels 0 keeps gray as gray and makes everything
  // else RGB; CMYK and YCCK are read as CMYK and converted here.
  const int channels = o.channels != 0 ? o.channels : std::min(cinfo.num_components, 3);
  if (channels != 1 && channels != 3)
    throw InvalidArgument(std::string(op) + ": the JPEG has " + str(cinfo.num_components) +
                          " components, which decode neither to grayscale nor to RGB");
  const bool cmyk =
      channels == 3 && (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK);
  cinfo.out_color_space = channels == 1 ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
  cinfo.do_fancy_upsampling = o.fancy_upscaling ? TRUE : FALSE;
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(o.ratio);
  cinfo.dct_method = o.dct_method == DctMethod::Fast ? JDCT_IFAST : JDCT_ISLOW;

  // The stored size bounds libjpeg's own memory (a progressive file keeps all
  // its coefficients, whatever the ratio), so it is what the limit checks.
  const std::int64_t stored_pixels = std::int64_t{cinfo.image_height} * cinfo.image_width;
  if (o.max_pixels > 0 && stored_pixels > o.max_pixels)
    throw ResourceExhausted(std::string(op) + ": the JPEG is " + str(cinfo.image_height) + " x " +
                            str(cinfo.image_width) + " = " + str(stored_pixels) + " pixels, more than max_pixels = " +
                            str(o.max_pixels) + " (raise DecodeJpegOptions::max_pixels, or set it to 0)");
  if (!d.calc_output_dimensions()) detail::throw_jpeg_error(op, d.err, contents.size());
  const int decoded_components = cmyk ? 4 : channels;
  if (cinfo.output_components != decoded_components)
    throw InvalidArgument(std::string(op) + ": libjpeg would decode " + str(cinfo.output_components) +
                          " components where " + str(decoded_components) + " were requested");

  const std::int64_t full_height = cinfo.output_height, full_width = cinfo.output_width;
  CropWindow window{0, 0, full_height, full_width};
  if (crop != nullptr) {
    validate_window(*crop, full_height, full_width, o.ratio);
    window = *crop;
  }
  Tensor out = Tensor::empty({window.height, window.width, channels}, DType::UInt8, Device::cpu());
  std::uint8_t* const base = out.mutable_data<std::uint8_t>();
  const std::size_t row_bytes = static_cast<std::size_t>(window.width) * static_cast<std::size_t>(channels);
  std::vector<JSAMPROW> rows(static_cast<std::size_t>(window.height));
  for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = base + r * row_bytes;
  // Rows go through this buffer when they need converting (CMYK) or when the
  // crop window does not start on an iMCU column; full width is the most
  // jpeg_crop_scanline can leave.
  std::vector<JSAMPLE> scratch;
  if (cmyk || crop != nullptr) scratch.resize(static_cast<std::size_t>(full_width) * decoded_components);

  const auto first_row = static_cast<JDIMENSION>(window.y);
  const auto end_row = static_cast<JDIMENSION>(window.y + window.height);
  const bool adobe = cinfo.saw_Adobe_marker != 0;
  JSAMPROW* const row_ptrs = rows.data();
  JSAMPLE* const scratch_row = scratch.data();
  auto body = [&] {
    jpeg_start_decompress(&cinfo);
    JDIMENSION x_shift = 0;
    if (crop != nullptr) {
      // libjpeg moves the left edge back to an iMCU boundary and widens the
      // window to keep the right edge; x_shift is how far it moved.
      JDIMENSION x = static_cast<JDIMENSION>(window.x), width = static_cast<JDIMENSION>(window.width);
      jpeg_crop_scanline(&cinfo, &x, &width);
      x_shift = static_cast<JDIMENSION>(window.x) - x;
      if (jpeg_skip_scanlines(&cinfo, first_row) != first_row)
        detail::jpeg_fail(reinterpret_cast<j_common_ptr>(&cinfo), JpegFailure::Corrupt,
                          "invalid JPEG data: libjpeg could not skip to the crop window");
    }
    const bool direct = !cmyk && cinfo.output_width == static_cast<JDIMENSION>(window.width);
    while (cinfo.output_scanline < end_row) {
      const JDIMENSION r = cinfo.output_scanline - first_row;
      JDIMENSION n;
      if (direct) {
        n = jpeg_read_scanlines(&cinfo, row_ptrs + r, end_row - cinfo.output_scanline);
      } else {
        JSAMPROW line = scratch_row;
        n = jpeg_read_scanlines(&cinfo, &line, 1);
        if (n == 1 && cmyk)
          cmyk_to_rgb(scratch_row + std::size_t{x_shift} * 4, row_ptrs[r], static_cast<JDIMENSION>(window.width),
                      adobe);
        else if (n == 1)
          std::memcpy(row_ptrs[r], scratch_row + std::size_t{x_shift} * channels, row_bytes);
      }
      // Only a suspending source makes libjpeg return no rows; this one never
      // suspends, so this is a libjpeg failure without a message.
      if (n == 0)
        detail::jpeg_fail(reinterpret_cast<j_common_ptr>(&cinfo), JpegFailure::Corrupt,
                          "invalid JPEG data: libjpeg returned no rows");
    }
    if (cinfo.output_scanline < cinfo.output_height)
      jpeg_skip_scanlines(&cinfo, cinfo.output_height - cinfo.output_scanline);
    jpeg_finish_decompress(&cinfo);
  };
  if (!detail::guarded(d.err, body)) detail::throw_jpeg_error(op, d.err, contents.size());

  if (d.src.ran_out) {
    const long present = std::clamp(d.src.rows_present - static_cast<long>(window.y), 0L, static_cast<long>(window.height));
    const float fraction = static_cast<float>(present) / static_cast<float>(window.height);
    if (fraction < std::min(1.0f, o.acceptable_fraction))
      throw DataLoss(std::string(op) + ": truncated JPEG data: only " + str(present) + " of " + str(window.height) +
                     " rows are present, fewer than acceptable_fraction = " + std::to_string(o.acceptable_fraction) +
                     " (input of " + str(static_cast<std::int64_t>(contents.size())) + " bytes)");
  }
  return out;
}

}  // namespace

Tensor decode_jpeg(std::string_view contents, const DecodeJpegOptions& options) {
  return decode("image::decode_jpeg", contents, options, nullptr);
}

Tensor decode_and_crop_jpeg(std::string_view contents, const CropWindow& window, const DecodeJpegOptions& options) {
  return decode("image::decode_and_crop_jpeg", contents, options, &window);
}

Tensor extract_jpeg_shape(std::string_view contents, DType output_type) {
  const char* op = "image::extract_jpeg_shape";
  if (output_type != DType::Int32 && output_type != DType::Int64)
    throw InvalidArgument(std::string(op) + ": output_type must be int32 or int64, got " +
                          std::string(dtype_name(output_type)));
  if (contents.empty()) throw InvalidArgument(std::string(op) + ": the input is empty");
  Decompressor d(contents, false, false, 0);
  if (!d.read_header() || !d.calc_output_dimensions()) detail::throw_jpeg_error(op, d.err, contents.size());
  const std::int64_t shape[3] = {d.cinfo.output_height, d.cinfo.output_width, d.cinfo.output_components};
  Tensor out = Tensor::empty({3}, output_type, Device::cpu());
  for (int i = 0; i < 3; ++i) {
    if (output_type == DType::Int32)
      out.mutable_data<std::int32_t>()[i] = static_cast<std::int32_t>(shape[i]);
    else
      out.mutable_data<std::int64_t>()[i] = shape[i];
  }
  return out;
}

bool is_jpeg(std::string_view contents) {
  return contents.size() >= 3 && static_cast<unsigned char>(contents[0]) == 0xFF &&
         static_cast<unsigned char>(contents[1]) == 0xD8 && static_cast<unsigned char>(contents[2]) == 0xFF;
}

}  // namespace eager::image
