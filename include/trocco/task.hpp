// trocco/task.hpp - task<T>: the library's lazy coroutine type.
//
// A task does nothing until it is awaited (or handed to sync_wait / an adapter's bridge). Awaiting it starts it;
// the awaiter resumes when it finishes, receiving its value or its exception. Move-only; destroying a task that
// was never started destroys its frame without running it.
//
// Stack depth. Finishing a task resumes its awaiter by symmetric transfer (final_suspend returns the awaiter's
// handle), so a chain of asynchronous completions does not grow the stack. A task that finishes *synchronously*
// (inside the awaiter's await_suspend) is detected with one atomic flag and the awaiter simply does not suspend.
// This matters because g++ at -O0/-O1 does not turn symmetric transfer into a tail call: a loop of 100,000
// immediately-completing awaits would otherwise nest 100,000 frames and overflow the stack.
#pragma once

#include <atomic>
#include <coroutine>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

namespace trocco {

template <class T = void>
class task;

namespace detail {

class task_promise_base {
public:
    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct final_awaiter {
        bool await_ready() const noexcept { return false; }
        template <class Promise>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> finished) const noexcept {
            auto& promise = finished.promise();
            // Whoever sets the flag second resumes the awaiter: here if the awaiter has already suspended,
            // else the awaiter's await_suspend sees the flag and does not suspend at all.
            if (promise.ready_.exchange(true, std::memory_order_acq_rel)) return promise.continuation_;
            return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() const noexcept { return {}; }

    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    /// Starts the task's body on behalf of `awaiter`; true when the awaiter must suspend (the body has not
    /// finished yet and will resume it), false when the body already finished.
    bool start(std::coroutine_handle<> self, std::coroutine_handle<> awaiter) noexcept {
        awaited_ = true;
        continuation_ = awaiter;
        self.resume();
        return !ready_.exchange(true, std::memory_order_acq_rel);
    }

    /// Whether an awaiter has started the body already (a task can be awaited once).
    bool awaited() const noexcept { return awaited_; }

protected:
    void rethrow_if_failed() const {
        if (exception_) std::rethrow_exception(exception_);
    }

private:
    std::coroutine_handle<> continuation_;
    std::atomic<bool> ready_{false};
    bool awaited_ = false;
    std::exception_ptr exception_;
};

template <class T>
class task_promise final : public task_promise_base {
public:
    task<T> get_return_object() noexcept;

    template <class U = T>
        requires std::is_convertible_v<U&&, T>
    void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        value_.template emplace<1>(std::forward<U>(value));
    }

    T take() {
        rethrow_if_failed();
        return std::move(std::get<1>(value_));
    }

private:
    std::variant<std::monostate, T> value_;
};

template <>
class task_promise<void> final : public task_promise_base {
public:
    task<void> get_return_object() noexcept;
    void return_void() const noexcept {}
    void take() const { rethrow_if_failed(); }
};

}  // namespace detail

/// A lazy coroutine producing a T (or void). `co_await std::move(t)` (or `co_await t`) starts it and resumes the
/// awaiting coroutine with its result, on whichever thread the task finished; an exception thrown inside the task
/// is rethrown at the co_await. A task can be awaited once: a second co_await throws std::logic_error (it does not
/// run the body again, and is not undefined behaviour).
template <class T>
class [[nodiscard]] task {
public:
    using promise_type = detail::task_promise<T>;  ///< the coroutine machinery
    using value_type = T;  ///< what co_await gives

    task() noexcept = default;
    /// Takes over `other`'s coroutine; `other` becomes invalid.
    task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
    /// Destroys the coroutine held (if any) and takes over `other`'s.
    task& operator=(task&& other) noexcept {
        if (this != &other) {
            destroy();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    task(const task&) = delete;
    task& operator=(const task&) = delete;
    ~task() { destroy(); }

    /// False for a default-constructed or moved-from task.
    bool valid() const noexcept { return static_cast<bool>(handle_); }

    /// Starts the task; the co_await gives its result (or rethrows its exception).
    auto operator co_await() && noexcept { return awaiter{handle_}; }
    /// As the rvalue form; the task must still be alive when it resumes the awaiter.
    auto operator co_await() & noexcept { return awaiter{handle_}; }

private:
    friend promise_type;
    explicit task(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}

    struct awaiter {
        std::coroutine_handle<promise_type> handle;
        bool again = false;  // the task was awaited before: await_resume reports it
        bool await_ready() noexcept {
            if (!handle) return true;  // an empty task: await_resume reports it
            again = handle.promise().awaited();
            return again;
        }
        bool await_suspend(std::coroutine_handle<> awaiting) noexcept {
            return handle.promise().start(handle, awaiting);
        }
        T await_resume() {
            if (!handle) throw std::logic_error("trocco::task: awaiting an empty (moved-from) task");
            if (again) throw std::logic_error("trocco::task: awaited a second time (a task can be awaited once)");
            return handle.promise().take();
        }
    };

    void destroy() noexcept {
        if (handle_) std::exchange(handle_, {}).destroy();
    }

    std::coroutine_handle<promise_type> handle_;
};

namespace detail {

template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
    return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}

inline task<void> task_promise<void>::get_return_object() noexcept {
    return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

}  // namespace detail

}  // namespace trocco
