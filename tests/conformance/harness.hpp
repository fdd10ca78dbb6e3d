// tests/conformance/harness.hpp - what the transport conformance suite needs to know about each transport.
//
// Every conformance case is written once, as `template <class Harness> void some_case()`, and runs against both
// bundled transports through one "harness" per transport:
//
//   H h{config};                 a transport made from a transport_config (timeouts, trusted CA, insecure switch,
//                                connection bound), owned by the harness;
//   h.transport()                the transport, for a trocco::client<typename H::transport_type>;
//   h.run(task)                  runs one task to completion and returns its value;
//   h.spawn(task, slot); ...;    starts any number of tasks at once (each writes its value into its slot) and
//   h.join()                     waits until every one has finished;
//   h.destroy_transport_after(d) destroys the transport `d` after now (asio: from the io_context during the next
//                                join(); curl: here, from this thread), with whatever is in flight.
//
// asio_harness: an io_context run by the test's thread (plus more with transport_config::completion_threads);
// tasks start through trocco::asio::async_run and complete on the io_context's threads. curl_harness: run() is
// trocco::sync_wait; spawned tasks start with trocco::detail::start_detached on the test's thread and complete on
// the transport's worker thread (or, with completion_threads, on a pool fed by transport_options::post), so their
// results are handed over under a mutex. The fake trocco server runs on a thread of its own (its owned
// io_context), so both transports talk to it over loopback.
#pragma once

#include <utility>  // before Boost 1.74's asio headers, which use std::exchange without including it

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <trocco/asio.hpp>
#include <trocco/curl.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/test_certificates.hpp>
#include <trocco/trocco.hpp>

#include "../catch.hpp"
#include "support/fake_server_settings.hpp"
#include "support/refused_port.hpp"
#include "support/text.hpp"
#include "support/transport_calls.hpp"
#include "threads.hpp"

namespace conformance {

using namespace std::chrono_literals;
using trocco::errc;
using trocco::testing::fake_server;
using trocco::testing::fake_server_options;
using trocco::testing::fault;
using trocco::testing::scripted_outcome;

/// How long join() waits for spawned tasks before it gives up (destroying the transport, which ends them) and
/// fails the case: generous, for sanitizer builds on a loaded 2-core machine.
inline constexpr std::chrono::seconds join_limit{300};

/// What a case asks of a transport, in terms both transports understand.
struct transport_config {
    /// The limit on name resolution plus the TCP connect (both: connect_timeout; curl's includes the TLS
    /// handshake). nullopt: the default (10 s).
    std::optional<std::chrono::milliseconds> connect_timeout = std::nullopt;
    /// The limit on waiting for an answer once the request was sent. asio: read_timeout. curl: request_timeout
    /// (the whole request, connect included; on loopback the connect takes no time). nullopt: the default.
    std::optional<std::chrono::milliseconds> read_timeout = std::nullopt;
    /// The response-size limit (both: max_response_bytes). nullopt: the default (4 MiB).
    std::optional<std::size_t> max_response_bytes = std::nullopt;
    /// A CA to trust, as PEM text. asio: ca_pem (or ca_file with ca_in_file); curl: always a CA file (written to a
    /// temporary file that the harness removes).
    std::string ca_pem = {};
    bool ca_in_file = false;
    bool insecure_skip_tls_verification = false;
    /// A bound on open connections. asio: max_connections_per_host; curl: max_connections. 0: the default.
    std::size_t max_connections = 0;
    /// Where completions resume. 0 or 1: one thread (asio: the test's thread, which runs the io_context; curl: the
    /// transport's worker thread). N > 1: N threads (asio: the io_context is run by the test's thread and N - 1
    /// more; curl: transport_options::post hands every completion to a pool of N threads).
    std::size_t completion_threads = 0;
};

using test_support::temp_file;

// ---- asio --------------------------------------------------------------------------------------------------

class asio_harness {
public:
    static constexpr std::string_view name = "asio";
    using transport_type = trocco::asio::transport;

    explicit asio_harness(const transport_config& config = {})
        : threads_(std::max<std::size_t>(config.completion_threads, 1)),
          io_(static_cast<int>(threads_)) {
        trocco::asio::transport_options o;
        if (config.connect_timeout) o.connect_timeout = *config.connect_timeout;
        if (config.read_timeout) o.read_timeout = *config.read_timeout;
        if (config.max_response_bytes) o.max_response_bytes = *config.max_response_bytes;
        if (!config.ca_pem.empty()) {
            if (config.ca_in_file) {
                ca_file_.emplace(config.ca_pem);
                o.ca_file = ca_file_->path();
            } else {
                o.ca_pem = config.ca_pem;
            }
        }
        o.insecure_skip_tls_verification = config.insecure_skip_tls_verification;
        if (config.max_connections > 0) o.max_connections_per_host = config.max_connections;
        transport_ = std::make_unique<transport_type>(io_.get_executor(), std::move(o));
    }
    asio_harness(const asio_harness&) = delete;
    asio_harness& operator=(const asio_harness&) = delete;

    transport_type& transport() { return *transport_; }

    /// Starts `t` (when join() runs the io_context); its value goes into `out`, on an io_context thread.
    template <class T>
    void spawn(trocco::task<T> t, std::optional<T>& out) {
        ++spawned_;
        trocco::asio::async_run(io_.get_executor(), std::move(t), [this, &out](std::exception_ptr e, T value) {
            if (!e) out.emplace(std::move(value));
            std::lock_guard lock(mutex_);
            if (e && !failure_) failure_ = e;
            ++finished_;
        });
    }

    /// Runs the io_context (on this thread and completion_threads - 1 more) until every spawned task finished.
    void join() {
        io_.restart();
        std::vector<std::thread> helpers;
        for (std::size_t i = 1; i < threads_; ++i) helpers.emplace_back([this] { io_.run_for(join_limit); });
        io_.run_for(join_limit);
        for (auto& t : helpers) t.join();
        std::size_t running = 0;
        {
            std::lock_guard lock(mutex_);
            running = spawned_ - finished_;
        }
        if (running > 0) {  // end them (canceled) before their slots go away
            transport_.reset();
            io_.restart();
            io_.run();
        }
        INFO("asio: " << running << " of " << spawned_ << " tasks still running after " << join_limit.count() << " s");
        REQUIRE(running == 0);
        std::lock_guard lock(mutex_);
        spawned_ = finished_ = 0;
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
    }

    template <class T>
    T run(trocco::task<T> t) {
        std::optional<T> value;
        spawn(std::move(t), value);
        join();
        REQUIRE(value.has_value());
        return std::move(*value);
    }

    void destroy_transport_after(std::chrono::milliseconds delay) {
        destroy_timer_.expires_after(delay);
        destroy_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) transport_.reset();
        });
    }

private:
    std::size_t threads_;
    boost::asio::io_context io_;
    boost::asio::steady_timer destroy_timer_{io_};
    std::optional<temp_file> ca_file_;
    std::unique_ptr<transport_type> transport_;  // after io_: destroyed before it
    std::size_t spawned_ = 0;                    // this thread only
    std::mutex mutex_;                           // guards the two below, set by completions
    std::size_t finished_ = 0;
    std::exception_ptr failure_;
};

// ---- curl --------------------------------------------------------------------------------------------------

class curl_harness {
public:
    static constexpr std::string_view name = "curl";
    using transport_type = trocco::curl::transport;

    explicit curl_harness(const transport_config& config = {}) {
        trocco::curl::transport_options o;
        if (config.connect_timeout) o.connect_timeout = *config.connect_timeout;
        if (config.read_timeout) o.request_timeout = *config.read_timeout;
        if (config.max_response_bytes) o.max_response_bytes = *config.max_response_bytes;
        if (!config.ca_pem.empty()) {
            ca_file_.emplace(config.ca_pem);
            o.ca_file = ca_file_->path();
        }
        o.insecure_skip_tls_verification = config.insecure_skip_tls_verification;
        o.max_connections = config.max_connections;
        if (config.completion_threads > 1) {
            pool_ = std::make_unique<completion_pool>(config.completion_threads);
            o.post = [pool = pool_.get()](std::function<void()> resume) { pool->post(std::move(resume)); };
        }
        transport_ = std::make_unique<transport_type>(std::move(o));
    }
    curl_harness(const curl_harness&) = delete;
    curl_harness& operator=(const curl_harness&) = delete;

    transport_type& transport() { return *transport_; }

    /// Starts `t` now, on this thread; it finishes on the transport's worker thread (or a thread of the completion
    /// pool), which writes `out`.
    template <class T>
    void spawn(trocco::task<T> t, std::optional<T>& out) {
        {
            std::lock_guard lock(state_->mutex);
            ++state_->spawned;
        }
        trocco::detail::start_detached(
            std::move(t), [state = state_, &out](trocco::detail::task_outcome<T>&& outcome) noexcept {
                std::lock_guard lock(state->mutex);
                if (outcome.index() == 0) {
                    if (!state->failure) state->failure = std::get<0>(outcome);
                } else {
                    out.emplace(std::get<1>(std::move(outcome)));
                }
                ++state->finished;
                state->changed.notify_all();
            });
    }

    void join() {
        std::unique_lock lock(state_->mutex);
        const bool all_finished =
            state_->changed.wait_for(lock, join_limit, [&] { return state_->finished == state_->spawned; });
        const std::size_t running = state_->spawned - state_->finished;
        if (!all_finished) {  // end them (canceled, before the destructor returns) while their slots exist
            lock.unlock();
            transport_.reset();
            lock.lock();
        }
        INFO("curl: " << running << " of " << state_->spawned << " tasks still running after " << join_limit.count()
                      << " s");
        REQUIRE(all_finished);
        state_->spawned = state_->finished = 0;
        if (state_->failure) std::rethrow_exception(std::exchange(state_->failure, nullptr));
    }

    /// trocco::sync_wait: the blocking use of the curl transport (the batch/cron case).
    template <class T>
    T run(trocco::task<T> t) {
        return trocco::sync_wait(std::move(t));
    }

    void destroy_transport_after(std::chrono::milliseconds delay) {
        std::this_thread::sleep_for(delay);
        transport_.reset();  // every pending completion runs (canceled) before this returns
    }

private:
    struct shared_state {
        std::mutex mutex;
        std::condition_variable changed;
        std::size_t spawned = 0;
        std::size_t finished = 0;
        std::exception_ptr failure;
    };
    std::shared_ptr<shared_state> state_ = std::make_shared<shared_state>();
    std::optional<temp_file> ca_file_;
    std::unique_ptr<completion_pool> pool_;      // outlives the transport: it runs the completions of its shutdown
    std::unique_ptr<transport_type> transport_;  // last: destroyed (worker joined) first
};

// ---- common settings ---------------------------------------------------------------------------------------

template <class H>
using client_for = trocco::client<typename H::transport_type>;

using test_support::client_options_for;
using test_support::fast_wait;
using test_support::server_options;

/// Client settings for `server` with one attempt per request: no retry hides the first failure.
inline trocco::client_options one_attempt_options_for(const fake_server& server) {
    auto o = client_options_for(server);
    o.retry.max_attempts = 1;
    return o;
}

/// The same, speaking HTTPS with `certs`.
inline fake_server_options tls_server_options(const trocco::testing::test_certificates& certs,
                                              std::chrono::milliseconds status_duration = 20ms) {
    auto o = server_options(status_duration);
    o.tls_certificate_chain_pem = certs.certificate_pem;
    o.tls_private_key_pem = certs.private_key_pem;
    return o;
}

inline std::string outcome_name(scripted_outcome o) {
    switch (o) {
        case scripted_outcome::succeeded: return "succeeded";
        case scripted_outcome::error: return "error";
        case scripted_outcome::canceled: return "canceled";
        case scripted_outcome::skipped: return "skipped";
        case scripted_outcome::error_then_retry: return "error_then_retry";
    }
    return "?";
}

using test_support::contains;

inline std::chrono::steady_clock::duration since(std::chrono::steady_clock::time_point start) {
    return std::chrono::steady_clock::now() - start;
}

}  // namespace conformance

/// One conformance case, registered once per transport: "asio: <title>" and "curl: <title>".
#define TROCCO_CONFORMANCE_CASE(title, function)                                                          \
    TEST_CASE("asio: " title, "[conformance][asio]") { function<::conformance::asio_harness>(); }          \
    TEST_CASE("curl: " title, "[conformance][curl]") { function<::conformance::curl_harness>(); }

/// The same for a case that is expected to fail because of a known bug (named in its title): Catch2 reports it
/// as passing while it fails, and as failing once the bug is fixed (then drop the mark).
#define TROCCO_CONFORMANCE_CASE_SHOULDFAIL(title, function)                                                  \
    TEST_CASE("asio: " title, "[conformance][asio][!shouldfail]") { function<::conformance::asio_harness>(); } \
    TEST_CASE("curl: " title, "[conformance][curl][!shouldfail]") { function<::conformance::curl_harness>(); }
