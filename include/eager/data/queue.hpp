#pragma once
// TF1's producer/consumer queues (tf.queue.FIFOQueue, tf.queue.RandomShuffleQueue)
// as thread-safe C++ class templates for people who build their own input
// loops. Any number of threads may enqueue and dequeue at the same time.
//
// Blocked calls are completed in arrival order on each side, as in TF: a
// blocked dequeue_many(100) cannot be starved by a stream of single dequeues,
// and the elements of one enqueue_many stay contiguous in the queue. As in TF,
// the thread that makes a blocked call possible completes it (a producer hands
// its element to the waiting consumer), so contention costs one wake-up per
// blocked call rather than a convoy of threads taking turns.
//
// Closing follows TF's QueueBase::close: after close(), enqueue throws
// FailedPrecondition (TF: CancelledError), dequeue returns what is left and
// then throws OutOfRange (TF: OutOfRangeError), and every blocked dequeuer wakes.
// Enqueues already blocked when the queue closes still complete as room
// appears, unless close(true) cancels them.
//
// Blocking calls wait forever; the *_for variants take a std::chrono duration
// and report a timeout in their result instead of throwing.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "eager/error.hpp"

namespace eager::data {

namespace detail {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;  // nullopt: wait forever

// now + timeout; zero, negative and NaN timeouts mean "do not wait", and one too
// long for the clock (hours::max()) means forever instead of overflowing.
template <class Rep, class Period>
Deadline deadline_after(const std::chrono::duration<Rep, Period>& timeout) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  if (!(timeout > std::chrono::duration<Rep, Period>::zero())) return now;
  const std::chrono::duration<long double, std::nano> wanted = timeout;
  const std::chrono::duration<long double, std::nano> room = Clock::time_point::max() - now;
  if (wanted >= room) return std::nullopt;
  return now + std::chrono::duration_cast<Clock::duration>(wanted);
}

// Waits on `cv` until `ready()` or the deadline; returns ready().
template <class Ready>
bool wait_until(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, const Deadline& deadline,
                Ready ready) {
  if (!deadline) {
    cv.wait(lock, ready);
    return true;
  }
  return cv.wait_until(lock, *deadline, ready);
}

}  // namespace detail

// The shared implementation of FIFOQueue and RandomShuffleQueue; construct one
// of those. QueueRunner takes a Queue<T>& so it feeds either kind.
//
// T must be movable. Elements are moved in and out; only enqueue_for(const T&)
// and try_enqueue(const T&) copy their argument. Destroying a queue while a
// call is blocked in it is undefined: close it and join the threads first.
template <class T>
class Queue {
 public:
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Appends `value`, blocking while the queue is full. Throws FailedPrecondition
  // when the queue is closed, or when close(true) cancels this call while it waits.
  void enqueue(T value) { push_one(value, std::nullopt, "enqueue"); }

  // Like enqueue but gives up after `timeout` (zero: do not wait) and returns
  // false; `value` is moved from only when it was enqueued.
  template <class Rep, class Period>
  bool enqueue_for(T&& value, const std::chrono::duration<Rep, Period>& timeout) {
    return push_one(value, detail::deadline_after(timeout), "enqueue_for");
  }
  template <class Rep, class Period>
  bool enqueue_for(const T& value, const std::chrono::duration<Rep, Period>& timeout) {
    T copy = value;
    return push_one(copy, detail::deadline_after(timeout), "enqueue_for");
  }
  bool try_enqueue(T&& value) { return enqueue_for(std::move(value), std::chrono::nanoseconds::zero()); }
  bool try_enqueue(const T& value) { return enqueue_for(value, std::chrono::nanoseconds::zero()); }

  // Appends every element of `values` in order, blocking while the queue is
  // full. As in TF, elements go in one by one as room appears, so `values` may
  // be larger than the capacity; they are contiguous in the queue (a later
  // enqueue waits until this one is complete). Throws FailedPrecondition when
  // the queue is closed; when close(true) cancels the call half-way, the
  // elements already in stay there and the message says how many they are.
  void enqueue_many(std::vector<T> values);

  // Removes and returns one element (the oldest for FIFOQueue, a random one for
  // RandomShuffleQueue), blocking while none may be taken. Throws OutOfRange
  // when the queue is closed and empty.
  T dequeue() { return std::move(*pop_one(std::nullopt, "dequeue")); }

  // Like dequeue but returns nullopt after `timeout` (zero: do not wait).
  // Still throws OutOfRange when the queue is closed and empty.
  template <class Rep, class Period>
  std::optional<T> dequeue_for(const std::chrono::duration<Rep, Period>& timeout) {
    return pop_one(detail::deadline_after(timeout), "dequeue_for");
  }
  std::optional<T> try_dequeue() { return dequeue_for(std::chrono::nanoseconds::zero()); }

  // Removes `n` elements at once, blocking until that many may be taken.
  // Unlike TF, which collects them one by one, the call takes nothing until it
  // can take all n, so a timeout or an error never has to put elements back;
  // the price is that n may not exceed capacity() - min_after_dequeue()
  // (InvalidArgument). Throws OutOfRange, taking nothing, when the queue is
  // closed and fewer than n elements remain. n == 0 returns an empty vector.
  std::vector<T> dequeue_many(std::size_t n) { return std::move(*pop_many(n, false, std::nullopt, "dequeue_many")); }

  // Like dequeue_many but returns nullopt after `timeout`.
  template <class Rep, class Period>
  std::optional<std::vector<T>> dequeue_many_for(std::size_t n, const std::chrono::duration<Rep, Period>& timeout) {
    return pop_many(n, false, detail::deadline_after(timeout), "dequeue_many_for");
  }

  // Like dequeue_many, except that once the queue is closed it returns the
  // last 1..n-1 elements instead of throwing (TF's dequeue_up_to: the smaller
  // final batch). Throws OutOfRange when the queue is closed and empty.
  std::vector<T> dequeue_up_to(std::size_t n) { return std::move(*pop_many(n, true, std::nullopt, "dequeue_up_to")); }

  // Closes the queue: later enqueues throw, dequeues drain what is left and
  // then throw OutOfRange, and blocked dequeuers wake to do so. Enqueues that
  // are blocked now still complete as consumers make room, unless
  // `cancel_pending_enqueues`, which makes them throw FailedPrecondition.
  // Closing again is allowed (and may cancel what an earlier close did not).
  void close(bool cancel_pending_enqueues = false);

  bool is_closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }
  // The number of elements in the queue now.
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }
  // Elements a dequeue leaves behind while the queue is open (0 for FIFOQueue).
  std::size_t min_after_dequeue() const { return min_after_dequeue_; }

 protected:
  // `shuffle_seed` nullopt: FIFO order; otherwise elements leave in a random
  // order drawn from std::mt19937_64 seeded with it.
  Queue(const char* kind, std::size_t capacity, std::size_t min_after_dequeue,
        std::optional<std::uint64_t> shuffle_seed)
      : kind_(kind),
        capacity_(capacity),
        min_after_dequeue_(min_after_dequeue),
        shuffle_(shuffle_seed.has_value()),
        rng_(shuffle_seed.value_or(0)) {
    if (capacity == 0) throw InvalidArgument(std::string(kind) + ": capacity must be at least 1");
    if (min_after_dequeue >= capacity)
      throw InvalidArgument(std::string(kind) + ": min_after_dequeue (" + std::to_string(min_after_dequeue) +
                            ") must be less than capacity (" + std::to_string(capacity) +
                            "), or no element could ever be dequeued");
  }
  ~Queue() = default;

 private:
  enum class State { Waiting, Served, Refused };  // Refused: enqueue cancelled, or dequeue on a drained queue

  // A blocked call, on its caller's stack while it waits in line. Whoever
  // holds the lock and finds the call at the head of its line completes it
  // (moves the elements) and wakes only that caller, as TF's queues do: a
  // producer hands elements straight to waiting consumers instead of waking
  // them one after the other to take their turn.
  struct Enqueuer {
    T* single = nullptr;             // enqueue: moved from once served
    std::vector<T>* many = nullptr;  // enqueue_many
    std::size_t done = 0;            // elements of *many already in
    State state = State::Waiting;
    std::condition_variable cv;
  };
  struct Dequeuer {
    std::size_t want = 1;
    bool up_to = false;
    std::optional<T>* single = nullptr;
    std::vector<T>* many = nullptr;
    std::size_t size_when_refused = 0;
    State state = State::Waiting;
    std::condition_variable cv;
  };

  bool push_one(T& value, const detail::Deadline& deadline, const char* op);
  std::optional<T> pop_one(const detail::Deadline& deadline, const char* op);
  std::optional<std::vector<T>> pop_many(std::size_t n, bool up_to, const detail::Deadline& deadline, const char* op);

  // With mutex_ held: waits until `w` was served or refused (true), or until the
  // deadline, after which it leaves the line (false).
  template <class Waiter>
  bool await(std::unique_lock<std::mutex>& lock, Waiter& w, std::deque<Waiter*>& line,
             const detail::Deadline& deadline) {
    if (detail::wait_until(lock, w.cv, deadline, [&] { return w.state != State::Waiting; })) return true;
    line.erase(std::find(line.begin(), line.end(), &w));
    flush();  // it may have been holding up those behind it
    return false;
  }
  template <class Waiter>
  static void finish(std::deque<Waiter*>& line, State state) {
    Waiter& w = *line.front();
    line.pop_front();
    w.state = state;
    w.cv.notify_one();
  }
  // With mutex_ held: completes the calls at the heads of both lines for as
  // long as that is possible.
  void flush() {
    for (;;) {
      const bool enqueued = serve_enqueuers();  // room may let pending enqueues in,
      const bool dequeued = serve_dequeuers();  // which may complete waiting dequeues, which make room...
      if (!enqueued && !dequeued) return;
    }
  }
  bool serve_enqueuers();
  bool serve_dequeuers();

  // How many elements a dequeue may take now: all of them once closed.
  std::size_t takeable() const {
    if (closed_) return items_.size();
    return items_.size() > min_after_dequeue_ ? items_.size() - min_after_dequeue_ : 0;
  }
  // With mutex_ held: removes the next element (oldest, or uniformly random).
  T take();
  // Unbiased uniform index in [0, n), by rejection, so that the sequence
  // depends only on mt19937_64 (whose output the standard fixes) and not on
  // the library's uniform_int_distribution.
  std::size_t random_index(std::size_t n);
  std::string name(const char* op) const { return std::string(kind_) + "::" + op; }
  FailedPrecondition closed_error(const char* op) const {
    return FailedPrecondition(name(op) + ": the queue is closed");
  }

  const char* kind_;
  const std::size_t capacity_;
  const std::size_t min_after_dequeue_;
  const bool shuffle_;

  mutable std::mutex mutex_;
  std::deque<T> items_;
  std::deque<Enqueuer*> enqueuers_;  // blocked calls, in arrival order
  std::deque<Dequeuer*> dequeuers_;
  bool closed_ = false;
  std::mt19937_64 rng_;
};

// A first-in first-out queue of at most `capacity` elements (tf.queue.FIFOQueue).
template <class T>
class FIFOQueue : public Queue<T> {
 public:
  // Throws InvalidArgument when capacity is 0.
  explicit FIFOQueue(std::size_t capacity) : Queue<T>("FIFOQueue", capacity, 0, std::nullopt) {}
};

// A queue that dequeues a uniformly random element among those it holds
// (tf.queue.RandomShuffleQueue). While open, a dequeue waits until more than
// `min_after_dequeue` elements are present and leaves at least that many
// behind, so that every draw mixes a large enough pool; once closed, the
// remaining elements come out (in random order) regardless.
//
// With a `seed`, the order is reproducible for a given sequence of enqueues and
// dequeues (one producer and one consumer, or any fixed interleaving); without
// one it comes from std::random_device. Throws InvalidArgument when capacity is
// 0 or min_after_dequeue >= capacity.
template <class T>
class RandomShuffleQueue : public Queue<T> {
 public:
  RandomShuffleQueue(std::size_t capacity, std::size_t min_after_dequeue,
                     std::optional<std::uint64_t> seed = std::nullopt)
      : Queue<T>("RandomShuffleQueue", capacity, min_after_dequeue, seed ? *seed : random_seed()) {}

 private:
  static std::uint64_t random_seed() {
    std::random_device device;
    return (std::uint64_t{device()} << 32) ^ device();
  }
};

// ---- implementation ---------------------------------------------------------

template <class T>
bool Queue<T>::push_one(T& value, const detail::Deadline& deadline, const char* op) {
  std::unique_lock lock(mutex_);
  if (closed_) throw closed_error(op);
  if (enqueuers_.empty() && items_.size() < capacity_) {  // nobody ahead and room: no need to queue up
    items_.push_back(std::move(value));
    flush();
    return true;
  }
  Enqueuer w;
  w.single = &value;
  enqueuers_.push_back(&w);
  flush();
  if (!await(lock, w, enqueuers_, deadline)) return false;
  if (w.state == State::Refused) throw FailedPrecondition(name(op) + ": cancelled because the queue was closed");
  return true;
}

template <class T>
void Queue<T>::enqueue_many(std::vector<T> values) {
  std::unique_lock lock(mutex_);
  if (closed_) throw closed_error("enqueue_many");
  Enqueuer w;
  w.many = &values;
  enqueuers_.push_back(&w);
  flush();
  await(lock, w, enqueuers_, std::nullopt);
  if (w.state == State::Refused)
    throw FailedPrecondition(name("enqueue_many") + ": cancelled because the queue was closed, after " +
                             std::to_string(w.done) + " of " + std::to_string(values.size()) +
                             " elements were enqueued");
}

template <class T>
std::optional<T> Queue<T>::pop_one(const detail::Deadline& deadline, const char* op) {
  std::unique_lock lock(mutex_);
  std::optional<T> out;
  if (dequeuers_.empty() && takeable() > 0) {
    out.emplace(take());
    flush();
    return out;
  }
  Dequeuer w;
  w.single = &out;
  dequeuers_.push_back(&w);
  flush();
  if (!await(lock, w, dequeuers_, deadline)) return std::nullopt;
  if (w.state == State::Refused) throw OutOfRange(name(op) + ": the queue is closed and empty");
  return out;
}

template <class T>
std::optional<std::vector<T>> Queue<T>::pop_many(std::size_t n, bool up_to, const detail::Deadline& deadline,
                                                 const char* op) {
  if (n > capacity_ - min_after_dequeue_)
    throw InvalidArgument(name(op) + ": cannot take " + std::to_string(n) +
                          " elements at once from a queue of capacity " + std::to_string(capacity_) + " that keeps " +
                          std::to_string(min_after_dequeue_) + " after each dequeue (at most " +
                          std::to_string(capacity_ - min_after_dequeue_) + ")");
  if (n == 0) return std::vector<T>{};
  std::unique_lock lock(mutex_);
  std::vector<T> out;
  Dequeuer w;
  w.want = n;
  w.up_to = up_to;
  w.many = &out;
  dequeuers_.push_back(&w);
  flush();
  if (!await(lock, w, dequeuers_, deadline)) return std::nullopt;
  if (w.state == State::Refused)
    throw OutOfRange(name(op) + ": the queue is closed and has " + std::to_string(w.size_when_refused) +
                     " elements, fewer than the " + std::to_string(n) + " requested");
  return out;
}

template <class T>
void Queue<T>::close(bool cancel_pending_enqueues) {
  std::lock_guard lock(mutex_);
  closed_ = true;
  if (cancel_pending_enqueues)
    while (!enqueuers_.empty()) finish(enqueuers_, State::Refused);
  flush();  // dequeuers waiting for more than there is are refused now
}

template <class T>
bool Queue<T>::serve_enqueuers() {
  bool changed = false;
  while (!enqueuers_.empty()) {
    Enqueuer& w = *enqueuers_.front();
    if (w.single) {
      if (items_.size() >= capacity_) break;
      items_.push_back(std::move(*w.single));
    } else {
      std::vector<T>& values = *w.many;
      const std::size_t before = w.done;
      while (w.done < values.size() && items_.size() < capacity_) items_.push_back(std::move(values[w.done++]));
      changed = changed || w.done != before;
      if (w.done < values.size()) break;
    }
    finish(enqueuers_, State::Served);
    changed = true;
  }
  return changed;
}

template <class T>
bool Queue<T>::serve_dequeuers() {
  bool changed = false;
  while (!dequeuers_.empty()) {
    Dequeuer& w = *dequeuers_.front();
    std::size_t count = w.want;
    if (takeable() < w.want) {
      // Open, or closed with enqueues still pending: wait for more.
      if (!closed_ || !enqueuers_.empty()) break;
      if (!w.up_to || items_.empty()) {
        w.size_when_refused = items_.size();
        finish(dequeuers_, State::Refused);
        changed = true;
        continue;
      }
      count = items_.size();
    }
    if (w.single) {
      w.single->emplace(take());
    } else {
      w.many->reserve(count);
      for (std::size_t i = 0; i < count; ++i) w.many->push_back(take());
    }
    finish(dequeuers_, State::Served);
    changed = true;
  }
  return changed;
}

template <class T>
T Queue<T>::take() {
  if (shuffle_) {
    // TF's RandomShuffleQueue does the same: move the last element into the
    // chosen slot, so a draw costs O(1).
    const std::size_t i = random_index(items_.size());
    T value = std::move(items_[i]);
    if (i + 1 != items_.size()) items_[i] = std::move(items_.back());
    items_.pop_back();
    return value;
  }
  T value = std::move(items_.front());
  items_.pop_front();
  return value;
}

template <class T>
std::size_t Queue<T>::random_index(std::size_t n) {
  const std::uint64_t bound = n;
  const std::uint64_t limit = std::mt19937_64::max() - std::mt19937_64::max() % bound;
  std::uint64_t r;
  do r = rng_();
  while (r >= limit);
  return static_cast<std::size_t>(r % bound);
}

}  // namespace eager::data
