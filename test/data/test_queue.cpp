// FIFOQueue, RandomShuffleQueue, Coordinator and QueueRunner: exact orders,
// blocking and waking, timeouts, close semantics, seeded shuffles, contention,
// stop/exception/grace-period handling. Catch2 v2 assertions are not
// thread-safe, so threads only record what they saw and the test thread checks
// it. Every wait is bounded: a bug makes a test fail, not hang.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "eager/data/coordinator.hpp"
#include "eager/data/queue.hpp"
#include "eager/error.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using namespace eager::data;
using namespace std::chrono_literals;
using eager::test::MessageContains;

namespace {

// Long enough for any healthy wait (ThreadSanitizer included), short enough
// that a hang fails the run quickly.
constexpr auto kPatience = 10s;
// How long a call must stay blocked to count as blocked.
constexpr auto kBlocked = 50ms;

// Aborts the run when a test case takes longer than `limit`, so that a call
// that blocks forever because of a bug fails the run instead of hanging it.
// Every test case starts one.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit = 60s)
      : thread_([this, limit] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [&] { return done_; })) {
            std::fprintf(stderr, "a [queue] test case is still running after %lld s: aborting\n",
                         static_cast<long long>(limit.count()));
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;  // last: it uses the members above
};

// Runs `fn` on its own thread. If the test ends while it is still running
// (a failed check), `unblock` runs first so that the thread can be joined.
class Task {
 public:
  explicit Task(std::function<void()> fn, std::function<void()> unblock = {}) : unblock_(std::move(unblock)) {
    std::promise<void> done;
    result_ = done.get_future().share();
    thread_ = std::thread([fn = std::move(fn), done = std::move(done)]() mutable {
      try {
        fn();
        done.set_value();
      } catch (...) {
        done.set_exception(std::current_exception());
      }
    });
  }
  ~Task() {
    if (!finished_within(0s) && unblock_) unblock_();
    thread_.join();
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  bool finished_within(std::chrono::nanoseconds d) const { return result_.wait_for(d) == std::future_status::ready; }
  // Waits (boundedly) and re-throws what fn threw.
  void get() {
    REQUIRE(finished_within(kPatience));
    result_.get();
  }

 private:
  std::function<void()> unblock_;
  std::shared_future<void> result_;
  std::thread thread_;
};

// Everything that can be taken now, stopping at an empty or closed-and-empty queue.
template <class T>
std::vector<T> drain(Queue<T>& q) {
  std::vector<T> out;
  try {
    while (auto v = q.try_dequeue()) out.push_back(std::move(*v));
  } catch (const OutOfRange&) {
  }
  return out;
}

std::vector<int> iota(int n, int start = 0) {
  std::vector<int> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

template <class F>
double seconds_taken(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// ---- FIFOQueue ----------------------------------------------------------------

TEST_CASE("FIFOQueue: elements leave in the order they came", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(10);
  CHECK(q.capacity() == 10);
  CHECK(q.min_after_dequeue() == 0);
  CHECK_FALSE(q.is_closed());
  for (int i = 0; i < 4; ++i) q.enqueue(i);
  q.enqueue_many({4, 5, 6});
  CHECK(q.size() == 7);
  CHECK(q.dequeue() == 0);
  CHECK(q.dequeue_many(3) == std::vector<int>{1, 2, 3});
  CHECK(q.dequeue_many(0).empty());
  CHECK(*q.dequeue_for(1s) == 4);
  CHECK(q.dequeue_many_for(2, 1s) == std::vector<int>{5, 6});
  CHECK(q.size() == 0);
}

TEST_CASE("FIFOQueue: the seed's example (dequeue x, enqueue x + 1) prints 0 10 1 11 2", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(2);
  q.enqueue_many({0, 10});
  std::vector<int> printed;
  for (int i = 0; i < 5; ++i) {
    const int x = q.dequeue();
    q.enqueue(x + 1);
    printed.push_back(x);
  }
  CHECK(printed == std::vector<int>{0, 10, 1, 11, 2});
  CHECK(drain(q) == std::vector<int>{12, 3});
}

TEST_CASE("FIFOQueue: move-only elements", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<std::unique_ptr<int>> q(2);
  q.enqueue(std::make_unique<int>(7));
  auto second = std::make_unique<int>(8);
  CHECK(q.try_enqueue(std::move(second)));
  CHECK(second == nullptr);
  auto third = std::make_unique<int>(9);
  CHECK_FALSE(q.try_enqueue(std::move(third)));
  REQUIRE(third != nullptr);  // not moved from when it was not enqueued
  CHECK(*third == 9);
  CHECK(*q.dequeue() == 7);
  const auto rest = q.dequeue_many(1);
  CHECK(*rest.at(0) == 8);
}

TEST_CASE("FIFOQueue: invalid arguments", "[queue]") {
  Watchdog watchdog;
  CHECK_THROWS_MATCHES(FIFOQueue<int>(0), InvalidArgument, MessageContains("FIFOQueue: capacity must be at least 1"));
  FIFOQueue<int> q(3);
  CHECK_THROWS_MATCHES(q.dequeue_many(4), InvalidArgument,
                       MessageContains("FIFOQueue::dequeue_many: cannot take 4 elements at once from a queue of "
                                       "capacity 3"));
  CHECK_THROWS_AS(q.dequeue_many_for(4, 1ms), InvalidArgument);
  CHECK_THROWS_AS(q.dequeue_up_to(4), InvalidArgument);
}

TEST_CASE("FIFOQueue: a producer blocks while the queue is full until a consumer takes", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(2);
  q.enqueue_many({1, 2});
  Task producer([&] { q.enqueue(3); }, [&] { q.close(true); });
  CHECK_FALSE(producer.finished_within(kBlocked));
  CHECK(q.size() == 2);
  CHECK(q.dequeue() == 1);
  producer.get();
  CHECK(drain(q) == std::vector<int>{2, 3});
}

TEST_CASE("FIFOQueue: a consumer blocks while the queue is empty until a producer adds", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(2);
  std::vector<int> got;
  Task consumer([&] { got = q.dequeue_many(2); }, [&] { q.close(); });
  q.enqueue(5);
  CHECK_FALSE(consumer.finished_within(kBlocked));  // one element is not enough for dequeue_many(2)
  q.enqueue(6);
  consumer.get();
  CHECK(got == std::vector<int>{5, 6});
}

TEST_CASE("FIFOQueue: enqueue_many larger than the capacity goes in as room appears", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(3);
  Task producer([&] { q.enqueue_many(iota(10)); }, [&] { q.close(true); });
  std::vector<int> got;
  for (int i = 0; i < 10; ++i) {
    auto v = q.dequeue_for(kPatience);
    REQUIRE(v);
    got.push_back(*v);
    CHECK(q.size() <= 3);
  }
  producer.get();
  CHECK(got == iota(10));
}

TEST_CASE("FIFOQueue: waiters are served in arrival order", "[queue]") {
  Watchdog watchdog;
  SECTION("a blocked dequeue_many is not starved by a later dequeue") {
    FIFOQueue<int> q(4);
    std::vector<int> many;
    int one = -1;
    Task first([&] { many = q.dequeue_many(3); }, [&] { q.close(); });
    std::this_thread::sleep_for(kBlocked);
    Task second([&] { one = q.dequeue(); }, [&] { q.close(); });
    std::this_thread::sleep_for(kBlocked);
    for (int i = 1; i <= 4; ++i) q.enqueue(i);
    first.get();
    second.get();
    CHECK(many == std::vector<int>{1, 2, 3});
    CHECK(one == 4);
  }
  SECTION("the elements of a blocked enqueue_many stay contiguous") {
    FIFOQueue<int> q(2);
    q.enqueue_many({0, 0});
    Task first([&] { q.enqueue_many({1, 2, 3}); }, [&] { q.close(true); });
    std::this_thread::sleep_for(kBlocked);
    Task second([&] { q.enqueue(9); }, [&] { q.close(true); });
    std::this_thread::sleep_for(kBlocked);
    std::vector<int> got;
    for (int i = 0; i < 6; ++i) got.push_back(q.dequeue_for(kPatience).value());
    first.get();
    second.get();
    CHECK(got == std::vector<int>{0, 0, 1, 2, 3, 9});
  }
}

TEST_CASE("FIFOQueue: timeouts", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(1);
  SECTION("dequeue_for on an empty queue gives up after the timeout") {
    std::optional<int> v = 0;
    const double taken = seconds_taken([&] { v = q.dequeue_for(30ms); });
    CHECK_FALSE(v);
    CHECK(taken >= 0.030);
    CHECK(taken < 5);
  }
  SECTION("enqueue_for on a full queue gives up and keeps the value") {
    q.enqueue(1);
    std::string value = "kept";
    FIFOQueue<std::string> s(1);
    s.enqueue("first");
    bool ok = true;
    const double taken = seconds_taken([&] { ok = s.enqueue_for(std::move(value), 30ms); });
    CHECK_FALSE(ok);
    CHECK(value == "kept");
    CHECK(taken >= 0.030);
    CHECK_FALSE(q.enqueue_for(2, 0ms));
    CHECK_FALSE(q.try_enqueue(2));
    CHECK(q.dequeue() == 1);
  }
  SECTION("dequeue_many_for takes nothing when it times out") {
    FIFOQueue<int> big(5);
    big.enqueue_many({1, 2});
    CHECK_FALSE(big.dequeue_many_for(3, 20ms));
    CHECK(big.size() == 2);
    CHECK(big.dequeue_many_for(2, 0ms) == std::vector<int>{1, 2});
  }
  SECTION("zero, negative, fractional and enormous timeouts") {
    CHECK_FALSE(q.try_dequeue());
    CHECK_FALSE(q.dequeue_for(-5s));
    CHECK_FALSE(q.dequeue_for(std::chrono::duration<double>(0.001)));
    CHECK(q.enqueue_for(3, std::chrono::hours::max()));
    CHECK(q.dequeue_for(std::chrono::nanoseconds::max()) == 3);
    CHECK(q.dequeue_for(std::chrono::duration<double>(-1)) == std::nullopt);
  }
  SECTION("a waiting dequeue_for returns as soon as an element arrives") {
    std::optional<int> v;
    Task consumer([&] { v = q.dequeue_for(kPatience); }, [&] { q.close(); });
    q.enqueue(42);
    consumer.get();
    CHECK(v == 42);
  }
}

TEST_CASE("FIFOQueue: close drains what is left, then throws OutOfRange", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(5);
  q.enqueue_many({1, 2, 3});
  q.close();
  CHECK(q.is_closed());
  CHECK_THROWS_MATCHES(q.enqueue(4), FailedPrecondition, MessageContains("FIFOQueue::enqueue: the queue is closed"));
  CHECK_THROWS_MATCHES(q.enqueue_many({4}), FailedPrecondition, MessageContains("enqueue_many: the queue is closed"));
  CHECK_THROWS_AS(q.try_enqueue(4), FailedPrecondition);
  CHECK_THROWS_MATCHES(q.dequeue_many(4), OutOfRange,
                       MessageContains("the queue is closed and has 3 elements, fewer than the 4 requested"));
  CHECK(q.size() == 3);  // a failed dequeue_many takes nothing
  CHECK(q.dequeue() == 1);
  CHECK(q.dequeue_up_to(5) == std::vector<int>{2, 3});
  CHECK_THROWS_MATCHES(q.dequeue(), OutOfRange, MessageContains("FIFOQueue::dequeue: the queue is closed and empty"));
  CHECK_THROWS_AS(q.dequeue_for(1s), OutOfRange);
  CHECK_THROWS_AS(q.try_dequeue(), OutOfRange);
  CHECK_THROWS_AS(q.dequeue_up_to(2), OutOfRange);
  CHECK(q.dequeue_many(0).empty());
  q.close(true);  // closing again is fine
  CHECK(q.is_closed());
}

TEST_CASE("FIFOQueue: close wakes blocked consumers", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(4);
  q.enqueue(1);
  std::atomic<int> out_of_range{0};
  std::vector<int> many;
  int one = -1;
  Task a(
      [&] {
        try {
          many = q.dequeue_many(2);
        } catch (const OutOfRange&) {
          ++out_of_range;
        }
      },
      [&] { q.close(); });
  Task b(
      [&] {
        try {
          one = q.dequeue();
        } catch (const OutOfRange&) {
          ++out_of_range;
        }
      },
      [&] { q.close(); });
  CHECK_FALSE(a.finished_within(kBlocked));
  q.close();
  a.get();
  b.get();
  // Whichever came first, the single dequeue gets the one element and
  // dequeue_many(2), which can never be satisfied now, fails.
  CHECK(many.empty());
  CHECK(one == 1);
  CHECK(out_of_range == 1);
  CHECK(q.size() == 0);
}

TEST_CASE("FIFOQueue: close and pending enqueues", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(1);
  q.enqueue(1);
  SECTION("without cancel_pending_enqueues a blocked enqueue still completes") {
    Task producer([&] { q.enqueue(2); }, [&] { q.close(true); });
    CHECK_FALSE(producer.finished_within(kBlocked));
    q.close();
    CHECK_THROWS_AS(q.enqueue(3), FailedPrecondition);  // new ones fail
    CHECK(q.dequeue() == 1);
    CHECK(q.dequeue_for(kPatience) == 2);  // the pending one went in
    producer.get();
    CHECK_THROWS_AS(q.dequeue(), OutOfRange);
  }
  SECTION("cancel_pending_enqueues releases blocked enqueuers with FailedPrecondition") {
    Task single([&] { q.enqueue(2); });
    Task many([&] { q.enqueue_many({3, 4}); });
    CHECK_FALSE(single.finished_within(kBlocked));
    q.close(true);
    CHECK_THROWS_MATCHES(single.get(), FailedPrecondition,
                         MessageContains("enqueue: cancelled because the queue was closed"));
    CHECK_THROWS_AS(many.get(), FailedPrecondition);
    CHECK(drain(q) == std::vector<int>{1});
  }
  SECTION("a cancelled enqueue_many says how many elements went in") {
    Task producer([&] { q.enqueue_many({2, 3, 4}); });
    CHECK(q.dequeue_for(kPatience) == 1);
    CHECK(q.dequeue_for(kPatience) == 2);
    CHECK_FALSE(producer.finished_within(kBlocked));  // 3 is in, 4 waits
    q.close(true);
    CHECK_THROWS_MATCHES(producer.get(), FailedPrecondition, MessageContains("after 2 of 3 elements were enqueued"));
    CHECK(drain(q) == std::vector<int>{3});
  }
}

TEST_CASE("FIFOQueue: 4 producers x 4 consumers x 10000 items, each dequeued exactly once", "[queue]") {
  Watchdog watchdog;
  constexpr int kProducers = 4, kConsumers = 4, kItems = 10000;
  FIFOQueue<int> q(16);
  std::vector<std::vector<int>> seen(kConsumers);
  std::vector<std::unique_ptr<Task>> consumers, producers;
  for (int c = 0; c < kConsumers; ++c)
    consumers.push_back(std::make_unique<Task>(
        [&q, &mine = seen[c], c] {
          for (;;) {
            try {
              // Half the consumers take batches, the rest single elements.
              if (c % 2 == 0) {
                for (int v : q.dequeue_up_to(7)) mine.push_back(v);
              } else {
                mine.push_back(q.dequeue());
              }
            } catch (const OutOfRange&) {
              return;
            }
          }
        },
        [&] { q.close(true); }));
  for (int p = 0; p < kProducers; ++p)
    producers.push_back(std::make_unique<Task>(
        [&q, p] {
          for (int i = 0; i < kItems;) {
            if (i % 3 == 0 && i + 5 <= kItems) {
              q.enqueue_many(iota(5, p * kItems + i));
              i += 5;
            } else {
              q.enqueue(p * kItems + i++);
            }
          }
        },
        [&] { q.close(true); }));
  for (auto& t : producers) t->get();
  q.close();
  for (auto& t : consumers) t->get();

  std::vector<int> all;
  for (const auto& mine : seen) {
    // FIFO: what one consumer saw from one producer is in that producer's order.
    std::vector<int> last(kProducers, -1);
    bool ordered = true;
    for (int v : mine) {
      ordered = ordered && v > last[v / kItems];
      last[v / kItems] = v;
    }
    CHECK(ordered);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == iota(kProducers * kItems));
}

// ---- RandomShuffleQueue ---------------------------------------------------------

TEST_CASE("RandomShuffleQueue: never dequeues down to min_after_dequeue while open", "[queue]") {
  Watchdog watchdog;
  CHECK_THROWS_MATCHES(RandomShuffleQueue<int>(4, 4, 1), InvalidArgument,
                       MessageContains("min_after_dequeue (4) must be less than capacity (4)"));
  CHECK_THROWS_AS(RandomShuffleQueue<int>(0, 0, 1), InvalidArgument);
  RandomShuffleQueue<int> q(10, 3, 1);
  CHECK(q.min_after_dequeue() == 3);
  CHECK_THROWS_MATCHES(q.dequeue_many(8), InvalidArgument, MessageContains("keeps 3 after each dequeue (at most 7)"));
  q.enqueue_many({0, 1, 2});
  CHECK_FALSE(q.try_dequeue());
  CHECK_FALSE(q.dequeue_for(20ms));
  q.enqueue(3);
  CHECK(q.try_dequeue());
  CHECK(q.size() == 3);
  q.enqueue_many({4, 5});
  CHECK_FALSE(q.dequeue_many_for(3, 0ms));  // 5 present, 3 must stay: only 2 may leave
  CHECK(q.dequeue_many(2).size() == 2);
  CHECK(q.size() == 3);

  // A blocked consumer wakes when the pool grows past min_after_dequeue.
  std::optional<int> got;
  Task consumer([&] { got = q.dequeue(); }, [&] { q.close(); });
  CHECK_FALSE(consumer.finished_within(kBlocked));
  q.enqueue(6);
  consumer.get();
  CHECK(got.has_value());
  CHECK(q.size() == 3);

  // Once closed, everything left comes out.
  q.close();
  std::vector<int> rest = q.dequeue_up_to(5);
  CHECK(rest.size() == 3);
  CHECK_THROWS_AS(q.dequeue(), OutOfRange);
}

TEST_CASE("RandomShuffleQueue: a seeded order is reproducible and a permutation", "[queue]") {
  Watchdog watchdog;
  auto order = [](std::uint64_t seed) {
    RandomShuffleQueue<int> q(100, 10, seed);
    std::vector<int> out;
    for (int i = 0; i < 100; ++i) {
      q.enqueue(i);
      if (auto v = q.try_dequeue()) out.push_back(*v);
    }
    q.close();
    for (int v : drain(q)) out.push_back(v);
    return out;
  };
  const std::vector<int> a = order(42);
  CHECK(a == order(42));
  CHECK(a != order(43));
  CHECK(a != iota(100));
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == iota(100));
  // The order comes from std::mt19937_64, which the standard fixes, so it is
  // the same with every standard library. Expected values from a separate
  // Python implementation of mt19937_64 with the same draw (index = first
  // output below 2^64 - 1 - (2^64 - 1) % n, modulo n; the last element moves
  // into the gap).
  RandomShuffleQueue<int> small(5, 0, 7);
  small.enqueue_many(iota(5));
  CHECK(small.dequeue_many(5) == std::vector<int>{0, 2, 4, 3, 1});
}

TEST_CASE("RandomShuffleQueue: each element is equally likely to come out first", "[queue]") {
  Watchdog watchdog;
  std::vector<int> first(4, 0);
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    RandomShuffleQueue<int> q(4, 0, seed);
    q.enqueue_many(iota(4));
    ++first[static_cast<std::size_t>(q.dequeue())];
  }
  // 1000 expected each; a binomial standard deviation is about 27.
  for (int count : first) CHECK(std::abs(count - 1000) < 150);
}

TEST_CASE("RandomShuffleQueue: contention, every element exactly once", "[queue]") {
  Watchdog watchdog;
  constexpr int kProducers = 4, kConsumers = 4, kItems = 5000;
  RandomShuffleQueue<int> q(64, 16, 3);
  std::vector<std::vector<int>> seen(kConsumers);
  std::vector<std::unique_ptr<Task>> tasks;
  for (int c = 0; c < kConsumers; ++c)
    tasks.push_back(std::make_unique<Task>(
        [&q, &mine = seen[c]] {
          try {
            for (;;)
              for (int v : q.dequeue_up_to(5)) mine.push_back(v);
          } catch (const OutOfRange&) {
          }
        },
        [&] { q.close(true); }));
  {
    std::vector<std::unique_ptr<Task>> producers;
    for (int p = 0; p < kProducers; ++p)
      producers.push_back(std::make_unique<Task>(
          [&q, p] {
            for (int i = 0; i < kItems; ++i) q.enqueue(p * kItems + i);
          },
          [&] { q.close(true); }));
    for (auto& t : producers) t->get();
  }
  q.close();
  for (auto& t : tasks) t->get();
  std::vector<int> all;
  for (const auto& mine : seen) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  CHECK(all == iota(kProducers * kItems));
}

// ---- Coordinator ---------------------------------------------------------------

TEST_CASE("Coordinator: request_stop wakes wait_for_stop and signals the stop token", "[queue]") {
  Watchdog watchdog;
  Coordinator coord;
  CHECK_FALSE(coord.should_stop());
  CHECK_FALSE(coord.wait_for_stop(10ms));
  std::atomic<bool> callback_ran{false};
  std::stop_callback callback(coord.stop_token(), [&] { callback_ran = true; });
  Task waiter([&] { coord.wait_for_stop(); }, [&] { coord.request_stop(); });
  CHECK_FALSE(waiter.finished_within(kBlocked));
  coord.request_stop();
  waiter.get();
  CHECK(coord.should_stop());
  CHECK(coord.wait_for_stop(0ms));
  CHECK(callback_ran);
  CHECK(coord.stop_token().stop_requested());
  coord.request_stop();  // idempotent
  coord.join();          // no threads: returns at once

  coord.clear_stop();
  CHECK_FALSE(coord.should_stop());
  CHECK_FALSE(coord.stop_token().stop_requested());
}

TEST_CASE("Coordinator: the seed's MyLoop example stops every thread", "[queue]") {
  Watchdog watchdog;
  Coordinator coord;
  std::vector<int> iterations(5, 0);
  std::vector<std::thread> threads;
  for (int id = 0; id < 5; ++id)
    threads.emplace_back([&coord, &count = iterations[static_cast<std::size_t>(id)], id] {
      while (!coord.should_stop()) {
        if (id == 3 && count == 3) coord.request_stop();  // the seed draws this at random
        ++count;
        std::this_thread::sleep_for(1ms);
      }
    });
  coord.join(std::move(threads), 5s);
  CHECK(coord.num_threads() == 0);
  CHECK(iterations[3] == 4);
}

TEST_CASE("Coordinator: join re-throws the first exception a thread reported", "[queue]") {
  Watchdog watchdog;
  Coordinator coord;
  for (int id = 0; id < 3; ++id)
    coord.start_thread([&coord, id] {
      if (id == 1) throw std::runtime_error("worker 1 failed");
      while (!coord.should_stop()) std::this_thread::sleep_for(1ms);
    });
  CHECK_THROWS_WITH(coord.join(5s), "worker 1 failed");
  CHECK(coord.should_stop());
  CHECK(coord.num_threads() == 0);
  // Later errors are consequences of the stop and are ignored; the first stays.
  coord.request_stop(std::make_exception_ptr(std::logic_error("later")));
  CHECK_THROWS_WITH(coord.raise_requested_exception(), "worker 1 failed");
  coord.clear_stop();
  CHECK_NOTHROW(coord.raise_requested_exception());
  CHECK_NOTHROW(coord.join());
}

TEST_CASE("Coordinator: run_guarded reports an exception; OutOfRange is a clean stop", "[queue]") {
  Watchdog watchdog;
  SECTION("an error") {
    Coordinator coord;
    CHECK(coord.run_guarded([] {}));
    CHECK_FALSE(coord.should_stop());
    CHECK_FALSE(coord.run_guarded([] { throw InvalidArgument("bad input"); }));
    CHECK(coord.should_stop());
    CHECK_THROWS_MATCHES(coord.join(), InvalidArgument, MessageContains("bad input"));
  }
  SECTION("OutOfRange stops without an error by default") {
    Coordinator coord;
    CHECK_FALSE(coord.run_guarded([] { throw OutOfRange("input exhausted"); }));
    CHECK(coord.should_stop());
    CHECK_NOTHROW(coord.join());
  }
  SECTION("unless the constructor says otherwise") {
    Coordinator coord(false);
    coord.run_guarded([] { throw OutOfRange("input exhausted"); });
    CHECK_THROWS_MATCHES(coord.join(), OutOfRange, MessageContains("input exhausted"));
  }
}

TEST_CASE("Coordinator: join without a stop waits for threads that end by themselves", "[queue]") {
  Watchdog watchdog;
  Coordinator coord;
  std::atomic<int> finished{0};
  for (int i = 0; i < 3; ++i)
    coord.start_thread([&finished] {
      std::this_thread::sleep_for(10ms);
      ++finished;
    });
  coord.join(0s);
  CHECK(finished == 3);
  CHECK_FALSE(coord.should_stop());
}

TEST_CASE("Coordinator: threads that outlive the grace period stay owned and are reported", "[queue]") {
  Watchdog watchdog;
  std::atomic<bool> release{false};
  std::atomic<bool> straggler_done{false};
  std::optional<Task> releaser;
  {
    Coordinator coord;
    coord.start_thread(
        [&] {
          while (!coord.should_stop()) std::this_thread::sleep_for(1ms);
        },
        "polite");
    coord.start_thread(
        [&] {
          while (!release) std::this_thread::sleep_for(1ms);
          straggler_done = true;
        },
        "stubborn");
    coord.request_stop();
    CHECK_THROWS_MATCHES(coord.join(30ms), FailedPrecondition,
                         MessageContains("1 of 2 threads did not stop within the grace period of 30 ms after the "
                                         "stop request (stubborn)"));
    CHECK(coord.num_threads() == 1);
    CHECK_THROWS_AS(coord.join(0ms), FailedPrecondition);
    // The destructor waits for the straggler, which another thread releases a little later.
    releaser.emplace([&] {
      std::this_thread::sleep_for(20ms);
      release = true;
    });
  }
  CHECK(straggler_done);
}

TEST_CASE("Coordinator: registered std::thread and std::jthread", "[queue]") {
  Watchdog watchdog;
  Coordinator coord;
  CHECK_THROWS_MATCHES(coord.register_thread(std::thread()), InvalidArgument, MessageContains("not joinable"));
  CHECK_THROWS_AS(coord.start_thread(nullptr), InvalidArgument);
  // A jthread's own stop token is signalled by the coordinator.
  std::atomic<bool> jthread_saw_stop{false};
  coord.register_thread(std::jthread([&](std::stop_token token) {
                          while (!token.stop_requested()) std::this_thread::sleep_for(1ms);
                          jthread_saw_stop = true;
                        }),
                        "jthread");
  coord.register_thread(std::thread([&] { coord.wait_for_stop(); }));
  CHECK(coord.num_threads() == 2);
  std::vector<std::thread> more;
  more.emplace_back([&] { coord.wait_for_stop(); });
  more.emplace_back();  // not joinable
  CHECK_THROWS_MATCHES(coord.join(std::move(more)), InvalidArgument, MessageContains("not joinable"));
  CHECK(coord.num_threads() == 3);  // the joinable one was registered all the same
  coord.request_stop();
  coord.join(5s);
  CHECK(jthread_saw_stop);
  CHECK(coord.num_threads() == 0);
}

// ---- QueueRunner ---------------------------------------------------------------

namespace {

// A producer of first, first + 1, ..., last - 1, then exhausted.
QueueRunner<int>::Producer counter(int first, int last) {
  return [next = first, last]() mutable -> std::optional<int> {
    if (next == last) return std::nullopt;
    return next++;
  };
}

}  // namespace

TEST_CASE("QueueRunner: the queue closes when every producer is exhausted", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(8);
  Coordinator coord;
  QueueRunner<int> runner(q, {counter(0, 100), counter(100, 250)});
  CHECK(runner.num_threads() == 2);
  CHECK(runner.create_threads(coord) == 2);
  std::vector<int> got;
  try {
    for (;;) {
      auto v = q.dequeue_for(kPatience);
      REQUIRE(v);
      got.push_back(*v);
    }
  } catch (const OutOfRange&) {
  }
  CHECK(q.is_closed());
  std::sort(got.begin(), got.end());
  CHECK(got == iota(250));
  coord.join(5s);
  CHECK_FALSE(coord.should_stop());
}

TEST_CASE("QueueRunner: threads given one producer share it; a vector gives each its own", "[queue]") {
  Watchdog watchdog;
  SECTION("shared: 250 elements in all, whatever the number of threads") {
    FIFOQueue<int> q(8);
    Coordinator coord;
    // Thread-safe, with its state inside: copies would each produce 0..249.
    QueueRunner<int> runner(
        q,
        [next = 0, mutex = std::make_shared<std::mutex>()]() mutable -> std::optional<int> {
          std::lock_guard lock(*mutex);
          if (next == 250) return std::nullopt;
          return next++;
        },
        3);
    CHECK(runner.num_threads() == 3);
    runner.create_threads(coord);
    std::vector<int> got;
    try {
      for (;;) got.push_back(q.dequeue_for(kPatience).value());
    } catch (const OutOfRange&) {
    }
    std::sort(got.begin(), got.end());
    CHECK(got == iota(250));
    coord.join(5s);
  }
  SECTION("a vector of std::function<T()>") {
    FIFOQueue<int> q(4);
    std::vector<std::function<int()>> ops = {[] { return 1; }, [] { return 2; }};
    QueueRunner<int> runner(q, ops);
    CHECK(runner.num_threads() == 2);
    ops.emplace_back();
    CHECK_THROWS_MATCHES(QueueRunner<int>(q, ops), InvalidArgument, MessageContains("empty std::function"));
  }
}

TEST_CASE("QueueRunner: the seed's example (5 threads, dequeue 3, request_stop, join)", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<float> q(100);
  Coordinator coord;
  std::atomic<int> produced{0};
  QueueRunner<float> runner(
      q, [&produced] { return static_cast<float>(produced++); }, 5);
  CHECK(runner.create_threads(coord) == 5);
  CHECK(runner.create_threads(coord) == 0);  // already running
  std::vector<float> got;
  for (int i = 0; i < 3; ++i) got.push_back(q.dequeue_for(kPatience).value());
  CHECK(got.size() == 3);
  // The producers are blocked on the full queue: the stop must release them.
  const double taken = seconds_taken([&] {
    coord.request_stop();
    coord.join(5s);
  });
  CHECK(taken < 5);
  CHECK(q.is_closed());
  CHECK(coord.num_threads() == 0);
}

TEST_CASE("QueueRunner: a producer's exception closes the queue and reaches join", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(4);
  Coordinator coord;
  std::atomic<int> calls{0};
  QueueRunner<int> runner(q, {[&calls]() -> std::optional<int> {
                                const int n = calls++;
                                if (n == 5) throw DataLoss("record 5 is corrupt");
                                return n;
                              },
                              [] { return 1; }});
  runner.create_threads(coord);
  bool timed_out = false;
  try {
    while (!timed_out) timed_out = !q.dequeue_for(kPatience);
  } catch (const OutOfRange&) {
  }
  CHECK_FALSE(timed_out);
  CHECK(coord.should_stop());
  CHECK(q.is_closed());
  CHECK_THROWS_MATCHES(coord.join(5s), DataLoss, MessageContains("record 5 is corrupt"));
}

TEST_CASE("QueueRunner: OutOfRange from an upstream queue chains queues", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> upstream(20);
  upstream.enqueue_many(iota(10));
  upstream.close();
  FIFOQueue<int> downstream(3);
  Coordinator coord;
  QueueRunner<int> runner(
      downstream, [&upstream] { return 2 * upstream.dequeue(); }, 2);
  runner.create_threads(coord);
  std::vector<int> got;
  try {
    for (;;) got.push_back(downstream.dequeue_for(kPatience).value());
  } catch (const OutOfRange&) {
  }
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18});
  CHECK_NOTHROW(coord.join(5s));
  CHECK_FALSE(coord.should_stop());
}

TEST_CASE("QueueRunner: a consumer closing the queue ends the producers quietly", "[queue]") {
  Watchdog watchdog;
  RandomShuffleQueue<int> q(10, 2, 5);
  Coordinator coord;
  QueueRunner<int> runner(
      q, [] { return 7; }, 3);
  runner.create_threads(coord);
  CHECK(q.dequeue_for(kPatience) == 7);
  q.close(true);
  CHECK_NOTHROW(coord.join(5s));
  CHECK_FALSE(coord.should_stop());
}

TEST_CASE("QueueRunner: invalid producers", "[queue]") {
  Watchdog watchdog;
  FIFOQueue<int> q(1);
  CHECK_THROWS_MATCHES(QueueRunner<int>(q, std::vector<QueueRunner<int>::Producer>{}), InvalidArgument,
                       MessageContains("no producers"));
  CHECK_THROWS_MATCHES(QueueRunner<int>(q, QueueRunner<int>::Producer{}, 2), InvalidArgument,
                       MessageContains("empty std::function"));
  CHECK_THROWS_MATCHES(QueueRunner<int>(
                           q, [] { return 1; }, 0),
                       InvalidArgument, MessageContains("num_threads must be at least 1"));
}
