// Coordinator: a stop flag with a condition variable and a std::stop_source,
// and a list of owned threads that each mark themselves done as their last
// act, which is what lets join() wait for them with a timeout.
#include "eager/data/coordinator.hpp"

#include <algorithm>
#include <string>

namespace eager::data {
namespace {

std::string duration_text(std::chrono::nanoseconds d) {
  using std::chrono::milliseconds;
  if (d % milliseconds(1) == std::chrono::nanoseconds::zero())
    return std::to_string(std::chrono::duration_cast<milliseconds>(d).count()) + " ms";
  return std::to_string(d.count()) + " ns";
}

}  // namespace

Coordinator::Coordinator(bool out_of_range_is_clean_stop) : out_of_range_is_clean_stop_(out_of_range_is_clean_stop) {}

Coordinator::~Coordinator() {
  request_stop();
  std::list<Tracked> remaining;
  {
    std::lock_guard lock(mutex_);
    // splice keeps the nodes where they are, so running threads may still mark them done.
    remaining.splice(remaining.end(), threads_);
  }
  for (Tracked& entry : remaining) entry.thread.join();
}

bool Coordinator::is_clean_stop(const std::exception_ptr& error) const {
  if (!out_of_range_is_clean_stop_) return false;
  try {
    std::rethrow_exception(error);
  } catch (const OutOfRange&) {
    return true;
  } catch (...) {
    return false;
  }
}

void Coordinator::request_stop() { request_stop(nullptr); }

void Coordinator::request_stop(std::exception_ptr error) {
  std::stop_source source;
  std::vector<std::stop_source> jthreads;
  {
    std::lock_guard lock(mutex_);
    if (stopped_.load(std::memory_order_relaxed)) return;
    if (error && !is_clean_stop(error)) error_ = std::move(error);
    stopped_.store(true, std::memory_order_release);
    source = stop_source_;
    for (const Tracked& entry : threads_)
      if (entry.jthread_stop) jthreads.push_back(*entry.jthread_stop);
  }
  changed_.notify_all();
  // Outside the lock: stop callbacks are user code and may call back in.
  source.request_stop();
  for (std::stop_source& s : jthreads) s.request_stop();
}

void Coordinator::wait_for_stop() const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopped_.load(std::memory_order_relaxed); });
}

bool Coordinator::wait_for_stop(std::chrono::nanoseconds timeout) const {
  std::unique_lock lock(mutex_);
  return detail::wait_until(lock, changed_, detail::deadline_after(timeout),
                            [&] { return stopped_.load(std::memory_order_relaxed); });
}

std::stop_token Coordinator::stop_token() const {
  std::lock_guard lock(mutex_);
  return stop_source_.get_token();
}

void Coordinator::clear_stop() {
  std::lock_guard lock(mutex_);
  stopped_.store(false, std::memory_order_release);
  error_ = nullptr;
  stop_source_ = std::stop_source();
}

void Coordinator::raise_requested_exception() const {
  std::exception_ptr error;
  {
    std::lock_guard lock(mutex_);
    error = error_;
  }
  if (error) std::rethrow_exception(error);
}

void Coordinator::track(std::string name, std::optional<std::stop_source> jthread_stop, std::function<void()> body) {
  // The lock is held until the std::thread is stored, so that join() never
  // sees an entry whose thread member is still being assigned.
  std::lock_guard lock(mutex_);
  Tracked& entry = threads_.emplace_back();
  entry.name = std::move(name);
  entry.jthread_stop = std::move(jthread_stop);
  try {
    entry.thread = std::thread([this, &entry, body = std::move(body)] {
      run_guarded(body);
      std::lock_guard done_lock(mutex_);
      entry.done = true;
      changed_.notify_all();
    });
  } catch (...) {
    threads_.pop_back();
    throw;
  }
}

template <class Thread>
void Coordinator::join_after_failed_helper(Thread& thread) {
  // No helper thread could be started (the system is out of threads): the
  // thread may not be destroyed while joinable, and detaching it could leave
  // it using this Coordinator after its end, so stop everything, wait for it
  // here and report the failure.
  std::exception_ptr failure = std::current_exception();
  request_stop(failure);
  thread.join();
  std::rethrow_exception(failure);
}

void Coordinator::start_thread(std::function<void()> fn, std::string name) {
  if (!fn) throw InvalidArgument("Coordinator::start_thread: the function is an empty std::function");
  track(std::move(name), std::nullopt, std::move(fn));
}

void Coordinator::register_thread(std::thread thread, std::string name) {
  if (!thread.joinable())
    throw InvalidArgument(
        "Coordinator::register_thread: the thread is not joinable (default-constructed, joined "
        "or detached)");
  // std::function needs a copyable callable, hence the shared_ptr.
  auto held = std::make_shared<std::thread>(std::move(thread));
  try {
    track(std::move(name), std::nullopt, [held] { held->join(); });
  } catch (...) {
    join_after_failed_helper(*held);
  }
}

void Coordinator::register_thread(std::jthread thread, std::string name) {
  if (!thread.joinable())
    throw InvalidArgument(
        "Coordinator::register_thread: the jthread is not joinable (default-constructed, joined "
        "or detached)");
  std::stop_source source = thread.get_stop_source();
  auto held = std::make_shared<std::jthread>(std::move(thread));
  try {
    track(std::move(name), source, [held] { held->join(); });
  } catch (...) {
    join_after_failed_helper(*held);
  }
  // A stop requested before the entry existed did not reach this jthread.
  if (should_stop()) source.request_stop();
}

void Coordinator::join(std::chrono::nanoseconds stop_grace_period) {
  std::lock_guard join_lock(join_mutex_);
  std::unique_lock lock(mutex_);
  std::vector<std::list<Tracked>::iterator> mine;
  for (auto it = threads_.begin(); it != threads_.end(); ++it) mine.push_back(it);
  const auto all_done = [&] { return std::all_of(mine.begin(), mine.end(), [](const auto& it) { return it->done; }); };
  changed_.wait(lock, [&] { return stopped_.load(std::memory_order_relaxed) || all_done(); });
  if (!all_done()) detail::wait_until(lock, changed_, detail::deadline_after(stop_grace_period), all_done);

  std::vector<std::thread> finished;
  std::vector<std::string> stragglers;
  for (const auto& it : mine) {
    if (it->done) {
      finished.push_back(std::move(it->thread));
      threads_.erase(it);
    } else {
      stragglers.push_back(it->name.empty() ? "(unnamed)" : it->name);
    }
  }
  const std::exception_ptr error = error_;
  lock.unlock();
  // Each of these has marked itself done, so it is at most returning.
  for (std::thread& t : finished) t.join();
  if (error) std::rethrow_exception(error);
  if (!stragglers.empty()) {
    std::string names;
    for (const std::string& name : stragglers) names += (names.empty() ? "" : ", ") + name;
    throw FailedPrecondition("Coordinator::join: " + std::to_string(stragglers.size()) + " of " +
                             std::to_string(mine.size()) + " threads did not stop within the grace period of " +
                             duration_text(stop_grace_period) + " after the stop request (" + names +
                             "); the Coordinator keeps them, and a later join() or its destructor waits for them");
  }
}

template <class Thread>
void Coordinator::register_all(std::vector<Thread>& threads) {
  // Every thread gets registered (or, failing that, joined) before an error
  // propagates: none may be destroyed while joinable.
  std::exception_ptr failure;
  for (Thread& t : threads) {
    try {
      register_thread(std::move(t));
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

void Coordinator::join(std::vector<std::thread> threads, std::chrono::nanoseconds stop_grace_period) {
  register_all(threads);
  join(stop_grace_period);
}

void Coordinator::join(std::vector<std::jthread> threads, std::chrono::nanoseconds stop_grace_period) {
  register_all(threads);
  join(stop_grace_period);
}

std::size_t Coordinator::num_threads() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

}  // namespace eager::data
