// tests/support/tasks.hpp - starting tasks by hand and collecting their results, for tests that act while a task
// is suspended (started_task, one thread) or that run many at once on a transport's threads (task_group).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>

namespace test_support {

/// A task started now on this thread (trocco::detail::start_detached); done() once it has finished wherever it
/// finished. Not synchronised: for transports driven by the test's own thread (scripted_transport).
template <class T>
class started_task {
public:
    explicit started_task(trocco::task<T> t) : outcome_(std::make_shared<slot>()) {
        auto keep = outcome_;
        trocco::detail::start_detached(std::move(t), [keep](trocco::detail::task_outcome<T>&& o) noexcept {
            keep->emplace(std::move(o));
        });
    }
    bool done() const { return outcome_->has_value(); }
    /// The value (or the rethrown exception). Precondition: done().
    T take() { return trocco::detail::take_outcome<T>(std::move(**outcome_)); }

private:
    using slot = std::optional<trocco::detail::task_outcome<T>>;
    std::shared_ptr<slot> outcome_;
};

/// Many tasks started from this thread that finish on other threads (a transport's worker or io_context threads):
/// their values by start order, the thread each finished on, the first exception. Thread-safe.
template <class T>
class task_group {
public:
    /// Starts `t` now; returns its index.
    std::size_t start(trocco::task<T> t) {
        std::size_t index = 0;
        {
            std::lock_guard lock(state_->mutex);
            index = state_->results.size();
            state_->results.emplace_back();
            state_->threads.emplace_back();
        }
        trocco::detail::start_detached(std::move(t), [state = state_, index](trocco::detail::task_outcome<T>&& o) noexcept {
            std::lock_guard lock(state->mutex);
            if (o.index() == 0) {
                if (!state->failure) state->failure = std::get<0>(o);
            } else {
                state->results[index].emplace(std::get<1>(std::move(o)));
            }
            state->threads[index] = std::this_thread::get_id();
            ++state->finished;
            state->changed.notify_all();
        });
        return index;
    }

    /// Waits until every started task has finished, at most `limit`; false if some are still running.
    bool wait_all(std::chrono::milliseconds limit) {
        std::unique_lock lock(state_->mutex);
        return state_->changed.wait_for(lock, limit, [&] { return state_->finished == state_->results.size(); });
    }
    std::size_t started() const {
        std::lock_guard lock(state_->mutex);
        return state_->results.size();
    }
    std::size_t finished() const {
        std::lock_guard lock(state_->mutex);
        return state_->finished;
    }
    /// The value of task `i`, empty while it runs or if it threw. Call after wait_all.
    std::optional<T>& result(std::size_t i) {
        std::lock_guard lock(state_->mutex);
        return state_->results[i];
    }
    std::thread::id thread(std::size_t i) const {
        std::lock_guard lock(state_->mutex);
        return state_->threads[i];
    }
    /// Rethrows the first exception a task threw, if any.
    void rethrow_failure() {
        std::lock_guard lock(state_->mutex);
        if (state_->failure) std::rethrow_exception(std::exchange(state_->failure, nullptr));
    }

private:
    struct state {
        mutable std::mutex mutex;
        std::condition_variable changed;
        std::vector<std::optional<T>> results;  // a deque would keep references stable; results are read after wait_all
        std::vector<std::thread::id> threads;
        std::size_t finished = 0;
        std::exception_ptr failure;
    };
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace test_support
