// task<T>: lazy, move-only, values and exceptions delivered to the awaiter, nested awaits, deep loops of
// immediately-completing awaits without stack growth, and frames destroyed without running when never started.
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "support.hpp"

namespace {

using client_test::value_of;
using trocco::task;

task<void> set_flag(bool* flag) {
    *flag = true;
    co_return;
}

task<int> plus_one(int v) {
    const int inner = co_await value_of(v);
    co_return inner + 1;
}

task<int> plus_two(int v) {
    const int inner = co_await plus_one(v);
    co_return inner + 1;
}

task<int> depth(int n) {
    if (n == 0) co_return 0;
    const int below = co_await depth(n - 1);
    co_return below + 1;
}

struct test_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

task<int> throws_int(std::string what) {
    if (!what.empty()) throw test_failure(what);
    co_return 0;
}

task<void> throws_void(std::string what) {
    if (!what.empty()) throw test_failure(what);
    co_return;
}

task<std::string> catches(std::string what) {
    std::string seen = "nothing";
    try {
        const int v = co_await throws_int(what);
        seen = "value " + std::to_string(v);
    } catch (const test_failure& e) {
        seen = std::string("caught ") + e.what();
    }
    co_return seen;
}

// The exception crosses two awaits before reaching the test.
task<int> rethrows_through(std::string what) {
    const int v = co_await throws_int(what);
    co_return v + 100;
}

task<std::unique_ptr<int>> make_unique_value(int v) { co_return std::make_unique<int>(v); }

task<int> unwrap_unique(int v) {
    std::unique_ptr<int> p = co_await make_unique_value(v);
    co_return *p;
}

task<long long> sum_of_immediate_awaits(int n) {
    long long sum = 0;
    for (int i = 0; i < n; ++i) {
        const int v = co_await value_of(i);
        sum += v;
    }
    co_return sum;
}

// Throws after a real suspension (a deferred sleep), so the exception is delivered on resumption.
task<int> throws_after_sleep(client_test::scripted_transport* t, std::string what) {
    auto slept = co_await t->sleep_for(client_test::ms{250}, {});
    if (slept) throw test_failure(what);
    co_return 0;
}

task<int> count_void_awaits(int n) {
    int count = 0;
    bool flag = false;
    for (int i = 0; i < n; ++i) {
        co_await set_flag(&flag);
        if (flag) ++count;
        flag = false;
    }
    co_return count;
}

// Each iteration awaits a task that itself awaits an immediately-completing transport operation.
task<bool> one_immediate_sleep(client_test::scripted_transport* t) {
    auto slept = co_await t->sleep_for(client_test::ms{1}, {});
    co_return static_cast<bool>(slept);
}

task<int> nested_immediate_sleeps(client_test::scripted_transport* t, int n) {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        const bool slept = co_await one_immediate_sleep(t);
        if (slept) ++ok;
    }
    co_return ok;
}

// Counts its own destructions (moved-from copies excluded): tells whether a coroutine frame was destroyed.
struct destruction_counter {
    int* destroyed;
    explicit destruction_counter(int* d) : destroyed(d) {}
    destruction_counter(destruction_counter&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
    destruction_counter(const destruction_counter&) = delete;
    destruction_counter& operator=(const destruction_counter&) = delete;
    destruction_counter& operator=(destruction_counter&&) = delete;
    ~destruction_counter() {
        if (destroyed) ++*destroyed;
    }
};

task<int> body_with_counter(destruction_counter counter, bool* ran) {
    *ran = true;
    co_return counter.destroyed ? 1 : 0;
}

task<int> await_task(task<int> t) {
    const int v = co_await std::move(t);
    co_return v;
}

task<int> await_lvalue(task<int> t) {
    const int v = co_await t;  // operator co_await() &
    co_return v;
}

}  // namespace

TEST_CASE("task: a value reaches the awaiter", "[task]") {
    CHECK(trocco::sync_wait(value_of(42)) == 42);
    CHECK(trocco::sync_wait(plus_one(41)) == 42);
    CHECK(trocco::sync_wait(await_lvalue(value_of(7))) == 7);
    CHECK(trocco::sync_wait(await_task(value_of(-3))) == -3);
}

TEST_CASE("task<void> runs its body and completes", "[task]") {
    bool flag = false;
    trocco::sync_wait(set_flag(&flag));
    CHECK(flag);
}

TEST_CASE("task: an exception thrown in the body is rethrown at the awaiter's co_await", "[task]") {
    SECTION("caught by the awaiting coroutine") {
        CHECK(trocco::sync_wait(catches("boom")) == "caught boom");
        CHECK(trocco::sync_wait(catches("")) == "value 0");
    }
    SECTION("propagated through nested awaits to sync_wait, type preserved") {
        CHECK_THROWS_AS(trocco::sync_wait(rethrows_through("deep")), test_failure);
        CHECK(trocco::sync_wait(rethrows_through("")) == 100);
        std::string caught = "no exception";
        try {
            (void)trocco::sync_wait(rethrows_through("the message"));
        } catch (const test_failure& e) {
            caught = e.what();
        }
        CHECK(caught == "the message");
    }
    SECTION("from a task<void>") {
        CHECK_THROWS_AS(trocco::sync_wait(throws_void("void boom")), test_failure);
        REQUIRE_NOTHROW(trocco::sync_wait(throws_void("")));
    }
}

TEST_CASE("task is move-only and transfers ownership of its frame", "[task]") {
    static_assert(!std::is_copy_constructible_v<task<int>>);
    static_assert(!std::is_copy_assignable_v<task<int>>);
    static_assert(std::is_nothrow_move_constructible_v<task<int>>);
    static_assert(std::is_nothrow_move_assignable_v<task<int>>);
    static_assert(std::is_same_v<task<int>::value_type, int>);

    task<int> a = value_of(5);
    CHECK(a.valid());
    task<int> b = std::move(a);
    CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state is the point
    CHECK(b.valid());
    CHECK(trocco::sync_wait(std::move(b)) == 5);

    SECTION("awaiting a moved-from or default task reports it instead of crashing") {
        task<int> c = value_of(1);
        task<int> d = std::move(c);
        CHECK_THROWS_AS(trocco::sync_wait(await_task(std::move(c))), std::logic_error);  // NOLINT
        CHECK_THROWS_AS(trocco::sync_wait(task<int>{}), std::logic_error);
        CHECK(trocco::sync_wait(std::move(d)) == 1);
    }
    SECTION("a move-only result type") {
        CHECK(trocco::sync_wait(unwrap_unique(9)) == 9);
        auto p = trocco::sync_wait(make_unique_value(3));
        REQUIRE(p);
        CHECK(*p == 3);
    }
}

TEST_CASE("task is lazy: its body does not run until it is awaited", "[task]") {
    bool ran = false;
    int destroyed = 0;
    {
        task<int> t = body_with_counter(destruction_counter{&destroyed}, &ran);
        CHECK_FALSE(ran);
        CHECK(destroyed == 0);  // the parameter lives in the frame
        task<int> moved = std::move(t);
        CHECK_FALSE(ran);
        CHECK(trocco::sync_wait(std::move(moved)) == 1);
        CHECK(ran);
    }
    CHECK(destroyed == 1);  // the frame, and the parameter with it, is gone once the task is
}

TEST_CASE("task: destroying a task that never started destroys its frame and runs nothing", "[task]") {
    bool ran = false;
    int destroyed = 0;
    {
        task<int> t = body_with_counter(destruction_counter{&destroyed}, &ran);
        CHECK(destroyed == 0);
    }
    CHECK_FALSE(ran);
    CHECK(destroyed == 1);

    SECTION("move assignment destroys the overwritten, unstarted frame") {
        bool ran_a = false;
        bool ran_b = false;
        int destroyed_a = 0;
        int destroyed_b = 0;
        task<int> a = body_with_counter(destruction_counter{&destroyed_a}, &ran_a);
        task<int> b = body_with_counter(destruction_counter{&destroyed_b}, &ran_b);
        a = std::move(b);
        CHECK(destroyed_a == 1);
        CHECK_FALSE(ran_a);
        CHECK(destroyed_b == 0);
        CHECK(trocco::sync_wait(std::move(a)) == 1);
        CHECK(ran_b);
        CHECK_FALSE(ran_a);
    }
}

TEST_CASE("task: nested tasks", "[task]") {
    CHECK(trocco::sync_wait(plus_two(40)) == 42);
    CHECK(trocco::sync_wait(depth(1000)) == 1000);
}

TEST_CASE("task: 100,000 sequential immediately-completing awaits do not overflow the stack", "[task]") {
    constexpr int n = 100'000;
    SECTION("awaiting tasks that complete at once") {
        CHECK(trocco::sync_wait(sum_of_immediate_awaits(n)) == static_cast<long long>(n) * (n - 1) / 2);
    }
    SECTION("awaiting task<void>") {
        CHECK(trocco::sync_wait(count_void_awaits(n)) == n);
    }
    SECTION("awaiting tasks that await an inline-completing transport operation") {
        client_test::scripted_transport t{client_test::completion::immediate};
        CHECK(trocco::sync_wait(nested_immediate_sleeps(&t, n)) == n);
        CHECK(t.sleeps().size() == static_cast<std::size_t>(n));
        CHECK(t.elapsed() == client_test::ms{n});
    }
    SECTION("the same loop with every sleep deferred to the transport's queue") {
        client_test::scripted_transport t{client_test::completion::deferred};
        CHECK(t.run(nested_immediate_sleeps(&t, n)) == n);
        CHECK(t.elapsed() == client_test::ms{n});
        CHECK(t.pending() == 0);
    }
}

TEST_CASE("task: a task resumed later by the transport delivers its value and exception", "[task]") {
    client_test::scripted_transport t{client_test::completion::deferred};
    task<int> awaiting = plus_one(1);
    CHECK(t.run(std::move(awaiting)) == 2);
    CHECK(t.run(nested_immediate_sleeps(&t, 3)) == 3);
    CHECK(t.elapsed() == client_test::ms{3});
    CHECK_THROWS_AS(t.run(throws_after_sleep(&t, "later")), test_failure);
    CHECK(t.elapsed() == client_test::ms{253});
}

namespace {

int body_runs = 0;

trocco::task<int> counted() {
    ++body_runs;
    co_return 5;
}

trocco::task<int> await_twice() {
    auto t = counted();
    const int first = co_await t;
    try {
        const int second = co_await t;
        co_return first + second;  // not reached
    } catch (const std::logic_error& e) {
        if (std::string(e.what()).find("awaited a second time") == std::string::npos) throw;
    }
    co_return first * 10;
}

}  // namespace

TEST_CASE("task: a second co_await is a clear error, not undefined behaviour", "[task]") {
    body_runs = 0;
    CHECK(trocco::sync_wait(await_twice()) == 50);
    CHECK(body_runs == 1);  // the body ran once
}
