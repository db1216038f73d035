// A tiny MLP checked against numbers PyTorch computed once
// (tools/make_mlp_golden.py -> golden/mlp_golden.txt): the forward loss, and
// the gradients the tape gives for every input, in float64 and float32.
//
//   logits = relu(x @ W1 + b1) @ W2 + b2
//   loss   = mean(sparse_softmax_cross_entropy(labels, logits)) + 1e-2 * (l2_loss(W1) + l2_loss(W2))
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "eager/eager.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::require_close;

namespace {

const std::filesystem::path kGoldenFile =
    std::filesystem::path(EAGER_TEST_SOURCE_DIR) / "autograd" / "golden" / "mlp_golden.txt";

constexpr double kWeightDecay = 1e-2;

struct GoldenTensor {
  DType dtype;
  Shape shape;
  std::vector<double> values;
};
using Golden = std::map<std::string, GoldenTensor>;

DType parse_dtype(const std::string& name) {
  if (name == "float64") return DType::Float64;
  if (name == "float32") return DType::Float32;
  if (name == "int32") return DType::Int32;
  FAIL("golden file: unknown dtype " << name);
  return DType::Bool;
}

// Lines `<case>.<name> <dtype> <dim>... : <value>...`; '#' starts a comment line.
Golden load_golden() {
  std::ifstream in(kGoldenFile);
  INFO("golden file " << kGoldenFile.string());
  REQUIRE(in.good());
  Golden golden;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    INFO("line " << line_number);
    const auto colon = line.find(" : ");
    REQUIRE(colon != std::string::npos);
    std::istringstream head(line.substr(0, colon));
    std::string name, dtype;
    REQUIRE(static_cast<bool>(head >> name >> dtype));
    std::vector<std::int64_t> dims;
    for (std::int64_t d; head >> d;) dims.push_back(d);
    REQUIRE(head.eof());
    GoldenTensor tensor{parse_dtype(dtype), Shape(dims), {}};
    std::istringstream tail(line.substr(colon + 3));
    // strtod, not operator>>: it reads every digit the file holds, correctly rounded.
    for (std::string token; tail >> token;) {
      char* end = nullptr;
      tensor.values.push_back(std::strtod(token.c_str(), &end));
      REQUIRE(*end == '\0');
    }
    REQUIRE(static_cast<std::int64_t>(tensor.values.size()) == tensor.shape.num_elements());
    REQUIRE(golden.emplace(name, std::move(tensor)).second);
  }
  return golden;
}

const GoldenTensor& entry(const Golden& golden, const std::string& name) {
  const auto it = golden.find(name);
  INFO("golden entry " << name);
  REQUIRE(it != golden.end());
  return it->second;
}

Tensor golden_tensor(const Golden& golden, const std::string& name) {
  const GoldenTensor& g = entry(golden, name);
  return constant(g.values, g.shape, g.dtype);
}

struct Tolerance {
  double rtol, atol;
};
// float64 agrees with PyTorch to rounding; float32 within its precision
// (PyTorch's float32 results themselves differ from float64 by ~1e-5 relative).
Tolerance tolerance_for(const std::string& dtype_case) {
  return dtype_case == "float64" ? Tolerance{1e-10, 1e-13} : Tolerance{1e-5, 1e-6};
}

void require_matches(const Golden& golden, const std::string& name, const Tensor& actual, Tolerance tol) {
  INFO("comparing " << name);
  const GoldenTensor& expected = entry(golden, name);
  REQUIRE(actual.dtype() == expected.dtype);
  REQUIRE(actual.shape() == expected.shape);
  require_close(actual, expected.values, tol.rtol, tol.atol);
}

struct MlpInputs {
  Tensor x, w1, b1, w2, b2, labels;
};

MlpInputs load_inputs(const Golden& golden, const std::string& dtype_case) {
  const auto get = [&](const char* name) { return golden_tensor(golden, dtype_case + "." + name); };
  return {get("x"), get("W1"), get("b1"), get("W2"), get("b2"), get("labels")};
}

Tensor mlp_logits(const MlpInputs& in) { return matmul(relu(matmul(in.x, in.w1) + in.b1), in.w2) + in.b2; }

Tensor mlp_loss(const MlpInputs& in, const Tensor& logits) {
  const Tensor data_loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(in.labels, logits));
  return data_loss + kWeightDecay * (nn::l2_loss(in.w1) + nn::l2_loss(in.w2));
}

}  // namespace

TEST_CASE("mlp golden: logits and loss match PyTorch", "[golden]") {
  const Golden golden = load_golden();
  for (const std::string dtype_case : {"float64", "float32"}) {
    INFO("case " << dtype_case);
    const MlpInputs in = load_inputs(golden, dtype_case);
    const Tolerance tol = tolerance_for(dtype_case);
    const Tensor logits = mlp_logits(in);
    require_matches(golden, dtype_case + ".logits", logits, tol);
    require_matches(golden, dtype_case + ".loss", mlp_loss(in, logits), tol);
  }
}

TEST_CASE("mlp golden: tape gradients match PyTorch", "[golden]") {
  const Golden golden = load_golden();
  for (const std::string dtype_case : {"float64", "float32"}) {
    INFO("case " << dtype_case);
    const MlpInputs in = load_inputs(golden, dtype_case);
    const Tolerance tol = tolerance_for(dtype_case);
    GradientTape tape;
    for (const Tensor& t : {in.x, in.w1, in.b1, in.w2, in.b2}) tape.watch(t);
    const Tensor loss = mlp_loss(in, mlp_logits(in));
    const std::vector<Tensor> grads = tape.gradient(loss, {in.x, in.w1, in.b1, in.w2, in.b2});
    require_matches(golden, dtype_case + ".loss", loss, tol);
    const char* names[] = {"grad_x", "grad_W1", "grad_b1", "grad_W2", "grad_b2"};
    for (std::size_t i = 0; i < grads.size(); ++i) {
      INFO("gradient " << names[i]);
      REQUIRE(grads[i].defined());
      require_matches(golden, dtype_case + "." + names[i], grads[i], tol);
    }
  }
}
