// The seed's first snippets in C++: eager tensors, NumPy-style interop (here
// through xtensor), the device check, random generation and the constant
// makers, printed the way TensorFlow prints them.
//
// TensorFlow (Python)                         eager (C++)
//   ndarray = np.ones([2, 2])                   auto ndarray = xt::ones<double>({2, 2});
//   tensor = tf.multiply(ndarray, 36)           auto tensor = eager::from_xtensor(ndarray) * 36;
//   np.add(tensor, 1)                           eager::as_xtensor<double>(tensor) + 1.0
//   tensor.numpy()                              tensor.to_vector<double>() / as_xtensor
#include <iostream>

#include <xtensor/xbuilder.hpp>

#include "eager/eager.hpp"
#include "eager/xtensor.hpp"

namespace rnd = eager::random;
using eager::Shape;

int main() {
  // NumPy arrays turn into tensors and back.
  xt::xarray<double> ndarray = xt::ones<double>({2, 2});
  eager::Tensor tensor = eager::multiply(eager::from_xtensor(ndarray), 36);
  std::cout << tensor << "\n";
  // np.add(tensor, 1): xtensor math straight on the tensor's memory.
  xt::xarray<double> plus_one = eager::as_xtensor<double>(tensor) + 1.0;
  std::cout << eager::from_xtensor(plus_one) << "\n";
  // tensor.numpy(): the values as a plain array.
  std::cout << "numpy():";
  for (double v : tensor.to_vector<double>()) std::cout << " " << v;
  std::cout << "\n\n";

  // tf.test.is_gpu_available(): Device::cuda throws a clear error without one.
  try {
    eager::DeviceScope on_gpu(eager::Device::cuda(0));
    std::cout << "On GPU: " << rnd::uniform(Shape{1000, 1000}).device().name() << "\n";
  } catch (const eager::Unavailable& e) {
    std::cout << "No GPU: " << e.what() << "\n\n";
  }

  // tf.data's first example, with tensors only: square and batch in pairs.
  const eager::Tensor values = eager::constant({6, 5, 4, 3, 2, 1});
  const eager::Tensor squares = eager::square(values);
  for (const auto& pair : eager::split(squares, 3)) std::cout << pair << "\n";
  std::cout << "\n";

  // Random generation with op seeds: the same seeds give the same numbers.
  std::cout << "random normal(stddev=2, seed=1):\n" << rnd::normal(Shape{2, 3}, 0.0, 2.0, eager::DType::Float32, 1)
            << "\n";
  std::cout << "truncated normal(stddev=2, seed=1):\n"
            << rnd::truncated_normal(Shape{2, 3}, 0.0, 2.0, eager::DType::Float32, 1) << "\n";
  std::cout << "uniform int32 in [0, 10), seed=1:\n"
            << rnd::uniform(Shape{2, 3}, 0, 10, eager::DType::Int32, 1) << "\n";
  std::cout << "gamma(alpha=2):\n" << rnd::gamma(Shape{2, 3}, 2.0, 1.0, eager::DType::Float32, 1) << "\n\n";

  // tf.zeros / tf.ones / tf.fill / tf.constant.
  std::cout << eager::zeros(Shape{3, 2}, eager::DType::Int32) << "\n";
  std::cout << eager::ones(Shape{3, 2}, eager::DType::Int32) << "\n";
  std::cout << eager::fill(Shape{3, 2}, 6) << "\n";
  std::cout << eager::constant({3, 2, 1}) << "\n\n";

  // tf.clip_by_value, elementwise * and tf.matmul.
  const eager::Tensor a = eager::constant({{1.f, 2.f}, {3.f, 4.f}});
  const eager::Tensor b = eager::constant({{5.f, 6.f}, {7.f, 8.f}});
  std::cout << eager::clip_by_value(a, 2.f, 3.f) << "\n";
  std::cout << a * b << "\n";
  std::cout << eager::matmul(a, b) << "\n";
  return 0;
}
