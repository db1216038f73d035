// The CPU data-movement kernels of array_kernels.hpp: memcpy for contiguous
// rows, tiled transposing copies, and parallel_for splits sized so that each
// chunk moves about kGrainBytes.
#include <algorithm>
#include <cstring>
#include <string>

#include "array_kernels.hpp"
#include "eager/error.hpp"
#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Work per parallel_for chunk, in bytes: below this, waking threads costs
// more than the copy.
constexpr std::int64_t kGrainBytes = 64 * 1024;

// Block edge of transposing copies. Power-of-two strides map the strided
// side's rows to few cache sets, so 16 beat 32 in measurements.
constexpr std::int64_t kTile = 16;

// Calls fn(static_cast<const I*>(nullptr)) with I the list's index type.
template <class Fn> void visit_index_type(const IndexList& list, Fn&& fn) {
  if (list.int64) fn(static_cast<const std::int64_t*>(list.data));
  else fn(static_cast<const std::int32_t*>(list.data));
}

template <class W> void fill_words(char* dst, std::int64_t n, const unsigned char* value) {
  W w;
  std::memcpy(&w, value, sizeof(W));
  std::fill(reinterpret_cast<W*>(dst), reinterpret_cast<W*>(dst) + n, w);
}

void cpu_fill(const FillArgs& a) {
  char* dst = static_cast<char*>(a.dst);
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    const auto size = static_cast<std::int64_t>(a.itemsize);
    parallel_for(a.num_elements, kGrainBytes / size, [&](std::int64_t b, std::int64_t e) {
      fill_words<W>(dst + b * size, e - b, a.value);
    });
  });
}

template <class W> void copy_row(const char* s, char* d, std::int64_t n, std::int64_t ss, std::int64_t ds) {
  if (ss == 0) {
    W w;
    std::memcpy(&w, s, sizeof(W));
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(d + i * ds, &w, sizeof(W));
    return;
  }
  for (std::int64_t i = 0; i < n; ++i) {
    W w;
    std::memcpy(&w, s + i * ss, sizeof(W));
    std::memcpy(d + i * ds, &w, sizeof(W));
  }
}

// The copy loop's dimension other than the innermost that is contiguous in
// the source, when the innermost one is strided there and contiguous in the
// destination (a transpose); -1 otherwise. Strides in bytes.
int transposed_dim(const CopyPlan& loop, std::int64_t size) {
  const int last = loop.rank - 1;
  if (last < 1 || loop.src[last] == size || loop.dst[last] != size || loop.dims[last] < kTile / 4) return -1;
  for (int d = 0; d < last; ++d)
    if (loop.src[d] == size) return d;
  return -1;
}

// A transposing copy in kTile x kTile blocks of (dimension j, innermost), so
// the cache lines of both sides are used whole instead of one element per
// line on the strided side.
void copy_tiled(const CopyPlan& loop, int j, const char* src, char* dst, std::int64_t size) {
  const int last = loop.rank - 1;
  int batch_dims[kMaxCopyRank];
  int num_batch = 0;
  std::int64_t batch = 1;
  for (int d = 0; d < last; ++d) {
    if (d == j) continue;
    batch_dims[num_batch++] = d;
    batch *= loop.dims[d];
  }
  const std::int64_t nj = loop.dims[j], nl = loop.dims[last], j_tiles = (nj + kTile - 1) / kTile;
  const std::int64_t sj = loop.src[j], dj = loop.dst[j], sl = loop.src[last], dl = loop.dst[last];
  visit_word(static_cast<std::size_t>(size), [&](auto word) {
    using W = decltype(word);
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainBytes / (kTile * nl * size));
    parallel_for(batch * j_tiles, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t item = begin; item < end; ++item) {
        std::int64_t rest = item / j_tiles, so = 0, dof = 0;
        for (int k = num_batch - 1; k >= 0; --k) {
          const int d = batch_dims[k];
          so += rest % loop.dims[d] * loop.src[d];
          dof += rest % loop.dims[d] * loop.dst[d];
          rest /= loop.dims[d];
        }
        const std::int64_t j0 = item % j_tiles * kTile, j1 = std::min(nj, j0 + kTile);
        for (std::int64_t l0 = 0; l0 < nl; l0 += kTile) {
          const std::int64_t l1 = std::min(nl, l0 + kTile);
          for (std::int64_t jj = j0; jj < j1; ++jj)
            copy_row<W>(src + so + jj * sj + l0 * sl, dst + dof + jj * dj + l0 * dl, l1 - l0, sl, dl);
        }
      }
    });
  });
}

// The innermost dimension is a memcpy when both sides are contiguous there,
// transposes go in tiles; rows of the outer dimensions run in parallel.
void cpu_copy(const CopyArgs& a) {
  const std::int64_t n = a.shape.num_elements();
  if (n == 0) return;
  const auto size = static_cast<std::int64_t>(a.itemsize);
  CopyPlan loop = plan_copy(a.shape, a.src_strides, a.dst_strides);
  for (int d = 0; d < loop.rank; ++d) {
    loop.src[d] *= size;
    loop.dst[d] *= size;
  }
  const char* src_base = static_cast<const char*>(a.src);
  char* dst = static_cast<char*>(a.dst);
  if (const int j = transposed_dim(loop, size); j >= 0) return copy_tiled(loop, j, src_base, dst, size);
  const int outer_rank = loop.rank - 1;
  const std::int64_t inner = loop.dims[outer_rank], ss = loop.src[outer_rank], ds = loop.dst[outer_rank];
  const bool memcpy_rows = ss == size && ds == size;
  const std::int64_t rows = n / inner;
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainBytes / (inner * size));
  visit_word(a.itemsize, [&](auto word) {
    using W = decltype(word);
    parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
      std::int64_t index[kMaxCopyRank];
      std::int64_t so = 0, dof = 0, rest = begin;
      for (int d = outer_rank - 1; d >= 0; --d) {
        index[d] = rest % loop.dims[d];
        rest /= loop.dims[d];
        so += index[d] * loop.src[d];
        dof += index[d] * loop.dst[d];
      }
      for (std::int64_t r = begin; r < end; ++r) {
        if (memcpy_rows) std::memcpy(dst + dof, src_base + so, static_cast<std::size_t>(inner * size));
        else copy_row<W>(src_base + so, dst + dof, inner, ss, ds);
        for (int d = outer_rank - 1; d >= 0; --d) {
          so += loop.src[d];
          dof += loop.dst[d];
          if (++index[d] < loop.dims[d]) break;
          so -= loop.dims[d] * loop.src[d];
          dof -= loop.dims[d] * loop.dst[d];
          index[d] = 0;
        }
      }
    });
  });
}

// Whole rows move with memcpy; single-element rows (gathering from a vector)
// are word copies, and typed pointers tell the compiler the stores alias
// nothing else.
void cpu_gather(const GatherArgs& a) {
  const std::int64_t count = a.indices.count, inner = a.inner, dim = a.dim;
  const std::int64_t rows = a.outer * count;
  if (rows == 0 || inner == 0) return;
  const auto size = static_cast<std::int64_t>(a.itemsize);
  const std::int64_t row = inner * size;
  const char* const sp = static_cast<const char*>(a.src);
  char* const dst = static_cast<char*>(a.out);
  visit_index_type(a.indices, [&](auto* ip) {
    visit_word(a.itemsize, [&](auto word) {
      using W = decltype(word);
      parallel_for(rows, std::max<std::int64_t>(1, kGrainBytes / row), [=](std::int64_t b, std::int64_t e) {
        std::int64_t o = b / count, n = b % count;
        const W* const from_words = reinterpret_cast<const W*>(sp);
        W* const to_words = reinterpret_cast<W*>(dst);
        for (std::int64_t r = b; r < e; ++r) {
          const std::int64_t source_row = o * dim + static_cast<std::int64_t>(ip[n]);
          if (inner == 1) to_words[r] = from_words[source_row];
          else std::memcpy(dst + r * row, sp + source_row * row, static_cast<std::size_t>(row));
          if (++n == count) {
            n = 0;
            ++o;
          }
        }
      });
    });
  });
}

// Blocks of columns run in parallel and each walks n in order, so no two
// threads touch one element and the sums are the same on every run.
template <class T, class I>
void scatter_add_rows(const T* updates, const I* idx, T* out, std::int64_t outer, std::int64_t count,
                      std::int64_t dim, std::int64_t inner) {
  constexpr std::int64_t kColumns = 256;
  const std::int64_t blocks = (inner + kColumns - 1) / kColumns;
  const std::int64_t block_bytes = count * std::min(inner, kColumns) * static_cast<std::int64_t>(sizeof(T));
  parallel_for(outer * blocks, std::max<std::int64_t>(1, kGrainBytes / block_bytes),
               [=](std::int64_t b, std::int64_t e) {
                 for (std::int64_t item = b; item < e; ++item) {
                   const std::int64_t p = item / blocks, q0 = item % blocks * kColumns;
                   const std::int64_t q1 = std::min(inner, q0 + kColumns);
                   const T* from = updates + p * count * inner;
                   T* to = out + p * dim * inner;
                   for (std::int64_t n = 0; n < count; ++n) {
                     const T* row = from + n * inner;
                     T* target = to + static_cast<std::int64_t>(idx[n]) * inner;
                     for (std::int64_t q = q0; q < q1; ++q) target[q] += row[q];
                   }
                 }
               });
}

void cpu_scatter_add(const ScatterAddArgs& a) {
  if (a.outer * a.indices.count * a.inner == 0) return;
  visit_index_type(a.indices, [&](auto* ip) {
    if (a.float64)
      scatter_add_rows(static_cast<const double*>(a.updates), ip, static_cast<double*>(a.out), a.outer,
                       a.indices.count, a.dim, a.inner);
    else
      scatter_add_rows(static_cast<const float*>(a.updates), ip, static_cast<float*>(a.out), a.outer,
                       a.indices.count, a.dim, a.inner);
  });
}

void cpu_one_hot(const OneHotArgs& a) {
  const std::int64_t depth = a.depth;
  if (a.indices.count == 0 || depth == 0) return;
  const auto size = static_cast<std::int64_t>(a.itemsize);
  char* dst = static_cast<char*>(a.out);
  visit_index_type(a.indices, [&](auto* ip) {
    visit_word(a.itemsize, [&](auto word) {
      using W = decltype(word);
      W on_word;
      std::memcpy(&on_word, a.on, sizeof(W));
      parallel_for(a.indices.count, std::max<std::int64_t>(1, kGrainBytes / (depth * size)),
                   [&](std::int64_t b, std::int64_t e) {
                     for (std::int64_t i = b; i < e; ++i) {
                       char* row = dst + i * depth * size;
                       fill_words<W>(row, depth, a.off);
                       const auto v = static_cast<std::int64_t>(ip[i]);
                       if (v >= 0 && v < depth) std::memcpy(row + v * size, &on_word, sizeof(W));
                     }
                   });
    });
  });
}

std::int64_t cpu_find_bad_index(const IndexList& list, std::int64_t dim) {
  std::int64_t found = -1;
  visit_index_type(list, [&](auto* ip) {
    // Branch-free first pass (it vectorises); the search runs only on error.
    bool any_bad = false;
    for (std::int64_t k = 0; k < list.count; ++k) any_bad |= index_out_of_range(ip[k], dim);
    for (std::int64_t k = 0; any_bad && k < list.count; ++k) {
      if (index_out_of_range(ip[k], dim)) {
        found = k;
        return;
      }
    }
  });
  return found;
}

}  // namespace

void register_cpu_array_kernels(ArrayKernels& k) {
  constexpr DeviceType cpu = DeviceType::CPU;
  k.copy.at(cpu) = cpu_copy;
  k.fill.at(cpu) = cpu_fill;
  k.gather.at(cpu) = cpu_gather;
  k.scatter_add.at(cpu) = cpu_scatter_add;
  k.one_hot.at(cpu) = cpu_one_hot;
  k.find_bad_index.at(cpu) = cpu_find_bad_index;
}

}  // namespace eager::detail
