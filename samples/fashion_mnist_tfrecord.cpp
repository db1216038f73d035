// The seed's TFRecord programs in C++, on Fashion-MNIST: write the images to
// TFRecord files of tf.train.Example records (image_raw: the 784 uint8 pixels
// as bytes, pixels: 784, label: int64), as the seed's "TFRecord生成" does,
// then train the seed's 784-500-10 network from them through the pipeline of
// its "数据集高层操作" section:
//
//   TFRecordDataset(train files) -> map(parse_single_example, decode_raw, cast, scale)
//     -> shuffle(10000) -> batch(100) -> repeat() -> prefetch
//
// and report the test accuracy, the test set read through the same kind of
// pipeline. Training uses what samples/fashion_mnist_mlp uses: SGD on an
// exponentially decaying learning rate, L2 regularisation and an exponential
// moving average of the weights (the accuracy reported uses the averages).
// The base learning rate is 0.4 rather than the seed's 0.8, which oscillates
// for the first few hundred steps: a short run of 300 steps then reaches
// about 0.58 test accuracy instead of 0.83.
//
//   fashion_mnist_tfrecord [--data DIR] [--out DIR] [--shards N] [--steps N] [--batch-size N]
//                          [--learning-rate X] [--log-every N] [--seed N] [--min-test-accuracy X] [--stats]
//
// DIR holds the four IDX files (Debian: dataset-fashion-mnist). Without --out
// the TFRecord files go to a temporary directory that is removed at the end.
// --stats prints the training pipeline's per-stage statistics.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "eager/data.hpp"
#include "eager/eager.hpp"
#include "flags.hpp"
#include "mnist_inference.hpp"

namespace data = eager::data;
using eager::DType;
using eager::Tensor;

namespace {

constexpr std::int64_t kPixels = 784;
constexpr std::int64_t kShuffleBuffer = 10000;  // the seed's shuffle_buffer
constexpr std::int64_t kTestBatch = 1000;

struct Options {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  std::string out_dir;  // empty: a temporary directory
  std::int64_t shards = 4;
  std::int64_t steps = 10000;
  std::int64_t batch_size = 100;
  double learning_rate = 0.4;
  std::int64_t log_every = 1000;
  std::int64_t seed = 1;
  double min_test_accuracy = 0;
  bool stats = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  samples::Flags flags("fashion_mnist_tfrecord",
                       "Writes Fashion-MNIST to TFRecord files and trains the seed's MNIST network from them.");
  flags.add("--data", o.data_dir, "DIR");
  flags.add("--out", o.out_dir, "DIR");
  flags.add("--shards", o.shards, "N");
  flags.add("--steps", o.steps, "N");
  flags.add("--batch-size", o.batch_size, "N");
  flags.add("--learning-rate", o.learning_rate, "X");
  flags.add("--log-every", o.log_every, "N");
  flags.add("--seed", o.seed, "N");
  flags.add("--min-test-accuracy", o.min_test_accuracy, "X");
  flags.add_switch("--stats", o.stats);
  flags.parse(argc, argv);
  if (o.steps < 0 || o.batch_size <= 0 || o.log_every <= 0 || o.shards <= 0)
    flags.fail("steps must be >= 0; batch size, log-every and shards > 0");
  return o;
}

// Where the TFRecord files go: --out (kept), or a temporary directory removed
// when the program ends.
class OutputDir {
 public:
  explicit OutputDir(const std::string& requested)
      : path_(requested.empty() ? std::filesystem::temp_directory_path() /
                                      ("eager_fashion_mnist_tfrecord_" + std::to_string(::getpid()))
                                : std::filesystem::path(requested)),
        temporary_(requested.empty()) {
    if (temporary_) std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~OutputDir() {
    std::error_code ignored;
    if (temporary_) std::filesystem::remove_all(path_, ignored);
  }
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  bool temporary_;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The seed's _make_example, one record per image, split over `shards` files
// named prefix-00000-of-0000N.tfrecord. Returns the files' paths.
std::vector<std::string> write_tfrecords(const OutputDir& out, const std::string& prefix, const Tensor& images,
                                         const Tensor& labels, std::int64_t shards) {
  const std::int64_t count = labels.num_elements();
  const Tensor pixels = images.contiguous();
  const std::vector<std::int64_t> label_values = labels.to_vector<std::int64_t>();
  const auto* bytes = reinterpret_cast<const char*>(pixels.data<std::uint8_t>());
  std::vector<std::string> files;
  for (std::int64_t shard = 0; shard < shards; ++shard) {
    char name[96];
    std::snprintf(name, sizeof name, "%s-%05lld-of-%05lld.tfrecord", prefix.c_str(), static_cast<long long>(shard),
                  static_cast<long long>(shards));
    files.push_back(out.file(name));
    data::TFRecordWriter writer(files.back());
    for (std::int64_t i = shard * count / shards; i < (shard + 1) * count / shards; ++i) {
      const std::string_view image_raw(bytes + i * kPixels, kPixels);
      writer.write(data::Example()
                       .set("image_raw", image_raw)
                       .set("pixels", kPixels)
                       .set("label", label_values[std::size_t(i)])
                       .serialize());
    }
    writer.close();
  }
  return files;
}

// The seed's parser(record): the image as float32 pixels in [0, 1] and the
// label as int32.
std::tuple<Tensor, Tensor> parse(const std::string& record) {
  static const data::FeatureSpec spec{
      {"image_raw", data::FixedLenFeature{{}, data::FeatureType::Bytes, std::nullopt}},
      {"label", data::FixedLenFeature{{}, data::FeatureType::Int64, std::nullopt}},
  };
  const data::ParsedExample features = data::parse_single_example(record, spec);
  const Tensor image = data::decode_raw(features.bytes.at("image_raw").front(), DType::UInt8);
  if (image.num_elements() != kPixels)
    throw eager::DataLoss("image_raw holds " + std::to_string(image.num_elements()) + " bytes, not " +
                          std::to_string(kPixels));
  return {image.cast(DType::Float32) / 255.0f, features.dense.at("label").cast(DType::Int32)};
}

int run(const Options& options) {
  eager::random::set_seed(options.seed);
  const data::MnistData mnist = data::load_mnist(options.data_dir);
  const std::int64_t train_size = mnist.train_labels.num_elements();
  const std::int64_t test_size = mnist.test_labels.num_elements();
  if (mnist.train_images.num_elements() != train_size * kPixels)  // load_mnist checks that test images match
    throw eager::InvalidArgument("the images in " + options.data_dir + " are not 28 x 28, which the network needs");
  if (options.batch_size > train_size)
    throw eager::InvalidArgument("the batch size is larger than the training set");

  const OutputDir out(options.out_dir);
  auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> train_files =
      write_tfrecords(out, "train", mnist.train_images, mnist.train_labels, options.shards);
  const std::vector<std::string> test_files =
      write_tfrecords(out, "test", mnist.test_images, mnist.test_labels, std::max<std::int64_t>(1, options.shards / 2));
  std::uintmax_t bytes = 0;
  for (const auto* files : {&train_files, &test_files})
    for (const std::string& f : *files) bytes += std::filesystem::file_size(f);
  std::printf("Wrote %lld training and %lld test examples to %zu TFRecord files (%.1f MB) in %.2f s\n",
              static_cast<long long>(train_size), static_cast<long long>(test_size),
              train_files.size() + test_files.size(), double(bytes) / 1e6, seconds_since(start));

  // One reader: the shards are read one after the other. (num_parallel_reads
  // interleaves them, but for records this small it costs more than it saves.)
  const auto train = data::TFRecordDataset(train_files)
                         .map(parse, data::AUTOTUNE)
                         .shuffle(kShuffleBuffer, options.seed)
                         .batch(options.batch_size, /*drop_remainder=*/true)
                         .repeat()
                         .prefetch(data::AUTOTUNE);
  const auto test = data::TFRecordDataset(test_files).map(parse, data::AUTOTUNE).batch(kTestBatch);

  mnist::Mlp model;
  const std::vector<eager::Variable> variables = model.trainable_variables();
  const std::int64_t steps_per_epoch = train_size / options.batch_size;
  eager::optimizers::SGD sgd(
      eager::schedules::ExponentialDecay{options.learning_rate, steps_per_epoch, mnist::kLearningRateDecay, true});
  eager::ExponentialMovingAverage ema(mnist::kMovingAverageDecay, sgd.iterations());
  ema.apply(variables);
  const auto regularizer = eager::regularizers::l2_regularizer(mnist::kRegularizationRate);

  start = std::chrono::steady_clock::now();
  auto batches = train.make_iterator({.collect_stats = options.stats});
  for (std::int64_t step = 0; step < options.steps; ++step) {
    auto [x, y] = *batches.next();  // repeat() never ends
    if (step == 0)
      std::printf("First batch after %.2f s (the shuffle buffer holds %lld parsed examples)\n", seconds_since(start),
                  static_cast<long long>(kShuffleBuffer));
    eager::GradientTape tape;
    const Tensor cross_entropy = eager::reduce_mean(eager::nn::sparse_softmax_cross_entropy_with_logits(y, model(x)));
    const Tensor loss = cross_entropy + regularizer(model.layer1().weights()) + regularizer(model.layer2().weights());
    sgd.apply_gradients(tape.gradient(loss, variables), variables);
    ema.apply(variables);
    if ((step + 1) % options.log_every == 0 || step + 1 == options.steps)
      std::printf("After %lld training step(s), loss on training batch is %g (%.1f s)\n",
                  static_cast<long long>(step + 1), loss.item<double>(), seconds_since(start));
  }
  const double train_seconds = seconds_since(start);
  std::printf("%lld steps of %lld in %.2f s (%.0f steps/s, %.0f examples/s through the pipeline)\n",
              static_cast<long long>(options.steps), static_cast<long long>(options.batch_size), train_seconds,
              double(options.steps) / train_seconds, double(options.steps * options.batch_size) / train_seconds);
  if (options.stats) std::printf("training pipeline:\n%s", data::format_stats(batches.stats()).c_str());

  start = std::chrono::steady_clock::now();
  std::int64_t averaged_correct = 0, correct = 0, seen = 0;
  const auto count_correct = [](const Tensor& logits, const Tensor& labels) {
    const Tensor predicted = eager::argmax(logits, 1, DType::Int32);
    return eager::reduce_sum(eager::cast(eager::equal(predicted, labels), DType::Int64)).item<std::int64_t>();
  };
  for (auto& [x, y] : test) {
    averaged_correct += count_correct(mnist::averaged_logits(model, ema, x), y);
    correct += count_correct(model(x), y);
    seen += y.num_elements();
  }
  const double test_accuracy = seen > 0 ? double(averaged_correct) / double(seen) : 0;
  std::printf("After %lld training step(s), test accuracy using average model is %.4f (without averaging: %.4f; "
              "%lld images in %.2f s)\n",
              static_cast<long long>(options.steps), test_accuracy, seen > 0 ? double(correct) / double(seen) : 0,
              static_cast<long long>(seen), seconds_since(start));
  if (test_accuracy < options.min_test_accuracy) {
    std::fprintf(stderr, "test accuracy %.4f is below --min-test-accuracy %.4f\n", test_accuracy,
                 options.min_test_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  return samples::run_guarded("fashion_mnist_tfrecord", [&] { return run(options); });
}
