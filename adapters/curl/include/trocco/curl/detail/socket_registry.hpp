// trocco/curl/detail/socket_registry.hpp - the sockets libcurl opened for one transport, so that the pre-request
// callback, which libcurl gives only the connection's addresses, can look at the connection's socket: a pooled
// HTTP/1.1 connection must hold no input when a request is about to go out on it. Anything there (an answer
// nobody asked for, a server's "408 Request Timeout" before it closes an idle connection, the end of the stream)
// would otherwise be read as the answer to the new request, or make libcurl resend it. Worker-only (and the
// multi handle's cleanup, after the worker ended). Included by impl/ only.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <curl/curl.h>

#if defined(_WIN32)
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace trocco::curl::detail {

class socket_registry {
public:
    /// What find() knows of a connection's socket.
    struct connection {
        curl_socket_t socket = CURL_SOCKET_BAD;
        bool reused = false;  // a request went out on it before
    };

    socket_registry() = default;
    socket_registry(const socket_registry&) = delete;
    socket_registry& operator=(const socket_registry&) = delete;

    /// CURLOPT_OPENSOCKETFUNCTION (user pointer: the registry).
    static curl_socket_t open(void* self, curlsocktype, curl_sockaddr* address) noexcept {
        int type = address->socktype;
#if defined(SOCK_CLOEXEC)
        type |= SOCK_CLOEXEC;  // not inherited by a program the caller starts
#endif
        const curl_socket_t s = ::socket(address->family, type, address->protocol);
        if (s == CURL_SOCKET_BAD) return s;
        try {
            static_cast<socket_registry*>(self)->unnamed_.push_back(s);
        } catch (...) {
            // Out of memory: the socket works, only its check before reuse is skipped.
        }
        return s;
    }

    /// CURLOPT_CLOSESOCKETFUNCTION (user pointer: the registry).
    static int close(void* self, curl_socket_t s) noexcept {
        static_cast<socket_registry*>(self)->forget(s);
#if defined(_WIN32)
        return ::closesocket(s);
#else
        return ::close(s);
#endif
    }

    /// The socket connected from local_ip:local_port to remote_ip:remote_port (as libcurl's pre-request callback
    /// names them); marks it as used by a request, and says whether one used it before.
    connection use(const char* remote_ip, int remote_port, const char* local_ip, int local_port) {
        const std::string name = key(local_ip, local_port, remote_ip, remote_port);
        auto it = named_.find(name);
        if (it == named_.end()) {
            name_new_sockets();
            it = named_.find(name);
            if (it == named_.end()) return {};
        }
        connection c{it->second.socket, it->second.used};
        it->second.used = true;
        return c;
    }

    /// Whether the socket has input waiting, or its peer closed or reset it.
    static bool has_pending_input(curl_socket_t s) noexcept {
#if defined(_WIN32)
        WSAPOLLFD p{s, POLLRDNORM, 0};
        const int ready = ::WSAPoll(&p, 1, 0);
#else
        pollfd p{s, POLLIN, 0};
        const int ready = ::poll(&p, 1, 0);
#endif
        return ready != 0;  // readable, hung up, in error, or poll itself failed: not fit for a new request
    }

private:
    struct entry {
        curl_socket_t socket = CURL_SOCKET_BAD;
        bool used = false;
    };

    static std::string key(const char* local_ip, int local_port, const char* remote_ip, int remote_port) {
        std::string k = local_ip != nullptr ? local_ip : "";
        k += ' ';
        k += std::to_string(local_port);
        k += ' ';
        k += remote_ip != nullptr ? remote_ip : "";
        k += ' ';
        k += std::to_string(remote_port);
        return k;
    }

    /// "address port" of a socket's end (getsockname or getpeername), or empty.
    template <class Get>
    static std::string address_of(curl_socket_t s, Get get) {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        if (get(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
        char text[INET6_ADDRSTRLEN] = {};
        int port = 0;
        if (address.ss_family == AF_INET) {
            const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
            if (::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text) == nullptr) return {};
            port = ntohs(v4->sin_port);
        } else if (address.ss_family == AF_INET6) {
            const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
            if (::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text) == nullptr) return {};
            port = ntohs(v6->sin6_port);
        } else {
            return {};
        }
        return std::string(text) + ' ' + std::to_string(port);
    }

    /// Names every socket connected since the last call (each is named once; one still connecting waits).
    void name_new_sockets() {
        for (std::size_t i = 0; i < unnamed_.size();) {
            const curl_socket_t s = unnamed_[i];
            const std::string local = address_of(s, [](curl_socket_t f, sockaddr* a, socklen_t* l) { return ::getsockname(f, a, l); });
            const std::string remote = address_of(s, [](curl_socket_t f, sockaddr* a, socklen_t* l) { return ::getpeername(f, a, l); });
            if (local.empty() || remote.empty()) {
                ++i;
                continue;
            }
            std::string name = local + ' ' + remote;
            names_[s] = name;
            named_[std::move(name)] = entry{s, false};
            unnamed_[i] = unnamed_.back();
            unnamed_.pop_back();
        }
    }

    void forget(curl_socket_t s) noexcept {
        for (std::size_t i = 0; i < unnamed_.size(); ++i) {
            if (unnamed_[i] == s) {
                unnamed_[i] = unnamed_.back();
                unnamed_.pop_back();
                return;
            }
        }
        if (const auto it = names_.find(s); it != names_.end()) {
            named_.erase(it->second);
            names_.erase(it);
        }
    }

    std::vector<curl_socket_t> unnamed_;                    // opened, not yet connected when last looked at
    std::unordered_map<std::string, entry> named_;          // "local-ip local-port remote-ip remote-port"
    std::unordered_map<curl_socket_t, std::string> names_;  // the key of each named socket
};

}  // namespace trocco::curl::detail
