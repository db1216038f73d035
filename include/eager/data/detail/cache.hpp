#pragma once
// Dataset::cache: in memory, or in a file that later runs reuse. A pass that
// is abandoned (the iterator destroyed early, or an error) caches nothing.
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/data/detail/stages.hpp"

namespace eager::data::detail {

template <class T> class MemoryCacheNode final : public Node<T> {
 public:
  explicit MemoryCacheNode(NodePtr<T> input) : input_(std::move(input)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("cache");
    std::shared_ptr<const std::vector<T>> cached;
    {
      std::lock_guard lock(state_->mutex);
      cached = state_->elements;
    }
    if (cached) return std::make_unique<ReplayIter>(mine, std::move(cached));
    return std::make_unique<FillIter>(mine, input_->make_iterator(mine), state_);
  }

 private:
  struct State {
    std::mutex mutex;
    std::shared_ptr<const std::vector<T>> elements;  // set by the first pass that completes
  };
  class FillIter final : public IteratorImpl<T> {
   public:
    FillIter(const IterContext& ctx, IterPtr<T> input, std::shared_ptr<State> state)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), state_(std::move(state)) {}
    std::optional<T> produce() override {
      std::optional<T> element = this->pull(*input_);
      if (element) {
        seen_.push_back(*element);
        return element;
      }
      std::lock_guard lock(state_->mutex);
      if (!state_->elements) state_->elements = std::make_shared<const std::vector<T>>(std::move(seen_));
      return std::nullopt;
    }

   private:
    IterPtr<T> input_;
    std::shared_ptr<State> state_;
    std::vector<T> seen_;
  };
  class ReplayIter final : public IteratorImpl<T> {
   public:
    ReplayIter(const IterContext& ctx, std::shared_ptr<const std::vector<T>> elements)
        : IteratorImpl<T>(ctx, false), elements_(std::move(elements)) {}
    std::optional<T> produce() override {
      if (next_ >= elements_->size()) return std::nullopt;
      return (*elements_)[next_++];
    }

   private:
    std::shared_ptr<const std::vector<T>> elements_;
    std::size_t next_ = 0;
  };
  NodePtr<T> input_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// ---- element encoding for file caches -----------------------------------------

// Bytes of one tensor: dtype, rank, dims, then the contiguous values.
void encode_tensor(const Tensor& t, std::string& out);
Tensor decode_tensor(std::string_view& in);
void encode_bytes(std::string_view bytes, std::string& out);  // u64 length + bytes
std::string_view decode_bytes(std::string_view& in);
[[noreturn]] void throw_corrupt_cache(const char* what);

// How an element type is stored in a cache file. Defined for Tensor,
// arithmetic types, std::string, std::vector<std::string>, tuples, pairs and
// string-keyed maps of storable types.
template <class T> struct ElementCodec;

template <> struct ElementCodec<Tensor> {
  static void encode(const Tensor& t, std::string& out) { encode_tensor(t, out); }
  static Tensor decode(std::string_view& in) { return decode_tensor(in); }
};
template <class T>
  requires std::is_arithmetic_v<T>
struct ElementCodec<T> {
  static void encode(T value, std::string& out) { out.append(reinterpret_cast<const char*>(&value), sizeof(T)); }
  static T decode(std::string_view& in) {
    if (in.size() < sizeof(T)) throw_corrupt_cache("number");
    T value;
    std::memcpy(&value, in.data(), sizeof(T));
    in.remove_prefix(sizeof(T));
    return value;
  }
};
template <> struct ElementCodec<std::string> {
  static void encode(const std::string& s, std::string& out) { encode_bytes(s, out); }
  static std::string decode(std::string_view& in) { return std::string(decode_bytes(in)); }
};
template <class E> struct ElementCodec<std::vector<E>> {
  static void encode(const std::vector<E>& values, std::string& out) {
    ElementCodec<std::uint64_t>::encode(values.size(), out);
    for (const auto& v : values) ElementCodec<E>::encode(v, out);
  }
  static std::vector<E> decode(std::string_view& in) {
    const std::uint64_t n = ElementCodec<std::uint64_t>::decode(in);
    if (n > in.size()) throw_corrupt_cache("vector length");
    std::vector<E> out;
    out.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) out.push_back(ElementCodec<E>::decode(in));
    return out;
  }
};
template <class... A> struct ElementCodec<std::tuple<A...>> {
  static void encode(const std::tuple<A...>& t, std::string& out) {
    std::apply([&](const auto&... parts) { (ElementCodec<std::decay_t<decltype(parts)>>::encode(parts, out), ...); },
               t);
  }
  static std::tuple<A...> decode(std::string_view& in) {
    // Braced initialisation evaluates left to right, matching encode's order.
    return std::tuple<A...>{ElementCodec<A>::decode(in)...};
  }
};
template <class A, class B> struct ElementCodec<std::pair<A, B>> {
  static void encode(const std::pair<A, B>& p, std::string& out) {
    ElementCodec<A>::encode(p.first, out);
    ElementCodec<B>::encode(p.second, out);
  }
  static std::pair<A, B> decode(std::string_view& in) {
    A first = ElementCodec<A>::decode(in);
    return {std::move(first), ElementCodec<B>::decode(in)};
  }
};
template <class E> struct ElementCodec<std::map<std::string, E>> {
  static void encode(const std::map<std::string, E>& m, std::string& out) {
    ElementCodec<std::uint64_t>::encode(m.size(), out);
    for (const auto& [key, value] : m) {
      encode_bytes(key, out);
      ElementCodec<E>::encode(value, out);
    }
  }
  static std::map<std::string, E> decode(std::string_view& in) {
    const std::uint64_t n = ElementCodec<std::uint64_t>::decode(in);
    std::map<std::string, E> out;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string key(decode_bytes(in));
      out.emplace(std::move(key), ElementCodec<E>::decode(in));
    }
    return out;
  }
};

// The cache file: TFRecord-framed (CRC-checked) records, one per element,
// written under a temporary name and renamed into place on commit().
class CacheFileWriter {
 public:
  explicit CacheFileWriter(const std::string& filename);
  ~CacheFileWriter();  // without commit(): removes the temporary file
  void write(std::string_view record);
  void commit();

 private:
  struct State;
  std::unique_ptr<State> state_;
};
class CacheFileReader {
 public:
  explicit CacheFileReader(const std::string& filename);
  ~CacheFileReader();
  bool read(std::string& record);

 private:
  struct State;
  std::unique_ptr<State> state_;
};
bool cache_file_exists(const std::string& filename);

template <class T> class FileCacheNode final : public Node<T> {
 public:
  FileCacheNode(NodePtr<T> input, std::string filename) : input_(std::move(input)), filename_(std::move(filename)) {}
  IterPtr<T> make_iterator(const IterContext& ctx) const override {
    auto mine = ctx.enter("cache");
    if (cache_file_exists(filename_)) return std::make_unique<ReadIter>(mine, filename_);
    return std::make_unique<WriteIter>(mine, input_->make_iterator(mine), filename_);
  }

 private:
  class WriteIter final : public IteratorImpl<T> {
   public:
    WriteIter(const IterContext& ctx, IterPtr<T> input, const std::string& filename)
        : IteratorImpl<T>(ctx, false), input_(std::move(input)), writer_(filename) {}
    std::optional<T> produce() override {
      std::optional<T> element = this->pull(*input_);
      if (!element) {
        writer_.commit();
        return std::nullopt;
      }
      record_.clear();
      ElementCodec<T>::encode(*element, record_);
      writer_.write(record_);
      return element;
    }

   private:
    IterPtr<T> input_;
    CacheFileWriter writer_;
    std::string record_;
  };
  class ReadIter final : public IteratorImpl<T> {
   public:
    ReadIter(const IterContext& ctx, const std::string& filename) : IteratorImpl<T>(ctx, false), reader_(filename) {}
    std::optional<T> produce() override {
      if (!reader_.read(record_)) return std::nullopt;
      std::string_view in = record_;
      T element = ElementCodec<T>::decode(in);
      if (!in.empty()) throw_corrupt_cache("trailing bytes after an element");
      return element;
    }

   private:
    CacheFileReader reader_;
    std::string record_;
  };
  NodePtr<T> input_;
  std::string filename_;
};

}  // namespace eager::data::detail
