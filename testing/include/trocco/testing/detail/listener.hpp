// trocco/testing/detail/listener.hpp - the fake server's listening socket and its open sessions. Shared with the
// handlers in flight, so that the fake_server object may go away (in the caller's-executor mode) while they
// finish.
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <trocco/testing/detail/session.hpp>
#include <trocco/testing/detail/text_codec.hpp>
#include <trocco/testing/fake_api.hpp>

namespace trocco::testing::detail {

struct listener_settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::chrono::milliseconds keep_alive_timeout{30'000};
    std::string tls_certificate_chain_pem = {};
    std::string tls_private_key_pem = {};
};

class listener : public std::enable_shared_from_this<listener> {
public:
    listener(net::any_io_executor executor, listener_settings settings, std::shared_ptr<fake_api> api)
        : executor_(executor), acceptor_(net::make_strand(executor)), retry_timer_(acceptor_.get_executor()),
          api_(std::move(api)), keep_alive_timeout_(settings.keep_alive_timeout) {
        if (settings.tls_certificate_chain_pem.empty() != settings.tls_private_key_pem.empty()) {
            throw std::invalid_argument(
                "fake_server: set both tls_certificate_chain_pem and tls_private_key_pem, or neither");
        }
        if (!settings.tls_certificate_chain_pem.empty()) {
            tls_ = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
            tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                              net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                              net::ssl::context::no_tlsv1_1);
            tls_->use_certificate_chain(net::buffer(settings.tls_certificate_chain_pem));
            tls_->use_private_key(net::buffer(settings.tls_private_key_pem), net::ssl::context::pem);
        }

        net::ip::tcp::endpoint endpoint;
        beast::error_code ec;
        const auto address = net::ip::make_address(settings.host, ec);
        if (!ec) {
            endpoint = {address, settings.port};
        } else {
            net::ip::tcp::resolver resolver(executor);
            const auto results = resolver.resolve(settings.host, std::to_string(settings.port));
            if (results.empty()) throw std::runtime_error(cat("fake_server: cannot resolve ", settings.host));
            endpoint = results.begin()->endpoint();
        }
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(net::socket_base::max_listen_connections);
        port_ = acceptor_.local_endpoint().port();

        const auto ip = acceptor_.local_endpoint().address();
        const std::string host = ip.is_v6() ? cat("[", ip.to_string(), "]") : ip.to_string();
        base_url_ = cat(tls_ ? "https://" : "http://", host, ":", std::to_string(port_));
    }

    void start() {
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept_next(); });
    }

    /// Closes the listening socket and every session (idempotent; from any thread).
    void stop() {
        std::vector<std::weak_ptr<session_base>> sessions;
        {
            std::lock_guard lock(sessions_mutex_);
            if (stopped_) return;
            stopped_ = true;
            sessions.swap(sessions_);
        }
        net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
            beast::error_code ignored;
            self->acceptor_.close(ignored);
            self->retry_timer_.cancel();
        });
        for (auto& weak : sessions) {
            if (auto s = weak.lock()) s->close_from_server();
        }
    }

    fake_api& api() noexcept { return *api_; }
    const fake_api& api() const noexcept { return *api_; }
    std::uint16_t port() const noexcept { return port_; }
    const std::string& base_url() const noexcept { return base_url_; }
    std::size_t connections_accepted() const noexcept { return connections_.load(); }

private:
    void accept_next() {
        acceptor_.async_accept(net::make_strand(executor_), [self = shared_from_this()](beast::error_code ec,
                                                                                         net::ip::tcp::socket socket) {
            self->on_accept(ec, std::move(socket));
        });
    }

    void on_accept(beast::error_code ec, net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {  // e.g. out of file descriptors: try again a little later rather than spin
            retry_timer_.expires_after(std::chrono::milliseconds{20});
            retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
                if (!wait_ec && self->acceptor_.is_open()) self->accept_next();
            });
            return;
        }
        {
            std::lock_guard lock(sessions_mutex_);
            if (stopped_) return;
            const auto id = ++connections_;
            std::shared_ptr<session_base> created;
            if (tls_) {
                auto s = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(api_, std::move(socket), tls_,
                                                                                         id, keep_alive_timeout_);
                s->start();
                created = std::move(s);
            } else {
                auto s = std::make_shared<session<beast::tcp_stream>>(api_, std::move(socket), nullptr, id,
                                                                      keep_alive_timeout_);
                s->start();
                created = std::move(s);
            }
            std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
            sessions_.push_back(created);
        }
        accept_next();
    }

    net::any_io_executor executor_;
    net::ip::tcp::acceptor acceptor_;
    net::steady_timer retry_timer_;           // a pause before accepting again after an error (e.g. EMFILE)
    std::shared_ptr<net::ssl::context> tls_;  // null: plain HTTP
    std::shared_ptr<fake_api> api_;
    std::chrono::milliseconds keep_alive_timeout_;
    std::uint16_t port_ = 0;
    std::string base_url_;
    std::atomic<std::size_t> connections_{0};
    std::mutex sessions_mutex_;
    bool stopped_ = false;
    std::vector<std::weak_ptr<session_base>> sessions_;
};

}  // namespace trocco::testing::detail
