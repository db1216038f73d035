#pragma once
// The .npy codec, shared by .npy files (npy.cpp) and .npz members (npz.cpp).
// The format's rules and what eager refuses are in docs/npy.md.
#include <cstddef>
#include <string>

#include "eager/tensor.hpp"
#include "serialize/byte_source.hpp"

namespace eager::io::detail {

// Headers longer than this are refused on reading and never written. NumPy
// refuses more than 10000 characters unless told to trust the file; this
// limit only keeps a corrupt length field from asking for gigabytes.
inline constexpr std::size_t kMaxNpyHeaderLength = std::size_t{1} << 20;

// Decodes the one array that all of `source`'s bytes hold (a .npy file holds
// nothing else), into a new contiguous CPU tensor in C order. `context` begins
// every error message ("load_npy: 'w.npy'").
Tensor read_npy(ByteSource& source, const std::string& context);

// The bytes np.save writes before the data of a C-order array of `shape` and
// `dtype`: magic, version (1.0, or 2.0 for headers above 65535 bytes),
// header length and the header dict, space-padded and '\n'-terminated so that
// the data starts at a multiple of 64 bytes. `op` begins the message of the
// InvalidArgument thrown for shapes whose header would exceed
// kMaxNpyHeaderLength.
std::string npy_header(const Shape& shape, DType dtype, const std::string& op);

}  // namespace eager::io::detail
