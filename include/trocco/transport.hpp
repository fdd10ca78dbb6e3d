// trocco/transport.hpp - the Transport concept: what the client needs from an HTTP stack and an event loop.
//
// The contract, for anyone writing a transport (the bundled ones: trocco::asio::transport, trocco::curl::transport,
// trocco::testing::scripted_transport):
//
//   t.send(trocco::http_request request, std::stop_token stop)
//       -> an awaitable whose co_await gives trocco::result<trocco::http_response>.
//       Sends `request` (absolute URL, the headers as given plus whatever the protocol needs such as Host and
//       Content-Length) and reads the whole response. Any final HTTP status is a response, 4xx and 5xx included;
//       interim 1xx answers (but 101) are read past. Failures are errors with one of these codes, and the
//       difference matters:
//         errc::connect_failed     nothing was sent (DNS, connect, TLS handshake failed): the client may retry
//                                  any request, even the POST that starts a job;
//         errc::transport_failure  the request may have reached the server (reset while writing or reading,
//                                  read timeout, malformed or oversized response): the client never resends
//                                  a job-starting POST after this;
//         errc::canceled           `stop` was requested (or the transport is being destroyed); the transport
//                                  gives up promptly;
//         errc::invalid_argument   the request cannot be sent as given (not an http(s) URL, a header with CR/LF,
//                                  a body on a GET): nothing was sent.
//       Whenever the transport knows that no byte of the request left the process, it marks the error with
//       error::with_nothing_sent() (connect_failed and invalid_argument count as such anyway): a canceled
//       trigger is then reported as "no job was started" instead of "may have started one". A transport that
//       cannot tell leaves it unmarked, which is the safe side.
//       The transport must not resend a POST by itself once any byte of it may have left.
//       The request is taken by value: the awaitable owns what it needs; the caller keeps nothing alive.
//
//   t.sleep_for(std::chrono::milliseconds delay, std::stop_token stop)
//       -> an awaitable whose co_await gives trocco::result<void>: success after `delay` (measured on the clock
//       of now()), or errc::canceled promptly when `stop` is requested.
//
//   t.now() -> std::chrono::steady_clock::time_point
//       The transport's clock. Every deadline of the client is measured with it, so a test transport with a
//       virtual clock makes a two-hour wait run in microseconds.
//
//   Optionally, t.system_now() -> std::chrono::system_clock::time_point: the wall clock used to read HTTP dates
//   and X-Rate-Limit-Reset (UNIX seconds). Without it the client uses std::chrono::system_clock::now().
//
// "Awaitable" means a type with await_ready/await_suspend/await_resume, or one with a member or free
// operator co_await: the library's own task<T>, or a transport's own awaiter type. A transport may complete an
// operation inline (await_ready() true) or later, on any thread; the client resumes wherever it is resumed.
// The client never has two operations of one wait in flight at once, but one transport serves many waits at once.
#pragma once

#include <chrono>
#include <concepts>
#include <coroutine>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "http.hpp"
#include "result.hpp"

namespace trocco {

namespace detail {

template <class A>
concept has_awaiter_members = requires(A& a, std::coroutine_handle<> h) {
    { a.await_ready() } -> std::convertible_to<bool>;
    a.await_suspend(h);
    a.await_resume();
};

template <class A>
concept has_member_co_await = requires(A&& a) {
    { std::forward<A>(a).operator co_await() } -> has_awaiter_members;
};

template <class A>
concept has_free_co_await = requires(A&& a) {
    { operator co_await(std::forward<A>(a)) } -> has_awaiter_members;
};

template <class A>
decltype(auto) get_awaiter(A&& a) {
    if constexpr (has_member_co_await<A>) {
        return std::forward<A>(a).operator co_await();
    } else if constexpr (has_free_co_await<A>) {
        return operator co_await(std::forward<A>(a));
    } else {
        return std::forward<A>(a);
    }
}

}  // namespace detail

/// Anything a coroutine can co_await without an await_transform.
template <class A>
concept awaitable = detail::has_awaiter_members<std::remove_reference_t<A>> || detail::has_member_co_await<A> ||
                    detail::has_free_co_await<A>;

/// The type `co_await a` gives.
template <awaitable A>
using await_result_t = decltype(std::declval<decltype(detail::get_awaiter(std::declval<A>()))&>().await_resume());

/// An awaitable whose co_await gives exactly R.
template <class A, class R>
concept awaitable_of = awaitable<A> && std::same_as<std::remove_cvref_t<await_result_t<A>>, R>;

/// The three parts of the contract, as separate concepts so that a failed check names the missing part.
template <class T>
concept transport_can_send = requires(T& t, http_request request, std::stop_token stop) {
    { t.send(std::move(request), stop) } -> awaitable_of<result<http_response>>;
};

template <class T>
concept transport_can_sleep = requires(T& t, std::chrono::milliseconds delay, std::stop_token stop) {
    { t.sleep_for(delay, stop) } -> awaitable_of<result<void>>;
};

template <class T>
concept transport_has_clock = requires(const T& t) {
    { t.now() } -> std::same_as<std::chrono::steady_clock::time_point>;
};

template <class T>
concept transport = transport_can_send<T> && transport_can_sleep<T> && transport_has_clock<T>;

namespace detail {

/// Readable diagnostics: instantiated by client<T>, each static_assert names the part of the contract T misses.
template <class T>
constexpr bool check_transport() {
    static_assert(transport_can_send<T>,
                  "trocco: the transport needs `send(trocco::http_request, std::stop_token)` returning an awaitable "
                  "of trocco::result<trocco::http_response> (see trocco/transport.hpp)");
    static_assert(transport_can_sleep<T>,
                  "trocco: the transport needs `sleep_for(std::chrono::milliseconds, std::stop_token)` returning "
                  "an awaitable of trocco::result<void> (see trocco/transport.hpp)");
    static_assert(transport_has_clock<T>,
                  "trocco: the transport needs `now() const` returning std::chrono::steady_clock::time_point "
                  "(see trocco/transport.hpp)");
    return true;
}

/// The transport's wall clock if it has one (a test transport's virtual one), else the system clock.
template <class T>
std::chrono::system_clock::time_point system_now(const T& t) {
    if constexpr (requires { { t.system_now() } -> std::same_as<std::chrono::system_clock::time_point>; }) {
        return t.system_now();
    } else {
        return std::chrono::system_clock::now();
    }
}

}  // namespace detail

}  // namespace trocco
