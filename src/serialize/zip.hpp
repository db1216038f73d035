#pragma once
// ZIP archives as .npz files use them (PKWARE APPNOTE 6.3): stored and
// deflated members, CRC-32, data descriptors, ZIP64. The reader trusts
// nothing: the central directory must agree with every local header and data
// descriptor, members may not overlap or repeat, and a member's size is
// bounded by what deflate can produce from its compressed bytes, so a small
// file cannot make the reader allocate or inflate without limit.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "serialize/byte_source.hpp"
#include "serialize/durable_file.hpp"

namespace eager::io::detail {

enum class ZipMethod : std::uint16_t { Stored = 0, Deflated = 8 };

struct ZipEntry {
  std::string name;  // the bytes of the name as stored (UTF-8 when the archive is NumPy's)
  ZipMethod method = ZipMethod::Stored;
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  std::uint64_t data_offset = 0;  // of the (compressed) data in the file
};

// A ZIP archive opened for reading, validated as a whole in the constructor.
// Errors begin with `context`: DataLoss for malformed or inconsistent bytes
// (naming the member and the rule), Unimplemented for valid archives eager
// does not read (encryption, compression methods other than stored and
// deflate, archives split over several disks), NotFound / InvalidArgument /
// Unavailable for a file that cannot be opened.
class ZipReader {
 public:
  // `op` ("load_npz") begins every message, followed by the quoted path.
  ZipReader(const std::string& path, const std::string& op);
  // In central directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The uncompressed bytes of `entry`: exactly uncompressed_size of them. Its
  // finish() checks the CRC-32 and, for a deflated member, that the stream
  // ends exactly there and uses all of the compressed bytes. `context` begins
  // the messages of its errors.
  std::unique_ptr<ByteSource> open(const ZipEntry& entry, std::string context) const;

 private:
  OpenedFile file_;
  std::string context_;
  std::vector<ZipEntry> entries_;
};

// Writes an archive into a DurableFile, member by member, then the central
// directory. ZIP64 records are written for a member whose size may reach
// 0xffffffff, for offsets from 0xffffffff on and for 0xffff members or more;
// force_zip64 writes them everywhere (as np.savez does in local headers) so
// that the ZIP64 paths can be tested with small files.
class ZipWriter {
 public:
  explicit ZipWriter(DurableFile& file, bool force_zip64 = false) : file_(file), force_zip64_(force_zip64) {}
  // Appends a member whose content is `parts`, one after the other. Names
  // are written as given (at most 65535 bytes, InvalidArgument otherwise),
  // flagged as UTF-8 when they hold a non-ASCII byte, dated 1980-01-01 so
  // that equal content gives equal archives.
  void add(std::string_view name, std::initializer_list<std::string_view> parts, ZipMethod method);
  // Writes the central directory and the end records. The file can then be
  // committed.
  void finish();

 private:
  struct Written {
    std::string name;
    ZipMethod method = ZipMethod::Stored;
    std::uint32_t crc32 = 0;
    std::uint64_t compressed_size = 0;
    std::uint64_t uncompressed_size = 0;
    std::uint64_t header_offset = 0;
    bool zip64_local_header = false;
  };
  DurableFile& file_;
  bool force_zip64_;
  std::vector<Written> written_;
};

}  // namespace eager::io::detail
