#pragma once
// tf.io's file helpers and the file formats eager reads and writes:
// safetensors (eager/io/safetensors.hpp) and NumPy's .npy / .npz
// (eager/io/npy.hpp).
#include <string>
#include <string_view>

namespace eager::io {

// tf.io.read_file: the whole file as bytes. NotFound when it does not exist,
// InvalidArgument for a directory, DataLoss when reading fails midway.
std::string read_file(const std::string& path);

// tf.io.write_file: replaces the file with `contents`. The write is atomic and
// durable: the bytes go to a temporary file in the same directory, which is
// flushed to disk and renamed over `path`, and the directory is then flushed,
// so a crash leaves either the old file or the new one, never a mix.
// NotFound when the directory does not exist; Unavailable (with the system's
// reason) for other failures, in which case `path` is unchanged.
void write_file(const std::string& path, std::string_view contents);

}  // namespace eager::io
