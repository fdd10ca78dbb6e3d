// trocco/asio/impl/send_operation_read.ipp - the bodies of detail::send_operation that read the answer: Beast's
// parser fed from the connection, the limits on the header and the body checked as they arrive, interim (1xx)
// answers read past, and a connection's end told apart from a stale pooled connection (sent again) and from a
// body that runs to the end of the connection. The rest of the send: send_operation.ipp.
#pragma once

#include <cstddef>
#include <string>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include "../detail/send_operation.hpp"
#include "send_operation.ipp"  // send_impl::is_connection_end

namespace trocco::asio::detail {

TROCCO_DECL void send_operation::new_parser() {
    exchange_->parser.emplace();
    exchange_->parser->header_limit(max_header_bytes);
    exchange_->parser->body_limit(state_->options.max_response_bytes);
    exchange_->parser->eager(false);  // stop after the header: parse() checks it before the body is read
}

TROCCO_DECL void send_operation::read() {
    constexpr std::size_t read_size = 16 * 1024;  // an API answer is a few KiB; the buffer grows for more
    connection_->async_read_some(exchange_->buffer.prepare(read_size),
                                 [self = shared_from_this()](const error_code& ec, std::size_t n) {
                                     self->on_read(ec, n);
                                 });
}

TROCCO_DECL void send_operation::on_read(const error_code& ec, std::size_t n) {
    if (phase_ == phase::done) return;
    exchange_->buffer.commit(n);
    received_ += n;
    if (ec && !aborted_ && !timed_out_ && send_impl::is_connection_end(ec) && n == 0) return on_end_of_stream(ec);
    if (ec) return fail(errc::transport_failure, "reading the response", ec);
    parse();
}

TROCCO_DECL void send_operation::on_end_of_stream(const error_code& ec) {
    if (may_resend_on_fresh_connection(ec)) return resend_on_fresh_connection();
    if ((ec == net::error::eof || ec == net::ssl::error::stream_truncated) && exchange_->parser->got_some()) {
        error_code eof_ec;
        exchange_->parser->put_eof(eof_ec);  // a body that runs to the end of the connection ends here
        if (!eof_ec && exchange_->parser->is_done()) return complete();
    }
    if (received_ == 0) return fail(errc::transport_failure, "the server closed the connection without answering", ec);
    fail(errc::transport_failure, "the server closed the connection in the middle of the answer", ec);
}

TROCCO_DECL void send_operation::parse() {
    namespace http = boost::beast::http;
    while (exchange_->buffer.size() > 0) {
        error_code ec;
        const std::size_t used = exchange_->parser->put(exchange_->buffer.data(), ec);
        exchange_->buffer.consume(used);
        if (ec == http::error::need_more) break;
        if (ec) return fail_parse(ec);
        if (exchange_->parser->is_header_done() && !exchange_->parser->eager()) {
            // Beast 1.74 does not hold a declared Content-Length against body_limit, and its string body reserves
            // that much as the body begins: check here, between the header and the body.
            const auto declared = exchange_->parser->content_length();
            if (declared && *declared > state_->options.max_response_bytes) return fail_parse(http::error::body_limit);
            exchange_->parser->eager(true);  // the body, as it comes
        }
        if (exchange_->parser->is_done()) {
            const unsigned status = exchange_->parser->get().result_int();
            if (status < 100 || status >= 200 || status == 101) return complete();
            // An interim answer (100 Continue, 103 Early Hints, ...): read past it, to the final one.
            if (++interim_responses_ > max_interim_responses) {
                return finish(error{errc::transport_failure, "more than " + std::to_string(max_interim_responses) +
                                                                 " interim (1xx) answers before the final one"});
            }
            new_parser();
            continue;
        }
        if (used == 0) break;
    }
    read();
}

TROCCO_DECL void send_operation::complete() {
    auto message = exchange_->parser->release();
    http_response response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
        response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    response.body = std::move(message.body());
    // Reusable only after an answer that allows keep-alive and ends where the connection's data ends: bytes
    // after it would be taken as the start of the next request's answer.
    const bool reusable = message.keep_alive() && response.status != 101 && exchange_->buffer.size() == 0 && !aborted_;
    if (!reusable && connection_) {
        connection_->close();
        connection_.reset();
    }
    finish(std::move(response));
}

TROCCO_DECL void send_operation::fail_parse(const error_code& ec) {
    namespace http = boost::beast::http;
    if (ec == http::error::body_limit) {
        return fail(errc::transport_failure,
                    "response too large (limit " + std::to_string(state_->options.max_response_bytes) + " bytes)", ec);
    }
    if (ec == http::error::header_limit) {
        return fail(errc::transport_failure,
                    "response header too large (limit " + std::to_string(max_header_bytes) + " bytes)", ec);
    }
    fail(errc::transport_failure, "malformed response", ec);
}

}  // namespace trocco::asio::detail
