#pragma once
// NumPy's .npy and .npz files (np.save / np.load / np.savez /
// np.savez_compressed). The formats, the dtype mapping and everything that is
// refused are described in docs/npy.md.
//
// A .npy file is one array:
//   "\x93NUMPY" major minor  header length (uint16 for 1.0, uint32 for 2.0/3.0)
//   header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//           padded with spaces and a final '\n' so that the data starts at a multiple of 64 bytes
//   data:   the elements in C (or, when fortran_order, Fortran) order
// A .npz file is a ZIP archive of .npy files, one member "<key>.npy" per array.
//
//   eager::io::save_npy("w.npy", w);                    // np.save("w.npy", w)
//   eager::Tensor w2 = eager::io::load_npy("w.npy");    // np.load("w.npy")
//   eager::io::save_npz("params.npz", {{"w", w}, {"b", b}}, /*compressed=*/true);
//   eager::Tensor b2 = eager::io::load_npz("params.npz").at("b");
//
// Reading validates every byte it relies on and never unpickles: object
// arrays are refused. Stored types eager lacks are widened without loss
// (int8, int16, uint16 -> int32; uint32 -> int64; float16 -> float32);
// big-endian data is byte-swapped and Fortran-order data is transposed, so
// every loaded tensor is a contiguous little-endian CPU tensor in C order.
//
// Errors: NotFound (no such file), InvalidArgument (a directory, bad keys or
// arrays to save), DataLoss (malformed or corrupted bytes: the message names
// the file, the member and the rule broken), Unimplemented (valid NumPy
// content eager cannot hold: object, structured, string, complex, datetime
// and uint64 arrays; encrypted or otherwise compressed ZIP members),
// Unavailable (a system error while reading or writing), ResourceExhausted
// (no memory for the array).
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eager/tensor.hpp"

namespace eager::io {

// np.save: writes `array` (any device, any layout; copied to the host and made
// contiguous as needed) as a .npy file, format version 1.0 (2.0 only when the
// header would exceed 65535 bytes), with the header NumPy itself writes, byte
// for byte. The save is atomic and durable (see eager::io::write_file).
void save_npy(const std::string& path, const Tensor& array);

// np.load of a .npy file: a new contiguous CPU tensor. The file is read with
// pread straight into the tensor's memory when no conversion is needed.
// Format versions 1.0, 2.0 and 3.0 are read. The data must be exactly as long
// as the header says: missing bytes and trailing bytes are both DataLoss
// (NumPy ignores trailing bytes; eager treats them as a sign of corruption).
Tensor load_npy(const std::string& path);

// The bytes save_npy writes.
std::string encode_npy(const Tensor& array);

// load_npy of bytes in memory; `source` names them in error messages
// ("weights.npy", "request body").
Tensor decode_npy(std::string_view bytes, const std::string& source);

// np.savez (compressed = false: members stored) or np.savez_compressed
// (compressed = true: deflate): one member "<key>.npy" per array, in the order
// given, each encoded as save_npy would. Keys must be non-empty and unique
// and at most 65531 bytes long (InvalidArgument). ZIP64 records are written
// when a member or offset reaches 4 GiB. Atomic and durable like save_npy.
void save_npz(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays,
              bool compressed = false);

// np.load of a .npz file: every member decoded as load_npy would, by key (the
// member name without its ".npy" suffix, as np.load(path)[key]). The ZIP
// archive is validated before any member is decoded: the central directory
// must agree with every local header and data descriptor, members may not
// overlap, names may not repeat, and only stored and deflated members are
// read (ZIP64 included). Each member's CRC-32 is checked and a deflated
// member must inflate to exactly its declared size.
std::map<std::string, Tensor> load_npz(const std::string& path);

}  // namespace eager::io
