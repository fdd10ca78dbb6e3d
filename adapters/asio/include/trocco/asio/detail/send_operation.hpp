// trocco/asio/detail/send_operation.hpp - one HTTP exchange: a connection from the pool (or a new one: resolve,
// connect, TLS handshake), write the request, read the answer past any interim 1xx. Bodies in
// impl/send_operation.ipp.
//
// Every step runs on the strand. One deadline timer bounds the current phase; when it fires the phase's pending
// operation is ended (the lookup abandoned, or the connection closed) and the send fails. A stop or the
// transport's destruction ends it the same way, with errc::canceled.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/url.hpp>

#include "connection.hpp"
#include "connection_pool.hpp"
#include "resolver.hpp"
#include "transport_state.hpp"

namespace trocco::asio::detail {

/// How soon after the request was written a pooled connection must fail for the GET to be sent again on a new
/// one: a server that had closed the connection answers the write at once with a reset or an end of stream.
inline constexpr std::chrono::milliseconds stale_connection_window{1000};

/// How many interim (1xx) answers may come before the final one.
inline constexpr int max_interim_responses = 16;

/// The limit on a response's header (status line and fields).
inline constexpr std::uint32_t max_header_bytes = 64 * 1024;

class send_operation final : public abortable,
                             public connection_waiter,
                             public std::enable_shared_from_this<send_operation> {
public:
    send_operation(std::shared_ptr<transport_state> state, http_request request);

    completion_slot<result<http_response>> slot;
    const strand_type& strand() const noexcept { return state_->strand; }
    const std::shared_ptr<transport_state>& state() const noexcept { return state_; }

    /// On the strand, once: checks the request and asks the pool for a connection; or, when a stop was requested
    /// before, completes with errc::canceled at once (nothing is sent, not even a connect).
    void start(bool stop_requested);
    void on_connection(std::unique_ptr<connection> c) override;
    void abort(bool destroyed) override;

private:
    enum class phase { idle, queued, resolving, connecting, handshaking, writing, reading, done };
    using parser_type = boost::beast::http::response_parser<boost::beast::http::string_body>;

    void connect();
    void on_resolved(std::uint64_t attempt, lookup_result found);
    void connect_endpoint(std::size_t index);
    void on_connected(std::size_t index, const error_code& ec);
    void on_handshake(const error_code& ec);
    void write();
    void write_more();
    void on_write(const error_code& ec, std::size_t n);
    void read();
    void on_read(const error_code& ec, std::size_t n);
    void parse();
    void on_end_of_stream(const error_code& ec);
    void new_parser();
    void complete();

    /// Bounds the phase that begins now by `limit`.
    void arm_deadline(std::chrono::milliseconds limit);
    void wait_for_deadline();
    void on_deadline();
    bool may_resend_on_fresh_connection(const error_code& ec) const;
    void resend_on_fresh_connection();

    /// The failure of the pending step: canceled when aborted, "<what>: timed out" when the deadline ended it,
    /// else `code` with the cause.
    void fail(errc code, const std::string& what, const error_code& ec);
    void fail_parse(const error_code& ec);
    error canceled_error() const;
    void finish(result<http_response> r);

    /// What only a send that holds a connection slot needs, allocated when it gets one: thousands of sends may be
    /// queued for a few connections, each holding only the request's bytes and where they go.
    struct exchange_state {
        explicit exchange_state(const strand_type& strand) : deadline(strand) {}
        boost::asio::steady_timer deadline;
        boost::beast::flat_buffer buffer;  // bytes read and not yet parsed
        std::optional<parser_type> parser;
        std::vector<tcp::endpoint> endpoints;
    };

    connection_pool::key pool_key() const { return {url_.scheme, url_.host, url_.port}; }

    std::shared_ptr<transport_state> state_;
    std::unique_ptr<http_request> request_;  // until start(): then only its bytes (wire_) and its method are kept
    http_method method_ = http_method::get;
    url_parts url_;
    std::string wire_;  // the request's bytes
    std::unique_ptr<exchange_state> exchange_;
    std::uint64_t deadline_generation_ = 0;
    std::chrono::steady_clock::time_point deadline_at_{};  // the current phase's
    std::uint64_t attempt_ = 0;    // connect() calls: tells a late lookup result apart
    std::uint64_t lookup_id_ = 0;  // the lookup in progress, 0 for none
    std::unique_ptr<connection> connection_;
    std::size_t written_ = 0;
    std::chrono::steady_clock::time_point written_at_{};
    std::size_t received_ = 0;  // bytes of the answer read, interim answers included
    int interim_responses_ = 0;
    phase phase_ = phase::idle;
    bool holds_slot_ = false;     // counted in the pool's bound
    bool reused_ = false;         // connection_ came from the pool
    bool resent_ = false;         // already sent once more on a fresh connection
    bool write_started_ = false;  // some byte of the request may have left: never "nothing sent" again
    bool timed_out_ = false;
    bool deadline_armed_ = false;  // a wait is pending on exchange_->deadline
    bool aborted_ = false;
    bool destroyed_ = false;
};

}  // namespace trocco::asio::detail
