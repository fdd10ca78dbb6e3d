// trocco/asio/transport.hpp - trocco::asio::transport: the Transport concept on Boost.Asio and Boost.Beast.
//
// HTTP and HTTPS (TLS verified by default), keep-alive with a bounded per-host pool, timeouts for every phase,
// a response-size limit, sleeps on a steady_timer, and prompt cancellation through std::stop_token.
//
// Where things run: every operation runs on a strand of the executor given at construction, and every
// completion resumes the awaiting coroutine on that strand. So a client over this transport runs on the
// transport's executor, whatever thread started it. One transport serves any number of concurrent operations.
//
// Lifetimes: operations keep the transport's internal state alive. Destroying the transport aborts whatever is
// in flight: each pending send or sleep then completes with errc::canceled (and a client stops at once on it),
// pooled connections are closed. The io_context must keep running until those completions are delivered.
#pragma once

#include <utility>  // Boost 1.74's asio headers use std::exchange without including <utility>

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <tuple>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/url.hpp>

namespace trocco::asio {

/// Settings of a transport. Every default is documented here.
struct transport_options {
    /// DNS resolution plus TCP connect: 10 s.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds{10};
    /// TLS handshake: 10 s.
    std::chrono::milliseconds tls_handshake_timeout = std::chrono::seconds{10};
    /// Writing the request: 30 s.
    std::chrono::milliseconds write_timeout = std::chrono::seconds{30};
    /// Reading the whole response, from the end of the write: 60 s.
    std::chrono::milliseconds read_timeout = std::chrono::seconds{60};
    /// Larger responses fail with errc::transport_failure ("response too large"): 4 MiB.
    std::size_t max_response_bytes = 4 * 1024 * 1024;
    /// Open connections per host (scheme, host, port), busy and idle together: 8. Requests beyond it wait for a
    /// connection to come free, so a thousand concurrent waits share a handful of connections.
    std::size_t max_connections_per_host = 8;
    /// Keep connections open between requests (HTTP keep-alive): true.
    bool keep_alive = true;
    /// An idle connection older than this is closed instead of reused: 30 s.
    std::chrono::milliseconds idle_timeout = std::chrono::seconds{30};
    /// A PEM file of extra trusted CAs, added to the system trust store (e.g. a company or test CA).
    std::string ca_file = {};
    /// Extra trusted CAs as PEM text (e.g. a throwaway test CA made in memory).
    std::string ca_pem = {};
    /// Turns off certificate and host name verification. For a throwaway test server only: never in production.
    bool insecure_skip_tls_verification = false;
};

namespace detail {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using strand_type = net::strand<net::any_io_executor>;

/// The awaiting side of one pending operation: the coroutine to resume, and the stop registration.
template <class Result>
class completion_slot {
public:
    /// Resumes the awaiting coroutine with `r`. Called once, on the strand.
    void complete(Result r) {
        stop_registration_.reset();  // waits for a stop callback running on another thread; it only posts
        result_.emplace(std::move(r));
        std::exchange(continuation_, {}).resume();
    }
    Result take() { return std::move(*result_); }

    std::coroutine_handle<> continuation_;
    std::optional<std::stop_callback<std::function<void()>>> stop_registration_;

private:
    std::optional<Result> result_;
};

/// An open connection (plain or TLS) to one host.
struct connection {
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;

    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<tls_stream> tls;
    beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since{};

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
    template <class F>
    void with_stream(F&& f) {
        if (tls) {
            f(*tls);
        } else {
            f(*plain);
        }
    }
    void close() {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close();
    }
};

/// Something in flight that a shutdown must abort.
class abortable {
public:
    virtual void abort() = 0;

protected:
    ~abortable() = default;
};

/// A send waiting for a connection from the pool.
class connection_waiter {
public:
    /// On the strand: `c` is a pooled connection to use, or nullptr for "open a new one" (a slot is reserved).
    virtual void on_connection(std::unique_ptr<connection> c) = 0;

protected:
    ~connection_waiter() = default;
};

/// The state shared by the transport and its operations; outlives the transport while operations run.
struct transport_state {
    transport_state(net::any_io_executor ex, transport_options o)
        : strand(net::make_strand(ex)), options(std::move(o)), tls_context(net::ssl::context::tls_client) {}

    strand_type strand;
    transport_options options;
    net::ssl::context tls_context;
    std::optional<error> tls_setup_error;  // a bad ca_file: every HTTPS send fails with it
    // All below: touched only on the strand.
    using pool_key = std::tuple<std::string, std::string, std::uint16_t>;
    struct host_pool {
        std::size_t open = 0;                                // busy + idle connections
        std::deque<std::unique_ptr<connection>> idle;        // most recently used at the back
        std::deque<std::shared_ptr<connection_waiter>> waiting;  // sends waiting for a connection
    };
    std::map<pool_key, host_pool> hosts;
    std::set<std::shared_ptr<abortable>> in_flight;
    bool shut_down = false;

    /// An idle connection that has not expired, or nullptr. Expired ones are closed.
    std::unique_ptr<connection> take_idle(host_pool& pool) {
        const auto now = std::chrono::steady_clock::now();
        while (!pool.idle.empty()) {
            auto c = std::move(pool.idle.back());  // most recently used first: least likely closed by the server
            pool.idle.pop_back();
            if (now - c->idle_since < options.idle_timeout) return c;
            c->close();
            --pool.open;
        }
        return nullptr;
    }

    /// Gives `waiter` a connection now, or queues it until one comes free. A fresh connection is wanted by a
    /// job-starting POST; a GET takes an idle one when there is one.
    void acquire(const pool_key& key, bool want_fresh, std::shared_ptr<connection_waiter> waiter) {
        auto& pool = hosts[key];
        if (!want_fresh) {
            if (auto c = take_idle(pool)) return waiter->on_connection(std::move(c));
        }
        if (pool.open < std::max<std::size_t>(options.max_connections_per_host, 1)) {
            ++pool.open;
            return waiter->on_connection(nullptr);
        }
        if (want_fresh && !pool.idle.empty()) {  // replace an idle connection by a fresh one: the count stays
            pool.idle.front()->close();
            pool.idle.pop_front();
            return waiter->on_connection(nullptr);
        }
        pool.waiting.push_back(std::move(waiter));
    }

    /// A connection is done with: kept for reuse (`c` non-null and reusable) or closed (`c` null).
    void release(const pool_key& key, std::unique_ptr<connection> c) {
        auto& pool = hosts[key];
        if (!pool.waiting.empty()) {
            auto next = std::move(pool.waiting.front());
            pool.waiting.pop_front();
            return next->on_connection(std::move(c));  // nullptr: it connects anew in the freed slot
        }
        if (c && !shut_down && options.keep_alive) {
            c->idle_since = std::chrono::steady_clock::now();
            c->lowest().expires_never();
            pool.idle.push_back(std::move(c));
            return;
        }
        if (c) c->close();
        --pool.open;
    }

    /// Forgets a queued waiter (it was aborted). True if it was queued.
    bool forget_waiter(const pool_key& key, const connection_waiter* waiter) {
        auto& waiting = hosts[key].waiting;
        for (auto it = waiting.begin(); it != waiting.end(); ++it) {
            if (it->get() == waiter) {
                waiting.erase(it);
                return true;
            }
        }
        return false;
    }

    void shutdown() {
        shut_down = true;
        for (auto& [key, pool] : hosts) {
            for (auto& c : pool.idle) c->close();
            pool.open -= pool.idle.size();
            pool.idle.clear();
        }
        auto ops = std::move(in_flight);
        for (const auto& op : ops) op->abort();
    }
};

inline error transport_error(errc code, std::string_view what, const beast::error_code& ec) {
    return error{code, std::string(what) + ": " + ec.message()};
}

/// One HTTP exchange: connect (or reuse), write, read; one retry on a fresh connection for a GET whose reused
/// connection failed before any response byte.
class send_operation final : public abortable,
                             public connection_waiter,
                             public std::enable_shared_from_this<send_operation> {
public:
    send_operation(std::shared_ptr<transport_state> state, http_request request)
        : state_(std::move(state)), request_(std::move(request)), resolver_(state_->strand),
          deadline_timer_(state_->strand) {}

    completion_slot<result<http_response>> slot;
    const strand_type& state_strand() const noexcept { return state_->strand; }

    /// On the strand.
    void start() {
        if (state_->shut_down) return finish(error{errc::canceled, "the transport was destroyed"});
        state_->in_flight.insert(shared_from_this());
        auto url = parse_url(request_.url);
        if (!url) return finish(std::move(url).error());
        url_ = std::move(*url);
        key_ = {url_.scheme, url_.host, url_.port};
        build_message();
        // A job-starting POST always goes on a new connection: a pooled one that the server closed meanwhile
        // would fail after the POST may have left, and the outcome would be unknown for nothing.
        waiting_ = true;
        state_->acquire(key_, request_.method != http_method::get, shared_from_this());
    }

    /// On the strand, from the pool: a connection to reuse, or nullptr to open one.
    void on_connection(std::unique_ptr<connection> c) override {
        waiting_ = false;
        holds_slot_ = true;
        if (c && request_.method != http_method::get) {  // a POST never goes on a used connection
            c->close();
            c.reset();
        }
        if (c) {
            connection_ = std::move(c);
            reused_ = true;
            return write();
        }
        connect();
    }

    /// On the strand: stop whatever is pending; the pending handler then completes with errc::canceled.
    void abort() override {
        if (done_) return;
        aborted_ = true;
        if (waiting_ && state_->forget_waiter(key_, this)) {
            waiting_ = false;
            return finish(error{errc::canceled, "send canceled while waiting for a connection"});
        }
        resolver_.cancel();
        deadline_timer_.cancel();
        if (connection_) connection_->close();
    }

private:
    void build_message() {
        message_.method(request_.method == http_method::post ? http::verb::post : http::verb::get);
        message_.target(url_.target);
        message_.version(11);
        message_.set(http::field::host, url_.host_header());
        for (const auto& h : request_.headers) message_.insert(h.name, h.value);
        if (request_.method == http_method::post || !request_.body.empty()) {
            message_.body() = request_.body;
            message_.prepare_payload();
        }
        message_.keep_alive(state_->options.keep_alive);
    }

    void connect() {
        reused_ = false;
        if (url_.is_https() && state_->tls_setup_error) return finish(*state_->tls_setup_error);
        connection_ = std::make_unique<connection>();
        deadline_timer_.expires_after(state_->options.connect_timeout);
        deadline_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->resolver_.cancel();  // DNS took too long
        });
        resolver_.async_resolve(url_.host, std::to_string(url_.port),
                                [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                                    self->on_resolve(ec, std::move(r));
                                });
    }

    void on_resolve(beast::error_code ec, tcp::resolver::results_type endpoints) {
        const bool timed_out = deadline_timer_.expiry() <= std::chrono::steady_clock::now();
        deadline_timer_.cancel();
        if (ec) {
            if (timed_out && ec == net::error::operation_aborted) ec = beast::error::timeout;
            return fail(errc::connect_failed, "resolving " + url_.host, ec);
        }
        if (url_.is_https()) {
            connection_->tls = std::make_unique<connection::tls_stream>(state_->strand, state_->tls_context);
            if (!state_->options.insecure_skip_tls_verification) {
                connection_->tls->set_verify_mode(net::ssl::verify_peer);
                connection_->tls->set_verify_callback(net::ssl::host_name_verification(url_.host));
            }
            // SNI: a host name, never an IP literal.
            beast::error_code ignored;
            const bool is_ip = (net::ip::make_address(url_.host, ignored), !ignored);
            if (!is_ip && !SSL_set_tlsext_host_name(connection_->tls->native_handle(), url_.host.c_str())) {
                return finish(error{errc::connect_failed, "cannot set the TLS server name (SNI) " + url_.host});
            }
        } else {
            connection_->plain = std::make_unique<beast::tcp_stream>(state_->strand);
        }
        connection_->lowest().expires_after(state_->options.connect_timeout);
        connection_->lowest().async_connect(endpoints,
                                            [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                                                self->on_connect(ec);
                                            });
    }

    void on_connect(beast::error_code ec) {
        if (ec) return fail(errc::connect_failed, "connecting to " + url_.host_header(), ec);
        if (!connection_->tls) return write();
        connection_->lowest().expires_after(state_->options.tls_handshake_timeout);
        connection_->tls->async_handshake(net::ssl::stream_base::client, [self = shared_from_this()](beast::error_code e) {
            if (e) return self->fail(errc::connect_failed, "TLS handshake with " + self->url_.host, e);
            self->write();
        });
    }

    void write() {
        connection_->lowest().expires_after(state_->options.write_timeout);
        connection_->with_stream([&](auto& stream) {
            http::async_write(stream, message_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->on_write(ec);
            });
        });
    }

    void on_write(beast::error_code ec) {
        if (ec) {
            if (can_retry_fresh()) return retry_fresh();
            return fail(errc::transport_failure, "writing the request", ec);
        }
        parser_.emplace();
        parser_->body_limit(state_->options.max_response_bytes);
        parser_->header_limit(64 * 1024);
        connection_->lowest().expires_after(state_->options.read_timeout);
        connection_->with_stream([&](auto& stream) {
            http::async_read_header(stream, connection_->buffer, *parser_,
                                    [self = shared_from_this()](beast::error_code e, std::size_t n) {
                                        self->on_header(e, n);
                                    });
        });
    }

    void on_header(beast::error_code ec, std::size_t bytes) {
        // Beast 1.74 does not apply body_limit to a declared Content-Length: check it here, before reading.
        if (!ec && parser_->content_length() && *parser_->content_length() > state_->options.max_response_bytes) {
            ec = http::error::body_limit;
        }
        if (ec || parser_->is_done()) return on_read(ec, bytes);
        connection_->with_stream([&](auto& stream) {
            http::async_read(stream, connection_->buffer, *parser_,
                             [self = shared_from_this(), bytes](beast::error_code e, std::size_t n) {
                                 self->on_read(e, bytes + n);
                             });
        });
    }

    void on_read(beast::error_code ec, std::size_t bytes) {
        if (ec) {
            // A pooled connection the server had closed: nothing came back. A GET is safe to send once more.
            if (bytes == 0 && connection_->buffer.size() == 0 && can_retry_fresh()) return retry_fresh();
            if (ec == http::error::body_limit || ec == http::error::header_limit) {
                return fail(errc::transport_failure,
                            "response too large (limit " + std::to_string(state_->options.max_response_bytes) +
                                " bytes)",
                            ec);
            }
            return fail(errc::transport_failure, "reading the response", ec);
        }
        auto& message = parser_->get();
        http_response response;
        response.status = static_cast<int>(message.result_int());
        for (const auto& field : message) {
            response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        }
        response.body = std::move(message.body());
        if (!message.keep_alive() || aborted_) connection_.reset();  // released below as closed
        finish(std::move(response));
    }

    bool can_retry_fresh() const { return reused_ && !retried_ && !aborted_ && request_.method == http_method::get; }

    void retry_fresh() {
        retried_ = true;
        connection_->close();  // the slot stays ours: connect() opens its replacement
        connection_.reset();
        connect();
    }

    void fail(errc code, const std::string& what, beast::error_code ec) {
        if (connection_) {
            connection_->close();
            connection_.reset();  // released below as closed
        }
        if (aborted_) return finish(error{errc::canceled, "send canceled"});
        if (ec == beast::error::timeout) return finish(error{code, what + ": timed out"});
        finish(transport_error(code, what, ec));
    }

    void finish(result<http_response> r) {
        if (done_) return;
        done_ = true;
        deadline_timer_.cancel();
        if (holds_slot_) {
            holds_slot_ = false;
            // After a complete response, a connection still held is healthy and reusable; after an error none is.
            std::unique_ptr<connection> reusable = r ? std::move(connection_) : nullptr;
            connection_.reset();
            state_->release(key_, std::move(reusable));
        }
        auto self = shared_from_this();
        state_->in_flight.erase(self);
        slot.complete(std::move(r));
    }

    std::shared_ptr<transport_state> state_;
    http_request request_;
    url_parts url_;
    transport_state::pool_key key_;
    http::request<http::string_body> message_;
    std::optional<http::response_parser<http::string_body>> parser_;
    tcp::resolver resolver_;
    net::steady_timer deadline_timer_;
    std::unique_ptr<connection> connection_;
    bool waiting_ = false;     // queued in the pool for a connection
    bool holds_slot_ = false;  // counted in the pool's open connections
    bool reused_ = false;
    bool retried_ = false;
    bool aborted_ = false;
    bool done_ = false;
};

class sleep_operation final : public abortable, public std::enable_shared_from_this<sleep_operation> {
public:
    sleep_operation(std::shared_ptr<transport_state> state, std::chrono::milliseconds delay)
        : state_(std::move(state)), delay_(delay), timer_(state_->strand) {}

    completion_slot<result<void>> slot;
    const strand_type& state_strand() const noexcept { return state_->strand; }

    void start() {
        if (state_->shut_down) return finish(error{errc::canceled, "the transport was destroyed"});
        state_->in_flight.insert(shared_from_this());
        timer_.expires_after(delay_);
        timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || self->aborted_) return self->finish(error{errc::canceled, "sleep canceled"});
            self->finish({});
        });
    }

    void abort() override {
        aborted_ = true;
        timer_.cancel();
    }

private:
    void finish(result<void> r) {
        if (done_) return;
        done_ = true;
        state_->in_flight.erase(shared_from_this());
        slot.complete(std::move(r));
    }

    std::shared_ptr<transport_state> state_;
    std::chrono::milliseconds delay_;
    net::steady_timer timer_;
    bool aborted_ = false;
    bool done_ = false;
};

/// The awaitable returned by send() and sleep_for(): starts the operation on the strand when awaited; a stop
/// request posts an abort to the strand.
template <class Operation, class Result>
class operation_awaiter {
public:
    operation_awaiter(std::shared_ptr<Operation> op, std::stop_token stop) : op_(std::move(op)), stop_(std::move(stop)) {}

    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        op_->slot.continuation_ = h;
        net::dispatch(op_->state_strand(), [op = op_, stop = stop_]() mutable {
            if (stop.stop_possible()) {
                std::weak_ptr<Operation> weak = op;
                op->slot.stop_registration_.emplace(std::move(stop), [weak, strand = op->state_strand()] {
                    net::post(strand, [weak] {
                        if (auto o = weak.lock()) o->abort();
                    });
                });
            }
            op->start();
        });
    }
    Result await_resume() { return op_->slot.take(); }

private:
    std::shared_ptr<Operation> op_;
    std::stop_token stop_;
};

}  // namespace detail

/// A trocco::transport over Boost.Asio/Beast. See the top of this header for threads and lifetimes.
class transport {
public:
    /// Runs on `executor` (through a strand of it). Throws nothing; a `ca_file` that cannot be loaded makes every
    /// HTTPS send fail with errc::connect_failed naming the file.
    explicit transport(boost::asio::any_io_executor executor, transport_options options = {})
        : state_(std::make_shared<detail::transport_state>(std::move(executor), std::move(options))) {
        auto& ctx = state_->tls_context;
        boost::system::error_code ec;
        ctx.set_default_verify_paths(ec);
        if (!state_->options.ca_pem.empty()) {
            ctx.add_certificate_authority(boost::asio::buffer(state_->options.ca_pem), ec);
            if (ec) state_->tls_setup_error = error{errc::connect_failed, "cannot load ca_pem: " + ec.message()};
        }
        if (!state_->options.ca_file.empty()) {
            ctx.load_verify_file(state_->options.ca_file, ec);
            if (ec) {
                state_->tls_setup_error =
                    error{errc::connect_failed, "cannot load ca_file " + state_->options.ca_file + ": " + ec.message()};
            }
        }
        ctx.set_options(boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                        boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
    }

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Aborts everything in flight (completions: errc::canceled) and closes pooled connections.
    ~transport() {
        boost::asio::dispatch(state_->strand, [state = state_] { state->shutdown(); });
    }

    /// Sends `request` and reads the whole response. See trocco/transport.hpp for the error contract. Completes on
    /// the transport's strand.
    auto send(http_request request, std::stop_token stop) {
        return detail::operation_awaiter<detail::send_operation, result<http_response>>(
            std::make_shared<detail::send_operation>(state_, std::move(request)), std::move(stop));
    }

    /// Completes after `delay` (steady_timer), or with errc::canceled when `stop` is requested.
    auto sleep_for(std::chrono::milliseconds delay, std::stop_token stop) {
        return detail::operation_awaiter<detail::sleep_operation, result<void>>(
            std::make_shared<detail::sleep_operation>(state_, delay), std::move(stop));
    }

    std::chrono::steady_clock::time_point now() const { return std::chrono::steady_clock::now(); }

    /// The strand every operation runs and completes on.
    const detail::strand_type& strand() const noexcept { return state_->strand; }

private:
    std::shared_ptr<detail::transport_state> state_;
};

}  // namespace trocco::asio
