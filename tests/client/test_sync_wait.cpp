// sync_wait: runs a task to completion on the calling thread and returns its value or rethrows its exception,
// also when the task finishes on another thread; start_detached calls its completion exactly once.
#include <chrono>
#include <coroutine>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support.hpp"

namespace {

using client_test::value_of;
using trocco::task;

task<std::string> text_of(std::string s) { co_return s + "!"; }

task<void> set_value(int* where, int v) {
    *where = v;
    co_return;
}

struct custom_error : std::runtime_error {
    explicit custom_error(int c) : std::runtime_error("custom"), code(c) {}
    int code;
};

task<int> throws_custom(int code) {
    if (code != 0) throw custom_error(code);
    co_return 0;
}

task<trocco::result<int>> error_result() { co_return trocco::error{trocco::errc::not_found, "missing"}; }

// Resumes the awaiting coroutine from a new thread, after a short pause: the task finishes off the caller's thread.
struct resume_on_new_thread {
    std::thread* thread;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        *thread = std::thread([h] {
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
            h.resume();
        });
    }
    void await_resume() const noexcept {}
};

task<std::thread::id> finish_elsewhere(std::thread* thread, int* after) {
    co_await resume_on_new_thread{thread};
    *after = 1;
    co_return std::this_thread::get_id();
}

task<int> throw_elsewhere(std::thread* thread) {
    co_await resume_on_new_thread{thread};
    if (thread != nullptr) throw custom_error(7);
    co_return 0;
}

}  // namespace

TEST_CASE("sync_wait returns the task's value", "[sync_wait]") {
    CHECK(trocco::sync_wait(value_of(3)) == 3);
    CHECK(trocco::sync_wait(text_of("hi")) == "hi!");
    const auto r = trocco::sync_wait(error_result());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == trocco::errc::not_found);
    CHECK(r.error().message() == "missing");
}

TEST_CASE("sync_wait of a task<void> runs it", "[sync_wait]") {
    int where = 0;
    trocco::sync_wait(set_value(&where, 11));
    CHECK(where == 11);
}

TEST_CASE("sync_wait rethrows the task's exception with its type", "[sync_wait]") {
    CHECK_THROWS_AS(trocco::sync_wait(throws_custom(5)), custom_error);
    int code = 0;
    try {
        (void)trocco::sync_wait(throws_custom(42));
    } catch (const custom_error& e) {
        code = e.code;
    }
    CHECK(code == 42);
    CHECK(trocco::sync_wait(throws_custom(0)) == 0);
}

TEST_CASE("sync_wait blocks until a task that finishes on another thread is done", "[sync_wait]") {
    std::thread worker;
    int after = 0;
    const auto finished_on = trocco::sync_wait(finish_elsewhere(&worker, &after));
    CHECK(after == 1);
    CHECK(finished_on != std::this_thread::get_id());
    REQUIRE(worker.joinable());
    CHECK(finished_on == worker.get_id());
    worker.join();

    SECTION("and rethrows an exception raised there") {
        std::thread other;
        CHECK_THROWS_AS(trocco::sync_wait(throw_elsewhere(&other)), custom_error);
        REQUIRE(other.joinable());
        other.join();
    }
}

TEST_CASE("start_detached calls its completion exactly once, with the value or the exception", "[sync_wait]") {
    std::vector<int> values;
    int exceptions = 0;
    trocco::detail::start_detached(value_of(8), [&](trocco::detail::task_outcome<int>&& o) noexcept {
        if (o.index() == 1) values.push_back(std::get<1>(o));
        else ++exceptions;
    });
    CHECK(values == std::vector<int>{8});
    CHECK(exceptions == 0);

    trocco::detail::start_detached(throws_custom(1), [&](trocco::detail::task_outcome<int>&& o) noexcept {
        if (o.index() == 0) ++exceptions;
        else values.push_back(std::get<1>(o));
    });
    CHECK(values.size() == 1);
    CHECK(exceptions == 1);

    int calls = 0;
    int stored = 0;
    trocco::detail::start_detached(set_value(&stored, 4), [&](trocco::detail::task_outcome<void>&& o) noexcept {
        ++calls;
        CHECK(o.index() == 1);
    });
    CHECK(calls == 1);
    CHECK(stored == 4);
}
