// The layout logic of the CUDA elementwise kernels (src/cuda/strided_index.hpp)
// on the host: the indexer gives every input the offset a naive walk over the
// broadcast shape gives, for the layouts make_elementwise_args produces, and
// each layout goes to the kernel it should.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "cuda/strided_index.hpp"
#include "eager/eager.hpp"
#include "tensor/dispatch.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::detail::ElementwiseArgs;
using eager::detail::cuda::ElementwisePath;
using eager::detail::cuda::fits_int32;
using eager::detail::cuda::kMaxElementwiseRank;
using eager::detail::cuda::make_strided_indexer;
using eager::detail::cuda::plan_elementwise;
using eager::detail::cuda::StridedIndexer;

namespace {

// Offset of output element `linear` in input `t` broadcast to `out_shape`,
// straight from t's own shape and strides.
std::int64_t naive_offset(const Tensor& t, const Shape& out_shape, std::int64_t linear) {
  std::int64_t offset = 0;
  const int shift = out_shape.rank() - t.rank();
  for (int d = out_shape.rank() - 1; d >= 0; --d) {
    const std::int64_t index = linear % out_shape[d];
    linear /= out_shape[d];
    const int td = d - shift;
    if (td >= 0 && t.shape()[td] != 1) offset += index * t.strides()[td];
  }
  return offset;
}

template <class Index, int N>
void require_indexer_matches(const ElementwiseArgs& args, const std::vector<Tensor>& inputs, const Shape& out_shape) {
  const auto ix = make_strided_indexer<Index>(args, N, "test", DType::Float32, 0);
  for (std::int64_t i = 0; i < args.num_elements; ++i) {
    Index offsets[N];
    ix.template offsets<N>(static_cast<Index>(i), offsets);
    for (int k = 0; k < N; ++k) {
      INFO("element " << i << ", input " << k);
      REQUIRE(static_cast<std::int64_t>(offsets[k]) == naive_offset(inputs[static_cast<std::size_t>(k)], out_shape, i));
    }
  }
}

// Builds the kernels' arguments for `inputs` broadcast together and checks
// both index widths against the naive offsets; returns the merged rank.
int check_layout(const std::vector<Tensor>& inputs) {
  Shape out_shape = inputs[0].shape();
  for (const Tensor& t : inputs) out_shape = detail::broadcast_shapes("test", out_shape, t.shape());
  std::vector<float> out(static_cast<std::size_t>(out_shape.num_elements()));
  ElementwiseArgs args;
  if (inputs.size() == 1) args = detail::make_elementwise_args(out_shape, {&inputs[0]}, out.data());
  if (inputs.size() == 2) args = detail::make_elementwise_args(out_shape, {&inputs[0], &inputs[1]}, out.data());
  if (inputs.size() == 3)
    args = detail::make_elementwise_args(out_shape, {&inputs[0], &inputs[1], &inputs[2]}, out.data());
  REQUIRE(fits_int32(args, static_cast<int>(inputs.size())));
  switch (inputs.size()) {
    case 1:
      require_indexer_matches<std::int32_t, 1>(args, inputs, out_shape);
      require_indexer_matches<std::int64_t, 1>(args, inputs, out_shape);
      break;
    case 2:
      require_indexer_matches<std::int32_t, 2>(args, inputs, out_shape);
      require_indexer_matches<std::int64_t, 2>(args, inputs, out_shape);
      break;
    default:
      require_indexer_matches<std::int32_t, 3>(args, inputs, out_shape);
      require_indexer_matches<std::int64_t, 3>(args, inputs, out_shape);
  }
  return args.shape.rank();
}

Tensor values(const Shape& shape, DType dtype = DType::Float32) { return test::random_tensor(shape, dtype, 7); }

// x[::-1] on every axis: negative strides, data pointer at the last element.
Tensor reversed(const Tensor& x) {
  const std::vector<std::int64_t> zeros(static_cast<std::size_t>(x.rank()), 0);
  const std::vector<std::int64_t> steps(static_cast<std::size_t>(x.rank()), -1);
  const std::int64_t all = (std::int64_t{1} << x.rank()) - 1;
  return strided_slice(x, zeros, zeros, steps, all, all);
}

}  // namespace

TEST_CASE("cuda strided indexer: offsets of every layout match a naive walk", "[cuda_host]") {
  SECTION("contiguous and a broadcast scalar coalesce to one dimension") {
    CHECK(check_layout({values({4, 5, 6}), values({4, 5, 6})}) == 1);
    CHECK(check_layout({values({4, 5, 6}), values({})}) == 1);
  }
  SECTION("broadcasting on both sides") {
    CHECK(check_layout({values({4, 1, 5}), values({3, 1})}) == 3);
    CHECK(check_layout({values({7, 1}), values({1, 9})}) == 2);
  }
  SECTION("a broadcast trailing block merges") {
    // [2, 3, 4] + [3, 4]: the second input repeats a contiguous block, so
    // the two inner dimensions merge into one of 12.
    CHECK(check_layout({values({2, 3, 4}), values({3, 4})}) == 2);
  }
  SECTION("transposed, sliced and reversed views") {
    const Tensor m = values({6, 7});
    check_layout({transpose(m), values({7, 6})});
    check_layout({slice(values({5, 9}), {1, 2}, {3, 5}), values({3, 5})});
    check_layout({reversed(values({4, 5})), transpose(values({5, 4}))});
    check_layout({strided_slice(values({10, 12}), {1, 11}, {10, 0}, {3, -2})});
    check_layout({transpose(values({3, 4, 5}), std::vector<int>{2, 0, 1}), values({3, 1})});
  }
  SECTION("where's three inputs, one of them a broadcast condition") {
    check_layout({values({5, 1}, DType::Bool), transpose(values({6, 5})), values({6})});
  }
  SECTION("the largest rank the kernels take") {
    // Reversing the axes of a [2]*12 tensor leaves nothing to merge.
    const Tensor x = values(Shape::filled(kMaxElementwiseRank, 2));
    CHECK(check_layout({transpose(x), reversed(transpose(x))}) == kMaxElementwiseRank);
  }
}

TEST_CASE("cuda strided indexer: layouts beyond the rank limit are refused with the op, dtype and shape",
          "[cuda_host]") {
  const Tensor x = transpose(values(Shape::filled(kMaxElementwiseRank + 1, 2)));
  std::vector<float> out(static_cast<std::size_t>(x.num_elements()));
  const ElementwiseArgs args = detail::make_elementwise_args(x.shape(), {&x}, out.data());
  REQUIRE(args.shape.rank() == kMaxElementwiseRank + 1);
  CHECK_THROWS_MATCHES(make_strided_indexer<std::int32_t>(args, 1, "negative", DType::Float64, 1), Unimplemented,
                       test::MessageContains("negative: the operands' layout keeps 13 dimensions"));
  CHECK_THROWS_MATCHES(make_strided_indexer<std::int64_t>(args, 1, "negative", DType::Float64, 1), Unimplemented,
                       test::MessageContains("(float64[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2] on /device:GPU:1)"));
  CHECK_THROWS_MATCHES(make_strided_indexer<std::int64_t>(args, 1, "negative", DType::Float64, 1), Unimplemented,
                       test::MessageContains("take at most 12"));
}

TEST_CASE("cuda strided indexer: 64-bit offsets beyond 2^31", "[cuda_host]") {
  // A column of a [2^22, 2^11] tensor, reversed, broadcast against a row:
  // offsets reach 2^33 while the loop has 45 elements.
  ElementwiseArgs args;
  args.shape = Shape{9, 5};
  args.in_strides[0] = Shape{-(std::int64_t{1} << 31), 0};
  args.in_strides[1] = Shape{0, std::int64_t{1} << 32};
  args.num_elements = 45;
  CHECK_FALSE(fits_int32(args, 2));
  const StridedIndexer<std::int64_t> ix = make_strided_indexer<std::int64_t>(args, 2, "test", DType::UInt8, 0);
  for (std::int64_t i = 0; i < 45; ++i) {
    std::int64_t offsets[2];
    ix.offsets<2>(i, offsets);
    CHECK(offsets[0] == -(i / 5) * (std::int64_t{1} << 31));
    CHECK(offsets[1] == (i % 5) * (std::int64_t{1} << 32));
  }
}

TEST_CASE("cuda strided indexer: int32 is used exactly while every offset fits", "[cuda_host]") {
  ElementwiseArgs args;
  args.shape = Shape{2, 1 << 20};
  args.num_elements = 2 << 20;
  // Largest offset (2 - 1) * s0 + (2^20 - 1) * 2048 = INT32_MAX exactly.
  const std::int64_t s1 = 2048, s0 = INT32_MAX - ((1 << 20) - 1) * s1;
  args.in_strides[0] = Shape{s0, s1};
  CHECK(fits_int32(args, 1));
  args.in_strides[0] = Shape{s0 + 1, s1};
  CHECK_FALSE(fits_int32(args, 1));
  args.in_strides[0] = Shape{-s0, -s1};  // magnitudes count, whatever the sign
  CHECK(fits_int32(args, 1));
  args.in_strides[0] = Shape{-s0 - 1, -s1};
  CHECK_FALSE(fits_int32(args, 1));
  args.in_strides[0] = Shape{std::int64_t{1} << 40, 1};  // a stride that would overflow the product
  CHECK_FALSE(fits_int32(args, 1));
  // The second input alone can push the loop to 64 bits.
  args.in_strides[0] = Shape{1 << 20, 1};
  args.in_strides[1] = Shape{0, std::int64_t{1} << 12};
  CHECK(fits_int32(args, 1));
  CHECK_FALSE(fits_int32(args, 2));
  // So can the element count: 2^31 elements, every offset small.
  args.shape = Shape{std::int64_t{1} << 31};
  args.num_elements = std::int64_t{1} << 31;
  args.in_strides[0] = Shape{0};
  CHECK_FALSE(fits_int32(args, 1));
}

TEST_CASE("cuda elementwise plan: vector kernel for aligned flat layouts, strided otherwise", "[cuda_host]") {
  using detail::cuda::vector_width;
  STATIC_REQUIRE(vector_width<float, float, float>() == 4);
  STATIC_REQUIRE(vector_width<bool, float, float>() == 4);
  STATIC_REQUIRE(vector_width<double, std::uint8_t>() == 2);
  STATIC_REQUIRE(vector_width<std::uint8_t, std::uint8_t>() == 16);
  STATIC_REQUIRE(vector_width<std::int64_t, bool, std::int64_t, std::int64_t>() == 2);

  // Addresses only: the plan never dereferences them.
  const auto at = [](std::uintptr_t address) { return reinterpret_cast<void*>(address); };
  const std::size_t floats[] = {4, 4, 4};
  ElementwiseArgs args;
  args.shape = Shape{1000};
  args.num_elements = 1000;
  args.in_strides[0] = Shape{1};
  args.in_strides[1] = Shape{0};
  args.out = at(0x10000);
  args.in[0] = at(0x20000);
  args.in[1] = at(0x30004);  // a broadcast scalar needs no alignment

  auto plan = plan_elementwise(args, 2, floats, 4);
  CHECK(plan.path == ElementwisePath::Vector);
  CHECK(plan.broadcast == 2u);

  args.in[0] = at(0x20004);  // a slice starting one float in
  plan = plan_elementwise(args, 2, floats, 4);
  CHECK(plan.path == ElementwisePath::Strided32);
  CHECK(plan.broadcast == 0u);

  args.in[0] = at(0x20000);
  args.out = at(0x10008);
  CHECK(plan_elementwise(args, 2, floats, 4).path == ElementwisePath::Strided32);

  args.out = at(0x10000);
  args.in_strides[0] = Shape{2};  // every other element: not flat
  CHECK(plan_elementwise(args, 2, floats, 4).path == ElementwisePath::Strided32);

  args.in_strides[0] = Shape{-1};  // reversed: not flat either
  CHECK(plan_elementwise(args, 2, floats, 4).path == ElementwisePath::Strided32);

  args.in_strides[0] = Shape{std::int64_t{1} << 30};
  CHECK(plan_elementwise(args, 2, floats, 4).path == ElementwisePath::Strided64);

  // Vectors of a narrower operand need only their own width's alignment:
  // bool out of a float32 comparison, 4 bools = 4 bytes.
  const std::size_t compare[] = {1, 4, 4};
  args.in_strides[0] = Shape{1};
  args.in_strides[1] = Shape{1};
  args.out = at(0x10004);
  args.in[1] = at(0x30010);
  plan = plan_elementwise(args, 2, compare, 4);
  CHECK(plan.path == ElementwisePath::Vector);
  CHECK(plan.broadcast == 0u);
  args.out = at(0x10002);
  CHECK(plan_elementwise(args, 2, compare, 4).path == ElementwisePath::Strided32);
}
