#pragma once
// Launch geometry of the CUDA reduction and scan kernels, as plain host code
// (no CUDA header) so that the host tests check it for every shape class,
// including sizes whose grids would pass the hardware limits.
//
// Every plan depends only on the shape and the number of multiprocessors, so
// a reduction's order of combination, hence its float rounding, is the same
// on every run on a given GPU model.
#include <algorithm>
#include <cstdint>

namespace eager::detail::cuda {

// Threads per block of every reduction and scan kernel.
inline constexpr int kReduceBlock = 256;

// The multiprocessors of the current device (cached per device).
int multiprocessor_count();

namespace plan_detail {
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
// Blocks that fill the GPU once: 8 resident blocks of 256 threads (2048
// threads) per multiprocessor.
inline std::int64_t wave(int sms) { return 8 * std::int64_t{std::max(sms, 1)}; }
// Grid-stride loops make any grid correct; four waves keep every
// multiprocessor busy while staying far below the 2^31 - 1 block limit.
inline unsigned capped_blocks(std::int64_t work_blocks, int sms) {
  return static_cast<unsigned>(std::clamp<std::int64_t>(work_blocks, 1, 4 * wave(sms)));
}
}  // namespace plan_detail

// Splitting a long axis into chunks only pays when each chunk keeps every
// thread of its block busy for a while: chunks of a row reduction hold at
// least this many elements, those of a column reduction this many rows per
// row lane.
inline constexpr std::int64_t kMinRowChunk = 16 * 1024;
inline constexpr std::int64_t kMinRowsPerLane = 64;

// Contiguous reductions (inner == 1): a group of `group` threads (1, 32 or
// 256) reduces one chunk of `chunk_len` elements of one row; with more than
// one chunk per row a second pass combines the chunks' partial results.
struct RowPlan {
  int group = 1;
  std::int64_t chunks = 1, chunk_len = 0;
  unsigned blocks = 1;
};

// Rows of up to 16 elements go to one thread each, rows of up to 2048 to a
// warp, longer rows to a block; rows too few to fill the GPU are split when
// `allow_split` (the second pass itself is never split).
inline RowPlan plan_rows(std::int64_t rows, std::int64_t n, int sms, bool allow_split) {
  using namespace plan_detail;
  RowPlan p;
  p.group = n <= 16 ? 1 : n <= 2048 ? 32 : kReduceBlock;
  p.chunk_len = n;
  if (allow_split && p.group == kReduceBlock && rows < wave(sms)) {
    const std::int64_t chunks = std::min(ceil_div(wave(sms), rows), ceil_div(n, kMinRowChunk));
    if (chunks > 1) {
      // Chunk starts on 64-element boundaries keep the vector loads aligned
      // within a row.
      p.chunk_len = ceil_div(ceil_div(n, chunks), 64) * 64;
      p.chunks = ceil_div(n, p.chunk_len);
    }
  }
  p.blocks = capped_blocks(ceil_div(rows * p.chunks, kReduceBlock / p.group), sms);
  return p;
}

// The second pass over the [rows, chunks] partial results of a split row
// reduction: a warp per row (chunks are at most a wave's worth).
inline RowPlan plan_row_partials(std::int64_t rows, std::int64_t chunks, int sms) {
  RowPlan p;
  p.group = 32;
  p.chunk_len = chunks;
  p.blocks = plan_detail::capped_blocks(plan_detail::ceil_div(rows, kReduceBlock / p.group), sms);
  return p;
}

// Strided reductions (inner > 1) over the flattened columns col = o * inner + i:
// a block takes `cols_per_block` consecutive columns with `row_lanes` threads
// on each (cols_per_block * row_lanes <= 256), the lanes of a column striding
// over its rows; blockIdx.y picks one chunk of `chunk_len` rows.
struct ColPlan {
  int row_lanes = 1, cols_per_block = kReduceBlock;
  std::int64_t chunks = 1, chunk_len = 0;
  unsigned blocks_x = 1, blocks_y = 1;
};

// Narrow columns get many row lanes, so that neighbouring threads read
// neighbouring elements (inner = 3: 85 lanes over 3 columns read 255
// consecutive elements), but never more lanes than a quarter of the rows.
// Columns too few to fill the GPU are split along the rows when `allow_split`.
inline ColPlan plan_cols(std::int64_t outer, std::int64_t n, std::int64_t inner, int sms, bool allow_split) {
  using namespace plan_detail;
  ColPlan p;
  const std::int64_t lanes = std::min<std::int64_t>(kReduceBlock / std::min<std::int64_t>(inner, kReduceBlock),
                                                    std::max<std::int64_t>(n / 4, 1));
  p.row_lanes = static_cast<int>(std::max<std::int64_t>(lanes, 1));
  p.cols_per_block = kReduceBlock / p.row_lanes;
  p.chunk_len = n;
  const std::int64_t tiles = ceil_div(outer * inner, p.cols_per_block);
  if (allow_split && tiles < wave(sms)) {
    const std::int64_t chunks = std::min({ceil_div(wave(sms), tiles), n / (p.row_lanes * kMinRowsPerLane),
                                          std::int64_t{65535}});
    if (chunks > 1) {
      p.chunk_len = ceil_div(n, chunks);
      p.chunks = ceil_div(n, p.chunk_len);
    }
  }
  p.blocks_x = capped_blocks(tiles, sms);
  p.blocks_y = static_cast<unsigned>(p.chunks);
  return p;
}

// cumsum over [outer, length, inner]. Long contiguous rows are scanned by
// a block at a time in tiles of kScanTile elements (`tiled`); everything else
// by one thread per column (rows of inner == 1 being columns of stride 1).
// Rows or columns too few to fill the GPU are split into chunks; a first
// pass sums each chunk, a short scan of those sums gives each chunk the
// carry it starts from.
inline constexpr int kScanItems = 8;
inline constexpr std::int64_t kScanTile = std::int64_t{kReduceBlock} * kScanItems;
inline constexpr std::int64_t kMinTiledRow = 256;

struct ScanPlan {
  bool tiled = false;
  std::int64_t chunks = 1, chunk_len = 0;
  unsigned blocks = 1;
};

inline ScanPlan plan_scan(std::int64_t outer, std::int64_t length, std::int64_t inner, int sms) {
  using namespace plan_detail;
  ScanPlan p;
  p.chunk_len = length;
  p.tiled = inner == 1 && length >= kMinTiledRow;
  if (p.tiled) {
    if (outer < wave(sms) && length >= 2 * kMinRowChunk) {
      const std::int64_t chunks = std::min(ceil_div(wave(sms), outer), ceil_div(length, kMinRowChunk));
      p.chunk_len = ceil_div(ceil_div(length, chunks), kScanTile) * kScanTile;
      p.chunks = ceil_div(length, p.chunk_len);
    }
    p.blocks = capped_blocks(outer * p.chunks, sms);
    return p;
  }
  const std::int64_t cols = outer * inner, threads = wave(sms) * kReduceBlock;
  if (cols < threads && length >= 2 * kMinRowsPerLane) {
    const std::int64_t chunks = std::min({ceil_div(threads, cols), length / kMinRowsPerLane, std::int64_t{65535}});
    p.chunk_len = ceil_div(length, chunks);
    p.chunks = ceil_div(length, p.chunk_len);
  }
  p.blocks = capped_blocks(ceil_div(cols * p.chunks, kReduceBlock), sms);
  return p;
}

}  // namespace eager::detail::cuda
