// trocco/asio/detail/connection.hpp - one open connection to a host, plain TCP or TLS over TCP.
//
// Reads and writes go straight to the socket or the TLS stream (no Beast stream layers): the operation that
// uses a connection keeps its own deadline timer and closes the connection when it fires, which makes the
// pending read or write complete with operation_aborted.
#pragma once

#include <utility>  // first: Boost 1.74's asio headers use std::exchange without including <utility>

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include <sys/socket.h>

namespace trocco::asio::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using strand_type = net::strand<net::any_io_executor>;
using error_code = boost::system::error_code;

class connection {
public:
    using tls_stream = net::ssl::stream<tcp::socket>;

    /// A plain TCP connection, not yet connected.
    explicit connection(const strand_type& strand) : plain_(std::in_place, strand) {}
    /// A TLS connection over TCP, not yet connected.
    connection(const strand_type& strand, net::ssl::context& tls) : tls_(std::make_unique<tls_stream>(strand, tls)) {}

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
    /// The TLS stream, or nullptr for plain TCP.
    tls_stream* tls() noexcept { return tls_.get(); }

    template <class Handler>
    void async_read_some(net::mutable_buffer buffer, Handler&& handler) {
        if (tls_) {
            tls_->async_read_some(buffer, std::forward<Handler>(handler));
        } else {
            plain_->async_read_some(buffer, std::forward<Handler>(handler));
        }
    }

    template <class Handler>
    void async_write_some(net::const_buffer buffer, Handler&& handler) {
        if (tls_) {
            tls_->async_write_some(buffer, std::forward<Handler>(handler));
        } else {
            plain_->async_write_some(buffer, std::forward<Handler>(handler));
        }
    }

    /// Closes the socket; a pending read, write, connect or handshake completes with operation_aborted.
    void close() noexcept {
        error_code ignored;
        socket().shutdown(tcp::socket::shutdown_both, ignored);
        socket().close(ignored);
    }

    /// For an idle connection about to be reused: false when the server has closed it (or reset it, or sent
    /// something unasked), which a non-blocking peek sees at once, without consuming anything. One recv() with
    /// MSG_PEEK | MSG_DONTWAIT: toggling the socket's non-blocking mode around a peek cost three more system calls
    /// per reuse (two ioctls here, and Asio's own to restore its internal non-blocking mode on the next operation).
    bool looks_alive() noexcept {
        auto& s = socket();
        if (!s.is_open()) return false;
        char byte = 0;
        ssize_t n = 0;
        do {
            n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        } while (n < 0 && errno == EINTR);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    /// When the connection went back to the pool.
    std::chrono::steady_clock::time_point idle_since{};

private:
    std::optional<tcp::socket> plain_;
    std::unique_ptr<tls_stream> tls_;
};

}  // namespace trocco::asio::detail
