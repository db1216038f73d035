#pragma once
// TFRecord files, as tf.io.TFRecordWriter writes them and tf.data.TFRecordDataset
// reads them. A file is a sequence of records, each framed as
//
//   uint64 length          little-endian
//   uint32 masked_crc32c(length bytes)
//   byte   data[length]
//   uint32 masked_crc32c(data)
//
// optionally compressed as a whole with gzip or zlib (TensorFlow's "GZIP" and
// "ZLIB" compression types). Every CRC is checked on reading.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace eager::data {

// TensorFlow's compression_type: "" (None), "GZIP" or "ZLIB". The whole
// stream of records is compressed, not each record.
enum class Compression { None, Gzip, Zlib };

struct TFRecordOptions {
  Compression compression = Compression::None;
};

// CRC32C (Castagnoli) of `size` bytes, continuing from `crc`, the CRC32C of
// the bytes before them (0 for none): crc32c(b, nb, crc32c(a, na)) is the
// CRC32C of a followed by b. Uses the SSE4.2 crc32 instruction when the CPU
// has it, a table otherwise; both give the same values.
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

// The CRC32C of the bytes, masked as TFRecord stores it:
// ((crc >> 15) | (crc << 17)) + 0xa282ead8, so that a CRC over bytes that
// themselves hold CRCs does not degenerate.
std::uint32_t masked_crc32c(const void* data, std::size_t size);

// Writes records to a new file (tf.io.TFRecordWriter). Records are buffered;
// flush() hands them to the operating system and close() finishes the file.
// Movable, not copyable; a moved-from writer may only be closed or destroyed.
class TFRecordWriter {
 public:
  // Creates or truncates `path`. Throws NotFound when its directory does not
  // exist, FailedPrecondition when the file cannot be created there (a
  // directory, no permission, read-only file system).
  explicit TFRecordWriter(const std::string& path, TFRecordOptions options = {});
  // Closes the file; an error while doing so is swallowed (call close() to see it).
  ~TFRecordWriter();
  TFRecordWriter(TFRecordWriter&&) noexcept;
  TFRecordWriter& operator=(TFRecordWriter&&) noexcept;
  TFRecordWriter(const TFRecordWriter&) = delete;
  TFRecordWriter& operator=(const TFRecordWriter&) = delete;

  // Appends one record (any bytes, empty included). Throws FailedPrecondition
  // after close(), and the errors of flush() when its buffer fills up.
  void write(std::string_view record);

  // Hands every record written so far to the operating system (for a
  // compressed file, as a complete deflate block), so another reader of the
  // file sees them. It does not fsync. Throws ResourceExhausted when the disk
  // is full and DataLoss for other write errors, naming the path;
  // FailedPrecondition after close().
  void flush();

  // Flushes, ends the compressed stream if any, and closes the file. Reports
  // the errors flush() does; later calls do nothing. After an error the file
  // is closed all the same and its contents are undefined. After any write
  // or flush error, later writes and flushes and the next close() throw that
  // error again without writing (part of the buffer may be on disk; writing
  // it again would corrupt the file).
  void close();

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// Reads the records of a file in order, checking both CRCs of each
// (the reading side of tf.data.TFRecordDataset). Movable, not copyable; a
// moved-from reader may only be destroyed or assigned to.
class TFRecordReader {
 public:
  // Opens `path`. Throws NotFound when it does not exist (or a directory on
  // its way is missing), InvalidArgument when it is a directory,
  // FailedPrecondition when it cannot be opened for another reason.
  explicit TFRecordReader(const std::string& path, TFRecordOptions options = {});
  ~TFRecordReader();
  TFRecordReader(TFRecordReader&&) noexcept;
  TFRecordReader& operator=(TFRecordReader&&) noexcept;
  TFRecordReader(const TFRecordReader&) = delete;
  TFRecordReader& operator=(const TFRecordReader&) = delete;

  // Reads the next record into `record` (reusing its capacity) and returns
  // true, or returns false at a clean end of the file: no bytes after the last
  // complete record (and, for a compressed file, a complete compressed stream).
  //
  // Throws DataLoss, naming the file and the offset of the record, for a
  // length or data CRC mismatch, a record cut short (a truncated header, data
  // or footer, which includes a length larger than what is left of the file),
  // corrupt or truncated compressed data, and read errors. Nothing larger than
  // the rest of the file is ever allocated (for a compressed file: what its
  // bytes can inflate to). After a DataLoss the reader is done: every later
  // read() throws the same error again.
  bool read(std::string& record);

  // The next record, or nullopt at a clean end of the file; errors as read().
  std::optional<std::string> next();

  // Byte offset of the next record in the (uncompressed) stream of records:
  // 0 at first, then the sum of the framed sizes (16 + length) read so far.
  std::uint64_t offset() const;

  const std::string& path() const { return path_; }

 private:
  struct Impl;
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eager::data
