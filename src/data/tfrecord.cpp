// TFRecord reading and writing. The reader keeps one 1 MiB buffer between
// the file (or inflate) and the records, and reads straight into a record
// when what is still missing of it is large, so that apart from the CRC no
// pass touches the bytes one at a time.
#include "eager/data/tfrecord.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <utility>

#include "eager/error.hpp"

namespace eager::data {
namespace {

constexpr std::size_t kBufferSize = std::size_t{1} << 20;
constexpr std::size_t kHeaderSize = 12;  // length + its masked CRC
constexpr std::size_t kFooterSize = 4;   // masked CRC of the data
// A transfer larger than this bypasses the buffer: straight from the file into
// the record, or from the record to the file.
constexpr std::size_t kDirectSize = kBufferSize / 2;
constexpr std::size_t kCompressedInputSize = std::size_t{1} << 18;
// Fewer bytes than zlib's 32-bit avail_in/avail_out can take in one call.
constexpr std::size_t kMaxZlibStep = std::size_t{1} << 30;
// zlib's technical notes: deflate cannot expand data by more than 1032:1, so
// a compressed file of n bytes holds at most 1032 n bytes of records.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

std::string hex32(std::uint32_t v) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", v);
  return text;
}

void store_le32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void store_le64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint32_t load_le32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// gzip adds 16 to the window bits, a raw zlib stream uses them as they are.
int window_bits(Compression c) { return c == Compression::Gzip ? 16 + MAX_WBITS : MAX_WBITS; }
const char* compression_name(Compression c) { return c == Compression::Gzip ? "gzip" : "zlib"; }

[[noreturn]] void throw_open_error(const char* who, const std::string& path, int err) {
  const std::string message = std::string(who) + ": cannot open " + in_quotes(path) + ": " + std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) throw NotFound(message);
  throw FailedPrecondition(message);
}

// Writes all n bytes, retrying short writes and interruptions.
void write_all(int fd, const void* data, std::size_t n, const std::string& path) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t done = ::write(fd, p, n);
    if (done < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      const std::string message = "TFRecordWriter: cannot write to " + in_quotes(path) + ": " + std::strerror(err);
      if (err == ENOSPC || err == EDQUOT) throw ResourceExhausted(message);
      throw DataLoss(message);
    }
    p += done;
    n -= static_cast<std::size_t>(done);
  }
}

}  // namespace

// ---- writer -----------------------------------------------------------------

struct TFRecordWriter::Impl {
  Impl(const std::string& path, Compression compression)
      : path(path), compression(compression), buffer(std::make_unique_for_overwrite<unsigned char[]>(kBufferSize)) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) throw_open_error("TFRecordWriter", path, errno);
    if (compression != Compression::None) {
      // TensorFlow's ZlibCompressionOptions: default level, memLevel 9.
      if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits(compression), 9, Z_DEFAULT_STRATEGY) !=
          Z_OK) {
        ::close(fd);
        throw ResourceExhausted("TFRecordWriter: zlib could not start compressing " + in_quotes(path));
      }
      deflating = true;
    }
  }
  ~Impl() {
    if (deflating) deflateEnd(&zs);
    if (fd >= 0) ::close(fd);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void drain() {
    write_all(fd, buffer.get(), used, path);
    used = 0;
  }

  // Runs a write or flush. After a failure part of the buffer may be on disk,
  // so writing it again would corrupt the framing: every later write, flush
  // and the close() throw the first error again, and close() only closes.
  template <class Fn> void guarded(Fn&& fn) {
    if (failure) std::rethrow_exception(failure);
    try {
      fn();
    } catch (...) {
      failure = std::current_exception();
      throw;
    }
  }

  // Runs deflate over the pending input with `mode` until it has taken all
  // of it and (for a flush or finish) emitted everything.
  void deflate_pending(int mode) {
    for (;;) {
      zs.next_out = buffer.get() + used;
      zs.avail_out = static_cast<uInt>(kBufferSize - used);
      const int rc = deflate(&zs, mode);
      used = kBufferSize - zs.avail_out;
      if (rc == Z_STREAM_ERROR)
        throw DataLoss("TFRecordWriter: zlib failed while compressing " + in_quotes(path));
      if (used == kBufferSize) {
        drain();
        continue;
      }
      // Output space was left over, so deflate has done all it can with this mode.
      if (zs.avail_in == 0) return;
    }
  }

  void put(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    if (compression != Compression::None) {
      while (n > 0) {
        const std::size_t step = std::min(n, kMaxZlibStep);
        zs.next_in = const_cast<unsigned char*>(p);
        zs.avail_in = static_cast<uInt>(step);
        deflate_pending(Z_NO_FLUSH);
        p += step;
        n -= step;
      }
      return;
    }
    if (n > kBufferSize - used) {
      drain();
      if (n >= kDirectSize) {
        write_all(fd, p, n, path);
        return;
      }
    }
    std::memcpy(buffer.get() + used, p, n);
    used += n;
  }

  void flush() {
    if (deflating) deflate_pending(Z_SYNC_FLUSH);
    drain();
  }

  void close() {
    if (failure) {
      ::close(std::exchange(fd, -1));
      std::rethrow_exception(failure);
    }
    try {
      if (deflating) deflate_pending(Z_FINISH);
      drain();
    } catch (...) {
      ::close(std::exchange(fd, -1));
      throw;
    }
    if (::close(std::exchange(fd, -1)) != 0 && errno != EINTR)
      throw DataLoss("TFRecordWriter: closing " + in_quotes(path) + " failed: " + std::strerror(errno));
  }

  std::string path;
  Compression compression;
  int fd = -1;
  z_stream zs{};
  bool deflating = false;
  std::unique_ptr<unsigned char[]> buffer;
  std::size_t used = 0;
  std::exception_ptr failure;  // the first write error, if any
};

TFRecordWriter::TFRecordWriter(const std::string& path, TFRecordOptions options)
    : path_(path), impl_(std::make_unique<Impl>(path, options.compression)) {}

TFRecordWriter::~TFRecordWriter() {
  try {
    close();
  } catch (...) {
    // Documented: the destructor cannot report; close() does.
  }
}

TFRecordWriter::TFRecordWriter(TFRecordWriter&&) noexcept = default;

TFRecordWriter& TFRecordWriter::operator=(TFRecordWriter&& other) noexcept {
  if (this != &other) {
    try {
      close();
    } catch (...) {
      // As in the destructor: the file being replaced is closed regardless.
    }
    path_ = std::move(other.path_);
    impl_ = std::move(other.impl_);
  }
  return *this;
}

void TFRecordWriter::write(std::string_view record) {
  if (!impl_ || impl_->fd < 0)
    throw FailedPrecondition("TFRecordWriter: write to " + in_quotes(path_) + " after close()");
  unsigned char header[kHeaderSize];
  store_le64(header, record.size());
  store_le32(header + 8, masked_crc32c(header, 8));
  unsigned char footer[kFooterSize];
  store_le32(footer, masked_crc32c(record.data(), record.size()));
  impl_->guarded([&] {
    impl_->put(header, sizeof header);
    impl_->put(record.data(), record.size());
    impl_->put(footer, sizeof footer);
  });
}

void TFRecordWriter::flush() {
  if (!impl_ || impl_->fd < 0)
    throw FailedPrecondition("TFRecordWriter: flush of " + in_quotes(path_) + " after close()");
  impl_->guarded([&] { impl_->flush(); });
}

void TFRecordWriter::close() {
  if (impl_ && impl_->fd >= 0) impl_->close();
}

// ---- reader -----------------------------------------------------------------

struct TFRecordReader::Impl {
  Impl(const std::string& path, Compression compression)
      : path(path),
        compression(compression),
        compressed_input(compression == Compression::None
                             ? nullptr
                             : std::make_unique_for_overwrite<unsigned char[]>(kCompressedInputSize)),
        buffer(std::make_unique_for_overwrite<char[]>(kBufferSize)) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_open_error("TFRecordReader", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      throw_open_error("TFRecordReader", path, err);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      throw InvalidArgument("TFRecordReader: " + in_quotes(path) + " is a directory, not a TFRecord file");
    }
    regular = S_ISREG(st.st_mode);
    file_size = static_cast<std::uint64_t>(st.st_size);
    if (regular) ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (compression != Compression::None) {
      if (inflateInit2(&zs, window_bits(compression)) != Z_OK) {
        ::close(fd);
        throw ResourceExhausted("TFRecordReader: zlib could not start decompressing " + in_quotes(path));
      }
      inflating = true;
    }
  }
  ~Impl() {
    if (inflating) inflateEnd(&zs);
    ::close(fd);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  [[noreturn]] void fail(const std::string& what) {
    failure = "TFRecordReader: " + what;
    throw DataLoss(failure);
  }
  std::string where(std::uint64_t at) const { return " at offset " + std::to_string(at) + " in " + in_quotes(path); }

  std::size_t read_file(void* dst, std::size_t n) {
    auto* p = static_cast<char*>(dst);
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd, p + got, n - got);
      if (r == 0) break;
      if (r < 0) {
        if (errno == EINTR) continue;
        fail(std::string("read error while reading the record") + where(offset) + ": " + std::strerror(errno));
      }
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  // False at the end of the file.
  bool refill_compressed() {
    const std::size_t got = read_file(compressed_input.get(), kCompressedInputSize);
    zs.next_in = compressed_input.get();
    zs.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  // Inflates up to n bytes; fewer only at the end of the data. Concatenated
  // streams are read one after the other, as gzip -d does; an empty file is
  // an empty stream of records.
  std::size_t read_compressed(char* dst, std::size_t n) {
    std::size_t produced = 0;
    while (produced < n && !input_finished) {
      if (between_streams) {
        if (zs.avail_in == 0 && !refill_compressed()) {
          input_finished = true;
          break;
        }
        inflateReset(&zs);
        between_streams = false;
      }
      if (zs.avail_in == 0 && !refill_compressed()) {
        // The record being read reports this, with its offset.
        input_finished = true;
        stream_cut_short = true;
        break;
      }
      const std::size_t step = std::min(n - produced, kMaxZlibStep);
      zs.next_out = reinterpret_cast<unsigned char*>(dst + produced);
      zs.avail_out = static_cast<uInt>(step);
      const uInt in_before = zs.avail_in;
      const int rc = inflate(&zs, Z_NO_FLUSH);
      const std::size_t out = step - zs.avail_out;
      produced += out;
      if (rc == Z_STREAM_END) {
        between_streams = true;
      } else if ((rc != Z_OK && rc != Z_BUF_ERROR) || (out == 0 && zs.avail_in == in_before)) {
        fail(std::string("corrupt ") + compression_name(compression) + " data while reading the record" +
             where(offset) + " (" + std::to_string(decoded + produced) + " bytes of records decoded): " +
             (zs.msg ? zs.msg : zError(rc)));
      }
    }
    return produced;
  }

  // Up to n bytes of the record stream, bypassing the buffer; fewer only at its end.
  std::size_t read_stream(char* dst, std::size_t n) {
    const std::size_t got = inflating ? read_compressed(dst, n) : read_file(dst, n);
    decoded += got;
    return got;
  }

  // Up to n bytes of the record stream through the buffer; fewer only at its end.
  std::size_t take(char* dst, std::size_t n) {
    std::size_t got = std::min(n, end - pos);
    std::memcpy(dst, buffer.get() + pos, got);
    pos += got;
    while (got < n) {
      if (n - got >= kDirectSize) return got + read_stream(dst + got, n - got);
      pos = 0;
      end = read_stream(buffer.get(), kBufferSize);
      if (end == 0) break;
      const std::size_t c = std::min(n - got, end);
      std::memcpy(dst + got, buffer.get(), c);
      pos = c;
      got += c;
    }
    return got;
  }

  // The most record bytes that can still follow the header just read, or
  // nothing when the file gives no bound (a pipe). A plain file is looked at
  // again only when `length` exceeds what it held at the last look: it may
  // have grown since.
  std::optional<std::uint64_t> data_bound(std::uint64_t length) {
    if (!regular) return std::nullopt;
    if (inflating) return file_size * kMaxDeflateRatio;
    const std::uint64_t consumed = offset + kHeaderSize;
    auto remaining = [&] { return file_size > consumed ? file_size - consumed : 0; };
    struct stat st {};
    if (length > remaining() && ::fstat(fd, &st) == 0)
      file_size = std::max(file_size, static_cast<std::uint64_t>(st.st_size));
    return remaining();
  }

  // Reads the data of a record whose length no file size vouches for in
  // growing steps, so a corrupt length cannot make us allocate much more than
  // the stream really holds.
  std::size_t take_growing(std::string& record, std::uint64_t length) {
    record.clear();
    std::size_t done = 0;
    while (done < length) {
      const std::size_t step =
          static_cast<std::size_t>(std::min<std::uint64_t>(length - done, std::max(done, kBufferSize)));
      record.resize(done + step);
      const std::size_t got = take(record.data() + done, step);
      done += got;
      if (got < step) break;
    }
    return done;
  }

  // Said after a truncation when the compressed stream itself was cut short.
  std::string cut_short() const {
    return stream_cut_short ? std::string(" (the file ends inside its ") + compression_name(compression) + " stream)"
                            : "";
  }

  bool read(std::string& record) {
    if (!failure.empty()) throw DataLoss(failure);
    unsigned char header[kHeaderSize];
    const std::size_t got = take(reinterpret_cast<char*>(header), kHeaderSize);
    if (got == 0 && !stream_cut_short) return false;
    if (got < kHeaderSize)
      fail("truncated record" + where(offset) + ": expected " + std::to_string(kHeaderSize) + " header bytes, found " +
           std::to_string(got) + cut_short());
    const std::uint64_t length = load_le64(header);
    const std::uint32_t length_crc = masked_crc32c(header, 8);
    if (length_crc != load_le32(header + 8))
      fail("corrupt record" + where(offset) + ": length CRC mismatch (stored " + hex32(load_le32(header + 8)) +
           ", computed " + hex32(length_crc) + ")");

    const std::optional<std::uint64_t> bound = data_bound(length);
    if (bound && length > *bound) {
      if (!inflating)
        fail("truncated record" + where(offset) + ": expected " + std::to_string(length) + " data bytes, found " +
             std::to_string(*bound));
      fail("truncated record" + where(offset) + ": expected " + std::to_string(length) + " data bytes, but the " +
           std::to_string(file_size) + " compressed bytes of the file inflate to at most " + std::to_string(*bound));
    }
    std::size_t data = 0;
    if (bound && !inflating) {
      record.resize(static_cast<std::size_t>(length));
      data = take(record.data(), record.size());
    } else {
      data = take_growing(record, length);
    }
    if (data < length)
      fail("truncated record" + where(offset) + ": expected " + std::to_string(length) + " data bytes, found " +
           std::to_string(data) + cut_short());

    unsigned char footer[kFooterSize];
    const std::size_t footer_got = take(reinterpret_cast<char*>(footer), kFooterSize);
    if (footer_got < kFooterSize)
      fail("truncated record" + where(offset) + ": expected " + std::to_string(kFooterSize) +
           " footer bytes (the data CRC) after " + std::to_string(length) + " data bytes, found " +
           std::to_string(footer_got) + cut_short());
    const std::uint32_t data_crc = masked_crc32c(record.data(), record.size());
    if (data_crc != load_le32(footer))
      fail("corrupt record" + where(offset) + ": data CRC mismatch over " + std::to_string(length) + " bytes (stored " +
           hex32(load_le32(footer)) + ", computed " + hex32(data_crc) + ")");
    offset += kHeaderSize + length + kFooterSize;
    return true;
  }

  std::string path;
  Compression compression;
  int fd = -1;
  bool regular = false;
  std::uint64_t file_size = 0;
  z_stream zs{};
  bool inflating = false;
  std::unique_ptr<unsigned char[]> compressed_input;
  bool between_streams = true;
  bool input_finished = false;
  bool stream_cut_short = false;
  std::unique_ptr<char[]> buffer;
  std::size_t pos = 0;
  std::size_t end = 0;
  std::uint64_t decoded = 0;  // bytes of the record stream read from the file so far
  std::uint64_t offset = 0;   // of the next record
  std::string failure;
};

TFRecordReader::TFRecordReader(const std::string& path, TFRecordOptions options)
    : path_(path), impl_(std::make_unique<Impl>(path, options.compression)) {}

TFRecordReader::~TFRecordReader() = default;
TFRecordReader::TFRecordReader(TFRecordReader&&) noexcept = default;
TFRecordReader& TFRecordReader::operator=(TFRecordReader&&) noexcept = default;

bool TFRecordReader::read(std::string& record) {
  if (!impl_) throw FailedPrecondition("TFRecordReader: read from a moved-from reader");
  return impl_->read(record);
}

std::optional<std::string> TFRecordReader::next() {
  std::string record;
  if (!read(record)) return std::nullopt;
  return record;
}

std::uint64_t TFRecordReader::offset() const { return impl_ ? impl_->offset : 0; }

}  // namespace eager::data
