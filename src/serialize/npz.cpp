// .npz files: a ZIP archive (zip.hpp) of .npy members (npy_format.hpp), as
// np.savez, np.savez_compressed and np.load make and read them.
#include <set>
#include <string_view>

#include "eager/error.hpp"
#include "eager/io/npy.hpp"
#include "serialize/durable_file.hpp"
#include "serialize/npy_format.hpp"
#include "serialize/zip.hpp"

namespace eager::io {
namespace {

constexpr std::string_view kSuffix = ".npy";
// A ZIP name field holds 65535 bytes, suffix included.
constexpr std::size_t kMaxKeyLength = 0xffff - kSuffix.size();

}  // namespace

void save_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays, bool compressed) {
  const std::string context = std::string(compressed ? "save_npz (compressed)" : "save_npz") + ": '" + path + "'";
  std::set<std::string_view> keys;
  for (const auto& [key, array] : arrays) {
    if (key.empty()) throw InvalidArgument(context + ": an array has an empty key");
    if (key.size() > kMaxKeyLength)
      throw InvalidArgument(context + ": the key of " + std::to_string(key.size()) + " bytes is longer than " +
                            std::to_string(kMaxKeyLength) + " (ZIP's limit for a member name, with '.npy')");
    if (!keys.insert(key).second) throw InvalidArgument(context + ": the key '" + key + "' appears twice");
    if (!array.defined())
      throw InvalidArgument(context + ": the tensor for '" + key + "' is undefined (default-constructed)");
  }
  detail::DurableFile file(path);
  detail::ZipWriter zip(file);
  for (const auto& [key, array] : arrays) {
    const Tensor host = array.cpu().contiguous();
    const std::string header = detail::npy_header(host.shape(), host.dtype(), context + ": '" + key + "'");
    const std::string_view data(static_cast<const char*>(host.raw_data()),
                                static_cast<std::size_t>(host.num_elements()) * itemsize(host.dtype()));
    zip.add(key + std::string(kSuffix), {header, data},
            compressed ? detail::ZipMethod::Deflated : detail::ZipMethod::Stored);
  }
  zip.finish();
  file.commit();
}

std::map<std::string, Tensor> load_npz(const std::string& path) {
  const detail::ZipReader zip(path, "load_npz");
  std::map<std::string, Tensor> arrays;
  for (const detail::ZipEntry& entry : zip.entries()) {
    const std::string context = "load_npz: '" + path + "' member '" + entry.name + "'";
    const bool suffixed = entry.name.ends_with(kSuffix);
    std::string key = suffixed ? entry.name.substr(0, entry.name.size() - kSuffix.size()) : entry.name;
    if (arrays.count(key))
      throw DataLoss(context + ": its key '" + key + "' is also the key of another member ('" + key + "' and '" + key +
                     std::string(kSuffix) + "' both exist)");
    const std::unique_ptr<detail::ByteSource> source = zip.open(entry, context);
    arrays.emplace(std::move(key), detail::read_npy(*source, context));
  }
  return arrays;
}

}  // namespace eager::io
