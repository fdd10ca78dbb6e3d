// tests/testing/loopback_client.hpp - a small synchronous Beast client for talking to the fake server over
// loopback. Each operation runs a private io_context with a 10 s timeout, so a misbehaving server fails a test
// instead of hanging it. Also raw-socket helpers, for what Beast would not send or would refuse to read.
#pragma once

#include <utility>  // first: Boost 1.74's awaitable.hpp needs it

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <nlohmann/json.hpp>

#include <trocco/http.hpp>
#include <trocco/testing/fake_server.hpp>

namespace loopback {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

using trocco::testing::fake_server;

inline const std::string good_auth = "Token fake-api-key";

struct reply {
    beast::error_code ec;  // set when connecting, the handshake, writing or reading failed
    int status = 0;
    std::vector<trocco::http_header> headers;
    std::string body;

    const std::string* header(std::string_view name) const { return trocco::find_header(headers, name); }
    trocco::http_response response() const { return {status, headers, body}; }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct request_options {
    std::string content_type = {};  // sent when non-empty
    std::optional<std::string> authorization = good_auth;
    bool close = false;             // send Connection: close
};

/// One client connection, plain or TLS, used synchronously.
class connection {
public:
    explicit connection(std::uint16_t port, net::ssl::context* tls = nullptr, std::string verify_host = "127.0.0.1")
        : port_(port) {
        if (tls) {
            tls_stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *tls);
            tls_stream_->set_verify_mode(net::ssl::verify_peer);
            tls_stream_->set_verify_callback(net::ssl::host_name_verification(verify_host));
        } else {
            plain_ = std::make_unique<beast::tcp_stream>(io_);
        }
        const net::ip::tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port_);
        lowest().expires_after(10s);
        lowest().async_connect(endpoint, [this](beast::error_code ec) { ec_ = ec; });
        run();
        if (!ec_ && tls_stream_) {
            lowest().expires_after(10s);
            tls_stream_->async_handshake(net::ssl::stream_base::client, [this](beast::error_code ec) { ec_ = ec; });
            run();
        }
    }

    /// The error of connecting or of the TLS handshake.
    beast::error_code setup_error() const { return ec_; }

    void send(std::string_view method, std::string_view target, std::string body = {}, request_options o = {}) {
        http::request<http::string_body> req;
        req.method_string({method.data(), method.size()});
        req.target({target.data(), target.size()});
        req.version(11);
        req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
        if (o.authorization) req.set(http::field::authorization, *o.authorization);
        req.set(http::field::accept, "application/json");
        if (!o.content_type.empty()) req.set(http::field::content_type, o.content_type);
        if (o.close) req.set(http::field::connection, "close");
        req.body() = std::move(body);
        req.prepare_payload();
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            http::async_write(stream, req, [this](beast::error_code ec, std::size_t) { ec_ = ec; });
            run();
        });
    }

    /// Reads one answer (an interim one included), refusing a body longer than `body_limit` bytes.
    reply receive(std::uint64_t body_limit = 8 * 1024 * 1024) {
        reply r;
        if (ec_) {
            r.ec = ec_;
            return r;
        }
        http::response_parser<http::string_body> parser;
        parser.body_limit(body_limit);
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            http::async_read_header(stream, buffer_, parser, [&r](beast::error_code ec, std::size_t) { r.ec = ec; });
            run();
            // Beast 1.74 does not apply body_limit to a declared Content-Length: check it here.
            if (!r.ec && parser.content_length() && *parser.content_length() > body_limit) r.ec = http::error::body_limit;
            if (r.ec) return;
            http::async_read(stream, buffer_, parser, [&r](beast::error_code ec, std::size_t) { r.ec = ec; });
            run();
        });
        if (r.ec) return r;
        auto& m = parser.get();
        r.status = static_cast<int>(m.result_int());
        for (const auto& f : m) r.headers.push_back({std::string(f.name_string()), std::string(f.value())});
        r.body = m.body();
        return r;
    }

    reply request(std::string_view method, std::string_view target, std::string body = {}, request_options o = {}) {
        send(method, target, std::move(body), std::move(o));
        return receive();
    }

    /// Writes raw bytes (for requests Beast would not build).
    beast::error_code write_raw(const std::string& bytes) {
        with_stream([&](auto& stream) {
            lowest().expires_after(10s);
            net::async_write(stream, net::buffer(bytes), [this](beast::error_code ec, std::size_t) { ec_ = ec; });
            run();
        });
        return ec_;
    }

private:
    beast::tcp_stream& lowest() { return tls_stream_ ? beast::get_lowest_layer(*tls_stream_) : *plain_; }

    template <class F>
    void with_stream(F f) {
        if (tls_stream_) {
            f(*tls_stream_);
        } else {
            f(*plain_);
        }
    }

    void run() {
        io_.restart();
        io_.run();
    }

    net::io_context io_;
    std::unique_ptr<beast::tcp_stream> plain_;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
    beast::flat_buffer buffer_;
    std::uint16_t port_;
    beast::error_code ec_;
};

/// One request on a new connection.
inline reply call(const fake_server& server, std::string_view method, std::string_view target, std::string body = {},
           request_options o = {}) {
    connection c(server.port());
    return c.request(method, target, std::move(body), std::move(o));
}


/// What a raw client saw: the bytes received until the connection ended, and how it ended.
struct raw_exchange {
    std::string received;
    beast::error_code end;  // eof: closed gracefully; connection_reset: RST
    std::chrono::steady_clock::duration first_byte_after{};
    std::chrono::steady_clock::duration took{};
};

/// Sends `request` on a new plain connection and reads until the server closes it (or `limit` elapses; then
/// `end` is timed_out). Keeps at most `keep` bytes of what arrives (counting the rest).
inline raw_exchange raw_call(std::uint16_t port, const std::string& request, std::chrono::milliseconds limit = 10s,
                             std::size_t keep = 1 << 20, std::uint64_t* total = nullptr) {
    net::io_context io;
    beast::tcp_stream stream(io);
    raw_exchange out;
    stream.expires_after(limit);
    beast::error_code ec;
    stream.socket().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) {
        out.end = ec;
        return out;
    }
    net::write(stream.socket(), net::buffer(request), ec);
    const auto start = std::chrono::steady_clock::now();
    std::vector<char> chunk(65536);
    std::uint64_t count = 0;
    bool first = true;
    for (;;) {
        std::size_t n = 0;
        beast::error_code read_ec;
        stream.async_read_some(net::buffer(chunk), [&](beast::error_code e, std::size_t k) {
            read_ec = e;
            n = k;
        });
        io.restart();
        io.run();
        if (n > 0 && first) {
            out.first_byte_after = std::chrono::steady_clock::now() - start;
            first = false;
        }
        count += n;
        if (out.received.size() < keep) out.received.append(chunk.data(), std::min(n, keep - out.received.size()));
        if (read_ec) {
            out.end = read_ec == beast::error::timeout ? beast::error_code(net::error::timed_out) : read_ec;
            break;
        }
    }
    out.took = std::chrono::steady_clock::now() - start;
    if (total) *total = count;
    return out;
}

/// "GET <target> HTTP/1.1" with the good key and Connection: close.
inline std::string raw_get(std::string_view target, bool close = true) {
    return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + good_auth +
           (close ? "\r\nConnection: close" : "") + "\r\n\r\n";
}

/// "POST <target> HTTP/1.1" with an empty JSON body.
inline std::string raw_post(std::string_view target) {
    return "POST " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + good_auth +
           "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
}

}  // namespace loopback
