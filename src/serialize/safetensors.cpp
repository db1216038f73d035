// safetensors files. A save writes the header and then each tensor's memory
// as it is (one host copy only for tensors that are not contiguous CPU
// tensors) into a DurableFile. A load validates the whole header when the
// file is opened, keeps the descriptor, and preads each tensor straight into
// its destination; stored types eager lacks go through a 1 MiB buffer and
// are widened on the way.
#include "eager/io/safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "durable_file.hpp"
#include "eager/error.hpp"
#include "safetensors_header.hpp"
#include "tensor/dispatch.hpp"

namespace eager::io {
namespace {

using detail::FileDType;

constexpr std::size_t kLengthSize = 8;
// Stored bytes decoded per step when a type is widened.
constexpr std::size_t kDecodeChunk = std::size_t{1} << 20;
// Linux transfers at most about 2 GiB per read call.
constexpr std::size_t kMaxReadSize = std::size_t{1} << 30;

void store_le64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}

std::uint64_t load_le64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// The state of a file, refusing use after a move.
template <class State> State& checked(const std::unique_ptr<State>& state) {
  if (!state) throw FailedPrecondition("SafetensorsFile: the object was moved from");
  return *state;
}

void check_save_arguments(const std::string& op, const std::vector<std::pair<std::string, Tensor>>& tensors,
                          const Metadata& metadata) {
  std::unordered_set<std::string_view> names;
  for (const auto& [name, tensor] : tensors) {
    if (name.empty()) throw InvalidArgument(op + ": a tensor name is empty");
    if (name == "__metadata__") throw InvalidArgument(op + ": the name \"__metadata__\" is reserved for the metadata");
    if (detail::invalid_utf8_offset(name)) throw InvalidArgument(op + ": the tensor name '" + name + "' is not UTF-8");
    if (!names.insert(name).second) throw InvalidArgument(op + ": the tensor name '" + name + "' appears twice");
    if (!tensor.defined()) throw InvalidArgument(op + ": the tensor '" + name + "' is undefined");
  }
  for (const auto& [key, value] : metadata)
    if (detail::invalid_utf8_offset(key) || detail::invalid_utf8_offset(value))
      throw InvalidArgument(op + ": the metadata entry '" + key + "' is not UTF-8");
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const Metadata& metadata) {
  const std::string op = "save_safetensors '" + path + "'";
  check_save_arguments(op, tensors, metadata);

  // safetensors' own order: larger element types first, then by name.
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<int> ranks;
  for (const auto& named : tensors)
    ranks.push_back(detail::safetensors_dtype_rank(detail::file_dtype_of(named.second.dtype())));
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return ranks[a] != ranks[b] ? ranks[a] > ranks[b] : tensors[a].first < tensors[b].first;
  });

  std::vector<SafetensorsEntry> entries;
  std::uint64_t offset = 0;
  for (const std::size_t i : order) {
    const Tensor& tensor = tensors[i].second;
    const std::uint64_t size = static_cast<std::uint64_t>(tensor.num_elements()) * itemsize(tensor.dtype());
    entries.push_back({tensors[i].first, detail::safetensors_dtype_name(detail::file_dtype_of(tensor.dtype())),
                       tensor.dtype(), tensor.shape(), offset, offset + size});
    offset += size;
  }
  const std::string header = detail::build_safetensors_header(entries, metadata);
  if (header.size() > detail::kMaxSafetensorsHeaderSize)
    throw InvalidArgument(op + ": the header would take " + std::to_string(header.size()) +
                          " bytes, more than readers accept (" +
                          std::to_string(detail::kMaxSafetensorsHeaderSize) + ")");

  std::string prefix(kLengthSize, '\0');
  store_le64(prefix.data(), header.size());
  prefix += header;
  detail::DurableFile file(path);
  file.write(prefix);
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (entries[k].num_bytes() == 0) continue;
    // Tensors go to the host one at a time, so a save from a GPU holds at
    // most one tensor's copy in host memory.
    const Tensor host = tensors[order[k]].second.cpu().contiguous();
    file.write(host.raw_data(), entries[k].num_bytes());
  }
  file.commit();
}

struct SafetensorsFile::State {
  std::string path;
  int fd = -1;
  std::uint64_t file_size = 0;
  std::uint64_t data_offset = 0;  // of the data section in the file
  std::vector<SafetensorsEntry> entries;
  std::vector<FileDType> file_dtypes;
  std::unordered_map<std::string, std::size_t> index;
  Metadata metadata;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail(const std::string& rule) const { throw DataLoss("safetensors '" + path + "': " + rule); }

  std::size_t find(const std::string& name) const {
    const auto it = index.find(name);
    if (it == index.end())
      throw NotFound("safetensors '" + path + "': no tensor '" + name + "' (the file holds " +
                     std::to_string(entries.size()) + ")");
    return it->second;
  }

  // The dtype tensor() gives; Unimplemented for a stored type eager cannot hold.
  DType readable_dtype(std::size_t i) const {
    const SafetensorsEntry& entry = entries[i];
    if (!entry.dtype)
      throw Unimplemented("safetensors '" + path + "': tensor '" + entry.name + "' is stored as " + entry.file_dtype +
                          " (" + detail::file_dtype_name(file_dtypes[i]) +
                          "), which eager has no dtype to hold without loss");
    return *entry.dtype;
  }

  void read_exactly(void* destination, std::size_t size, std::uint64_t offset) const {
    auto* bytes = static_cast<char*>(destination);
    while (size > 0) {
      const ssize_t n = ::pread(fd, bytes, std::min(size, kMaxReadSize), static_cast<off_t>(offset));
      if (n < 0) {
        if (errno == EINTR) continue;
        detail::throw_system_error("safetensors: cannot read", path, errno);
      }
      if (n == 0) fail("the file ends at byte " + std::to_string(offset) + ": it was truncated after it was opened");
      bytes += n;
      size -= static_cast<std::size_t>(n);
      offset += static_cast<std::uint64_t>(n);
    }
  }

  // Tensor i's elements, widened to its dtype, into the contiguous host
  // memory at `destination`.
  void read_tensor(std::size_t i, void* destination) const {
    const SafetensorsEntry& entry = entries[i];
    const FileDType type = file_dtypes[i];
    const DType dtype = readable_dtype(i);
    if (entry.num_bytes() == 0) return;
    // A file shortened in place since it was opened would make the reads
    // below stop early; say so up front, with the sizes.
    struct stat info{};
    if (::fstat(fd, &info) != 0) detail::throw_system_error("safetensors: cannot stat", path, errno);
    if (static_cast<std::uint64_t>(info.st_size) < data_offset + entry.end)
      fail("the file was truncated after it was opened: it now has " + std::to_string(info.st_size) +
           " bytes, tensor '" + entry.name + "' ends at byte " + std::to_string(data_offset + entry.end));

    const std::uint64_t start = data_offset + entry.begin;
    if (type == detail::file_dtype_of(dtype)) {
      read_exactly(destination, entry.num_bytes(), start);
      // Any nonzero byte is true, as NumPy reads it; a C++ bool must hold 0 or 1.
      if (type == FileDType::Bool) {
        auto* bytes = static_cast<unsigned char*>(destination);
        for (std::uint64_t k = 0; k < entry.num_bytes(); ++k) bytes[k] = bytes[k] != 0;
      }
      return;
    }
    const std::size_t stored_size = detail::file_itemsize(type);
    const std::uint64_t count = entry.num_bytes() / stored_size;
    const std::uint64_t chunk = kDecodeChunk / stored_size;
    const std::uint64_t buffer_size = std::min(count, chunk) * stored_size;
    const auto buffer = std::make_unique_for_overwrite<unsigned char[]>(buffer_size);
    auto* out = static_cast<char*>(destination);
    for (std::uint64_t done = 0; done < count;) {
      const std::uint64_t n = std::min(chunk, count - done);
      read_exactly(buffer.get(), n * stored_size, start + done * stored_size);
      detail::decode_elements(type, buffer.get(), static_cast<std::int64_t>(n), out + done * itemsize(dtype));
      done += n;
    }
  }
};

SafetensorsFile::SafetensorsFile(const std::string& path) : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.path = path;
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  state.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (state.fd < 0) detail::throw_system_error("safetensors: cannot open", path, errno);
  struct stat info{};
  if (::fstat(state.fd, &info) != 0) detail::throw_system_error("safetensors: cannot stat", path, errno);
  if (!S_ISREG(info.st_mode)) throw InvalidArgument("safetensors '" + path + "': not a regular file");
  state.file_size = static_cast<std::uint64_t>(info.st_size);

  if (state.file_size < kLengthSize)
    state.fail("the file has " + std::to_string(state.file_size) +
               " bytes, fewer than the 8 of the header length");
  unsigned char length[kLengthSize];
  state.read_exactly(length, kLengthSize, 0);
  const std::uint64_t header_size = load_le64(length);
  if (header_size > detail::kMaxSafetensorsHeaderSize)
    state.fail("the header length " + std::to_string(header_size) + " exceeds the limit of " +
               std::to_string(detail::kMaxSafetensorsHeaderSize) + " bytes");
  if (header_size > state.file_size - kLengthSize)
    state.fail("the header length " + std::to_string(header_size) + " exceeds the " +
               std::to_string(state.file_size - kLengthSize) + " bytes that follow it");
  std::string header(header_size, '\0');
  state.read_exactly(header.data(), header.size(), kLengthSize);
  state.data_offset = kLengthSize + header_size;

  auto parsed = detail::parse_safetensors_header(path, header, state.file_size - state.data_offset);
  state.entries = std::move(parsed.entries);
  state.file_dtypes = std::move(parsed.file_dtypes);
  state.metadata = std::move(parsed.metadata);
  state.index.reserve(state.entries.size());
  for (std::size_t i = 0; i < state.entries.size(); ++i) state.index.emplace(state.entries[i].name, i);
}

SafetensorsFile::~SafetensorsFile() = default;
SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;

const std::string& SafetensorsFile::path() const { return checked(state_).path; }
const std::vector<SafetensorsEntry>& SafetensorsFile::entries() const { return checked(state_).entries; }
const Metadata& SafetensorsFile::metadata() const { return checked(state_).metadata; }
std::uint64_t SafetensorsFile::file_size() const { return checked(state_).file_size; }

bool SafetensorsFile::contains(const std::string& name) const { return checked(state_).index.contains(name); }

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
  const State& state = checked(state_);
  return state.entries[state.find(name)];
}

Tensor SafetensorsFile::tensor(const std::string& name) const {
  const State& state = checked(state_);
  const std::size_t i = state.find(name);
  Tensor out = Tensor::empty(state.entries[i].shape, state.readable_dtype(i), Device::cpu());
  state.read_tensor(i, out.raw_mutable_data());
  return out;
}

void SafetensorsFile::read_into(const std::string& name, Tensor& destination) const {
  const State& state = checked(state_);
  const std::size_t i = state.find(name);
  const SafetensorsEntry& entry = state.entries[i];
  const std::string op = "safetensors '" + state.path + "': read_into '" + name + "'";
  if (!destination.defined()) throw InvalidArgument(op + ": the destination is undefined");
  if (!(destination.shape() == entry.shape))
    throw InvalidArgument(op + ": the file holds shape " + entry.shape.to_string() +
                          " but the destination has shape " + destination.shape().to_string());
  if (!destination.is_contiguous()) throw InvalidArgument(op + ": the destination is not contiguous");
  const DType stored = state.readable_dtype(i);
  if (destination.device().is_cpu() && destination.dtype() == stored) {
    state.read_tensor(i, destination.raw_mutable_data());
    return;
  }
  Tensor value = tensor(name);
  if (value.dtype() != destination.dtype()) value = value.cast(destination.dtype());
  eager::detail::copy_into(destination, value.to(destination.device()), op.c_str());
}

std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata) {
  const SafetensorsFile file(path);
  std::map<std::string, Tensor> tensors;
  for (const SafetensorsEntry& entry : file.entries()) tensors.emplace(entry.name, file.tensor(entry.name));
  if (metadata) *metadata = file.metadata();
  return tensors;
}

}  // namespace eager::io
