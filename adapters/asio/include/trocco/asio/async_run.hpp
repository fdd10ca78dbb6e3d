// trocco/asio/async_run.hpp - running a trocco::task<T> as an Asio asynchronous operation.
//
// Asio's own awaitable<> cannot co_await a foreign awaitable, so a task is bridged as an ordinary asynchronous
// operation built on async_initiate. Every completion token works:
//
//     // inside an asio::awaitable<void> coroutine
//     auto r = co_await trocco::asio::async_run(ex, client.run_and_wait(req), boost::asio::use_awaitable);
//     // with a callback
//     trocco::asio::async_run(ex, client.get_job(7), [](std::exception_ptr e, trocco::result<trocco::job> r) {...});
//     // as a future
//     std::future<trocco::result<trocco::job>> f = trocco::asio::async_run(ex, task, boost::asio::use_future);
//
// Completion signature: void(std::exception_ptr, T) for task<T>, void(std::exception_ptr) for task<void>.
// The exception_ptr is null unless the task threw (trocco's client only throws what a user callback throws, or
// std::bad_alloc); with use_awaitable and use_future it is rethrown. When it is set, the T passed alongside is a
// placeholder: T{} or, for a trocco::result<X>, an error result with errc::transport_failure.
//
// Where things run: the task is started by a post to `executor`; the handler is invoked through its associated
// executor (with use_awaitable: the awaiting coroutine's executor), never inside async_run itself. Work is tracked
// on that executor until completion, so io_context::run() does not return early.
//
// Cancellation: pass a factory `F(std::stop_token) -> task<T>` instead of a task, and the task gets a stop token.
// Where Asio has per-operation cancellation slots (Boost >= 1.77), a cancellation emitted on the handler's slot
// requests that stop; the operation then completes as the task does on a stop (trocco: errc::canceled). On
// Boost 1.74 there are no slots: stop the task through your own std::stop_source instead.
#pragma once

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without it

#include <concepts>
#include <exception>
#include <memory>
#include <stop_token>
#include <type_traits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/version.hpp>
#if BOOST_VERSION >= 107700
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_type.hpp>
#define TROCCO_ASIO_HAS_CANCELLATION_SLOTS 1
#else
#define TROCCO_ASIO_HAS_CANCELLATION_SLOTS 0
#endif

#include <trocco/result.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>

namespace trocco::asio {

namespace detail {

template <class T>
struct is_result : std::false_type {};
template <class X>
struct is_result<trocco::result<X>> : std::true_type {};

/// The value handed to the handler next to an exception.
template <class T>
T placeholder_value() {
    if constexpr (is_result<T>::value) {
        return trocco::error{errc::transport_failure, "the task threw an exception (see the exception_ptr)"};
    } else {
        static_assert(std::is_default_constructible_v<T>,
                      "trocco::asio::async_run: T must be default-constructible or a trocco::result<X>");
        return T{};
    }
}

template <class T>
struct completion_signature {
    using type = void(std::exception_ptr, T);
};
template <>
struct completion_signature<void> {
    using type = void(std::exception_ptr);
};

/// Starts `t` on `executor` and delivers its outcome to `handler` through the handler's executor.
template <class T, class Handler>
void launch(boost::asio::any_io_executor executor, trocco::task<T> t, Handler handler) {
    auto handler_executor = boost::asio::get_associated_executor(handler, executor);
    auto work = boost::asio::prefer(handler_executor, boost::asio::execution::outstanding_work.tracked);
    boost::asio::post(executor, [t = std::move(t), handler = std::move(handler), work = std::move(work)]() mutable {
        trocco::detail::start_detached(
            std::move(t), [handler = std::move(handler), work = std::move(work)](
                              trocco::detail::task_outcome<T>&& outcome) mutable noexcept {
                boost::asio::dispatch(work, [handler = std::move(handler), outcome = std::move(outcome)]() mutable {
                    if constexpr (std::is_void_v<T>) {
                        handler(outcome.index() == 0 ? std::get<0>(outcome) : std::exception_ptr{});
                    } else if (outcome.index() == 0) {
                        handler(std::get<0>(outcome), placeholder_value<T>());
                    } else {
                        handler(std::exception_ptr{}, std::get<1>(std::move(outcome)));
                    }
                });
            });
    });
}

template <class F>
using factory_task_t = std::invoke_result_t<F&, std::stop_token>;

template <class X>
struct task_value;
template <class X>
struct task_value<trocco::task<X>> {
    using type = X;
};

}  // namespace detail

/// Runs `t` as an Asio operation. See the top of this header for the completion signature, threads and
/// cancellation (a plain task cannot be canceled through Asio: give it a stop token yourself, or use the
/// factory overload).
template <class T, class CompletionToken>
auto async_run(boost::asio::any_io_executor executor, trocco::task<T> t, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, typename detail::completion_signature<T>::type>(
        [](auto handler, boost::asio::any_io_executor ex, trocco::task<T> task) {
            detail::launch(std::move(ex), std::move(task), std::move(handler));
        },
        token, std::move(executor), std::move(t));
}

/// Runs the task `make_task(stop_token)` as an Asio operation whose cancellation slot (Boost >= 1.77) requests
/// a stop on that token. `make_task` is called once, during async_run.
template <class MakeTask, class CompletionToken>
    requires std::invocable<MakeTask&, std::stop_token>
auto async_run(boost::asio::any_io_executor executor, MakeTask make_task, CompletionToken&& token) {
    using T = typename detail::task_value<detail::factory_task_t<MakeTask>>::type;
    return boost::asio::async_initiate<CompletionToken, typename detail::completion_signature<T>::type>(
        [](auto handler, boost::asio::any_io_executor ex, MakeTask make) {
            auto source = std::make_shared<std::stop_source>();
#if TROCCO_ASIO_HAS_CANCELLATION_SLOTS
            auto slot = boost::asio::get_associated_cancellation_slot(handler);
            if (slot.is_connected()) {
                slot.assign([source](boost::asio::cancellation_type) { source->request_stop(); });
            }
#endif
            auto task = make(source->get_token());
            detail::launch(std::move(ex), std::move(task), std::move(handler));
        },
        token, std::move(executor), std::move(make_task));
}

}  // namespace trocco::asio
