#pragma once
// safetensors files: eager's checkpoint format, readable by Python's
// safetensors, PyTorch and NumPy. The byte-level rules are in
// docs/checkpoint-format.md:
//   [8 bytes: N, little-endian uint64][N bytes: JSON header][data]
// The header maps each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets into the data section) and may hold a
// "__metadata__" object of string to string.
//
//   eager::io::save_safetensors("model.safetensors", {{"w", w}, {"b", b}}, {{"step", "100"}});
//   eager::io::SafetensorsFile file("model.safetensors");   // header validated
//   eager::Tensor w2 = file.tensor("w");
//   file.read_into("b", b_variable_handle);                  // in place, no copy
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eager/dtype.hpp"
#include "eager/shape.hpp"
#include "eager/tensor.hpp"

namespace eager::io {

using Metadata = std::map<std::string, std::string>;

// One tensor as the header describes it.
struct SafetensorsEntry {
  std::string name;
  std::string file_dtype;      // as written in the header: "F32", "BF16", ...
  std::optional<DType> dtype;  // what tensor() returns; nullopt when eager cannot hold it (U64)
  Shape shape;
  std::uint64_t begin = 0;  // byte offsets into the data section
  std::uint64_t end = 0;
  std::uint64_t num_bytes() const { return end - begin; }
};

// Writes `tensors` (any device, any layout; a tensor that is not a
// contiguous CPU tensor is copied to one, one at a time; the others are
// written straight from their memory) and `metadata`. Names must be unique,
// non-empty and valid UTF-8, and "__metadata__" is reserved; metadata must be
// valid UTF-8 (InvalidArgument otherwise, before anything is written). The
// data is stored in safetensors' own order, not the order given: larger
// element types first, then by name, so every tensor is aligned to its
// element size; with at most one metadata entry the file is byte for byte
// what Python's safetensors writes. The save is atomic and durable: a
// temporary file, fsync, rename, fsync of the directory (see
// eager::io::write_file). NotFound when the directory does not exist,
// Unavailable for other system failures (the old file is then unchanged).
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const Metadata& metadata = {});

// A safetensors file opened for reading. The header and the file's size are
// validated when it is opened (every rule of docs/checkpoint-format.md;
// DataLoss naming the file and the rule broken, NotFound when it does not
// exist, InvalidArgument for a directory). The file stays open; a tensor is
// read with pread straight into its destination's memory, one copy from the
// page cache. A file replaced by rename (as every eager save does) while open
// is still read whole; one truncated in place by another program fails with
// DataLoss when a tensor it no longer holds is read. The const members may be
// called from several threads at once. Members of a moved-from object throw
// FailedPrecondition.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  const std::string& path() const;
  // In data order (ascending offsets), which for files eager writes is the
  // save order described at save_safetensors.
  const std::vector<SafetensorsEntry>& entries() const;
  const Metadata& metadata() const;
  bool contains(const std::string& name) const;
  // NotFound naming the tensor and the file.
  const SafetensorsEntry& entry(const std::string& name) const;

  // A new contiguous CPU tensor. Stored types eager lacks are widened
  // without loss (I8, I16, U16 -> int32; U32 -> int64; F16, BF16 ->
  // float32); U64 throws Unimplemented.
  Tensor tensor(const std::string& name) const;
  // Copies the tensor into `destination` in place, converting with cast()'s
  // rules when the dtypes differ (float64 saved, float32 variable). The
  // shapes must be equal (InvalidArgument naming both) and `destination`
  // contiguous (InvalidArgument); it may be on any device. A contiguous CPU
  // destination of the dtype tensor() would return is read into directly,
  // with no other copy; anything else goes through a temporary. U64 throws
  // Unimplemented. If the read fails midway (DataLoss: the file was
  // truncated after it was opened), `destination` holds part of the values.
  void read_into(const std::string& name, Tensor& destination) const;

  // The file's size in bytes when it was opened: 8 + header + data.
  std::uint64_t file_size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Every tensor of a file, by name, as tensor() reads them (so a U64 tensor
// throws Unimplemented); the file's metadata into `metadata` when given.
std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata = nullptr);

}  // namespace eager::io
