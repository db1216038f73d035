// The seed's queues-and-threads examples in C++ with eager::data's FIFOQueue,
// RandomShuffleQueue, Coordinator and QueueRunner.
//
// TensorFlow 1 (Python)                          eager (C++)
//   q = tf.FIFOQueue(2, "int32")                   data::FIFOQueue<int> q(2);
//   q.enqueue_many(([0, 10],)); q.dequeue()        q.enqueue_many({0, 10}); q.dequeue();
//   coord = tf.train.Coordinator()                 data::Coordinator coord;
//   coord.should_stop() / request_stop()           coord.should_stop() / coord.request_stop()
//   coord.join(threads)                            coord.join(std::move(threads));
//   qr = tf.train.QueueRunner(q, [op] * 5)         data::QueueRunner<T> qr(q, producer, 5);
//   tf.train.start_queue_runners(sess, coord)      qr.create_threads(coord);
//   tf.train.shuffle_batch([x, y], batch_size,     RandomShuffleQueue + QueueRunner +
//     capacity, min_after_dequeue)                 dequeue_many(batch_size) + eager::stack
//
// There is no session: an enqueue or dequeue runs when it is called.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "eager/data/coordinator.hpp"
#include "eager/data/queue.hpp"
#include "eager/eager.hpp"

namespace data = eager::data;

// A first-in first-out queue holding at most two elements: take x, put back
// x + 1. Prints 0 10 1 11 2.
void queue_basics() {
  std::cout << "== FIFOQueue: dequeue x, enqueue x + 1\n";
  data::FIFOQueue<int> q(2);
  q.enqueue_many({0, 10});
  for (int i = 0; i < 5; ++i) {
    const int x = q.dequeue();
    q.enqueue(x + 1);
    std::cout << x << "\n";
  }
}

// Five threads work until one of them, by chance, asks all to stop. The seed
// sleeps a second per step; a few milliseconds show the same thing.
void coordinator_loop() {
  std::cout << "== Coordinator: threads stop together\n";
  data::Coordinator coord;
  std::mutex print;
  std::vector<std::thread> threads;
  for (int id = 0; id < 5; ++id)
    threads.emplace_back([&coord, &print, id] {
      std::mt19937 rng(static_cast<unsigned>(id) + 1);
      std::uniform_real_distribution<double> uniform(0.0, 1.0);
      while (!coord.should_stop()) {
        {
          std::lock_guard lock(print);
          if (uniform(rng) < 0.1) {
            std::cout << "Stopping from id: " << id << "\n";
            coord.request_stop();
          } else {
            std::cout << "Working on id: " << id << "\n";
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  coord.join(std::move(threads));
  std::cout << "all threads stopped\n";
}

// Five threads fill a queue of 100 with random numbers; the main thread takes
// three, then stops them. The stop closes the queue, which releases the
// producers blocked on it once it is full.
void queue_runner() {
  std::cout << "== QueueRunner: 5 threads enqueue random numbers\n";
  data::FIFOQueue<eager::Tensor> q(100);
  data::QueueRunner<eager::Tensor> runner(
      q, [] { return eager::random::normal({1}); }, 5);
  data::Coordinator coord;
  runner.create_threads(coord);
  for (int i = 0; i < 3; ++i) std::cout << q.dequeue().to_vector<float>()[0] << "\n";
  coord.request_stop();
  coord.join();
  std::cout << "stopped; queue closed: " << std::boolalpha << q.is_closed() << "\n";
}

// tf.train.shuffle_batch: reader threads put single examples into a
// RandomShuffleQueue; each training step takes batch_size of them, drawn at
// random from at least min_after_dequeue, and stacks them. The 40 examples
// here stand for parsed TFRecords (an "image" of 3 values and a label, which
// is the example's number to show the shuffle); when the readers run out, the
// queue closes and the last full batch ends the loop.
void shuffle_batch() {
  std::cout << "== shuffle_batch: RandomShuffleQueue + QueueRunner + dequeue_many\n";
  struct Example {
    eager::Tensor image;
    std::int32_t label;
  };
  constexpr std::size_t kBatchSize = 4, kMinAfterDequeue = 10;
  constexpr std::size_t kCapacity = kMinAfterDequeue + 3 * kBatchSize;  // the seed's rule
  constexpr int kExamples = 40;
  data::RandomShuffleQueue<Example> q(kCapacity, kMinAfterDequeue, /*seed=*/7);
  std::atomic<int> next{0};
  data::QueueRunner<Example> readers(
      q,
      [&next]() -> std::optional<Example> {
        const int i = next++;
        if (i >= kExamples) return std::nullopt;
        return Example{eager::fill({3}, static_cast<float>(i)), i};
      },
      2);
  data::Coordinator coord;
  readers.create_threads(coord);
  int step = 0;
  try {
    for (;; ++step) {
      std::vector<Example> batch = q.dequeue_many(kBatchSize);
      std::vector<eager::Tensor> images;
      std::vector<std::int32_t> labels;
      for (Example& e : batch) {
        images.push_back(e.image);
        labels.push_back(e.label);
      }
      const eager::Tensor image_batch = eager::stack(images);
      const eager::Tensor label_batch = eager::constant(labels, {static_cast<std::int64_t>(labels.size())});
      std::cout << "step " << step << ": images " << image_batch.shape().to_string() << ", labels " << label_batch
                << "\n";
    }
  } catch (const eager::OutOfRange&) {
    std::cout << "input exhausted after " << step << " batches\n";
  }
  coord.join();
}

int main() {
  queue_basics();
  coordinator_loop();
  queue_runner();
  shuffle_batch();
  return 0;
}
