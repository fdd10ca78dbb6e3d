// trocco/sync_wait.hpp - running a task from ordinary (non-coroutine) code.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "task.hpp"

namespace trocco {

namespace detail {

/// What a finished task produced: its exception, or its value (std::monostate for task<void>).
template <class T>
using task_outcome = std::variant<std::exception_ptr, std::conditional_t<std::is_void_v<T>, std::monostate, T>>;

/// Unwraps an outcome: rethrows its exception or returns its value.
template <class T>
T take_outcome(task_outcome<T>&& outcome) {
    if (outcome.index() == 0) std::rethrow_exception(std::get<0>(outcome));
    if constexpr (!std::is_void_v<T>) return std::get<1>(std::move(outcome));
}

/// A coroutine that starts at once and frees itself when it ends; nothing can await it.
struct detached_coroutine {
    struct promise_type {
        detached_coroutine get_return_object() const noexcept { return {}; }
        std::suspend_never initial_suspend() const noexcept { return {}; }
        std::suspend_never final_suspend() const noexcept { return {}; }
        void return_void() const noexcept {}
        void unhandled_exception() const noexcept { std::terminate(); }  // on_done threw: see start_detached
    };
};

/// Starts `t` now and calls `on_done(task_outcome<T>)` exactly once when it finishes, on the thread where it
/// finished. The one place where a task is driven from outside a coroutine: sync_wait and the adapters' bridges
/// are built on it. `on_done` must not throw (that would terminate the program).
template <class T, class OnDone>
detached_coroutine start_detached(task<T> t, OnDone on_done) {
    std::optional<task_outcome<T>> outcome;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(t);
            outcome.emplace(std::in_place_index<1>);
        } else {
            auto value = co_await std::move(t);
            outcome.emplace(std::in_place_index<1>, std::move(value));
        }
    } catch (...) {
        outcome.emplace(std::in_place_index<0>, std::current_exception());
    }
    on_done(std::move(*outcome));
}

}  // namespace detail

/// Runs `t` to completion, blocking the calling thread, and returns its value (or rethrows its exception).
///
/// The task starts on the calling thread; where it resumes after each suspension is up to what it awaits (with
/// the curl transport: the transport's worker thread). sync_wait only blocks until the task is done, so it
/// suits transports that make progress on their own threads (curl), or that complete inline. It must not be
/// used where the progress depends on the calling thread itself (an asio io_context run by this same thread, a
/// curl transport with driver::caller): that would wait forever. Use trocco::asio::async_run or the curl
/// transport's run() there.
template <class T>
T sync_wait(task<T> t) {
    std::mutex mutex;
    std::condition_variable finished;
    std::optional<detail::task_outcome<T>> outcome;
    detail::start_detached(std::move(t), [&](detail::task_outcome<T>&& o) noexcept {
        // Notify while holding the lock: the waiter cannot return (and destroy mutex and condition variable)
        // before this thread has released them.
        std::lock_guard lock(mutex);
        outcome.emplace(std::move(o));
        finished.notify_one();
    });
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return outcome.has_value(); });
    return detail::take_outcome<T>(std::move(*outcome));
}

}  // namespace trocco
