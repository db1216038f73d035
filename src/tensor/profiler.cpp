// The profiler: per-thread event buffers, sessions, and the Trace's tables
// and Chrome trace-event JSON.
//
// Each thread that records gets a buffer, registered once under the
// registry's mutex. A span is appended to its thread's buffer when it begins
// (so a thread's events are in start order, enclosing spans first) and its
// end time is written in place when it ends; both take only the buffer's own
// mutex, which no other thread touches until stop() collects. Every event
// belongs to the session that was running when it began: a span that ends
// after its session was collected finds its buffer emptied or reused and is
// dropped, so nothing recorded before start() or after stop() leaks into a
// trace.
//
// Recording allocates nothing per event in the steady state: op names and
// categories are kept as pointers to their literals, devices as values, and
// the rest (annotation names, the inputs' dtypes and shapes, user arguments)
// is written into one growing text buffer per thread. stop() turns them into
// TraceEvents.
#include "eager/profiler.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <tuple>

#include "eager/error.hpp"
#include "eager/io.hpp"
#include "trace_scope.hpp"

namespace eager::profiler {

namespace detail {
constinit std::atomic<std::uint64_t> running_session{0};
constinit std::atomic<bool> log_device_placement{false};

void log_placement(const char* op, Device device) {
  // One write per line, so lines of concurrent ops do not interleave.
  const std::string line = std::string("Executing op ") + op + " in device " + device.name() + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}
}

namespace {

using detail::OpenSpan;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A span as recorded. Its text, [text_begin, text_end) of the thread's text
// buffer, holds length-prefixed pieces: the name when `name` is null, then
// key and value of each argument.
struct RawEvent {
  const char* name;
  const char* category;
  std::int64_t start_ns;
  std::int64_t end_ns;  // < 0 while the span is open
  std::size_t text_begin;
  std::size_t text_end;
  Device device;
  bool has_device;
};

struct ThreadBuffer {
  std::mutex mutex;
  std::uint64_t session = 0;  // the session of `events`
  std::vector<RawEvent> events;
  std::string text;
  TraceThread thread;
  bool exited = false;  // the thread is gone; the buffer goes once collected
};

struct Registry {
  std::mutex mutex;  // buffers, last_session, origin_ns; taken before any buffer's mutex
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  std::uint64_t last_session = 0;
  std::int64_t origin_ns = 0;  // the running session's start
};

// Leaked on purpose, like the allocator: threads may record while static
// objects are being destroyed.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// The calling thread's buffer. The registry shares it, so the events of a
// thread that exits stay until they are collected.
struct ThreadSlot {
  std::shared_ptr<ThreadBuffer> buffer;
  std::string name;  // from set_thread_name
  ~ThreadSlot();
};
thread_local ThreadSlot t_slot;
// Trivially destructible, so it can still be read while the thread's other
// thread_local objects are destroyed (one of them might run an op).
thread_local bool t_slot_destroyed = false;

ThreadSlot::~ThreadSlot() {
  t_slot_destroyed = true;
  if (!buffer) return;
  std::lock_guard lock(buffer->mutex);
  buffer->exited = true;
}

std::string default_thread_name(std::uint32_t id) {
  if (!t_slot.name.empty()) return t_slot.name;
  // Threads inherit the name of the thread that made them, which starts as
  // the program's; a different name was given on purpose (pthread_setname_np).
  char os_name[16] = {};
  const std::string_view program = std::string_view(program_invocation_short_name).substr(0, sizeof os_name - 1);
  if (pthread_getname_np(pthread_self(), os_name, sizeof os_name) == 0 && os_name[0] != '\0' && os_name != program)
    return os_name;
  return static_cast<pid_t>(id) == getpid() ? "main" : "thread";
}

ThreadBuffer& this_thread_buffer() {
  if (!t_slot.buffer) {
    auto buffer = std::make_shared<ThreadBuffer>();
    buffer->thread.id = static_cast<std::uint32_t>(gettid());
    buffer->thread.name = default_thread_name(buffer->thread.id);
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.buffers.push_back(buffer);
    t_slot.buffer = std::move(buffer);
  }
  return *t_slot.buffer;
}

// ---- the text of an event -----------------------------------------------------------------

using PieceLength = std::uint32_t;

// Starts a piece whose length is filled in by end_piece.
std::size_t begin_piece(std::string& text) {
  text.append(sizeof(PieceLength), '\0');
  return text.size();
}

void end_piece(std::string& text, std::size_t start) {
  const auto length = static_cast<PieceLength>(text.size() - start);
  std::memcpy(text.data() + start - sizeof length, &length, sizeof length);
}

void append_piece(std::string& text, std::string_view piece) {
  const std::size_t start = begin_piece(text);
  text += piece;
  end_piece(text, start);
}

std::string_view read_piece(const std::string& text, std::size_t& pos) {
  PieceLength length;
  std::memcpy(&length, text.data() + pos, sizeof length);
  pos += sizeof length;
  const std::string_view piece(text.data() + pos, length);
  pos += length;
  return piece;
}

void append_integer(std::string& text, std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  text.append(digits, result.ptr);
}

// As Shape::to_string: "(2, 3)", "(5,)", "()".
void append_shape(std::string& text, const Shape& shape) {
  text += '(';
  for (int d = 0; d < shape.rank(); ++d) {
    if (d > 0) text += ", ";
    append_integer(text, shape[d]);
  }
  text += shape.rank() == 1 ? ",)" : ")";
}

// "float32(100, 784); int64(100,)".
template <class Tensors, class Get> void append_inputs(std::string& text, const Tensors& inputs, Get get) {
  append_piece(text, "inputs");
  const std::size_t start = begin_piece(text);
  bool first = true;
  for (const auto& input : inputs) {
    if (!std::exchange(first, false)) text += "; ";
    const Tensor& t = get(input);
    if (!t.defined()) {
      text += "undefined";
      continue;
    }
    text += dtype_name(t.dtype());
    append_shape(text, t.shape());
  }
  end_piece(text, start);
}

template <class Tensors, class Get> const Device* first_device(const Tensors& inputs, Get get) {
  for (const auto& input : inputs)
    if (get(input).defined()) return &get(input).impl().device;
  return nullptr;
}

// Appends a span to the calling thread's buffer: `name` (null when
// write_text writes it as the first piece), `device` (may be null), and the
// pieces write_text(std::string&) appends.
template <class WriteText>
OpenSpan begin_event(const char* name, const char* category, const Device* device, const WriteText& write_text) {
  if (t_slot_destroyed) return {};
  ThreadBuffer& buffer = this_thread_buffer();
  std::lock_guard lock(buffer.mutex);
  // Read under the buffer's mutex: stop() clears the session before it takes
  // this mutex to collect, so an event either makes it into the collection
  // or sees that the session is over.
  const std::uint64_t session = detail::running_session.load(std::memory_order_acquire);
  if (session == 0) return {};
  if (buffer.session != session) {
    buffer.events.clear();
    buffer.text.clear();
    buffer.session = session;
  }
  const std::size_t text_begin = buffer.text.size();
  write_text(buffer.text);
  buffer.events.push_back(RawEvent{name, category, 0, -1, text_begin, buffer.text.size(),
                                   device ? *device : Device(), device != nullptr});
  buffer.events.back().start_ns = now_ns();
  return {session, buffer.events.size() - 1, &buffer};
}

TraceEvent to_trace_event(const RawEvent& raw, const std::string& text, std::int64_t origin_ns,
                          std::uint32_t thread) {
  TraceEvent event;
  std::size_t pos = raw.text_begin;
  event.name = raw.name ? std::string_view(raw.name) : read_piece(text, pos);
  event.category = raw.category;
  event.start_ns = raw.start_ns - origin_ns;
  event.end_ns = raw.end_ns - origin_ns;
  event.thread = thread;
  if (raw.has_device) event.device = raw.device.name();
  while (pos < raw.text_end) {
    const std::string_view key = read_piece(text, pos);
    event.args.emplace_back(key, read_piece(text, pos));
  }
  return event;
}

// ---- sessions ----------------------------------------------------------------------------

void drop_exited_buffers(Registry& r) {
  std::erase_if(r.buffers, [](const std::shared_ptr<ThreadBuffer>& buffer) {
    std::lock_guard lock(buffer->mutex);
    return buffer->exited;
  });
}

std::uint64_t start_session() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (detail::running_session.load(std::memory_order_relaxed) != 0)
    throw AlreadyExists("profiler::start: a profiling session is already running; call profiler::stop() first");
  drop_exited_buffers(r);
  r.origin_ns = now_ns();
  detail::running_session.store(++r.last_session, std::memory_order_release);
  return r.last_session;
}

// Stops the running session, which must be `expected` unless that is 0.
Trace stop_session(std::uint64_t expected, const char* caller) {
  Registry& r = registry();
  struct Taken {
    TraceThread thread;
    std::vector<RawEvent> events;
    std::string text;
  };
  std::vector<Taken> taken;
  std::int64_t origin_ns;
  {
    std::lock_guard lock(r.mutex);
    const std::uint64_t session = detail::running_session.load(std::memory_order_relaxed);
    if (session == 0)
      throw Unavailable(std::string(caller) + ": no profiling session is running; call profiler::start() first");
    if (expected != 0 && session != expected)
      throw FailedPrecondition(std::string(caller) + ": this profile's session was already stopped");
    detail::running_session.store(0, std::memory_order_release);
    origin_ns = r.origin_ns;
    for (const auto& buffer : r.buffers) {
      std::lock_guard buffer_lock(buffer->mutex);
      if (buffer->session != session || buffer->events.empty()) continue;
      taken.push_back({buffer->thread, std::move(buffer->events), std::move(buffer->text)});
      buffer->events = {};
      buffer->text = {};
    }
    drop_exited_buffers(r);
  }
  // Converted without holding any lock: the threads record again at once.
  std::vector<TraceEvent> events;
  std::vector<TraceThread> threads;
  std::size_t count = 0;
  for (const Taken& t : taken) count += t.events.size();
  events.reserve(count);
  for (const Taken& t : taken) {
    const std::size_t before = events.size();
    for (const RawEvent& raw : t.events)
      if (raw.end_ns >= 0) events.push_back(to_trace_event(raw, t.text, origin_ns, t.thread.id));
    if (events.size() > before) threads.push_back(t.thread);
  }
  return Trace(std::move(events), std::move(threads));
}

// ---- formatting -------------------------------------------------------------------------

// Length of the well-formed UTF-8 sequence at s[i], 0 when it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t length;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + length > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = utf8_length(s, i);
      if (length == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD: JSON text must be UTF-8
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

// Nanoseconds as microseconds with three exact decimals.
void append_microseconds(std::string& out, std::int64_t ns) {
  const std::uint64_t magnitude = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  fmt::format_to(std::back_inserter(out), "{}{}.{:03}", ns < 0 ? "-" : "", magnitude / 1000, magnitude % 1000);
}

void append_metadata(std::string& out, const char* what, int pid, const std::int64_t* tid, std::string_view name) {
  fmt::format_to(std::back_inserter(out), "{{\"ph\":\"M\",\"pid\":{},", pid);
  if (tid) fmt::format_to(std::back_inserter(out), "\"tid\":{},", *tid);
  fmt::format_to(std::back_inserter(out), "\"name\":\"{}\",\"args\":{{\"name\":", what);
  append_json_string(out, name);
  out += "}},\n";
}

constexpr int kHostPid = 1;

std::string milliseconds(std::int64_t ns) { return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6); }

}  // namespace

// ---- recording ---------------------------------------------------------------------------

namespace detail {

// The device an op runs on, for the placement log: its first defined input's.
template <class Tensors, class Get> void maybe_log_placement(const char* op, const Tensors& inputs, Get get) {
  if (!log_device_placement.load(std::memory_order_relaxed)) return;
  const Device* device = first_device(inputs, get);
  log_placement(op, device ? *device : default_device());
}

OpenSpan begin_op(const char* op, std::initializer_list<const Tensor*> inputs) {
  const auto get = [](const Tensor* t) -> const Tensor& { return *t; };
  maybe_log_placement(op, inputs, get);
  return begin_event(op, "op", first_device(inputs, get),
                     [&](std::string& text) { append_inputs(text, inputs, get); });
}

OpenSpan begin_op(const char* op, const std::vector<Tensor>& inputs) {
  const auto get = [](const Tensor& t) -> const Tensor& { return t; };
  maybe_log_placement(op, inputs, get);
  return begin_event(op, "op", first_device(inputs, get),
                     [&](std::string& text) { append_inputs(text, inputs, get); });
}

OpenSpan begin_op(const char* op, const Shape& shape, DType dtype, Device device) {
  if (log_device_placement.load(std::memory_order_relaxed)) log_placement(op, device);
  return begin_event(op, "op", &device, [&](std::string& text) {
    append_piece(text, "shape");
    const std::size_t start = begin_piece(text);
    append_shape(text, shape);
    end_piece(text, start);
    append_piece(text, "dtype");
    append_piece(text, dtype_name(dtype));
  });
}

OpenSpan begin_span(const char* category, const char* name, const char* suffix) {
  return begin_event(nullptr, category, nullptr, [&](std::string& text) {
    const std::size_t start = begin_piece(text);
    text += name;
    text += suffix;
    end_piece(text, start);
  });
}

void end_span(const OpenSpan& span) noexcept {
  const std::int64_t end = now_ns();
  // Another thread's index would land on an unrelated event of this one.
  if (t_slot_destroyed || !t_slot.buffer || t_slot.buffer.get() != span.buffer) return;
  ThreadBuffer& buffer = *t_slot.buffer;
  std::lock_guard lock(buffer.mutex);
  if (buffer.session == span.session && span.index < buffer.events.size()) buffer.events[span.index].end_ns = end;
}

}  // namespace detail

void start() { start_session(); }

Trace stop() { return stop_session(0, "profiler::stop"); }

bool is_active() { return detail::active(); }

void set_thread_name(std::string_view name) {
  if (t_slot_destroyed) return;
  t_slot.name = name;
  if (!t_slot.buffer) return;
  std::lock_guard lock(t_slot.buffer->mutex);
  t_slot.buffer->thread.name = name;
}

// ---- Annotation and Profile --------------------------------------------------------------

Annotation::Annotation(std::string_view name) {
  if (detail::active()) begin(name, {});
}

Annotation::Annotation(std::string_view name, std::int64_t step_num) {
  if (detail::active()) begin(name, {{"step_num", std::to_string(step_num)}});
}

Annotation::Annotation(std::string_view name, std::vector<std::pair<std::string, std::string>> args) {
  if (detail::active()) begin(name, std::move(args));
}

void Annotation::begin(std::string_view name, std::vector<std::pair<std::string, std::string>> args) {
  const OpenSpan span = begin_event(nullptr, "user", nullptr, [&](std::string& text) {
    append_piece(text, name);
    for (const auto& [key, value] : args) {
      append_piece(text, key);
      append_piece(text, value);
    }
  });
  session_ = span.session;
  index_ = span.index;
  buffer_ = span.buffer;
}

Annotation::~Annotation() {
  if (session_ != 0) detail::end_span({session_, index_, buffer_});
}

Profile::Profile(std::string path) : path_(std::move(path)), uncaught_exceptions_(std::uncaught_exceptions()) {
  // Checked now rather than after the work being profiled.
  const std::filesystem::path directory = std::filesystem::path(path_).parent_path();
  std::error_code error;
  if (!directory.empty() && !std::filesystem::is_directory(directory, error))
    throw NotFound("profiler::Profile: the directory of '" + path_ + "' does not exist");
  session_ = start_session();
}

Profile::~Profile() {
  if (session_ == 0 || detail::running_session.load(std::memory_order_relaxed) != session_) return;
  try {
    if (std::uncaught_exceptions() > uncaught_exceptions_) {
      stop_session(std::exchange(session_, 0), "profiler::Profile");
      return;
    }
    stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eager::profiler::Profile: the trace was not saved to '%s': %s\n", path_.c_str(), e.what());
  }
}

Trace Profile::stop() {
  if (session_ == 0) throw FailedPrecondition("profiler::Profile::stop: this profile was already stopped");
  Trace trace = stop_session(std::exchange(session_, 0), "profiler::Profile::stop");
  trace.save_chrome_trace(path_);
  return trace;
}

// ---- Trace -------------------------------------------------------------------------------

Trace::Trace(std::vector<TraceEvent> events, std::vector<TraceThread> threads)
    : events_(std::move(events)), threads_(std::move(threads)) {
  for (const TraceEvent& e : events_) {
    if (e.end_ns < e.start_ns)
      throw InvalidArgument(fmt::format("profiler::Trace: event '{}' ends ({} ns) before it starts ({} ns)", e.name,
                                        e.end_ns, e.start_ns));
    const bool known =
        std::any_of(threads_.begin(), threads_.end(), [&](const TraceThread& t) { return t.id == e.thread; });
    if (e.stream < 0 && !known)
      throw InvalidArgument(fmt::format("profiler::Trace: event '{}' names thread {}, which is not in the thread list",
                                        e.name, e.thread));
  }
  // By start time, the longer of two spans that start together first. The
  // recorder's events are sorted per thread already; sorting indices moves
  // each event once.
  const auto before = [](const TraceEvent& a, const TraceEvent& b) {
    return a.start_ns != b.start_ns ? a.start_ns < b.start_ns : a.end_ns > b.end_ns;
  };
  if (std::is_sorted(events_.begin(), events_.end(), before)) return;
  std::vector<std::size_t> order(events_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return before(events_[a], events_[b]); });
  std::vector<TraceEvent> sorted;
  sorted.reserve(events_.size());
  for (std::size_t i : order) sorted.push_back(std::move(events_[i]));
  events_ = std::move(sorted);
}

std::vector<OpStats> Trace::op_stats() const {
  // Spans nest per timeline: a host thread, or a device's stream.
  using Timeline = std::tuple<std::uint32_t, std::string, std::int32_t>;
  std::map<Timeline, std::vector<std::size_t>> open;
  std::vector<std::int64_t> nested_ns(events_.size(), 0);
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const TraceEvent& e = events_[i];
    auto& stack = open[e.stream < 0 ? Timeline{e.thread, "", -1} : Timeline{0, e.device, e.stream}];
    const auto contains = [&](std::size_t outer) {
      return events_[outer].start_ns <= e.start_ns && e.end_ns <= events_[outer].end_ns;
    };
    while (!stack.empty() && !contains(stack.back())) stack.pop_back();
    if (!stack.empty()) nested_ns[stack.back()] += e.duration_ns();
    stack.push_back(i);
  }
  std::map<std::pair<std::string, std::string>, OpStats> rows;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const TraceEvent& e = events_[i];
    OpStats& row = rows[{e.category, e.name}];
    row.category = e.category;
    row.name = e.name;
    ++row.count;
    row.total_ns += e.duration_ns();
    row.self_ns += e.duration_ns() - nested_ns[i];
  }
  std::vector<OpStats> stats;
  for (auto& [key, row] : rows) stats.push_back(std::move(row));
  std::stable_sort(stats.begin(), stats.end(),
                   [](const OpStats& a, const OpStats& b) { return a.self_ns > b.self_ns; });
  return stats;
}

std::string Trace::summary() const {
  const std::vector<OpStats> stats = op_stats();
  std::int64_t self_total = 0, count = 0;
  for (const OpStats& row : stats) {
    self_total += row.self_ns;
    count += row.count;
  }
  // Events are sorted by start time.
  const std::int64_t first = events_.empty() ? 0 : events_.front().start_ns;
  std::int64_t last = first;
  for (const TraceEvent& e : events_) last = std::max(last, e.end_ns);
  std::size_t width = 4;
  for (const OpStats& row : stats) width = std::max(width, row.name.size());
  std::string out = fmt::format("{} events on {} thread{} over {} ms\n", events_.size(), threads_.size(),
                                threads_.size() == 1 ? "" : "s", milliseconds(last - first));
  const auto line = [&](std::string_view category, std::string_view name, auto count_cell, std::string_view total,
                        std::string_view self, std::string_view mean, std::string_view share) {
    fmt::format_to(std::back_inserter(out), "{:<10} {:<{}} {:>8} {:>12} {:>12} {:>12} {:>8}\n", category, name, width,
                   count_cell, total, self, mean, share);
  };
  line("category", "name", "count", "total ms", "self ms", "mean us", "self %");
  for (const OpStats& row : stats) {
    const double share =
        self_total > 0 ? 100.0 * static_cast<double>(row.self_ns) / static_cast<double>(self_total) : 0;
    line(row.category, row.name, row.count, milliseconds(row.total_ns), milliseconds(row.self_ns),
         fmt::format("{:.3f}", static_cast<double>(row.total_ns) / 1e3 / static_cast<double>(row.count)),
         fmt::format("{:.1f}%", share));
  }
  line("", "total", count, "", milliseconds(self_total), "", self_total > 0 ? "100.0%" : "0.0%");
  return out;
}

std::string Trace::chrome_json() const {
  std::string out = "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  append_metadata(out, "process_name", kHostPid, nullptr, "/host:CPU");
  for (const TraceThread& t : threads_) {
    const std::int64_t tid = t.id;
    append_metadata(out, "thread_name", kHostPid, &tid, t.name);
  }
  // Device-timed events: a process per device, a thread per stream.
  std::map<std::string, int> device_pids;
  std::set<std::pair<int, std::int32_t>> streams;
  for (const TraceEvent& e : events_) {
    if (e.stream < 0) continue;
    const auto [it, added] = device_pids.emplace(e.device, kHostPid + 1 + static_cast<int>(device_pids.size()));
    if (added) append_metadata(out, "process_name", it->second, nullptr, e.device);
    if (streams.emplace(it->second, e.stream).second) {
      const std::int64_t tid = e.stream;
      append_metadata(out, "thread_name", it->second, &tid, "stream " + std::to_string(e.stream));
    }
  }
  for (const TraceEvent& e : events_) {
    const bool on_device = e.stream >= 0;
    const int pid = on_device ? device_pids.at(e.device) : kHostPid;
    const std::int64_t tid = on_device ? e.stream : static_cast<std::int64_t>(e.thread);
    fmt::format_to(std::back_inserter(out), "{{\"ph\":\"X\",\"pid\":{},\"tid\":{},\"name\":", pid, tid);
    append_json_string(out, e.name);
    out += ",\"cat\":";
    append_json_string(out, e.category);
    out += ",\"ts\":";
    append_microseconds(out, e.start_ns);
    out += ",\"dur\":";
    append_microseconds(out, e.duration_ns());
    out += ",\"args\":{";
    bool first = true;
    if (!e.device.empty()) {
      out += "\"device\":";
      append_json_string(out, e.device);
      first = false;
    }
    for (const auto& [key, value] : e.args) {
      if (!std::exchange(first, false)) out += ',';
      append_json_string(out, key);
      out += ':';
      append_json_string(out, value);
    }
    out += "}},\n";
  }
  // The last element is followed by ",\n"; JSON allows no trailing comma.
  out.resize(out.size() - 2);
  out += "\n]}\n";
  return out;
}

void Trace::save_chrome_trace(const std::string& path) const { io::write_file(path, chrome_json()); }

}  // namespace eager::profiler
