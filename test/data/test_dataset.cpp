// Order and content of every Dataset transformation against TF's documented
// semantics, with TF's own worked examples where the docs give one.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "eager/eager.hpp"
#include "eager/data/dataset.hpp"
#include "data/temp_dir.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::MessageContains;

namespace {

std::vector<std::int64_t> values(const data::Dataset<std::int64_t>& ds) { return ds.to_vector(); }

std::vector<std::int64_t> tensor_values(const data::Dataset<Tensor>& ds) {
  std::vector<std::int64_t> out;
  for (const Tensor& t : ds) out.push_back(t.item<std::int64_t>());
  return out;
}

using V = std::vector<std::int64_t>;

using eager::test::TempDir;

}  // namespace

TEST_CASE("range, take, skip, shard and enumerate", "[pipeline]") {
  CHECK(values(data::range(5)) == V{0, 1, 2, 3, 4});
  CHECK(values(data::range(2, 11, 3)) == V{2, 5, 8});
  CHECK(values(data::range(5, 0, -2)) == V{5, 3, 1});
  CHECK(values(data::range(0)).empty());
  CHECK_THROWS_MATCHES(data::range(0, 5, 0), InvalidArgument, MessageContains("step must not be 0"));
  CHECK(values(data::range(10).take(3)) == V{0, 1, 2});
  CHECK(values(data::range(3).take(10)) == V{0, 1, 2});
  CHECK(values(data::range(3).take(-1)) == V{0, 1, 2});
  CHECK(values(data::range(10).skip(7)) == V{7, 8, 9});
  CHECK(values(data::range(10).skip(-1)).empty());
  CHECK(values(data::range(10).shard(3, 1)) == V{1, 4, 7});
  CHECK_THROWS_MATCHES(data::range(10).shard(3, 3), InvalidArgument, MessageContains("index must be in [0, 3)"));
  auto enumerated = data::range(3).map([](std::int64_t x) { return x * 10; }).enumerate(5).to_vector();
  REQUIRE(enumerated.size() == 3);
  CHECK(enumerated[2] == std::tuple<std::int64_t, std::int64_t>{7, 20});
}

TEST_CASE("map deduces the element type and unpacks tuples", "[pipeline]") {
  auto strings = data::range(3).map([](std::int64_t x) { return std::to_string(x * x); }).to_vector();
  CHECK(strings == std::vector<std::string>{"0", "1", "4"});

  Tensor features = constant<float>({{1, 2}, {3, 4}, {5, 6}});
  Tensor labels = constant<std::int64_t>({7, 8, 9});
  auto ds = data::from_tensor_slices(features, labels).map([](Tensor x, Tensor y) {
    return std::tuple{x * 2.0, y + std::int64_t(1)};
  });
  std::vector<float> doubled;
  V incremented;
  for (auto& [x, y] : ds) {
    for (float v : x.to_vector<float>()) doubled.push_back(v);
    incremented.push_back(y.item<std::int64_t>());
  }
  CHECK(doubled == std::vector<float>{2, 4, 6, 8, 10, 12});
  CHECK(incremented == V{8, 9, 10});
}

TEST_CASE("filter keeps the elements its predicate accepts (bool or scalar bool tensor)", "[pipeline]") {
  CHECK(values(data::range(10).filter([](std::int64_t x) { return x % 3 == 0; })) == V{0, 3, 6, 9});
  auto ds = data::from_tensor_slices(constant<std::int64_t>({1, 5, 2, 8}))
                .filter([](const Tensor& x) { return greater(x, scalar(std::int64_t(3))); });
  CHECK(tensor_values(ds) == V{5, 8});
}

TEST_CASE("from_tensor_slices checks its components", "[pipeline]") {
  CHECK_THROWS_MATCHES(data::from_tensor_slices(scalar(1.0f)), InvalidArgument, MessageContains("rank >= 1"));
  CHECK_THROWS_MATCHES(data::from_tensor_slices(zeros({3, 2}), zeros({4})), InvalidArgument,
                       MessageContains("component 1 has 4"));
  auto maps = data::from_tensor_slices(std::map<std::string, Tensor>{{"a", constant<std::int64_t>({1, 2})},
                                                                     {"b", constant<std::int64_t>({3, 4})}})
                  .to_vector();
  REQUIRE(maps.size() == 2);
  CHECK(maps[1].at("b").item<std::int64_t>() == 4);
  CHECK(data::from_tensor_slices(std::vector<std::string>{"x", "y"}).to_vector() == std::vector<std::string>{"x", "y"});
  auto single = data::from_tensors(constant<float>({1, 2, 3})).to_vector();
  REQUIRE(single.size() == 1);
  CHECK(single[0].shape() == Shape{3});
}

TEST_CASE("batch stacks component-wise and refuses mismatched shapes", "[pipeline]") {
  auto batches = data::range(7).batch(3).to_vector();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].to_vector<std::int64_t>() == V{0, 1, 2});
  CHECK(batches[2].to_vector<std::int64_t>() == V{6});
  CHECK(data::range(7).batch(3, true).to_vector().size() == 2);

  auto pairs = data::from_tensor_slices(zeros({5, 2}), constant<std::int64_t>({0, 1, 2, 3, 4})).batch(2).to_vector();
  REQUIRE(pairs.size() == 3);
  CHECK(std::get<0>(pairs[0]).shape() == Shape{2, 2});
  CHECK(std::get<1>(pairs[2]).to_vector<std::int64_t>() == V{4});

  auto strings = data::from_tensor_slices(std::vector<std::string>{"a", "b", "c"}).batch(2).to_vector();
  CHECK(strings == std::vector<std::vector<std::string>>{{"a", "b"}, {"c"}});

  // Element 7 (the second of the third batch) has another shape; the error
  // names the batch's first input element.
  auto ragged = data::range(10).map([](std::int64_t n) { return zeros({n == 7 ? 2 : 1}); });
  CHECK_THROWS_MATCHES(ragged.batch(3).to_vector(), data::PipelineError,
                       MessageContains("batch: element 6: cannot stack the batch's input elements 0 and 1") &&
                           MessageContains("use padded_batch"));
  CHECK_THROWS_MATCHES(data::range(3).batch(0), InvalidArgument, MessageContains("batch_size must be >= 1"));
}

TEST_CASE("padded_batch pads to the longest element or to a given shape", "[pipeline]") {
  // TF's example: range(1, 5).map(lambda x: fill([x], x)).padded_batch(2)
  auto ds = data::range(1, 5).map([](std::int64_t x) { return fill({x}, x); });
  auto batches = ds.padded_batch(2).to_vector();
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].shape() == Shape{2, 2});
  CHECK(batches[0].to_vector<std::int64_t>() == V{1, 0, 2, 2});
  CHECK(batches[1].to_vector<std::int64_t>() == V{3, 3, 3, 0, 4, 4, 4, 4});

  auto fixed = ds.padded_batch(2, {.shapes = {{5}}, .values = {std::int64_t(-1)}}).to_vector();
  CHECK(fixed[0].to_vector<std::int64_t>() == V{1, -1, -1, -1, -1, 2, 2, -1, -1, -1});
  CHECK_THROWS_MATCHES(ds.padded_batch(4, {.shapes = {{3}}}).to_vector(), data::PipelineError,
                       MessageContains("more than the padded shape's 3"));

  auto tuples = data::zip(ds, data::range(1, 5)).map([](Tensor x, std::int64_t y) {
    return std::tuple{x, fill({y, 1}, y)};
  });
  auto padded = tuples.padded_batch(4).to_vector();
  REQUIRE(padded.size() == 1);
  CHECK(std::get<0>(padded[0]).shape() == Shape{4, 4});
  CHECK(std::get<1>(padded[0]).shape() == Shape{4, 4, 1});
}

TEST_CASE("unbatch undoes batch", "[pipeline]") {
  auto ds = data::range(7).batch(3).unbatch();
  CHECK(tensor_values(ds) == V{0, 1, 2, 3, 4, 5, 6});
  auto tuples =
      data::from_tensor_slices(constant<std::int64_t>({{1, 2}, {3, 4}}), constant<std::int64_t>({{5, 6}, {7, 8}}))
          .unbatch()
          .to_vector();
  REQUIRE(tuples.size() == 4);
  CHECK(std::get<1>(tuples[3]).item<std::int64_t>() == 8);
  CHECK_THROWS_MATCHES(data::from_tensors(scalar(1.0f)).unbatch().to_vector(), data::PipelineError,
                       MessageContains("rank >= 1"));
}

TEST_CASE("repeat restarts its input; repeat after shuffle reshuffles each pass", "[pipeline]") {
  CHECK(values(data::range(3).repeat(2)) == V{0, 1, 2, 0, 1, 2});
  CHECK(values(data::range(3).repeat(0)).empty());
  CHECK(values(data::range(3).repeat().take(7)) == V{0, 1, 2, 0, 1, 2, 0});
  CHECK(values(data::range(0).repeat()).empty());  // an empty input ends an endless repeat

  auto passes = values(data::range(10).shuffle(10, 42).repeat(3));
  REQUIRE(passes.size() == 30);
  std::vector<V> orders;
  for (int p = 0; p < 3; ++p) {
    V pass(passes.begin() + 10 * p, passes.begin() + 10 * (p + 1));
    V sorted = pass;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    orders.push_back(pass);
  }
  CHECK(orders[0] != orders[1]);
  CHECK(orders[1] != orders[2]);
  // The same recipe rebuilt with the same seed gives the same sequence of orders.
  CHECK(values(data::range(10).shuffle(10, 42).repeat(3)) == passes);
  // Without reshuffling, every pass has the first pass's order.
  auto fixed = values(data::range(10).shuffle(10, 42, false).repeat(2));
  CHECK(V(fixed.begin(), fixed.begin() + 10) == V(fixed.begin() + 10, fixed.end()));
}

TEST_CASE("shuffle follows TF's buffer algorithm", "[pipeline]") {
  CHECK(values(data::range(10).shuffle(1, 3)) == V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  // With a buffer of B, output i is one of the first i + B inputs, and the
  // first output is one of the first B.
  for (std::int64_t seed = 0; seed < 20; ++seed) {
    auto out = values(data::range(100).shuffle(5, seed));
    REQUIRE(out.size() == 100);
    for (std::size_t i = 0; i < out.size(); ++i) CHECK(out[i] < std::int64_t(i) + 5);
    CHECK(std::set<std::int64_t>(out.begin(), out.end()).size() == 100);
  }
  // A full-size buffer reaches every permutation's first element evenly.
  std::vector<int> first(4, 0);
  auto ds = data::range(4).shuffle(4, 7);
  for (int pass = 0; pass < 4000; ++pass) ++first[std::size_t(values(ds)[0])];
  for (int count : first) CHECK(std::abs(count - 1000) < 150);
  // Separate iterators of one dataset differ (each is a new pass) ...
  CHECK(values(ds) != values(ds));
  CHECK_THROWS_MATCHES(data::range(3).shuffle(0), InvalidArgument, MessageContains("buffer_size must be >= 1"));
}

TEST_CASE("zip, concatenate and interleave", "[pipeline]") {
  auto zipped = data::zip(data::range(3), data::range(10, 20)).to_vector();
  REQUIRE(zipped.size() == 3);
  CHECK(zipped[2] == std::tuple<std::int64_t, std::int64_t>{2, 12});
  CHECK(values(data::range(2).concatenate(data::range(5, 7))) == V{0, 1, 5, 6});

  // TF's documented example.
  auto inner = [](std::int64_t x) { return data::from_tensors(x).repeat(6); };
  const V expected{1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5};
  CHECK(values(data::range(1, 6).interleave(inner, 2, 4)) == expected);
  CHECK(values(data::range(1, 6).interleave(inner, 2, 4, 4)) == expected);
  CHECK(values(data::range(1, 4).flat_map([](std::int64_t x) { return data::range(x); })) == V{0, 0, 1, 0, 1, 2});
  // Inner datasets of different lengths: an exhausted one frees its place.
  auto lengths = data::range(1, 4).interleave([](std::int64_t x) { return data::range(x * 10, x * 10 + x); }, 2, 1);
  CHECK(values(lengths) == V{10, 20, 21, 30, 31, 32});
}

TEST_CASE("cache in memory replays the first complete pass", "[pipeline]") {
  int calls = 0;
  auto ds = data::range(4).map([&calls](std::int64_t x) { ++calls; return x * 2; }).cache();
  CHECK(values(ds) == V{0, 2, 4, 6});
  CHECK(values(ds) == V{0, 2, 4, 6});
  CHECK(calls == 4);
  // An abandoned pass caches nothing.
  int partial_calls = 0;
  auto partial = data::range(4).map([&partial_calls](std::int64_t x) { ++partial_calls; return x; }).cache();
  {
    auto it = partial.make_iterator();
    it.next();
  }
  CHECK(values(partial) == V{0, 1, 2, 3});
  CHECK(values(partial) == V{0, 1, 2, 3});
  CHECK(partial_calls == 5);
}

TEST_CASE("from_generator calls the factory once per pass", "[pipeline]") {
  auto ds = data::from_generator([] {
    return [i = std::int64_t(0)]() mutable -> std::optional<std::int64_t> {
      if (i >= 3) return std::nullopt;
      return i++;
    };
  });
  CHECK(values(ds) == V{0, 1, 2});
  CHECK(values(ds.repeat(2)) == V{0, 1, 2, 0, 1, 2});
}

TEST_CASE("a stage is never asked for more after its input ended", "[pipeline]") {
  // A generator that starts over after reporting its end: batch's short last
  // batch must not make it run again.
  auto restarting = data::from_generator([] {
    return [i = std::int64_t(0)]() mutable -> std::optional<std::int64_t> {
      if (i == 3) {
        i = 0;
        return std::nullopt;
      }
      return i++;
    };
  });
  auto batches = restarting.batch(2).take(6).to_vector();
  REQUIRE(batches.size() == 2);
  CHECK(batches[1].to_vector<std::int64_t>() == V{2});
  CHECK(values(data::zip(data::range(100), restarting).map([](std::int64_t a, std::int64_t b) { return a + b; })) ==
        V{0, 2, 4});

  // A finite repeat makes all its passes even when one is empty (as TF).
  auto pass = std::make_shared<int>(0);
  auto sometimes_empty = data::from_generator([pass] {
    const int this_pass = (*pass)++;
    return [this_pass, i = std::int64_t(0)]() mutable -> std::optional<std::int64_t> {
      if (this_pass == 0 || i == 2) return std::nullopt;
      return i++;
    };
  });
  CHECK(values(sometimes_empty.repeat(3)) == V{0, 1, 0, 1});
}

TEST_CASE("errors in user functions name the stage and the element", "[pipeline]") {
  auto ds = data::range(10).map([](std::int64_t x) {
    if (x == 4) throw InvalidArgument("four is not allowed");
    return x;
  });
  auto it = ds.make_iterator();
  for (int i = 0; i < 4; ++i) CHECK(it.next() == i);
  try {
    it.next();
    FAIL("no exception");
  } catch (const data::PipelineError& e) {
    CHECK(e.stage() == "map");
    CHECK(e.element_index() == 4);
    CHECK(std::string(e.what()) == "map: element 4: four is not allowed");
    CHECK_THROWS_AS(std::rethrow_if_nested(e), InvalidArgument);
  }
  CHECK_FALSE(it.next().has_value());
  auto filtered = data::range(5).filter([](std::int64_t x) -> bool {
    if (x == 2) throw std::runtime_error("bad predicate");
    return true;
  });
  CHECK_THROWS_MATCHES(filtered.to_vector(), data::PipelineError, MessageContains("filter: element 2: bad predicate"));
  auto interleaved = data::range(5).interleave(
      [](std::int64_t x) {
        if (x == 2) throw InvalidArgument("no dataset for 2");
        return data::range(x);
      },
      1);
  CHECK_THROWS_MATCHES(interleaved.to_vector(), data::PipelineError,
                       MessageContains("interleave: element 2: no dataset for 2"));
  auto generated = data::from_generator([] {
    return [i = 0]() mutable -> std::optional<int> {
      if (i == 3) throw DataLoss("generator broke");
      return i++;
    };
  });
  CHECK_THROWS_MATCHES(generated.repeat(2).to_vector(), data::PipelineError,
                       MessageContains("from_generator: element 3: generator broke"));
}

TEST_CASE("stage statistics count elements per stage", "[pipeline]") {
  auto ds = data::range(100).map([](std::int64_t x) { return x + 1; }).batch(10).prefetch(2);
  auto it = ds.make_iterator({.collect_stats = true});
  int batches = 0;
  while (it.next()) ++batches;
  CHECK(batches == 10);
  auto stats = it.stats();
  REQUIRE(stats.size() == 4);
  CHECK(stats[0].stage == "prefetch");
  CHECK(stats[0].elements == 10);
  CHECK(stats[0].buffer_capacity == 2);
  CHECK(stats[1].stage == "prefetch/batch");
  CHECK(stats[2].stage == "prefetch/batch/map");
  CHECK(stats[2].elements == 100);
  CHECK(stats[3].stage == "prefetch/batch/map/range");
  CHECK(stats[3].depth == 3);
  const std::string table = data::format_stats(stats);
  CHECK(table.find("      range") != std::string::npos);
  CHECK(ds.make_iterator().stats().empty());
}

TEST_CASE("parallel map gives the same elements in the same order on any number of threads", "[pipeline]") {
  auto augment = [](Tensor x, const data::ElementContext& ctx) {
    return x + random::stateless_uniform(x.shape(), ctx.seed);
  };
  auto base = data::from_tensor_slices(zeros({200, 3}));
  auto reference = base.map(augment, data::MapOptions{.seed = 11}).to_vector();
  for (int threads : {2, 3, 8, data::AUTOTUNE}) {
    auto parallel = base.map(augment, data::MapOptions{.num_parallel_calls = threads, .seed = 11}).to_vector();
    REQUIRE(parallel.size() == reference.size());
    for (std::size_t i = 0; i < reference.size(); ++i)
      CHECK(parallel[i].to_vector<float>() == reference[i].to_vector<float>());
  }
  // Another pass draws other values (the iteration is part of the seed) ...
  auto ds = base.map(augment, data::MapOptions{.num_parallel_calls = 4, .seed = 11});
  auto first = ds.to_vector(), second = ds.to_vector();
  CHECK(first[0].to_vector<float>() != second[0].to_vector<float>());
  // ... and a rebuilt pipeline repeats them.
  auto again = base.map(augment, data::MapOptions{.num_parallel_calls = 4, .seed = 11}).to_vector();
  CHECK(again[5].to_vector<float>() == first[5].to_vector<float>());

  auto unordered = data::range(1000).map([](std::int64_t x) { return x * 3; },
                                          data::MapOptions{.num_parallel_calls = 4, .deterministic = false});
  auto got = values(unordered);
  std::sort(got.begin(), got.end());
  V expected(1000);
  for (int i = 0; i < 1000; ++i) expected[std::size_t(i)] = 3 * i;
  CHECK(got == expected);
}

TEST_CASE("parallel map and prefetch deliver errors in order and stop cleanly", "[pipeline]") {
  auto failing = data::range(100).map(
      [](std::int64_t x) {
        if (x == 37) throw OutOfRange("element 37 is cursed");
        return x;
      },
      4);
  auto it = failing.prefetch(3).make_iterator();
  for (std::int64_t i = 0; i < 37; ++i) REQUIRE(it.next() == i);
  CHECK_THROWS_MATCHES(it.next(), data::PipelineError,
                       MessageContains("parallel_map: element 37: element 37 is cursed"));
  CHECK_FALSE(it.next().has_value());

  // Dropping iterators mid-epoch, many times over: no hang, no leak (ASan/TSan runs check the rest).
  auto slow = data::range(1000000).map([](std::int64_t x) { return x; }, 3).prefetch(4).interleave(
      [](std::int64_t x) { return data::range(x, x + 3); }, 2, 1, 2);
  for (int round = 0; round < 2000; ++round) {
    auto partial = slow.make_iterator();
    for (int k = 0; k < round % 5; ++k) partial.next();
  }
  // Dropping a parallel map whose input is slow: the workers waiting for the
  // input give up instead of each pulling and mapping one more element
  // (8 x 50 ms before that was fixed).
  auto slow_input = data::range(1000).map([](std::int64_t x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return x;
  });
  {
    auto parallel = slow_input.map([](std::int64_t x) { return x; }, 8).make_iterator();
    CHECK(parallel.next() == 0);
    const auto start = std::chrono::steady_clock::now();
    parallel = slow_input.take(0).map([](std::int64_t x) { return x; }, 8).make_iterator();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(300));
  }
  // Unordered results: errors and the end arrive too.
  auto unordered = data::range(100).map(
      [](std::int64_t x) {
        if (x == 37) throw OutOfRange("cursed");
        return x;
      },
      data::MapOptions{.num_parallel_calls = 4, .deterministic = false});
  CHECK_THROWS_MATCHES(unordered.to_vector(), data::PipelineError, MessageContains("parallel_map: element 37: cursed"));
  // Upstream errors pass through the parallel map unchanged.
  auto upstream = data::range(10).map([](std::int64_t x) {
    if (x == 3) throw DataLoss("bad record");
    return x;
  });
  CHECK_THROWS_MATCHES(upstream.map([](std::int64_t x) { return x; }, 2).to_vector(), data::PipelineError,
                       MessageContains("map: element 3: bad record"));
}

TEST_CASE("cache to a file writes once and is reused by later datasets", "[pipeline]") {
  TempDir dir;
  const std::string file = dir / "pipeline.cache";
  int calls = 0;
  auto make = [&] {
    return data::range(5).map([&calls](std::int64_t x) {
      ++calls;
      return std::tuple{constant<float>({float(x), 0.5f}), std::to_string(x), x};
    });
  };
  {
    auto it = make().cache(file).make_iterator();
    it.next();
  }
  CHECK_FALSE(std::filesystem::exists(file));  // an abandoned pass leaves nothing
  // A short last batch after the cache: the cache is committed exactly once.
  auto first_batches = make().cache(file).batch(2).to_vector();
  CHECK(first_batches.size() == 3);
  auto first = make().cache(file).to_vector();
  CHECK(std::filesystem::exists(file));
  const int calls_after_write = calls;
  auto second = make().cache(file).to_vector();
  CHECK(calls == calls_after_write);
  REQUIRE(second.size() == 5);
  CHECK(std::get<0>(second[3]).to_vector<float>() == std::vector<float>{3, 0.5f});
  CHECK(std::get<1>(second[4]) == "4");
  CHECK(std::get<2>(second[2]) == 2);
  // A cache of another element type is reported, not misread.
  CHECK_THROWS_AS(
      data::range(3).map([](std::int64_t x) { return constant<float>({float(x)}); }).cache(file).to_vector(), DataLoss);
}
