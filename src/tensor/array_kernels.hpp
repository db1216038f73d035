#pragma once
// The data-movement kernels behind the copying array ops (array_copy_ops.cpp)
// and fill(). They only move bytes, so the table is indexed by device type
// alone: every kernel takes the element size and moves elements as unsigned
// words of that many bytes (1, 4 or 8), which serves every dtype. The op
// layer does the argument checks, error messages and autograd recording once
// for both devices; these kernels only run on checked arguments.
//
// The per-element index arithmetic is written once below as EAGER_HD
// functions: the CUDA kernels call them per thread, and the host tests
// (test/cuda_host/test_array_parity.cpp) apply them through plain loops and
// compare with the CPU kernels.
#include <cstddef>
#include <cstdint>
#include <string>

#include "eager/device.hpp"
#include "eager/error.hpp"
#include "eager/shape.hpp"
#include "functors.hpp"  // EAGER_HD

namespace eager {
class Tensor;
}

namespace eager::detail {

// Calls fn(Word{}) with the unsigned integer type as wide as one element, so
// byte-moving loops compile to plain loads and stores for every dtype (host
// code of both backends).
template <class Fn> void visit_word(std::size_t itemsize, Fn&& fn) {
  switch (itemsize) {
    case 1: fn(std::uint8_t{}); break;
    case 4: fn(std::uint32_t{}); break;
    case 8: fn(std::uint64_t{}); break;
    default: throw Unimplemented("no data movement for elements of " + std::to_string(itemsize) + " bytes");
  }
}

// dst[i] = src[i] for every multi-index i of `shape`, each side at its own
// strides (elements; any sign, and 0 on the source for broadcasting). The
// pointers address the element at multi-index 0.
struct CopyArgs {
  Shape shape;
  Strides src_strides, dst_strides;
  const void* src = nullptr;
  void* dst = nullptr;
  std::size_t itemsize = 0;
};
using CopyKernel = void (*)(const CopyArgs&);

// dst[0, n) = the element whose bytes are value[0, itemsize).
struct FillArgs {
  void* dst = nullptr;
  std::int64_t num_elements = 0;
  std::size_t itemsize = 0;
  unsigned char value[8] = {};
};
using FillKernel = void (*)(const FillArgs&);

// Contiguous int32 (int64 = false) or int64 indices.
struct IndexList {
  const void* data = nullptr;
  bool int64 = false;
  std::int64_t count = 0;
};

// A gather along the middle axis of a contiguous [outer, dim, inner] tensor:
// out[o, n, q] = src[o, idx[n], q], out contiguous [outer, count, inner].
// Indices are checked to lie in [0, dim).
struct GatherArgs {
  const void* src = nullptr;
  void* out = nullptr;
  IndexList indices;
  std::int64_t outer = 1, dim = 0, inner = 1;
  std::size_t itemsize = 0;
};
using GatherKernel = void (*)(const GatherArgs&);

// The gather's adjoint: out[o, idx[n], q] += updates[o, n, q] for float32
// (float64 = false) or float64, out zero-filled by the caller. Indices are
// checked to lie in [0, dim).
struct ScatterAddArgs {
  const void* updates = nullptr;
  void* out = nullptr;
  IndexList indices;
  std::int64_t outer = 1, dim = 0, inner = 1;
  bool float64 = false;
};
using ScatterAddKernel = void (*)(const ScatterAddArgs&);

// out[i, d] = (idx[i] == d ? on : off) for out contiguous [count, depth];
// indices outside [0, depth) give a row of `off`.
struct OneHotArgs {
  void* out = nullptr;
  IndexList indices;
  std::int64_t depth = 0;
  std::size_t itemsize = 0;
  unsigned char on[8] = {}, off[8] = {};
};
using OneHotKernel = void (*)(const OneHotArgs&);

// The position of the first index outside [0, dim), or -1 when all are in
// range, so that the op can name it in its error message on any device.
using FindBadIndexKernel = std::int64_t (*)(const IndexList& indices, std::int64_t dim);

template <class Kernel> struct DeviceKernels {
  Kernel slots[kNumDeviceTypes] = {};
  Kernel& at(DeviceType d) { return slots[static_cast<int>(d)]; }
  Kernel get(DeviceType d) const { return slots[static_cast<int>(d)]; }
};

struct ArrayKernels {
  DeviceKernels<CopyKernel> copy;
  DeviceKernels<FillKernel> fill;
  DeviceKernels<GatherKernel> gather;
  DeviceKernels<ScatterAddKernel> scatter_add;
  DeviceKernels<OneHotKernel> one_hot;
  DeviceKernels<FindBadIndexKernel> find_bad_index;
};

// Fills the contiguous tensor `out` on its device with the element whose
// bytes are value[0, itemsize) (array_copy_ops.cpp); `op` names the caller
// in the Unimplemented error of a device without a fill kernel.
void fill_bytes(const char* op, Tensor& out, const unsigned char* value);

// ---- index arithmetic shared by the CPU and CUDA kernels -----------------------

// A coalesced rank is at most 63: every remaining dimension is >= 2 and the
// element count fits in int64.
inline constexpr int kMaxCopyRank = 64;

// A strided copy, outermost dimension first, after dropping size-1
// dimensions and merging dimensions that are contiguous in both layouts.
// Strides in elements. A copy of one element has rank 1.
struct CopyPlan {
  int rank = 0;
  std::int64_t dims[kMaxCopyRank], src[kMaxCopyRank], dst[kMaxCopyRank];
};

inline CopyPlan plan_copy(const Shape& shape, const Strides& src, const Strides& dst) {
  CopyPlan plan;
  for (int d = 0; d < shape.rank(); ++d) {
    if (shape[d] == 1) continue;
    const int last = plan.rank - 1;
    if (last >= 0 && plan.src[last] == src[d] * shape[d] && plan.dst[last] == dst[d] * shape[d]) {
      plan.dims[last] *= shape[d];
      plan.src[last] = src[d];
      plan.dst[last] = dst[d];
    } else {
      plan.dims[plan.rank] = shape[d];
      plan.src[plan.rank] = src[d];
      plan.dst[plan.rank] = dst[d];
      ++plan.rank;
    }
  }
  if (plan.rank == 0) {
    plan.dims[0] = 1;
    plan.src[0] = plan.dst[0] = 1;
    plan.rank = 1;
  }
  return plan;
}

// The copy as the CUDA kernels walk it: element `linear` in row-major order
// over the plan's dimensions maps to a source and a destination offset.
// Dimensions are stored innermost first and the loop has the fixed bound R
// with a data-dependent exit, so nvcc unrolls it and the indexer stays in the
// kernel's parameter space. I is int64, or int32 where copy_fits_int32 holds
// (integer division is much cheaper).
template <int R, class I> struct CopyIndexer {
  int rank = 0;
  I sizes[R] = {}, src[R] = {}, dst[R] = {};

  EAGER_HD void offsets(I linear, I& s, I& d) const {
    s = 0;
    d = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int k = 0; k < R; ++k) {
      if (k == rank) break;
      I i = linear;
      if (k + 1 < rank) {
        const I q = linear / sizes[k];
        i = linear - q * sizes[k];
        linear = q;
      }
      s += i * src[k];
      d += i * dst[k];
    }
  }
};

// The plan (rank <= R) as an indexer.
template <int R, class I> CopyIndexer<R, I> make_copy_indexer(const CopyPlan& plan) {
  CopyIndexer<R, I> ix;
  ix.rank = plan.rank;
  for (int k = 0; k < plan.rank; ++k) {
    const int d = plan.rank - 1 - k;
    ix.sizes[k] = static_cast<I>(plan.dims[d]);
    ix.src[k] = static_cast<I>(plan.src[d]);
    ix.dst[k] = static_cast<I>(plan.dst[d]);
  }
  return ix;
}

// Whether every element index, offset and partial sum of the copy fits in
// int32: the largest |offset| on either side is sum (dims - 1) * |stride|.
inline bool copy_fits_int32(const CopyPlan& plan) {
  constexpr std::int64_t kMax = 0x7fffffff;
  std::int64_t n = 1, src = 0, dst = 0;
  for (int d = 0; d < plan.rank; ++d) {
    n *= plan.dims[d];
    const std::int64_t s = plan.src[d] < 0 ? -plan.src[d] : plan.src[d];
    const std::int64_t t = plan.dst[d] < 0 ? -plan.dst[d] : plan.dst[d];
    if (n > kMax || s > kMax || t > kMax) return false;
    // Each term is below 2^62 here, and the sums stay below 2^31 + 2^62.
    src += (plan.dims[d] - 1) * s;
    dst += (plan.dims[d] - 1) * t;
    if (src > kMax || dst > kMax) return false;
  }
  return true;
}

// Whether index v lies outside [0, dim): one unsigned compare.
EAGER_HD inline bool index_out_of_range(std::int64_t v, std::int64_t dim) {
  return static_cast<std::uint64_t>(v) >= static_cast<std::uint64_t>(dim);
}

// Element e of the [outer, count, inner] side of a gather (its output, or a
// scatter-add's updates) is column `column` of row n of block o; it pairs
// with gathered_element() of the [outer, dim, inner] side. I as for
// CopyIndexer: int32 where gather_fits_int32 holds.
template <class I> struct RowSplit {
  I column, n, o;
};
template <class I> EAGER_HD inline RowSplit<I> split_gather_element(I e, I count, I inner) {
  const I row = e / inner, o = row / count;
  return RowSplit<I>{e - row * inner, row - o * count, o};
}
template <class I> EAGER_HD inline I gathered_element(const RowSplit<I>& s, I index, I dim, I inner) {
  return (s.o * dim + index) * inner + s.column;
}

inline bool gather_fits_int32(std::int64_t outer, std::int64_t count, std::int64_t dim, std::int64_t inner) {
  constexpr std::int64_t kMax = 0x7fffffff;
  // Each product is an element count of a tensor that exists, so it fits int64.
  return outer * count * inner <= kMax && outer * dim * inner <= kMax;
}

// Element e of a one_hot output [count, depth] holds `on` when this is true
// (an index outside [0, depth) matches no column).
template <class Idx, class I> EAGER_HD inline bool one_hot_is_on(const Idx* indices, I e, I depth) {
  const I row = e / depth;
  return static_cast<std::int64_t>(indices[row]) == static_cast<std::int64_t>(e - row * depth);
}

}  // namespace eager::detail
