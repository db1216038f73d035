#pragma once
// Fused kernels of eager::nn: softmax, log_softmax and the two softmax
// cross-entropies, each one pass over the rows of a contiguous [rows, classes]
// matrix. Composing them from primitives costs about eight dispatches and
// temporaries per call; fused they run near memory speed on small batches.
// The tables are indexed [device][dtype of the logits], like the registry's.
#include <cstdint>

#include "registry.hpp"

namespace eager::detail {

// out[r, :] = softmax or log_softmax of in[r, :].
struct SoftmaxArgs {
  const void* logits = nullptr;
  void* out = nullptr;
  std::int64_t rows = 0, classes = 0;
};
using SoftmaxKernel = void (*)(const SoftmaxArgs&);

// loss[r] = -log_softmax(logits[r, :])[labels[r]]. Labels are int32 or int64
// (labels_int64) and already checked to lie in [0, classes).
struct SparseXentArgs {
  const void* logits = nullptr;
  const void* labels = nullptr;
  bool labels_int64 = false;
  void* loss = nullptr;
  std::int64_t rows = 0, classes = 0;
};
using SparseXentKernel = void (*)(const SparseXentArgs&);

// loss[r] = -sum_c labels[r, c] * log_softmax(logits[r, :])[c]; labels have
// the logits' dtype and layout.
struct XentArgs {
  const void* logits = nullptr;
  const void* labels = nullptr;
  void* loss = nullptr;
  std::int64_t rows = 0, classes = 0;
};
using XentKernel = void (*)(const XentArgs&);

struct NnKernels {
  KernelTable<SoftmaxKernel> softmax;
  KernelTable<SoftmaxKernel> log_softmax;
  KernelTable<SparseXentKernel> sparse_xent;
  KernelTable<XentKernel> xent;
};

// The process-wide table, filled on first use.
const NnKernels& nn_kernels();

// Fills the CPU slots (float32, float64).
void register_cpu_nn_kernels(NnKernels& k);

}  // namespace eager::detail
