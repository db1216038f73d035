// IDX reader: streams the file (through zlib when it is gzip-compressed)
// straight into the output tensor's memory, so a 47 MB MNIST image file costs
// one pass of decompression and no intermediate copy.
#include "eager/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "eager/error.hpp"

namespace eager::data {
namespace {

namespace fs = std::filesystem;

// zlib's technical notes: deflate cannot expand data by more than 1032:1 (a
// 258-byte match coded in about two bits), and every gzip member adds a header
// and a trailer, so a gzip file of n bytes decodes to at most 1032 n bytes.
// This bounds what a hostile header can make us allocate.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kInputChunk = std::size_t{1} << 18;
// Fewer bytes than inflate's 32-bit avail_out can take in one call.
constexpr std::size_t kMaxInflateStep = std::size_t{1} << 30;

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

std::string shape_string(const std::vector<std::int64_t>& dims) { return Shape(dims).to_string(); }

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// The decoded bytes of a file, read front to back: the file itself, or the
// output of its gzip stream (concatenated members included, as gzip -d does).
class ByteStream {
 public:
  explicit ByteStream(const std::string& path) : path_(path) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
      throw InvalidArgument("read_idx: " + in_quotes(path) + " is a directory, not an IDX file");
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) throw NotFound("read_idx: cannot open " + in_quotes(path) + ": " + std::strerror(errno));
    file_size_ = fs::file_size(path, ec);
    if (ec) throw NotFound("read_idx: cannot stat " + in_quotes(path) + ": " + ec.message());

    unsigned char head[2] = {0, 0};
    const std::size_t got = std::fread(head, 1, 2, file_.get());
    gzip_ = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (!gzip_) {
      std::rewind(file_.get());
      return;
    }
    input_.resize(kInputChunk);
    input_[0] = head[0];
    input_[1] = head[1];
    stream_.next_in = input_.data();
    stream_.avail_in = 2;
    // 16 + MAX_WBITS: gzip wrapper only, with its CRC-32 and length checked.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK)
      throw ResourceExhausted("read_idx: zlib could not start decompressing " + in_quotes(path));
    inflate_started_ = true;
  }
  ~ByteStream() {
    if (inflate_started_) inflateEnd(&stream_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  bool gzip() const { return gzip_; }
  std::uint64_t file_size() const { return file_size_; }

  // The most decoded bytes that can still follow: exact for a plain file, the
  // deflate bound for a gzip file.
  std::uint64_t max_remaining() const {
    const std::uint64_t total = gzip_ ? file_size_ * kMaxDeflateRatio : file_size_;
    return total > decoded_ ? total - decoded_ : 0;
  }

  // Reads up to n bytes into dst; fewer only at the end of the data. Throws
  // DataLoss for read errors and corrupt or truncated gzip data.
  std::size_t read(void* dst, std::size_t n) {
    const std::size_t got = gzip_ ? read_gzip(static_cast<unsigned char*>(dst), n) : read_plain(dst, n);
    decoded_ += got;
    return got;
  }

 private:
  std::size_t read_plain(void* dst, std::size_t n) {
    const std::size_t got = std::fread(dst, 1, n, file_.get());
    if (got < n && std::ferror(file_.get())) throw DataLoss("read_idx: error reading " + in_quotes(path_));
    return got;
  }

  // False at the end of the file.
  bool refill() {
    const std::size_t got = std::fread(input_.data(), 1, input_.size(), file_.get());
    if (got == 0 && std::ferror(file_.get())) throw DataLoss("read_idx: error reading " + in_quotes(path_));
    stream_.next_in = input_.data();
    stream_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  std::size_t read_gzip(unsigned char* dst, std::size_t n) {
    std::size_t produced = 0;
    while (produced < n && !finished_) {
      if (member_ended_) {
        if (stream_.avail_in == 0 && !refill()) {
          finished_ = true;
          break;
        }
        if (stream_.next_in[0] != 0x1f)
          throw DataLoss("read_idx: " + in_quotes(path_) + " has bytes after the end of its gzip stream");
        inflateReset(&stream_);
        member_ended_ = false;
      }
      if (stream_.avail_in == 0 && !refill())
        throw DataLoss("read_idx: the gzip stream of " + in_quotes(path_) +
                       " is truncated (the file ends before the stream does)");
      const std::size_t step = std::min(n - produced, kMaxInflateStep);
      stream_.next_out = dst + produced;
      stream_.avail_out = static_cast<uInt>(step);
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      produced += step - stream_.avail_out;
      if (rc == Z_STREAM_END) {
        member_ended_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw DataLoss("read_idx: corrupt gzip data in " + in_quotes(path_) + ": " +
                       (stream_.msg ? stream_.msg : zError(rc)));
      }
    }
    return produced;
  }

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::uint64_t file_size_ = 0;
  std::uint64_t decoded_ = 0;
  bool gzip_ = false;
  z_stream stream_{};
  bool inflate_started_ = false;
  std::vector<unsigned char> input_;
  bool member_ended_ = false;
  bool finished_ = false;
};

// How the bytes of one element are stored and which dtype they become.
struct ElementType {
  const char* name;
  std::size_t file_size;
  DType dtype;
};

ElementType element_type(unsigned char code, const std::string& path) {
  switch (code) {
    case 0x08: return {"unsigned byte", 1, DType::UInt8};
    case 0x09: return {"signed byte", 1, DType::Int32};
    case 0x0B: return {"int16", 2, DType::Int32};
    case 0x0C: return {"int32", 4, DType::Int32};
    case 0x0D: return {"float32", 4, DType::Float32};
    case 0x0E: return {"float64", 8, DType::Float64};
    default: break;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(code));
  throw DataLoss("read_idx: " + in_quotes(path) + " has unknown element type code " + hex +
                 " (known: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64)");
}

// Reads exactly n bytes or throws DataLoss saying what was being read.
void read_exact(ByteStream& in, void* dst, std::size_t n, const std::string& what, const std::string& path) {
  const std::size_t got = in.read(dst, n);
  if (got != n)
    throw DataLoss("read_idx: " + in_quotes(path) + " is truncated: expected " + std::to_string(n) + " bytes of " +
                   what + ", found " + std::to_string(got));
}

// IDX stores big-endian; swap each element of `count` in place on
// little-endian hosts. The loop is simple enough for the compiler to vectorise.
template <class Word>
void swap_in_place(void* data, std::int64_t count) {
  if constexpr (std::endian::native == std::endian::big) return;
  auto* bytes = static_cast<unsigned char*>(data);
  for (std::int64_t i = 0; i < count; ++i) {
    Word w;
    std::memcpy(&w, bytes + i * sizeof(Word), sizeof(Word));
    if constexpr (sizeof(Word) == 4) w = __builtin_bswap32(w);
    else w = __builtin_bswap64(w);
    std::memcpy(bytes + i * sizeof(Word), &w, sizeof(Word));
  }
}

// Widens signed 8- and 16-bit big-endian elements into int32, a chunk at a
// time so the file's bytes need no buffer of their own.
void read_widened(ByteStream& in, std::int32_t* out, std::int64_t count, std::size_t element_size,
                  std::uint64_t expected_bytes, const std::string& path, const std::string& dims) {
  std::vector<unsigned char> chunk(std::size_t{1} << 16);
  const std::size_t per_chunk = chunk.size() / element_size;
  std::uint64_t found = 0;
  for (std::int64_t done = 0; done < count;) {
    const std::size_t elements = static_cast<std::size_t>(std::min<std::int64_t>(count - done, per_chunk));
    const std::size_t got = in.read(chunk.data(), elements * element_size);
    found += got;
    if (got != elements * element_size)
      throw DataLoss("read_idx: " + in_quotes(path) + " is truncated: expected " + std::to_string(expected_bytes) +
                     " data bytes for dimensions " + dims + ", found " + std::to_string(found));
    for (std::size_t i = 0; i < elements; ++i) {
      if (element_size == 1) out[done + i] = static_cast<std::int8_t>(chunk[i]);
      else out[done + i] = static_cast<std::int16_t>((chunk[2 * i] << 8) | chunk[2 * i + 1]);
    }
    done += static_cast<std::int64_t>(elements);
  }
}

// out = a * b, or false on int64 overflow.
bool checked_product(std::int64_t a, std::int64_t b, std::int64_t& out) { return !__builtin_mul_overflow(a, b, &out); }

fs::path find_mnist_file(const fs::path& directory, const std::string& name) {
  const fs::path plain = directory / name;
  const fs::path compressed = directory / (name + ".gz");
  std::error_code ec;
  if (fs::is_regular_file(plain, ec)) return plain;
  if (fs::is_regular_file(compressed, ec)) return compressed;
  throw NotFound("load_mnist: no " + name + " in " + in_quotes(directory.string()) + " (tried " +
                 in_quotes(plain.string()) + " and " + in_quotes(compressed.string()) + ")");
}

Tensor read_mnist_file(const fs::path& path, int rank) {
  Tensor t = read_idx(path.string());
  if (t.dtype() != DType::UInt8 || t.rank() != rank)
    throw DataLoss("load_mnist: " + in_quotes(path.string()) + " holds " + std::string(dtype_name(t.dtype())) +
                   t.shape().to_string() + ", expected uint8 of rank " + std::to_string(rank));
  return t;
}

void check_split(const Tensor& images, const Tensor& labels, const char* split, const fs::path& directory) {
  if (images.dim(0) != labels.dim(0))
    throw DataLoss("load_mnist: the " + std::string(split) + " split of " + in_quotes(directory.string()) + " has " +
                   std::to_string(images.dim(0)) + " images but " + std::to_string(labels.dim(0)) + " labels");
}

}  // namespace

Tensor read_idx(const std::string& path) {
  ByteStream in(path);
  unsigned char magic[4];
  read_exact(in, magic, sizeof magic, "magic number", path);
  if (magic[0] != 0 || magic[1] != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%02X %02X %02X %02X", magic[0], magic[1], magic[2], magic[3]);
    throw DataLoss("read_idx: " + in_quotes(path) + " has bad magic number " + hex +
                   " (an IDX file starts with 00 00 <type> <rank>)");
  }
  const ElementType type = element_type(magic[2], path);
  const int rank = magic[3];

  std::vector<unsigned char> dim_bytes(4 * static_cast<std::size_t>(rank));
  read_exact(in, dim_bytes.data(), dim_bytes.size(), std::to_string(rank) + " dimensions", path);
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  std::int64_t count = 1;
  bool overflow = false;
  for (int i = 0; i < rank; ++i) {
    const unsigned char* b = &dim_bytes[4 * static_cast<std::size_t>(i)];
    dims[i] = (std::int64_t{b[0]} << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    overflow = overflow || !checked_product(count, dims[i], count);
  }
  std::int64_t file_bytes = 0;
  std::int64_t tensor_bytes = 0;
  overflow = overflow || !checked_product(count, static_cast<std::int64_t>(type.file_size), file_bytes) ||
             !checked_product(count, static_cast<std::int64_t>(itemsize(type.dtype)), tensor_bytes);
  const std::string dims_text = shape_string(dims);
  if (overflow)
    throw DataLoss("read_idx: " + in_quotes(path) + " has dimensions " + dims_text + " whose " + type.name +
                   " data would overflow a 64-bit size");
  const auto expected = static_cast<std::uint64_t>(file_bytes);
  if (expected > in.max_remaining()) {
    if (in.gzip())
      throw DataLoss("read_idx: " + in_quotes(path) + " is truncated: expected " + std::to_string(expected) +
                     " data bytes for dimensions " + dims_text + ", but a gzip file of " +
                     std::to_string(in.file_size()) + " bytes decodes to at most " +
                     std::to_string(in.max_remaining()) + " more");
    throw DataLoss("read_idx: " + in_quotes(path) + " is truncated: expected " + std::to_string(expected) +
                   " data bytes for dimensions " + dims_text + ", found " + std::to_string(in.max_remaining()));
  }

  Tensor out = Tensor::empty(Shape(dims), type.dtype, Device::cpu());
  if (type.file_size == itemsize(type.dtype)) {
    const std::size_t got = in.read(out.raw_mutable_data(), static_cast<std::size_t>(expected));
    if (got != expected)
      throw DataLoss("read_idx: " + in_quotes(path) + " is truncated: expected " + std::to_string(expected) +
                     " data bytes for dimensions " + dims_text + ", found " + std::to_string(got));
    if (type.file_size == 4) swap_in_place<std::uint32_t>(out.raw_mutable_data(), count);
    if (type.file_size == 8) swap_in_place<std::uint64_t>(out.raw_mutable_data(), count);
  } else {
    read_widened(in, out.mutable_data<std::int32_t>(), count, type.file_size, expected, path, dims_text);
  }

  // Reading on also drives a gzip stream to its end, where zlib checks the
  // CRC-32 and length of the data.
  unsigned char extra;
  if (in.read(&extra, 1) != 0) {
    const std::string how_many = in.gzip() ? "more" : std::to_string(in.max_remaining() + 1);
    throw DataLoss("read_idx: " + in_quotes(path) + " has trailing garbage: " + how_many + " bytes after the " +
                   std::to_string(expected) + " data bytes that dimensions " + dims_text + " call for");
  }
  return out;
}

MnistData load_mnist(const std::string& directory) {
  const fs::path dir(directory);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw NotFound("load_mnist: " + in_quotes(directory) + " is not a directory" +
                   (fs::exists(dir, ec) ? "" : " (it does not exist)"));
  MnistData data;
  data.train_images = read_mnist_file(find_mnist_file(dir, "train-images-idx3-ubyte"), 3);
  data.train_labels = read_mnist_file(find_mnist_file(dir, "train-labels-idx1-ubyte"), 1);
  data.test_images = read_mnist_file(find_mnist_file(dir, "t10k-images-idx3-ubyte"), 3);
  data.test_labels = read_mnist_file(find_mnist_file(dir, "t10k-labels-idx1-ubyte"), 1);
  check_split(data.train_images, data.train_labels, "train", dir);
  check_split(data.test_images, data.test_labels, "test", dir);
  if (data.train_images.dim(1) != data.test_images.dim(1) || data.train_images.dim(2) != data.test_images.dim(2))
    throw DataLoss("load_mnist: the images of " + in_quotes(directory) + " differ in size: train " +
                   data.train_images.shape().to_string() + ", test " + data.test_images.shape().to_string());
  return data;
}

}  // namespace eager::data
