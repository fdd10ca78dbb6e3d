// trocco/asio/transport.hpp - trocco::asio::transport: the Transport concept (trocco/transport.hpp) on
// Boost.Asio, with Boost.Beast's HTTP parser.
//
// HTTP/1.1 and HTTPS (TLS 1.2 or later, certificate and host name verified by default, SNI), keep-alive with a
// bounded pool per host, a timeout for every phase, a response-size limit, sleeps on a steady_timer, prompt
// cancellation through std::stop_token. Settings and defaults: trocco/asio/transport_options.hpp.
//
//     boost::asio::io_context io;
//     trocco::asio::transport transport{io.get_executor()};
//     trocco::client client{transport, {.api_key = key}};
//     trocco::asio::async_run(io.get_executor(), client.run_and_wait(request), handler);  // trocco/asio/async_run.hpp
//     io.run();
//
// Where things run. Every operation runs on a strand of the executor given at construction (get_executor()),
// and every completion resumes the awaiting coroutine on that strand, whatever thread started it: a client over
// this transport runs on the strand. The executor may be run by any number of threads. One transport serves any
// number of concurrent operations.
//
// Name resolution runs getaddrinfo on threads of the transport (at most 8 lookups at once; further ones queue),
// not on Asio's resolver thread, so a stalled lookup holds up neither other lookups nor other connections, and
// connect_timeout and a stop end it promptly: the lookup is abandoned and its result, when it comes, discarded.
// A host that is an IP address needs no lookup.
//
// HTTP. Interim answers (1xx other than 101 Switching Protocols) are read past until the final answer. A response
// is read to its end (Content-Length, chunked, or the connection's end), at most max_response_bytes of body; a
// connection is put back into the pool only after a complete answer that allows keep-alive, with nothing after it.
// The transport adds Host, Content-Length (a POST) and, without keep-alive, `Connection: close`; a Host,
// Content-Length, Transfer-Encoding or Connection header given in the request is ignored. A header name that is
// not an HTTP token, a value with a control character (CR, LF, NUL, ...) and a body on a GET are refused.
//
// Errors (the contract of trocco/transport.hpp):
//   errc::invalid_argument   a bad URL or header, or a body on a GET; nothing was sent.
//   errc::connect_failed     resolution, connect or the TLS handshake failed or timed out, or a CA could not be
//                            loaded; nothing was sent (with_nothing_sent()).
//   errc::transport_failure  the request may have reached the server: the connection failed or timed out while
//                            writing or reading, or the answer was malformed or too large.
//   errc::canceled           `stop` was requested, or the transport was destroyed. Marked with_nothing_sent()
//                            when no byte of the request had been written yet (queued for a connection, resolving,
//                            connecting, in the TLS handshake); a stop during or after the write is not.
// The transport resends nothing but a GET whose pooled connection the server had closed (see
// transport_options.hpp for that rule and the resulting bound on one send).
//
// Lifetimes. Operations keep the transport's internal state alive. Destroying the transport aborts everything
// in flight: each pending send and sleep then completes with errc::canceled (a client stops at once on it) on the
// strand, and pooled connections are closed. The io_context must outlive the transport and keep running until
// those completions are delivered. A lookup still blocked inside getaddrinfo when the transport is destroyed is
// not waited for: its thread is detached and, when getaddrinfo returns, discards the result and ends, touching
// nothing but the lookup's own state, which the thread keeps alive itself (not the transport, not the executor).
// At process exit such a thread simply ends with the process.
//
// Separate compilation. By default everything is header-only. With TROCCO_SEPARATE_COMPILATION defined for every
// translation unit, this header declares the transport only (no Beast, no OpenSSL headers) and
// adapters/asio/src/trocco_asio.cpp, compiled once, defines it (Meson: dependency `trocco-asio-compiled`, which
// brings the separately compiled core, src/trocco.cpp, along).
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <chrono>
#include <memory>
#include <stop_token>

#include <boost/asio/any_io_executor.hpp>

#include <trocco/detail/config.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>

#include "detail/awaiters.hpp"
#include "transport_options.hpp"

namespace trocco::asio {

namespace detail {
class transport_state;
}  // namespace detail

/// A trocco::transport over Boost.Asio. See the top of this header for threads, errors and lifetimes.
class transport {
public:
    /// Runs on a strand of `executor`. Throws nothing but std::bad_alloc: a `ca_file` or `ca_pem` that cannot be
    /// loaded makes every HTTPS send fail with errc::connect_failed naming it.
    TROCCO_DECL explicit transport(boost::asio::any_io_executor executor, transport_options options = {});

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Aborts everything in flight (each completes with errc::canceled, on the strand) and closes the pooled
    /// connections. Does not block: it neither runs the executor nor waits for a lookup in getaddrinfo.
    TROCCO_DECL ~transport();

    /// Sends `request` and reads the whole response; co_await gives result<http_response>. Any HTTP status is a
    /// response. Errors: see the top of this header. Nothing happens until the result is awaited; the awaiting
    /// coroutine resumes on the strand. A stop requested on `stop` aborts the send promptly (errc::canceled).
    TROCCO_DECL detail::send_awaiter send(http_request request, std::stop_token stop);

    /// Completes after `delay` (a steady_timer), or with errc::canceled promptly when `stop` is requested or the
    /// transport is destroyed; co_await gives result<void>. Resumes on the strand.
    TROCCO_DECL detail::sleep_awaiter sleep_for(std::chrono::milliseconds delay, std::stop_token stop);

    /// The clock of sleep_for and of the client's deadlines: std::chrono::steady_clock.
    std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

    /// The strand every operation runs and completes on.
    TROCCO_DECL boost::asio::any_io_executor get_executor() const;

private:
    std::shared_ptr<detail::transport_state> state_;
};

}  // namespace trocco::asio

#if defined(TROCCO_HEADER_ONLY)
#include "impl/transport.ipp"
#endif
