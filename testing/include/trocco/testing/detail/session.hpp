// trocco/testing/detail/session.hpp - one accepted connection of the fake server (plain TCP or TLS, Beast):
// reads requests, asks fake_api what to answer, and writes the answer the way the plan says (interim answers,
// a delay, one byte at a time, a streamed huge body, truncated, or not at all: a graceful close or a reset).
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <trocco/testing/detail/json_text.hpp>
#include <trocco/testing/detail/wire.hpp>
#include <trocco/testing/fake_api.hpp>

namespace trocco::testing::detail {

namespace net = boost::asio;
namespace beast = boost::beast;

inline constexpr std::chrono::seconds io_timeout{30};  // reading the rest of a request, writing an answer, TLS
inline constexpr std::uint64_t max_request_body = 1024 * 1024;
inline constexpr std::size_t padded_chunk_bytes = 64 * 1024;

struct session_base {
    virtual ~session_base() = default;
    /// Closes the connection from any thread (posted to the session's strand).
    virtual void close_from_server() = 0;
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    session(std::shared_ptr<fake_api> api, net::ip::tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
            std::size_t id, std::chrono::milliseconds keep_alive_timeout)
        : api_(std::move(api)), tls_(std::move(tls)), stream_(make_stream(std::move(socket), tls_.get())),
          timer_(stream_.get_executor()), id_(id), keep_alive_timeout_(keep_alive_timeout) {}

    void start() {
        net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->on_start(); });
    }

    void close_from_server() override {
        net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close_now(); });
    }

private:
    using self_ptr = std::shared_ptr<session>;

    static Stream make_stream(net::ip::tcp::socket socket, net::ssl::context* tls) {
        if constexpr (is_tls) {
            return Stream(std::move(socket), *tls);
        } else {
            (void)tls;
            return Stream(std::move(socket));
        }
    }

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    void on_start() {
        if (closed_) return;
        if constexpr (is_tls) {
            lowest().expires_after(io_timeout);
            stream_.async_handshake(net::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
                if (ec) return self->close_now();
                self->read_next();
            });
        } else {
            read_next();
        }
    }

    /// Waits for the first bytes of the next request (up to keep_alive_timeout), so that a connection fault can
    /// act when a request arrives rather than when the previous answer was written.
    void read_next() {
        if (closed_) return;
        if (buffer_.size() > 0) return on_first_bytes({}, 0);
        lowest().expires_after(keep_alive_timeout_);
        stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
            self->on_first_bytes(ec, n);
        });
    }

    void on_first_bytes(beast::error_code ec, std::size_t n) {
        if (ec || closed_) return close_now();
        buffer_.commit(n);
        // Peek at the request line, if it has arrived whole, to match connection faults.
        const auto data = buffer_.data();
        const std::string_view head(static_cast<const char*>(data.data()), data.size());
        std::string_view method, target;
        if (const auto eol = head.find("\r\n"); eol != std::string_view::npos) {
            const std::string_view line = head.substr(0, eol);
            const auto sp1 = line.find(' ');
            const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 != std::string_view::npos) {
                method = line.substr(0, sp1);
                target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            }
        }
        switch (api_->take_connection_fault(method, target)) {
            case connection_fault::close: return close_now();
            case connection_fault::reset: return reset_now();
            case connection_fault::none: break;
        }
        parser_.emplace();
        parser_->body_limit(max_request_body);
        lowest().expires_after(io_timeout);
        beast::http::async_read(stream_, buffer_, *parser_, [self = this->shared_from_this()](beast::error_code e, std::size_t) {
            self->on_read(e);
        });
    }

    void on_read(beast::error_code ec) {
        if (ec || closed_) return close_now();
        auto& message = parser_->get();
        incoming_request request;
        request.method = std::string(message.method_string());
        request.target = std::string(message.target());
        for (const auto& field : message) {
            request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        request.body = std::move(message.body());
        request.keep_alive = message.keep_alive();
        request.connection_id = id_;
        request.received_at = std::chrono::steady_clock::now();
        parser_.reset();

        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        try {
            plan_ = api_->handle(std::move(request), now);
        } catch (const std::exception& e) {  // a bug in the fake, not the client's fault: say so, keep serving
            plan_ = reply_plan{};
            plan_.status = 500;
            plan_.body = message_body(std::string("fake_server internal error: ") + e.what());
            plan_.keep_alive = false;
        }
        wire_ = to_wire(plan_);
        const bool answers = plan_.action != reply_action::close_without_answer &&
                             plan_.action != reply_action::reset_without_answer;
        if (answers && !wire_.interim.empty()) {
            return write(wire_.interim, [](const self_ptr& self) { self->wait_delay(); });
        }
        wait_delay();
    }

    void wait_delay() {
        if (plan_.delay.count() <= 0) return answer();
        lowest().expires_never();
        timer_.expires_after(plan_.delay);
        timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (ec || self->closed_) return;
            self->answer();
        });
    }

    void answer() {
        if (plan_.action == reply_action::close_without_answer) return close_now();
        if (plan_.action == reply_action::reset_without_answer) return reset_now();
        out_ = wire_.head;
        out_ += wire_.body;
        if (plan_.trickle_interval.count() > 0) return trickle(0);
        write(out_, [](const self_ptr& self) {
            if (self->wire_.padded) return self->stream_padded(0);
            self->finish();
        });
    }

    /// Writes out_[pos] after a pause, then the next byte.
    void trickle(std::size_t pos) {
        if (closed_) return;
        if (pos >= out_.size()) return finish();
        lowest().expires_never();
        timer_.expires_after(plan_.trickle_interval);
        timer_.async_wait([self = this->shared_from_this(), pos](beast::error_code ec) {
            if (ec || self->closed_) return;
            self->write(std::string_view(self->out_).substr(pos, 1),
                        [pos](const self_ptr& s) { s->trickle(pos + 1); });
        });
    }

    /// Streams the padded body from `offset`, 64 KiB at a time.
    void stream_padded(std::uint64_t offset) {
        if (closed_) return;
        const auto& padded = *wire_.padded;
        if (offset >= padded.size()) return finish();
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(padded_chunk_bytes, padded.size() - offset));
        chunk_.resize(padded_chunk_bytes);
        padded.copy(offset, chunk_.data(), n);
        write(std::string_view(chunk_.data(), n), [offset, n](const self_ptr& self) { self->stream_padded(offset + n); });
    }

    /// After the whole answer: close as the plan says, or wait for the next request.
    void finish() {
        if (plan_.action == reply_action::truncate_then_close || plan_.action == reply_action::truncated_chunked) {
            return close_now();  // abruptly: the client must see the answer end early
        }
        if (wire_.close_after) return close_gracefully();
        read_next();
    }

    /// Writes `bytes` (which must stay alive: a member) and then calls `next(self)`; an error closes.
    template <class Next>
    void write(std::string_view bytes, Next next) {
        lowest().expires_after(io_timeout);
        net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                         [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                             if (ec || self->closed_) return self->close_now();
                             next(self);
                         });
    }

    void close_gracefully() {
        if (closed_) return;
        if constexpr (is_tls) {
            lowest().expires_after(std::chrono::seconds{2});
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
        } else {
            beast::error_code ignored;
            lowest().socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
            close_now();
        }
    }

    void close_now() {
        if (closed_) return;
        closed_ = true;
        timer_.cancel();
        lowest().close();
    }

    /// A TCP reset: SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    void reset_now() {
        if (closed_) return;
        closed_ = true;
        timer_.cancel();
        beast::error_code ignored;
        lowest().socket().set_option(net::socket_base::linger(true, 0), ignored);
        lowest().socket().close(ignored);
    }

    std::shared_ptr<fake_api> api_;
    std::shared_ptr<net::ssl::context> tls_;  // kept alive as long as the stream that uses it
    Stream stream_;
    net::steady_timer timer_;
    std::size_t id_;
    std::chrono::milliseconds keep_alive_timeout_;
    beast::flat_buffer buffer_;
    std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
    reply_plan plan_;
    wire_answer wire_;
    std::string out_;
    std::vector<char> chunk_;
    bool closed_ = false;
};

}  // namespace trocco::testing::detail
