// tests/support/unaccepting_listener.hpp - a loopback listener whose accept queue is full, for connect timeouts
// and stops during a connect. Header-only: the conformance suite uses it without the loopback server's sources.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace test_support {

/// Listens on 127.0.0.1 with a backlog of 0 and never accepts; a few connections of its own fill the queue, so a
/// further connect hangs (Linux drops the SYN) until the client's connect timeout or stop.
class unaccepting_listener {
public:
    unaccepting_listener() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listen_fd_ < 0) throw std::system_error(errno, std::generic_category(), "unaccepting_listener: socket");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::listen(listen_fd_, 0) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            const int saved = errno;
            ::close(listen_fd_);
            throw std::system_error(saved, std::generic_category(), "unaccepting_listener: bind/listen");
        }
        port_ = ntohs(address.sin_port);
        for (int i = 0; i < 4; ++i) {  // fill the queue; the later ones stay half-open
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) continue;
            ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
            fillers_.push_back(fd);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{50});  // the fillers' handshakes complete (or drop)
    }
    ~unaccepting_listener() {
        for (const int fd : fillers_) ::close(fd);
        ::close(listen_fd_);
    }
    unaccepting_listener(const unaccepting_listener&) = delete;
    unaccepting_listener& operator=(const unaccepting_listener&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::string url(std::string_view target) const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
    }

private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::vector<int> fillers_;
};

}  // namespace test_support
