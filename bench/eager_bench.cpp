// eager_bench: the library's performance targets, measured against OpenBLAS
// called directly in the same run. Prints one JSON object per line; see
// docs/benchmarks.md for the workloads and scripts/bench.sh for the peers.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.hpp"
#include "eager_bench_util.hpp"
#include "eager/eager.hpp"

namespace {

using bench::add_target;
using bench::guarded;
using bench::random_tensor;
using bench::system_allocations;

constexpr std::int64_t kLarge = std::int64_t{1} << 24;  // 16M elements, 64 MiB of float32
constexpr std::int64_t kSide = 4096;                    // 4096 x 4096 == kLarge

void print_machine() {
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* l2 = std::getenv("OPENBLAS_L2_SIZE");
  bench::Line("hardware_threads", std::thread::hardware_concurrency(), "count", "eager")
      .field("openblas_threads", openblas_get_num_threads())
      .field("openblas_core", openblas_get_corename())
      .field("openblas_config", openblas_get_config())
      .field("OPENBLAS_CORETYPE", coretype ? coretype : "")
      .field("OPENBLAS_L2_SIZE", l2 ? l2 : "");
}

void bench_small_add() {
  guarded("op_small_add_us", "us", [] {
    const auto a = random_tensor({16}, 1), b = random_tensor({16}, 2);
    const auto op = [&] { eager::Tensor c = a + b; };
    bench::warm_up(op, 20000);
    const auto before = system_allocations();
    const double s = bench::time_median(op, 200, 1000);
    const double us = s * 1e6;
    bench::Line line("op_small_add_us", us, "us", "eager");
    add_target(line, us, {0.5, true});
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

void bench_large_add() {
  guarded("add_large_gbps", "GB/s", [] {
    const auto a = random_tensor({kLarge}, 3), b = random_tensor({kLarge}, 4);
    const auto op = [&] { eager::Tensor c = a + b; };
    bench::warm_up(op, 3);
    const auto before = system_allocations();
    const double s = bench::time_median(op, 40);
    const double rate = bench::gbps(3.0 * 4.0 * kLarge, s);
    bench::Line line("add_large_gbps", rate, "GB/s", "eager");
    add_target(line, rate, {9.0, false});
    line.field("ms", s * 1e3).field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

// The same traffic as add_large_gbps through a plain loop into a buffer that
// is already mapped: what one core of this machine gives, measured in the same
// run, to read eager's figure against.
void bench_large_add_loop() {
  const auto a = bench::pseudo_random(kLarge, 3), b = bench::pseudo_random(kLarge, 4);
  std::vector<float> c(a.size());
  const auto op = [&] {
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = a[i] + b[i];
  };
  bench::warm_up(op, 3);
  const double s = bench::time_median(op, 40);
  bench::Line("add_large_into_gbps", bench::gbps(3.0 * 4.0 * kLarge, s), "GB/s", "loop")
      .field("output", "preallocated")
      .field("threads", 1.0)
      .field("ms", s * 1e3)
      .field("check", static_cast<double>(c[12345]));  // keeps the loop observable
}

// A read-only reference for reduce_sum: one thread, independent lanes so
// that the compiler vectorises without reassociating.
void bench_reduce_sum_loop() {
  const auto x = bench::pseudo_random(kLarge, 5);
  float result = 0.0f;
  const auto op = [&] {
    constexpr int kLanes = 16;
    static_assert(kLarge % kLanes == 0);
    float acc[kLanes] = {};
    for (std::size_t i = 0; i < x.size(); i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += x[i + static_cast<std::size_t>(l)];
    result = 0.0f;
    for (float v : acc) result += v;
  };
  bench::warm_up(op, 3);
  const double s = bench::time_median(op, 40);
  bench::Line("reduce_sum_large_gbps", bench::gbps(4.0 * kLarge, s), "GB/s", "loop")
      .field("axes", "all")
      .field("threads", 1.0)
      .field("ms", s * 1e3)
      .field("check", static_cast<double>(result));  // keeps the loop observable
}

void bench_reduce_sum() {
  guarded("reduce_sum_large_gbps", "GB/s", [] {
    const auto x = random_tensor({kLarge}, 5);
    const auto op = [&] { eager::Tensor s = eager::reduce_sum(x); };
    bench::warm_up(op, 3);
    const auto before = system_allocations();
    const double s = bench::time_median(op, 40);
    const double rate = bench::gbps(4.0 * kLarge, s);
    bench::Line line("reduce_sum_large_gbps", rate, "GB/s", "eager");
    add_target(line, rate, {8.0, false});
    line.field("axes", "all").field("ms", s * 1e3);
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
  guarded("reduce_sum_axis1_large_gbps", "GB/s", [] {
    const auto x = random_tensor({kSide, kSide}, 6);
    const auto op = [&] { eager::Tensor s = eager::reduce_sum(x, {1}); };
    bench::warm_up(op, 3);
    const auto before = system_allocations();
    const double s = bench::time_median(op, 40);
    const double rate = bench::gbps(4.0 * kLarge, s);
    bench::Line line("reduce_sum_axis1_large_gbps", rate, "GB/s", "eager");
    add_target(line, rate, {8.0, false});
    line.field("axes", "1").field("shape", "4096x4096").field("ms", s * 1e3);
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

// eager::matmul against cblas_sgemm on the same data, alternated so that
// both see the same background load; the target is a ratio of the two.
void bench_matmul(std::int64_t n, int samples) {
  const std::string name = "matmul_" + std::to_string(n) + "_gflops";
  guarded(name, "GFLOP/s", [&] {
    const auto av = bench::pseudo_random(n * n, 7), bv = bench::pseudo_random(n * n, 8);
    const auto a = eager::constant(av, {n, n}), b = eager::constant(bv, {n, n});
    std::vector<float> c(static_cast<std::size_t>(n * n));
    const int ni = static_cast<int>(n);
    const auto eager_op = [&] { eager::Tensor r = eager::matmul(a, b); };
    const auto blas_op = [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, av.data(), ni, bv.data(), ni, 0.0f,
                  c.data(), ni);
    };
    // eager keeps OpenBLAS single-threaded and splits each product over its
    // own pool; the reference runs with OpenBLAS's own threads. The two are
    // timed one after the other, not alternately: OpenBLAS's workers spin for
    // a while after each call and would slow down whatever runs next.
    const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    openblas_set_num_threads(threads);
    bench::warm_up(blas_op, 2);
    const double t_blas = bench::time_median(blas_op, samples);
    openblas_set_num_threads(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    bench::warm_up(eager_op, 2);
    const double t_eager = bench::time_median(eager_op, samples);
    const double flops = 2.0 * static_cast<double>(n) * n * n;
    const double g_eager = bench::gflops(flops, t_eager), g_blas = bench::gflops(flops, t_blas);
    bench::Line(name, g_blas, "GFLOP/s", "openblas").field("call", "cblas_sgemm").field("ms", t_blas * 1e3);
    bench::Line line(name, g_eager, "GFLOP/s", "eager");
    line.field("peer", "openblas").field("peer_value", g_blas).field("ratio", g_eager / g_blas);
    add_target(line, g_eager / g_blas, {0.95, false});
    line.field("target_of", "ratio").field("ms", t_eager * 1e3);
  });
}

void bench_softmax_ce() {
  guarded("softmax_ce_100x10_us", "us", [] {
    std::vector<std::int32_t> labels(100);
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>((i * 7) % 10);
    const auto y = eager::constant(labels, {100});
    const auto logits = random_tensor({100, 10}, 9);
    const auto op = [&] { eager::Tensor l = eager::nn::sparse_softmax_cross_entropy_with_logits(y, logits); };
    bench::warm_up(op, 2000);
    const auto before = system_allocations();
    const double us = bench::time_median(op, 200, 100) * 1e6;
    bench::Line line("softmax_ce_100x10_us", us, "us", "eager");
    add_target(line, us, {2.0, true});
    line.field("system_allocations_in_loop", static_cast<double>(system_allocations() - before));
  });
}

}  // namespace

int main() {
  print_machine();
  bench_small_add();
  bench_large_add();
  bench_large_add_loop();
  bench_reduce_sum();
  bench_reduce_sum_loop();
  bench_matmul(1024, 30);
  bench_matmul(2048, 8);
  bench_softmax_ce();
  bench::run_autograd_benchmarks();
  const auto stats = eager::memory::stats();
  bench::Line("memory_peak_allocated_mb", static_cast<double>(stats.peak_allocated_bytes) / (1 << 20), "MiB", "eager")
      .field("system_allocations_total", static_cast<double>(stats.system_allocations))
      .field("reserved_mb", static_cast<double>(stats.reserved_bytes) / (1 << 20));
  return 0;
}
