#pragma once
// Atomic, durable file replacement: the building block of every save in
// eager (checkpoints, the checkpoint state file, .npy/.npz, io::write_file).
//
//   DurableFile file(path);      // creates "<dir>/.<name>.tmp-<pid>-<n>"
//   file.write(bytes, size);     // as often as needed
//   file.commit();               // fsync, rename onto path, fsync the directory
//
// A DurableFile destroyed without commit() removes its temporary file, so an
// exception midway leaves `path` untouched. A process killed midway leaves
// the temporary file behind; is_temporary_name() recognises such leftovers so
// that their owners (CheckpointManager) can delete them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eager::io::detail {

class DurableFile {
 public:
  // NotFound when the directory does not exist; Unavailable for other
  // failures to create the temporary file.
  explicit DurableFile(std::string path);
  ~DurableFile();
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  // Appends bytes (Unavailable when the write fails, e.g. a full disk).
  void write(const void* data, std::size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Writes at an absolute offset of the temporary file (for headers whose
  // content is known only at the end).
  void pwrite(const void* data, std::size_t size, std::uint64_t offset);
  std::uint64_t size() const { return size_; }

  // Flushes the data to disk, renames the temporary file onto the target and
  // flushes the directory. After commit() the object holds nothing.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_path_; }

 private:
  std::string path_;
  std::string temporary_path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Whether a file name (not a path) is one DurableFile makes for its
// temporary files.
bool is_temporary_name(std::string_view file_name);
// A temporary file whose writing process no longer runs (on this machine).
bool is_abandoned_temporary(std::string_view file_name);

// fsync of a directory, so that a rename or unlink inside it is durable.
void sync_directory(const std::string& directory);

// The directory part of a path ("." for a bare file name).
std::string parent_directory(const std::string& path);

// Unavailable("<what> '<path>': <strerror(errno)>"), or NotFound for ENOENT.
[[noreturn]] void throw_system_error(const std::string& what, const std::string& path, int error_number);

}  // namespace eager::io::detail
