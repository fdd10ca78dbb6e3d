// tools/cli/signals.hpp - turning SIGINT / SIGTERM into a std::stop_source stop request (POSIX).
//
// A signal handler may only call async-signal-safe functions, and std::stop_source::request_stop is not one (it
// takes a lock and runs stop callbacks). So the handler only writes the signal's number into a pipe (the
// "self-pipe trick"), and a thread of the watcher reads it and requests the stop. One mechanism serves both
// transports: the curl transport's worker and the asio io_context both accept a stop request from any thread.
#pragma once

#include <atomic>
#include <cerrno>
#include <csignal>
#include <stop_token>
#include <system_error>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace trocco::cli {

namespace detail {

/// The pipe the handler writes into; -1 when no watcher is active. Lock-free atomics are signal-safe.
inline std::atomic<int> signal_pipe{-1};
static_assert(std::atomic<int>::is_always_lock_free);

inline void on_signal(int signal_number) {
    const int saved_errno = errno;
    const int fd = signal_pipe.load();
    if (fd >= 0) {
        const auto byte = static_cast<unsigned char>(signal_number);
        [[maybe_unused]] const auto written = ::write(fd, &byte, 1);
    }
    errno = saved_errno;
}

}  // namespace detail

/// While it lives, SIGINT and SIGTERM request a stop on `source` (once; a second signal then has its default
/// effect and ends the process at once). A SIGINT that was ignored when the program started stays ignored. Create it once, in main(). The pipe's descriptors are deliberately
/// left open until the process ends: a handler running on another thread at the moment of destruction must
/// never write into a reused descriptor.
class signal_watcher {
public:
    explicit signal_watcher(std::stop_source source) : source_(std::move(source)) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        read_fd_ = fds[0];
        write_fd_ = fds[1];
        detail::signal_pipe.store(write_fd_);
        struct sigaction action {};
        action.sa_handler = &detail::on_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        // A SIGINT ignored since the process started (a background job of a non-interactive shell) stays
        // ignored, as the GNU coding standards ask of programs that catch it.
        ::sigaction(SIGINT, nullptr, &previous_int_);
        if (previous_int_.sa_handler != SIG_IGN) ::sigaction(SIGINT, &action, nullptr);
        ::sigaction(SIGTERM, &action, &previous_term_);
        thread_ = std::thread([this] { watch(); });
    }

    ~signal_watcher() {
        detail::signal_pipe.store(-1);
        ::sigaction(SIGINT, &previous_int_, nullptr);
        ::sigaction(SIGTERM, &previous_term_, nullptr);
        const unsigned char quit = 0;
        while (::write(write_fd_, &quit, 1) < 0 && errno == EINTR) {
        }
        thread_.join();
    }

    signal_watcher(const signal_watcher&) = delete;
    signal_watcher& operator=(const signal_watcher&) = delete;

    /// The first signal received (SIGINT or SIGTERM), or 0.
    int received() const noexcept { return received_.load(); }

private:
    void watch() {
        for (;;) {
            unsigned char byte = 0;
            const auto n = ::read(read_fd_, &byte, 1);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || byte == 0) return;
            int expected = 0;
            if (received_.compare_exchange_strong(expected, byte)) {
                // From now on a second Ctrl-C ends the process at once, as users expect of a second one.
                struct sigaction fallback {};
                fallback.sa_handler = SIG_DFL;
                sigemptyset(&fallback.sa_mask);
                if (previous_int_.sa_handler != SIG_IGN) ::sigaction(SIGINT, &fallback, nullptr);
                ::sigaction(SIGTERM, &fallback, nullptr);
                source_.request_stop();
            }
        }
    }

    std::stop_source source_;
    int read_fd_ = -1;
    int write_fd_ = -1;
    struct sigaction previous_int_ {};
    struct sigaction previous_term_ {};
    std::atomic<int> received_{0};
    std::thread thread_;
};

}  // namespace trocco::cli
