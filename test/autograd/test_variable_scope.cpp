// TF1's variable scopes and get_variable (names, reuse and its inheritance,
// the exact TF messages, default initializers, stores) and name scopes.
#include <catch2/catch.hpp>

#include "eager/eager.hpp"
#include "eager/initializers.hpp"
#include "eager/variable_scope.hpp"
#include "tensor/test_util.hpp"

using namespace eager;
using eager::test::names_of;
using eager::test::as_doubles;
using eager::test::require_close;
namespace v1 = eager::compat::v1;

namespace {

const std::string kAlreadyExists =
    "get_variable: Variable foo/v already exists, disallowed. Did you mean to set reuse=True or "
    "reuse=tf.AUTO_REUSE in VarScope?";

std::string not_found(const std::string& name) {
  return "get_variable: Variable " + name +
         " does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
         "VarScope?";
}

}  // namespace

TEST_CASE("variable_scope: get_variable names join the nested scopes", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  CHECK(v1::get_variable_scope().name.empty());
  const Variable top = v1::get_variable("top", {2});
  CHECK(top.name() == "top");
  {
    const v1::VariableScope foo("foo");
    CHECK(v1::get_variable_scope().name == "foo");
    const Variable v = v1::get_variable("v", {20, 30});
    CHECK(v.name() == "foo/v");
    CHECK(v.shape() == Shape{20, 30});
    CHECK(v.dtype() == DType::Float32);
    CHECK(v.trainable());
    // The default initializer for floats is glorot_uniform: limit sqrt(6 / 50).
    for (double x : as_doubles(v.handle())) REQUIRE(std::abs(x) <= std::sqrt(6.0 / 50));
    {
      const v1::VariableScope bar("bar/baz");
      CHECK(v1::get_variable("w", {1}).name() == "foo/bar/baz/w");
    }
    CHECK(v1::get_variable_scope().name == "foo");
  }
  CHECK(v1::get_variable_scope().name.empty());
  CHECK(names_of(store.variables()) == std::vector<std::string>{"top", "foo/v", "foo/bar/baz/w"});
  CHECK(store.contains("foo/bar/baz/w"));
  CHECK_FALSE(store.contains("w"));
}

TEST_CASE("variable_scope: without reuse an existing name is refused", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  {
    const v1::VariableScope foo("foo");
    v1::get_variable("v", {2});
  }
  const v1::VariableScope again("foo");
  CHECK_THROWS_MATCHES(v1::get_variable("v", {2}), AlreadyExists, Catch::Message(kAlreadyExists));
  CHECK(store.variables().size() == 1);
}

TEST_CASE("variable_scope: reuse shares existing variables and refuses missing ones", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  Variable created;
  {
    const v1::VariableScope foo("foo");
    created = v1::get_variable("v", {2, 2}, DType::Float64);
  }
  const v1::VariableScope foo("foo", v1::Reuse::Yes);
  const Variable shared = v1::get_variable("v", {2, 2}, DType::Float64);
  CHECK(shared.is_same(created));
  CHECK_THROWS_MATCHES(v1::get_variable("missing", {2}), NotFound, Catch::Message(not_found("foo/missing")));
  CHECK_THROWS_MATCHES(v1::get_variable("v", {3}, DType::Float64), InvalidArgument,
                       Catch::Message("get_variable: Trying to share variable foo/v, but specified shape (3,) and "
                                      "found shape (2, 2)."));
  CHECK_THROWS_MATCHES(v1::get_variable("v", {2, 2}, DType::Float32), InvalidArgument,
                       Catch::Message("get_variable: Trying to share variable foo/v, but specified dtype float32 and "
                                      "found dtype float64."));
  CHECK(store.variables().size() == 1);
}

TEST_CASE("variable_scope: reuse is inherited and cannot be switched off inside", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  {
    const v1::VariableScope outer("outer");
    const v1::VariableScope inner("inner");
    v1::get_variable("w", {1});
  }
  const v1::VariableScope outer("outer", v1::Reuse::Yes);
  {
    const v1::VariableScope inner("inner");
    CHECK(v1::get_variable_scope().reuse == v1::Reuse::Yes);
    CHECK(v1::get_variable("w", {1}).name() == "outer/inner/w");
    CHECK_THROWS_MATCHES(v1::get_variable("new", {1}), NotFound, Catch::Message(not_found("outer/inner/new")));
  }
  {
    // Reuse::No is TF1's reuse=None/False: it inherits, it does not turn reuse off.
    const v1::VariableScope inner("inner", v1::Reuse::No);
    CHECK(v1::get_variable_scope().reuse == v1::Reuse::Yes);
  }
  {
    // A child's own non-No setting wins.
    const v1::VariableScope automatic("auto", v1::Reuse::Auto);
    CHECK(v1::get_variable_scope().reuse == v1::Reuse::Auto);
    CHECK(v1::get_variable("fresh", {1}).name() == "outer/auto/fresh");
  }
  CHECK(v1::get_variable_scope().reuse == v1::Reuse::Yes);
}

TEST_CASE("variable_scope: Auto creates when missing and reuses when present", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  const auto tower = [] {
    const v1::VariableScope scope("tower", v1::Reuse::Auto);
    return v1::get_variable("kernel", {3, 3});
  };
  const Variable first = tower();
  const Variable second = tower();
  CHECK(first.is_same(second));
  CHECK(first.name() == "tower/kernel");
  CHECK(store.variables().size() == 1);
  const v1::VariableScope scope("tower", v1::Reuse::Auto);
  CHECK_THROWS_MATCHES(v1::get_variable("kernel", {3, 4}), InvalidArgument,
                       Catch::Message("get_variable: Trying to share variable tower/kernel, but specified shape "
                                      "(3, 4) and found shape (3, 3)."));
}

TEST_CASE("variable_scope: reuse_variables lasts until the scope closes", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  {
    const v1::VariableScope foo("foo");
    const Variable v = v1::get_variable("v", {2});
    v1::reuse_variables();
    CHECK(v1::get_variable("v", {2}).is_same(v));
  }
  const v1::VariableScope foo("foo");
  CHECK(v1::get_variable_scope().reuse == v1::Reuse::No);
  CHECK_THROWS_MATCHES(v1::get_variable("v", {2}), AlreadyExists, Catch::Message(kAlreadyExists));
}

TEST_CASE("variable_scope: initializers from the call, the scope, or TF1's defaults", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  const v1::VariableScope scope("init", v1::Reuse::No, initializers::constant(3));
  require_close(v1::get_variable("from_scope", {2}).handle(), {3, 3});
  require_close(v1::get_variable("explicit", {2}, DType::Float32, initializers::ones()).handle(), {1, 1});
  {
    const v1::VariableScope child("child");
    require_close(v1::get_variable("inherited", {1}, DType::Float64).handle(), {3});
  }
  // The scope's initializer applies to integer variables too.
  const Variable counter = v1::get_variable("counter", {2}, DType::Int64, nullptr, false);
  CHECK(counter.dtype() == DType::Int64);
  require_close(counter.handle(), {3, 3});
  const initializers::Initializer wrong = [](const Shape&, DType) { return zeros({5}); };
  CHECK_THROWS_MATCHES(v1::get_variable("bad", {2}, DType::Float32, wrong), InvalidArgument,
                       Catch::Message("get_variable 'init/bad': the initializer returned float32(5,), expected "
                                      "float32(2,)"));
  CHECK_FALSE(store.contains("init/bad"));
}

TEST_CASE("variable_scope: without any initializer integers start at zero", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  const Variable step = v1::get_variable("global_step", {}, DType::Int64, nullptr, false);
  CHECK(step.name() == "global_step");
  CHECK(step.dtype() == DType::Int64);
  CHECK(step.handle().item<std::int64_t>() == 0);
  CHECK_FALSE(step.trainable());
}

TEST_CASE("variable_scope: name scopes prefix plain variables but not get_variable", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  const Tensor t = constant({1.0f});
  CHECK(Variable(t, "v").name() == "v");
  {
    const NameScope bar("bar");
    CHECK(current_name_scope() == "bar");
    CHECK(Variable(t, "v").name() == "bar/v");
    CHECK(Variable(t).name() == "bar/Variable");
    // Not uniquified: a second "v" in the same scope has the same name.
    CHECK(Variable(t, "v").name() == "bar/v");
    CHECK(v1::get_variable("g", {1}).name() == "g");
    {
      const NameScope absolute("x/y/");
      CHECK(Variable(t, "v").name() == "x/y/v");
      const NameScope root("");
      CHECK(Variable(t, "v").name() == "v");
    }
    // A variable scope opens a name scope of its own name, nested in the current one.
    const v1::VariableScope foo("foo");
    CHECK(current_name_scope() == "bar/foo");
    CHECK(Variable(t, "v").name() == "bar/foo/v");
    CHECK(v1::get_variable("w", {1}).name() == "foo/w");
  }
  CHECK(current_name_scope().empty());
  CHECK(Variable(t, "v").name() == "v");
  CHECK(names_of(store.variables()) == std::vector<std::string>{"g", "foo/w"});
}

TEST_CASE("variable_scope: stores, collections and the thread's default store", "[variable_scope]") {
  v1::VariableStore store;
  {
    auto use = store.as_default();
    CHECK(&v1::VariableStore::current() == &store);
    v1::get_variable("a", {1});
    v1::get_variable("frozen", {1}, DType::Float32, nullptr, /*trainable=*/false);
    v1::get_variable("b", {1});
    CHECK(names_of(v1::global_variables()) == std::vector<std::string>{"a", "frozen", "b"});
    CHECK(names_of(v1::trainable_variables()) == std::vector<std::string>{"a", "b"});
    {
      v1::VariableStore nested;
      auto use_nested = nested.as_default();
      CHECK(v1::global_variables().empty());
      v1::get_variable("a", {1});  // a different store: no clash
    }
    CHECK(&v1::VariableStore::current() == &store);
    // The same name, created through the store directly with an explicit reuse.
    CHECK(store.get_or_create("a", {1}, DType::Float32, initializers::zeros(), true, v1::Reuse::Yes)
              .is_same(store.variables()[0]));
  }
  CHECK(&v1::VariableStore::current() != &store);
  CHECK_FALSE(v1::VariableStore::current().contains("frozen"));
  store.clear();
  CHECK(store.variables().empty());
  {
    auto use = store.as_default();
    CHECK(v1::get_variable("a", {2}).shape() == Shape{2});  // the name is free again
  }
}

TEST_CASE("variable_scope: malformed names are refused", "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  CHECK_THROWS_MATCHES(v1::VariableScope("a//b"), InvalidArgument,
                       Catch::Message("VariableScope: 'a//b' has an empty component"));
  CHECK_THROWS_MATCHES(v1::VariableScope("a/"), InvalidArgument,
                       Catch::Message("VariableScope: 'a/' has an empty component"));
  CHECK_THROWS_MATCHES(NameScope("/a"), InvalidArgument, Catch::Message("NameScope: '/a' has an empty component"));
  CHECK_THROWS_MATCHES(v1::get_variable("", {1}), InvalidArgument, Catch::Message("get_variable: the name is empty"));
  // A refused scope leaves the thread's scopes as they were.
  CHECK(v1::get_variable_scope().name.empty());
  CHECK(current_name_scope().empty());
}

TEST_CASE("variable_scope: an empty name keeps the scope and sets reuse (the seed's lookup by full name)",
          "[variable_scope]") {
  v1::VariableStore store;
  auto use = store.as_default();
  Variable inner;
  {
    v1::VariableScope foo("foo");
    v1::VariableScope bar("bar");
    inner = v1::get_variable("v", {1});
  }
  {
    v1::VariableScope root("", v1::Reuse::Yes);
    CHECK(v1::get_variable_scope().name.empty());
    CHECK(current_name_scope().empty());
    CHECK(v1::get_variable("foo/bar/v", {1}).is_same(inner));
  }
  {
    v1::VariableScope foo("foo");
    v1::VariableScope same("", v1::Reuse::Yes);
    CHECK(v1::get_variable_scope().name == "foo");
    CHECK(current_name_scope() == "foo");
    CHECK(v1::get_variable("bar/v", {1}).is_same(inner));
  }
}
