// The seed's tf.data and input-file examples in C++, one section per snippet,
// printing what each produces (docs/data.md maps every snippet to these lines).
//
// TensorFlow (Python)                               eager (C++)
//   tf.data.Dataset.from_tensor_slices([6, 5])        data::from_tensor_slices(eager::constant({6, 5}))
//   ds.map(tf.square).shuffle(2).batch(2)             ds.map(eager::square).shuffle(2, seed).batch(2)
//   it = ds.make_one_shot_iterator(); it.get_next()   auto it = ds.make_iterator(); it.next()
//   sess.run(it.initializer, feed_dict=...)           build the dataset from the values, iterate it again
//   except tf.errors.OutOfRangeError                  next() returns std::nullopt; a range-for just ends
//
// The small files the examples read are written to a temporary directory that
// is removed at the end.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "eager/data.hpp"
#include "eager/eager.hpp"

namespace data = eager::data;
using eager::DType;
using eager::Tensor;

namespace {

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("eager_dataset_basics_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& contents) const {
    std::ofstream(path(name), std::ios::binary) << contents;
    return path(name);
  }

 private:
  std::filesystem::path path_;
};

void heading(const char* title) { std::cout << "\n== " << title << " ==\n"; }

// A batch of strings the way TensorFlow prints a string tensor.
std::string bytes_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (const std::string& v : values) out += (out.size() > 1 ? " b'" : "b'") + v + "'";
  return out + "]";
}

template <class T> std::string list(const std::vector<T>& values) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  out << "]";
  return out.str();
}

// The seed's TFRecord layout: image_raw (the uint8 pixels as bytes), pixels
// (their count) and label, all single-valued. Here the "images" are 2 x 2.
constexpr std::int64_t kPixels = 4;

std::string make_example(std::int64_t index) {
  std::string image_raw;
  for (std::int64_t p = 0; p < kPixels; ++p) image_raw.push_back(static_cast<char>(index * 10 + p));
  return data::Example().set("image_raw", image_raw).set("pixels", kPixels).set("label", index % 3).serialize();
}

const data::FeatureSpec& image_spec() {
  static const data::FeatureSpec spec{
      {"image_raw", data::FixedLenFeature{{}, data::FeatureType::Bytes, std::nullopt}},
      {"pixels", data::FixedLenFeature{{}, data::FeatureType::Int64, std::nullopt}},
      {"label", data::FixedLenFeature{{}, data::FeatureType::Int64, std::nullopt}},
  };
  return spec;
}

// The seed's parser(record): parse_single_example, decode_raw, cast, reshape.
std::tuple<Tensor, Tensor> parser(const std::string& record) {
  const data::ParsedExample features = data::parse_single_example(record, image_spec());
  const Tensor decoded_images = data::decode_raw(features.bytes.at("image_raw").at(0), DType::UInt8);
  const Tensor images = decoded_images.cast(DType::Float32).reshape({kPixels});
  const Tensor labels = features.dense.at("label").cast(DType::Int32);
  return {images, labels};
}

void dataset_in_eager_mode(const TempDir& dir) {
  heading("seed 数据集: from_tensor_slices -> map(square) -> shuffle(2) -> batch(2); TextLineDataset -> batch(2)");
  auto ds_tensors = data::from_tensor_slices(eager::constant({6, 5, 4, 3, 2, 1}))
                        .map(eager::square)
                        .shuffle(2, /*seed=*/1)
                        .batch(2);
  const std::string filename = dir.write("lines.txt", "Line 1\nLine 2\nLine 3\n");
  auto ds_file = data::TextLineDataset(filename).batch(2);
  std::cout << "ds_tensors:\n";
  for (const Tensor& x : ds_tensors) std::cout << x << "\n";
  std::cout << "ds_file:\n";
  for (const std::vector<std::string>& x : ds_file) std::cout << bytes_list(x) << "\n";
}

void one_shot_iterators(const TempDir& dir) {
  heading("seed 数据集基本使用方法: make_one_shot_iterator over an array, y = x**2");
  const std::vector<int> input_data{1, 2, 4, 5, 6};
  auto dataset = data::from_tensor_slices(eager::constant(input_data, {std::int64_t(input_data.size())}));
  auto iterator = dataset.make_iterator();
  while (std::optional<Tensor> x = iterator.next()) {
    const Tensor y = eager::pow(*x, 2);
    std::cout << y.item<int>() << "\n";
  }

  heading("seed 数据集基本使用方法: TextLineDataset over two files");
  const std::string test1 = dir.write("test1.txt", "File1, line1.\nFile1, line2.\n");
  const std::string test2 = dir.write("test2.txt", "File2, line1.\nFile2, line2.\n");
  auto lines = data::TextLineDataset({test1, test2});
  auto line_iterator = lines.make_iterator();
  for (int i = 0; i < 4; ++i) std::cout << *line_iterator.next() << "\n";
}

void tfrecord_dataset(const TempDir& dir) {
  heading("seed 数据集基本使用方法: TFRecordDataset -> map(parser), one-shot iterator");
  {
    data::TFRecordWriter writer(dir.path("output.tfrecords"));
    for (std::int64_t i = 0; i < 5; ++i) writer.write(make_example(i));
    writer.close();
  }
  auto dataset = data::TFRecordDataset(std::vector<std::string>{dir.path("output.tfrecords")}).map(parser);
  for (auto& [image, label] : dataset) std::cout << "label " << label.item<int>() << "  image " << image << "\n";

  heading("seed 数据集基本使用方法: initializable iterator (input_files fed at initialisation)");
  // The placeholder becomes a function argument; running iterator.initializer
  // becomes starting a range-for, and the loop ends where TF raised OutOfRangeError.
  auto make_dataset = [](const std::vector<std::string>& input_files) {
    return data::TFRecordDataset(input_files).map(parser);
  };
  int count = 0;
  for (auto& [image, label] : make_dataset({dir.path("output.tfrecords")})) {
    std::cout << label.item<int>() << " ";
    ++count;
  }
  std::cout << "(" << count << " records, then the end of the range)\n";
}

void input_file_queue(const TempDir& dir) {
  heading("seed 输入文件队列: sharded TFRecord files, match_filenames_once + string_input_producer");
  const int num_shards = 2, instances_per_shard = 2;
  for (int i = 0; i < num_shards; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "data.tfrecords-%05d-of-%05d", i, num_shards);
    data::TFRecordWriter writer(dir.path(name));
    for (int j = 0; j < instances_per_shard; ++j) writer.write(data::Example().set("i", i).set("j", j).serialize());
    writer.close();
  }
  auto files = data::list_files(dir.path("data.tfrecords-*"));
  for (const std::string& file : files) std::cout << std::filesystem::path(file).filename().string() << "\n";
  const data::FeatureSpec spec{{"i", data::FixedLenFeature{{}, data::FeatureType::Int64, std::nullopt}},
                               {"j", data::FixedLenFeature{{}, data::FeatureType::Int64, std::nullopt}}};
  // string_input_producer(files, shuffle=False, num_epochs=100) + TFRecordReader.read:
  auto features = files.repeat(100)
                      .flat_map([](const std::string& file) { return data::TFRecordDataset(file); })
                      .map([&spec](const std::string& serialized) {
                        const data::ParsedExample f = data::parse_single_example(serialized, spec);
                        return std::tuple{f.dense.at("i").item<std::int64_t>(), f.dense.at("j").item<std::int64_t>()};
                      });
  auto it = features.make_iterator();
  for (int k = 0; k < 6; ++k) {
    auto [i, j] = *it.next();
    std::cout << "[" << i << ", " << j << "]\n";
  }
}

void shuffle_batch_and_epochs(const TempDir& dir) {
  heading("seed 输入数据处理框架: tf.train.shuffle_batch(min_after_dequeue=10, batch_size=4)");
  // shuffle_batch keeps min_after_dequeue elements in a RandomShuffleQueue;
  // a shuffle buffer of that size mixes the same way, without threads.
  const std::int64_t min_after_dequeue = 10, batch_size = 4;
  auto batches = data::range(20).shuffle(min_after_dequeue, /*seed=*/7).batch(batch_size);
  for (const Tensor& b : batches) std::cout << b.values_string() << "\n";

  heading("seed 数据集高层操作: map(preprocess) -> shuffle -> batch -> repeat(NUM_EPOCHS), then the test set");
  auto train = data::TFRecordDataset(dir.path("output.tfrecords"))
                   .map(parser)
                   .map([](Tensor image, Tensor label) { return std::tuple{image / 255.0f, label}; })
                   .shuffle(5, /*seed=*/3)
                   .batch(2)
                   .repeat(2);
  for (auto& [images, labels] : train) std::cout << "train labels " << labels.values_string() << "\n";
  auto test = data::TFRecordDataset(dir.path("output.tfrecords")).map(parser).batch(2);
  for (auto& [images, labels] : test) std::cout << "test labels " << labels.values_string() << "\n";
  // Each range-for is a freshly initialised iterator; a shuffle reshuffles on every pass.
  auto shuffled = data::range(6).shuffle(6, /*seed=*/3);
  std::cout << "pass 1 " << list(shuffled.to_vector()) << "  pass 2 " << list(shuffled.to_vector())
            << "  rebuilt with the same seed, pass 1 " << list(data::range(6).shuffle(6, 3).to_vector()) << "\n";
}

void more_transformations() {
  heading("beyond the seed: the other tf.data sources and transformations");
  std::cout << "range(2, 11, 3)        " << list(data::range(2, 11, 3).to_vector()) << "\n";
  std::cout << "take(3) / skip(7)      " << list(data::range(10).take(3).to_vector()) << " "
            << list(data::range(10).skip(7).to_vector()) << "\n";
  std::cout << "filter(even)           "
            << list(data::range(10).filter([](std::int64_t x) { return x % 2 == 0; }).to_vector()) << "\n";
  std::cout << "shard(3, 1)            " << list(data::range(10).shard(3, 1).to_vector()) << "\n";
  std::cout << "concatenate            " << list(data::range(2).concatenate(data::range(5, 7)).to_vector()) << "\n";
  std::cout << "zip                   ";
  for (auto [a, b] : data::zip(data::range(3), data::range(10, 20))) std::cout << " (" << a << ", " << b << ")";
  std::cout << "\nenumerate(start=5)    ";
  for (auto [i, word] : data::from_tensor_slices(std::vector<std::string>{"a", "b"}).enumerate(5))
    std::cout << " (" << i << ", " << word << ")";
  std::cout << "\nfrom_tensors           " << data::from_tensors(eager::constant({1, 2, 3})).to_vector().at(0) << "\n";
  std::cout << "interleave(cycle 2, block 2) "
            << list(data::range(1, 4)
                        .interleave([](std::int64_t x) { return data::from_tensors(x).repeat(3); }, 2, 2)
                        .to_vector())
            << "\n";
  std::cout << "flat_map               "
            << list(data::range(1, 4).flat_map([](std::int64_t x) { return data::range(x); }).to_vector()) << "\n";
  const Tensor padded = data::range(1, 4)
                            .map([](std::int64_t x) { return eager::fill({x}, x); })
                            .padded_batch(3)
                            .to_vector()
                            .at(0);
  std::cout << "padded_batch(3)        " << padded << "\n";
  std::cout << "batch(3).unbatch()     ";
  for (const Tensor& x : data::range(5).batch(3).unbatch()) std::cout << x.item<std::int64_t>() << " ";
  std::cout << "\nfrom_tensor_slices(x, y).batch(2):\n";
  const Tensor features = eager::constant({{1.f, 2.f}, {3.f, 4.f}, {5.f, 6.f}});
  for (auto& [x, y] : data::from_tensor_slices(features, eager::constant({0, 1, 0})).batch(2))
    std::cout << x << "\n" << y << "\n";
  auto generated = data::from_generator([] {
    return [i = 0]() mutable -> std::optional<int> { return i < 3 ? std::optional(i++ * 100) : std::nullopt; };
  });
  std::cout << "from_generator         " << list(generated.to_vector()) << "\n";
  int calls = 0;
  auto cached = data::range(3).map([&calls](std::int64_t x) { ++calls; return x * x; }).cache();
  cached.to_vector();
  std::cout << "cache()                " << list(cached.to_vector()) << " (the map ran " << calls
            << " times for two passes)\n";
}

void parallelism_and_determinism() {
  heading("parallel map, random augmentation and prefetch: the same values on 1 or 4 threads");
  // A map function may take ElementContext: its seed pair depends only on the
  // map's seed, the pass and the element's position, never on the thread.
  auto noisy = [](Tensor x, const data::ElementContext& ctx) {
    return x + eager::random::stateless_uniform(x.shape(), ctx.seed);
  };
  auto base = data::from_tensor_slices(eager::zeros({4, 2}));
  auto one = base.map(noisy, data::MapOptions{.num_parallel_calls = 1, .seed = 5}).to_vector();
  auto four = base.map(noisy, data::MapOptions{.num_parallel_calls = 4, .seed = 5}).prefetch(2).to_vector();
  bool same = true;
  for (std::size_t i = 0; i < one.size(); ++i) same = same && one[i].to_vector<float>() == four[i].to_vector<float>();
  std::cout << "element 0: " << one[0].values_string() << "; 1 thread == 4 threads: " << (same ? "yes" : "no") << "\n";

  heading("per-stage statistics");
  auto pipeline = data::range(1000)
                      .map([](std::int64_t x) { return eager::fill({16}, float(x)); }, data::AUTOTUNE)
                      .batch(100)
                      .prefetch(2);
  auto it = pipeline.make_iterator({.collect_stats = true});
  while (it.next()) {
  }
  std::cout << data::format_stats(it.stats());
}

void errors(const TempDir& dir) {
  heading("errors reach the consumer with the stage and the element");
  auto failing = data::range(10).map([](std::int64_t x) {
    if (x == 3) throw eager::InvalidArgument("three is not allowed");
    return x;
  });
  try {
    failing.to_vector();
  } catch (const data::PipelineError& e) {
    std::cout << "PipelineError: " << e.what() << " (stage " << e.stage() << ", element " << e.element_index() << ")\n";
  }
  try {
    data::TextLineDataset(dir.path("missing.txt")).to_vector();
  } catch (const eager::NotFound& e) {
    std::cout << "NotFound: " << e.what() << "\n";
  }
  try {
    data::TFRecordDataset(dir.write("corrupt.tfrecords", "this is not a TFRecord file")).to_vector();
  } catch (const eager::DataLoss& e) {
    std::cout << "DataLoss: " << e.what() << "\n";
  }
  try {
    data::range(3).map([](std::int64_t n) { return eager::zeros({n}); }).batch(3).to_vector();
  } catch (const data::PipelineError& e) {
    std::cout << "PipelineError: " << e.what() << "\n";
  }
}

}  // namespace

int main() {
  try {
    TempDir dir;
    dataset_in_eager_mode(dir);
    one_shot_iterators(dir);
    tfrecord_dataset(dir);
    input_file_queue(dir);
    shuffle_batch_and_epochs(dir);
    more_transformations();
    parallelism_and_determinism();
    errors(dir);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dataset_basics: " << e.what() << "\n";
    return 1;
  }
}
