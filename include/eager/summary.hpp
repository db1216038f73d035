#pragma once
// TensorBoard logs: tf.summary for eager. A FileWriter writes one event file
// in a log directory; `tensorboard --logdir <dir>` shows what it holds.
//
//   eager::summary::FileWriter writer("logs/train");     // tf.summary.create_file_writer
//   writer.scalar("loss", 0.25, step);                    // the Scalars dashboard
//   writer.histogram("layer1/weights", w, step);          // Histograms and Distributions
//   writer.image("inputs", batch_nhwc, step);             // Images (PNG)
//   writer.text("notes", "**markdown**", step);           // Text
//
//   auto scope = writer.as_default();                     // with writer.as_default():
//   eager::summary::scalar("accuracy", 0.9, step);        // tf.summary.scalar
//
// The file is what TensorFlow 2's tf.summary writes: a TFRecord file of
// tensorflow.Event protocol buffers, named
// events.out.tfevents.<10-digit unix seconds>.<hostname>.<pid>.<counter><suffix>,
// whose first record is Event{wall_time, file_version: "brain.Event:2"} and
// whose other records are Event{wall_time, step, summary{value{tag, tensor,
// metadata{plugin_data{plugin_name}}}}} in TF2's tensor form for the plugins
// "scalars", "histograms", "images" and "text". docs/tensorboard.md has the
// details and the reasons.
//
// Tags must be non-empty; tags, descriptions and text must be valid UTF-8
// (TensorBoard cannot decode anything else). Every rule broken is an
// InvalidArgument naming the call and the tag, thrown before anything is
// written.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "eager/tensor.hpp"

namespace eager::summary {

struct FileWriterOptions {
  // Records wait in memory until more than max_queue of them are pending,
  // then all go to the file (TensorFlow's rule; 0 writes each record at once).
  int max_queue = 10;
  // A background thread hands pending records to the file so that none waits
  // longer than this (seconds, > 0; infinity: never, and no thread is started).
  double flush_secs = 120;
  // Ends the file name. ".v2" is what tf.summary.create_file_writer appends;
  // must not contain '/'.
  std::string filename_suffix = ".v2";

  // For reproducible files (tests, fixtures); leave empty in programs.
  // Seconds since the Unix epoch, in [0, 1e10), for the file name and every
  // event's wall_time (default: the system clock). Called by the threads
  // that write, possibly at once.
  std::function<double()> wall_clock;
  // The host and process in the file name (default: gethostname(), getpid()).
  std::string hostname;
  std::optional<std::int64_t> pid;
};

class DefaultWriter;
namespace detail {
struct WriterState;
}

// tf.summary.create_file_writer: writes summaries to a new event file in a
// log directory. Safe to use from several threads at once. Movable, not
// copyable; a moved-from writer may only be destroyed, closed (which does
// nothing) or assigned to: its other methods throw FailedPrecondition.
//
// Records are buffered (see FileWriterOptions) and reach the file at flush(),
// close(), when the queue is full, and every flush_secs. They are handed to
// the operating system, not fsynced: a crashed process loses nothing flushed,
// a crashed machine may (TensorFlow fsyncs at every flush; logs do not need it).
//
// A write error (a full disk) breaks the writer: the call that met it throws
// (ResourceExhausted for a full disk, DataLoss otherwise, naming the file), as
// does every later call; an error met by the background thread is thrown by
// the next call instead.
class FileWriter {
 public:
  // Creates `logdir` and its parents when missing, then the event file in it,
  // and writes and flushes the file-version record, as TensorFlow does.
  // Throws InvalidArgument for an empty logdir or bad options,
  // FailedPrecondition when the directory or the file cannot be created
  // (naming the path and the system's reason).
  explicit FileWriter(const std::string& logdir, FileWriterOptions options = {});
  // Closes the writer; an error while doing so is swallowed (call close() to see it).
  ~FileWriter();
  FileWriter(FileWriter&&) noexcept;
  FileWriter& operator=(FileWriter&&) noexcept;
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // tf.summary.scalar: one number, stored as a float32 scalar tensor
  // (TensorFlow's dtype for scalar summaries) under plugin "scalars". NaN and
  // infinities are written as they are; TensorBoard shows them.
  void scalar(const std::string& tag, double value, std::int64_t step, const std::string& description = "");
  // The same for a tensor of one element (any numeric dtype, any device),
  // e.g. a loss.
  void scalar(const std::string& tag, const Tensor& value, std::int64_t step, const std::string& description = "");

  // tf.summary.histogram: the values (any dtype and shape, any device,
  // converted to float64) counted in `buckets` equal-width buckets from their
  // minimum to their maximum, as TensorBoard's histogram summary computes
  // them: a [buckets, 3] float64 tensor of (left edge, right edge, count)
  // under plugin "histograms". No values: all-zero rows; one distinct value:
  // every edge at that value and the whole count in the last bucket.
  // NaN and infinite values are refused (InvalidArgument naming the first one):
  // they have no bucket (TF1's histogram summary refuses them too; TF2's
  // computes meaningless edges). buckets is in [1, 65536]; TensorBoard
  // re-bins to a few dozen for display anyway.
  void histogram(const std::string& tag, const Tensor& values, std::int64_t step, int buckets = 30,
                 const std::string& description = "");

  // tf.summary.image: `images` is one image [height, width, channels] or a
  // batch [n, height, width, channels] (any device), channels 1 (gray),
  // 2 (gray + alpha), 3 (RGB) or 4 (RGBA), height and width at least 1. The
  // first max_outputs (>= 0) images are stored as PNG in a string tensor
  // [width, height, png...] under plugin "images"; TensorBoard shows each
  // under the one tag with a sample slider.
  // uint8 pixels are stored as they are; float32 and float64 pixels are
  // scaled as tf.image.convert_image_dtype(saturate=True) does: x * 255.5,
  // clamped to [0, 255], truncated (so [0, 1] maps onto 0..255). NaN pixels
  // are refused; other dtypes are refused (cast or scale them first).
  void image(const std::string& tag, const Tensor& images, std::int64_t step, int max_outputs = 3,
             const std::string& description = "");

  // An image that is already PNG or JPEG encoded, stored as image() stores
  // one. Its width and height are read from its header (PNG's IHDR, JPEG's
  // frame header); bytes that are neither are refused (InvalidArgument).
  void image_encoded(const std::string& tag, std::string encoded, std::int64_t step,
                     const std::string& description = "");

  // tf.summary.text: a string scalar tensor under plugin "text"; TensorBoard
  // renders it as Markdown. Must be valid UTF-8.
  void text(const std::string& tag, const std::string& text, std::int64_t step, const std::string& description = "");

  // Hands every pending record to the file. Throws FailedPrecondition after
  // close(), and the write errors described above.
  void flush();
  // Flushes, stops the background thread and closes the file. Later calls do
  // nothing; writing afterwards throws FailedPrecondition. Reports the write
  // errors described above (once).
  void close();

  // `with writer.as_default():` — makes this writer the default of the
  // calling thread (as tf.summary's default is per thread) until the
  // returned guard is destroyed, which restores the previous one.
  [[nodiscard]] DefaultWriter as_default();
  // writer.set_as_default(): makes this writer the calling thread's default
  // until another one is set (or an enclosing as_default() scope ends). The
  // default does not keep the writer open: once this writer is closed or
  // destroyed, the free functions below throw FailedPrecondition.
  void set_as_default();

  // The event file's path.
  const std::string& path() const;
  const std::string& logdir() const;

 private:
  friend class DefaultWriter;
  detail::WriterState& state(const char* op) const;
  std::shared_ptr<detail::WriterState> state_;
};

// A scope in which a writer is the calling thread's default writer (see
// FileWriter::as_default). Guards nest; each restores what it replaced.
class DefaultWriter {
 public:
  explicit DefaultWriter(FileWriter& writer);
  ~DefaultWriter();
  DefaultWriter(const DefaultWriter&) = delete;
  DefaultWriter& operator=(const DefaultWriter&) = delete;

 private:
  std::shared_ptr<detail::WriterState> previous_;
};

// tf.summary.scalar, histogram, image, text and flush without a writer: they
// use the calling thread's default writer and return true, or return false
// and do nothing when the thread has none (as TensorFlow's do). Arguments,
// rules and errors are those of the FileWriter methods of the same name.
bool scalar(const std::string& tag, double value, std::int64_t step, const std::string& description = "");
bool scalar(const std::string& tag, const Tensor& value, std::int64_t step, const std::string& description = "");
bool histogram(const std::string& tag, const Tensor& values, std::int64_t step, int buckets = 30,
               const std::string& description = "");
bool image(const std::string& tag, const Tensor& images, std::int64_t step, int max_outputs = 3,
           const std::string& description = "");
bool image_encoded(const std::string& tag, std::string encoded, std::int64_t step, const std::string& description = "");
bool text(const std::string& tag, const std::string& text, std::int64_t step, const std::string& description = "");
bool flush();

}  // namespace eager::summary
