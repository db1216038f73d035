#include "durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>

#include "eager/error.hpp"
#include "eager/io.hpp"

namespace eager::io::detail {
namespace {

constexpr std::string_view kTemporaryMarker = ".tmp-";

std::string file_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Retries the short writes and EINTRs that write(2) may return.
void write_fully(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::string& path) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_system_error("cannot write", path, errno);
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

}  // namespace

void throw_system_error(const std::string& what, const std::string& path, int error_number) {
  const std::string message = what + " '" + path + "': " + std::strerror(error_number);
  if (error_number == ENOENT) throw NotFound(message);
  throw Unavailable(message);
}

std::string parent_directory(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

bool is_temporary_name(std::string_view file_name) {
  return file_name.size() > 1 && file_name.front() == '.' && file_name.find(kTemporaryMarker) != std::string_view::npos;
}

bool is_abandoned_temporary(std::string_view file_name) {
  if (!is_temporary_name(file_name)) return false;
  const std::string_view rest = file_name.substr(file_name.rfind(kTemporaryMarker) + kTemporaryMarker.size());
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
  if (ec != std::errc() || end == rest.data() || pid <= 0) return true;
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

void sync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_system_error("cannot open directory", directory, errno);
  const int rc = ::fsync(fd);
  const int error_number = errno;
  ::close(fd);
  // Some file systems cannot sync directories (EINVAL); their renames are
  // as durable as they get.
  if (rc != 0 && error_number != EINVAL) throw_system_error("cannot sync directory", directory, error_number);
}

DurableFile::DurableFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw InvalidArgument("DurableFile: empty path");
  static std::atomic<std::uint64_t> counter{0};
  // A crashed process with the same pid (a container's PID 1) may have left
  // the same name behind: try further numbers.
  for (int attempt = 0; attempt < 100; ++attempt) {
    temporary_path_ = parent_directory(path_) + "/." + file_name_of(path_) + std::string(kTemporaryMarker) +
                      std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    fd_ = ::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  if (fd_ < 0) {
    if (errno == ENOENT) throw NotFound("cannot write '" + path_ + "': directory does not exist");
    throw_system_error("cannot create a temporary file for", path_, errno);
  }
}

DurableFile::~DurableFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temporary_path_.c_str());
  }
}

void DurableFile::write(const void* data, std::size_t size) {
  pwrite(data, size, size_);
}

void DurableFile::pwrite(const void* data, std::size_t size, std::uint64_t offset) {
  if (fd_ < 0) throw InvalidArgument("DurableFile: '" + path_ + "' was already committed");
  write_fully(fd_, data, size, offset, path_);
  if (offset + size > size_) size_ = offset + size;
}

void DurableFile::commit() {
  if (fd_ < 0) throw InvalidArgument("DurableFile: '" + path_ + "' was already committed");
  if (::fsync(fd_) != 0) throw_system_error("cannot sync", temporary_path_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    const int error_number = errno;
    ::unlink(temporary_path_.c_str());
    throw_system_error("cannot close", temporary_path_, error_number);
  }
  fd_ = -1;
  if (::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary_path_.c_str());
    throw_system_error("cannot rename a temporary file onto", path_, error_number);
  }
  sync_directory(parent_directory(path_));
}

}  // namespace eager::io::detail

namespace eager::io {

std::string read_file(const std::string& path) {
  struct stat info{};
  if (::stat(path.c_str(), &info) != 0) detail::throw_system_error("read_file: cannot open", path, errno);
  if (S_ISDIR(info.st_mode)) throw InvalidArgument("read_file: '" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::throw_system_error("read_file: cannot open", path, errno);
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(info.st_size));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::size_t>(in.gcount()) != bytes.size())
    throw DataLoss("read_file: '" + path + "' ended after " + std::to_string(in.gcount()) + " of " +
                   std::to_string(bytes.size()) + " bytes");
  // A file that grew while being read: take the rest too.
  bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return bytes;
}

void write_file(const std::string& path, std::string_view contents) {
  detail::DurableFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace eager::io
