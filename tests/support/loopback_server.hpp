// tests/support/loopback_server.hpp - a scriptable HTTP/1.1 server on 127.0.0.1 for transport tests, written with
// plain POSIX sockets (one thread per connection) so that it can misbehave in ways a real server library never
// would: answer byte by byte, stop halfway, close or reset at any point, send a malformed or interim answer.
//
//     test_support::loopback_server server([](const test_support::received_request& r) -> test_support::script {
//         if (r.method == "POST") return test_support::script().send("HTTP/1.1 100 Continue\r\n\r\n")
//                                                               .then(test_support::reply{200, "OK", {}, "{}"});
//         return test_support::reply{404, "Not Found", {}, "no"};
//     });
//     transport.send(get(server.url("/api/jobs/1")), ...);
//     CHECK(server.count("POST") == 0);
//
// For every complete request (head, then a Content-Length body) the handler returns a script: the steps the server
// plays on that connection (send bytes, trickle them, wait, close, reset). A script that neither closes nor resets
// leaves the connection open for the next request (keep-alive). The server records every request and every
// connection (with the bytes that arrived on it), so a test can check what reached the wire and what did not.
// With a certificate and key in its options it speaks TLS (OpenSSL) on every connection: https://127.0.0.1:<port>
// (and SIGPIPE is ignored from then on, process-wide: OpenSSL writes to sockets without MSG_NOSIGNAL).
//
// Threads: the handler runs on the connection's thread, several at once when several connections are busy, so it
// must be thread-safe itself. Every member function may be called from any thread. The destructor shuts every
// connection down (a wait in progress ends at once) and joins all threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX, kept out of this header

namespace test_support {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One request as it arrived.
struct received_request {
    std::string method;
    std::string target;
    std::string version;
    header_list headers;  // in arrival order, names as sent
    std::string body;
    int connection = 0;           // 1-based id of the connection it came on
    int index_on_connection = 0;  // 0 for the first request of its connection
    std::chrono::steady_clock::time_point arrived{};

    /// The first header named `name` (case-insensitively), or nullptr.
    const std::string* header(std::string_view name) const;
};

/// A well-formed answer built from its parts.
struct reply {
    int status = 200;
    std::string reason = "OK";
    header_list headers = {};
    std::string body = {};
    /// Sends "Connection: close" and closes the connection afterwards.
    bool close = false;

    /// The answer as sent: status line, the headers, Content-Length (unless a header names it or
    /// Transfer-Encoding), the blank line, the body.
    std::string wire() const;
};

/// What the server does with one connection after a request: steps played in order.
class script {
public:
    struct step {
        enum class kind { send, filler, trickle, wait, close, reset };
        kind what = kind::send;
        std::string bytes = {};                  // send, trickle
        std::size_t count = 0;                   // filler
        char byte = 'x';                         // filler
        std::chrono::milliseconds interval{0};   // trickle: between bytes; wait: how long
    };

    /// Does nothing: no answer, and the connection stays open for the next request.
    script() = default;
    /// The reply (then a close, if the reply says so).
    script(reply r);  // NOLINT(google-explicit-constructor): handlers return replies and scripts alike

    /// Sends `bytes` as they are.
    script& send(std::string bytes);
    /// Sends `count` copies of `byte` without building them in memory first (a 100 MB body).
    script& send_filler(std::size_t count, char byte = 'x');
    /// Sends `bytes` one byte at a time, `per_byte` apart (a slow server).
    script& trickle(std::string bytes, std::chrono::milliseconds per_byte);
    /// Waits `duration`; cut short when the server stops or the client closes the connection (which ends it).
    script& wait(std::chrono::milliseconds duration);
    /// Sends the reply (then closes, if the reply says so).
    script& then(const reply& r);
    /// Closes the connection in order (FIN), ending the script.
    script& close();
    /// Resets the connection (RST: SO_LINGER 0), ending the script.
    script& reset();

    const std::vector<step>& steps() const noexcept { return steps_; }

private:
    step& add(step::kind what);

    std::vector<step> steps_;
};

/// What the server knows about one connection.
struct connection_record {
    int id = 0;
    std::size_t bytes_received = 0;  // every byte that arrived, requests and anything else
    int requests = 0;                // complete requests read from it
    bool open = true;
    bool tls_established = false;    // the TLS handshake succeeded (TLS servers only)
    std::string alpn_offered = {};   // the protocols the client offered by ALPN, comma-separated ("h2,http/1.1")
};

struct loopback_server_options {
    /// Played right after a connection is accepted, before anything is read and before a TLS handshake (e.g.
    /// `script().reset()`: a reset before the request was read; `script().wait(10s)`: a server that never answers
    /// the ClientHello). A script that does not end the connection goes on to serving requests.
    script on_accept = {};
    /// PEM: the certificate chain (leaf first) and its private key. Both set: the server speaks TLS (1.2 or 1.3;
    /// by ALPN it accepts "http/1.1" only); a failed handshake ends the connection. Both empty: plain HTTP.
    std::string tls_certificate_chain_pem = {};
    std::string tls_private_key_pem = {};
};

class loopback_server {
public:
    using handler_fn = std::function<script(const received_request&)>;

    /// Listens on 127.0.0.1, a free port. No handler: every request gets an empty 200. Throws std::runtime_error
    /// when the socket (or the TLS context, for a bad certificate or key) cannot be set up.
    explicit loopback_server(handler_fn handler = {}, loopback_server_options options = {});
    ~loopback_server();
    loopback_server(const loopback_server&) = delete;
    loopback_server& operator=(const loopback_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    /// "http://127.0.0.1:<port>" ("https://..." for a TLS server).
    std::string base() const;
    /// base() + target.
    std::string url(std::string_view target) const;

    std::vector<received_request> requests() const;
    /// How many requests with this method arrived.
    std::size_t count(std::string_view method) const;
    /// How many connections were accepted.
    int connections() const;
    std::vector<connection_record> connection_log() const;
    /// Every byte that arrived on any connection.
    std::size_t bytes_received() const;
    /// The most requests whose scripts were playing at once.
    int peak_in_flight() const;

    /// Closes (FIN both ways) every kept-alive connection now idle between two requests; returns how many.
    int close_idle_connections();

    /// Each waits until its condition holds; false after `timeout`.
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout);
    bool wait_for_connections(int n, std::chrono::milliseconds timeout);
    bool wait_until_no_connection(std::chrono::milliseconds timeout);

private:
    enum class ending { keep, closed };
    struct connection_io;  // the socket, and its TLS session on a TLS server

    void accept_loop();
    void serve(int fd, int id);
    void serve_requests(connection_io& io);
    ending play(connection_io& io, const script& s);
    bool pause(int fd, std::chrono::milliseconds duration);  // false: the server stops or the peer closed
    bool read_more(connection_io& io, std::string& buffer);
    void set_idle(int id, bool idle);
    void end_connection(connection_io& io, bool reset);

    struct open_connection {
        int fd = -1;
        bool idle = false;  // waiting for the first byte of a further request
    };

    handler_fn handler_;
    loopback_server_options options_;
    ssl_ctx_st* tls_ = nullptr;  // OpenSSL's SSL_CTX, for a TLS server
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::map<int, open_connection> open_;
    std::vector<connection_record> log_;  // index = id - 1
    std::vector<std::thread> connection_threads_;
    std::vector<received_request> requests_;
    int in_flight_ = 0;
    int peak_in_flight_ = 0;

    std::thread acceptor_;  // last: started once everything above exists
};

}  // namespace test_support
