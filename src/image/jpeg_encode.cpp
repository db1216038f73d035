// tf.io.encode_jpeg with libjpeg-turbo: the settings and their order are
// TensorFlow's (tensorflow/core/lib/jpeg/jpeg_mem.cc, CompressInternal), so
// the same libjpeg-turbo writes the same bytes.
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "eager/error.hpp"
#include "eager/image/jpeg.hpp"
#include "image/jpeg_support.hpp"

namespace eager::image {
namespace {

using detail::JpegFailure;

constexpr const char* kOp = "image::encode_jpeg";
// APP1 payload: the namespace, its terminating NUL, then the metadata; a
// marker segment holds at most 65533 payload bytes.
constexpr std::string_view kXmpNamespace = "http://ns.adobe.com/xap/1.0/";
constexpr std::size_t kMaxXmpBytes = 65533 - kXmpNamespace.size() - 1;

// Compressed bytes go straight into a std::string that doubles when full.
struct StringDestination {
  jpeg_destination_mgr pub;  // first: cinfo->dest points here
  std::string* out;
  std::size_t initial_size;
};

StringDestination& destination_of(j_compress_ptr cinfo) { return *reinterpret_cast<StringDestination*>(cinfo->dest); }

// Called by libjpeg: must not let an exception out, so a failed allocation
// leaves the catch block first and then jumps out.
bool grow(StringDestination& d, std::size_t size) {
  try {
    d.out->resize(size);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  } catch (const std::length_error&) {
    return false;
  }
}

void init_destination(j_compress_ptr cinfo) {
  StringDestination& d = destination_of(cinfo);
  if (!grow(d, d.initial_size))
    detail::jpeg_fail(reinterpret_cast<j_common_ptr>(cinfo), JpegFailure::OutOfMemory,
                      "could not allocate the output buffer");
  d.pub.next_output_byte = reinterpret_cast<JOCTET*>(d.out->data());
  d.pub.free_in_buffer = d.out->size();
}

// libjpeg calls this only when the buffer is completely full.
boolean empty_output_buffer(j_compress_ptr cinfo) {
  StringDestination& d = destination_of(cinfo);
  const std::size_t used = d.out->size();
  if (!grow(d, used * 2))
    detail::jpeg_fail(reinterpret_cast<j_common_ptr>(cinfo), JpegFailure::OutOfMemory,
                      "could not grow the output buffer");
  d.pub.next_output_byte = reinterpret_cast<JOCTET*>(d.out->data()) + used;
  d.pub.free_in_buffer = d.out->size() - used;
  return TRUE;
}

void term_destination(j_compress_ptr cinfo) {
  StringDestination& d = destination_of(cinfo);
  d.out->resize(d.out->size() - d.pub.free_in_buffer);  // shrinking never allocates
}

struct Compressor {
  jpeg_compress_struct cinfo{};  // zeroed: destroying it is safe even if creation failed
  detail::JpegErrorManager err;
  StringDestination dest{};

  Compressor() { cinfo.err = detail::init_error_manager(err); }
  ~Compressor() { jpeg_destroy_compress(&cinfo); }
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;
};

std::string str(std::int64_t v) { return std::to_string(v); }

void validate(const Tensor& image, const EncodeJpegOptions& o) {
  const std::string op = kOp;
  if (image.rank() != 3)
    throw InvalidArgument(op + ": expected an image of rank 3 (HWC), got shape " + image.shape().to_string());
  if (image.dtype() != DType::UInt8)
    throw InvalidArgument(op + ": the image must be uint8, got " + std::string(dtype_name(image.dtype())) +
                          " (convert_image_dtype converts float images)");
  const std::int64_t h = image.dim(0), w = image.dim(1), c = image.dim(2);
  if (c != 1 && c != 3)
    throw InvalidArgument(op + ": the image must have 1 or 3 channels, got shape " + image.shape().to_string());
  if (h < 1 || w < 1 || h > JPEG_MAX_DIMENSION || w > JPEG_MAX_DIMENSION)
    throw InvalidArgument(op + ": height and width must be in 1.." + str(JPEG_MAX_DIMENSION) + ", got shape " +
                          image.shape().to_string());
  if (o.quality < 0 || o.quality > 100)
    throw InvalidArgument(op + ": quality must be in [0, 100], got " + str(o.quality));
  if (o.x_density < 0 || o.x_density > 65535 || o.y_density < 0 || o.y_density > 65535)
    throw InvalidArgument(op + ": x_density and y_density must be in [0, 65535], got " + str(o.x_density) + " and " +
                          str(o.y_density));
  if (o.xmp_metadata.size() > kMaxXmpBytes)
    throw InvalidArgument(op + ": xmp_metadata has " + str(static_cast<std::int64_t>(o.xmp_metadata.size())) +
                          " bytes, more than the " + str(kMaxXmpBytes) + " a JPEG APP1 segment can hold");
}

}  // namespace

std::string encode_jpeg(const Tensor& image_in, const EncodeJpegOptions& o) {
  validate(image_in, o);
  const Tensor image = image_in.cpu().contiguous();
  const auto height = static_cast<JDIMENSION>(image.dim(0)), width = static_cast<JDIMENSION>(image.dim(1));
  const int channels = static_cast<int>(image.dim(2));
  const std::size_t row_bytes = std::size_t{width} * static_cast<std::size_t>(channels);

  std::vector<JSAMPROW> rows(height);
  const std::uint8_t* const pixels = image.data<std::uint8_t>();
  for (JDIMENSION r = 0; r < height; ++r) rows[r] = const_cast<JSAMPROW>(pixels + r * row_bytes);
  std::string xmp;
  if (!o.xmp_metadata.empty()) {
    xmp.reserve(kXmpNamespace.size() + 1 + o.xmp_metadata.size());
    xmp.append(kXmpNamespace).push_back('\0');
    xmp += o.xmp_metadata;
  }

  std::string out;
  Compressor c;
  c.dest.out = &out;
  // TensorFlow's first buffer: the raw size, at most 1 MiB.
  c.dest.initial_size = std::min<std::size_t>(row_bytes * height, std::size_t{1} << 20);
  c.dest.pub.init_destination = init_destination;
  c.dest.pub.empty_output_buffer = empty_output_buffer;
  c.dest.pub.term_destination = term_destination;
  jpeg_compress_struct& cinfo = c.cinfo;
  JSAMPROW* const row_ptrs = rows.data();
  const auto* const xmp_bytes = reinterpret_cast<const JOCTET*>(xmp.data());
  const auto xmp_size = static_cast<unsigned>(xmp.size());
  auto body = [&] {
    jpeg_create_compress(&cinfo);
    cinfo.dest = &c.dest.pub;
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (o.optimize_size) cinfo.optimize_coding = TRUE;
    cinfo.density_unit = o.density_unit == DensityUnit::Inch ? 1 : 2;
    cinfo.X_density = static_cast<UINT16>(o.x_density);
    cinfo.Y_density = static_cast<UINT16>(o.y_density);
    jpeg_set_quality(&cinfo, o.quality, TRUE);
    if (o.progressive) jpeg_simple_progression(&cinfo);
    if (!o.chroma_downsampling) {
      for (int i = 0; i < cinfo.num_components; ++i) {
        cinfo.comp_info[i].h_samp_factor = 1;
        cinfo.comp_info[i].v_samp_factor = 1;
      }
    }
    jpeg_start_compress(&cinfo, TRUE);
    if (xmp_size > 0) jpeg_write_marker(&cinfo, JPEG_APP0 + 1, xmp_bytes, xmp_size);
    while (cinfo.next_scanline < height)
      jpeg_write_scanlines(&cinfo, row_ptrs + cinfo.next_scanline, height - cinfo.next_scanline);
    jpeg_finish_compress(&cinfo);
  };
  if (!detail::guarded(c.err, body)) detail::throw_jpeg_error(kOp, c.err, 0);
  return out;
}

}  // namespace eager::image
