// tests/client/support.hpp - helpers shared by the client tests: canned bodies, a deterministic random source,
// running a task in either completion mode of scripted_transport, and a small URL-answering event-loop transport.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trocco/trocco.hpp>
#include <trocco/testing/scripted_transport.hpp>

#include "../catch.hpp"
#include "../support/tasks.hpp"
#include "../support/text.hpp"
#include "../support/timestamps.hpp"

namespace client_test {

using namespace std::chrono_literals;
using trocco::errc;
// The names every client test reads, declared once here for `using namespace client_test`.
using trocco::http_method;
using trocco::job;
using trocco::job_kind;
using trocco::job_status;
using trocco::result;
using trocco::run_workflow_request;
using trocco::workflow_job;
using trocco::testing::scripted_transport;
using completion = scripted_transport::completion;
using ms = std::chrono::milliseconds;

inline const char* mode_name(completion mode) {
    return mode == completion::immediate ? "immediate" : "deferred";
}

/// Runs `body(mode)` once per completion mode, naming the mode in any failure.
template <class Body>
void in_both_modes(Body body) {
    for (const auto mode : {completion::immediate, completion::deferred}) {
        INFO("scripted_transport completion mode: " << mode_name(mode));
        body(mode);
    }
}

/// Runs `t` to completion over `transport`: inline through trocco::sync_wait in immediate mode, by draining the
/// transport's queue in deferred mode.
template <class T>
T run_on(scripted_transport& transport, completion mode, trocco::task<T> t) {
    if (mode == completion::immediate) return trocco::sync_wait(std::move(t));
    return transport.run(std::move(t));
}

using test_support::started_task;

/// A wait its caller stopped once job `id` was known: canceled, and the error names the job.
template <class Job>
void check_canceled_after_start(const trocco::result<Job>& r, std::int64_t id) {
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == trocco::errc::canceled);
    CHECK(r.error().job_id() == id);
}

/// A random source that always returns `value`.
inline std::function<double()> fixed_random(double value) {
    return [value] { return value; };
}

inline constexpr std::string_view test_key = "tra_test_key_0001";

/// Client options with a test key and a fixed random value (0.5: no polling jitter, half the backoff).
inline trocco::client_options options_with(double random = 0.5, std::string key = std::string(test_key)) {
    trocco::client_options o;
    o.api_key = std::move(key);
    o.random = fixed_random(random);
    return o;
}

inline std::string job_json(std::int64_t id, std::string_view status, std::int64_t definition_id = 42) {
    return R"({"id":)" + std::to_string(id) + R"(,"job_definition_id":)" + std::to_string(definition_id) +
           R"(,"job_definition_name":"daily load","status":")" + std::string(status) + R"("})";
}

inline std::string pipeline_json(std::int64_t id, std::string_view status, std::int64_t definition_id = 3) {
    return R"({"id":)" + std::to_string(id) + R"(,"pipeline_definition_id":)" + std::to_string(definition_id) +
           R"(,"name":"nightly","status":")" + std::string(status) + R"("})";
}

/// Scripts one 200 answer per entry of `statuses`, in order: job `id` of `kind` (transfer or workflow) reading it.
inline void respond_statuses(scripted_transport& t, trocco::job_kind kind, std::int64_t id,
                             std::initializer_list<std::string_view> statuses) {
    for (const auto status : statuses) {
        t.respond(200, kind == trocco::job_kind::workflow ? pipeline_json(id, status) : job_json(id, status));
    }
}

inline std::string job_url(std::int64_t id) { return "https://trocco.io/api/jobs/" + std::to_string(id); }
inline std::string pipeline_job_url(std::int64_t id) {
    return "https://trocco.io/api/pipeline_jobs/" + std::to_string(id);
}
inline std::string run_job_url(std::int64_t definition_id) {
    return "https://trocco.io/api/jobs?job_definition_id=" + std::to_string(definition_id);
}
inline std::string run_pipeline_url(std::int64_t definition_id) {
    return "https://trocco.io/api/pipeline_jobs?pipeline_definition_id=" + std::to_string(definition_id);
}

/// What on_triggered was called with, and what `t` had done by then: the callback must run once the trigger's
/// answer names the job and before the first poll (or its sleep).
struct trigger_record {
    std::vector<std::int64_t> ids;
    std::vector<std::size_t> requests_then;
    std::vector<std::size_t> sleeps_then;

    /// Wait options whose on_triggered records into this object (which must outlive the wait).
    trocco::wait_options recording(const scripted_transport& t) {
        trocco::wait_options w;
        w.on_triggered = [this, &t](std::int64_t id) {
            ids.push_back(id);
            requests_then.push_back(t.requests().size());
            sleeps_then.push_back(t.sleeps().size());
        };
        return w;
    }
};

/// Delays as plain millisecond counts, for readable comparisons in failure messages.
inline std::vector<long long> counts(const std::vector<ms>& delays) {
    std::vector<long long> out;
    out.reserve(delays.size());
    for (const auto d : delays) out.push_back(static_cast<long long>(d.count()));
    return out;
}

inline long long elapsed_ms(const scripted_transport& t) { return static_cast<long long>(t.elapsed().count()); }

/// The URLs of the requests sent, in order.
inline std::vector<std::string> urls(const scripted_transport& t) {
    std::vector<std::string> out;
    for (const auto& r : t.requests()) out.push_back(r.url);
    return out;
}

using test_support::contains;
using test_support::unix_seconds;

/// A task that completes at once with `v` (for tests of task<T> and sync_wait themselves).
inline trocco::task<int> value_of(int v) { co_return v; }

/// A third-party style transport: `send` and `sleep_for` are trocco::task coroutines, completion is deferred to an
/// event loop on a virtual clock (run()), and answers come from `server`, a function of the request (so many
/// concurrent waits can be answered by URL).
class event_loop_transport {
public:
    using server_function = std::function<trocco::http_response(const trocco::http_request&)>;

    explicit event_loop_transport(server_function server, ms latency = 0ms)
        : server_(std::move(server)), latency_(latency) {}

    trocco::task<trocco::result<trocco::http_response>> send(trocco::http_request request, std::stop_token stop) {
        co_await timer{this, now_ + latency_};
        ++sends_;
        if (stop.stop_requested()) co_return trocco::error{errc::canceled, "event_loop_transport: canceled"};
        co_return server_(request);
    }

    trocco::task<trocco::result<void>> sleep_for(ms delay, std::stop_token stop) {
        sleeps_.push_back(delay);
        co_await timer{this, now_ + delay};
        if (stop.stop_requested()) co_return trocco::error{errc::canceled, "event_loop_transport: canceled"};
        co_return trocco::result<void>{};
    }

    std::chrono::steady_clock::time_point now() const { return now_; }

    /// Resumes timers in due order until none is left; returns how many ran.
    std::size_t run() {
        std::size_t n = 0;
        while (!queue_.empty()) {
            const entry e = queue_.top();
            queue_.pop();
            if (e.due > now_) now_ = e.due;
            e.handle.resume();
            ++n;
        }
        return n;
    }

    std::size_t sends() const { return sends_; }
    const std::vector<ms>& sleeps() const { return sleeps_; }

private:
    struct entry {
        std::chrono::steady_clock::time_point due;
        std::uint64_t sequence;
        std::coroutine_handle<> handle;
        bool operator>(const entry& o) const { return due != o.due ? due > o.due : sequence > o.sequence; }
    };
    struct timer {
        event_loop_transport* loop;
        std::chrono::steady_clock::time_point due;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<> h) { loop->queue_.push(entry{due, loop->sequence_++, h}); }
        void await_resume() const noexcept {}
    };

    server_function server_;
    ms latency_;
    std::chrono::steady_clock::time_point now_{std::chrono::hours{1}};
    std::priority_queue<entry, std::vector<entry>, std::greater<entry>> queue_;
    std::uint64_t sequence_ = 0;
    std::size_t sends_ = 0;
    std::vector<ms> sleeps_;
};

}  // namespace client_test
