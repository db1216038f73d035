// CPU kernels of the fused training updates: one pass over the variable, its
// gradient and its slots, vectorised with xsimd and split across the thread
// pool for large variables. The momentum, Adam and RMSProp math is a functor
// whose `apply` is instantiated both for xsimd batches and for scalars (the
// tail), so the two paths cannot disagree; the functors are EAGER_HD so that a
// CUDA backend can instantiate the same math. SGD and the moving average are
// one fused multiply-add each, written in place.
#include <xsimd/xsimd.hpp>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "dtype_dispatch.hpp"
#include "functors.hpp"
#include "registry.hpp"
#include "thread_pool.hpp"

namespace eager::detail {

namespace {

// Elements per parallel chunk. An update touches two to five arrays, so a
// chunk is 256 KiB or more of float32 traffic: below that, waking threads
// costs more than it saves.
constexpr std::int64_t kGrainElements = 1 << 15;

template <class T> using Batch = xsimd::batch<T>;

// Unaligned access to element or batch i (chunks start anywhere). Not named
// load/store: for batches, ADL would prefer xsimd's aligned store.
template <class V, class T> V load_from(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return V::load_unaligned(p);
}

template <class V, class T> void store_to(T* p, const V& value) {
  if constexpr (std::is_same_v<V, T>) *p = value;
  else value.store_unaligned(p);
}

// Calls body.template operator()<V>(i) for element i (V = T) or for the batch
// starting at i (V = Batch<T>), covering [0, n) once, in parallel chunks.
// Bodies capture their pointers by value and each chunk works on its own copy:
// a copy whose address never escapes keeps the pointers in registers, where
// the vector stores (which may alias anything) would otherwise force reloads.
template <class T, class Body> void for_each_element(std::int64_t n, const Body& body) {
  constexpr auto width = static_cast<std::int64_t>(Batch<T>::size);
  parallel_for(n, kGrainElements, [&](std::int64_t begin, std::int64_t end) {
    const Body local = body;
    std::int64_t i = begin;
    for (; i + width <= end; i += width) local.template operator()<Batch<T>>(i);
    for (; i < end; ++i) local.template operator()<T>(i);
  });
}

// ---- update math ---------------------------------------------------------------
// V is a scalar type or an xsimd batch; hyperparameters arrive already
// broadcast to V.

template <bool Nesterov> struct MomentumStep {
  template <class V> EAGER_HD static void apply(V& var, V& accum, V grad, V lr, V momentum) {
    accum = accum * momentum + grad;
    if constexpr (Nesterov) var -= lr * (grad + momentum * accum);
    else var -= lr * accum;
  }
};

struct AdamStep {
  template <class V>
  EAGER_HD static void apply(V& var, V& m, V& v, V grad, V step_size, V one_minus_beta1, V one_minus_beta2,
                             V epsilon) {
    using std::sqrt;
    m += (grad - m) * one_minus_beta1;
    v += (grad * grad - v) * one_minus_beta2;
    var -= step_size * m / (sqrt(v) + epsilon);
  }
};

// Keras's two RMSprop formulas differ in where epsilon goes: the plain update
// adds it after the square root, the momentum update (TF's ApplyRMSProp)
// inside it.
template <bool Centered, bool WithMomentum> struct RmspropStep {
  template <class V>
  EAGER_HD static void apply(V& var, V& rms, V& mom, V& mg, V grad, V lr, V rho, V one_minus_rho, V momentum,
                             V epsilon) {
    using std::sqrt;
    rms = rho * rms + one_minus_rho * grad * grad;
    V denom = rms;
    if constexpr (Centered) {
      mg = rho * mg + one_minus_rho * grad;
      denom = rms - mg * mg;
    }
    if constexpr (WithMomentum) {
      mom = momentum * mom + lr * grad / sqrt(denom + epsilon);
      var -= mom;
    } else {
      var -= lr * grad / (sqrt(denom) + epsilon);
    }
  }
};

// ---- kernels ---------------------------------------------------------------------

template <class T> void sgd_kernel(const SgdArgs& a) {
  T* var = static_cast<T*>(a.var);
  const T* grad = static_cast<const T*>(a.grad);
  const T lr = static_cast<T>(a.learning_rate);
  for_each_element<T>(a.num_elements, [=]<class V>(std::int64_t i) {
    store_to(var + i, load_from<V>(var + i) - V(lr) * load_from<V>(grad + i));
  });
}

template <class T, bool Nesterov> void momentum_loop(const MomentumArgs& a) {
  T* var = static_cast<T*>(a.var);
  T* accum = static_cast<T*>(a.accum);
  const T* grad = static_cast<const T*>(a.grad);
  const T lr = static_cast<T>(a.learning_rate), momentum = static_cast<T>(a.momentum);
  for_each_element<T>(a.num_elements, [=]<class V>(std::int64_t i) {
    V w = load_from<V>(var + i), acc = load_from<V>(accum + i);
    MomentumStep<Nesterov>::apply(w, acc, load_from<V>(grad + i), V(lr), V(momentum));
    store_to(accum + i, acc);
    store_to(var + i, w);
  });
}

template <class T> void momentum_kernel(const MomentumArgs& a) {
  if (a.nesterov) momentum_loop<T, true>(a);
  else momentum_loop<T, false>(a);
}

template <class T> void adam_kernel(const AdamArgs& a) {
  T* var = static_cast<T*>(a.var);
  T* m = static_cast<T*>(a.m);
  T* v = static_cast<T*>(a.v);
  const T* grad = static_cast<const T*>(a.grad);
  const T step_size = static_cast<T>(a.step_size), epsilon = static_cast<T>(a.epsilon);
  const T one_minus_beta1 = static_cast<T>(1 - a.beta1), one_minus_beta2 = static_cast<T>(1 - a.beta2);
  for_each_element<T>(a.num_elements, [=]<class V>(std::int64_t i) {
    V w = load_from<V>(var + i), mi = load_from<V>(m + i), vi = load_from<V>(v + i);
    AdamStep::apply(w, mi, vi, load_from<V>(grad + i), V(step_size), V(one_minus_beta1), V(one_minus_beta2),
                    V(epsilon));
    store_to(m + i, mi);
    store_to(v + i, vi);
    store_to(var + i, w);
  });
}

template <class T, bool Centered, bool WithMomentum> void rmsprop_loop(const RmspropArgs& a) {
  T* var = static_cast<T*>(a.var);
  T* rms = static_cast<T*>(a.rms);
  T* mom = static_cast<T*>(a.mom);
  T* mg = static_cast<T*>(a.mg);
  const T* grad = static_cast<const T*>(a.grad);
  const T lr = static_cast<T>(a.learning_rate), rho = static_cast<T>(a.rho), one_minus_rho = static_cast<T>(1 - a.rho);
  const T momentum = static_cast<T>(a.momentum), epsilon = static_cast<T>(a.epsilon);
  for_each_element<T>(a.num_elements, [=]<class V>(std::int64_t i) {
    V w = load_from<V>(var + i), r = load_from<V>(rms + i);
    V mo(T(0)), g_mean(T(0));
    if constexpr (WithMomentum) mo = load_from<V>(mom + i);
    if constexpr (Centered) g_mean = load_from<V>(mg + i);
    RmspropStep<Centered, WithMomentum>::apply(w, r, mo, g_mean, load_from<V>(grad + i), V(lr), V(rho),
                                                V(one_minus_rho), V(momentum), V(epsilon));
    store_to(rms + i, r);
    if constexpr (WithMomentum) store_to(mom + i, mo);
    if constexpr (Centered) store_to(mg + i, g_mean);
    store_to(var + i, w);
  });
}

template <class T> void rmsprop_kernel(const RmspropArgs& a) {
  const bool centered = a.mg != nullptr, with_momentum = a.mom != nullptr;
  if (centered && with_momentum) rmsprop_loop<T, true, true>(a);
  else if (centered) rmsprop_loop<T, true, false>(a);
  else if (with_momentum) rmsprop_loop<T, false, true>(a);
  else rmsprop_loop<T, false, false>(a);
}

template <class T> void moving_average_kernel(const MovingAverageArgs& a) {
  T* shadow = static_cast<T*>(a.shadow);
  const T* value = static_cast<const T*>(a.value);
  const T rate = static_cast<T>(a.one_minus_decay);
  for_each_element<T>(a.num_elements, [=]<class V>(std::int64_t i) {
    const V s = load_from<V>(shadow + i);
    store_to(shadow + i, s - (s - load_from<V>(value + i)) * V(rate));
  });
}

}  // namespace

void register_cpu_optimizer_kernels(OptimizerKernels& k) {
  auto fill = [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr DType d = dtype_v<T>;
    k.sgd.at(DeviceType::CPU, d) = &sgd_kernel<T>;
    k.momentum.at(DeviceType::CPU, d) = &momentum_kernel<T>;
    k.adam.at(DeviceType::CPU, d) = &adam_kernel<T>;
    k.rmsprop.at(DeviceType::CPU, d) = &rmsprop_kernel<T>;
    k.moving_average.at(DeviceType::CPU, d) = &moving_average_kernel<T>;
  };
  fill(TypeTag<float>{});
  fill(TypeTag<double>{});
}

}  // namespace eager::detail
