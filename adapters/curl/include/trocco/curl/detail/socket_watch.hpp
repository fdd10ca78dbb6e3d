// trocco/curl/detail/socket_watch.hpp - the engine's own event loop over libcurl's socket interface
// (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION, curl_multi_socket_action): the sockets libcurl asks to have
// watched, libcurl's next timeout, one poll() over them and a wakeup pipe, and telling libcurl which socket is
// ready for what. Driver-only, but wake(), which any thread may call. POSIX (poll, pipe). Included by impl/ only.
//
// Why not curl_multi_perform + curl_multi_poll: perform lets every transfer look at its own socket with a poll() of
// its own (libcurl cannot know which socket woke the loop), about two system calls per request beyond the one
// poll() that waits. socket_action hands libcurl the readiness this loop already knows, so a poll on one
// keep-alive connection costs one poll(), one send and one receive, as with an Asio event loop.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

#if defined(_WIN32)
#error "trocco::curl drives libcurl with poll() and a pipe (POSIX); Windows is not supported"
#endif

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace trocco::curl::detail {

class socket_watch {
public:
    using clock = std::chrono::steady_clock;

    /// Creates the wakeup pipe. Throws std::system_error when it cannot.
    socket_watch() {
        int fds[2];
        if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "trocco::curl: pipe");
        wake_read_ = fds[0];
        wake_write_ = fds[1];
        for (const int fd : fds) {
            // Non-blocking: a full pipe already holds a wakeup; close-on-exec: not inherited by a child program.
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
            ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        }
    }
    ~socket_watch() {
        ::close(wake_read_);
        ::close(wake_write_);
    }
    socket_watch(const socket_watch&) = delete;
    socket_watch& operator=(const socket_watch&) = delete;

    /// Routes `multi`'s socket and timer callbacks here. The watch must outlive curl_multi_cleanup(multi), which
    /// may still report sockets removed.
    void attach(CURLM* multi) noexcept {
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, static_cast<curl_socket_callback>(&on_socket));
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, static_cast<void*>(this));
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, static_cast<curl_multi_timer_callback>(&on_timer));
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, static_cast<void*>(this));
    }

    /// Any thread: ends the driver's wait() early (or its next one).
    void wake() noexcept {
        const char byte = 0;
        while (::write(wake_write_, &byte, 1) < 0 && errno == EINTR) {
        }
    }

    /// Lets libcurl act on its timeout while it is due (a transfer just added is due at once). Bounded: libcurl
    /// may ask for "now" again, and the wait then polls without blocking.
    void run_due_timeouts(CURLM* multi) noexcept {
        for (int i = 0; i < 8 && curl_due_ && *curl_due_ <= clock::now(); ++i) {
            curl_due_.reset();
            int running = 0;
            curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
    }

    /// Waits at most `limit` (and not beyond libcurl's own timeout) for a watched socket or a wakeup, then tells
    /// libcurl about every ready socket.
    void wait(CURLM* multi, std::chrono::milliseconds limit) noexcept {
        if (fds_dirty_) rebuild();
        const int ready = ::poll(fds_.data(), static_cast<nfds_t>(fds_.size()), timeout_ms(limit));
        if (ready < 0 && errno != EINTR) std::this_thread::sleep_for(std::chrono::milliseconds{1});  // never spin
        if (ready <= 0) return;  // a timeout, a signal or a broken poll: the caller turns again
        for (const pollfd& p : fds_) {
            if (p.revents == 0) continue;
            if (p.fd == wake_read_) {
                char sink[64];
                while (::read(wake_read_, sink, sizeof sink) > 0) {
                }
                continue;
            }
            // A socket an earlier action of this loop removed (or closed, its number maybe reused) is skipped.
            const auto it = watched_.find(p.fd);
            if (it == watched_.end()) continue;
            int bits = 0;
            if (p.revents & (POLLIN | POLLPRI | POLLHUP)) bits |= CURL_CSELECT_IN;
            if (p.revents & POLLOUT) bits |= CURL_CSELECT_OUT;
            if (p.revents & (POLLERR | POLLNVAL)) bits |= CURL_CSELECT_ERR;
            int running = 0;
            curl_multi_socket_action(multi, p.fd, bits, &running);
        }
    }

private:
    /// CURLMOPT_SOCKETFUNCTION: what libcurl wants to know about socket `s` from now on.
    static int on_socket(CURL*, curl_socket_t s, int what, void* self, void*) noexcept {
        auto& w = *static_cast<socket_watch*>(self);
        try {
            if (what == CURL_POLL_REMOVE) {
                w.watched_.erase(s);
            } else {
                short events = 0;
                if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) events |= POLLIN;
                if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) events |= POLLOUT;
                w.watched_[s] = events;
            }
        } catch (...) {
            return -1;  // out of memory: libcurl fails the transfers on this socket
        }
        w.fds_dirty_ = true;
        return 0;
    }

    /// CURLMOPT_TIMERFUNCTION: when libcurl wants curl_multi_socket_action(CURL_SOCKET_TIMEOUT); -1: never.
    static int on_timer(CURLM*, long timeout_ms, void* self) noexcept {
        auto& w = *static_cast<socket_watch*>(self);
        if (timeout_ms < 0) {
            w.curl_due_.reset();
        } else {
            w.curl_due_ = clock::now() + std::chrono::milliseconds{timeout_ms};
        }
        return 0;
    }

    int timeout_ms(std::chrono::milliseconds limit) const noexcept {
        auto wait = std::max(limit, std::chrono::milliseconds::zero());
        if (curl_due_) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*curl_due_ - clock::now());
            wait = std::clamp(left, std::chrono::milliseconds::zero(), wait);
        }
        return static_cast<int>(std::min<std::chrono::milliseconds::rep>(wait.count(), INT_MAX));
    }

    void rebuild() noexcept {
        try {
            fds_.reserve(watched_.size() + 1);
        } catch (...) {
            return;  // out of memory: the previous set is watched; libcurl's timeouts still end every transfer
        }
        fds_.clear();
        fds_.push_back({wake_read_, POLLIN, 0});
        for (const auto& [fd, events] : watched_) fds_.push_back({fd, events, 0});
        fds_dirty_ = false;
    }

    std::unordered_map<curl_socket_t, short> watched_;
    std::vector<pollfd> fds_;  // the wakeup pipe first, then watched_
    bool fds_dirty_ = true;
    std::optional<clock::time_point> curl_due_;
    int wake_read_ = -1;
    int wake_write_ = -1;
};

}  // namespace trocco::curl::detail
