#pragma once
// The profiler: TensorFlow's tf.profiler.experimental.start / stop / Trace /
// Profile, and the eager replacement for TF1's
// RunOptions(trace_level=FULL_TRACE) + RunMetadata.
//
// While a session runs, every op records its name, the dtypes and shapes of
// its inputs, its device and its start and end times on the thread that ran
// it; gradient computations and optimizer updates record spans of their own,
// and user code adds spans with Annotation. stop() collects the events of
// every thread into a Trace, which writes the Chrome trace-event JSON that
// Perfetto (ui.perfetto.dev) and chrome://tracing open, and tabulates the
// time spent per op. When no session runs, an op pays one relaxed atomic load
// and a branch. docs/profiling.md shows a training loop being profiled.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eager::profiler {

// One span: an op, a gradient rule, an optimizer update or a user annotation.
// Times are nanoseconds of the steady clock since start(); spans of one
// thread nest (a composite op contains the ops it calls).
struct TraceEvent {
  std::string name;      // the op's TensorFlow name ("matmul", "reduce_sum") or the annotation's
  std::string category;  // "op", "gradient", "optimizer" or "user"
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::uint32_t thread = 0;  // the operating system's id of the recording thread
  // Where an op ran ("/device:CPU:0"); empty for spans not tied to a device.
  std::string device;
  // A device stream for events a device itself timed (future CUDA kernels),
  // -1 for events timed on the host thread. Chrome traces show each device as
  // a process of its own and each stream as one of its threads.
  std::int32_t stream = -1;
  // Key-value details: "inputs" (dtype and shape of each input, "float32(100, 784);
  // float32(784, 500)"), "shape" and "dtype" of created tensors, "step_num"...
  std::vector<std::pair<std::string, std::string>> args;

  std::int64_t duration_ns() const { return end_ns - start_ns; }
};

// A thread that recorded events, with the name the trace shows for it.
struct TraceThread {
  std::uint32_t id = 0;
  std::string name;
};

// Time per (category, name), as in TensorFlow's profiler tables. total_ns
// adds up the spans' durations; self_ns leaves out the time of the spans
// directly nested in them, so that summing self_ns over all rows gives the
// time covered by the outermost spans once.
struct OpStats {
  std::string name;
  std::string category;
  std::int64_t count = 0;
  std::int64_t total_ns = 0;
  std::int64_t self_ns = 0;
};

// The events of one session (what RunMetadata.step_stats held in TF1).
class Trace {
 public:
  Trace() = default;
  // A trace of the given events, for merging or building traces by hand.
  // Events are sorted by start time (an enclosing span before the spans it
  // contains). InvalidArgument when an event ends before it starts or names
  // a thread missing from `threads`.
  Trace(std::vector<TraceEvent> events, std::vector<TraceThread> threads);

  const std::vector<TraceEvent>& events() const { return events_; }
  const std::vector<TraceThread>& threads() const { return threads_; }

  // One row per (category, name), the largest self time first.
  std::vector<OpStats> op_stats() const;

  // op_stats() as a text table: category, name, count, total and self time
  // in milliseconds, mean time per call in microseconds and each row's share
  // of the summed self time, followed by the totals.
  std::string summary() const;

  // The Trace Event Format's JSON object: {"displayTimeUnit": "ns",
  // "traceEvents": [...]} with one complete event ("ph": "X", "ts" and "dur"
  // in microseconds with nanosecond decimals) per span, its category, and
  // its device and args under "args". Host events belong to process 1
  // ("/host:CPU") and the thread that recorded them; device-timed events
  // (stream >= 0) to one process per device, numbered from 2, and to their
  // stream. Metadata events ("ph": "M") name every process and thread.
  // Strings are escaped; bytes that are not UTF-8 become U+FFFD.
  std::string chrome_json() const;

  // Writes chrome_json() to `path` atomically and durably (io::write_file,
  // whose errors it throws). Open the file in ui.perfetto.dev or chrome://tracing.
  void save_chrome_trace(const std::string& path) const;

 private:
  std::vector<TraceEvent> events_;
  std::vector<TraceThread> threads_;
};

// tf.profiler.experimental.start: starts recording on every thread.
// AlreadyExists when a session is already running (as in TensorFlow).
void start();

// tf.profiler.experimental.stop: stops recording and returns the events that
// every thread completed since start(), threads that have exited included.
// Spans still open at this moment (an op running on another thread, an
// Annotation around the call) are left out. Unavailable when no session runs.
Trace stop();

// Whether a session is running.
bool is_active();

// Names the calling thread in traces (Chrome's thread_name metadata). A
// thread that never calls it is shown with the name the operating system
// gave it (pthread_setname_np) when that differs from the main thread's,
// otherwise as "main" or "thread". Lasts for the life of the thread, across
// sessions.
void set_thread_name(std::string_view name);

// tf.profiler.experimental.Trace: a user span ("user" category) from
// construction to destruction, recorded only when a session was running at
// construction. It must end on the thread that began it (one destroyed on
// another thread is dropped from the trace). Spans nest with the ops they
// enclose:
//   for (int step = 0; step < steps; ++step) {
//     eager::profiler::Annotation annotation("train", step);
//     ...
//   }
class Annotation {
 public:
  explicit Annotation(std::string_view name);
  // With the argument "step_num", as Trace(name, step_num=step).
  Annotation(std::string_view name, std::int64_t step_num);
  // With arbitrary key-value arguments, shown under the span's args.
  Annotation(std::string_view name, std::vector<std::pair<std::string, std::string>> args);
  ~Annotation();
  Annotation(const Annotation&) = delete;
  Annotation& operator=(const Annotation&) = delete;

 private:
  void begin(std::string_view name, std::vector<std::pair<std::string, std::string>> args);

  std::uint64_t session_ = 0;  // 0: not recording
  std::size_t index_ = 0;
  const void* buffer_ = nullptr;  // the recording thread's
};

// tf.profiler.experimental.Profile: starts a session on construction and,
// on destruction, stops it and saves its Chrome trace to `path`.
//   {
//     eager::profiler::Profile profile("/tmp/train.trace.json");
//     for (int step = 0; step < 20; ++step) train_step();
//   }
class Profile {
 public:
  // Starts a session; AlreadyExists when one is already running.
  explicit Profile(std::string path);
  // Stops the session and saves the trace, unless stop() was called or the
  // session was stopped through profiler::stop(). A destructor cannot throw:
  // a failure to save is reported on stderr (call stop() to handle it), and
  // while an exception unwinds the stack the trace is discarded unsaved.
  ~Profile();
  Profile(const Profile&) = delete;
  Profile& operator=(const Profile&) = delete;

  // Stops the session, saves the trace to the path and returns it. Throws
  // FailedPrecondition when this profile's session is no longer running,
  // and io::write_file's errors.
  Trace stop();

 private:
  std::string path_;
  std::uint64_t session_ = 0;  // 0 once stopped
  int uncaught_exceptions_ = 0;
};

}  // namespace eager::profiler
