#include <catch2/catch.hpp>

#include <filesystem>

#include "data/temp_dir.hpp"
#include "eager/eager.hpp"
#include "eager/io/safetensors.hpp"
#include "eager/train.hpp"

using namespace eager;
using eager::test::TempDir;
using train::Checkpoint;
using train::RestoreMode;

namespace {

std::vector<float> values(const Variable& v) { return v.value().to_vector<float>(); }

class TwoLayer : public Module {
 public:
  TwoLayer() : Module("net"), hidden_(add_module<Dense>(4, 8, relu, "hidden")), out_(add_module<Dense>(8, 2, nullptr, "out")) {}
  Tensor operator()(const Tensor& x) const { return out_(hidden_(x)); }

 private:
  Dense& hidden_;
  Dense& out_;
};

// One Adam step on a fixed batch.
void train_step(const TwoLayer& model, optimizers::Adam& adam, const Tensor& x) {
  const auto weights = model.trainable_variables();
  GradientTape tape;
  const Tensor loss = reduce_mean(square(model(x)));
  adam.apply_gradients(tape.gradient(loss, weights), weights);
}

}  // namespace

TEST_CASE("checkpoint: variables are saved under their names and restored", "[checkpoint]") {
  TempDir dir;
  Variable v1(constant({1.0f}), "v1");
  Variable v2(constant({2.0f}), "v2");
  Checkpoint ckpt;
  ckpt.add(v1).add(v2);
  ckpt.metadata()["note"] = "seed example";
  const std::string path = ckpt.save(dir / "model");
  CHECK(path == dir / "model.safetensors");

  v1.assign(10.0);
  v2.assign(20.0);
  const auto result = ckpt.restore(path);
  CHECK(values(v1) == std::vector<float>{1.0f});
  CHECK(values(v2) == std::vector<float>{2.0f});
  CHECK(result.restored == std::vector<std::string>{"v1", "v2"});
  CHECK(result.missing.empty());
  CHECK(result.unexpected.empty());
  CHECK_FALSE(result.step.has_value());
  CHECK(result.metadata == io::Metadata{{"note", "seed example"}});

  // The file is plain safetensors with eager's metadata.
  const io::SafetensorsFile file(path);
  CHECK(file.metadata().at("eager.format") == "checkpoint");
  CHECK(file.metadata().at("eager.format_version") == "1");
  CHECK(file.tensor("v2").to_vector<float>() == std::vector<float>{2.0f});
}

TEST_CASE("checkpoint: the global step names the file and is recorded", "[checkpoint]") {
  TempDir dir;
  Variable w(zeros(Shape{2, 3}), "w");
  optimizers::SGD sgd(0.1);
  Checkpoint ckpt;
  ckpt.add(w).add(sgd);
  sgd.iterations().assign(1000);
  const std::string path = ckpt.save(dir / "model.ckpt", sgd.iterations());
  CHECK(path == dir / "model.ckpt-1000.safetensors");
  sgd.iterations().assign(0);
  // The TF-style name without the extension works too.
  const auto result = ckpt.restore(dir / "model.ckpt-1000");
  CHECK(result.step == 1000);
  CHECK(sgd.iterations().value().item<std::int64_t>() == 1000);
  CHECK(train::checkpoint_path("a/b", 7) == "a/b-7.safetensors");
}

TEST_CASE("checkpoint: renaming with a key map (Saver({'v1': v1}))", "[checkpoint]") {
  TempDir dir;
  Variable v1(constant({1.0f}), "v1");
  Variable v2(constant({2.0f}), "v2");
  const std::string path = Checkpoint().add(v1).add(v2).save(dir / "model");

  Variable other1(constant({0.0f}), "other-v1");
  Variable other2(constant({0.0f}), "other-v2");
  Checkpoint({{"v1", other1}, {"v2", other2}}).restore(path);
  CHECK(values(other1) == std::vector<float>{1.0f});
  CHECK(values(other2) == std::vector<float>{2.0f});

  // Under their own names they are not in the file.
  Checkpoint by_name;
  by_name.add(other1);
  CHECK_THROWS_AS(by_name.restore(path), NotFound);
}

TEST_CASE("checkpoint: moving averages load into the variables (variables_to_restore)", "[checkpoint]") {
  TempDir dir;
  std::string path;
  {
    // The seed: v = 10 after one average update from 0 with decay 0.99.
    Variable v(scalar(0.0f), "v");
    ExponentialMovingAverage ema(0.99);
    ema.apply({v});
    v.assign(10.0);
    ema.apply({v});
    CHECK(ema.average(v).value().item<float>() == Approx(0.1f));
    path = Checkpoint().add(v).add(ema).save(dir / "model2");
  }
  Variable v(scalar(0.0f), "v");
  const ExponentialMovingAverage ema(0.99);
  const auto result = Checkpoint(ema.variables_to_restore({v})).restore(path);
  CHECK(v.value().item<float>() == Approx(0.1f));
  CHECK(result.restored == std::vector<std::string>{"v/ExponentialMovingAverage"});
  CHECK(result.unexpected == std::vector<std::string>{"v"});
  CHECK_THROWS_AS(result.assert_consumed(), InvalidArgument);
}

TEST_CASE("checkpoint: a module, Adam's slots and the step resume training exactly", "[checkpoint]") {
  TempDir dir;
  random::set_seed(3);
  const Tensor x = random::normal(Shape{16, 4});

  TwoLayer model;
  optimizers::Adam adam(0.01);
  Checkpoint ckpt;
  ckpt.add(model).add(adam);
  for (int i = 0; i < 3; ++i) train_step(model, adam, x);
  const std::string path = ckpt.save(dir / "run", adam.iterations());
  for (int i = 0; i < 2; ++i) train_step(model, adam, x);
  const auto expected = model.variables();

  random::set_seed(99);  // different initial weights
  TwoLayer resumed;
  optimizers::Adam resumed_adam(0.01);
  resumed_adam.build(resumed.trainable_variables());
  Checkpoint resumed_ckpt;
  resumed_ckpt.add(resumed).add(resumed_adam);
  const auto result = resumed_ckpt.restore(path);
  CHECK(result.step == 3);
  CHECK(result.unexpected.empty());
  CHECK(result.restored.size() == 4 + 1 + 8);  // weights, iterations, m and v of each
  for (int i = 0; i < 2; ++i) train_step(resumed, resumed_adam, x);
  const auto actual = resumed.variables();
  REQUIRE(actual.size() == expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO(actual[i].name());
    CHECK(values(actual[i]) == values(expected[i]));
  }
}

TEST_CASE("checkpoint: strict and partial restores", "[checkpoint]") {
  TempDir dir;
  Variable a(constant({1.0f, 2.0f}), "a");
  Variable b(constant({3.0f}), "b");
  const std::string path = Checkpoint().add(a).add(b).save(dir / "ab");

  Variable a2(zeros(Shape{2}), "a");
  Variable c(zeros(Shape{1}), "c");
  Checkpoint wants_c;
  wants_c.add(a2).add(c);
  CHECK_THROWS_WITH(wants_c.restore(path), Catch::Contains("'c'") && Catch::Contains("Partial"));
  CHECK(values(a2) == std::vector<float>{0.0f, 0.0f});  // nothing restored

  const auto result = wants_c.restore(path, RestoreMode::Partial);
  CHECK(values(a2) == std::vector<float>{1.0f, 2.0f});
  CHECK(result.missing == std::vector<std::string>{"c"});
  CHECK(result.unexpected == std::vector<std::string>{"b"});
}

TEST_CASE("checkpoint: shapes must match, dtypes convert", "[checkpoint]") {
  TempDir dir;
  Variable w(constant({1.5, 2.5, 3.5}, DType::Float64), "w");
  Variable other(scalar(7.0f), "other");
  const std::string path = Checkpoint().add(w).add(other).save(dir / "w");

  Variable narrow(zeros(Shape{3}, DType::Float32), "w");
  Checkpoint().add(narrow).restore(path, RestoreMode::Partial);
  CHECK(values(narrow) == std::vector<float>{1.5f, 2.5f, 3.5f});

  Variable wrong_shape(zeros(Shape{4}), "w");
  Variable untouched(scalar(0.0f), "other");
  CHECK_THROWS_WITH(Checkpoint().add(untouched).add(wrong_shape).restore(path),
                    Catch::Contains("'w'") && Catch::Contains("(3,)") && Catch::Contains("(4,)"));
  CHECK(untouched.value().item<float>() == 0.0f);  // checked before anything changed
}

TEST_CASE("checkpoint: keys must be unique; bad arguments are refused", "[checkpoint]") {
  TempDir dir;
  Variable a(zeros(Shape{1}), "same");
  Variable b(zeros(Shape{1}), "same");
  CHECK_THROWS_WITH(Checkpoint().add(a).add(b).save(dir / "x"), Catch::Contains("'same'"));
  // One variable reached twice is saved once.
  CHECK(Checkpoint().add(a).add(std::vector<Variable>{a}).variables().size() == 1);

  CHECK_THROWS_AS(Checkpoint().add("", a), InvalidArgument);
  CHECK_THROWS_AS(Checkpoint().add(Variable()), InvalidArgument);
  Checkpoint reserved;
  reserved.add(a).metadata()["eager.global_step"] = "5";
  CHECK_THROWS_WITH(reserved.save(dir / "x"), Catch::Contains("reserved"));
  CHECK_THROWS_AS(Checkpoint().add(a).save(dir / "no_such_dir/x"), NotFound);
  CHECK_THROWS_AS(Checkpoint().add(a).restore(dir / "missing"), NotFound);
  Variable float_step(scalar(1.0f), "step");
  CHECK_THROWS_AS(Checkpoint().add(a).save(dir / "x", float_step), InvalidArgument);
  // Nothing was left behind by the failed saves.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 0);
}
