// The profiler: the events of a training step (names, categories, nesting,
// order, input shapes), sessions (nothing outside start/stop, start twice,
// stop without start, spans open at stop), threads (their own ids and names,
// events of exited threads kept), the Chrome trace JSON parsed back with
// nlohmann::json, op_stats arithmetic on a hand-made trace, and Profile.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <unistd.h>

#include "data/temp_dir.hpp"
#include "eager/eager.hpp"
#include "eager/io.hpp"
#include "eager/profiler.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::profiler::TraceEvent;
using eager::profiler::TraceThread;
using eager::test::MessageContains;

namespace {

// Leaves no session running when a test fails halfway.
struct StopAtExit {
  ~StopAtExit() {
    if (profiler::is_active()) profiler::stop();
  }
};

std::vector<const TraceEvent*> named(const profiler::Trace& trace, const std::string& name) {
  std::vector<const TraceEvent*> found;
  for (const TraceEvent& e : trace.events())
    if (e.name == name) found.push_back(&e);
  return found;
}

const TraceEvent& only(const profiler::Trace& trace, const std::string& name) {
  const auto found = named(trace, name);
  INFO("events named " << name);
  REQUIRE(found.size() == 1);
  return *found[0];
}

std::string arg(const TraceEvent& e, const std::string& key) {
  for (const auto& [k, v] : e.args)
    if (k == key) return v;
  return "<missing>";
}

bool within(const TraceEvent& inner, const TraceEvent& outer) {
  return inner.thread == outer.thread && outer.start_ns <= inner.start_ns && inner.end_ns <= outer.end_ns;
}

TraceEvent event(std::string name, std::int64_t start, std::int64_t end, std::uint32_t thread = 1) {
  TraceEvent e;
  e.name = std::move(name);
  e.category = "op";
  e.start_ns = start;
  e.end_ns = end;
  e.thread = thread;
  return e;
}

}  // namespace

TEST_CASE("profiler: a training step records its ops, gradient rules and updates, nested and in order",
          "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor x = eager::test::random_tensor({2, 4}, DType::Float32, 1);
  Variable w(eager::test::random_tensor({4, 3}, DType::Float32, 2), "w");
  Variable b(zeros({3}), "b");
  optimizers::SGD sgd(0.1);

  profiler::start();
  {
    profiler::Annotation step("train", 7);
    GradientTape tape;
    const Tensor logits = add(matmul(x, w), b);
    const Tensor loss = reduce_mean(nn::relu(logits));
    sgd.apply_gradients(tape.gradient(loss, std::vector<Variable>{w, b}), {w, b});
  }
  const profiler::Trace trace = profiler::stop();

  const TraceEvent& train = only(trace, "train");
  CHECK(train.category == "user");
  CHECK(arg(train, "step_num") == "7");
  const auto& events = trace.events();
  for (const TraceEvent& e : events) {
    INFO(e.name);
    CHECK(e.start_ns <= e.end_ns);
    CHECK(within(e, train));
    CHECK(e.stream == -1);
  }
  REQUIRE(trace.threads().size() == 1);
  CHECK(trace.threads()[0].id == static_cast<std::uint32_t>(gettid()));
  CHECK(trace.threads()[0].name == "main");

  const TraceEvent& matmul_event = *named(trace, "matmul").at(0);
  CHECK(matmul_event.category == "op");
  CHECK(matmul_event.device == "/device:CPU:0");
  CHECK(arg(matmul_event, "inputs") == "float32(2, 4); float32(4, 3)");
  const TraceEvent& add_event = *named(trace, "add").at(0);
  CHECK(arg(add_event, "inputs") == "float32(2, 3); float32(3,)");
  const TraceEvent& relu = only(trace, "relu");
  const TraceEvent& mean = only(trace, "reduce_mean");
  CHECK(arg(mean, "inputs") == "float32(2, 3)");
  // reduce_mean is a composite: its reduce_sum and divide nest inside it.
  const TraceEvent& sum = *named(trace, "reduce_sum").at(0);
  CHECK(within(sum, mean));
  const TraceEvent& gradient = only(trace, "GradientTape.gradient");
  CHECK(gradient.category == "gradient");
  const TraceEvent& apply = only(trace, "SGD.apply_gradients");
  CHECK(apply.category == "optimizer");
  // The forward ops in program order, then the backward pass, then the update.
  CHECK(matmul_event.end_ns <= add_event.start_ns);
  CHECK(add_event.end_ns <= relu.start_ns);
  CHECK(relu.end_ns <= mean.start_ns);
  CHECK(mean.end_ns <= gradient.start_ns);
  CHECK(gradient.end_ns <= apply.start_ns);

  // One rule per recorded op, inside the gradient call; the backward matmuls
  // inside matmul's rule.
  for (const char* rule : {"matmul_grad", "add_grad", "relu_grad", "reduce_sum_grad", "divide_grad"}) {
    INFO(rule);
    const TraceEvent& r = only(trace, rule);
    CHECK(r.category == "gradient");
    CHECK(within(r, gradient));
  }
  const auto matmuls = named(trace, "matmul");
  CHECK(matmuls.size() == 2);  // forward, and the gradient of w (x needs none)
  CHECK(within(*matmuls.back(), only(trace, "matmul_grad")));
  const auto updates = named(trace, "resource_apply_gradient_descent");
  REQUIRE(updates.size() == 2);
  CHECK(arg(*updates[0], "inputs") == "float32(4, 3); float32(4, 3)");
  CHECK(arg(*updates[1], "inputs") == "float32(3,); float32(3,)");
  for (const TraceEvent* u : updates) CHECK(within(*u, apply));
  // Events are sorted by start time, an enclosing span before its contents.
  CHECK(std::is_sorted(events.begin(), events.end(),
                       [](const TraceEvent& a, const TraceEvent& c) { return a.start_ns < c.start_ns; }));
  CHECK(&events.front() == &train);
}

TEST_CASE("profiler: creation ops record shape and dtype, a throwing op still ends its span", "[profiler]") {
  StopAtExit stop_at_exit;
  profiler::start();
  const Tensor z = zeros({2, 5}, DType::Float64);
  CHECK_THROWS_AS(matmul(z, z), InvalidArgument);
  const Tensor r = random::uniform({3}, 0, 1, DType::Float32, 5);
  const profiler::Trace trace = profiler::stop();

  const TraceEvent& fill = only(trace, "fill");
  CHECK(arg(fill, "shape") == "(2, 5)");
  CHECK(arg(fill, "dtype") == "float64");
  CHECK(fill.device == "/device:CPU:0");
  const TraceEvent& failed = only(trace, "matmul");
  CHECK(arg(failed, "inputs") == "float64(2, 5); float64(2, 5)");
  CHECK(failed.end_ns >= failed.start_ns);
  CHECK(arg(only(trace, "random.uniform"), "shape") == "(3,)");
}

TEST_CASE("profiler: nothing is recorded outside a session", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor a = constant({1.f, 2.f});
  CHECK_FALSE(profiler::is_active());
  const Tensor before = negative(a);

  profiler::start();
  CHECK(profiler::is_active());
  const Tensor inside = exp(a);
  const profiler::Trace first = profiler::stop();
  CHECK_FALSE(profiler::is_active());
  const Tensor after = sqrt(a);

  profiler::start();
  const Tensor second_op = square(a);
  const profiler::Trace second = profiler::stop();

  REQUIRE(first.events().size() == 1);
  CHECK(first.events()[0].name == "exp");
  REQUIRE(second.events().size() == 1);
  CHECK(second.events()[0].name == "square");
}

TEST_CASE("profiler: spans open across start or stop are left out of every trace", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor a = constant({1.f, 2.f});
  std::optional<profiler::Annotation> opened_before;
  opened_before.emplace("opened before start");
  profiler::start();
  std::optional<profiler::Annotation> open_at_stop;
  open_at_stop.emplace("open at stop");
  const Tensor t = abs(a);
  opened_before.reset();
  const profiler::Trace first = profiler::stop();

  profiler::start();
  open_at_stop.reset();  // ends during the next session, which it did not begin in
  const Tensor u = log(a);
  const profiler::Trace second = profiler::stop();

  REQUIRE(first.events().size() == 1);
  CHECK(first.events()[0].name == "abs");
  REQUIRE(second.events().size() == 1);
  CHECK(second.events()[0].name == "log");
}

TEST_CASE("profiler: start twice is AlreadyExists, stop without a session is Unavailable", "[profiler]") {
  StopAtExit stop_at_exit;
  CHECK_THROWS_MATCHES(profiler::stop(), Unavailable, MessageContains("no profiling session is running"));
  profiler::start();
  CHECK_THROWS_MATCHES(profiler::start(), AlreadyExists, MessageContains("already running"));
  CHECK(profiler::is_active());
  profiler::stop();
  CHECK_THROWS_AS(profiler::stop(), Unavailable);
}

TEST_CASE("profiler: each thread records on its own id and name, exited threads included", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor a = constant({1.f, 2.f, 3.f});
  profiler::start();
  const Tensor on_main = add(a, a);
  std::vector<std::uint32_t> ids(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      if (i == 0) profiler::set_thread_name("loader 0");
      if (i == 2) pthread_setname_np(pthread_self(), "io worker");
      ids[i] = static_cast<std::uint32_t>(gettid());
      for (int k = 0; k < 10; ++k) {
        const Tensor m = multiply(a, a);
        const Tensor s = reduce_sum(m);
      }
    });
  for (auto& t : threads) t.join();  // the threads are gone before stop()
  const profiler::Trace trace = profiler::stop();

  std::map<std::uint32_t, int> multiplies;
  for (const TraceEvent* e : named(trace, "multiply")) ++multiplies[e->thread];
  REQUIRE(multiplies.size() == 3);
  for (std::uint32_t id : ids) CHECK(multiplies[id] == 10);
  CHECK(only(trace, "add").thread == static_cast<std::uint32_t>(gettid()));
  std::map<std::uint32_t, std::string> names;
  for (const TraceThread& t : trace.threads()) names[t.id] = t.name;
  REQUIRE(names.size() == 4);
  CHECK(names[ids[0]] == "loader 0");
  CHECK(names[ids[1]] == "thread");
  CHECK(names[ids[2]] == "io worker");
  CHECK(names[static_cast<std::uint32_t>(gettid())] == "main");

  const nlohmann::json json = nlohmann::json::parse(trace.chrome_json());
  std::set<std::int64_t> named_tids;
  for (const auto& e : json["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") named_tids.insert(e["tid"].get<std::int64_t>());
  for (std::uint32_t id : ids) CHECK(named_tids.count(id) == 1);
}

TEST_CASE("profiler: sessions start and stop while other threads run ops", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor a = constant({1.f, 2.f});
  constexpr int kThreads = 2;
  constexpr int kOps = 50;
  std::atomic<bool> done{false};
  std::atomic<int> finished[kThreads] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      while (!done.load()) {
        const Tensor r = reduce_mean(a);  // a composite: spans open and close at every moment
        finished[i].fetch_add(1);
      }
    });
  // Waits until every thread has finished kOps more ops, which are then
  // recorded: one more, since the op in flight at start() began before it.
  const auto wait_for_ops = [&] {
    int target[kThreads];
    for (int i = 0; i < kThreads; ++i) target[i] = finished[i].load() + kOps + 1;
    for (int i = 0; i < kThreads; ++i)
      while (finished[i].load() < target[i]) std::this_thread::yield();
  };
  std::vector<profiler::Trace> traces;
  for (int session = 0; session < 2; ++session) {
    profiler::start();
    wait_for_ops();
    traces.push_back(profiler::stop());
    wait_for_ops();  // not recorded
  }
  done = true;
  for (auto& t : threads) t.join();

  for (const profiler::Trace& trace : traces) {
    std::map<std::uint32_t, int> means;
    std::map<std::uint32_t, std::pair<std::int64_t, std::int64_t>> first_and_last;  // of each thread's means
    int backwards = 0;
    for (const TraceEvent& e : trace.events()) {
      backwards += e.start_ns > e.end_ns;
      if (e.name != "reduce_mean") continue;
      if (means[e.thread]++ == 0) first_and_last[e.thread].first = e.start_ns;
      first_and_last[e.thread].second = e.end_ns;
    }
    CHECK(backwards == 0);
    CHECK(means.size() == kThreads);
    for (const auto& [thread, count] : means) CHECK(count >= kOps);
    // A reduce_sum between a thread's first and last reduce_mean lies in the
    // latest of them; only those at the edges may have lost their parent
    // (open at start or at stop).
    std::map<std::uint32_t, const TraceEvent*> latest;
    int orphans = 0;
    for (const TraceEvent& e : trace.events()) {
      if (e.name == "reduce_mean") latest[e.thread] = &e;
      const auto [first, last] = first_and_last[e.thread];
      if (e.name == "reduce_sum" && e.start_ns > first && e.end_ns < last) orphans += !within(e, *latest[e.thread]);
    }
    CHECK(orphans == 0);
  }
}

TEST_CASE("profiler: chrome_json is Trace Event Format JSON that matches the events", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor a = constant({{1.f, 2.f}, {3.f, 4.f}});
  const std::string tricky = std::string("step \"one\"\n\\") + '\0' + "end";
  profiler::start();
  {
    profiler::Annotation outer(tricky, {{"note", "tab\there"}});
    const Tensor m = matmul(a, a);
  }
  const profiler::Trace trace = profiler::stop();

  const nlohmann::json json = nlohmann::json::parse(trace.chrome_json());
  CHECK(json["displayTimeUnit"] == "ns");
  const auto& list = json["traceEvents"];
  std::vector<nlohmann::json> complete;
  bool host_named = false;
  for (const auto& e : list) {
    if (e["ph"] == "X") complete.push_back(e);
    if (e["ph"] == "M" && e["name"] == "process_name") host_named = e["pid"] == 1 && e["args"]["name"] == "/host:CPU";
  }
  CHECK(host_named);
  REQUIRE(complete.size() == trace.events().size());
  for (std::size_t i = 0; i < complete.size(); ++i) {
    const TraceEvent& e = trace.events()[i];
    const auto& j = complete[i];
    CHECK(j["name"] == e.name);
    CHECK(j["cat"] == e.category);
    CHECK(j["pid"] == 1);
    CHECK(j["tid"] == e.thread);
    CHECK(j["ts"].get<double>() == Approx(static_cast<double>(e.start_ns) / 1000).margin(1e-9));
    CHECK(j["dur"].get<double>() == Approx(static_cast<double>(e.duration_ns()) / 1000).margin(1e-9));
  }
  CHECK(complete[0]["name"] == tricky);
  CHECK(complete[0]["args"]["note"] == "tab\there");
  CHECK(complete[1]["args"]["device"] == "/device:CPU:0");
  CHECK(complete[1]["args"]["inputs"] == "float32(2, 2); float32(2, 2)");
}

TEST_CASE("profiler: hand-made traces: device streams, invalid UTF-8, exact microseconds, validation", "[profiler]") {
  TraceEvent host = event("bad \xff name \xe2\x82", 1234567, 1240000);
  TraceEvent kernel = event("gemm", 1300001, 1300999, 0);
  kernel.category = "kernel";
  kernel.device = "/device:GPU:0";
  kernel.stream = 7;
  const profiler::Trace trace({kernel, host}, {{1, "main"}});
  REQUIRE(trace.events().size() == 2);
  CHECK(trace.events()[0].name == host.name);  // sorted by start

  const std::string text = trace.chrome_json();
  CHECK(text.find("\"ts\":1234.567,\"dur\":5.433") != std::string::npos);
  CHECK(text.find("\"ts\":1300.001,\"dur\":0.998") != std::string::npos);
  const nlohmann::json json = nlohmann::json::parse(text);
  std::map<std::string, nlohmann::json> by_name;
  std::vector<nlohmann::json> metadata;
  for (const auto& e : json["traceEvents"]) {
    if (e["ph"] == "X") by_name[e["name"].get<std::string>()] = e;
    else metadata.push_back(e);
  }
  CHECK(by_name.count("bad \xef\xbf\xbd name \xef\xbf\xbd\xef\xbf\xbd") == 1);
  const auto& gemm = by_name.at("gemm");
  CHECK(gemm["pid"] == 2);
  CHECK(gemm["tid"] == 7);
  const auto has = [&](const char* what, int pid, const std::string& name) {
    return std::any_of(metadata.begin(), metadata.end(), [&](const nlohmann::json& m) {
      return m["name"] == what && m["pid"] == pid && m["args"]["name"] == name;
    });
  };
  CHECK(has("process_name", 2, "/device:GPU:0"));
  CHECK(has("thread_name", 2, "stream 7"));
  CHECK(has("thread_name", 1, "main"));

  CHECK_THROWS_MATCHES(profiler::Trace({event("backwards", 10, 5)}, {{1, "main"}}), InvalidArgument,
                       MessageContains("'backwards' ends (5 ns) before it starts (10 ns)"));
  CHECK_THROWS_MATCHES(profiler::Trace({event("lost", 0, 5, 9)}, {{1, "main"}}), InvalidArgument,
                       MessageContains("thread 9"));
  CHECK(nlohmann::json::parse(profiler::Trace().chrome_json())["traceEvents"].size() == 1);
}

TEST_CASE("profiler: op_stats and summary: self times add up to the outermost spans", "[profiler]") {
  // Thread 1: step [0, 200] holds a [10, 30] and b [40, 70], b holds a [50, 60].
  // Thread 2: a [5, 25] alone, overlapping thread 1's spans in time only.
  TraceEvent step = event("step", 0, 200);
  step.category = "user";
  const profiler::Trace trace(
      {event("a", 50, 60), step, event("b", 40, 70), event("a", 10, 30), event("a", 5, 25, 2)},
      {{1, "main"}, {2, "worker"}});
  const std::vector<profiler::OpStats> stats = trace.op_stats();
  std::map<std::string, profiler::OpStats> rows;
  std::int64_t self_sum = 0, count_sum = 0;
  for (const auto& row : stats) {
    rows[row.name] = row;
    self_sum += row.self_ns;
    count_sum += row.count;
  }
  CHECK(rows["step"].self_ns == 150);
  CHECK(rows["step"].total_ns == 200);
  CHECK(rows["step"].category == "user");
  CHECK(rows["b"].self_ns == 20);
  CHECK(rows["a"].count == 3);
  CHECK(rows["a"].total_ns == 50);
  CHECK(rows["a"].self_ns == 50);
  CHECK(self_sum == 200 + 20);  // the outermost spans: step and thread 2's a
  CHECK(count_sum == 5);
  CHECK(stats.front().name == "step");  // largest self time first
  const std::string summary = trace.summary();
  INFO(summary);
  CHECK(summary.find("5 events on 2 threads over 0.000 ms") == 0);
  CHECK(summary.find("step") != std::string::npos);
  CHECK(summary.find("68.2%") != std::string::npos);  // step: 150 of 220
  CHECK(summary.find("100.0%") != std::string::npos);
}

TEST_CASE("profiler: a recorded step's summary adds up", "[profiler]") {
  StopAtExit stop_at_exit;
  const Tensor x = eager::test::random_tensor({8, 16}, DType::Float32, 3);
  profiler::start();
  for (int step = 0; step < 3; ++step) {
    profiler::Annotation annotation("step", step);
    const Tensor y = nn::softmax(matmul(x, transpose(x)));
    const Tensor loss = reduce_sum(y);
  }
  const profiler::Trace trace = profiler::stop();
  std::int64_t outer = 0, self_sum = 0, count_sum = 0;
  for (const TraceEvent* e : named(trace, "step")) outer += e->duration_ns();
  for (const auto& row : trace.op_stats()) {
    self_sum += row.self_ns;
    count_sum += row.count;
    CHECK(row.self_ns >= 0);
    CHECK(row.self_ns <= row.total_ns);
  }
  CHECK(self_sum == outer);
  CHECK(count_sum == static_cast<std::int64_t>(trace.events().size()));
  CHECK(named(trace, "softmax").size() == 3);
  CHECK(trace.summary().find("softmax") != std::string::npos);
}

TEST_CASE("profiler: save_chrome_trace and the Profile guard write the trace", "[profiler]") {
  StopAtExit stop_at_exit;
  eager::test::TempDir dir;
  const Tensor a = constant({1.0, 2.0});
  {
    profiler::Profile profile(dir / "guard.json");
    const Tensor t = tanh(a);
  }
  CHECK_FALSE(profiler::is_active());
  const nlohmann::json guarded = nlohmann::json::parse(io::read_file(dir / "guard.json"));
  CHECK(guarded["traceEvents"].back()["name"] == "tanh");

  profiler::Profile explicit_stop(dir / "explicit.json");
  const Tensor c = cos(a);
  const profiler::Trace trace = explicit_stop.stop();
  CHECK(io::read_file(dir / "explicit.json") == trace.chrome_json());
  CHECK_THROWS_MATCHES(explicit_stop.stop(), FailedPrecondition, MessageContains("already stopped"));

  trace.save_chrome_trace(dir / "saved.json");
  CHECK(io::read_file(dir / "saved.json") == trace.chrome_json());
  CHECK_THROWS_AS(trace.save_chrome_trace(dir / "missing/saved.json"), NotFound);
  CHECK_THROWS_MATCHES(profiler::Profile(dir / "missing/p.json"), NotFound, MessageContains("does not exist"));
  CHECK_FALSE(profiler::is_active());

  {
    // Stopped by someone else: the guard has nothing left to save.
    profiler::Profile profile(dir / "stopped.json");
    profiler::stop();
  }
  CHECK_FALSE(std::filesystem::exists(dir / "stopped.json"));
}
