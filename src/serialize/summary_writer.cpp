// The event file writer behind eager::summary. Every call builds its record
// (an Event around one summary value) on the calling thread, then appends it
// to the TFRecord writer under the writer's mutex; the TFRecord writer's
// buffer is the queue, and a flush hands it to the operating system.
#include "eager/summary.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "eager/data/tfrecord.hpp"
#include "eager/error.hpp"
#include "event.pb.h"
#include "summary_values.hpp"

namespace eager::summary {
namespace detail {
namespace {

// TensorFlow's EventsWriter: kVersionPrefix "brain.Event:" and kCurrentVersion 2.
constexpr const char* kFileVersion = "brain.Event:2";
constexpr const char* kSourceWriter = "eager.summary.FileWriter";
// The background thread sleeps at most this long at a time, so that a huge
// flush_secs never overflows the clock's arithmetic.
constexpr std::chrono::seconds kLongestWait(3600);

std::string in_quotes(const std::string& text) { return "'" + text + "'"; }

double system_wall_time() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void check_options(const FileWriterOptions& options) {
  if (options.max_queue < 0)
    throw InvalidArgument("summary::FileWriter: max_queue must be >= 0, got " + std::to_string(options.max_queue));
  if (!(options.flush_secs > 0))
    throw InvalidArgument("summary::FileWriter: flush_secs must be > 0 (infinity: never), got " +
                          std::to_string(options.flush_secs));
  if (options.filename_suffix.find_first_of(std::string("/\0", 2)) != std::string::npos)
    throw InvalidArgument("summary::FileWriter: filename_suffix " + in_quotes(options.filename_suffix) +
                          " must not contain '/' or NUL");
  const bool bad_hostname =
      options.hostname.find_first_of(std::string("/\0", 2)) != std::string::npos || options.hostname == "." ||
      options.hostname == "..";
  if (bad_hostname)
    throw InvalidArgument("summary::FileWriter: hostname " + in_quotes(options.hostname) +
                          " must not contain '/' or NUL");
  if (options.pid && *options.pid < 0)
    throw InvalidArgument("summary::FileWriter: pid must be >= 0, got " + std::to_string(*options.pid));
}

void create_logdir(const std::string& logdir) {
  if (logdir.empty()) throw InvalidArgument("summary::FileWriter: logdir must not be empty");
  std::error_code error;
  std::filesystem::create_directories(logdir, error);
  if (!error && !std::filesystem::is_directory(logdir, error))
    error = std::make_error_code(std::errc::not_a_directory);
  if (error)
    throw FailedPrecondition("summary::FileWriter: cannot create the log directory " + in_quotes(logdir) + ": " +
                             error.message());
}

}  // namespace

struct WriterState {
  WriterState(const std::string& logdir_in, FileWriterOptions options)
      : logdir(logdir_in),
        max_queue(options.max_queue),
        flush_period(options.flush_secs),
        wall_clock(options.wall_clock ? std::move(options.wall_clock) : system_wall_time) {
    check_options(options);
    create_logdir(logdir);
    static std::atomic<std::int64_t> writers_created{0};
    const double now = wall_clock();
    if (!(now >= 0 && now < 1e10))  // ten digits in the name, as TensorFlow's: until the year 2286
      throw InvalidArgument("summary::FileWriter: the wall clock gave " + std::to_string(now) +
                            " seconds, outside [0, 1e10)");
    const auto seconds = static_cast<long long>(std::floor(now));
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%010lld", seconds);
    const std::string hostname = options.hostname.empty() ? host_name() : options.hostname;
    const std::int64_t pid = options.pid.value_or(static_cast<std::int64_t>(::getpid()));
    path = (std::filesystem::path(logdir) / "events.out.tfevents.").string() + stamp + "." + hostname + "." +
           std::to_string(pid) + "." + std::to_string(writers_created++) + options.filename_suffix;
    try {
      file.emplace(path);
    } catch (const Error& e) {
      throw FailedPrecondition(std::string("summary::FileWriter: cannot create the event file: ") + e.what());
    }
    tensorboard::Event first;
    first.set_wall_time(static_cast<double>(seconds));  // whole seconds, as TensorFlow's first record
    first.set_file_version(kFileVersion);
    first.mutable_source_metadata()->set_writer(kSourceWriter);
    file->write(first.SerializeAsString());
    file->flush();
    last_flush = std::chrono::steady_clock::now();
    if (std::isfinite(options.flush_secs)) flusher = std::thread([this] { run_flusher(); });
  }

  ~WriterState() { close_quietly(); }
  WriterState(const WriterState&) = delete;
  WriterState& operator=(const WriterState&) = delete;

  // Wraps the value in an Event and queues it.
  void write(const std::string& where, const std::string& tag, const std::string& description,
             tensorboard::Summary::Value value, std::int64_t step) {
    tensorboard::Event event;
    event.set_wall_time(wall_clock());
    event.set_step(step);
    value.set_tag(tag);
    if (!description.empty()) value.mutable_metadata()->set_summary_description(description);
    *event.mutable_summary()->add_value() = std::move(value);
    const std::string record = event.SerializeAsString();

    std::lock_guard lock(mutex);
    check_usable(where);
    guarded([&] { file->write(record); });
    if (++pending > max_queue)
      flush_locked();
    else if (pending == 1)
      wake.notify_one();  // the background thread sleeps while nothing is pending
  }

  void flush(const std::string& where) {
    std::lock_guard lock(mutex);
    check_usable(where);
    flush_locked();
  }

  void close() {
    // One closer at a time: the first joins the thread, the others find it done.
    std::lock_guard closing(close_mutex);
    {
      std::lock_guard lock(mutex);
      if (closed) return;
      closed = true;
    }
    wake.notify_all();
    if (flusher.joinable()) flusher.join();
    std::lock_guard lock(mutex);
    try {
      file->close();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
    if (failure && !failure_reported) {
      failure_reported = true;
      std::rethrow_exception(failure);
    }
  }

  void close_quietly() noexcept {
    try {
      close();
    } catch (...) {
      // Documented: destruction cannot report; close() does.
    }
  }

  const std::string logdir;
  std::string path;

 private:
  void check_usable(const std::string& where) {
    if (closed) throw FailedPrecondition(where + ": the writer of " + in_quotes(path) + " is closed");
    if (failure) {
      failure_reported = true;
      std::rethrow_exception(failure);
    }
  }

  // Runs a file operation; its error breaks the writer for good, since the
  // file may now end inside a record.
  template <class Operation>
  void guarded(Operation&& operation) {
    try {
      operation();
    } catch (...) {
      failure = std::current_exception();
      throw;
    }
  }

  void flush_locked() {
    guarded([&] { file->flush(); });
    pending = 0;
    last_flush = std::chrono::steady_clock::now();
  }

  // Flushes whatever is pending once flush_period has passed since the last
  // flush, so that no record waits longer than that; sleeps while nothing is
  // pending, so an idle writer costs no wake-ups.
  void run_flusher() {
    std::unique_lock lock(mutex);
    while (!closed) {
      if (pending == 0 || failure) {
        wake.wait(lock);
        continue;
      }
      const auto waited = std::chrono::steady_clock::now() - last_flush;
      if (waited >= flush_period) {
        try {
          flush_locked();
        } catch (...) {
          // Kept in `failure`; the next call on the writer throws it.
        }
        continue;
      }
      const auto remaining = std::chrono::duration<double>(flush_period) - waited;
      wake.wait_for(lock, std::min<std::chrono::duration<double>>(remaining, kLongestWait));
    }
  }

  const int max_queue;
  const std::chrono::duration<double> flush_period;
  const std::function<double()> wall_clock;

  std::mutex close_mutex;
  std::mutex mutex;
  std::condition_variable wake;
  std::optional<data::TFRecordWriter> file;
  int pending = 0;
  bool closed = false;
  std::exception_ptr failure;
  bool failure_reported = false;
  std::chrono::steady_clock::time_point last_flush;
  std::thread flusher;  // last: started when everything it reads exists
};

namespace {

thread_local std::shared_ptr<WriterState> default_writer;

void check_text(const std::string& where, const char* what, const std::string& text) {
  if (!is_valid_utf8(text)) throw InvalidArgument(where + ": the " + std::string(what) + " is not valid UTF-8");
}

// Checks the tag and description, builds the value (make_value(where)) and
// writes it.
template <class MakeValue>
void write_value(WriterState& state, const char* call, const std::string& tag, const std::string& description,
                 std::int64_t step, MakeValue&& make_value) {
  const std::string where = std::string(call) + " (tag " + in_quotes(tag) + ")";
  if (tag.empty()) throw InvalidArgument(std::string(call) + ": the tag must not be empty");
  check_text(where, "tag", tag);
  check_text(where, "description", description);
  state.write(where, tag, description, make_value(where), step);
}

// The summary operations, shared by the FileWriter methods and the free
// functions that use the default writer.

void scalar(WriterState& state, const std::string& tag, double value, std::int64_t step,
            const std::string& description) {
  write_value(state, "summary::scalar", tag, description, step,
              [&](const std::string&) { return scalar_value(static_cast<float>(value)); });
}

void scalar(WriterState& state, const std::string& tag, const Tensor& value, std::int64_t step,
            const std::string& description) {
  write_value(state, "summary::scalar", tag, description, step, [&](const std::string& where) {
    if (value.num_elements() != 1)
      throw InvalidArgument(where + ": a scalar summary needs a tensor of one element, got " +
                            std::string(dtype_name(value.dtype())) + value.shape().to_string());
    return scalar_value(value.item<float>());
  });
}

void histogram(WriterState& state, const std::string& tag, const Tensor& values, std::int64_t step, int buckets,
               const std::string& description) {
  write_value(state, "summary::histogram", tag, description, step,
              [&](const std::string& where) { return histogram_value(where, values, buckets); });
}

void image(WriterState& state, const std::string& tag, const Tensor& images, std::int64_t step, int max_outputs,
           const std::string& description) {
  write_value(state, "summary::image", tag, description, step,
              [&](const std::string& where) { return image_value(where, images, max_outputs); });
}

void image_encoded(WriterState& state, const std::string& tag, std::string encoded, std::int64_t step,
                   const std::string& description) {
  write_value(state, "summary::image_encoded", tag, description, step,
              [&](const std::string& where) { return encoded_image_value(where, std::move(encoded)); });
}

void text(WriterState& state, const std::string& tag, const std::string& text, std::int64_t step,
          const std::string& description) {
  write_value(state, "summary::text", tag, description, step, [&](const std::string& where) {
    check_text(where, "text", text);
    return text_value(text);
  });
}

// Runs `operation` on the calling thread's default writer, if it has one.
template <class Operation>
bool on_default_writer(Operation&& operation) {
  if (!default_writer) return false;
  operation(*default_writer);
  return true;
}

}  // namespace
}  // namespace detail

// ---- FileWriter -----------------------------------------------------------------

FileWriter::FileWriter(const std::string& logdir, FileWriterOptions options)
    : state_(std::make_shared<detail::WriterState>(logdir, std::move(options))) {}

FileWriter::~FileWriter() {
  if (state_) state_->close_quietly();
}

FileWriter::FileWriter(FileWriter&&) noexcept = default;

FileWriter& FileWriter::operator=(FileWriter&& other) noexcept {
  if (this != &other) {
    if (state_) state_->close_quietly();
    state_ = std::move(other.state_);
  }
  return *this;
}

detail::WriterState& FileWriter::state(const char* op) const {
  if (!state_) throw FailedPrecondition(std::string(op) + ": the FileWriter was moved from");
  return *state_;
}

void FileWriter::scalar(const std::string& tag, double value, std::int64_t step, const std::string& description) {
  detail::scalar(state("summary::scalar"), tag, value, step, description);
}

void FileWriter::scalar(const std::string& tag, const Tensor& value, std::int64_t step,
                        const std::string& description) {
  detail::scalar(state("summary::scalar"), tag, value, step, description);
}

void FileWriter::histogram(const std::string& tag, const Tensor& values, std::int64_t step, int buckets,
                           const std::string& description) {
  detail::histogram(state("summary::histogram"), tag, values, step, buckets, description);
}

void FileWriter::image(const std::string& tag, const Tensor& images, std::int64_t step, int max_outputs,
                       const std::string& description) {
  detail::image(state("summary::image"), tag, images, step, max_outputs, description);
}

void FileWriter::image_encoded(const std::string& tag, std::string encoded, std::int64_t step,
                               const std::string& description) {
  detail::image_encoded(state("summary::image_encoded"), tag, std::move(encoded), step, description);
}

void FileWriter::text(const std::string& tag, const std::string& text, std::int64_t step,
                      const std::string& description) {
  detail::text(state("summary::text"), tag, text, step, description);
}

void FileWriter::flush() { state("summary::FileWriter::flush").flush("summary::FileWriter::flush"); }

void FileWriter::close() {
  if (state_) state_->close();
}

DefaultWriter FileWriter::as_default() { return DefaultWriter(*this); }

void FileWriter::set_as_default() {
  state("summary::FileWriter::set_as_default");
  detail::default_writer = state_;
}

const std::string& FileWriter::path() const { return state("summary::FileWriter::path").path; }
const std::string& FileWriter::logdir() const { return state("summary::FileWriter::logdir").logdir; }

// ---- the default writer -----------------------------------------------------------

DefaultWriter::DefaultWriter(FileWriter& writer) {
  writer.state("summary::FileWriter::as_default");
  previous_ = std::exchange(detail::default_writer, writer.state_);
}

DefaultWriter::~DefaultWriter() { detail::default_writer = std::move(previous_); }

bool scalar(const std::string& tag, double value, std::int64_t step, const std::string& description) {
  return detail::on_default_writer([&](detail::WriterState& s) { detail::scalar(s, tag, value, step, description); });
}

bool scalar(const std::string& tag, const Tensor& value, std::int64_t step, const std::string& description) {
  return detail::on_default_writer([&](detail::WriterState& s) { detail::scalar(s, tag, value, step, description); });
}

bool histogram(const std::string& tag, const Tensor& values, std::int64_t step, int buckets,
               const std::string& description) {
  return detail::on_default_writer(
      [&](detail::WriterState& s) { detail::histogram(s, tag, values, step, buckets, description); });
}

bool image(const std::string& tag, const Tensor& images, std::int64_t step, int max_outputs,
           const std::string& description) {
  return detail::on_default_writer(
      [&](detail::WriterState& s) { detail::image(s, tag, images, step, max_outputs, description); });
}

bool image_encoded(const std::string& tag, std::string encoded, std::int64_t step, const std::string& description) {
  return detail::on_default_writer(
      [&](detail::WriterState& s) { detail::image_encoded(s, tag, std::move(encoded), step, description); });
}

bool text(const std::string& tag, const std::string& text, std::int64_t step, const std::string& description) {
  return detail::on_default_writer([&](detail::WriterState& s) { detail::text(s, tag, text, step, description); });
}

bool flush() {
  return detail::on_default_writer([](detail::WriterState& s) { s.flush("summary::flush"); });
}

}  // namespace eager::summary
