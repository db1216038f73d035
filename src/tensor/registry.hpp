#pragma once
// The op registry: per primitive, its name and a kernel table indexed by
// [device type][dtype]. "Supported" means "the slot is filled"; dispatch
// reads the slot and throws Unimplemented for an empty one. Backends fill the
// tables in their register_*_kernels() function, called once at start-up
// (never from static initialisers, which a static library may drop).
#include <cstdint>

#include "array_kernels.hpp"
#include "eager/device.hpp"
#include "eager/dtype.hpp"
#include "eager/shape.hpp"

namespace eager::detail {

inline constexpr int kMaxElementwiseInputs = 3;

// An elementwise loop after broadcasting and dimension coalescing: the output
// is contiguous with `shape`; input i is read at strides in_strides[i]
// (elements; 0 on broadcast dimensions).
struct ElementwiseArgs {
  Shape shape;
  Strides in_strides[kMaxElementwiseInputs];
  const void* in[kMaxElementwiseInputs] = {};
  void* out = nullptr;
  std::int64_t num_elements = 0;
  double alpha = 0;  // the parameter of parameterised functors (leaky_relu)
};
using ElementwiseKernel = void (*)(const ElementwiseArgs&);

template <class Kernel> struct KernelTable {
  Kernel slots[kNumDeviceTypes][kNumDTypes] = {};
  Kernel& at(DeviceType d, DType t) { return slots[static_cast<int>(d)][static_cast<int>(t)]; }
  Kernel get(DeviceType d, DType t) const { return slots[static_cast<int>(d)][static_cast<int>(t)]; }
};

enum class UnaryOp : std::uint8_t {
  Negative, Abs, Sign, Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Square, Floor, Ceil, Round, Sin, Cos, Tanh,
  Sigmoid, Reciprocal, LogicalNot, Relu, Relu6, Elu, Softplus, LeakyRelu, Count
};

// How a unary op picks its compute dtype from the input dtype.
enum class UnaryRule : std::uint8_t {
  Numeric,    // any dtype but bool, computed in the input dtype
  Floating,   // float32/float64 as they are; integers and bool in float32
  BoolOnly,   // bool in, bool out
};

enum class BinaryOp : std::uint8_t {
  Add, Subtract, Multiply, Divide, FloorDiv, Mod, Pow, Maximum, Minimum, SquaredDifference,
  Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, LogicalAnd, LogicalOr, LogicalXor, Count
};

enum class BinaryRule : std::uint8_t {
  Arithmetic,  // promoted dtype, bool refused
  TrueDivide,  // promoted, integers to float32 (8-bit) or float64
  Compare,     // promoted inputs, bool output
  Logical,     // bool inputs and output
};

struct UnaryOpDef {
  const char* name;
  UnaryRule rule;
  KernelTable<ElementwiseKernel> kernels;
};

struct BinaryOpDef {
  const char* name;
  BinaryRule rule;
  KernelTable<ElementwiseKernel> kernels;
};

// A reduction over the middle axis of a contiguous [outer, reduce, inner]
// view: out[o, i] = op over r of in[o, r, i]. Reductions over several axes are
// brought to this form by the dispatcher (transposing when the axes are not
// adjacent).
enum class ReduceOp : std::uint8_t { Sum, Prod, Max, Min, All, Any, ArgMax, ArgMin, Count };
struct ReduceArgs {
  const void* in = nullptr;
  void* out = nullptr;
  std::int64_t outer = 1, reduce = 1, inner = 1;
};
using ReduceKernel = void (*)(const ReduceArgs&);

// Inclusive or exclusive, forward or reverse cumulative sum along the middle
// axis of a contiguous [outer, length, inner] view.
struct ScanArgs {
  const void* in = nullptr;
  void* out = nullptr;
  std::int64_t outer = 1, length = 1, inner = 1;
  bool exclusive = false, reverse = false;
};
using ScanKernel = void (*)(const ScanArgs&);

// out[b] = op(a[b]) @ op(b[b]) for b in [0, batch), row-major matrices;
// op transposes when the flag is set. Batch strides are in elements (0 when
// one operand is broadcast over the batch).
struct MatmulArgs {
  const void* a = nullptr;
  const void* b = nullptr;
  void* out = nullptr;
  std::int64_t batch = 1, m = 0, n = 0, k = 0;
  bool transpose_a = false, transpose_b = false;
  std::int64_t batch_stride_a = 0, batch_stride_b = 0;
};
using MatmulKernel = void (*)(const MatmulArgs&);

// Fused kernels of eager::nn: softmax, log_softmax and the two softmax
// cross-entropies, each one pass over the rows of a contiguous [rows, classes]
// matrix. Composing them from primitives costs about eight dispatches and
// temporaries per call; fused they run near memory speed on small batches.
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

// Fused in-place training updates, each one pass over contiguous arrays of
// the variable's dtype (TensorFlow's ApplyGradientDescent, ApplyMomentum,
// ApplyAdam, ApplyRMSProp / ApplyCenteredRMSProp and the moving-average
// assign). Composed from primitives each update would cost several
// dispatches and full-size temporaries. Hyperparameters are doubles; kernels
// convert them to the element type. The gradient (or averaged value) has the
// variable's dtype and shape and is contiguous; the dispatcher makes it so.

// var -= learning_rate * grad
struct SgdArgs {
  void* var = nullptr;
  const void* grad = nullptr;
  std::int64_t num_elements = 0;
  double learning_rate = 0;
};
using SgdKernel = void (*)(const SgdArgs&);

// accum = momentum * accum + grad; var -= learning_rate * accum, or with
// nesterov var -= learning_rate * (grad + momentum * accum).
struct MomentumArgs {
  void* var = nullptr;
  void* accum = nullptr;
  const void* grad = nullptr;
  std::int64_t num_elements = 0;
  double learning_rate = 0, momentum = 0;
  bool nesterov = false;
};
using MomentumKernel = void (*)(const MomentumArgs&);

// m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2);
// var -= step_size * m / (sqrt(v) + epsilon), where step_size already holds
// the bias correction lr * sqrt(1 - beta2^t) / (1 - beta1^t).
struct AdamArgs {
  void* var = nullptr;
  void* m = nullptr;
  void* v = nullptr;
  const void* grad = nullptr;
  std::int64_t num_elements = 0;
  double step_size = 0, beta1 = 0, beta2 = 0, epsilon = 0;
};
using AdamKernel = void (*)(const AdamArgs&);

// Keras RMSprop. rms = rho * rms + (1 - rho) * grad^2; when centered (mg not
// null) mg = rho * mg + (1 - rho) * grad and denom = rms - mg^2, else
// denom = rms. Without a momentum slot (mom null):
// var -= lr * grad / (sqrt(denom) + epsilon); with one:
// mom = momentum * mom + lr * grad / sqrt(denom + epsilon); var -= mom.
struct RmspropArgs {
  void* var = nullptr;
  void* rms = nullptr;
  void* mom = nullptr;
  void* mg = nullptr;
  const void* grad = nullptr;
  std::int64_t num_elements = 0;
  double learning_rate = 0, rho = 0, momentum = 0, epsilon = 0;
};
using RmspropKernel = void (*)(const RmspropArgs&);

// shadow -= (shadow - value) * (1 - decay)
struct MovingAverageArgs {
  void* shadow = nullptr;
  const void* value = nullptr;
  std::int64_t num_elements = 0;
  double one_minus_decay = 0;
};
using MovingAverageKernel = void (*)(const MovingAverageArgs&);

struct OptimizerKernels {
  KernelTable<SgdKernel> sgd;
  KernelTable<MomentumKernel> momentum;
  KernelTable<AdamKernel> adam;
  KernelTable<RmspropKernel> rmsprop;
  KernelTable<MovingAverageKernel> moving_average;
};

struct Registry {
  UnaryOpDef unary[static_cast<int>(UnaryOp::Count)];
  BinaryOpDef binary[static_cast<int>(BinaryOp::Count)];
  // cast[dst dtype] is a table over [device][src dtype]; cast to the same
  // dtype is a strided copy (what contiguous() uses).
  KernelTable<ElementwiseKernel> cast[kNumDTypes];
  // where(cond, x, y), over [device][dtype of x and y].
  KernelTable<ElementwiseKernel> where;
  KernelTable<ReduceKernel> reduce[static_cast<int>(ReduceOp::Count)];
  KernelTable<ScanKernel> cumsum;
  KernelTable<MatmulKernel> matmul;
  NnKernels nn;
  OptimizerKernels optimizer;
  ArrayKernels array;

  UnaryOpDef& operator[](UnaryOp op) { return unary[static_cast<int>(op)]; }
  BinaryOpDef& operator[](BinaryOp op) { return binary[static_cast<int>(op)]; }
  const UnaryOpDef& operator[](UnaryOp op) const { return unary[static_cast<int>(op)]; }
  const BinaryOpDef& operator[](BinaryOp op) const { return binary[static_cast<int>(op)]; }
};

// The process-wide registry, filled on first use.
const Registry& registry();

// Backends: each fills its slots of the registry.
void register_cpu_elementwise_kernels(Registry& r);
void register_cpu_reduction_kernels(Registry& r);
void register_cpu_matmul_kernels(Registry& r);
void register_cpu_nn_kernels(NnKernels& k);
void register_cpu_optimizer_kernels(OptimizerKernels& k);
void register_cpu_array_kernels(ArrayKernels& k);
// The CUDA backend (src/cuda/), present only in a build with CUDA.
void register_cuda_elementwise_kernels(Registry& r);
void register_cuda_reduction_kernels(Registry& r);
void register_cuda_matmul_kernels(Registry& r);
void register_cuda_nn_kernels(NnKernels& k);
void register_cuda_optimizer_kernels(OptimizerKernels& k);
void register_cuda_array_kernels(ArrayKernels& k);

}  // namespace eager::detail
