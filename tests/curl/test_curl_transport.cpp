// tests/curl/test_curl_transport.cpp - trocco::curl::transport against a loopback HTTP/1.1 server written here
// with plain POSIX sockets (one thread per connection), which records every request and every connection.
#include <trocco/curl.hpp>

#include <trocco/client.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>
#include <trocco/transport.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "../catch.hpp"

static_assert(trocco::transport<trocco::curl::transport>);
static_assert(!std::is_copy_constructible_v<trocco::curl::transport>);

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using header_list = std::vector<std::pair<std::string, std::string>>;

// Proxy variables of the environment must not send loopback requests elsewhere (libcurl honours them).
const bool no_proxy_for_loopback = [] {
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);
    ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    return true;
}();

// ---------------------------------------------------------------------------------------------------------------
// The loopback server.

struct received_request {
    std::string method;
    std::string target;
    std::string version;
    header_list headers;  // in arrival order, names as sent
    std::string body;
    int connection = 0;           // 1-based id of the connection it came on
    int index_on_connection = 0;  // 0 for the first request of its connection

    const std::string* header(std::string_view name) const {
        for (const auto& [n, v] : headers) {
            if (trocco::detail::iequals(n, name)) return &v;
        }
        return nullptr;
    }
};

struct reply {
    int status = 200;
    std::string reason = "OK";
    header_list headers = {};
    std::string body = {};
    std::chrono::milliseconds delay{0};  // before answering (cut short when the server stops)
    bool close_without_answer = false;   // read the request, then close the connection without sending a byte
    bool close_after = false;            // answer with "Connection: close", then close
    std::string raw = {};                // sent as is instead of a built answer (then the connection is closed)
};

class test_server {
public:
    using handler_fn = std::function<reply(const received_request&)>;

    explicit test_server(handler_fn handler = {}) : handler_(std::move(handler)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listen_fd_ >= 0);
        const int yes = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listen_fd_, 1024) == 0);
        socklen_t length = sizeof address;
        REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~test_server() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            for (const auto& [id, c] : open_) ::shutdown(c.fd, SHUT_RDWR);
        }
        changed_.notify_all();
        acceptor_.join();
        for (auto& t : connection_threads_) t.join();  // the acceptor is gone: no thread is added any more
        ::close(listen_fd_);
    }

    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const { return port_; }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string url(std::string_view target) const { return base() + std::string(target); }

    std::vector<received_request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }
    std::size_t count(std::string_view method) const {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(
            std::count_if(requests_.begin(), requests_.end(), [&](const auto& r) { return r.method == method; }));
    }
    int connections() const {
        std::lock_guard lock(mutex_);
        return connections_;
    }
    int peak_in_flight() const {
        std::lock_guard lock(mutex_);
        return peak_in_flight_;
    }

    /// Closes (FIN both ways) every kept-alive connection now idle between two requests; returns how many.
    int close_idle_connections() {
        std::lock_guard lock(mutex_);
        int closed = 0;
        for (const auto& [id, c] : open_) {
            if (c.idle) {
                ::shutdown(c.fd, SHUT_RDWR);
                ++closed;
            }
        }
        return closed;
    }

    /// Waits until `n` requests have arrived; false after `timeout`.
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    }

    /// Waits until no connection is open any more; false after `timeout`.
    bool wait_until_no_connection(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return open_.empty(); });
    }

private:
    struct connection_state {
        int fd = -1;
        bool idle = false;  // waiting for the first byte of a further request
    };

    void accept_loop() {
        for (;;) {
            pollfd p{listen_fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, 20);
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            if (ready <= 0) continue;
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) continue;
            std::lock_guard lock(mutex_);
            if (stopping_) {
                ::close(fd);
                return;
            }
            const int id = ++connections_;
            open_[id] = connection_state{fd, false};
            connection_threads_.emplace_back([this, fd, id] { serve(fd, id); });
        }
    }

    void set_idle(int id, bool idle) {
        std::lock_guard lock(mutex_);
        if (auto it = open_.find(id); it != open_.end()) it->second.idle = idle;
    }

    void end_connection(int fd, int id) {
        {
            std::lock_guard lock(mutex_);
            open_.erase(id);  // before close: close_idle_connections() never touches a closed descriptor
        }
        ::close(fd);
        changed_.notify_all();
    }

    static bool send_all(int fd, std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    static received_request parse_head(std::string_view head) {
        received_request r;
        auto line_end = head.find("\r\n");
        const std::string_view request_line = head.substr(0, line_end);
        const auto sp1 = request_line.find(' ');
        const auto sp2 = request_line.find(' ', sp1 + 1);
        r.method = std::string(request_line.substr(0, sp1));
        r.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
        r.version = std::string(request_line.substr(sp2 + 1));
        while (line_end != std::string_view::npos) {
            const auto start = line_end + 2;
            line_end = head.find("\r\n", start);
            const std::string_view line = head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
            if (line.empty()) continue;
            const auto colon = line.find(':');
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
        }
        return r;
    }

    /// Reads more into `buffer`; false on end of stream or error.
    static bool read_more(int fd, std::string& buffer) {
        char chunk[16384];
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }

    void serve(int fd, int id) {
        std::string buffer;
        for (int index = 0;; ++index) {
            std::size_t head_end = 0;
            while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
                set_idle(id, buffer.empty() && index > 0);
                const bool more = read_more(fd, buffer);
                set_idle(id, false);
                if (!more) return end_connection(fd, id);
                if (static_cast<unsigned char>(buffer.front()) == 0x16) {  // a TLS ClientHello: not spoken here
                    send_all(fd, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
                    return end_connection(fd, id);
                }
            }
            received_request request = parse_head(std::string_view(buffer).substr(0, head_end + 2));
            std::size_t length = 0;
            if (const auto* cl = request.header("Content-Length")) length = std::stoul(*cl);
            const std::size_t total = head_end + 4 + length;
            while (buffer.size() < total) {
                if (!read_more(fd, buffer)) return end_connection(fd, id);
            }
            request.body = buffer.substr(head_end + 4, length);
            buffer.erase(0, total);
            request.connection = id;
            request.index_on_connection = index;

            {
                std::lock_guard lock(mutex_);
                requests_.push_back(request);
                peak_in_flight_ = std::max(peak_in_flight_, ++in_flight_);
            }
            changed_.notify_all();
            const reply answer = handler_ ? handler_(request) : reply{};
            if (answer.delay > 0ms) {
                std::unique_lock lock(mutex_);
                changed_.wait_for(lock, answer.delay, [&] { return stopping_; });
            }
            bool keep = !answer.close_without_answer && !answer.close_after && answer.raw.empty();
            if (!answer.close_without_answer) {
                std::string out;
                if (!answer.raw.empty()) {
                    out = answer.raw;
                } else {
                    out = "HTTP/1.1 " + std::to_string(answer.status) + " " + answer.reason + "\r\n";
                    bool has_length = false;
                    for (const auto& [n, v] : answer.headers) {
                        out += n + ": " + v + "\r\n";
                        has_length = has_length || trocco::detail::iequals(n, "Content-Length");
                    }
                    if (!has_length) out += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
                    if (answer.close_after) out += "Connection: close\r\n";
                    out += "\r\n" + answer.body;
                }
                keep = send_all(fd, out) && keep;
            }
            {
                std::lock_guard lock(mutex_);
                --in_flight_;
            }
            if (!keep) return end_connection(fd, id);
        }
    }

    handler_fn handler_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread acceptor_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::map<int, connection_state> open_;
    std::vector<std::thread> connection_threads_;
    std::vector<received_request> requests_;
    int connections_ = 0;
    int in_flight_ = 0;
    int peak_in_flight_ = 0;
};

/// A port on which nothing listens (bound once, then released).
std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

/// A listener whose accept queue is full, so that a further connect hangs (Linux drops the SYN).
class full_listener {
public:
    full_listener() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(listen_fd_, 0);
        socklen_t length = sizeof address;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        for (int i = 0; i < 4; ++i) {  // fill the queue; the later ones stay half-open
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            ::fcntl(fd, F_SETFL, O_NONBLOCK);
            ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
            fillers_.push_back(fd);
        }
        std::this_thread::sleep_for(50ms);
    }
    ~full_listener() {
        for (int fd : fillers_) ::close(fd);
        ::close(listen_fd_);
    }
    std::string url(std::string_view target) const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
    }

private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::vector<int> fillers_;
};

// ---------------------------------------------------------------------------------------------------------------
// Driving awaitables from tests.

template <class Awaitable>
trocco::task<std::remove_cvref_t<trocco::await_result_t<Awaitable>>> as_task(Awaitable a) {
    auto outcome = co_await std::move(a);
    co_return outcome;
}

trocco::result<trocco::http_response> send_sync(trocco::curl::transport& t, trocco::http_request request,
                                                 std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.send(std::move(request), std::move(stop))));
}

trocco::result<void> sleep_sync(trocco::curl::transport& t, std::chrono::milliseconds delay, std::stop_token stop = {}) {
    return trocco::sync_wait(as_task(t.sleep_for(delay, std::move(stop))));
}

trocco::http_request get(std::string url, std::vector<trocco::http_header> headers = {}) {
    return {trocco::http_method::get, std::move(url), std::move(headers), {}};
}

trocco::http_request post(std::string url, std::string body, std::vector<trocco::http_header> headers = {}) {
    return {trocco::http_method::post, std::move(url), std::move(headers), std::move(body)};
}

/// Runs many tasks at once and collects their values (index = start order) and the thread each finished on.
template <class T>
class gather {
public:
    explicit gather(std::size_t n) : results_(n), threads_(n) {}

    void start(trocco::task<T> t) {
        const std::size_t index = started_++;
        trocco::detail::start_detached(std::move(t), [this, index](trocco::detail::task_outcome<T>&& outcome) noexcept {
            std::lock_guard lock(mutex_);
            if (outcome.index() == 1) results_[index].emplace(std::get<1>(std::move(outcome)));
            threads_[index] = std::this_thread::get_id();
            ++done_;
            finished_.notify_all();
        });
    }

    bool wait_all(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return finished_.wait_for(lock, timeout, [&] { return done_ == started_; });
    }
    std::size_t done() const {
        std::lock_guard lock(mutex_);
        return done_;
    }
    /// After wait_all: the value of task `i` (empty if it threw).
    std::optional<T>& result(std::size_t i) { return results_[i]; }
    std::thread::id thread(std::size_t i) const {
        std::lock_guard lock(mutex_);
        return threads_[i];
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable finished_;
    std::vector<std::optional<T>> results_;
    std::vector<std::thread::id> threads_;
    std::size_t started_ = 0;
    std::size_t done_ = 0;
};

bool is_error(const trocco::result<trocco::http_response>& r, trocco::errc code) {
    return !r.has_value() && r.error().kind() == code;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::chrono::milliseconds since(clock_type::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

/// The request headers but Host and Content-Length, in order.
header_list custom_headers(const received_request& r) {
    header_list out;
    for (const auto& h : r.headers) {
        if (!trocco::detail::iequals(h.first, "Host") && !trocco::detail::iequals(h.first, "Content-Length")) {
            out.push_back(h);
        }
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

TEST_CASE("curl transport: documented option defaults", "[curl]") {
    const trocco::curl::transport_options o;
    CHECK(o.connect_timeout == 10s);
    CHECK(o.request_timeout == 60s);
    CHECK(o.max_response_bytes == 4u * 1024 * 1024);
    CHECK(o.ca_file.empty());
    CHECK_FALSE(o.insecure_skip_tls_verification);
    CHECK(o.max_connections == 0);
    CHECK(o.max_connections_per_host == 0);
    CHECK(o.connection_cache_size == 0);
    CHECK_FALSE(o.post);

    trocco::curl::transport t;
    CHECK(t.worker_thread_id() != std::this_thread::get_id());
    const auto a = t.now();
    const auto b = t.now();
    CHECK(b >= a);
}

TEST_CASE("curl transport: a GET goes on the wire exactly, the whole response comes back", "[curl]") {
    test_server server([](const received_request&) {
        return reply{200, "OK",
                     {{"Content-Type", "application/json"},
                      {"X-Rate-Limit-Limit", "3500"},
                      {"X-Rate-Limit-Remaining", "3499"},
                      {"Set-Cookie", "a=1"},
                      {"Set-Cookie", "b=2"}},
                     R"({"id":1,"status":"queued"})"};
    });
    trocco::curl::transport t;
    const auto r = send_sync(t, get(server.url("/api/jobs/1?x=1"), {{"Authorization", "Token secret"},
                                                                     {"Accept", "application/json"},
                                                                     {"User-Agent", "trocco-cpp/test"},
                                                                     {"X-Empty", ""}}));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->body == R"({"id":1,"status":"queued"})");
    REQUIRE(trocco::find_header(r->headers, "x-rate-limit-remaining") != nullptr);
    CHECK(*trocco::find_header(r->headers, "x-rate-limit-remaining") == "3499");
    const std::string length = std::to_string(std::string_view(R"({"id":1,"status":"queued"})").size());
    CHECK(*trocco::find_header(r->headers, "Content-Length") == length);
    const std::vector<trocco::http_header> expected_response_headers{{"Content-Type", "application/json"},
                                                                     {"X-Rate-Limit-Limit", "3500"},
                                                                     {"X-Rate-Limit-Remaining", "3499"},
                                                                     {"Set-Cookie", "a=1"},
                                                                     {"Set-Cookie", "b=2"},
                                                                     {"Content-Length", length}};
    CHECK(r->headers == expected_response_headers);

    const auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    const auto& seen = requests[0];
    CHECK(seen.method == "GET");
    CHECK(seen.target == "/api/jobs/1?x=1");
    CHECK(seen.version == "HTTP/1.1");
    const header_list expected{{"Host", "127.0.0.1:" + std::to_string(server.port())},
                               {"Authorization", "Token secret"},
                               {"Accept", "application/json"},
                               {"User-Agent", "trocco-cpp/test"},
                               {"X-Empty", ""}};
    CHECK(seen.headers == expected);  // nothing added, nothing dropped, order kept
    CHECK(seen.body.empty());
}

TEST_CASE("curl transport: a POST sends its headers and body exactly", "[curl]") {
    test_server server([](const received_request& r) { return reply{201, "Created", {}, "echo:" + r.body}; });
    trocco::curl::transport t;

    SECTION("a JSON body with its Content-Type") {
        const std::string body = R"({"custom_variables":{"$x$":"日本語"}})";
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), body,
                                         {{"Authorization", "Token k"}, {"Content-Type", "application/json"}}));
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        CHECK(r->body == "echo:" + body);
        const auto seen = server.requests().at(0);
        CHECK(seen.method == "POST");
        CHECK(seen.target == "/api/jobs?job_definition_id=42");
        CHECK(seen.body == body);
        REQUIRE(seen.header("Content-Length") != nullptr);
        CHECK(*seen.header("Content-Length") == std::to_string(body.size()));
        CHECK(seen.headers.front().first == "Host");
        const header_list expected{{"Authorization", "Token k"}, {"Content-Type", "application/json"}};
        CHECK(custom_headers(seen) == expected);
    }
    SECTION("a large body without a Content-Type: no form encoding, no Expect: 100-continue") {
        const std::string body(1536 * 1024, 'x');  // libcurl would ask for 100-continue beyond 1 MiB
        const auto r = send_sync(t, post(server.url("/upload"), body, {{"X-Trace", "1"}}));
        REQUIRE(r.has_value());
        CHECK(r->status == 201);
        const auto seen = server.requests().at(0);
        CHECK(seen.body == body);
        CHECK(seen.header("Expect") == nullptr);
        CHECK(seen.header("Content-Type") == nullptr);
        CHECK(seen.header("Accept") == nullptr);
        const header_list expected{{"X-Trace", "1"}};
        CHECK(custom_headers(seen) == expected);
    }
    SECTION("an empty body") {
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), ""));
        REQUIRE(r.has_value());
        const auto seen = server.requests().at(0);
        REQUIRE(seen.header("Content-Length") != nullptr);
        CHECK(*seen.header("Content-Length") == "0");
        CHECK(seen.body.empty());
    }
}

TEST_CASE("curl transport: a non-2xx status is a response", "[curl]") {
    test_server server([](const received_request& r) {
        if (r.target == "/404") return reply{404, "Not Found", {}, R"({"error":"Not found"})"};
        return reply{503, "Service Unavailable", {{"Retry-After", "7"}}, "busy"};
    });
    trocco::curl::transport t;
    const auto not_found = send_sync(t, get(server.url("/404")));
    REQUIRE(not_found.has_value());
    CHECK(not_found->status == 404);
    CHECK(not_found->body == R"({"error":"Not found"})");
    const auto unavailable = send_sync(t, post(server.url("/503"), "{}"));
    REQUIRE(unavailable.has_value());
    CHECK(unavailable->status == 503);
    REQUIRE(trocco::find_header(unavailable->headers, "Retry-After") != nullptr);
    CHECK(*trocco::find_header(unavailable->headers, "Retry-After") == "7");
    CHECK(unavailable->body == "busy");
}

TEST_CASE("curl transport: only the final response's headers are kept", "[curl]") {
    test_server server([](const received_request&) {
        reply r;
        r.raw = "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
                "HTTP/1.1 201 Created\r\nX-Final: yes\r\nX-Padded:   spaced value  \r\nX-Folded: first\r\n  second\r\n"
                "Content-Length: 2\r\n\r\nok";
        return r;
    });
    trocco::curl::transport t;
    const auto r = send_sync(t, post(server.url("/x"), "{}"));
    REQUIRE(r.has_value());
    CHECK(r->status == 201);
    CHECK(r->body == "ok");
    CHECK(trocco::find_header(r->headers, "X-Interim") == nullptr);
    REQUIRE(trocco::find_header(r->headers, "X-Final") != nullptr);
    CHECK(*trocco::find_header(r->headers, "X-Padded") == "spaced value");
    CHECK(*trocco::find_header(r->headers, "X-Folded") == "first second");
}

TEST_CASE("curl transport: failures before anything was sent are connect_failed", "[curl]") {
    trocco::curl::transport_options options;
    options.connect_timeout = 300ms;

    SECTION("connection refused") {
        trocco::curl::transport t(options);
        const auto url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/api/jobs/1";
        const auto r = send_sync(t, get(url));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(contains(r.error().message(), "GET " + url + ": "));
        CHECK(contains(r.error().message(), "connect"));
        const auto p = send_sync(t, post(url, "{}"));
        CHECK(is_error(p, trocco::errc::connect_failed));
    }
    SECTION("connect timeout") {
        full_listener listener;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto r = send_sync(t, post(listener.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 5s);
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(contains(r.error().message(), "imeout"));
    }
    SECTION("the request timeout passing while still connecting") {
        full_listener listener;
        options.connect_timeout = 10s;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto r = send_sync(t, post(listener.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 5s);
        REQUIRE(is_error(r, trocco::errc::connect_failed));
    }
    SECTION("TLS handshake failure") {
        test_server server;  // speaks plain HTTP: answers a ClientHello with an HTTP 400
        trocco::curl::transport t(options);
        const auto r = send_sync(t, post("https://127.0.0.1:" + std::to_string(server.port()) + "/x", "{}"));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(server.requests().empty());
    }
    SECTION("an unreadable CA file") {
        test_server server;
        options.ca_file = "/nonexistent/trocco-test-ca.pem";
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get("https://127.0.0.1:" + std::to_string(server.port()) + "/x"));
        REQUIRE(is_error(r, trocco::errc::connect_failed));
        CHECK(server.requests().empty());
    }
}

TEST_CASE("curl transport: bad requests are refused before anything is sent", "[curl]") {
    test_server server;
    trocco::curl::transport t;
    CHECK(is_error(send_sync(t, get("ftp://127.0.0.1/x")), trocco::errc::invalid_argument));
    CHECK(is_error(send_sync(t, get(server.url("/x"), {{"X-Injected", "a\r\nX-Evil: 1"}})),
                   trocco::errc::invalid_argument));
    CHECK(is_error(send_sync(t, get(server.url("/x"), {{"Bad Name", "v"}})), trocco::errc::invalid_argument));
    trocco::http_request get_with_body = get(server.url("/x"));
    get_with_body.body = "body";
    CHECK(is_error(send_sync(t, get_with_body), trocco::errc::invalid_argument));
    CHECK(server.requests().empty());
}

TEST_CASE("curl transport: failures after the request left are transport_failure", "[curl]") {
    SECTION("the server closes the connection after reading the request") {
        test_server server([](const received_request&) {
            reply r;
            r.close_without_answer = true;
            return r;
        });
        trocco::curl::transport t;
        const auto g = send_sync(t, get(server.url("/api/jobs/1")));
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        const auto p = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        REQUIRE(is_error(p, trocco::errc::transport_failure));
        CHECK(server.count("GET") == 1);   // a fresh connection: libcurl has no reason to resend
        CHECK(server.count("POST") == 1);
    }
    SECTION("the response does not come within the request timeout") {
        test_server server([](const received_request&) {
            reply r;
            r.delay = 5s;
            return r;
        });
        trocco::curl::transport_options options;
        options.request_timeout = 300ms;
        trocco::curl::transport t(options);
        const auto start = clock_type::now();
        const auto g = send_sync(t, get(server.url("/api/jobs/1")));
        const auto p = send_sync(t, post(server.url("/api/jobs?job_definition_id=1"), "{}"));
        CHECK(since(start) < 4s);
        REQUIRE(is_error(g, trocco::errc::transport_failure));
        REQUIRE(is_error(p, trocco::errc::transport_failure));
        CHECK(contains(p.error().message(), "POST " + server.url("/api/jobs?job_definition_id=1")));
        CHECK(contains(p.error().message(), "imeout"));
        CHECK(server.count("POST") == 1);
    }
    SECTION("a truncated body") {
        test_server server([](const received_request&) {
            reply r;
            r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part";
            return r;
        });
        trocco::curl::transport t;
        CHECK(is_error(send_sync(t, get(server.url("/x"))), trocco::errc::transport_failure));
    }
}

TEST_CASE("curl transport: responses beyond the size limit are transport_failure", "[curl]") {
    SECTION("a declared Content-Length beyond the limit") {
        test_server server([](const received_request&) { return reply{200, "OK", {}, std::string(5000, 'a')}; });
        trocco::curl::transport_options options;
        options.max_response_bytes = 1000;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get(server.url("/big")));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(contains(r.error().message(), "response too large"));
    }
    SECTION("a body without a length, read until the server closes") {
        test_server server([](const received_request&) {
            reply r;
            r.raw = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(5000, 'b');
            return r;
        });
        trocco::curl::transport_options options;
        options.max_response_bytes = 1000;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get(server.url("/big")));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(contains(r.error().message(), "response too large"));
    }
    SECTION("exactly the limit is fine") {
        test_server server([](const received_request&) { return reply{200, "OK", {}, std::string(1000, 'c')}; });
        trocco::curl::transport_options options;
        options.max_response_bytes = 1000;
        trocco::curl::transport t(options);
        const auto r = send_sync(t, get(server.url("/fits")));
        REQUIRE(r.has_value());
        CHECK(r->body.size() == 1000);
    }
    SECTION("the default limit of 4 MiB") {
        test_server server([](const received_request& q) {
            return reply{200, "OK", {}, std::string(q.target == "/over" ? 4 * 1024 * 1024 + 1 : 4 * 1024 * 1024, 'd')};
        });
        trocco::curl::transport t;
        const auto fits = send_sync(t, get(server.url("/fits")));
        REQUIRE(fits.has_value());
        CHECK(fits->body.size() == 4u * 1024 * 1024);
        CHECK(is_error(send_sync(t, get(server.url("/over"))), trocco::errc::transport_failure));
    }
    SECTION("too many header bytes") {
        test_server server([](const received_request&) {
            reply r;
            for (int i = 0; i < 80; ++i) r.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(1024, 'h'));
            return r;
        });
        trocco::curl::transport t;
        const auto r = send_sync(t, get(server.url("/headers")));
        REQUIRE(is_error(r, trocco::errc::transport_failure));
        CHECK(contains(r.error().message(), "response too large"));
    }
}

TEST_CASE("curl transport: GETs reuse one kept-alive connection", "[curl]") {
    test_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });
    trocco::curl::transport t;
    for (int i = 0; i < 5; ++i) {
        const auto r = send_sync(t, get(server.url("/api/jobs/" + std::to_string(i))));
        REQUIRE(r.has_value());
        CHECK(r->body == "/api/jobs/" + std::to_string(i));
    }
    CHECK(server.connections() == 1);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    for (std::size_t i = 0; i < requests.size(); ++i) CHECK(requests[i].index_on_connection == static_cast<int>(i));
}

TEST_CASE("curl transport: every POST goes on a fresh connection of its own", "[curl]") {
    test_server server;
    trocco::curl::transport t;
    REQUIRE(send_sync(t, get(server.url("/a"))).has_value());
    REQUIRE(send_sync(t, post(server.url("/p1"), "{}")).has_value());
    REQUIRE(send_sync(t, get(server.url("/b"))).has_value());
    REQUIRE(send_sync(t, post(server.url("/p2"), "{}")).has_value());
    REQUIRE(send_sync(t, get(server.url("/c"))).has_value());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 5);
    std::map<int, int> per_connection;
    for (const auto& r : requests) ++per_connection[r.connection];
    for (const auto& r : requests) {
        if (r.method == "POST") {
            CHECK(r.index_on_connection == 0);
            CHECK(per_connection[r.connection] == 1);  // neither reused nor kept for reuse
        }
    }
    CHECK(requests[0].connection == requests[2].connection);  // the GETs still share theirs
    CHECK(requests[2].connection == requests[4].connection);
    CHECK(server.connections() == 3);
}

TEST_CASE("curl transport: the trigger POST is never resent when a kept-alive connection dies", "[curl]") {
    SECTION("the server closes the idle kept-alive connection just before the trigger") {
        test_server server([](const received_request& r) {
            if (r.method == "POST") return reply{200, "OK", {}, R"({"id":7,"job_definition_id":42,"status":"queued"})"};
            return reply{};
        });
        trocco::curl::transport t;
        REQUIRE(send_sync(t, get(server.url("/api/jobs/1"))).has_value());
        REQUIRE(server.close_idle_connections() == 1);
        REQUIRE(server.wait_until_no_connection(5s));
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(server.count("POST") == 1);
    }
    SECTION("the connection dies just as the request arrives (the server reads it, then closes)") {
        // Every request that arrives on an already used connection is swallowed: the connection is closed
        // without an answer, as when a server's idle timeout races with the request. libcurl resends a request
        // in that case when its connection was reused; it must not be able to do so with the trigger.
        test_server server([](const received_request& r) {
            reply answer;
            answer.close_without_answer = r.index_on_connection > 0;
            answer.body = r.method == "POST" ? R"({"id":7,"job_definition_id":42,"status":"queued"})" : "ok";
            return answer;
        });
        trocco::curl::transport t;
        REQUIRE(send_sync(t, get(server.url("/api/jobs/1"))).has_value());
        const auto r = send_sync(t, post(server.url("/api/jobs?job_definition_id=42"), "{}"));
        REQUIRE(r.has_value());
        CHECK(r->status == 200);
        CHECK(server.count("POST") == 1);
        for (const auto& q : server.requests()) {
            if (q.method == "POST") CHECK(q.index_on_connection == 0);
        }
        // The trap is real: a GET on the reused connection is swallowed, and libcurl silently sends it again
        // on a fresh connection (harmless for a read).
        const auto again = send_sync(t, get(server.url("/api/jobs/1")));
        REQUIRE(again.has_value());
        CHECK(again->body == "ok");
        CHECK(server.count("GET") == 3);
    }
}

TEST_CASE("curl transport: many sends in flight at once", "[curl]") {
    constexpr std::size_t n = 200;
    test_server server([](const received_request& r) {
        reply answer;
        answer.body = r.target;
        answer.delay = 200ms;
        return answer;
    });
    gather<trocco::result<trocco::http_response>> all(n);
    trocco::curl::transport t;
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < n; ++i) all.start(as_task(t.send(get(server.url("/n/" + std::to_string(i))), {})));
    REQUIRE(all.wait_all(60s));
    const auto elapsed = since(start);
    for (std::size_t i = 0; i < n; ++i) {
        auto& r = all.result(i);
        REQUIRE(r.has_value());
        REQUIRE(r->has_value());
        CHECK((*r)->status == 200);
        CHECK((*r)->body == "/n/" + std::to_string(i));
    }
    CHECK(server.requests().size() == n);
    CHECK(server.peak_in_flight() >= 20);  // one after the other would be n * 200 ms
    CHECK(elapsed < 20s);
}

TEST_CASE("curl transport: max_connections bounds the connections, the rest wait their turn", "[curl]") {
    constexpr std::size_t n = 100;
    test_server server([](const received_request& r) {
        reply answer;
        answer.body = r.target;
        answer.delay = 20ms;
        return answer;
    });
    gather<trocco::result<trocco::http_response>> all(n);
    trocco::curl::transport_options options;
    options.max_connections = 8;
    trocco::curl::transport t(options);
    for (std::size_t i = 0; i < n; ++i) all.start(as_task(t.send(get(server.url("/m/" + std::to_string(i))), {})));
    REQUIRE(all.wait_all(60s));
    for (std::size_t i = 0; i < n; ++i) {
        REQUIRE(all.result(i).has_value());
        REQUIRE(all.result(i)->has_value());
        CHECK((*all.result(i))->body == "/m/" + std::to_string(i));
    }
    CHECK(server.connections() <= 8);
    CHECK(server.peak_in_flight() <= 8);
    CHECK(server.peak_in_flight() >= 2);
}

TEST_CASE("curl transport: sleep_for waits at least the delay, timers fire in order", "[curl]") {
    trocco::curl::transport t;
    SECTION("one sleep") {
        const auto start = t.now();
        const auto r = sleep_sync(t, 150ms);
        const auto elapsed = t.now() - start;
        CHECK(r.has_value());
        CHECK(elapsed >= 150ms);
        CHECK(elapsed < 2s);
    }
    SECTION("a zero delay") {
        CHECK(sleep_sync(t, 0ms).has_value());
    }
    SECTION("concurrent sleeps complete in the order of their deadlines, on the worker thread") {
        std::mutex mutex;
        std::vector<int> order;
        gather<int> all(3);
        const auto sleeper = [](trocco::curl::transport* tr, int ms, std::mutex* m, std::vector<int>* out) -> trocco::task<int> {
            auto slept = co_await tr->sleep_for(std::chrono::milliseconds{ms}, {});
            {
                std::lock_guard lock(*m);
                out->push_back(ms);
            }
            co_return slept.has_value() ? ms : -1;
        };
        all.start(sleeper(&t, 300, &mutex, &order));
        all.start(sleeper(&t, 100, &mutex, &order));
        all.start(sleeper(&t, 200, &mutex, &order));
        REQUIRE(all.wait_all(10s));
        CHECK(order == std::vector<int>{100, 200, 300});
        for (std::size_t i = 0; i < 3; ++i) {
            CHECK(all.result(i).value() > 0);
            CHECK(all.thread(i) == t.worker_thread_id());
        }
    }
}

TEST_CASE("curl transport: a stop request cancels promptly", "[curl]") {
    test_server server([](const received_request& r) {
        reply answer;
        if (r.target == "/slow") answer.delay = 10s;
        return answer;
    });
    trocco::curl::transport t;

    SECTION("during a send") {
        std::stop_source source;
        std::thread stopper([&] {
            server.wait_for_requests(1, 5s);
            std::this_thread::sleep_for(50ms);
            source.request_stop();
        });
        const auto start = clock_type::now();
        const auto r = send_sync(t, get(server.url("/slow")), source.get_token());
        stopper.join();
        CHECK(since(start) < 3s);
        REQUIRE(is_error(r, trocco::errc::canceled));
        CHECK(server.requests().size() == 1);
        const auto next = send_sync(t, get(server.url("/fast")));  // the transport goes on working
        REQUIRE(next.has_value());
        CHECK(next->status == 200);
    }
    SECTION("during a sleep") {
        std::stop_source source;
        std::thread stopper([&] {
            std::this_thread::sleep_for(100ms);
            source.request_stop();
        });
        const auto start = clock_type::now();
        const auto r = sleep_sync(t, 10s, source.get_token());
        stopper.join();
        CHECK(since(start) < 3s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == trocco::errc::canceled);
    }
    SECTION("requested before the co_await: nothing is sent") {
        std::stop_source source;
        source.request_stop();
        CHECK(is_error(send_sync(t, get(server.url("/fast")), source.get_token()), trocco::errc::canceled));
        const auto s = sleep_sync(t, 10s, source.get_token());
        REQUIRE_FALSE(s.has_value());
        CHECK(s.error().kind() == trocco::errc::canceled);
        CHECK(server.requests().empty());
    }
    SECTION("requested from a completion on the worker thread") {
        std::stop_source source;
        gather<bool> all(2);
        const auto stop_after = [](trocco::curl::transport* tr, std::stop_source* s) -> trocco::task<bool> {
            auto slept = co_await tr->sleep_for(50ms, {});
            s->request_stop();  // runs the other operation's stop callback on the worker thread
            co_return slept.has_value();
        };
        const auto long_send = [](trocco::curl::transport* tr, std::string url, std::stop_token stop) -> trocco::task<bool> {
            auto r = co_await tr->send(get(std::move(url)), std::move(stop));
            co_return !r.has_value() && r.error().kind() == trocco::errc::canceled;
        };
        const auto start = clock_type::now();
        all.start(long_send(&t, server.url("/slow"), source.get_token()));
        all.start(stop_after(&t, &source));
        REQUIRE(all.wait_all(5s));
        CHECK(since(start) < 3s);
        CHECK(all.result(0).value());
        CHECK(all.result(1).value());
    }
}

TEST_CASE("curl transport: destruction completes everything in flight with canceled", "[curl]") {
    test_server server([](const received_request&) {
        reply answer;
        answer.delay = 10s;
        return answer;
    });
    constexpr std::size_t sends = 5;
    constexpr std::size_t sleeps = 5;
    gather<trocco::errc> all(sends + sleeps);
    auto t = std::make_unique<trocco::curl::transport>();
    const auto send_one = [](trocco::curl::transport* tr, std::string url) -> trocco::task<trocco::errc> {
        auto r = co_await tr->send(post(std::move(url), "{}"), {});
        co_return r.has_value() ? trocco::errc{} : r.error().kind();
    };
    const auto sleep_one = [](trocco::curl::transport* tr) -> trocco::task<trocco::errc> {
        auto r = co_await tr->sleep_for(10s, {});
        co_return r.has_value() ? trocco::errc{} : r.error().kind();
    };
    for (std::size_t i = 0; i < sends; ++i) all.start(send_one(t.get(), server.url("/api/jobs?job_definition_id=1")));
    for (std::size_t i = 0; i < sleeps; ++i) all.start(sleep_one(t.get()));
    REQUIRE(server.wait_for_requests(sends, 5s));  // the transfers are really in flight
    CHECK(all.done() == 0);

    const auto start = clock_type::now();
    t.reset();
    CHECK(since(start) < 3s);
    CHECK(all.done() == sends + sleeps);  // resumed before the destructor returned
    REQUIRE(all.wait_all(1s));
    for (std::size_t i = 0; i < sends + sleeps; ++i) CHECK(all.result(i).value() == trocco::errc::canceled);
}

TEST_CASE("curl transport: the post hook receives every completion", "[curl]") {
    test_server server([](const received_request& r) { return reply{200, "OK", {}, r.target}; });

    std::mutex mutex;
    std::condition_variable posted;
    std::vector<std::function<void()>> queue;
    std::size_t posts = 0;
    trocco::curl::transport_options options;
    options.post = [&](std::function<void()> f) {
        std::lock_guard lock(mutex);
        queue.push_back(std::move(f));
        ++posts;
        posted.notify_all();
    };
    // Runs posted resumptions on this thread until `until` holds or `timeout` passes.
    const auto drain = [&](const std::function<bool()>& until, std::chrono::milliseconds timeout) {
        const auto deadline = clock_type::now() + timeout;
        while (!until() && clock_type::now() < deadline) {
            std::vector<std::function<void()>> batch;
            {
                std::unique_lock lock(mutex);
                posted.wait_for(lock, 10ms, [&] { return !queue.empty(); });
                batch.swap(queue);
            }
            for (auto& f : batch) f();
        }
        return until();
    };

    const auto fetch = [](trocco::curl::transport* tr, std::string url) -> trocco::task<std::string> {
        auto r = co_await tr->send(get(std::move(url)), {});
        co_return r.has_value() ? r->body : "error: " + r.error().message();
    };
    const auto nap = [](trocco::curl::transport* tr, std::chrono::milliseconds d) -> trocco::task<std::string> {
        auto r = co_await tr->sleep_for(d, {});
        co_return r.has_value() ? std::string("slept") : "error: " + r.error().message();
    };

    SECTION("completions resume where post runs them") {
        gather<std::string> all(4);
        auto t = std::make_unique<trocco::curl::transport>(options);
        all.start(fetch(t.get(), server.url("/1")));
        all.start(fetch(t.get(), server.url("/2")));
        all.start(fetch(t.get(), server.url("/3")));
        all.start(nap(t.get(), 20ms));
        REQUIRE(drain([&] { return all.done() == 4; }, 10s));
        CHECK(all.result(0).value() == "/1");
        CHECK(all.result(1).value() == "/2");
        CHECK(all.result(2).value() == "/3");
        CHECK(all.result(3).value() == "slept");
        for (std::size_t i = 0; i < 4; ++i) CHECK(all.thread(i) == std::this_thread::get_id());
        std::lock_guard lock(mutex);
        CHECK(posts == 4);
    }
    SECTION("destruction hands the canceled completions to post; they may run after the transport is gone") {
        gather<std::string> all(2);
        auto t = std::make_unique<trocco::curl::transport>(options);
        all.start(nap(t.get(), 10s));
        all.start(nap(t.get(), 10s));
        std::this_thread::sleep_for(50ms);
        t.reset();
        CHECK(all.done() == 0);  // nothing ran inline on the worker
        {
            std::lock_guard lock(mutex);
            CHECK(posts == 2);
        }
        REQUIRE(drain([&] { return all.done() == 2; }, 5s));
        CHECK(contains(all.result(0).value(), "error: "));
        CHECK(contains(all.result(1).value(), "destroyed"));
    }
}

TEST_CASE("curl transport: completions resume on the worker thread by default", "[curl]") {
    test_server server;
    trocco::curl::transport t;
    gather<trocco::result<trocco::http_response>> all(1);
    all.start(as_task(t.send(get(server.url("/x")), {})));
    REQUIRE(all.wait_all(10s));
    CHECK(all.thread(0) == t.worker_thread_id());
    CHECK(all.thread(0) != std::this_thread::get_id());
}

TEST_CASE("curl transport: a client runs a job to the end with sync_wait", "[curl]") {
    std::atomic<int> polls{0};
    test_server server([&polls](const received_request& r) {
        if (r.method == "POST" && r.target == "/api/jobs?job_definition_id=42") {
            return reply{200, "OK", {{"Content-Type", "application/json"}},
                         R"({"id":7,"job_definition_id":42,"status":"queued"})"};
        }
        if (r.method == "GET" && r.target == "/api/jobs/7") {
            const int n = ++polls;
            const char* status = n < 2 ? "executing" : "succeeded";
            return reply{200, "OK", {{"Content-Type", "application/json"}},
                         std::string(R"({"id":7,"job_definition_id":42,"status":")") + status + R"("})"};
        }
        return reply{404, "Not Found", {}, R"({"error":"no such route"})"};
    });
    trocco::curl::transport t;
    trocco::client client{t, {.api_key = "test-key", .base_url = server.base()}};

    std::mutex mutex;
    std::vector<std::string> statuses;
    std::vector<std::thread::id> callback_threads;
    std::int64_t triggered = 0;
    trocco::wait_options wait;
    wait.poll = trocco::poll_schedule::fixed(30ms);
    wait.timeout = 20s;
    wait.on_triggered = [&](std::int64_t id) { triggered = id; };
    wait.on_status_change = [&](const trocco::job& j) {
        std::lock_guard lock(mutex);
        statuses.push_back(j.raw_status);
        callback_threads.push_back(std::this_thread::get_id());
    };

    const auto done = trocco::sync_wait(client.run_and_wait({.job_definition_id = 42}, wait));
    REQUIRE(done.has_value());
    CHECK(done->id == 7);
    CHECK(done->status == trocco::job_status::succeeded);
    CHECK(triggered == 7);
    CHECK(statuses == std::vector<std::string>{"queued", "executing", "succeeded"});
    for (const auto& id : callback_threads) CHECK(id == t.worker_thread_id());

    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].method == "POST");
    REQUIRE(requests[0].header("Authorization") != nullptr);
    CHECK(contains(*requests[0].header("Authorization"), "test-key"));
    CHECK(requests[1].method == "GET");
    CHECK(requests[2].method == "GET");
    CHECK(requests[1].connection != requests[0].connection);  // the trigger had a connection of its own
    CHECK(requests[2].connection == requests[1].connection);  // the polls share one
    CHECK(server.connections() == 2);
}
