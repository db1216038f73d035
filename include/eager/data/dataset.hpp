#pragma once
// eager::data::Dataset<T>: tf.data for C++. A Dataset is an immutable, lazy
// recipe; iterating it (range-for, or make_iterator()) starts a fresh pass,
// which is what TF calls initialising an iterator. The end of the data is the
// end of the range.
//
//   auto ds = data::from_tensor_slices(images, labels)
//                 .map([](Tensor x, Tensor y) { return std::tuple{x.cast(DType::Float32) / 255.0, y}; })
//                 .shuffle(10000, /*seed=*/1)
//                 .batch(100)
//                 .prefetch(2);
//   for (auto& [x, y] : ds) train_step(x, y);
//
// Elements are plain C++ values (Tensor, tuples, strings, maps); map deduces
// the new element type, batch stacks component-wise (eager/data/element.hpp).
// Stages that take a seed are reproducible run after run; random work inside
// a map uses ElementContext::seed (eager/data/pipeline.hpp). Files:
// TextLineDataset, TFRecordDataset and list_files are in eager/data/readers.hpp.
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "eager/data/detail/async_stages.hpp"
#include "eager/data/detail/cache.hpp"
#include "eager/data/detail/stages.hpp"
#include "eager/data/element.hpp"
#include "eager/data/pipeline.hpp"
#include "eager/scalar.hpp"
#include "eager/tensor.hpp"

namespace eager::data {

template <class T> class Dataset;

struct IteratorOptions {
  // Record per-stage statistics (Iterator::stats()). Off by default: timing
  // every element costs two clock reads per stage.
  bool collect_stats = false;
};

struct MapOptions {
  // 1: call the function on the consumer's thread. > 1 or AUTOTUNE: that many
  // worker threads (AUTOTUNE: one per hardware thread), the function called
  // concurrently on copies of it, up to 2 x threads results kept ready.
  int num_parallel_calls = 1;
  // With parallel calls: keep the input order (true) or hand results out as
  // they finish (false, as TF's deterministic=False).
  bool deterministic = true;
  // Seed of ElementContext::seed, for functions that take one; unset: drawn
  // from eager's global generator (reproducible after set_seed, else random).
  std::optional<std::int64_t> seed = std::nullopt;
};

// Padding for padded_batch, per component of the element (one entry for a
// Tensor element; one per tuple component). An empty `shapes` entry, or a -1
// dimension, pads to the longest element of the batch in that dimension.
struct PaddedBatchOptions {
  std::vector<std::vector<std::int64_t>> shapes = {};
  std::vector<Scalar> values = {};  // default 0
  bool drop_remainder = false;
};

// A started pass over a dataset. next() returns elements until nullopt; after
// the end, or after next() threw, it keeps returning nullopt. Destroying an
// iterator stops and joins the threads of its stages.
template <class T> class Iterator {
 public:
  class Cursor;

  Iterator(detail::NodePtr<T> node, IteratorOptions options) : node_(std::move(node)) {
    detail::IterContext ctx;
    if (options.collect_stats) {
      stats_ = std::make_unique<detail::StatsRegistry>();
      ctx.stats = stats_.get();
    }
    impl_ = node_->make_iterator(ctx);
  }
  Iterator(Iterator&&) noexcept = default;
  // Stops the old pass before releasing the recipe its threads still use.
  Iterator& operator=(Iterator&& other) noexcept {
    impl_.reset();
    node_ = std::move(other.node_);
    stats_ = std::move(other.stats_);
    impl_ = std::move(other.impl_);
    return *this;
  }

  std::optional<T> next() {
    if (!impl_) return std::nullopt;
    try {
      std::optional<T> element = impl_->next();
      if (!element) impl_.reset();  // stops the stages' threads now, not at destruction
      return element;
    } catch (...) {
      impl_.reset();
      throw;
    }
  }

  // Per-stage statistics so far (empty unless IteratorOptions::collect_stats).
  std::vector<StageStats> stats() const { return stats_ ? stats_->snapshot() : std::vector<StageStats>{}; }

  // Range-for over the remaining elements.
  Cursor begin() { return Cursor(this); }
  std::default_sentinel_t end() const { return {}; }

 private:
  // Declared before impl_, which points into both: iterators refer to their
  // stage (and it to its inputs), so the recipe lives as long as the pass.
  detail::NodePtr<T> node_;
  std::unique_ptr<detail::StatsRegistry> stats_;
  detail::IterPtr<T> impl_;
};

template <class T> class Iterator<T>::Cursor {
 public:
  using value_type = T;
  using difference_type = std::ptrdiff_t;

  explicit Cursor(Iterator* iterator) : iterator_(iterator) { ++*this; }
  explicit Cursor(std::unique_ptr<Iterator> owned) : owned_(std::move(owned)), iterator_(owned_.get()) { ++*this; }
  Cursor(Cursor&&) noexcept = default;
  Cursor& operator=(Cursor&&) noexcept = default;

  T& operator*() const { return *current_; }
  T* operator->() const { return &*current_; }
  Cursor& operator++() {
    current_ = iterator_->next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const Cursor& cursor, std::default_sentinel_t) { return !cursor.current_; }

 private:
  std::unique_ptr<Iterator> owned_;
  Iterator* iterator_;
  mutable std::optional<T> current_;
};

namespace detail {

// True when a map function wants the ElementContext.
template <class F, class T>
inline constexpr bool takes_context = !UnpackedInvocable<F, T>;

// Adapts a user's map function to f(element, context).
template <class T, class F> auto adapt_map_function(F f) {
  if constexpr (std::is_invocable_v<F&, T&&, const ElementContext&>) {
    return f;
  } else if constexpr (UnpackedInvocable<F, T>) {
    return [f = std::move(f)](T&& element, const ElementContext&) mutable {
      return invoke_unpacked(f, std::move(element));
    };
  } else {
    static_assert(is_tuple<T>::value, "map: the function must accept the element (or its tuple components), "
                                      "optionally followed by const ElementContext&");
    return [f = std::move(f)](T&& element, const ElementContext& ctx) mutable {
      return std::apply([&](auto&&... parts) { return f(std::forward<decltype(parts)>(parts)..., ctx); },
                        std::move(element));
    };
  }
}

std::uint64_t resolve_seed(const std::optional<std::int64_t>& seed);
int resolve_threads(int num_parallel_calls, const char* op);
void check_positive(std::int64_t value, const char* op, const char* what);
void check_shard(std::int64_t num_shards, std::int64_t index);
// cycle_length >= 1, and small enough for one open input (and, when
// parallel, one thread) per place in the cycle.
void check_cycle_length(std::int64_t cycle_length, bool parallel);
void check_slices(const std::vector<Tensor>& tensors, const char* op);
// Pads the tensors to one shape and stacks them (padded_batch's combine step).
Tensor pad_and_stack(std::vector<Tensor>& elements, const std::vector<std::int64_t>& padded_shape, Scalar value);

template <class T> struct PaddedCombine;
template <> struct PaddedCombine<Tensor> {
  static Tensor combine(std::vector<Tensor>& elements, const PaddedBatchOptions& options, std::size_t component) {
    static const std::vector<std::int64_t> no_shape;
    return pad_and_stack(elements, component < options.shapes.size() ? options.shapes[component] : no_shape,
                         component < options.values.size() ? options.values[component] : Scalar(0));
  }
};
template <class... A> struct PaddedCombine<std::tuple<A...>> {
  static auto combine(std::vector<std::tuple<A...>>& elements, const PaddedBatchOptions& options, std::size_t) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple{[&] {
        auto part = column<I>(elements);
        return PaddedCombine<std::tuple_element_t<I, std::tuple<A...>>>::combine(part, options, I);
      }()...};
    }(std::index_sequence_for<A...>{});
  }
};

}  // namespace detail

template <class T> class Dataset {
 public:
  using element_type = T;

  explicit Dataset(detail::NodePtr<T> node) : node_(std::move(node)) {}

  Iterator<T> make_iterator(IteratorOptions options = {}) const { return Iterator<T>(node_, options); }
  typename Iterator<T>::Cursor begin() const {
    return typename Iterator<T>::Cursor(std::make_unique<Iterator<T>>(node_, IteratorOptions{}));
  }
  std::default_sentinel_t end() const { return {}; }
  // Every element of one pass, in order (for tests and small data).
  std::vector<T> to_vector() const {
    std::vector<T> out;
    for (auto& element : *this) out.push_back(std::move(element));
    return out;
  }

  // Applies f to each element: f(element), f(components...) for tuples, or
  // either followed by `const ElementContext&`. The result type is the new
  // element type. An exception from f reaches the consumer as PipelineError
  // naming the stage ("map", or "parallel_map") and the element's index.
  template <class F> auto map(F f, MapOptions options = {}) const {
    // Only functions that take an ElementContext get a seed: drawing one from
    // the global generator otherwise would shift every later random op.
    constexpr bool uses_context = detail::takes_context<F, T>;
    auto g = detail::adapt_map_function<T>(std::move(f));
    using G = decltype(g);
    const std::uint64_t seed = uses_context ? detail::resolve_seed(options.seed) : 0;
    const int threads = detail::resolve_threads(options.num_parallel_calls, "map");
    using Out = typename detail::MapSpec<T, G>::Out;
    static_assert(!std::is_void_v<Out>, "map: the function must return the new element");
    if (threads == 1) return Dataset<Out>(std::make_shared<detail::MapNode<T, G>>(node_, std::move(g), seed));
    return Dataset<Out>(
        std::make_shared<detail::ParallelMapNode<T, G>>(node_, std::move(g), seed, threads, options.deterministic));
  }
  template <class F> auto map(F f, int num_parallel_calls) const {
    MapOptions options;
    options.num_parallel_calls = num_parallel_calls;
    return map(std::move(f), options);
  }

  // Keeps the elements for which predicate(element) (or predicate(components...))
  // is true; the predicate may return bool or a scalar bool Tensor.
  template <class P> Dataset filter(P predicate) const {
    return Dataset(std::make_shared<detail::FilterNode<T, P>>(node_, std::move(predicate)));
  }

  // TF's shuffle buffer (see detail::ShuffleNode): buffer_size >= 1. With
  // reshuffle_each_iteration, every pass (every iterator, every repetition of
  // a later repeat) uses another order, the sequence of orders fixed by seed.
  Dataset shuffle(std::int64_t buffer_size, std::optional<std::int64_t> seed = std::nullopt,
                  bool reshuffle_each_iteration = true) const {
    detail::check_positive(buffer_size, "shuffle", "buffer_size");
    return Dataset(std::make_shared<detail::ShuffleNode<T>>(node_, buffer_size, detail::resolve_seed(seed),
                                                            reshuffle_each_iteration));
  }

  // Groups batch_size consecutive elements (see ElementTraits for how each
  // element type is combined); the last batch may be smaller unless
  // drop_remainder. Tensors of different shapes are refused with an
  // InvalidArgument that points to padded_batch.
  auto batch(std::int64_t batch_size, bool drop_remainder = false) const
    requires Batchable<T>
  {
    detail::check_positive(batch_size, "batch", "batch_size");
    using Out = Batched<T>;
    return Dataset<Out>(std::make_shared<detail::BatchNode<T, Out>>(
        "batch", node_, batch_size, drop_remainder,
        [](std::vector<T>& elements) { return ElementTraits<T>::batch(elements); }));
  }

  // batch for tensors (or tuples of tensors) of different shapes: each
  // component is padded at the end of every dimension, to options.shapes or
  // to the batch's longest element, with options.values (default 0).
  auto padded_batch(std::int64_t batch_size, PaddedBatchOptions options = {}) const
    requires requires(std::vector<T>& v) { detail::PaddedCombine<T>::combine(v, options, 0); }
  {
    detail::check_positive(batch_size, "padded_batch", "batch_size");
    using Out = decltype(detail::PaddedCombine<T>::combine(std::declval<std::vector<T>&>(), options, 0));
    const bool drop = options.drop_remainder;
    return Dataset<Out>(std::make_shared<detail::BatchNode<T, Out>>(
        "padded_batch", node_, batch_size, drop, [options = std::move(options)](std::vector<T>& elements) {
          return detail::PaddedCombine<T>::combine(elements, options, 0);
        }));
  }

  // Splits each element along its first dimension (the inverse of batch).
  auto unbatch() const
    requires Unbatchable<T>
  {
    return Dataset<Unbatched<T>>(std::make_shared<detail::UnbatchNode<T>>(node_));
  }

  // Passes over the data `count` times; count < 0 (the default) forever.
  Dataset repeat(std::int64_t count = -1) const {
    return Dataset(std::make_shared<detail::RepeatNode<T>>(node_, count));
  }
  // The first `count` elements (all when count < 0).
  Dataset take(std::int64_t count) const {
    return Dataset(std::make_shared<detail::TakeSkipNode<T>>(node_, count, true));
  }
  // All but the first `count` elements (none when count < 0).
  Dataset skip(std::int64_t count) const {
    return Dataset(std::make_shared<detail::TakeSkipNode<T>>(node_, count, false));
  }
  // Every num_shards-th element starting at index (for data-parallel workers).
  Dataset shard(std::int64_t num_shards, std::int64_t index) const {
    detail::check_shard(num_shards, index);
    return Dataset(std::make_shared<detail::ShardNode<T>>(node_, num_shards, index));
  }
  // This dataset's elements, then other's.
  Dataset concatenate(const Dataset& other) const {
    return Dataset(std::make_shared<detail::ConcatenateNode<T>>(node_, other.node_));
  }
  // (index, element) pairs, counting from start.
  Dataset<std::tuple<std::int64_t, T>> enumerate(std::int64_t start = 0) const {
    return Dataset<std::tuple<std::int64_t, T>>(std::make_shared<detail::EnumerateNode<T>>(node_, start));
  }

  // f(element) returns a Dataset<U>; the result takes block_length elements
  // from each of cycle_length open inner datasets in turn (TF's order, see
  // detail::InterleaveNode). cycle_length AUTOTUNE: one per hardware thread.
  // num_parallel_calls > 1 (or AUTOTUNE) reads each open inner dataset on a
  // background thread of its own (so cycle_length threads; unlike TF, the
  // count is not otherwise limited); the order stays the same.
  template <class F>
  auto interleave(F f, std::int64_t cycle_length = AUTOTUNE, std::int64_t block_length = 1,
                  int num_parallel_calls = 1) const {
    using Inner = detail::UnpackedResult<F, T>;
    using U = typename Inner::element_type;
    if (cycle_length == AUTOTUNE) cycle_length = detail::resolve_threads(AUTOTUNE, "interleave");
    detail::check_positive(block_length, "interleave", "block_length");
    const bool parallel = detail::resolve_threads(num_parallel_calls, "interleave") > 1;
    detail::check_cycle_length(cycle_length, parallel);
    auto make_inner = [f = std::move(f)](T element) mutable {
      return detail::invoke_unpacked(f, std::move(element)).node();
    };
    return Dataset<U>(std::make_shared<detail::InterleaveNode<T, U>>(node_, std::move(make_inner), cycle_length,
                                                                     block_length, parallel));
  }
  // interleave with a cycle of one: the inner datasets one after the other.
  template <class F> auto flat_map(F f) const { return interleave(std::move(f), 1, 1, 1); }

  // Keeps the elements of the first complete pass and replays them in later
  // passes. With a filename, the cache is a file that later runs reuse (written
  // to a temporary name and renamed when the pass completes, so an
  // interrupted pass leaves no cache behind). Elements must be storable: see
  // detail::ElementCodec.
  Dataset cache(const std::string& filename = "") const {
    if (filename.empty()) return Dataset(std::make_shared<detail::MemoryCacheNode<T>>(node_));
    return Dataset(std::make_shared<detail::FileCacheNode<T>>(node_, filename));
  }

  // Produces up to buffer_size elements ahead on a background thread
  // (AUTOTUNE: 2 x hardware threads), overlapping this pipeline with the
  // consumer's work.
  Dataset prefetch(std::int64_t buffer_size = AUTOTUNE) const {
    if (buffer_size == AUTOTUNE) buffer_size = 2 * std::int64_t(detail::resolve_threads(AUTOTUNE, "prefetch"));
    detail::check_positive(buffer_size, "prefetch", "buffer_size");
    return Dataset(std::make_shared<detail::PrefetchNode<T>>(node_, buffer_size));
  }

  // The recipe itself, for code that builds its own stages.
  const detail::NodePtr<T>& node() const { return node_; }

 private:
  detail::NodePtr<T> node_;
};

// ---- sources -----------------------------------------------------------------

// One element: the value itself.
template <class T> Dataset<T> from_tensors(T value) {
  return Dataset<T>(
      std::make_shared<detail::IndexedNode<T>>("from_tensors", 1, [value](std::int64_t) { return value; }));
}

// The slices of a tensor along its first dimension (rank >= 1 required).
Dataset<Tensor> from_tensor_slices(const Tensor& tensor);

// Tuples of slices of several tensors with the same first dimension:
// from_tensor_slices(images, labels) yields (image, label) tuples.
template <class... Rest>
  requires(std::is_same_v<Rest, Tensor> && ...)
Dataset<std::tuple<Tensor, Tensor, Rest...>> from_tensor_slices(const Tensor& first, const Tensor& second,
                                                                const Rest&... rest) {
  using Out = std::tuple<Tensor, Tensor, Rest...>;
  std::vector<Tensor> parts{first, second, rest...};
  detail::check_slices(parts, "from_tensor_slices");
  const std::int64_t size = first.dim(0);
  return Dataset<Out>(
      std::make_shared<detail::IndexedNode<Out>>("from_tensor_slices", size, [first, second, rest...](std::int64_t i) {
        return Out{first[i], second[i], rest[i]...};
      }));
}

// Maps of slices: each element maps every key to its tensor's i-th slice.
Dataset<std::map<std::string, Tensor>> from_tensor_slices(const std::map<std::string, Tensor>& tensors);

// The values of a vector, one per element (file names, strings, numbers).
template <class T> Dataset<T> from_tensor_slices(std::vector<T> values) {
  auto shared = std::make_shared<const std::vector<T>>(std::move(values));
  return Dataset<T>(std::make_shared<detail::IndexedNode<T>>("from_tensor_slices", std::int64_t(shared->size()),
                                                             [shared](std::int64_t i) { return (*shared)[i]; }));
}

// start, start + step, ... up to but excluding stop (step != 0), as int64_t.
Dataset<std::int64_t> range(std::int64_t start, std::int64_t stop, std::int64_t step = 1);
Dataset<std::int64_t> range(std::int64_t stop);

// factory() is called at the start of each pass and returns a callable that
// yields std::optional<T> until nullopt:
//   data::from_generator([] { return [i = 0]() mutable -> std::optional<int> {
//     return i < 3 ? std::optional(i++) : std::nullopt; }; });
template <class Factory> auto from_generator(Factory factory) {
  using Generator = std::decay_t<std::invoke_result_t<Factory&>>;
  using T = typename std::invoke_result_t<Generator&>::value_type;
  auto make = [factory = std::move(factory)]() mutable -> std::function<std::optional<T>()> { return factory(); };
  return Dataset<T>(std::make_shared<detail::GeneratorNode<T>>(std::move(make)));
}

// Tuples of the elements of several datasets, ending with the shortest.
template <class A, class... Rest>
Dataset<std::tuple<A, Rest...>> zip(const Dataset<A>& first, const Dataset<Rest>&... rest) {
  return Dataset<std::tuple<A, Rest...>>(std::make_shared<detail::ZipNode<A, Rest...>>(first.node(), rest.node()...));
}

}  // namespace eager::data
