// tests/support/refused_port.hpp - a loopback port at which every connect is refused, reserved for the process.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>

namespace test_support {

/// A port on 127.0.0.1 at which a connect is refused, the same one for the whole process.
///
/// Why not a port bound once and then released: test programs run in parallel, and the kernel may hand that
/// port to another program's server a moment later, so the "refused" connect reaches that server (seen under
/// TSan in CI: a 404 where a refusal was expected). Here a socket stays bound to the port, never listening, and
/// without SO_REUSEADDR, so no other socket can bind it, while a connect to it is answered with a reset. The
/// socket is closed when the process exits.
inline std::uint16_t refused_loopback_port() {
    static const std::uint16_t port = [] {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
            throw std::runtime_error("refused_loopback_port: cannot bind a loopback port");
        return ntohs(address.sin_port);  // fd stays open on purpose: it holds the port
    }();
    return port;
}

}  // namespace test_support
