// Shape storage, the thread pool and the elementwise loop's layout handling.
#include <atomic>
#include <thread>
#include <vector>

#include "tensor/thread_pool.hpp"
#include "test_util.hpp"

using namespace eager;
using eager::test::random_tensor;
using eager::test::require_close;

TEST_CASE("Shape keeps small ranks inline and large ranks on the heap", "[shape]") {
  Shape s{2, 3};
  REQUIRE(s.rank() == 2);
  REQUIRE(s.num_elements() == 6);
  REQUIRE(s.to_string() == "(2, 3)");
  REQUIRE(Shape{}.to_string() == "()");
  REQUIRE(Shape{5}.to_string() == "(5,)");
  REQUIRE(Shape{}.num_elements() == 1);
  Shape big{1, 2, 3, 4, 5, 6};
  big.push_back(7);
  big.insert(0, 8);
  REQUIRE(big.rank() == 8);
  REQUIRE(big.to_vector() == std::vector<std::int64_t>{8, 1, 2, 3, 4, 5, 6, 7});
  Shape copy = big;
  copy.erase(0);
  copy.erase(6);
  REQUIRE(copy == Shape{1, 2, 3, 4, 5, 6});
  REQUIRE(big.rank() == 8);
  Shape moved = std::move(big);
  REQUIRE(moved.rank() == 8);
  REQUIRE(Shape::filled(9, 2).num_elements() == 512);
  REQUIRE_THROWS_AS((Shape{1LL << 40, 1LL << 40}).num_elements(), InvalidArgument);
  REQUIRE_THROWS_AS((Shape{-1, 2}).num_elements(), InvalidArgument);
}

TEST_CASE("elementwise ops work on rank-8 tensors with mixed broadcasting", "[elementwise][shape]") {
  const Tensor a = random_tensor(Shape{2, 1, 3, 1, 2, 1, 2, 3}, DType::Float64, 11);
  const Tensor b = random_tensor(Shape{3, 2, 2, 1, 3}, DType::Float64, 12);
  const Tensor y = a + b;
  REQUIRE(y.shape() == Shape{2, 1, 3, 3, 2, 2, 2, 3});
  const auto ab = broadcast_to(a, y.shape()).to_vector<double>();
  const auto bb = broadcast_to(b, y.shape()).to_vector<double>();
  std::vector<double> expected(ab.size());
  for (std::size_t i = 0; i < ab.size(); ++i) expected[i] = ab[i] + bb[i];
  require_close(y, expected, 1e-12, 1e-12);
}

TEST_CASE("parallel_for covers every index exactly once", "[runtime][threads]") {
  for (std::int64_t n : {0, 1, 100, 100000, 1234567}) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
    detail::parallel_for(n, 1000, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) hits[static_cast<std::size_t>(i)]++;
    });
    for (auto& h : hits) REQUIRE(h.load() == 1);
  }
}

TEST_CASE("nested and concurrent parallel_for calls complete", "[runtime][threads]") {
  std::atomic<std::int64_t> total{0};
  detail::parallel_for(64, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      detail::parallel_for(1000, 10, [&](std::int64_t b, std::int64_t e) { total += e - b; });
  });
  REQUIRE(total.load() == 64 * 1000);

  // Ops from several user threads at once share the pool safely.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const Tensor a = fill(Shape{200000}, t);
      for (int i = 0; i < 20; ++i)
        if (reduce_sum(a + 1).item<double>() != 200000.0 * (t + 1)) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures.load() == 0);
}

TEST_CASE("an exception inside a parallel chunk reaches the caller", "[runtime][threads]") {
  std::atomic<int> chunks{0};
  REQUIRE_THROWS_AS(detail::parallel_for(1 << 20, 1 << 10,
                                         [&](std::int64_t begin, std::int64_t) {
                                           ++chunks;
                                           if (begin == 0) throw std::runtime_error("chunk failed");
                                         }),
                    std::runtime_error);
  REQUIRE(chunks.load() >= 1);
  // The pool is still usable afterwards.
  std::atomic<std::int64_t> total{0};
  detail::parallel_for(1 << 20, 1 << 10, [&](std::int64_t b, std::int64_t e) { total += e - b; });
  REQUIRE(total.load() == (1 << 20));
}
