// ZIP reading and writing for .npz files. Field layouts follow PKWARE's
// APPNOTE.TXT 6.3 (sections 4.3.7 local header, 4.3.9 data descriptor,
// 4.3.12 central directory header, 4.3.14-4.3.16 end records, 4.5.3 ZIP64
// extra field).
#define ZLIB_CONST
#include "serialize/zip.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <tuple>

#include "eager/error.hpp"

namespace eager::io::detail {
namespace {

constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kDescriptorSignature = 0x08074b50;
constexpr std::size_t kLocalHeaderSize = 30;
constexpr std::size_t kCentralHeaderSize = 46;
constexpr std::size_t kEndSize = 22;
constexpr std::size_t kZip64EndSize = 56;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kMaxCommentSize = 0xffff;
constexpr std::uint64_t kMax16 = 0xffff;
constexpr std::uint64_t kMax32 = 0xffffffff;
constexpr std::uint16_t kZip64ExtraId = 1;
constexpr std::uint16_t kFlagEncrypted = 1 << 0;
constexpr std::uint16_t kFlagDataDescriptor = 1 << 3;
constexpr std::uint16_t kFlagStrongEncryption = 1 << 6;
constexpr std::uint16_t kFlagUtf8 = 1 << 11;
constexpr std::uint16_t kFlagMaskedDirectory = 1 << 13;
constexpr std::uint16_t kVersionDefault = 20;  // 2.0: deflate
constexpr std::uint16_t kVersionZip64 = 45;    // 4.5: ZIP64
constexpr std::uint16_t kMadeByUnix = 3 << 8;
constexpr std::uint32_t kRegularFileMode = 0100644;
constexpr std::uint16_t kDosDate1980 = (1 << 5) | 1;  // 1980-01-01, the earliest DOS date
// zlib's technical notes: deflate cannot expand data by more than 1032:1.
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::size_t kInflateInputSize = std::size_t{1} << 18;
constexpr std::size_t kDeflateOutputSize = std::size_t{1} << 20;
// Fewer bytes than zlib's 32-bit avail_in/avail_out can take in one call.
constexpr std::size_t kMaxZlibStep = std::size_t{1} << 30;

std::uint16_t le16(const unsigned char* p) { return load_little_endian<std::uint16_t>(p); }
std::uint32_t le32(const unsigned char* p) { return load_little_endian<std::uint32_t>(p); }
std::uint64_t le64(const unsigned char* p) { return load_little_endian<std::uint64_t>(p); }
const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

void put(std::string& out, std::uint64_t value, int size) {
  for (int i = 0; i < size; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

std::string hex32(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

// zlib's crc32_z returns 0, not `crc`, for a null pointer (an empty tensor's data).
std::uint32_t crc32_of(std::uint32_t crc, const void* data, std::size_t size) {
  if (size == 0) return crc;
  return static_cast<std::uint32_t>(::crc32_z(crc, static_cast<const Bytef*>(data), size));
}

std::string read_at(int fd, std::uint64_t offset, std::size_t size, const std::string& context) {
  std::string bytes(size, '\0');
  pread_exactly(fd, bytes.data(), size, offset, context);
  return bytes;
}

std::string describe_method(std::uint16_t method) {
  switch (method) {
    case 12: return "12 (bzip2)";
    case 14: return "14 (LZMA)";
    case 93: return "93 (Zstandard)";
    case 99: return "99 (AES encryption)";
    default: return std::to_string(method);
  }
}

// The data of the ZIP64 record of an extra field block, checking that the
// records tile the block exactly; nullopt when there is none.
std::optional<std::string_view> find_zip64_extra(std::string_view extra, const std::string& where) {
  std::optional<std::string_view> found;
  std::size_t position = 0;
  while (position < extra.size()) {
    if (extra.size() - position < 4) throw DataLoss(where + ": the extra field ends inside a record header");
    const std::uint16_t id = le16(bytes_of(extra) + position);
    const std::uint16_t size = le16(bytes_of(extra) + position + 2);
    if (size > extra.size() - position - 4) throw DataLoss(where + ": an extra field record runs past its end");
    if (id == kZip64ExtraId) {
      if (found) throw DataLoss(where + ": two ZIP64 extra field records");
      found = extra.substr(position + 4, size);
    }
    position += 4 + size;
  }
  return found;
}

// APPNOTE 4.5.3: the ZIP64 record holds, 8 bytes each and in this order, the
// values of the fields whose 32-bit value is 0xffffffff.
void apply_zip64(std::string_view extra, std::initializer_list<std::uint64_t*> fields, const std::string& where) {
  if (std::none_of(fields.begin(), fields.end(), [](const std::uint64_t* f) { return *f == kMax32; })) return;
  const std::optional<std::string_view> data = find_zip64_extra(extra, where);
  if (!data) throw DataLoss(where + ": a size or offset is 0xffffffff but there is no ZIP64 extra field");
  std::size_t position = 0;
  for (std::uint64_t* field : fields) {
    if (*field != kMax32) continue;
    if (data->size() - position < 8) throw DataLoss(where + ": the ZIP64 extra field is too short");
    *field = le64(bytes_of(*data) + position);
    position += 8;
  }
}

struct CentralEntry {
  ZipEntry entry;
  std::uint16_t flags = 0;
  std::uint64_t header_offset = 0;
};

// The fields of the end of central directory record, or of its ZIP64 twin.
struct EndFields {
  std::uint64_t disk, directory_disk, disk_entries, entries, directory_size, directory_offset;
};

struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;
  std::uint64_t end = 0;  // where the end records begin: the directory must end there
};

// Finds the end of central directory record (and the ZIP64 one when present).
Directory find_directory(int fd, std::uint64_t file_size, const std::string& context) {
  const std::uint64_t tail_size = std::min<std::uint64_t>(file_size, kEndSize + kMaxCommentSize);
  const std::string tail = read_at(fd, file_size - tail_size, static_cast<std::size_t>(tail_size), context);
  std::optional<std::size_t> found;
  for (std::size_t i = tail.size() >= kEndSize ? tail.size() - kEndSize + 1 : 0; i-- > 0;) {
    const unsigned char* p = bytes_of(tail) + i;
    if (le32(p) == kEndSignature && i + kEndSize + le16(p + 20) == tail.size()) {
      found = i;
      break;
    }
  }
  if (!found)
    throw DataLoss(context + ": not a ZIP archive (no end of central directory record ends the file; a .npz file " +
                   "is a ZIP archive)");
  const unsigned char* end = bytes_of(tail) + *found;
  const std::uint64_t end_offset = file_size - tail_size + *found;
  EndFields fields{le16(end + 4), le16(end + 6), le16(end + 8), le16(end + 10), le32(end + 12), le32(end + 16)};
  Directory directory{0, 0, 0, end_offset};
  if (end_offset >= kZip64LocatorSize) {
    const std::string locator = read_at(fd, end_offset - kZip64LocatorSize, kZip64LocatorSize, context);
    if (le32(bytes_of(locator)) == kZip64LocatorSignature) {
      const std::uint64_t record_offset = le64(bytes_of(locator) + 8);
      const std::uint64_t locator_offset = end_offset - kZip64LocatorSize;
      if (le32(bytes_of(locator) + 4) != 0 || le32(bytes_of(locator) + 16) > 1)
        throw Unimplemented(context + ": the archive is split over several disks");
      if (record_offset > locator_offset || locator_offset - record_offset < kZip64EndSize)
        throw DataLoss(context + ": the ZIP64 end record offset " + std::to_string(record_offset) +
                       " does not leave room for the record before its locator");
      const std::string record = read_at(fd, record_offset, kZip64EndSize, context);
      const unsigned char* r = bytes_of(record);
      if (le32(r) != kZip64EndSignature) throw DataLoss(context + ": no ZIP64 end record where its locator points");
      if (le64(r + 4) != locator_offset - record_offset - 12)
        throw DataLoss(context + ": the ZIP64 end record does not end where its locator begins");
      const EndFields wide{le32(r + 16), le32(r + 20), le64(r + 24), le64(r + 32), le64(r + 40), le64(r + 48)};
      // The narrow fields hold the values, or 0xffff(ffff) when they do not fit.
      auto agree = [&](std::uint64_t narrow, std::uint64_t value, std::uint64_t marker, const char* what) {
        if (narrow != marker && narrow != value)
          throw DataLoss(context + ": the end record and the ZIP64 end record disagree on the " + what);
      };
      agree(fields.disk, wide.disk, kMax16, "disk number");
      agree(fields.directory_disk, wide.directory_disk, kMax16, "central directory's disk");
      agree(fields.disk_entries, wide.disk_entries, kMax16, "number of entries on this disk");
      agree(fields.entries, wide.entries, kMax16, "number of entries");
      agree(fields.directory_size, wide.directory_size, kMax32, "central directory size");
      agree(fields.directory_offset, wide.directory_offset, kMax32, "central directory offset");
      fields = wide;
      directory.end = record_offset;
    }
  }
  if (fields.disk != 0 || fields.directory_disk != 0)
    throw Unimplemented(context + ": the archive is split over several disks");
  if (fields.disk_entries != fields.entries)
    throw DataLoss(context + ": the end record counts " + std::to_string(fields.entries) + " entries in all but " +
                   std::to_string(fields.disk_entries) + " on its only disk");
  directory.entries = fields.entries;
  directory.size = fields.directory_size;
  directory.offset = fields.directory_offset;
  if (directory.offset > directory.end || directory.end - directory.offset != directory.size)
    throw DataLoss(context + ": the central directory (offset " + std::to_string(directory.offset) + ", " +
                   std::to_string(directory.size) + " bytes) does not end where the end record begins (offset " +
                   std::to_string(directory.end) + ")");
  if (directory.entries > directory.size / kCentralHeaderSize)
    throw DataLoss(context + ": " + std::to_string(directory.entries) +
                   " entries cannot fit in a central directory of " + std::to_string(directory.size) + " bytes");
  return directory;
}

std::vector<CentralEntry> parse_directory(std::string_view directory, std::uint64_t entries,
                                          const std::string& context) {
  std::vector<CentralEntry> out;
  std::set<std::string> names;
  std::size_t position = 0;
  for (std::uint64_t i = 0; i < entries; ++i) {
    const std::string where = context + ": central directory entry " + std::to_string(i);
    if (directory.size() - position < kCentralHeaderSize) throw DataLoss(where + " runs past the directory's end");
    const unsigned char* p = bytes_of(directory) + position;
    if (le32(p) != kCentralSignature) throw DataLoss(where + " does not start with the central header signature");
    const std::size_t name_size = le16(p + 28), extra_size = le16(p + 30), comment_size = le16(p + 32);
    if (directory.size() - position - kCentralHeaderSize < name_size + extra_size + comment_size)
      throw DataLoss(where + ": its name, extra field and comment run past the directory's end");
    CentralEntry central;
    ZipEntry& entry = central.entry;
    entry.name = std::string(directory.substr(position + kCentralHeaderSize, name_size));
    const std::string member = context + ": member '" + entry.name + "'";
    central.flags = le16(p + 8);
    const std::uint16_t method = le16(p + 10);
    entry.crc32 = le32(p + 16);
    entry.compressed_size = le32(p + 20);
    entry.uncompressed_size = le32(p + 24);
    central.header_offset = le32(p + 42);
    apply_zip64(directory.substr(position + kCentralHeaderSize + name_size, extra_size),
                {&entry.uncompressed_size, &entry.compressed_size, &central.header_offset}, member);
    if (le16(p + 34) != 0) throw Unimplemented(member + " is on another disk of a split archive");
    if (central.flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagMaskedDirectory))
      throw Unimplemented(member + " is encrypted");
    if (method != static_cast<std::uint16_t>(ZipMethod::Stored) &&
        method != static_cast<std::uint16_t>(ZipMethod::Deflated))
      throw Unimplemented(member + " uses compression method " + describe_method(method) +
                          "; only stored (0) and deflate (8) are read");
    entry.method = static_cast<ZipMethod>(method);
    if (!names.insert(entry.name).second) throw DataLoss(member + " appears twice in the archive");
    if (entry.method == ZipMethod::Stored && entry.compressed_size != entry.uncompressed_size)
      throw DataLoss(member + " is stored, but its sizes differ (" + std::to_string(entry.compressed_size) + " and " +
                     std::to_string(entry.uncompressed_size) + ")");
    if (entry.method == ZipMethod::Deflated && entry.uncompressed_size / kMaxDeflateRatio > entry.compressed_size)
      throw DataLoss(member + " declares " + std::to_string(entry.uncompressed_size) + " bytes from " +
                     std::to_string(entry.compressed_size) + " deflated bytes, more than deflate can produce (1032:1)");
    out.push_back(std::move(central));
    position += kCentralHeaderSize + name_size + extra_size + comment_size;
  }
  if (position != directory.size())
    throw DataLoss(context + ": " + std::to_string(directory.size() - position) +
                   " bytes of the central directory follow its last entry");
  return out;
}

// Checks the local header (and data descriptor) of `central` against it and
// returns where the member's bytes end.
std::uint64_t check_local_header(int fd, CentralEntry& central, std::uint64_t limit, const std::string& context) {
  ZipEntry& entry = central.entry;
  const std::string member = context + ": member '" + entry.name + "'";
  if (central.header_offset > limit || limit - central.header_offset < kLocalHeaderSize)
    throw DataLoss(member + ": its local header offset " + std::to_string(central.header_offset) +
                   " is not before the central directory");
  const std::string fixed = read_at(fd, central.header_offset, kLocalHeaderSize, context);
  const unsigned char* p = bytes_of(fixed);
  if (le32(p) != kLocalSignature) throw DataLoss(member + ": no local header signature at its offset");
  const std::size_t name_size = le16(p + 26), extra_size = le16(p + 28);
  const std::uint64_t variable_begin = central.header_offset + kLocalHeaderSize;
  if (limit - variable_begin < name_size + extra_size)
    throw DataLoss(member + ": its local header runs into the central directory");
  const std::string variable = read_at(fd, variable_begin, name_size + extra_size, context);
  auto mismatch = [&](const char* what) {
    return DataLoss(member + ": the local header and the central directory disagree on the " + std::string(what));
  };
  if (variable.compare(0, name_size, entry.name) != 0 || name_size != entry.name.size()) throw mismatch("name");
  if (le16(p + 6) != central.flags) throw mismatch("flags");
  if (le16(p + 8) != static_cast<std::uint16_t>(entry.method)) throw mismatch("compression method");
  const std::string_view extra = std::string_view(variable).substr(name_size);
  std::uint64_t compressed = le32(p + 18), uncompressed = le32(p + 22);
  // APPNOTE 4.5.3: a local ZIP64 record holds both sizes when either is 0xffffffff.
  if (compressed == kMax32 || uncompressed == kMax32) {
    const std::optional<std::string_view> zip64 = find_zip64_extra(extra, member + " (local header)");
    if (!zip64 || zip64->size() < 16) throw DataLoss(member + ": the local header lacks the ZIP64 sizes it announces");
    uncompressed = le64(bytes_of(*zip64));
    compressed = le64(bytes_of(*zip64) + 8);
  } else {
    find_zip64_extra(extra, member + " (local header)");  // validates the extra field's records
  }
  if (!(central.flags & kFlagDataDescriptor)) {
    if (le32(p + 14) != entry.crc32) throw mismatch("CRC-32");
    if (compressed != entry.compressed_size) throw mismatch("compressed size");
    if (uncompressed != entry.uncompressed_size) throw mismatch("uncompressed size");
  }
  entry.data_offset = variable_begin + name_size + extra_size;
  if (limit - entry.data_offset < entry.compressed_size)
    throw DataLoss(member + ": its " + std::to_string(entry.compressed_size) +
                   " bytes of data run into the central directory");
  const std::uint64_t data_end = entry.data_offset + entry.compressed_size;
  if (!(central.flags & kFlagDataDescriptor)) return data_end;

  // APPNOTE 4.3.9: an optional signature, the CRC-32 and both sizes (8 bytes
  // each in ZIP64 archives). Whichever layout matches the directory is it.
  const std::size_t available = static_cast<std::size_t>(std::min<std::uint64_t>(limit - data_end, 24));
  const std::string descriptor = read_at(fd, data_end, available, context);
  for (const bool signed_layout : {true, false}) {
    for (const std::size_t width : {8, 4}) {
      const std::size_t size = (signed_layout ? 8 : 4) + 2 * width;
      if (size > descriptor.size()) continue;
      const unsigned char* d = bytes_of(descriptor) + (signed_layout ? 4 : 0);
      if (signed_layout && le32(bytes_of(descriptor)) != kDescriptorSignature) continue;
      auto size_at = [&](std::size_t i) { return width == 8 ? le64(d + 4 + 8 * i) : le32(d + 4 + 4 * i); };
      if (le32(d) == entry.crc32 && size_at(0) == entry.compressed_size && size_at(1) == entry.uncompressed_size)
        return data_end + size;
    }
  }
  throw DataLoss(member + ": its data descriptor is missing or disagrees with the central directory");
}

[[noreturn]] void throw_crc_mismatch(std::uint32_t computed, std::uint32_t recorded, const std::string& context) {
  throw DataLoss(context + ": CRC-32 mismatch: the data gives " + hex32(computed) + ", the archive records " +
                 hex32(recorded) + " (the member is corrupt)");
}

class StoredSource : public ByteSource {
 public:
  StoredSource(int fd, const ZipEntry& entry, std::string context)
      : range_(fd, entry.data_offset, entry.compressed_size, context),
        expected_(entry.crc32),
        context_(std::move(context)) {}
  std::uint64_t size() const override { return range_.size(); }
  void read(void* destination, std::size_t count) override {
    range_.read(destination, count);
    crc_ = crc32_of(crc_, destination, count);
  }
  void finish() override {
    if (crc_ != expected_) throw_crc_mismatch(crc_, expected_, context_);
  }

 private:
  FileRangeSource range_;
  std::uint32_t expected_;
  std::uint32_t crc_ = 0;
  std::string context_;
};

// Inflates a raw deflate stream straight into the caller's memory, never
// producing more than the member declares.
class InflateSource : public ByteSource {
 public:
  InflateSource(int fd, const ZipEntry& entry, std::string context)
      : fd_(fd),
        input_offset_(entry.data_offset),
        input_left_(entry.compressed_size),
        size_(entry.uncompressed_size),
        expected_(entry.crc32),
        context_(std::move(context)),
        input_(static_cast<std::size_t>(
            std::min<std::uint64_t>(std::max<std::uint64_t>(input_left_, 1), kInflateInputSize))) {
    if (inflateInit2(&stream_, -MAX_WBITS) != Z_OK) throw ResourceExhausted(context_ + ": cannot start zlib's inflate");
  }
  ~InflateSource() override { inflateEnd(&stream_); }
  InflateSource(const InflateSource&) = delete;
  InflateSource& operator=(const InflateSource&) = delete;

  std::uint64_t size() const override { return size_; }
  void read(void* destination, std::size_t count) override {
    auto* out = static_cast<unsigned char*>(destination);
    while (count > 0) {
      if (ended_)
        throw DataLoss(context_ + ": the deflate stream ends after " + std::to_string(produced_) +
                       " bytes, but the member declares " + std::to_string(size_));
      const std::size_t made = inflate_into(out, std::min(count, kMaxZlibStep));
      crc_ = crc32_of(crc_, out, made);
      out += made;
      count -= made;
      produced_ += made;
    }
  }
  void finish() override {
    unsigned char scratch[64];
    while (!ended_) {
      if (inflate_into(scratch, sizeof scratch) > 0)
        throw DataLoss(context_ + ": the member inflates to more than the " + std::to_string(size_) +
                       " bytes it declares");
    }
    if (stream_.avail_in > 0 || input_left_ > 0)
      throw DataLoss(context_ + ": " + std::to_string(stream_.avail_in + input_left_) +
                     " compressed bytes follow the end of the deflate stream");
    if (crc_ != expected_) throw_crc_mismatch(crc_, expected_, context_);
  }

 private:
  // One call of inflate into [out, out + capacity); returns the bytes made.
  std::size_t inflate_into(unsigned char* out, std::size_t capacity) {
    if (stream_.avail_in == 0 && input_left_ > 0) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(input_left_, input_.size()));
      pread_exactly(fd_, input_.data(), n, input_offset_, context_);
      input_offset_ += n;
      input_left_ -= n;
      stream_.next_in = input_.data();
      stream_.avail_in = static_cast<uInt>(n);
    }
    stream_.next_out = out;
    stream_.avail_out = static_cast<uInt>(capacity);
    const int rc = ::inflate(&stream_, Z_NO_FLUSH);
    switch (rc) {
      case Z_OK: break;
      case Z_STREAM_END: ended_ = true; break;
      // No progress was possible: inflate wants input and none is left.
      case Z_BUF_ERROR:
        throw DataLoss(context_ + ": the deflate stream is truncated (its compressed bytes end before it does)");
      case Z_MEM_ERROR: throw ResourceExhausted(context_ + ": out of memory in zlib's inflate");
      default:
        throw DataLoss(context_ + ": corrupt deflate data (zlib: " + std::string(stream_.msg ? stream_.msg : "error") +
                       ")");
    }
    return capacity - stream_.avail_out;
  }

  int fd_;
  std::uint64_t input_offset_;
  std::uint64_t input_left_;
  std::uint64_t size_;
  std::uint32_t expected_;
  std::string context_;
  std::vector<unsigned char> input_;
  z_stream stream_{};
  bool ended_ = false;
  std::uint64_t produced_ = 0;
  std::uint32_t crc_ = 0;
};

}  // namespace

ZipReader::ZipReader(const std::string& path, const std::string& op)
    : file_(open_for_reading(path, op)), context_(op + ": '" + path + "'") {
  const int fd = file_.fd.get();
  const Directory directory = find_directory(fd, file_.size, context_);
  const std::string bytes = read_at(fd, directory.offset, static_cast<std::size_t>(directory.size), context_);
  std::vector<CentralEntry> central = parse_directory(bytes, directory.entries, context_);
  std::vector<std::tuple<std::uint64_t, std::uint64_t, const std::string*>> extents;
  for (CentralEntry& c : central)
    extents.emplace_back(c.header_offset, check_local_header(fd, c, directory.offset, context_), &c.entry.name);
  std::sort(extents.begin(), extents.end());
  for (std::size_t i = 1; i < extents.size(); ++i)
    if (std::get<0>(extents[i]) < std::get<1>(extents[i - 1]))
      throw DataLoss(context_ + ": members '" + *std::get<2>(extents[i - 1]) + "' and '" + *std::get<2>(extents[i]) +
                     "' overlap (a ZIP bomb or a corrupt archive)");
  for (CentralEntry& c : central) entries_.push_back(std::move(c.entry));
}

std::unique_ptr<ByteSource> ZipReader::open(const ZipEntry& entry, std::string context) const {
  if (entry.method == ZipMethod::Stored)
    return std::make_unique<StoredSource>(file_.fd.get(), entry, std::move(context));
  return std::make_unique<InflateSource>(file_.fd.get(), entry, std::move(context));
}

namespace {

// The fields local and central headers share: flags, method, time, date, CRC-32.
void put_common_fields(std::string& out, std::string_view name, ZipMethod method, std::uint32_t crc) {
  const bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  put(out, utf8 ? kFlagUtf8 : 0, 2);
  put(out, static_cast<std::uint16_t>(method), 2);
  put(out, 0, 2);  // time 00:00:00
  put(out, kDosDate1980, 2);
  put(out, crc, 4);
}

std::string local_header(std::string_view name, ZipMethod method, std::uint32_t crc, std::uint64_t compressed,
                         std::uint64_t uncompressed, bool zip64) {
  std::string h;
  put(h, kLocalSignature, 4);
  put(h, zip64 ? kVersionZip64 : kVersionDefault, 2);
  put_common_fields(h, name, method, crc);
  put(h, zip64 ? kMax32 : compressed, 4);
  put(h, zip64 ? kMax32 : uncompressed, 4);
  put(h, name.size(), 2);
  put(h, zip64 ? 20 : 0, 2);
  h += name;
  if (zip64) {
    put(h, kZip64ExtraId, 2);
    put(h, 16, 2);
    put(h, uncompressed, 8);
    put(h, compressed, 8);
  }
  return h;
}

// Deflates `parts` as one raw stream into `file`; returns the compressed size
// and adds the parts to `crc`.
std::uint64_t deflate_parts(DurableFile& file, std::initializer_list<std::string_view> parts, std::uint32_t& crc) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw ResourceExhausted("save_npz: cannot start zlib's deflate for '" + file.path() + "'");
  struct End {
    z_stream& s;
    ~End() { deflateEnd(&s); }
  } end{stream};
  std::vector<unsigned char> out(kDeflateOutputSize);
  std::uint64_t written = 0;
  auto drain = [&](int flush) {
    int rc;
    do {
      stream.next_out = out.data();
      stream.avail_out = static_cast<uInt>(out.size());
      rc = ::deflate(&stream, flush);
      if (rc == Z_STREAM_ERROR) throw InvalidArgument("save_npz: zlib's deflate failed for '" + file.path() + "'");
      const std::size_t have = out.size() - stream.avail_out;
      file.write(out.data(), have);
      written += have;
    } while (stream.avail_out == 0);
    return rc;
  };
  for (std::string_view part : parts) {
    crc = crc32_of(crc, part.data(), part.size());
    for (std::size_t done = 0; done < part.size();) {
      const std::size_t n = std::min(part.size() - done, kMaxZlibStep);
      stream.next_in = bytes_of(part) + done;
      stream.avail_in = static_cast<uInt>(n);
      drain(Z_NO_FLUSH);
      done += n;
    }
  }
  if (drain(Z_FINISH) != Z_STREAM_END)
    throw InvalidArgument("save_npz: zlib's deflate did not finish for '" + file.path() + "'");
  return written;
}

}  // namespace

void ZipWriter::add(std::string_view name, std::initializer_list<std::string_view> parts, ZipMethod method) {
  if (name.size() > kMax16)
    throw InvalidArgument("ZipWriter: a member name of " + std::to_string(name.size()) +
                          " bytes is longer than ZIP allows (65535)");
  std::uint64_t uncompressed = 0;
  for (std::string_view part : parts) uncompressed += part.size();
  const std::uint64_t bound = method == ZipMethod::Deflated ? compressBound(uncompressed) : uncompressed;
  Written w;
  w.name = name;
  w.method = method;
  w.uncompressed_size = uncompressed;
  w.header_offset = file_.size();
  w.zip64_local_header = force_zip64_ || uncompressed >= kMax32 || bound >= kMax32;
  // The CRC and the compressed size are written over the header once known.
  file_.write(local_header(name, method, 0, 0, uncompressed, w.zip64_local_header));
  if (method == ZipMethod::Stored) {
    for (std::string_view part : parts) {
      w.crc32 = crc32_of(w.crc32, part.data(), part.size());
      file_.write(part);
    }
    w.compressed_size = uncompressed;
  } else {
    w.compressed_size = deflate_parts(file_, parts, w.crc32);
  }
  const std::string header = local_header(name, method, w.crc32, w.compressed_size, uncompressed, w.zip64_local_header);
  file_.pwrite(header.data(), header.size(), w.header_offset);
  written_.push_back(std::move(w));
}

void ZipWriter::finish() {
  const std::uint64_t directory_offset = file_.size();
  std::string directory;
  for (const Written& w : written_) {
    std::string extra;
    auto field = [&](std::uint64_t value) -> std::uint64_t {
      if (!force_zip64_ && value < kMax32) return value;
      put(extra, value, 8);
      return kMax32;
    };
    const std::uint64_t uncompressed = field(w.uncompressed_size);
    const std::uint64_t compressed = field(w.compressed_size);
    const std::uint64_t offset = field(w.header_offset);
    const std::uint16_t version = extra.empty() && !w.zip64_local_header ? kVersionDefault : kVersionZip64;
    put(directory, kCentralSignature, 4);
    put(directory, kMadeByUnix | version, 2);
    put(directory, version, 2);
    put_common_fields(directory, w.name, w.method, w.crc32);
    put(directory, compressed, 4);
    put(directory, uncompressed, 4);
    put(directory, w.name.size(), 2);
    put(directory, extra.empty() ? 0 : 4 + extra.size(), 2);
    put(directory, 0, 2);  // comment
    put(directory, 0, 2);  // disk
    put(directory, 0, 2);  // internal attributes
    put(directory, std::uint64_t{kRegularFileMode} << 16, 4);
    put(directory, offset, 4);
    directory += w.name;
    if (!extra.empty()) {
      put(directory, kZip64ExtraId, 2);
      put(directory, extra.size(), 2);
      directory += extra;
    }
  }
  const std::uint64_t entries = written_.size();
  std::string end;
  if (force_zip64_ || entries >= kMax16 || directory_offset >= kMax32 || directory.size() >= kMax32) {
    const std::uint64_t record_offset = directory_offset + directory.size();
    put(end, kZip64EndSignature, 4);
    put(end, kZip64EndSize - 12, 8);
    put(end, kMadeByUnix | kVersionZip64, 2);
    put(end, kVersionZip64, 2);
    put(end, 0, 4);  // this disk
    put(end, 0, 4);  // the directory's disk
    put(end, entries, 8);
    put(end, entries, 8);
    put(end, directory.size(), 8);
    put(end, directory_offset, 8);
    put(end, kZip64LocatorSignature, 4);
    put(end, 0, 4);
    put(end, record_offset, 8);
    put(end, 1, 4);  // disks in all
  }
  put(end, kEndSignature, 4);
  put(end, 0, 2);
  put(end, 0, 2);
  put(end, std::min(entries, kMax16), 2);
  put(end, std::min(entries, kMax16), 2);
  put(end, std::min<std::uint64_t>(directory.size(), kMax32), 4);
  put(end, std::min(directory_offset, kMax32), 4);
  put(end, 0, 2);  // comment
  file_.write(directory);
  file_.write(end);
}

}  // namespace eager::io::detail
