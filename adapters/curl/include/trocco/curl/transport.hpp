// trocco/curl/transport.hpp - trocco::curl::transport: the Transport concept (trocco/transport.hpp) on libcurl.
//
// HTTP/1.1 and HTTPS through one curl multi handle, driven by one worker thread that the transport owns: many
// requests in flight at once, connection reuse for GETs, per-request timeouts, a response-size limit, TLS
// verified by default (the system trust store, or a CA file instead: transport_options::ca_file), the usual proxy
// environment variables (http_proxy, https_proxy, no_proxy, ...) honoured exactly as libcurl does, sleeps served
// by the same thread, and prompt cancellation through std::stop_token.
//
// Where things run. send() and sleep_for() may be awaited from any thread: the operation is queued under a mutex
// and the worker is woken (a byte on a pipe). Every completion then resumes the awaiting coroutine
//   - by default, on the worker thread: the client's coroutine continues there, and so do the callbacks of
//     wait_options (on_triggered, on_status_change) and whatever the caller does after its co_await. Code
//     running there must not block for long (it holds up every transfer and timer of this transport), must not
//     wait synchronously for another operation of this same transport (sync_wait inside a completion would
//     wait forever), and must not destroy the transport (the destructor joins the worker thread; doing that
//     on the worker itself terminates the program). All completions of one transport run one after the
//     other on that one thread; data the caller shares between them and its other threads needs the usual
//     synchronisation. trocco::sync_wait works as is: the worker makes progress on its own;
//   - with transport_options::post set, on whatever that function hands the resumption to (an executor, an event
//     loop, a queue the caller drains): the worker calls `post(f)` and never runs `f` itself.
//   - with transport_options::driver = driver::caller, there is no worker thread: the transport makes progress
//     only inside run(task), which drives it on the calling thread until the task is done, and completions
//     resume there (or through `post`). The same rules hold for code running there, and sync_wait must not be
//     used (nothing would drive the transport).
// The driving thread itself never waits for the network: a DNS lookup that stalls (libcurl's resolver thread inside an
// uninterruptible getaddrinfo) holds up neither a stop, nor a timeout, nor the other transfers (libcurl 7.87+).
//
// The POST that starts a job is never resent. libcurl silently sends a request again when a reused keep-alive
// connection turns out dead after the request went out; for a trigger that could start a second job. So every
// POST goes on a connection of its own (CURLOPT_FRESH_CONNECT) that is closed afterwards (CURLOPT_FORBID_REUSE).
// GETs reuse connections (and may be resent by libcurl in that case, which is harmless for a read). A pooled
// connection that holds input before a request goes out on it (an answer nobody asked for, a server's 408 before
// it closes an idle connection, the end of the stream) is closed instead, and the request goes on a fresh one:
// that input would otherwise be read as the answer to the new request. Nothing was sent then, so this holds for
// any request. Answers libcurl would take but this transport refuses (detail/response_check.hpp): a malformed
// status line, a status outside 100-599, a final 101, framing headers that contradict each other.
//
// Lifetimes. The request is moved into the awaitable; the caller keeps nothing alive. Destroying the transport
// stops the worker: every pending send or sleep completes with errc::canceled (resumed as above, before the
// destructor returns when `post` is not set), then every easy handle and the multi handle are cleaned up. A
// trocco::client stops at once on a canceled result and does not touch the transport again.
//
// Compilation. Header-only by default (this header includes libcurl's and the bodies in impl/). With
// TROCCO_SEPARATE_COMPILATION defined for every translation unit, this header only declares (no <curl/curl.h>)
// and the program links the bodies compiled once by src/trocco_curl.cpp (Meson: `trocco-curl-compiled`).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>
#include <utility>

#include <trocco/detail/config.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>

#include "detail/engine.hpp"
#include "detail/operation.hpp"
#include "detail/operation_awaiter.hpp"
#include "transport_options.hpp"

namespace trocco::curl {

/// A trocco::transport over libcurl. See the top of this header for threads, resumption and lifetimes.
///
/// Neither copyable nor movable (the driving thread works on the object's own state); share one transport
/// between clients and waits: every transport owns a multi handle, a connection cache and (by default) a thread.
class transport {
public:
    /// Creates the multi handle and (unless driver::caller) starts the worker thread. Throws std::runtime_error
    /// when libcurl cannot create a multi handle, std::system_error when the thread cannot start. Does not call
    /// curl_global_init (see trocco/curl/global_init.hpp).
    explicit transport(transport_options options = {}) : engine_(std::move(options)) {}

    /// Stops the worker: every pending send and sleep completes with errc::canceled first (with driver::caller,
    /// resumed on this thread, or through `post`). Must not run on the driving thread itself (that is, inside a
    /// completion resumed there), nor while a run() drives the transport: the program would terminate.
    ~transport() = default;

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Sends `request` and reads the whole response; the contract is that of trocco/transport.hpp.
    ///
    /// Result: result<http_response>. Any HTTP status of a well-formed final answer is a response (interim 1xx
    /// answers such as 100 Continue and 103 Early Hints are skipped, with their headers; redirects are not
    /// followed). Errors:
    ///   connect_failed     DNS, connect or TLS handshake failed or timed out (an untrusted, expired or wrong-host
    ///                      certificate), or the CA file is unreadable: nothing was sent (with_nothing_sent());
    ///   transport_failure  anything after the connection was ready (reset while writing or reading, the
    ///                      request_timeout passed after that, no answer, a malformed or truncated answer,
    ///                      "response too large"): the request may have reached the server;
    ///   invalid_argument   the URL is not http(s)://..., a header contains CR/LF/NUL, or a GET has a body;
    ///   canceled           `stop` was requested (the transfer is removed at once) or the transport was
    ///                      destroyed. Marked with_nothing_sent() when the stop came before the connection was
    ///                      ready (before the start, during DNS, connect or TLS handshake), so that
    ///                      may_have_reached_server() is false; unmarked once the request may have been sent.
    /// Messages are "<METHOD> <url>: <libcurl's description> (<libcurl's details>)". Headers are sent as given,
    /// plus Host and (for a POST) Content-Length; libcurl's own Accept, Content-Type and Expect: 100-continue
    /// are suppressed unless the request names them. A POST goes on a new connection closed afterwards.
    ///
    /// Resumes on the driving thread (the worker, or with driver::caller the thread inside run()), or through
    /// transport_options::post. With driver::caller, a send still pending when run() returns waits for the next
    /// run(), and its request_timeout goes on counting meanwhile: an answer that arrived in between is then
    /// reported as a timeout if the gap outlasted it. The awaitable may be awaited once; a stop already requested
    /// completes it without suspending.
    auto send(http_request request, std::stop_token stop) {
        return detail::operation_awaiter<detail::send_operation, result<http_response>>(
            engine_, std::make_shared<detail::send_operation>(std::move(request)), std::move(stop));
    }

    /// Completes after `delay` (at least, on now()'s clock, counted from the co_await), or with errc::canceled
    /// promptly when `stop` is requested or the transport is destroyed. Served by the driving thread's timer queue;
    /// resumes like send().
    auto sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        return detail::operation_awaiter<detail::sleep_operation, result<void>>(
            engine_, std::make_shared<detail::sleep_operation>(delay), std::move(stop));
    }

    /// std::chrono::steady_clock::now().
    std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

    /// With transport_options::driver = driver::caller: runs `t` to completion, driving this transport on the
    /// calling thread meanwhile, and returns its value (or rethrows its exception), as trocco::sync_wait does for
    /// a transport with a worker thread.
    ///
    /// The task starts on the calling thread, and every completion of this transport resumes there (or through
    /// transport_options::post) before run() returns. Operations of other tasks on this transport make progress
    /// too while run() runs; those still pending when `t` is done wait for the next run() (or complete with
    /// errc::canceled when the transport is destroyed). When `t` awaits something else that completes on
    /// another thread, `t` goes on there and run() returns once it is done (`t`'s frame is destroyed there,
    /// possibly after run() returned, as with sync_wait). Cancellation: as the task arranges (a stop_token it was
    /// given); run() itself has none.
    ///
    /// Throws std::logic_error, before starting `t`, with driver::worker_thread, when another thread is inside
    /// run(), when called inside a completion of run() on this transport, or inside a completion that its
    /// destructor resumes. The transport must not be destroyed while run() runs (the program terminates).
    template <class T>
    T run(task<T> t) {
        engine_.begin_drive();
        struct end_drive_on_exit {
            detail::engine& e;
            ~end_drive_on_exit() { e.end_drive(); }
        } end_drive{engine_};
        std::atomic<bool> done{false};
        std::optional<trocco::detail::task_outcome<T>> outcome;
        trocco::detail::start_detached(std::move(t), [&](trocco::detail::task_outcome<T>&& o) noexcept {
            outcome.emplace(std::move(o));
            // Under the engine's mutex, with the wakeup for a `t` that ended on another thread: run() may return
            // (and the transport go) as soon as `done` is seen, so nothing may touch the transport after it.
            engine_.mark_done(done);
        });
        engine_.drive_until(done);
        return trocco::detail::take_outcome<T>(std::move(*outcome));
    }

    /// The worker thread, where completions resume unless transport_options::post is set; std::thread::id{} with
    /// driver::caller.
    std::thread::id worker_thread_id() const noexcept { return engine_.worker_id(); }

    /// The options the transport was made with.
    const transport_options& options() const noexcept { return engine_.options(); }

private:
    detail::engine engine_;
};

}  // namespace trocco::curl

#if defined(TROCCO_HEADER_ONLY)
#include "impl/engine.ipp"
#include "impl/transfer.ipp"
#endif
