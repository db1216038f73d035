// File caches of Dataset::cache and the element encoding they use.
#include "eager/data/detail/cache.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>

#include "eager/data/tfrecord.hpp"

namespace eager::data::detail {

void throw_corrupt_cache(const char* what) {
  throw DataLoss(fmt::format("cache: the cache file is corrupt or holds another element type ({})", what));
}

void encode_bytes(std::string_view bytes, std::string& out) {
  ElementCodec<std::uint64_t>::encode(bytes.size(), out);
  out.append(bytes);
}

std::string_view decode_bytes(std::string_view& in) {
  const std::uint64_t n = ElementCodec<std::uint64_t>::decode(in);
  if (n > in.size()) throw_corrupt_cache("string length");
  std::string_view bytes = in.substr(0, n);
  in.remove_prefix(n);
  return bytes;
}

void encode_tensor(const Tensor& t, std::string& out) {
  const Tensor host = t.cpu().contiguous();
  ElementCodec<std::uint8_t>::encode(std::uint8_t(host.dtype()), out);
  ElementCodec<std::uint32_t>::encode(std::uint32_t(host.rank()), out);
  for (int d = 0; d < host.rank(); ++d) ElementCodec<std::int64_t>::encode(host.dim(d), out);
  encode_bytes(std::string_view(static_cast<const char*>(host.raw_data()),
                                std::size_t(host.num_elements()) * itemsize(host.dtype())),
               out);
}

Tensor decode_tensor(std::string_view& in) {
  const std::uint8_t code = ElementCodec<std::uint8_t>::decode(in);
  if (code >= kNumDTypes) throw_corrupt_cache("dtype");
  const std::uint32_t rank = ElementCodec<std::uint32_t>::decode(in);
  if (rank > in.size() / sizeof(std::int64_t)) throw_corrupt_cache("rank");
  std::vector<std::int64_t> dims(rank);
  std::uint64_t elements = 1;
  for (auto& d : dims) {
    d = ElementCodec<std::int64_t>::decode(in);
    if (d < 0 || (d > 0 && elements > std::uint64_t(INT64_MAX) / std::uint64_t(d))) throw_corrupt_cache("dimension");
    elements *= std::uint64_t(d);
  }
  const DType dtype = DType(code);
  const std::string_view bytes = decode_bytes(in);
  if (elements > bytes.size() || bytes.size() != elements * itemsize(dtype)) throw_corrupt_cache("tensor size");
  Tensor t = Tensor::empty(Shape(dims), dtype, Device::cpu());
  if (!bytes.empty()) std::memcpy(t.raw_mutable_data(), bytes.data(), bytes.size());
  return t;
}

bool cache_file_exists(const std::string& filename) {
  std::error_code ec;
  return std::filesystem::is_regular_file(filename, ec);
}

struct CacheFileWriter::State {
  std::string filename;
  std::string temporary;
  std::optional<TFRecordWriter> writer;
  bool committed = false;
};

CacheFileWriter::CacheFileWriter(const std::string& filename) : state_(std::make_unique<State>()) {
  static std::atomic<int> counter{0};
  state_->filename = filename;
  state_->temporary = fmt::format("{}.tmp-{}-{}", filename, ::getpid(), counter++);
  state_->writer.emplace(state_->temporary);
}

CacheFileWriter::~CacheFileWriter() {
  if (state_->committed) return;
  state_->writer.reset();
  std::remove(state_->temporary.c_str());
}

void CacheFileWriter::write(std::string_view record) { state_->writer->write(record); }

void CacheFileWriter::commit() {
  if (state_->committed) return;
  state_->writer->close();
  std::error_code ec;
  std::filesystem::rename(state_->temporary, state_->filename, ec);
  if (ec)
    throw FailedPrecondition(fmt::format("cache: cannot rename '{}' to '{}': {}", state_->temporary, state_->filename,
                                         ec.message()));
  state_->committed = true;
}

struct CacheFileReader::State {
  explicit State(const std::string& filename) : reader(filename) {}
  TFRecordReader reader;
};

CacheFileReader::CacheFileReader(const std::string& filename) : state_(std::make_unique<State>(filename)) {}
CacheFileReader::~CacheFileReader() = default;
bool CacheFileReader::read(std::string& record) { return state_->reader.read(record); }

}  // namespace eager::data::detail
