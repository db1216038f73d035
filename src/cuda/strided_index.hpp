#pragma once
// Layout logic of the CUDA elementwise kernels, in plain C++ so that g++
// compiles it too and the host tests check it against a naive computation.
// The kernels see an ElementwiseArgs after broadcasting and dimension
// merging (make_elementwise_args): a contiguous output of `shape` and, per
// input, strides in elements (0 on broadcast dimensions, possibly negative).
// Three layouts get three kernels:
//  - flat: one dimension, every input contiguous (stride 1) or a broadcast
//    scalar (stride 0): 16-byte vector loads and stores when aligned;
//  - strided with 32-bit index arithmetic, when the element count and every
//    input's offsets fit in int32 (integer division is much cheaper);
//  - strided with 64-bit index arithmetic otherwise.
#include <cstdint>
#include <string>

#include "eager/error.hpp"
#include "tensor/functors.hpp"  // EAGER_HD
#include "tensor/registry.hpp"

// Only the device pass: g++ as nvcc's host compiler would warn about it.
#if defined(__CUDA_ARCH__)
#define EAGER_UNROLL _Pragma("unroll")
#else
#define EAGER_UNROLL
#endif

namespace eager::detail::cuda {

// Dimensions left after merging; tensors whose layout keeps more (rare:
// every dimension > 1 and none mergeable) are refused with Unimplemented.
// Fixed so that the indexer is a kernel parameter and its loop unrolls.
inline constexpr int kMaxElementwiseRank = 12;

// Maps a linear index of the contiguous output to each input's element
// offset. Dimensions are stored innermost first so that the loop peels
// them off the index with one division each (none for the outermost).
// Room for every input of any op, so that one type serves all kernels.
template <class Index> struct StridedIndexer {
  int rank = 0;
  Index sizes[kMaxElementwiseRank] = {};
  Index strides[kMaxElementwiseRank][kMaxElementwiseInputs] = {};

  // Offsets of the first N inputs.
  template <int N> EAGER_HD void offsets(Index linear, Index (&out)[N]) const {
    for (int k = 0; k < N; ++k) out[k] = 0;
    // Unrolled with a data-dependent exit: constant array indices keep the
    // indexer in the kernel's parameter space instead of a local copy.
    EAGER_UNROLL
    for (int d = 0; d < kMaxElementwiseRank; ++d) {
      if (d == rank) break;
      Index i = linear;
      if (d + 1 < rank) {
        const Index q = linear / sizes[d];
        i = linear - q * sizes[d];
        linear = q;
      }
      for (int k = 0; k < N; ++k) out[k] += i * strides[d][k];
    }
  }
};

// Whether every input is contiguous or a broadcast scalar over a 1-D loop.
inline bool is_flat_layout(const ElementwiseArgs& args, int num_inputs) {
  if (args.shape.rank() != 1) return false;
  for (int k = 0; k < num_inputs; ++k)
    if (args.in_strides[k][0] != 0 && args.in_strides[k][0] != 1) return false;
  return true;
}

// Whether the loop can index in int32: the element count and every input's
// largest offset magnitude (sum of (size - 1) * |stride|) below 2^31.
inline bool fits_int32(const ElementwiseArgs& args, int num_inputs) {
  constexpr std::int64_t limit = INT32_MAX;
  if (args.num_elements > limit) return false;
  for (int k = 0; k < num_inputs; ++k) {
    std::int64_t reach = 0;
    for (int d = 0; d < args.shape.rank(); ++d) {
      const std::int64_t stride = args.in_strides[k][d] < 0 ? -args.in_strides[k][d] : args.in_strides[k][d];
      // Each term is checked before the sum so that nothing overflows.
      if (stride > limit || (args.shape[d] - 1) > limit / (stride == 0 ? 1 : stride)) return false;
      reach += (args.shape[d] - 1) * stride;
      if (reach > limit) return false;
    }
  }
  return true;
}

// Elements per 16-byte vector: set by the widest operand, so that no load or
// store exceeds 16 bytes (a float32 comparison moves 4 floats in, 4 bools out).
template <class Out, class... In> constexpr int vector_width() {
  std::size_t widest = sizeof(Out);
  ((widest = sizeof(In) > widest ? sizeof(In) : widest), ...);
  return static_cast<int>(16 / widest);
}

// Whether `ptr` may be read or written as whole vectors of `width` elements
// of `element_size` bytes (their natural alignment).
inline bool vector_aligned(const void* ptr, std::size_t element_size, int width) {
  return reinterpret_cast<std::uintptr_t>(ptr) % (element_size * static_cast<std::size_t>(width)) == 0;
}

enum class ElementwisePath { Vector, Strided32, Strided64 };
struct ElementwisePlan {
  ElementwisePath path = ElementwisePath::Strided64;
  unsigned broadcast = 0;  // Vector: bit k set when input k is a scalar (stride 0)
};

// Which kernel serves `args`: the vector kernel for a flat layout whose
// output and full-size inputs are aligned to whole vectors of
// `vector_width` elements, else the strided kernel with the narrowest index
// that fits. element_sizes holds the output's element size, then each input's.
inline ElementwisePlan plan_elementwise(const ElementwiseArgs& args, int num_inputs, const std::size_t* element_sizes,
                                        int vector_width) {
  ElementwisePlan plan;
  if (is_flat_layout(args, num_inputs)) {
    bool aligned = vector_aligned(args.out, element_sizes[0], vector_width);
    for (int k = 0; k < num_inputs; ++k) {
      if (args.in_strides[k][0] == 0) plan.broadcast |= 1u << k;
      else aligned = aligned && vector_aligned(args.in[k], element_sizes[k + 1], vector_width);
    }
    if (aligned) {
      plan.path = ElementwisePath::Vector;
      return plan;
    }
    plan.broadcast = 0;
  }
  plan.path = fits_int32(args, num_inputs) ? ElementwisePath::Strided32 : ElementwisePath::Strided64;
  return plan;
}

// The indexer of `args`' first num_inputs inputs. Throws Unimplemented
// (naming op, dtype, merged shape and device) beyond kMaxElementwiseRank
// dimensions; the caller has checked fits_int32 when Index is 32-bit.
template <class Index>
StridedIndexer<Index> make_strided_indexer(const ElementwiseArgs& args, int num_inputs, const char* op, DType dtype,
                                           int device) {
  const int rank = args.shape.rank();
  if (rank > kMaxElementwiseRank) {
    std::string dims;
    for (int d = 0; d < rank; ++d) dims += (d ? ", " : "") + std::to_string(args.shape[d]);
    throw Unimplemented(std::string(op) + ": the operands' layout keeps " + std::to_string(rank) +
                        " dimensions after merging contiguous ones (" + std::string(dtype_name(dtype)) + "[" + dims +
                        "] on /device:GPU:" + std::to_string(device) + "); the CUDA elementwise kernels take at most " +
                        std::to_string(kMaxElementwiseRank) + "; reshape to fewer dimensions or run it on the CPU");
  }
  StridedIndexer<Index> ix;
  ix.rank = rank;
  for (int d = 0; d < rank; ++d) {
    const int inner = rank - 1 - d;
    ix.sizes[d] = static_cast<Index>(args.shape[inner]);
    for (int k = 0; k < num_inputs; ++k) ix.strides[d][k] = static_cast<Index>(args.in_strides[k][inner]);
  }
  return ix;
}

}  // namespace eager::detail::cuda
