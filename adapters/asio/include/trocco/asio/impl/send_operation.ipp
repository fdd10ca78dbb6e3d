// trocco/asio/impl/send_operation.ipp - the bodies of detail::send_operation: getting a connection (from the pool,
// or resolve, connect, TLS handshake), writing the request, the deadline, and the end of the send. Reading the
// answer: send_operation_read.ipp.
#pragma once

#include <system_error>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/http/error.hpp>

#include <trocco/detail/saturate.hpp>

#include "../detail/request_bytes.hpp"
#include "../detail/send_operation.hpp"

namespace trocco::asio::detail {

namespace send_impl {

namespace http = boost::beast::http;

/// The connection ended under the request: what a server that closed a pooled connection makes a write or a
/// read fail with.
inline bool is_connection_end(const error_code& ec) noexcept {
    return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
           ec == net::error::connection_aborted || ec == net::ssl::error::stream_truncated;
}

inline error with_cause(errc code, const std::string& what, const error_code& ec) {
    return error{code, what + ": " + ec.message()};
}

}  // namespace send_impl

TROCCO_DECL send_operation::send_operation(std::shared_ptr<transport_state> state, http_request request)
    : state_(std::move(state)), request_(std::make_unique<http_request>(std::move(request))) {}

TROCCO_DECL void send_operation::start(bool stop_requested) {
    aborted_ = stop_requested;
    if (state_->shut_down || stop_requested) return finish(canceled_error());
    state_->in_flight.insert(shared_from_this());
    // Only the bytes are kept: a send may wait long for a connection (thousands queued for a few connections),
    // and the request's strings would be a second copy of them.
    const http_request request = std::move(*request_);
    request_.reset();
    method_ = request.method;
    auto url = parse_url(request.url);
    if (!url) return finish(std::move(url).error());
    url_ = std::move(*url);
    auto bytes = request_bytes(request, url_, state_->options.keep_alive);
    if (!bytes) return finish(std::move(bytes).error());
    wire_ = std::move(*bytes);
    // A job-starting POST always goes on a new connection: a pooled one that the server closed meanwhile would
    // fail after the POST may have left, and the outcome would be unknown for nothing.
    phase_ = phase::queued;
    state_->pool.acquire(pool_key(), method_ != http_method::get, shared_from_this());
}

TROCCO_DECL void send_operation::on_connection(std::unique_ptr<connection> c) {
    holds_slot_ = true;
    exchange_ = std::make_unique<exchange_state>(state_->strand);
    phase_ = phase::idle;
    if (c && method_ != http_method::get) {  // handed over by a release: a POST never reuses one
        c->close();
        c.reset();
    }
    if (!c) return connect();
    connection_ = std::move(c);
    reused_ = true;
    write();
}

TROCCO_DECL void send_operation::abort(bool destroyed) {
    if (phase_ == phase::done) return;
    aborted_ = true;
    destroyed_ = destroyed;
    switch (phase_) {
        case phase::queued:
            state_->pool.forget(pool_key(), this);
            return finish(canceled_error());
        case phase::resolving:
        case phase::idle:
            return finish(canceled_error());
        default:
            // The pending connect, handshake, write or read completes with operation_aborted and fails then.
            if (connection_) connection_->close();
    }
}

TROCCO_DECL void send_operation::connect() {
    reused_ = false;
    timed_out_ = false;
    ++attempt_;
    if (url_.is_https() && state_->tls_setup_error) return finish(*state_->tls_setup_error);
    phase_ = phase::resolving;
    arm_deadline(state_->options.connect_timeout);  // resolution and connect together
    error_code not_ip;
    const auto address = net::ip::make_address(url_.host, not_ip);
    if (!not_ip) {  // an IP literal: nothing to look up
        exchange_->endpoints.assign(1, tcp::endpoint(address, url_.port));
        return connect_endpoint(0);
    }
    try {
        lookup_id_ = state_->names.lookup(
            url_.host, url_.port,
            [weak = weak_from_this(), strand = state_->strand, attempt = attempt_](lookup_result found) {
                net::post(strand, [weak, attempt, found = std::move(found)]() mutable {
                    if (auto self = weak.lock()) self->on_resolved(attempt, std::move(found));
                });
            });
    } catch (const std::system_error& e) {
        return finish(error{errc::connect_failed,
                            "resolving " + url_.host + ": cannot start a thread for the lookup: " + e.what()});
    }
    if (lookup_id_ == 0) {  // the transport is being destroyed
        aborted_ = destroyed_ = true;
        return finish(canceled_error());
    }
}

TROCCO_DECL void send_operation::on_resolved(std::uint64_t attempt, lookup_result found) {
    if (phase_ != phase::resolving || attempt != attempt_) return;  // abandoned: a timeout or a stop came first
    lookup_id_ = 0;
    if (found.endpoints.empty()) {
        return finish(error{errc::connect_failed, "resolving " + url_.host + ": " + found.failure});
    }
    exchange_->endpoints = std::move(found.endpoints);
    connect_endpoint(0);
}

TROCCO_DECL void send_operation::connect_endpoint(std::size_t index) {
    phase_ = phase::connecting;
    if (!connection_) {
        if (url_.is_https()) {
            connection_ = std::make_unique<connection>(state_->strand, state_->tls_context);
            auto& tls = *connection_->tls();
            if (!state_->options.insecure_skip_tls_verification) {
                tls.set_verify_mode(net::ssl::verify_peer);
                tls.set_verify_callback(net::ssl::host_name_verification(url_.host));
            }
            error_code not_ip;
            net::ip::make_address(url_.host, not_ip);
            // SNI names a host, never an IP literal.
            if (not_ip && !SSL_set_tlsext_host_name(tls.native_handle(), url_.host.c_str())) {
                return finish(error{errc::connect_failed, "cannot set the TLS server name (SNI) " + url_.host});
            }
        } else {
            connection_ = std::make_unique<connection>(state_->strand);
        }
    }
    error_code ignored;
    connection_->socket().close(ignored);  // after a failed attempt on the previous address
    connection_->socket().async_connect(exchange_->endpoints[index],
                                        [self = shared_from_this(), index](const error_code& ec) {
                                            self->on_connected(index, ec);
                                        });
}

TROCCO_DECL void send_operation::on_connected(std::size_t index, const error_code& ec) {
    if (phase_ == phase::done) return;
    const std::string what = "connecting to " + url_.host_header();
    if (ec) {
        if (!aborted_ && !timed_out_ && index + 1 < exchange_->endpoints.size()) return connect_endpoint(index + 1);
        return fail(errc::connect_failed, what, ec);
    }
    error_code ignored;
    connection_->socket().set_option(tcp::no_delay(true), ignored);
    if (!connection_->tls()) return write();
    phase_ = phase::handshaking;
    arm_deadline(state_->options.tls_handshake_timeout);
    connection_->tls()->async_handshake(net::ssl::stream_base::client,
                                        [self = shared_from_this()](const error_code& e) { self->on_handshake(e); });
}

TROCCO_DECL void send_operation::on_handshake(const error_code& ec) {
    if (phase_ == phase::done) return;
    if (ec) return fail(errc::connect_failed, "TLS handshake with " + url_.host, ec);
    write();
}

TROCCO_DECL void send_operation::write() {
    phase_ = phase::writing;
    write_started_ = true;
    written_ = 0;
    arm_deadline(state_->options.write_timeout);
    write_more();
}

TROCCO_DECL void send_operation::write_more() {
    if (!connection_->tls() && written_ == 0) {
        // Plain TCP: write at once, without a completion handler queued in the io_context. A request is a few
        // hundred bytes and the socket's send buffer is empty, so this nearly always writes it all; only what is
        // left (would_block, or a partial write) goes through async_write_some.
        error_code ec;
        auto& socket = connection_->socket();
        if (!socket.non_blocking()) socket.non_blocking(true, ec);
        const std::size_t n = ec ? 0 : socket.write_some(net::buffer(wire_), ec);
        if (ec != net::error::would_block && ec != net::error::try_again && (ec || n == wire_.size())) {
            return on_write(ec, n);
        }
        written_ += n;
    }
    connection_->async_write_some(net::buffer(wire_) + written_,
                                  [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                      self->on_write(ec, n);
                                  });
}

TROCCO_DECL void send_operation::on_write(const error_code& ec, std::size_t n) {
    if (phase_ == phase::done) return;
    written_ += n;
    if (ec) {
        if (may_resend_on_fresh_connection(ec)) return resend_on_fresh_connection();
        return fail(errc::transport_failure, "writing the request", ec);
    }
    if (written_ < wire_.size()) return write_more();
    written_at_ = std::chrono::steady_clock::now();
    phase_ = phase::reading;
    arm_deadline(state_->options.read_timeout);  // the whole answer, interim ones included
    exchange_->buffer.clear();
    received_ = 0;
    interim_responses_ = 0;
    new_parser();
    read();
}

TROCCO_DECL void send_operation::arm_deadline(std::chrono::milliseconds limit) {
    deadline_at_ = trocco::detail::saturating_add(std::chrono::steady_clock::now(), limit);
    // The timer is re-armed only for an earlier deadline: a later one (the read after the write) is checked when
    // the timer fires. Re-arming a timer is a timerfd_settime per phase of every poll.
    if (deadline_armed_ && exchange_->deadline.expiry() <= deadline_at_) return;
    wait_for_deadline();
}

TROCCO_DECL void send_operation::wait_for_deadline() {
    const auto generation = ++deadline_generation_;
    deadline_armed_ = true;
    exchange_->deadline.expires_at(deadline_at_);
    exchange_->deadline.async_wait([self = shared_from_this(), generation](const error_code& ec) {
        if (generation != self->deadline_generation_) return;  // re-armed meanwhile
        self->deadline_armed_ = false;
        if (ec || self->phase_ == phase::done) return;
        if (std::chrono::steady_clock::now() < self->deadline_at_) return self->wait_for_deadline();
        self->on_deadline();
    });
}

TROCCO_DECL void send_operation::on_deadline() {
    if (phase_ == phase::done) return;
    timed_out_ = true;
    if (phase_ == phase::resolving) {
        return finish(error{errc::connect_failed, "resolving " + url_.host + ": timed out"});
    }
    if (connection_) connection_->close();  // the pending step fails with operation_aborted: "timed out"
}

TROCCO_DECL bool send_operation::may_resend_on_fresh_connection(const error_code& ec) const {
    if (!reused_ || resent_ || aborted_ || timed_out_ || method_ != http_method::get) return false;
    if (received_ > 0 || !send_impl::is_connection_end(ec)) return false;
    return phase_ == phase::writing || std::chrono::steady_clock::now() - written_at_ <= stale_connection_window;
}

TROCCO_DECL void send_operation::resend_on_fresh_connection() {
    resent_ = true;
    connection_->close();  // the slot stays ours: connect() opens its replacement
    connection_.reset();
    connect();
}

TROCCO_DECL void send_operation::fail(errc code, const std::string& what, const error_code& ec) {
    if (connection_) {
        connection_->close();
        connection_.reset();
    }
    if (aborted_) return finish(canceled_error());
    if (timed_out_) return finish(error{code, what + ": timed out"});
    finish(send_impl::with_cause(code, what, ec));
}

TROCCO_DECL error send_operation::canceled_error() const {
    std::string what = destroyed_ || (state_->shut_down && !aborted_) ? "the transport was destroyed" : "send canceled";
    if (write_started_) return error{errc::canceled, what + " while the request was in flight"};
    return error{errc::canceled, what + " before the request was sent"}.with_nothing_sent();
}

TROCCO_DECL void send_operation::finish(result<http_response> r) {
    if (phase_ == phase::done) return;
    const bool was_resolving = phase_ == phase::resolving;
    phase_ = phase::done;
    if (exchange_) exchange_->deadline.cancel();
    if (was_resolving && lookup_id_ != 0) state_->names.abandon(lookup_id_);
    lookup_id_ = 0;
    if (!r && !write_started_ && r.error().kind() == errc::connect_failed) {
        r = std::move(r).error().with_nothing_sent();
    }
    auto self = shared_from_this();
    state_->in_flight.erase(self);
    if (holds_slot_) {
        holds_slot_ = false;
        // After a complete answer a connection still held is reusable (complete() dropped it otherwise).
        auto reusable = r ? std::move(connection_) : nullptr;
        if (connection_) connection_->close();
        connection_.reset();
        state_->pool.release(pool_key(), std::move(reusable));
    }
    slot.complete(std::move(r));
}

}  // namespace trocco::asio::detail
