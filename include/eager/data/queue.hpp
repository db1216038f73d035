#pragma once
// TF1's producer/consumer queues (tf.queue.FIFOQueue, tf.queue.RandomShuffleQueue)
// as thread-safe C++ class templates for people who build their own input
// loops. Any number of threads may enqueue and dequeue at the same time.
//
// Waiters are served in arrival order on each side, as in TF: a blocked
// dequeue_many(100) cannot be starved by a stream of single dequeues, and the
// elements of one enqueue_many stay contiguous in the queue.
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
// T must be movable. Elements are moved in and out, never copied.
template <class T>
class Queue {
 public:
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Appends `value`, blocking while the queue is full. Throws FailedPrecondition
  // when the queue is closed, or when close(true) cancels this call while it waits.
  void enqueue(T value) { push_one(std::move(value), std::nullopt, "enqueue"); }

  // Like enqueue but gives up after `timeout` (zero: do not wait) and returns
  // false; `value` is moved from only when it was enqueued.
  template <class Rep, class Period>
  bool enqueue_for(T&& value, const std::chrono::duration<Rep, Period>& timeout) {
    return push_one(std::move(value), detail::deadline_after(timeout), "enqueue_for");
  }
  template <class Rep, class Period>
  bool enqueue_for(const T& value, const std::chrono::duration<Rep, Period>& timeout) {
    return push_one(value, detail::deadline_after(timeout), "enqueue_for");
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
  Queue(const char* kind, std::size_t capacity, std::size_t min_after_dequeue, std::optional<std::uint64_t> shuffle_seed)
      : kind_(kind), capacity_(capacity), min_after_dequeue_(min_after_dequeue), shuffle_(shuffle_seed.has_value()),
        rng_(shuffle_seed.value_or(0)) {
    if (capacity == 0) throw InvalidArgument(std::string(kind) + ": capacity must be at least 1");
    if (min_after_dequeue >= capacity)
      throw InvalidArgument(std::string(kind) + ": min_after_dequeue (" + std::to_string(min_after_dequeue) +
                            ") must be less than capacity (" + std::to_string(capacity) +
                            "), or no element could ever be dequeued");
  }
  ~Queue() = default;

 private:
  enum class Side { Enqueue, Dequeue };

  // A blocked caller's place in its side's line. Only the first in line may
  // move elements, and each waiter has its own condition variable, so an
  // element arriving wakes the one thread that can take it rather than every
  // waiter. Constructed, waited on and destroyed with mutex_ held.
  class Turn {
   public:
    Turn(Queue& q, Side side) : q_(q), side_(side) { line().push_back(this); }
    ~Turn() {
      auto& waiting = line();
      const bool was_first = waiting.front() == this;
      waiting.erase(std::find(waiting.begin(), waiting.end(), this));
      if (was_first) wake_first(waiting);
      // A closed queue's dequeuers give up only when no enqueue is pending.
      if (side_ == Side::Enqueue && q_.closed_) wake_first(q_.dequeuers_);
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    bool first() const { return line().front() == this; }
    template <class Ready>
    bool wait(std::unique_lock<std::mutex>& lock, const detail::Deadline& deadline, Ready ready) {
      return detail::wait_until(lock, cv_, deadline, ready);
    }
    void wake() { cv_.notify_one(); }

   private:
    std::deque<Turn*>& line() const { return side_ == Side::Enqueue ? q_.enqueuers_ : q_.dequeuers_; }
    Queue& q_;
    Side side_;
    std::condition_variable cv_;
  };

  static void wake_first(std::deque<Turn*>& line) {
    if (!line.empty()) line.front()->wake();
  }
  static void wake_all(std::deque<Turn*>& line) {
    for (Turn* t : line) t->wake();
  }

  template <class U>
  bool push_one(U&& value, const detail::Deadline& deadline, const char* op);
  std::optional<T> pop_one(const detail::Deadline& deadline, const char* op);
  std::optional<std::vector<T>> pop_many(std::size_t n, bool up_to, const detail::Deadline& deadline, const char* op);

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
  void notify_dequeuers() { wake_first(dequeuers_); }
  void notify_enqueuers() { wake_first(enqueuers_); }
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
  std::deque<Turn*> enqueuers_, dequeuers_;  // blocked callers, in arrival order
  bool closed_ = false;
  bool cancelled_ = false;  // close(true): pending enqueues fail
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
template <class U>
bool Queue<T>::push_one(U&& value, const detail::Deadline& deadline, const char* op) {
  std::unique_lock lock(mutex_);
  if (closed_) throw closed_error(op);
  if (enqueuers_.empty() && items_.size() < capacity_) {
    items_.push_back(std::forward<U>(value));
    notify_dequeuers();
    return true;
  }
  Turn turn(*this, Side::Enqueue);
  const bool ready =
      turn.wait(lock, deadline, [&] { return cancelled_ || (turn.first() && items_.size() < capacity_); });
  if (cancelled_) throw FailedPrecondition(name(op) + ": cancelled because the queue was closed");
  if (!ready) return false;
  items_.push_back(std::forward<U>(value));
  notify_dequeuers();
  return true;
}

template <class T>
void Queue<T>::enqueue_many(std::vector<T> values) {
  std::unique_lock lock(mutex_);
  if (closed_) throw closed_error("enqueue_many");
  Turn turn(*this, Side::Enqueue);
  std::size_t done = 0;
  while (done < values.size()) {
    turn.wait(lock, std::nullopt, [&] { return cancelled_ || (turn.first() && items_.size() < capacity_); });
    if (cancelled_)
      throw FailedPrecondition(name("enqueue_many") + ": cancelled because the queue was closed, after " +
                               std::to_string(done) + " of " + std::to_string(values.size()) +
                               " elements were enqueued");
    while (done < values.size() && items_.size() < capacity_) items_.push_back(std::move(values[done++]));
    notify_dequeuers();
  }
}

template <class T>
std::optional<T> Queue<T>::pop_one(const detail::Deadline& deadline, const char* op) {
  std::unique_lock lock(mutex_);
  std::optional<T> out;
  if (dequeuers_.empty() && takeable() > 0) {
    out.emplace(take());
    notify_enqueuers();
    return out;
  }
  Turn turn(*this, Side::Dequeue);
  const bool ready = turn.wait(lock, deadline, [&] {
    return turn.first() && (takeable() > 0 || (closed_ && enqueuers_.empty()));
  });
  if (!ready) return out;
  if (takeable() == 0) throw OutOfRange(name(op) + ": the queue is closed and empty");
  out.emplace(take());
  notify_enqueuers();
  return out;
}

template <class T>
std::optional<std::vector<T>> Queue<T>::pop_many(std::size_t n, bool up_to, const detail::Deadline& deadline,
                                                 const char* op) {
  if (n > capacity_ - min_after_dequeue_)
    throw InvalidArgument(name(op) + ": cannot take " + std::to_string(n) + " elements at once from a queue of capacity " +
                          std::to_string(capacity_) + " that keeps " + std::to_string(min_after_dequeue_) +
                          " after each dequeue (at most " + std::to_string(capacity_ - min_after_dequeue_) + ")");
  if (n == 0) return std::vector<T>{};
  std::optional<std::vector<T>> out;
  std::unique_lock lock(mutex_);
  Turn turn(*this, Side::Dequeue);
  const bool ready = turn.wait(lock, deadline, [&] {
    return turn.first() && (takeable() >= n || (closed_ && enqueuers_.empty()));
  });
  if (!ready) return out;
  std::size_t count = n;
  if (takeable() < n) {
    if (!up_to || items_.empty())
      throw OutOfRange(name(op) + ": the queue is closed and has " + std::to_string(items_.size()) +
                       " elements, fewer than the " + std::to_string(n) + " requested");
    count = items_.size();
  }
  out.emplace();
  out->reserve(count);
  for (std::size_t i = 0; i < count; ++i) out->push_back(take());
  notify_enqueuers();
  return out;
}

template <class T>
void Queue<T>::close(bool cancel_pending_enqueues) {
  std::lock_guard lock(mutex_);
  closed_ = true;
  cancelled_ = cancelled_ || cancel_pending_enqueues;
  // Cancelled enqueuers must all wake, wherever they are in line; waking every
  // dequeuer as well saves reasoning about who is first, on a call this rare.
  wake_all(enqueuers_);
  wake_all(dequeuers_);
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
