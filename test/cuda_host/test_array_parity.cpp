// Host checks of the index arithmetic the CUDA data-movement kernels run per
// thread (tensor/array_kernels.hpp): the copy indexer, the gather split and
// the one_hot predicate, applied here by plain loops over every element as
// the kernels apply them, must reproduce the CPU kernels bit for bit.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tensor/array_kernels.hpp"
#include "tensor/registry.hpp"

using namespace eager;
using namespace eager::detail;

namespace {

const ArrayKernels& kernels() { return registry().array; }
constexpr DeviceType kCpu = DeviceType::CPU;

// Storage for a strided layout: every addressed element lies in `words`,
// and `origin` is the position of multi-index 0 (negative strides reach
// below it).
struct Buffer {
  std::vector<std::uint64_t> words;
  std::int64_t origin = 0;
};
Buffer buffer_for(const Shape& shape, const Strides& strides) {
  std::int64_t lo = 0, hi = 0;
  for (int d = 0; d < shape.rank(); ++d) {
    const std::int64_t span = (shape[d] - 1) * strides[d];
    (span < 0 ? lo : hi) += span;
  }
  Buffer b;
  b.words.resize(static_cast<std::size_t>(hi - lo + 1));
  b.origin = -lo;
  // Distinct words whose bytes differ too, so a misplaced byte shows.
  for (std::size_t i = 0; i < b.words.size(); ++i) b.words[i] = 0x0102030405060708ull * (i + 1) ^ (i << 40);
  return b;
}

// The copy as the CUDA kernel performs it: each linear index through the
// indexer, one element each.
template <int R, class I, class W>
void indexer_copy(const CopyPlan& plan, const W* src, W* dst, std::int64_t n) {
  const CopyIndexer<R, I> ix = make_copy_indexer<R, I>(plan);
  for (std::int64_t i = 0; i < n; ++i) {
    I s, d;
    ix.offsets(static_cast<I>(i), s, d);
    dst[d] = src[s];
  }
}

// The CPU copy kernel and every indexer the CUDA copy may pick give the
// same destination bytes, for elements of 8, 4 and 1 bytes.
template <class W> void check_copy_as(const Shape& shape, const Strides& src_strides, const Strides& dst_strides) {
  const Buffer src = buffer_for(shape, src_strides);
  const Buffer dst0 = buffer_for(shape, dst_strides);
  // Words reinterpreted as W: same layout in units of sizeof(W).
  const auto* src_w = reinterpret_cast<const W*>(src.words.data()) + src.origin;
  std::vector<std::uint64_t> by_cpu = dst0.words;
  CopyArgs args{shape, src_strides, dst_strides, src_w, reinterpret_cast<W*>(by_cpu.data()) + dst0.origin, sizeof(W)};
  kernels().copy.get(kCpu)(args);

  const CopyPlan plan = plan_copy(shape, src_strides, dst_strides);
  const std::int64_t n = shape.num_elements();
  std::vector<std::uint64_t> by_indexer = dst0.words;
  W* out = reinterpret_cast<W*>(by_indexer.data()) + dst0.origin;
  if (plan.rank <= 12) {
    indexer_copy<12, std::int64_t>(plan, src_w, out, n);
    REQUIRE(by_indexer == by_cpu);
    by_indexer = dst0.words;
    if (copy_fits_int32(plan)) {
      indexer_copy<12, std::int32_t>(plan, src_w, out, n);
      REQUIRE(by_indexer == by_cpu);
      by_indexer = dst0.words;
    }
  }
  indexer_copy<kMaxCopyRank, std::int64_t>(plan, src_w, out, n);
  REQUIRE(by_indexer == by_cpu);
}

void check_copy(const Shape& shape, const Strides& src_strides, const Strides& dst_strides) {
  INFO("shape " << shape.to_string() << ", source strides " << src_strides.to_string() << ", destination strides "
                << dst_strides.to_string());
  check_copy_as<std::uint64_t>(shape, src_strides, dst_strides);
  check_copy_as<std::uint32_t>(shape, src_strides, dst_strides);
  check_copy_as<std::uint8_t>(shape, src_strides, dst_strides);
}

Strides contiguous(const Shape& shape) {
  Strides s = shape;
  std::int64_t step = 1;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    s[d] = step;
    step *= shape[d];
  }
  return s;
}

template <class I> std::vector<I> random_indices(std::int64_t count, std::int64_t dim, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<std::int64_t> pick(0, dim - 1);
  std::vector<I> v(static_cast<std::size_t>(count));
  for (auto& x : v) x = static_cast<I>(pick(gen));
  return v;
}

}  // namespace

TEST_CASE("copy indexer: the CUDA copy's offsets reproduce the CPU copy", "[cuda_host][array]") {
  // Contiguous, a transpose (the CPU's tiled path, with partial tiles), a
  // strided destination (concat, pad), broadcasting (tile) and negative
  // strides (reverse) on either dimension.
  check_copy(Shape{3, 4, 5}, Strides{20, 5, 1}, Strides{20, 5, 1});
  check_copy(Shape{4, 5}, Strides{1, 4}, Strides{5, 1});
  check_copy(Shape{37, 53}, Strides{1, 37}, Strides{53, 1});
  check_copy(Shape{3, 4}, Strides{4, 1}, Strides{10, 1});
  check_copy(Shape{3, 4}, Strides{0, 1}, Strides{4, 1});
  check_copy(Shape{3, 4}, Strides{1, 0}, Strides{4, 1});
  check_copy(Shape{3, 4}, Strides{-4, 1}, Strides{4, 1});
  check_copy(Shape{3, 4}, Strides{4, -1}, Strides{4, 1});
  check_copy(Shape{3, 4, 2}, Strides{-1, -3, 12}, Strides{8, 2, 1});
  // A transposed destination, tile's split shape, size-1 dimensions with
  // arbitrary strides, a scalar.
  check_copy(Shape{3, 4, 5}, Strides{20, 5, 1}, Strides{1, 3, 12});
  check_copy(Shape{2, 3, 4, 5}, Strides{0, 5, 0, 1}, contiguous(Shape{2, 3, 4, 5}));
  check_copy(Shape{1, 3, 1, 4}, Strides{999, 4, -7, 1}, Strides{5, 4, 3, 1});
  check_copy(Shape{}, Strides{}, Strides{});
  check_copy(Shape{3, 0}, Strides{1, 3}, Strides{0, 1});
}

TEST_CASE("copy indexer: plans beyond the small indexer's rank", "[cuda_host][array]") {
  // Tiling a rank-7 tensor leaves 14 dimensions that cannot merge: the
  // broadcast ones (stride 0) alternate with the tensor's own.
  Shape shape;
  Strides src;
  std::int64_t step = 1;
  for (int d = 0; d < 7; ++d) {
    shape.push_back(2);
    shape.push_back(2);
    src.push_back(0);
    src.push_back(0);
  }
  for (int d = 13; d >= 1; d -= 2) {
    src[d] = step;
    step *= 2;
  }
  REQUIRE(plan_copy(shape, src, contiguous(shape)).rank == 14);
  check_copy(shape, src, contiguous(shape));
}

TEST_CASE("copy plans: merging and the int32 bound", "[cuda_host][array]") {
  CHECK(plan_copy(Shape{3, 4, 5}, Strides{20, 5, 1}, Strides{20, 5, 1}).rank == 1);
  CHECK(plan_copy(Shape{3, 4, 5}, Strides{20, 5, 1}, Strides{20, 5, 1}).dims[0] == 60);
  CHECK(plan_copy(Shape{4, 5}, Strides{1, 4}, Strides{5, 1}).rank == 2);
  CHECK(plan_copy(Shape{1, 7, 1}, Strides{5, 1, 3}, Strides{7, 1, 1}).rank == 1);

  const auto fits = [](const Shape& shape, const Strides& src) { return copy_fits_int32(plan_copy(shape, src, src)); };
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  CHECK(fits(Shape{kMax}, Strides{1}));
  CHECK_FALSE(fits(Shape{kMax + 1}, Strides{1}));
  CHECK(fits(Shape{2, 3}, Strides{std::int64_t{1} << 30, 1}));
  CHECK(fits(Shape{2, 3}, Strides{-(std::int64_t{1} << 30), -1}));
  CHECK_FALSE(fits(Shape{3, 3}, Strides{std::int64_t{1} << 30, 1}));
  CHECK_FALSE(fits(Shape{2, 3}, Strides{std::int64_t{1} << 31, 1}));
  CHECK_FALSE(fits(Shape{std::int64_t{1} << 40, 4}, Strides{std::int64_t{1} << 20, 1}));
}

TEMPLATE_TEST_CASE("gather split: the CUDA gather's element mapping reproduces the CPU gather", "[cuda_host][array]",
                   std::int32_t, std::int64_t) {
  struct Case {
    std::int64_t outer, dim, inner, count;
  };
  for (const Case c : {Case{1, 5, 1, 6}, Case{3, 7, 4, 9}, Case{2, 1, 6, 3}, Case{4, 9, 1, 1}, Case{2, 3, 5, 0}}) {
    INFO("outer " << c.outer << ", dim " << c.dim << ", inner " << c.inner << ", count " << c.count);
    const auto idx = random_indices<TestType>(c.count, c.dim, 7);
    std::vector<std::uint32_t> src(static_cast<std::size_t>(c.outer * c.dim * c.inner));
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::uint32_t>(i * 2654435761u);
    const std::int64_t n = c.outer * c.count * c.inner;
    std::vector<std::uint32_t> by_cpu(static_cast<std::size_t>(n)), by_split(by_cpu.size());
    GatherArgs args;
    args.src = src.data();
    args.out = by_cpu.data();
    args.indices = IndexList{idx.data(), sizeof(TestType) == 8, c.count};
    args.outer = c.outer;
    args.dim = c.dim;
    args.inner = c.inner;
    args.itemsize = 4;
    kernels().gather.get(kCpu)(args);
    // The int32 mapping (what the kernel uses at these sizes) fills the
    // output; the int64 one must agree element by element.
    using I = std::int32_t;
    const I count = static_cast<I>(c.count), dim = static_cast<I>(c.dim), inner = static_cast<I>(c.inner);
    for (std::int64_t e = 0; e < n; ++e) {
      const auto s = split_gather_element<I>(static_cast<I>(e), count, inner);
      const I from = gathered_element(s, static_cast<I>(idx[s.n]), dim, inner);
      by_split[e] = src[from];
      const auto s64 = split_gather_element<std::int64_t>(e, c.count, c.inner);
      REQUIRE(gathered_element(s64, static_cast<std::int64_t>(idx[s64.n]), c.dim, c.inner) == from);
    }
    REQUIRE(by_split == by_cpu);
  }
  CHECK(gather_fits_int32(1, 1, (std::int64_t{1} << 30) - 1, 2));
  CHECK_FALSE(gather_fits_int32(1, 1, std::int64_t{1} << 31, 1));
  CHECK_FALSE(gather_fits_int32(2, std::int64_t{1} << 30, 1, 1));
}

TEMPLATE_TEST_CASE("scatter-add split: in element order it is the CPU's sum bit for bit", "[cuda_host][array]", float,
                   double) {
  // Adding updates in element order visits each target in the CPU's order
  // n = 0, 1, ...; the GPU's atomicAdd may reorder repeated targets, which
  // only the GPU tests can bound.
  const std::int64_t outer = 3, dim = 5, inner = 7, count = 11;
  const auto idx = random_indices<std::int64_t>(count, dim, 3);
  std::mt19937 gen(5);
  std::uniform_real_distribution<double> value(-1, 1);
  std::vector<TestType> updates(static_cast<std::size_t>(outer * count * inner));
  for (auto& u : updates) u = static_cast<TestType>(value(gen));
  std::vector<TestType> by_cpu(static_cast<std::size_t>(outer * dim * inner), TestType(0)), by_split(by_cpu);
  ScatterAddArgs args;
  args.updates = updates.data();
  args.out = by_cpu.data();
  args.indices = IndexList{idx.data(), true, count};
  args.outer = outer;
  args.dim = dim;
  args.inner = inner;
  args.float64 = sizeof(TestType) == 8;
  kernels().scatter_add.get(kCpu)(args);
  for (std::int64_t e = 0; e < static_cast<std::int64_t>(updates.size()); ++e) {
    const auto s = split_gather_element<std::int64_t>(e, count, inner);
    by_split[gathered_element(s, idx[s.n], dim, inner)] += updates[e];
  }
  REQUIRE(std::memcmp(by_split.data(), by_cpu.data(), by_cpu.size() * sizeof(TestType)) == 0);
}

TEMPLATE_TEST_CASE("one_hot predicate: the CUDA one_hot reproduces the CPU's", "[cuda_host][array]", std::int32_t,
                   std::int64_t) {
  const std::vector<TestType> idx = {0, 4, -1, 2, 5, 9, 2, std::numeric_limits<TestType>::min()};
  const std::int64_t depth = 5, count = static_cast<std::int64_t>(idx.size()), n = count * depth;
  OneHotArgs args;
  std::vector<std::uint32_t> by_cpu(static_cast<std::size_t>(n)), by_predicate(by_cpu.size());
  args.out = by_cpu.data();
  args.indices = IndexList{idx.data(), sizeof(TestType) == 8, count};
  args.depth = depth;
  args.itemsize = 4;
  const std::uint32_t on = 0xAABBCCDDu, off = 0x11223344u;
  std::memcpy(args.on, &on, 4);
  std::memcpy(args.off, &off, 4);
  kernels().one_hot.get(kCpu)(args);
  for (std::int64_t e = 0; e < n; ++e) {
    by_predicate[e] = one_hot_is_on(idx.data(), static_cast<std::int32_t>(e), static_cast<std::int32_t>(depth)) ? on
                                                                                                                  : off;
    REQUIRE(one_hot_is_on(idx.data(), e, depth) ==
            one_hot_is_on(idx.data(), static_cast<std::int32_t>(e), static_cast<std::int32_t>(depth)));
  }
  REQUIRE(by_predicate == by_cpu);
}

TEMPLATE_TEST_CASE("index range check: the first index outside [0, dim)", "[cuda_host][array]", std::int32_t,
                   std::int64_t) {
  const auto find = [](const std::vector<TestType>& v, std::int64_t dim) {
    const IndexList list{v.data(), sizeof(TestType) == 8, static_cast<std::int64_t>(v.size())};
    // The CUDA kernel's answer: the least k with index_out_of_range.
    std::int64_t expected = -1;
    for (std::int64_t k = static_cast<std::int64_t>(v.size()) - 1; k >= 0; --k)
      if (index_out_of_range(v[k], dim)) expected = k;
    const std::int64_t got = kernels().find_bad_index.get(kCpu)(list, dim);
    REQUIRE(got == expected);
    return got;
  };
  const TestType lowest = std::numeric_limits<TestType>::min(), highest = std::numeric_limits<TestType>::max();
  CHECK(find({0, 1, 2, 2, 0}, 3) == -1);
  CHECK(find({3, 1, 2}, 3) == 0);
  CHECK(find({0, 1, -1, 7}, 3) == 2);
  CHECK(find({0, 1, 2, highest}, 3) == 3);
  CHECK(find({0, lowest}, 3) == 1);
  CHECK(find({0}, 0) == 0);
  CHECK(find({}, 0) == -1);
  std::vector<TestType> many(100000, 1);
  many[77777] = 5;
  many[88888] = -5;
  CHECK(find(many, 2) == 77777);
}

TEST_CASE("fill: every element size", "[cuda_host][array]") {
  std::vector<std::uint64_t> words(9, 0);
  FillArgs args;
  args.dst = words.data();
  args.num_elements = 7;
  args.itemsize = 8;
  const std::uint64_t v = 0x0123456789ABCDEFull;
  std::memcpy(args.value, &v, 8);
  kernels().fill.get(kCpu)(args);
  CHECK(words == std::vector<std::uint64_t>{v, v, v, v, v, v, v, 0, 0});
  std::vector<std::uint8_t> bytes(5, 0);
  args.dst = bytes.data();
  args.num_elements = 4;
  args.itemsize = 1;
  kernels().fill.get(kCpu)(args);
  CHECK(bytes == std::vector<std::uint8_t>{0xEF, 0xEF, 0xEF, 0xEF, 0});
}
