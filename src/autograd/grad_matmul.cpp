// Gradient rule of matmul, written with matmul itself so that outer tapes can
// differentiate it again.
#include "autograd/gradients.hpp"
#include "eager/linalg.hpp"

namespace eager::autograd {

void record_matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, const Tensor& out) {
  if (!any_recording()) return;
  // With C = op(A) op(B) and G = dL/dC: dL/dop(A) = G op(B)^T and
  // dL/dop(B) = op(A)^T G. Undoing op with the transpose flags instead of
  // transposing gives TensorFlow's four cases (_BatchMatMulV2 gradient); any
  // broadcast batch axes are then summed away by fit_to.
  record("matmul", {a, b}, {out}, [transpose_a, transpose_b](const GradContext& c) {
    const Tensor& a = c.input(0);
    const Tensor& b = c.input(1);
    const Tensor& g = c.grad();
    Tensor ga, gb;
    if (c.needs(0)) {
      ga = !transpose_a ? matmul(g, b, false, !transpose_b)  // G op(B)^T
                        : matmul(b, g, transpose_b, true);   // (G op(B)^T)^T = op(B) G^T
      ga = fit_to(ga, a);
    }
    if (c.needs(1)) {
      gb = !transpose_b ? matmul(a, g, !transpose_a, false)  // op(A)^T G
                        : matmul(g, a, true, transpose_a);   // (op(A)^T G)^T = G^T op(A)
      gb = fit_to(gb, b);
    }
    return std::vector<Tensor>{ga, gb};
  });
}

}  // namespace eager::autograd
