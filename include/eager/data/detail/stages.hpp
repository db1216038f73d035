#pragma once
// The synchronous stages of a pipeline: each pulls from its input on the
// consumer's thread. Dataset<T> (eager/data/dataset.hpp) builds them.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "eager/data/element.hpp"
#include "eager/data/pipeline.hpp"

namespace eager::data::detail {

template <class T> using NodePtr = std::shared_ptr<const Node<T>>;
template <class T> using IterPtr = std::unique_ptr<IteratorImpl<T>>;

// Calls f(element) or, for tuple elements, f(components...), whichever f accepts.
template <class F, class T> decltype(auto) invoke_unpacked(F& f, T&& element) {
  if constexpr (std::is_invocable_v<F&, T&&>) {
    return std::invoke(f, std::forward<T>(element));
  } else {
    return std::apply(f, std::forward<T>(element));
  }
}
template <class F, class T>
concept UnpackedInvocable = std::is_invocable_v<F&, T&&> || (is_tuple<std::decay_t<T>>::value && requires(F& f, T&& t) {
                              std::apply(f, std::forward<T>(t));
                            });
template <class F, class T>
using UnpackedResult = std::decay_t<decltype(invoke_unpacked(std::declval<F&>(), std::declval<T&&>()))>;

// A random 64-bit value mixed from two (SplitMix64's finaliser over a
// combination): the per-iteration seed of shuffle and map.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);
// The seed a stage uses when the user gave none: derived from eager's global
// seed when set_seed was called (so set_seed makes pipelines reproducible, as
// in TF), else fresh entropy.
std::uint64_t default_stage_seed();

// A small, fast generator (xoshiro256**) for shuffle buffers; its sequence is
// fixed by the seed on every platform, unlike std::uniform_int_distribution.
class ShuffleRng {
 public:
  explicit ShuffleRng(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [0, n), unbiased (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t s_[4];
};

// ---- sources ---------------------------------------------------------------

// Elements produced by get(i) for i in [0, size).
template <class T> class IndexedNode final : public Node<T> {
 public:
  IndexedNode(const char* name, std::int64_t size, std::function<T(std::int64_t)> get)
      : name_(name), size_(size), get_(std::move(get)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    return std::make_unique<Iter>(ctx.enter(name_), this);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, const IndexedNode* node) : IteratorImpl<T>(ctx, false), node_(node) {}
    std::optional<T> produce() override {
      if (i_ >= node_->size_) return std::nullopt;
      return node_->get_(i_++);
    }

   private:
    const IndexedNode* node_;
    std::int64_t i_ = 0;
  };
  const char* name_;
  std::int64_t size_;
  std::function<T(std::int64_t)> get_;
};

class RangeNode final : public Node<std::int64_t> {
 public:
  RangeNode(std::int64_t start, std::int64_t stop, std::int64_t step) : start_(start), stop_(stop), step_(step) {}
  IterPtr<std::int64_t> make_iterator(const IterContext& ctx) const override {
    return std::make_unique<Iter>(ctx.enter("range"), this);
  }

 private:
  class Iter final : public IteratorImpl<std::int64_t> {
   public:
    Iter(const IterContext& ctx, const RangeNode* node) : IteratorImpl(ctx, false), node_(node), value_(node->start_) {}
    std::optional<std::int64_t> produce() override {
      if (node_->step_ > 0 ? value_ >= node_->stop_ : value_ <= node_->stop_) return std::nullopt;
      const std::int64_t out = value_;
      // Stop instead of overflowing near the int64 limits.
      if (__builtin_add_overflow(value_, node_->step_, &value_)) value_ = node_->stop_;
      return out;
    }

   private:
    const RangeNode* node_;
    std::int64_t value_;
  };
  std::int64_t start_, stop_, step_;
};

// from_generator: `factory()` returns a fresh callable per iteration whose
// calls yield optional<T> until nullopt.
template <class T> class GeneratorNode final : public Node<T> {
 public:
  using Factory = std::function<std::function<std::optional<T>()>()>;
  explicit GeneratorNode(Factory factory) : factory_(std::move(factory)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    return std::make_unique<Iter>(ctx.enter("from_generator"), factory_());
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, std::function<std::optional<T>()> generate)
        : IteratorImpl<T>(ctx, false), generate_(std::move(generate)) {}
    std::optional<T> produce() override {
      try {
        std::optional<T> element = generate_();
        ++index_;
        return element;
      } catch (...) {
        throw_stage_error("from_generator", index_);
      }
    }

   private:
    std::function<std::optional<T>()> generate_;
    std::int64_t index_ = 0;
  };
  Factory factory_;
};

// ---- element-wise stages ---------------------------------------------------

// What every map stage shares: the function, its seed, and the count of
// iterators made so far (the `iteration` of ElementContext). `F` is called as
// f(element, context); Dataset::map adapts the user's function to that.
template <class In, class F> struct MapSpec {
  using Out = std::decay_t<std::invoke_result_t<F&, In&&, const ElementContext&>>;
  F f;
  std::uint64_t seed;
  mutable std::atomic<std::int64_t> iterations{0};

  ElementContext context(std::int64_t iteration, std::int64_t index) const {
    return {index, iteration, {std::int64_t(mix_seed(seed, std::uint64_t(iteration))), index}};
  }
};

template <class In, class F> class MapNode final : public Node<typename MapSpec<In, F>::Out> {
 public:
  using Out = typename MapSpec<In, F>::Out;
  MapNode(NodePtr<In> input, F f, std::uint64_t seed) : input_(std::move(input)), spec_{std::move(f), seed} {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("map");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), &spec_, spec_.iterations.fetch_add(1));
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<In> input, const MapSpec<In, F>* spec, std::int64_t iteration)
        : IteratorImpl<Out>(ctx, false), input_(std::move(input)), spec_(spec), f_(spec->f), iteration_(iteration) {}
    std::optional<Out> produce() override {
      std::optional<In> element = this->pull(*input_);
      if (!element) return std::nullopt;
      try {
        std::optional<Out> out(f_(std::move(*element), spec_->context(iteration_, index_)));
        ++index_;
        return out;
      } catch (...) {
        throw_stage_error("map", index_);
      }
    }

   private:
    IterPtr<In> input_;
    const MapSpec<In, F>* spec_;
    F f_;  // each iterator calls its own copy: user functions may keep state
    std::int64_t iteration_;
    std::int64_t index_ = 0;
  };
  NodePtr<In> input_;
  MapSpec<In, F> spec_;
};

template <class T, class P> class FilterNode final : public Node<T> {
 public:
  FilterNode(NodePtr<T> input, P predicate) : input_(std::move(input)), predicate_(std::move(predicate)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("filter");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), predicate_);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, P predicate)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), predicate_(std::move(predicate)) {}
    std::optional<T> produce() override {
      while (std::optional<T> element = this->pull(*input_)) {
        bool keep;
        try {
          keep = as_bool(invoke_unpacked(predicate_, std::as_const(*element)));
        } catch (...) {
          throw_stage_error("filter", index_);
        }
        ++index_;
        if (keep) return element;
      }
      return std::nullopt;
    }

   private:
    template <class R> static bool as_bool(const R& r) {
      if constexpr (std::is_same_v<R, Tensor>) {
        return r.template item<bool>();
      } else {
        return static_cast<bool>(r);
      }
    }
    IterPtr<T> input_;
    P predicate_;
    std::int64_t index_ = 0;
  };
  NodePtr<T> input_;
  P predicate_;
};

// take (count >= 0) and skip (count >= 0); a negative count means all.
template <class T> class TakeSkipNode final : public Node<T> {
 public:
  TakeSkipNode(NodePtr<T> input, std::int64_t count, bool take)
      : input_(std::move(input)), count_(count), take_(take) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter(take_ ? "take" : "skip");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), this);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, const TakeSkipNode* node)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), node_(node) {}
    std::optional<T> produce() override {
      if (node_->take_) {
        if (node_->count_ >= 0 && seen_ >= node_->count_) return std::nullopt;
        ++seen_;
        return this->pull(*input_);
      }
      while (node_->count_ < 0 || seen_ < node_->count_) {
        if (!this->pull(*input_)) return std::nullopt;
        ++seen_;
      }
      return this->pull(*input_);
    }

   private:
    IterPtr<T> input_;
    const TakeSkipNode* node_;
    std::int64_t seen_ = 0;
  };
  NodePtr<T> input_;
  std::int64_t count_;
  bool take_;
};

template <class T> class ShardNode final : public Node<T> {
 public:
  ShardNode(NodePtr<T> input, std::int64_t num_shards, std::int64_t index)
      : input_(std::move(input)), num_shards_(num_shards), index_(index) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("shard");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), this);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, const ShardNode* node)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), node_(node) {}
    std::optional<T> produce() override {
      while (std::optional<T> element = this->pull(*input_)) {
        if (position_++ % node_->num_shards_ == node_->index_) return element;
      }
      return std::nullopt;
    }

   private:
    IterPtr<T> input_;
    const ShardNode* node_;
    std::int64_t position_ = 0;
  };
  NodePtr<T> input_;
  std::int64_t num_shards_, index_;
};

template <class T> class EnumerateNode final : public Node<std::tuple<std::int64_t, T>> {
 public:
  using Out = std::tuple<std::int64_t, T>;
  EnumerateNode(NodePtr<T> input, std::int64_t start) : input_(std::move(input)), start_(start) {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("enumerate");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), start_);
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, std::int64_t start)
        : IteratorImpl<Out>(ctx, false), input_(std::move(input)), counter_(start) {}
    std::optional<Out> produce() override {
      std::optional<T> element = this->pull(*input_);
      if (!element) return std::nullopt;
      return Out{counter_++, std::move(*element)};
    }

   private:
    IterPtr<T> input_;
    std::int64_t counter_;
  };
  NodePtr<T> input_;
  std::int64_t start_;
};

// ---- stages that restart or combine inputs ---------------------------------

// repeat(count): count < 0 repeats forever. As in TF, an endless repeat of an
// input that yields nothing in a pass ends instead of spinning forever; a
// finite one makes all its passes (a generator may yield in later ones).
template <class T> class RepeatNode final : public Node<T> {
 public:
  RepeatNode(NodePtr<T> input, std::int64_t count) : input_(std::move(input)), count_(count) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    return std::make_unique<Iter>(ctx.enter("repeat"), this);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, const RepeatNode* node) : IteratorImpl<T>(ctx, false), ctx_(ctx), node_(node) {}
    std::optional<T> produce() override {
      while (node_->count_ < 0 || pass_ < node_->count_) {
        if (!input_) {
          input_ = node_->input_->make_iterator(ctx_);
          produced_in_pass_ = false;
        }
        if (std::optional<T> element = this->pull(*input_)) {
          produced_in_pass_ = true;
          return element;
        }
        input_.reset();
        ++pass_;
        if (!produced_in_pass_ && node_->count_ < 0) break;
      }
      return std::nullopt;
    }

   private:
    IterContext ctx_;
    const RepeatNode* node_;
    IterPtr<T> input_;
    std::int64_t pass_ = 0;
    bool produced_in_pass_ = false;
  };
  NodePtr<T> input_;
  std::int64_t count_;
};

template <class T> class ConcatenateNode final : public Node<T> {
 public:
  ConcatenateNode(NodePtr<T> first, NodePtr<T> second) : first_(std::move(first)), second_(std::move(second)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("concatenate");
    return std::make_unique<Iter>(mine, this);
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, const ConcatenateNode* node)
        : IteratorImpl<T>(ctx, false), ctx_(ctx), node_(node), input_(node->first_->make_iterator(ctx)) {}
    std::optional<T> produce() override {
      if (std::optional<T> element = this->pull(*input_)) return element;
      if (on_second_) return std::nullopt;
      on_second_ = true;
      input_ = node_->second_->make_iterator(ctx_);
      return this->pull(*input_);
    }

   private:
    IterContext ctx_;
    const ConcatenateNode* node_;
    IterPtr<T> input_;
    bool on_second_ = false;
  };
  NodePtr<T> first_, second_;
};

template <class... T> class ZipNode final : public Node<std::tuple<T...>> {
 public:
  using Out = std::tuple<T...>;
  explicit ZipNode(NodePtr<T>... inputs) : inputs_(std::move(inputs)...) {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("zip");
    return std::apply([&](const auto&... input) { return std::make_unique<Iter>(mine, input->make_iterator(mine)...); },
                      inputs_);
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<T>... inputs) : IteratorImpl<Out>(ctx, false), inputs_(std::move(inputs)...) {}
    std::optional<Out> produce() override {
      return [&]<std::size_t... I>(std::index_sequence<I...>) -> std::optional<Out> {
        std::tuple<std::optional<T>...> parts;
        // Stops at the first exhausted input, as TF's zip does.
        const bool all =
            ((std::get<I>(parts) = this->pull(*std::get<I>(inputs_)), std::get<I>(parts).has_value()) && ...);
        if (!all) return std::nullopt;
        return Out{std::move(*std::get<I>(parts))...};
      }(std::index_sequence_for<T...>{});
    }

   private:
    std::tuple<IterPtr<T>...> inputs_;
  };
  std::tuple<NodePtr<T>...> inputs_;
};

// ---- buffering stages --------------------------------------------------------

// TF's shuffle buffer: each call first fills the buffer to buffer_size
// elements (fewer once the input ends), then hands out a uniformly chosen one,
// whose place the last element takes. buffer_size 1 is the identity;
// buffer_size >= the dataset's size is a full uniform shuffle.
template <class T> class ShuffleNode final : public Node<T> {
 public:
  ShuffleNode(NodePtr<T> input, std::int64_t buffer_size, std::uint64_t seed, bool reshuffle_each_iteration)
      : input_(std::move(input)), buffer_size_(buffer_size), seed_(seed), reshuffle_(reshuffle_each_iteration) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("shuffle");
    const std::uint64_t iteration = reshuffle_ ? iterations_.fetch_add(1) : 0;
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), buffer_size_, mix_seed(seed_, iteration));
  }

 private:
  class Iter final : public IteratorImpl<T> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, std::int64_t buffer_size, std::uint64_t seed)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), buffer_size_(buffer_size), rng_(seed) {
      if (auto* counters = this->counters()) counters->buffer_capacity = buffer_size;
    }
    std::optional<T> produce() override {
      while (!input_done_ && std::int64_t(buffer_.size()) < buffer_size_) {
        std::optional<T> element = this->pull(*input_);
        if (!element) {
          input_done_ = true;
          break;
        }
        buffer_.push_back(std::move(*element));
      }
      if (buffer_.empty()) return std::nullopt;
      if (auto* counters = this->counters()) {
        counters->occupancy_sum += std::int64_t(buffer_.size());
        ++counters->occupancy_samples;
      }
      const std::size_t pick = rng_.below(buffer_.size());
      std::optional<T> out(std::move(buffer_[pick]));
      if (pick != buffer_.size() - 1) buffer_[pick] = std::move(buffer_.back());
      buffer_.pop_back();
      return out;
    }

   private:
    IterPtr<T> input_;
    std::int64_t buffer_size_;
    ShuffleRng rng_;
    std::vector<T> buffer_;
    bool input_done_ = false;
  };
  NodePtr<T> input_;
  std::int64_t buffer_size_;
  std::uint64_t seed_;
  bool reshuffle_;
  mutable std::atomic<std::uint64_t> iterations_{0};
};

// batch and padded_batch: `combine` turns up to batch_size elements into one.
template <class T, class Out> class BatchNode final : public Node<Out> {
 public:
  using Combine = std::function<Out(std::vector<T>&)>;
  BatchNode(const char* name, NodePtr<T> input, std::int64_t batch_size, bool drop_remainder, Combine combine)
      : name_(name), input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder),
        combine_(std::move(combine)) {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter(name_);
    return std::make_unique<Iter>(mine, input_->make_iterator(mine), this);
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input, const BatchNode* node)
        : IteratorImpl<Out>(ctx, false), input_(std::move(input)), node_(node) {}
    std::optional<Out> produce() override {
      elements_.clear();  // reused: one allocation per iterator, not per batch
      elements_.reserve(std::size_t(std::min<std::int64_t>(node_->batch_size_, 4096)));
      while (std::int64_t(elements_.size()) < node_->batch_size_) {
        std::optional<T> element = this->pull(*input_);
        if (!element) break;
        elements_.push_back(std::move(*element));
      }
      if (elements_.empty() || (node_->drop_remainder_ && std::int64_t(elements_.size()) < node_->batch_size_))
        return std::nullopt;
      const std::int64_t first = consumed_;
      consumed_ += std::int64_t(elements_.size());
      try {
        return node_->combine_(elements_);
      } catch (...) {
        throw_stage_error(node_->name_, first);  // the batch's first input element
      }
    }

   private:
    IterPtr<T> input_;
    const BatchNode* node_;
    std::vector<T> elements_;
    std::int64_t consumed_ = 0;
  };
  const char* name_;
  NodePtr<T> input_;
  std::int64_t batch_size_;
  bool drop_remainder_;
  Combine combine_;
};

template <class T> class UnbatchNode final : public Node<Unbatched<T>> {
 public:
  using Out = Unbatched<T>;
  explicit UnbatchNode(NodePtr<T> input) : input_(std::move(input)) {}
  IterPtr<Out> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("unbatch");
    return std::make_unique<Iter>(mine, input_->make_iterator(mine));
  }

 private:
  class Iter final : public IteratorImpl<Out> {
   public:
    Iter(const IterContext& ctx, IterPtr<T> input) : IteratorImpl<Out>(ctx, false), input_(std::move(input)) {}
    std::optional<Out> produce() override {
      while (!batch_ || row_ >= rows_) {
        batch_ = this->pull(*input_);
        if (!batch_) return std::nullopt;
        try {
          rows_ = ElementTraits<T>::batch_size(*batch_);
        } catch (...) {
          throw_stage_error("unbatch", batches_);
        }
        ++batches_;
        row_ = 0;
      }
      return ElementTraits<T>::slice(*batch_, row_++);
    }

   private:
    IterPtr<T> input_;
    std::optional<T> batch_;
    std::int64_t rows_ = 0, row_ = 0, batches_ = 0;
  };
  NodePtr<T> input_;
};

}  // namespace eager::data::detail
