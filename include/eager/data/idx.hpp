#pragma once
// Readers for the IDX format of the MNIST family of data sets
// (http://yann.lecun.com/exdb/mnist/): MNIST, Fashion-MNIST, EMNIST, KMNIST.
//
// An IDX file is a 4-byte magic number 0x00 0x00 <type> <rank>, then `rank`
// dimensions as big-endian 32-bit unsigned integers, then the elements in
// row-major order, big-endian. Files compressed with gzip (first bytes
// 0x1f 0x8b, as the data sets are distributed) are decompressed on the fly.
#include <string>

#include "eager/tensor.hpp"

namespace eager::data {

// Reads one IDX file, plain or gzip-compressed, into a contiguous CPU tensor
// whose shape is the file's dimensions (a rank-0 file gives a scalar).
//
// Element types and the dtype they become (eager has no 8- or 16-bit signed
// dtype, and int32 is the smallest one that holds every value exactly):
//   0x08 unsigned byte -> uint8     0x0C int32   -> int32
//   0x09 signed byte   -> int32     0x0D float32 -> float32
//   0x0B int16         -> int32     0x0E float64 -> float64
//
// Throws NotFound when the file cannot be opened, InvalidArgument when `path`
// is a directory, and DataLoss when its bytes are not a well-formed IDX file:
// a magic number not starting with two zero bytes, an unknown type code,
// dimensions whose product overflows, fewer or more data bytes than the
// dimensions call for, or a corrupt or truncated gzip stream. Nothing is
// allocated for the data before its size is known to be plausible for the
// file (exactly its size for a plain file; at most deflate's 1032:1 ratio for
// a gzip one).
Tensor read_idx(const std::string& path);

// The four files of an MNIST-layout directory.
struct MnistData {
  Tensor train_images;  // uint8 [N, rows, cols] (28 x 28 for MNIST and Fashion-MNIST)
  Tensor train_labels;  // uint8 [N]
  Tensor test_images;   // uint8 [M, rows, cols]
  Tensor test_labels;   // uint8 [M]
};

// Loads train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte from `directory`, each
// either as it is or with a .gz suffix (the uncompressed file is preferred
// when both exist).
//
// Throws NotFound when the directory or a file is missing (naming the paths
// tried), DataLoss when a file is malformed, is not uint8 of the expected
// rank (3 for images, 1 for labels), when the image and label counts of a
// split disagree, or when the train and test images differ in size.
MnistData load_mnist(const std::string& directory);

}  // namespace eager::data
