// The combining rules of the CUDA reductions (src/cuda/reduction_math.hpp)
// and the launch plans of the reduction and scan kernels
// (src/cuda/reduction_plan.hpp), on the host.
// - Combining the elements in any grouping (the GPU's lanes, warps, blocks
//   and chunks each take a share) gives the CPU kernels' result: exactly for
//   max/min/argmax/argmin (NaNs, ties) and integer sums and products
//   (wrapping), within rounding for float sums.
// - The identities are the CPU kernels' results over an empty axis.
// - cumsum split into chunks (chunk sums, their exclusive scan in the scan's
//   direction as carries, each chunk scanned from its carry, as
//   scan_kernels.cu does) equals the CPU's cumsum for integers.
// - Every plan covers its axis, respects the hardware's grid limits and
//   never gives a block more than 256 threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "cuda/reduction_math.hpp"
#include "cuda/reduction_plan.hpp"
#include "tensor/registry.hpp"

namespace {

using eager::DeviceType;
using eager::DType;
using eager::dtype_v;
using namespace eager::detail;

template <class T> std::vector<T> sample(std::size_t n, unsigned seed, bool with_nan) {
  std::mt19937 gen(seed);
  // Few distinct values, so that maxima tie.
  std::uniform_int_distribution<int> dist(-20, 20);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(gen) * (std::is_floating_point_v<T> ? 0.25 : 1));
  if constexpr (std::is_floating_point_v<T>) {
    if (with_nan) {
      v[n / 3] = std::numeric_limits<T>::quiet_NaN();
      v[n / 2] = std::numeric_limits<T>::quiet_NaN();
    }
  }
  return v;
}

// R over v, combining shares the way a GPU does: `parts` interleaved lanes
// (element i to lane i % parts), each lane in order, then the lanes pairwise
// in a shuffled order.
template <class R, class T> typename R::Acc grouped(const std::vector<T>& v, std::size_t parts, unsigned seed) {
  std::vector<typename R::Acc> lanes(parts, R::identity());
  for (std::size_t i = 0; i < v.size(); ++i)
    lanes[i % parts] = R::combine(lanes[i % parts], R::load(v[i], static_cast<std::int64_t>(i)));
  std::mt19937 gen(seed);
  while (lanes.size() > 1) {
    std::shuffle(lanes.begin(), lanes.end(), gen);
    const auto last = lanes.back();
    lanes.pop_back();
    lanes.back() = R::combine(lanes.back(), last);
  }
  return lanes[0];
}

template <class Out> Out run_cpu(ReduceOp op, DType dtype, const void* in, std::int64_t n) {
  Out out{};
  ReduceArgs a;
  a.in = in;
  a.out = &out;
  a.reduce = n;
  registry().reduce[static_cast<int>(op)].get(DeviceType::CPU, dtype)(a);
  return out;
}

template <class T> bool same_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;
}

template <class T> void check_exact_reducers(bool with_nan) {
  const std::vector<T> v = sample<T>(5000, 7, with_nan);
  const auto n = static_cast<std::int64_t>(v.size());
  for (std::size_t parts : {std::size_t{1}, std::size_t{32}, std::size_t{256}, std::size_t{1000}}) {
    INFO("parts " << parts);
    CHECK(same_value(reduce::Max<T>::finish(grouped<reduce::Max<T>>(v, parts, 1)),
                     run_cpu<T>(ReduceOp::Max, dtype_v<T>, v.data(), n)));
    CHECK(same_value(reduce::Min<T>::finish(grouped<reduce::Min<T>>(v, parts, 2)),
                     run_cpu<T>(ReduceOp::Min, dtype_v<T>, v.data(), n)));
    CHECK(reduce::Arg<true, T>::finish(grouped<reduce::Arg<true, T>>(v, parts, 3)) ==
          run_cpu<std::int64_t>(ReduceOp::ArgMax, dtype_v<T>, v.data(), n));
    CHECK(reduce::Arg<false, T>::finish(grouped<reduce::Arg<false, T>>(v, parts, 4)) ==
          run_cpu<std::int64_t>(ReduceOp::ArgMin, dtype_v<T>, v.data(), n));
    if constexpr (std::is_integral_v<T>) {
      CHECK(grouped<reduce::Sum<T>>(v, parts, 5) == run_cpu<T>(ReduceOp::Sum, dtype_v<T>, v.data(), n));
      CHECK(grouped<reduce::Prod<T>>(v, parts, 6) == run_cpu<T>(ReduceOp::Prod, dtype_v<T>, v.data(), n));
    }
  }
}

template <class T> void check_identities() {
  CHECK(reduce::Sum<T>::identity() == run_cpu<T>(ReduceOp::Sum, dtype_v<T>, nullptr, 0));
  CHECK(reduce::Prod<T>::identity() == run_cpu<T>(ReduceOp::Prod, dtype_v<T>, nullptr, 0));
  CHECK(reduce::Max<T>::identity() == run_cpu<T>(ReduceOp::Max, dtype_v<T>, nullptr, 0));
  CHECK(reduce::Min<T>::identity() == run_cpu<T>(ReduceOp::Min, dtype_v<T>, nullptr, 0));
}

}  // namespace

TEST_CASE("cuda reductions: any grouping of max, min, argmax, argmin gives the CPU's result", "[cuda_host]") {
  SECTION("uint8") { check_exact_reducers<std::uint8_t>(false); }
  SECTION("int32") { check_exact_reducers<std::int32_t>(false); }
  SECTION("int64") { check_exact_reducers<std::int64_t>(false); }
  SECTION("float32") { check_exact_reducers<float>(false); }
  SECTION("float64") { check_exact_reducers<double>(false); }
  SECTION("float32 with NaNs") { check_exact_reducers<float>(true); }
  SECTION("float64 with NaNs") { check_exact_reducers<double>(true); }
}

TEST_CASE("cuda reductions: argmax of bool bytes and NaN at either end", "[cuda_host]") {
  const std::vector<std::uint8_t> bits = {0, 0, 1, 0, 1, 1};
  CHECK(reduce::Arg<true, std::uint8_t>::finish(grouped<reduce::Arg<true, std::uint8_t>>(bits, 4, 1)) == 2);
  CHECK(reduce::Arg<false, std::uint8_t>::finish(grouped<reduce::Arg<false, std::uint8_t>>(bits, 4, 1)) == 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> last = {1, 5, 5, nan}, first = {nan, 9, nan, 1};
  for (std::size_t parts : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    CHECK(reduce::Arg<true, float>::finish(grouped<reduce::Arg<true, float>>(last, parts, 9)) == 3);
    CHECK(reduce::Arg<false, float>::finish(grouped<reduce::Arg<false, float>>(first, parts, 9)) == 0);
    CHECK(std::isnan(grouped<reduce::Max<float>>(last, parts, 9)));
    CHECK(std::isnan(grouped<reduce::Min<float>>(first, parts, 9)));
  }
}

TEST_CASE("cuda reductions: integer sums and products wrap like the CPU's", "[cuda_host]") {
  const std::vector<std::int32_t> big(1000, std::numeric_limits<std::int32_t>::max());
  CHECK(grouped<reduce::Sum<std::int32_t>>(big, 32, 1) ==
        run_cpu<std::int32_t>(ReduceOp::Sum, DType::Int32, big.data(), 1000));
  const std::vector<std::uint8_t> bytes(300, 3);
  CHECK(grouped<reduce::Prod<std::uint8_t>>(bytes, 7, 1) ==
        run_cpu<std::uint8_t>(ReduceOp::Prod, DType::UInt8, bytes.data(), 300));
}

TEST_CASE("cuda reductions: float sums in any grouping stay within rounding of the CPU's", "[cuda_host]") {
  std::mt19937 gen(11);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<float> v(100000);
  double exact = 0, magnitude = 0;
  for (auto& x : v) {
    x = static_cast<float>(dist(gen));
    exact += x;
    magnitude += std::abs(x);
  }
  const float cpu = run_cpu<float>(ReduceOp::Sum, DType::Float32, v.data(), static_cast<std::int64_t>(v.size()));
  for (std::size_t parts : {std::size_t{256}, std::size_t{1024 * 8}}) {
    const float gpu_like = grouped<reduce::Sum<float>>(v, parts, 3);
    // Each share sums ~100000 / parts values in order: error within a few
    // float32 ulps of the magnitude times the chain length.
    const double bound = 1e-7 * magnitude * (1 + static_cast<double>(v.size() / parts));
    CHECK(std::abs(gpu_like - exact) <= bound);
    CHECK(std::abs(cpu - exact) <= bound);
  }
}

TEST_CASE("cuda reductions: identities are the CPU's results over an empty axis", "[cuda_host]") {
  check_identities<std::uint8_t>();
  check_identities<std::int32_t>();
  check_identities<std::int64_t>();
  check_identities<float>();
  check_identities<double>();
  CHECK(reduce::All::identity() == run_cpu<std::uint8_t>(ReduceOp::All, DType::Bool, nullptr, 0));
  CHECK(reduce::Any::identity() == run_cpu<std::uint8_t>(ReduceOp::Any, DType::Bool, nullptr, 0));
}

namespace {

// cumsum of [outer, length, inner] split into plan.chunks chunks the way
// scan_kernels.cu splits it: chunk sums in memory order, their exclusive
// scan in the scan's direction as carries, each chunk scanned from its carry.
template <class T>
std::vector<T> chunked_cumsum(const std::vector<T>& in, std::int64_t outer, std::int64_t length, std::int64_t inner,
                              std::int64_t chunks, std::int64_t chunk_len, bool exclusive, bool reverse) {
  std::vector<T> out(in.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const auto at = [&](std::int64_t r) { return static_cast<std::size_t>((o * length + r) * inner + i); };
      std::vector<T> sums(static_cast<std::size_t>(chunks), T(0)), carries(sums.size(), T(0));
      for (std::int64_t c = 0; c < chunks; ++c)
        for (std::int64_t r = c * chunk_len; r < std::min(length, (c + 1) * chunk_len); ++r)
          sums[c] = reduce::wrapping_add(sums[c], in[at(r)]);
      T running = T(0);
      for (std::int64_t k = 0; k < chunks; ++k) {
        const std::int64_t c = reverse ? chunks - 1 - k : k;
        carries[c] = running;
        running = reduce::wrapping_add(running, sums[c]);
      }
      for (std::int64_t c = 0; c < chunks; ++c) {
        const std::int64_t begin = c * chunk_len, end = std::min(length, begin + chunk_len);
        T acc = carries[c];
        for (std::int64_t k = 0; k < end - begin; ++k) {
          const std::int64_t r = reverse ? end - 1 - k : begin + k;
          const T next = reduce::wrapping_add(acc, in[at(r)]);
          out[at(r)] = exclusive ? acc : next;
          acc = next;
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("cuda cumsum: chunks with carries equal the CPU's scan", "[cuda_host]") {
  struct Case {
    std::int64_t outer, length, inner;
  };
  constexpr int kSms = 132;  // an H200
  for (const Case& s : {Case{1, 300000, 1}, Case{3, 70000, 1}, Case{2, 5000, 3}, Case{1, 999, 1}, Case{4, 37, 5}}) {
    const auto count = static_cast<std::size_t>(s.outer * s.length * s.inner);
    // Values up to 2^30: int32 sums wrap, as they must on both devices.
    std::vector<std::int32_t> in(count);
    std::mt19937 gen(5);
    for (auto& x : in) x = static_cast<std::int32_t>(gen() >> 1);
    const cuda::ScanPlan plan = cuda::plan_scan(s.outer, s.length, s.inner, kSms);
    for (const std::int64_t chunk_len : {plan.chunk_len, std::int64_t{7}}) {
      const std::int64_t chunks = (s.length + chunk_len - 1) / chunk_len;
      for (const bool exclusive : {false, true}) {
        for (const bool reverse : {false, true}) {
          INFO("shape [" << s.outer << ", " << s.length << ", " << s.inner << "], chunk_len " << chunk_len
                         << ", exclusive " << exclusive << ", reverse " << reverse);
          std::vector<std::int32_t> cpu(count);
          ScanArgs a;
          a.in = in.data();
          a.out = cpu.data();
          a.outer = s.outer;
          a.length = s.length;
          a.inner = s.inner;
          a.exclusive = exclusive;
          a.reverse = reverse;
          registry().cumsum.get(DeviceType::CPU, DType::Int32)(a);
          CHECK(chunked_cumsum(in, s.outer, s.length, s.inner, chunks, chunk_len, exclusive, reverse) == cpu);
        }
      }
    }
  }
}

namespace {

constexpr std::int64_t kMaxGridY = 65535;

void check_row_plan(std::int64_t rows, std::int64_t n, int sms) {
  INFO("rows " << rows << ", n " << n << ", sms " << sms);
  const cuda::RowPlan p = cuda::plan_rows(rows, n, sms, true);
  CHECK((p.group == 1 || p.group == 32 || p.group == cuda::kReduceBlock));
  CHECK(p.blocks >= 1);
  CHECK(p.blocks <= 32u * 8u * static_cast<unsigned>(sms));
  CHECK(p.chunks >= 1);
  // The chunks cover the row, none of them empty, each starting 64-aligned.
  CHECK(p.chunks * p.chunk_len >= n);
  CHECK((p.chunks - 1) * p.chunk_len < std::max<std::int64_t>(n, 1));
  if (p.chunks > 1) {
    CHECK(p.group == cuda::kReduceBlock);
    CHECK(p.chunk_len % 64 == 0);
    CHECK(p.chunk_len >= cuda::kMinRowChunk);
    const cuda::RowPlan q = cuda::plan_row_partials(rows, p.chunks, sms);
    CHECK(q.group == 32);
    CHECK(q.blocks >= 1);
  }
}

void check_col_plan(std::int64_t outer, std::int64_t n, std::int64_t inner, int sms) {
  INFO("outer " << outer << ", n " << n << ", inner " << inner << ", sms " << sms);
  const cuda::ColPlan p = cuda::plan_cols(outer, n, inner, sms, true);
  CHECK(p.row_lanes >= 1);
  CHECK(p.row_lanes * p.cols_per_block <= cuda::kReduceBlock);
  CHECK(p.cols_per_block >= 1);
  CHECK(p.blocks_x >= 1);
  CHECK(p.blocks_y == static_cast<unsigned>(p.chunks));
  CHECK(p.chunks <= kMaxGridY);
  CHECK(p.chunks * p.chunk_len >= n);
  CHECK((p.chunks - 1) * p.chunk_len < std::max<std::int64_t>(n, 1));
}

void check_scan_plan(std::int64_t outer, std::int64_t length, std::int64_t inner, int sms) {
  INFO("outer " << outer << ", length " << length << ", inner " << inner << ", sms " << sms);
  const cuda::ScanPlan p = cuda::plan_scan(outer, length, inner, sms);
  CHECK(p.tiled == (inner == 1 && length >= cuda::kMinTiledRow));
  CHECK(p.blocks >= 1);
  CHECK(p.chunks <= kMaxGridY);  // the column chunk sums run with blockIdx.y = chunk
  CHECK(p.chunks * p.chunk_len >= length);
  CHECK((p.chunks - 1) * p.chunk_len < length);
  if (p.tiled && p.chunks > 1) CHECK(p.chunk_len % cuda::kScanTile == 0);
}

}  // namespace

TEST_CASE("cuda reduction plans: cover the axis within the grid limits", "[cuda_host]") {
  const std::int64_t big = std::int64_t{1} << 33;  // more elements than a 32-bit index reaches
  for (int sms : {1, 132}) {
    for (std::int64_t rows : {std::int64_t{1}, std::int64_t{7}, std::int64_t{5000}, big / 4}) {
      for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, std::int64_t{16}, std::int64_t{17}, std::int64_t{2048},
                             std::int64_t{2049}, std::int64_t{1} << 28, big})
        check_row_plan(rows, n, sms);
    }
    for (std::int64_t outer : {std::int64_t{1}, std::int64_t{3}, big / 64}) {
      for (std::int64_t n : {std::int64_t{0}, std::int64_t{2}, std::int64_t{100}, std::int64_t{1} << 24, big}) {
        for (std::int64_t inner : {std::int64_t{2}, std::int64_t{3}, std::int64_t{32}, std::int64_t{300}, big / 2})
          check_col_plan(outer, n, inner, sms);
      }
    }
    for (std::int64_t outer : {std::int64_t{1}, std::int64_t{1000}, big / 8}) {
      for (std::int64_t length : {std::int64_t{1}, std::int64_t{255}, std::int64_t{256}, std::int64_t{40000},
                                  std::int64_t{1} << 28, big}) {
        for (std::int64_t inner : {std::int64_t{1}, std::int64_t{2}, std::int64_t{64}})
          check_scan_plan(outer, length, inner, sms);
      }
    }
  }
}

TEST_CASE("cuda reduction plans: the shapes that matter pick the fast kernels", "[cuda_host]") {
  // The 256M-element float32 sum: whole blocks on chunks of at least 16K
  // elements, about one wave (8 blocks per multiprocessor) of them.
  const cuda::RowPlan full = cuda::plan_rows(1, std::int64_t{1} << 28, 132, true);
  CHECK(full.group == cuda::kReduceBlock);
  CHECK(full.chunks == 8 * 132);
  CHECK(full.blocks == 8u * 132u);
  // Rows of 10 elements: a thread per row; of 100: a warp per row.
  CHECK(cuda::plan_rows(100000, 10, 132, true).group == 1);
  CHECK(cuda::plan_rows(100000, 100, 132, true).group == 32);
  // Per-channel sums of an NHWC batch: 85 row lanes over 3 columns, whose
  // 255 threads read 255 consecutive elements.
  const cuda::ColPlan channels = cuda::plan_cols(1, 1 << 20, 3, 132, true);
  CHECK(channels.row_lanes == 85);
  CHECK(channels.cols_per_block == 3);
  CHECK(channels.chunks > 1);
  // A sum over axis 0 of [4096, 4096]: a thread per column, 256 columns per
  // block, the rows split so that about a wave of blocks runs.
  const cuda::ColPlan batch = cuda::plan_cols(1, 4096, 4096, 132, true);
  CHECK(batch.row_lanes == 1);
  CHECK(batch.cols_per_block == 256);
  CHECK(batch.blocks_x * batch.blocks_y >= 1000u);
  // Of [100000, 32]: 8 row lanes on each of 32 columns.
  const cuda::ColPlan narrow = cuda::plan_cols(1, 100000, 32, 132, true);
  CHECK(narrow.row_lanes == 8);
  CHECK(narrow.cols_per_block == 32);
}
