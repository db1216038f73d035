// data_bench: the data pipeline's performance targets (issue 4). Prints one
// JSON object per line like eager_bench; bench/tfdata_bench.py runs the same
// pipelines in tf.data and reads these lines for the eager/tf.data ratio.
// See docs/benchmarks.md, "Data pipeline".
//
//   data_bench                        # every workload
//   data_bench parallel_map tfrecord  # only those whose names start so
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "eager/data/dataset.hpp"
#include "eager/data/idx.hpp"
#include "eager/data/readers.hpp"
#include "eager/data/tfrecord.hpp"
#include "eager_bench_util.hpp"

namespace {

namespace data = eager::data;
using bench::add_target;
using bench::guarded;
using bench::system_allocations;
using eager::Tensor;

constexpr const char* kFashionMnist = "/usr/share/datasets/fashion-mnist";
constexpr std::int64_t kImages = 60000, kPixels = 784;

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Fashion-MNIST's training images as [60000, 784] uint8, or random bytes of
// that shape where the data set is not installed (the pipeline's cost does
// not depend on the pixel values).
Tensor training_images(std::string& source) {
  try {
    source = std::string("fashion-mnist train-images from ") + kFashionMnist;
    return data::load_mnist(kFashionMnist).train_images.reshape({kImages, kPixels});
  } catch (const eager::Error& e) {
    source = std::string("random uint8 (") + e.what() + ")";
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(kImages * kPixels));
    std::uint32_t s = 12345;
    for (auto& b : bytes) {
      s = s * 1664525u + 1013904223u;
      b = static_cast<std::uint8_t>(s >> 24);
    }
    return eager::constant(bytes, {kImages, kPixels});
  }
}

// Iterates one full pass and returns its seconds; the element count is
// checked so that a pipeline that silently drops data cannot look fast.
template <class Ds, class Count>
double pass_seconds(const Ds& ds, std::int64_t expected, Count count) {
  const auto start = bench::Clock::now();
  std::int64_t n = 0;
  for (auto& element : ds) n += count(element);
  const double s = bench::seconds_since(start);
  if (n != expected)
    throw eager::Error("pass produced " + std::to_string(n) + " elements, expected " + std::to_string(expected));
  return s;
}

// Makes a result observable so that the work producing it is not optimised away.
template <class R> void keep(const R& result) {
  if constexpr (std::is_arithmetic_v<R>) {
    static thread_local volatile R sink;
    sink = result;
  }
}

// ---- pipeline_slices -----------------------------------------------------------

struct SlicesConfig {
  const char* name;
  int map_calls;
  bool prefetch;
};

// from_tensor_slices -> map(cast to float32, * 1/255) -> shuffle(10000) ->
// batch(100), a typical in-memory input pipeline for Fashion-MNIST, in four
// configurations (and the same work as a plain loop). They are timed in turn, one epoch each per round, so that
// all of them see the same background load; each figure is the median epoch.
void bench_pipeline_slices(const Tensor& images, const std::string& source) {
  guarded("pipeline_slices_eps", "elements/s", [&] {
    const SlicesConfig configs[] = {
        {"plain", 1, false},
        {"prefetch", 1, true},
        {"parallel_map", data::AUTOTUNE, false},
        {"parallel_map+prefetch", data::AUTOTUNE, true},
    };
    const auto make = [&](const SlicesConfig& c) {
      auto ds = data::from_tensor_slices(images)
                    .map([](const Tensor& x) { return x.cast(eager::DType::Float32) * (1.0f / 255.0f); },
                         data::MapOptions{.num_parallel_calls = c.map_calls, .seed = 1})
                    .shuffle(10000, 1)
                    .batch(100);
      return c.prefetch ? ds.prefetch(data::AUTOTUNE) : ds;
    };
    const auto rows = [](const Tensor& batch) { return batch.dim(0); };
    // The same work as a plain loop: a fresh random order each epoch, each
    // row converted and scaled straight into one reused batch buffer. No
    // shuffle buffer, no tensors: what one core gives for this work.
    const auto contiguous = images.contiguous();
    const std::uint8_t* pixels = contiguous.data<std::uint8_t>();
    std::vector<std::int64_t> order(kImages);
    std::vector<float> batch(100 * kPixels);
    std::uint64_t state = 1;
    const auto loop_epoch = [&] {
      const auto start = bench::Clock::now();
      for (std::int64_t i = 0; i < kImages; ++i) order[std::size_t(i)] = i;
      for (std::int64_t i = kImages - 1; i > 0; --i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        std::swap(order[std::size_t(i)], order[std::size_t((state >> 33) % std::uint64_t(i + 1))]);
      }
      for (std::int64_t b = 0; b < kImages; b += 100) {
        for (std::int64_t r = 0; r < 100; ++r) {
          const std::uint8_t* row = pixels + order[std::size_t(b + r)] * kPixels;
          float* out = batch.data() + r * kPixels;
          for (std::int64_t k = 0; k < kPixels; ++k) out[k] = float(row[k]) * (1.0f / 255.0f);
        }
        keep(batch[std::size_t(b % 7)]);
      }
      return bench::seconds_since(start);
    };
    constexpr int kRounds = 7;
    std::vector<std::vector<double>> seconds(std::size(configs)), cpu(std::size(configs));
    std::vector<double> loop_seconds;
    for (const auto& c : configs) pass_seconds(make(c), kImages, rows);  // warm-up: caches, allocator, page faults
    loop_epoch();
    const auto before = system_allocations();
    for (int r = 0; r < kRounds; ++r) {
      for (std::size_t i = 0; i < std::size(configs); ++i) {
        const std::clock_t c0 = std::clock();
        seconds[i].push_back(pass_seconds(make(configs[i]), kImages, rows));
        cpu[i].push_back(double(std::clock() - c0) / CLOCKS_PER_SEC);
      }
      loop_seconds.push_back(loop_epoch());
    }
    const auto allocations = system_allocations() - before;

    std::vector<double> eps;
    for (auto& s : seconds) eps.push_back(kImages / bench::median(s));
    const std::size_t best = std::size_t(std::max_element(eps.begin(), eps.end()) - eps.begin());
    const double loop_eps = kImages / bench::median(loop_seconds);
    bench::Line("pipeline_slices_eps", loop_eps, "elements/s", "loop")
        .field("what", "random order, each row cast and scaled into one reused batch buffer, no tensors")
        .field("threads", 1.0)
        .field("epoch_ms", kImages / loop_eps * 1e3);
    {
      bench::Line line("pipeline_slices_eps", eps[0], "elements/s", "eager");
      add_target(line, eps[0], {1e6, false});
      line.field("config", "plain: map on the consumer thread, no prefetch").field("threads", 1.0);
      line.field("epoch_ms", kImages / eps[0] * 1e3).field("cpu_ms", bench::median(cpu[0]) * 1e3);
      line.field("images", source).field("system_allocations_in_loop", static_cast<double>(allocations));
    }
    bench::Line line("pipeline_slices_best_eps", eps[best], "elements/s", "eager");
    add_target(line, eps[best], {1e6, false});
    line.field("config", configs[best].name);
    line.field("epoch_ms", kImages / eps[best] * 1e3).field("cpu_ms", bench::median(cpu[best]) * 1e3);
    for (std::size_t i = 0; i < std::size(configs); ++i) line.field(std::string("eps_") + configs[i].name, eps[i]);
  });
}

// ---- pipeline_overhead ------------------------------------------------------------

// The per-element cost of the machinery itself: range -> map(identity) ->
// batch(1), with range alone and range -> map timed in the same rounds so
// that the share of each stage can be read off.
void bench_pipeline_overhead() {
  guarded("pipeline_overhead_ns", "ns", [] {
    constexpr std::int64_t kN = 200000;
    const auto identity = [](std::int64_t x) { return x; };
    const auto source = data::range(kN);
    const auto mapped = source.map(identity);
    const auto batched = mapped.batch(1);
    const auto one = [](const auto&) { return std::int64_t{1}; };
    const auto rows = [](const Tensor& t) { return t.dim(0); };
    for (int i = 0; i < 2; ++i) {
      pass_seconds(source, kN, one);
      pass_seconds(mapped, kN, one);
      pass_seconds(batched, kN, rows);
    }
    std::vector<double> range_s, map_s, batch_s;
    const auto before = system_allocations();
    for (int r = 0; r < 15; ++r) {
      range_s.push_back(pass_seconds(source, kN, one));
      map_s.push_back(pass_seconds(mapped, kN, one));
      batch_s.push_back(pass_seconds(batched, kN, rows));
    }
    const double ns = bench::median(batch_s) / kN * 1e9;
    bench::Line line("pipeline_overhead_ns", ns, "ns", "eager");
    add_target(line, ns, {200, true});
    line.field("chain", "range -> map(identity) -> batch(1), per element");
    line.field("range_ns", bench::median(range_s) / kN * 1e9).field("range_map_ns", bench::median(map_s) / kN * 1e9);
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

// ---- tfrecord_read ----------------------------------------------------------------

// 2000 records of 100 KB (205 MB) written once, then read with both CRCs
// checked through TFRecordReader (one string reused) and TFRecordDataset (a
// new string per record), and read raw in 1 MiB blocks (no parsing, no CRC:
// what the page cache gives one thread). The file was just written, so it
// is in the page cache; a warm-up pass of each makes sure. Rates count the
// record payloads (the 16 framing bytes per record are 0.02 % more).
void bench_tfrecord_read() {
  constexpr std::int64_t kRecords = 2000, kRecordBytes = 100 * 1024;
  constexpr double kPayload = double(kRecords) * kRecordBytes;
  const auto path =
      (std::filesystem::temp_directory_path() / ("eager_data_bench_" + std::to_string(::getpid()) + ".tfrecord"))
          .string();
  guarded("tfrecord_read_gbps", "GB/s", [&] {
    std::string record(static_cast<std::size_t>(kRecordBytes), '\0');
    {
      const auto bytes = bench::pseudo_random(kRecordBytes / 4, 21);
      std::memcpy(record.data(), bytes.data(), record.size());
      data::TFRecordWriter writer(path);
      for (std::int64_t i = 0; i < kRecords; ++i) {
        record[0] = static_cast<char>(i);  // records differ, as real ones do
        writer.write(record);
      }
      writer.close();
    }
    const auto via_reader = [&] {
      const auto start = bench::Clock::now();
      data::TFRecordReader reader(path);
      std::string r;
      std::int64_t n = 0;
      while (reader.read(r)) n += static_cast<std::int64_t>(r.size());
      const double s = bench::seconds_since(start);
      if (n != kRecords * kRecordBytes) throw eager::Error("TFRecordReader read " + std::to_string(n) + " bytes");
      return s;
    };
    const data::TFRecordDataset dataset(path);
    const auto via_dataset = [&] {
      return pass_seconds(dataset, kRecords * kRecordBytes,
                          [](const std::string& r) { return std::int64_t(r.size()); });
    };
    std::vector<char> block(1 << 20);
    const auto raw = [&] {
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (!f) throw eager::Error("cannot open " + path);
      const auto start = bench::Clock::now();
      std::size_t n = 0, got = 0;
      while ((got = std::fread(block.data(), 1, block.size(), f)) > 0) n += got;
      const double s = bench::seconds_since(start);
      std::fclose(f);
      if (n < std::size_t(kPayload)) throw eager::Error("short read of " + path);
      return s;
    };
    // CRC32C alone over one record already in the cache: the ceiling of the check.
    const auto crc = [&] {
      const auto start = bench::Clock::now();
      std::uint32_t c = 0;
      for (int i = 0; i < 200; ++i) c = data::crc32c(record.data(), record.size(), c);
      const double s = bench::seconds_since(start);
      keep(c);
      return s;
    };
    via_reader(), via_dataset(), raw(), crc();
    std::vector<double> reader_s, dataset_s, raw_s, crc_s;
    for (int r = 0; r < 9; ++r) {
      reader_s.push_back(via_reader());
      dataset_s.push_back(via_dataset());
      raw_s.push_back(raw());
      crc_s.push_back(crc());
    }
    const double g_reader = bench::gbps(kPayload, bench::median(reader_s));
    const double g_dataset = bench::gbps(kPayload, bench::median(dataset_s));
    const double g_crc = bench::gbps(200.0 * kRecordBytes, bench::median(crc_s));
    bench::Line("tfrecord_read_gbps", bench::gbps(kPayload, bench::median(raw_s)), "GB/s", "loop")
        .field("what", "fread of the same file in 1 MiB blocks, no framing, no CRC")
        .field("threads", 1.0);
    {
      bench::Line line("tfrecord_read_gbps", g_reader, "GB/s", "eager");
      add_target(line, g_reader, {1.5, false});
      line.field("api", "TFRecordReader::read, one string reused").field("records", double(kRecords));
      line.field("record_bytes", double(kRecordBytes)).field("crc32c_in_cache_gbps", g_crc);
    }
    bench::Line line("tfrecord_dataset_read_gbps", g_dataset, "GB/s", "eager");
    add_target(line, g_dataset, {1.5, false});
    line.field("api", "TFRecordDataset, a new string per record").field("records", double(kRecords));
  });
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
}

// ---- parallel_map_scaling ---------------------------------------------------------

// Elements per second of a map on 2 threads over the same map on the
// consumer's thread (num_parallel_calls 1), the two timed in turn. The work
// is plain scalar math, so that the figure is about the pipeline's threads
// and nothing else.
double scalar_work(std::int64_t i) {
  double x = 0.5 + 1e-6 * double(i);
  for (int k = 0; k < 4000; ++k) x = std::sin(x) + std::exp(-x * x) * 0.5;
  return x;
}

// The same with tensor ops: a chain of exp/sin on 16K float32 per element,
// which is below eager's elementwise split (32K elements), so each op runs on
// the map thread that calls it.
Tensor tensor_work(const Tensor& base, std::int64_t i) {
  Tensor x = base + float(i) * 1e-6f;
  for (int k = 0; k < 8; ++k) x = eager::sin(eager::exp(x * -0.5f));
  return x;
}

// The same work on 1 and on 2 plain std::threads (each taking every other
// element), no pipeline: what the machine gives at that moment.
template <class Work> double threads_seconds(std::int64_t elements, int threads, const Work& work) {
  const auto start = bench::Clock::now();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (std::int64_t i = t; i < elements; i += threads) work(i);
    });
  for (std::int64_t i = 0; i < elements; i += threads) work(i);
  for (auto& thread : pool) thread.join();
  return bench::seconds_since(start);
}

struct Scaling {
  double eps1, eps2, loop_eps1, loop_eps2;
};

// The four timings in turn in every round, so that they share the load.
template <class Work, class Count> Scaling scaling(std::int64_t elements, Work work, Count count) {
  const auto at = [&](int threads) {
    return data::range(elements).map(work, data::MapOptions{.num_parallel_calls = threads, .seed = 1});
  };
  const auto one = at(1), two = at(2);
  const auto discard = [&](std::int64_t i) { keep(work(i)); };
  pass_seconds(one, elements, count);
  pass_seconds(two, elements, count);
  threads_seconds(elements, 2, discard);
  std::vector<double> s1, s2, l1, l2;
  for (int r = 0; r < 11; ++r) {
    s1.push_back(pass_seconds(one, elements, count));
    s2.push_back(pass_seconds(two, elements, count));
    l1.push_back(threads_seconds(elements, 1, discard));
    l2.push_back(threads_seconds(elements, 2, discard));
  }
  const auto eps = [&](std::vector<double>& s) { return double(elements) / bench::median(s); };
  return {eps(s1), eps(s2), eps(l1), eps(l2)};
}

void report_scaling(const std::string& name, const std::string& work, const Scaling& s) {
  bench::Line("parallel_map_scaling" + name, s.loop_eps2 / s.loop_eps1, "ratio", "loop")
      .field("what", "the same work on 2 std::threads over 1, no pipeline")
      .field("eps_1_thread", s.loop_eps1)
      .field("eps_2_threads", s.loop_eps2);
  bench::Line line("parallel_map_scaling" + name, s.eps2 / s.eps1, "ratio", "eager");
  add_target(line, s.eps2 / s.eps1, {1.8, false});
  line.field("work", work).field("eps_1_thread", s.eps1).field("eps_2_threads", s.eps2);
  line.field("hardware_threads", std::thread::hardware_concurrency());
}

void bench_parallel_map_scaling() {
  guarded("parallel_map_scaling", "ratio", [] {
    report_scaling("", "4000 scalar sin/exp steps per element",
                   scaling(200, scalar_work, [](double) { return std::int64_t{1}; }));
  });
  guarded("parallel_map_scaling_tensor", "ratio", [] {
    const auto base = bench::random_tensor({16384}, 31);
    report_scaling("_tensor", "8 x sin(exp(x * -0.5)) on 16384 float32 per element",
                   scaling(
                       400, [base](std::int64_t i) { return tensor_work(base, i); },
                       [](const Tensor&) { return std::int64_t{1}; }));
  });
}

}  // namespace

int main(int argc, char** argv) {
  const auto wanted = [&](const std::string& name) {
    if (argc < 2) return true;
    for (int i = 1; i < argc; ++i)
      if (name.starts_with(argv[i])) return true;
    return false;
  };
  std::string source = "not loaded";
  const Tensor images = wanted("pipeline_slices") ? training_images(source) : Tensor();
  bench::Line("data_bench_setup", std::thread::hardware_concurrency(), "count", "eager")
      .field("load_average", load_average())
      .field("images", source);
  if (wanted("pipeline_slices")) bench_pipeline_slices(images, source);
  if (wanted("pipeline_overhead")) bench_pipeline_overhead();
  if (wanted("tfrecord_read")) bench_tfrecord_read();
  if (wanted("parallel_map_scaling")) bench_parallel_map_scaling();
  bench::Line("data_bench_done", 0, "info", "eager").field("load_average", load_average());
  return 0;
}
