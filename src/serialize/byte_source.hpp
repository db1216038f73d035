#pragma once
// Sequential readers of a known number of bytes: a whole file, a range of
// a file, bytes in memory, a ZIP member (zip.hpp). The .npy decoder reads
// its header and then its data through one of these, so the data of a file
// goes straight from the page cache into a tensor's memory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "eager/error.hpp"
#include "serialize/durable_file.hpp"

namespace eager::io::detail {

// A little-endian unsigned integer of sizeof(T) bytes.
template <class T>
T load_little_endian(const unsigned char* bytes) {
  static_assert(std::endian::native == std::endian::little, "eager's file formats assume a little-endian host");
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

// A file descriptor closed when it goes out of scope.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

struct OpenedFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};

// Opens a regular file for reading: NotFound when it does not exist,
// InvalidArgument for a directory or another kind of file, Unavailable for
// other failures; `op` ("load_npy") begins the message.
inline OpenedFile open_for_reading(const std::string& path, const std::string& op) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_system_error(op + ": cannot open", path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) throw_system_error(op + ": cannot stat", path, errno);
  if (S_ISDIR(info.st_mode)) throw InvalidArgument(op + ": '" + path + "' is a directory");
  if (!S_ISREG(info.st_mode)) throw InvalidArgument(op + ": '" + path + "' is not a regular file");
  return {std::move(fd), static_cast<std::uint64_t>(info.st_size)};
}

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // How many bytes the source holds in all.
  virtual std::uint64_t size() const = 0;
  // The next `count` bytes into `destination`; DataLoss when the source ends
  // (or turns out corrupt) before them.
  virtual void read(void* destination, std::size_t count) = 0;
  // Called once every byte was read: the checks that need the whole of the
  // data (a CRC, the end of a compressed stream).
  virtual void finish() {}
};

// pread(2) of exactly `count` bytes at `offset`, retrying short reads;
// DataLoss when the file ends first (it shrank after it was measured).
inline void pread_exactly(int fd, void* destination, std::size_t count, std::uint64_t offset,
                          const std::string& context) {
  auto* out = static_cast<char*>(destination);
  while (count > 0) {
    const ssize_t n = ::pread(fd, out, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Unavailable(context + ": read failed at offset " + std::to_string(offset) + ": " + std::strerror(errno));
    }
    if (n == 0)
      throw DataLoss(context + ": the file ended at offset " + std::to_string(offset) + ", " + std::to_string(count) +
                     " bytes early (it was truncated while being read)");
    out += n;
    count -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

// The bytes [begin, begin + size) of an open file (not owned).
class FileRangeSource : public ByteSource {
 public:
  FileRangeSource(int fd, std::uint64_t begin, std::uint64_t size, std::string context)
      : fd_(fd), position_(begin), end_(begin + size), size_(size), context_(std::move(context)) {}
  std::uint64_t size() const override { return size_; }
  void read(void* destination, std::size_t count) override {
    if (count > end_ - position_)
      throw DataLoss(context_ + ": " + std::to_string(count) + " bytes needed but only " +
                     std::to_string(end_ - position_) + " are left");
    pread_exactly(fd_, destination, count, position_, context_);
    position_ += count;
  }

 private:
  int fd_;
  std::uint64_t position_;
  std::uint64_t end_;
  std::uint64_t size_;
  std::string context_;
};

class MemorySource : public ByteSource {
 public:
  MemorySource(std::string_view bytes, std::string context) : bytes_(bytes), context_(std::move(context)) {}
  std::uint64_t size() const override { return bytes_.size(); }
  void read(void* destination, std::size_t count) override {
    if (count > bytes_.size() - position_)
      throw DataLoss(context_ + ": " + std::to_string(count) + " bytes needed but only " +
                     std::to_string(bytes_.size() - position_) + " are left");
    if (count > 0) std::memcpy(destination, bytes_.data() + position_, count);
    position_ += count;
  }

 private:
  std::string_view bytes_;
  std::size_t position_ = 0;
  std::string context_;
};

}  // namespace eager::io::detail
