#pragma once
// TF1's thread coordination tools (tf.train.Coordinator, tf.train.QueueRunner)
// for C++ threads.
//
// A Coordinator lets threads stop together: each one polls should_stop(), any
// one may request_stop(), and join() waits for them, giving the stragglers a
// grace period once a stop was requested and re-throwing the first exception
// a thread reported. A QueueRunner runs producer functions on threads that the
// Coordinator owns, feeding a FIFOQueue or RandomShuffleQueue.
//
//   eager::data::FIFOQueue<float> queue(100);
//   eager::data::Coordinator coord;
//   eager::data::QueueRunner<float> runner(queue, [] { return next_sample(); }, 5);
//   runner.create_threads(coord);
//   for (int i = 0; i < 3; ++i) use(queue.dequeue());
//   coord.request_stop();
//   coord.join();
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/data/queue.hpp"
#include "eager/error.hpp"

namespace eager::data {

// Threads and their stop. Thread-safe: every member may be called from any
// thread, except that join() calls are serialised (one waits for the other) and
// the destructor must not run while another thread is inside a member.
//
// Ownership: the Coordinator owns the threads it started (start_thread, and so
// QueueRunner) or was given (register_thread, join(threads)). join() joins those
// that ended; one that did not end within the grace period stays owned, so that
// a later join() can try again, and the destructor waits for it. The
// alternatives are worse: destroying a joinable std::thread calls
// std::terminate, and a detached thread may still touch the Coordinator or a
// queue after they are destroyed. The price is that destroying a Coordinator
// whose threads ignore should_stop() blocks until they end.
class Coordinator {
 public:
  // TF treats OutOfRange (an input that ran out, a closed queue) as a clean
  // stop rather than an error; `out_of_range_is_clean_stop = false` reports it
  // like any other exception (TF: clean_stop_exception_types=()).
  explicit Coordinator(bool out_of_range_is_clean_stop = true);
  // Requests a stop, then waits for every thread the Coordinator still owns. An
  // exception reported but never re-thrown by join() is dropped.
  ~Coordinator();
  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // Asks every thread to stop: should_stop() becomes true, wait_for_stop()
  // returns, stop_token() is signalled (running its std::stop_callbacks in this
  // thread, which is how QueueRunner closes its queue) and so are the stop
  // tokens of registered std::jthreads. Idempotent.
  void request_stop();
  // Requests a stop and reports `error`, which join() re-throws. As in TF, only
  // an error that comes with the first stop request is kept: errors after that
  // are usually consequences of the stop (a cancelled enqueue) and are ignored,
  // and so is OutOfRange unless the constructor said otherwise. A null `error`
  // is a plain request_stop().
  void request_stop(std::exception_ptr error);
  bool should_stop() const { return stopped_.load(std::memory_order_acquire); }
  // Blocks until a stop is requested.
  void wait_for_stop() const;
  // Blocks until a stop is requested or `timeout` passed; returns should_stop().
  bool wait_for_stop(std::chrono::nanoseconds timeout) const;
  // A token that is signalled when a stop is requested, for std::stop_callback,
  // std::condition_variable_any and std::jthread-style code.
  std::stop_token stop_token() const;
  // Forgets a stop request and the reported error, so that the Coordinator can
  // be used again (TF: clear_stop). Call it only when no thread uses the
  // Coordinator: stop tokens handed out before stay signalled.
  void clear_stop();
  // Re-throws the reported error, if any (TF: raise_requested_exception).
  void raise_requested_exception() const;

  // Runs `fn()`; if it throws, reports the exception with request_stop(error)
  // instead of propagating it, and returns false (TF: with
  // coord.stop_on_exception()). Returns true when fn returned normally.
  template <class F>
  bool run_guarded(F&& fn) {
    try {
      std::forward<F>(fn)();
      return true;
    } catch (...) {
      request_stop(std::current_exception());
      return false;
    }
  }

  // Starts a thread running `fn` under run_guarded and owned by the
  // Coordinator; `name` identifies it when join() reports it did not stop.
  void start_thread(std::function<void()> fn, std::string name = {});
  // Gives the Coordinator a running thread to join (TF: register_thread).
  // Throws InvalidArgument when the thread is not joinable. Because a
  // std::thread cannot be joined with a timeout, a small helper thread joins it
  // so that join() can give up after the grace period. If that helper cannot be
  // started (std::system_error), the Coordinator requests a stop reporting the
  // error, joins `thread` right here and re-throws.
  void register_thread(std::thread thread, std::string name = {});
  void register_thread(std::jthread thread, std::string name = {});

  // Waits until every thread registered before the call has ended, or until a
  // stop is requested and then at most `stop_grace_period` longer for them to
  // end. Joins those that ended, then re-throws the reported error if there is
  // one, else throws FailedPrecondition naming how many threads (and which)
  // did not stop; those remain owned by the Coordinator (see above). As in TF,
  // without a stop request this waits as long as the threads run.
  void join(std::chrono::nanoseconds stop_grace_period = std::chrono::seconds(120));
  // Registers `threads`, then joins as above (TF: coord.join(threads)). When
  // one of them is not joinable, the others are registered all the same (none
  // is destroyed while running) and InvalidArgument is thrown without joining.
  void join(std::vector<std::thread> threads, std::chrono::nanoseconds stop_grace_period = std::chrono::seconds(120));
  void join(std::vector<std::jthread> threads, std::chrono::nanoseconds stop_grace_period = std::chrono::seconds(120));

  // Threads owned now: running, or ended but not yet joined.
  std::size_t num_threads() const;

 private:
  struct Tracked {
    std::string name;
    std::thread thread;  // the worker itself, or the helper that joins a registered thread
    std::optional<std::stop_source> jthread_stop;
    bool done = false;  // guarded by mutex_; set as the thread's last act
  };

  // Adds an entry and starts `body` on a thread that marks it done at the end.
  void track(std::string name, std::optional<std::stop_source> jthread_stop, std::function<void()> body);
  bool is_clean_stop(const std::exception_ptr& error) const;
  template <class Thread>
  void join_after_failed_helper(Thread& thread);
  template <class Thread>
  void register_all(std::vector<Thread>& threads);

  const bool out_of_range_is_clean_stop_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // a stop request, or a thread ended
  std::mutex join_mutex_;
  std::atomic<bool> stopped_{false};
  std::exception_ptr error_;
  std::stop_source stop_source_;
  std::list<Tracked> threads_;  // a list: threads hold pointers to their entries
};

// Runs producer functions on threads owned by a Coordinator and enqueues what
// they return (tf.train.QueueRunner, one thread per enqueue op).
//
// A producer returns the next element, or std::nullopt when its source is
// exhausted; throwing OutOfRange means the same (as when it dequeues from an
// upstream queue that was closed), which chains queues the way TF does. A
// callable returning plain T (never exhausted) converts to Producer too.
//
// Each thread loops until: its producer is exhausted; the coordinator's stop
// is requested (which closes the queue with cancel_pending_enqueues, so a
// thread blocked on a full queue wakes); the queue was closed by someone else
// (its enqueue fails; the thread ends quietly); or the producer throws another
// exception, which is reported to the coordinator (join() re-throws it) and
// closes the queue with cancel_pending_enqueues. When the last thread of the
// runner ends, the queue is closed, so consumers drain it and then get
// OutOfRange.
//
// The queue must outlive the threads (join the coordinator before destroying
// it); the QueueRunner object itself need not.
template <class T>
class QueueRunner {
 public:
  using Producer = std::function<std::optional<T>()>;

  // One thread per producer, each calling its own. Throws InvalidArgument when
  // `producers` is empty or one of them is an empty std::function.
  QueueRunner(Queue<T>& queue, std::vector<Producer> producers) : state_(std::make_shared<State>(queue)) {
    if (producers.empty()) throw InvalidArgument("QueueRunner: no producers given");
    for (Producer& p : producers) producers_.push_back(checked(std::move(p)));
  }
  // The same from any vector of callables returning T or std::optional<T>,
  // such as std::vector<std::function<T()>>.
  template <class F>
    requires(!std::is_same_v<F, Producer> && std::is_constructible_v<Producer, const F&>)
  QueueRunner(Queue<T>& queue, const std::vector<F>& producers)
      : QueueRunner(queue, std::vector<Producer>(producers.begin(), producers.end())) {}
  // `num_threads` threads calling the same `producer` (TF: [enqueue_op] * n),
  // concurrently: like TF's op, it must be thread-safe, and what it produces is
  // shared among the threads rather than repeated by each. Throws
  // InvalidArgument when num_threads is 0 or producer is empty.
  QueueRunner(Queue<T>& queue, Producer producer, std::size_t num_threads) : state_(std::make_shared<State>(queue)) {
    if (num_threads == 0) throw InvalidArgument("QueueRunner: num_threads must be at least 1");
    producers_.assign(num_threads, checked(std::move(producer)));
  }

  // Starts one thread per producer, owned by `coord`, and returns how many it
  // started. As in TF, while threads of an earlier call are still running it
  // starts none and returns 0. (TF's start=False has no equivalent: a
  // std::thread runs from its construction.)
  std::size_t create_threads(Coordinator& coord) {
    std::size_t expected = 0;
    if (!state_->running.compare_exchange_strong(expected, producers_.size())) return 0;
    for (std::size_t i = 0; i < producers_.size(); ++i) {
      try {
        coord.start_thread([state = state_, producer = producers_[i], &coord] { run(*state, *producer, coord); },
                           "QueueRunner thread " + std::to_string(i));
      } catch (...) {
        // Threads that will never start must not keep the queue open.
        for (std::size_t j = i; j < producers_.size(); ++j) finished(*state_);
        throw;
      }
    }
    return producers_.size();
  }

  Queue<T>& queue() const { return state_->queue; }
  std::size_t num_threads() const { return producers_.size(); }

 private:
  struct State {
    explicit State(Queue<T>& q) : queue(q) {}
    Queue<T>& queue;
    std::atomic<std::size_t> running{0};
  };

  static std::shared_ptr<const Producer> checked(Producer producer) {
    if (!producer) throw InvalidArgument("QueueRunner: a producer is an empty std::function");
    return std::make_shared<const Producer>(std::move(producer));
  }

  static void finished(State& state) {
    if (state.running.fetch_sub(1, std::memory_order_acq_rel) == 1) state.queue.close();
  }

  static void run(State& state, const Producer& producer, Coordinator& coord) {
    // Wakes this thread when it blocks on a full queue while a stop is requested.
    std::stop_callback close_on_stop(coord.stop_token(), [&state] { state.queue.close(true); });
    try {
      while (!coord.should_stop()) {
        std::optional<T> item;
        try {
          item = producer();
        } catch (const OutOfRange&) {
          break;
        }
        if (!item) break;
        try {
          state.queue.enqueue(std::move(*item));
        } catch (const FailedPrecondition&) {
          break;  // closed by a consumer, or by the stop callback above
        }
      }
    } catch (...) {
      // Stop first: a consumer that finds the queue closed may then rely on
      // should_stop() and raise_requested_exception() telling it why.
      coord.request_stop(std::current_exception());
      state.queue.close(true);
    }
    finished(state);
  }

  std::shared_ptr<State> state_;
  std::vector<std::shared_ptr<const Producer>> producers_;
};

}  // namespace eager::data
