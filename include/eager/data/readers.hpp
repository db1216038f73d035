#pragma once
// Datasets read from files: text lines, TFRecord records, and list_files to
// find the files. Files are opened when a pass reaches them, so a missing or
// corrupt file is an exception during iteration (NotFound / DataLoss, naming
// the file), as in TF.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eager/data/dataset.hpp"
#include "eager/data/tfrecord.hpp"

namespace eager::data {

// tf.data.TextLineDataset: the lines of each file in turn, without their
// line endings ("\n" or "\r\n"); a last line without a newline still counts.
// num_parallel_reads > 1 (or AUTOTUNE) reads that many files at once and
// interleaves their lines one by one, as TF does.
class TextLineDataset : public Dataset<std::string> {
 public:
  explicit TextLineDataset(std::vector<std::string> filenames, int num_parallel_reads = 1);
  explicit TextLineDataset(const std::string& filename) : TextLineDataset(std::vector<std::string>{filename}) {}
};

// tf.data.TFRecordDataset: the records of each file in turn, CRC-checked.
// num_parallel_reads as for TextLineDataset.
class TFRecordDataset : public Dataset<std::string> {
 public:
  explicit TFRecordDataset(std::vector<std::string> filenames, TFRecordOptions options = {},
                           int num_parallel_reads = 1);
  explicit TFRecordDataset(const std::string& filename, TFRecordOptions options = {})
      : TFRecordDataset(std::vector<std::string>{filename}, options) {}
};

// The files matching a glob pattern, sorted by path. Patterns use `*` (any
// characters except '/'), `?` (one character), `[abc]`, `[a-z]`, `[!abc]`,
// and `**` as a whole path component (any number of directories, including
// none; symbolic links to directories are not followed under it; a trailing
// `**` matches every file below). Matching happens now, when the dataset is made; no match throws
// NotFound naming the pattern. With shuffle (TF's default is true; eager's is
// false, so that pipelines are reproducible unless asked), the order is
// shuffled once per pass with `seed`.
Dataset<std::string> list_files(const std::string& pattern, bool shuffle = false,
                                std::optional<std::int64_t> seed = std::nullopt);
Dataset<std::string> list_files(const std::vector<std::string>& patterns, bool shuffle = false,
                                std::optional<std::int64_t> seed = std::nullopt);

// The sorted paths matching a glob pattern (as list_files), possibly none.
std::vector<std::string> glob(const std::string& pattern);

}  // namespace eager::data
