// A minimal HTTP/1.1 responder for the loopback benchmark (part b): one thread, epoll, non-blocking sockets,
// keep-alive, and the same fixed answer (a typical GET /api/jobs/{id} body) to every request. It does as little
// as an HTTP server can, so that what benchmarks/run measures is the client, not the server.
//
// It reads each request's head up to the blank line, skips a Content-Length body if there is one, and answers
// 200 with the fixed body; "Connection: close" closes after the answer. Pipelined requests are answered in order.
// Linux only (epoll, eventfd).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace trocco_bench {

/// The answer's body: trocco's GET /api/jobs/{id} for a finished job (docs: trocco-api notes, section 10 (b)).
inline constexpr std::string_view job_body =
    R"({"id":987654,"job_definition_id":123,"job_definition_name":"mysql_to_bigquery_orders","status":"succeeded",)"
    R"("transfer_records":15230,"created_at":"2025-06-01T09:00:00.000+09:00",)"
    R"("started_at":"2025-06-01T09:00:12.000+09:00","finished_at":"2025-06-01T09:03:40.000+09:00"})";

class responder {
public:
    /// Binds 127.0.0.1 on a free port and starts serving on its own thread.
    responder() {
        response_ = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
                    std::to_string(job_body.size()) + "\r\nX-Rate-Limit-Limit: 3500\r\nX-Rate-Limit-Remaining: 3499\r\n"
                    "X-Rate-Limit-Reset: 1748736600\r\n\r\n" + std::string(job_body);
        listener_ = check(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket");
        const int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        check(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
        check(::listen(listener_, 1024), "listen");
        socklen_t len = sizeof addr;
        check(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), "getsockname");
        port_ = ntohs(addr.sin_port);
        epoll_ = check(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
        wake_ = check(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
        watch(listener_, EPOLLIN);
        watch(wake_, EPOLLIN);
        thread_ = std::thread([this] { serve(); });
    }

    responder(const responder&) = delete;
    responder& operator=(const responder&) = delete;

    ~responder() {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto n = ::write(wake_, &one, sizeof one);
        thread_.join();
        for (auto& [fd, c] : connections_) ::close(fd);
        ::close(listener_);
        ::close(wake_);
        ::close(epoll_);
    }

    std::uint16_t port() const noexcept { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    struct connection {
        std::string in;
        std::string out;
        std::size_t body_left = 0;  // bytes of a request body still to skip
        bool close_after_write = false;
    };

    static int check(int rc, const char* what) {
        if (rc < 0) throw std::system_error(errno, std::generic_category(), what);
        return rc;
    }

    void watch(int fd, std::uint32_t events, int op = EPOLL_CTL_ADD) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        check(::epoll_ctl(epoll_, op, fd, &ev), "epoll_ctl");
    }

    void serve() {
        epoll_event events[64];
        for (;;) {
            const int n = ::epoll_wait(epoll_, events, 64, -1);
            if (n < 0) {
                if (errno == EINTR) continue;
                return;
            }
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == wake_) return;
                if (fd == listener_) {
                    accept_all();
                } else {
                    on_ready(fd, events[i].events);
                }
            }
        }
    }

    void accept_all() {
        for (;;) {
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) return;
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            connections_.emplace(fd, connection{});
            watch(fd, EPOLLIN | EPOLLRDHUP);
        }
    }

    void drop(int fd) {
        ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        connections_.erase(fd);
    }

    void on_ready(int fd, std::uint32_t events) {
        auto it = connections_.find(fd);
        if (it == connections_.end()) return;
        connection& c = it->second;
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            char buffer[16 * 1024];
            for (;;) {
                const auto got = ::read(fd, buffer, sizeof buffer);
                if (got > 0) {
                    c.in.append(buffer, static_cast<std::size_t>(got));
                    continue;
                }
                if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    handle_requests(c);
                    flush(fd, c);
                    return drop(fd);  // the peer closed (or failed): answer what was complete, then close
                }
                if (errno == EINTR) continue;
                break;
            }
            handle_requests(c);
        }
        if (!flush(fd, c)) return drop(fd);
    }

    /// Answers every complete request in `c.in`.
    void handle_requests(connection& c) {
        std::size_t pos = 0;
        for (;;) {
            if (c.body_left > 0) {
                const std::size_t skip = std::min(c.body_left, c.in.size() - pos);
                pos += skip;
                c.body_left -= skip;
                if (c.body_left > 0) break;
            }
            const auto end = c.in.find("\r\n\r\n", pos);
            if (end == std::string::npos) break;
            const std::string_view head(c.in.data() + pos, end - pos);
            c.body_left = content_length(head);
            if (has_token(head, "connection:", "close")) c.close_after_write = true;
            c.out += response_;
            pos = end + 4;
        }
        c.in.erase(0, pos);
    }

    /// Writes what is queued; false when the connection must be closed now.
    bool flush(int fd, connection& c) {
        while (!c.out.empty()) {
            const auto sent = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, EPOLL_CTL_MOD);
                    return true;
                }
                return false;
            }
            c.out.erase(0, static_cast<std::size_t>(sent));
        }
        watch(fd, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
        return !c.close_after_write;
    }

    static char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }

    /// The value of header `name` (lowercase, with the colon) in `head`, or an empty view.
    static std::string_view header_value(std::string_view head, std::string_view name) {
        std::size_t line = head.find("\r\n");
        while (line != std::string_view::npos) {
            line += 2;
            const std::size_t next = head.find("\r\n", line);
            const std::string_view text = head.substr(line, next == std::string_view::npos ? head.npos : next - line);
            if (text.size() >= name.size()) {
                bool same = true;
                for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(text[i]) == name[i];
                if (same) {
                    std::string_view value = text.substr(name.size());
                    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                    return value;
                }
            }
            line = next;
        }
        return {};
    }

    static std::size_t content_length(std::string_view head) {
        const auto value = header_value(head, "content-length:");
        std::size_t n = 0;
        for (const char ch : value) {
            if (ch < '0' || ch > '9') break;
            n = n * 10 + static_cast<std::size_t>(ch - '0');
        }
        return n;
    }

    static bool has_token(std::string_view head, std::string_view name, std::string_view token) {
        const auto value = header_value(head, name);
        if (value.size() < token.size()) return false;
        for (std::size_t i = 0; i < token.size(); ++i) {
            if (lower(value[i]) != token[i]) return false;
        }
        return true;
    }

    std::string response_;
    int listener_ = -1;
    int epoll_ = -1;
    int wake_ = -1;
    std::uint16_t port_ = 0;
    std::unordered_map<int, connection> connections_;  // touched by the serving thread only (and the destructor)
    std::thread thread_;
};

}  // namespace trocco_bench
