// trocco/testing/scripted_transport.hpp - a Transport for tests: canned answers, recorded requests and sleeps,
// and a virtual clock, so that a two-hour wait runs in microseconds. Meant for users' own tests too.
//
//     trocco::testing::scripted_transport t;
//     t.expect(trocco::http_method::post, "https://trocco.io/api/jobs?job_definition_id=42")
//         .respond(200, R"({"id":1,"job_definition_id":42,"status":"queued"})");
//     t.respond(200, R"({"id":1,"job_definition_id":42,"status":"succeeded"})");
//     trocco::client c{t, {.api_key = "k"}};
//     auto done = trocco::sync_wait(c.run_and_wait({.job_definition_id = 42}));
//     // t.requests(): the two requests sent; t.sleeps(): the delays asked for; t.now(): advanced by them.
//
// Two completion modes, since completing everything inline hides bugs that only show when an operation
// really suspends:
//   completion::immediate - each send/sleep completes inside the co_await (await_ready is true); sync_wait works.
//   completion::deferred  - each send/sleep suspends and is queued; run_one()/run(task) complete them one at a
//                           time in virtual-time order (a send is due when asked, plus the step's latency; a sleep
//                           when its delay has passed), advancing the clock to each due time. Many concurrent
//                           waits then interleave as they would on a real event loop.
// Not thread-safe: drive it from one thread (stop requests included).
//
// Compilation: header-only by default; with TROCCO_SEPARATE_COMPILATION the non-template bodies are declared here
// and defined once by testing/src/trocco_testing.cpp (Meson: `trocco-testing-compiled`), as for the core.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <trocco/detail/config.hpp>
#include <trocco/detail/saturate.hpp>
#include <trocco/http.hpp>
#include <trocco/result.hpp>
#include <trocco/sync_wait.hpp>
#include <trocco/task.hpp>

namespace trocco::testing {

/// One scripted answer to the next request.
struct scripted_step {
    std::optional<http_method> expected_method = std::nullopt;  // checked when set
    std::optional<std::string> expected_url = std::nullopt;     // checked when set (exact match)
    result<http_response> outcome = http_response{};            // the response, or a transport error
    std::chrono::milliseconds latency{0};                       // virtual time the answer takes (deferred mode)
    std::function<void()> on_send = {};  // runs when the request arrives, e.g. to request a stop mid-send
};

class scripted_transport {
public:
    enum class completion { immediate, deferred };

    /// `wall_start` is what system_now() reads before any time has passed (used for HTTP dates and
    /// X-Rate-Limit-Reset).
    explicit scripted_transport(completion mode = completion::immediate,
                                std::chrono::system_clock::time_point wall_start = std::chrono::sys_days{
                                    std::chrono::year{2026} / 1 / 1})
        : mode_(mode), wall_start_(wall_start) {}
    TROCCO_DECL ~scripted_transport();

    scripted_transport(const scripted_transport&) = delete;
    scripted_transport& operator=(const scripted_transport&) = delete;

    // --- the script -----------------------------------------------------------------------------------------

    /// The next step added must be requested with this method and URL; a mismatch is recorded in mismatches()
    /// and answered with a transport_failure.
    TROCCO_DECL scripted_transport& expect(http_method method, std::string url);
    /// The next step added takes this much virtual time (deferred mode).
    scripted_transport& with_latency(std::chrono::milliseconds latency) {
        next_.latency = latency;
        return *this;
    }
    /// The next step added runs `hook` when its request arrives.
    TROCCO_DECL scripted_transport& on_send(std::function<void()> hook);
    /// Queues an HTTP answer.
    TROCCO_DECL scripted_transport& respond(int status, std::string body, std::vector<http_header> headers = {});
    /// Queues a transport error (errc::connect_failed, errc::transport_failure, ...).
    TROCCO_DECL scripted_transport& fail(errc code, std::string message = "scripted transport error");
    /// Queues a fully described step (expectations set by expect()/on_send() are not applied to it).
    TROCCO_DECL scripted_transport& push_step(scripted_step step);
    /// Runs on every sleep request, with its delay, before the sleep completes (e.g. to request a stop).
    TROCCO_DECL void on_sleep(std::function<void(std::chrono::milliseconds)> hook);

    // --- what happened --------------------------------------------------------------------------------------

    /// Every request received, in order.
    const std::vector<http_request>& requests() const noexcept { return requests_; }
    /// Every delay asked of sleep_for, in order (canceled ones included).
    const std::vector<std::chrono::milliseconds>& sleeps() const noexcept { return sleeps_; }
    /// Requests that did not match their step, or that arrived with no step left, described.
    const std::vector<std::string>& mismatches() const noexcept { return mismatches_; }
    /// Steps not yet used.
    std::size_t remaining_steps() const noexcept { return steps_.size(); }
    /// Operations waiting for run_one() (deferred mode).
    std::size_t pending() const noexcept { return pending_.size(); }

    // --- the virtual clock ----------------------------------------------------------------------------------

    std::chrono::steady_clock::time_point now() const noexcept { return now_; }
    /// The wall clock: `wall_start` plus the virtual time passed, saturated at the wall clock's end (a virtual clock
    /// can run past the year 2262, where the system clock's nanoseconds end).
    std::chrono::system_clock::time_point system_now() const noexcept {
        return trocco::detail::saturating_add(wall_start_, trocco::detail::saturating_until(start_, now_));
    }
    /// Time passed on the virtual clock since construction.
    std::chrono::milliseconds elapsed() const noexcept {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now_ - start_);
    }
    void advance(std::chrono::milliseconds d) noexcept { now_ += d; }

    // --- the Transport concept ------------------------------------------------------------------------------

    class send_awaiter;
    class sleep_awaiter;

    TROCCO_DECL send_awaiter send(http_request request, std::stop_token stop);
    TROCCO_DECL sleep_awaiter sleep_for(std::chrono::milliseconds delay, std::stop_token stop);

    // --- driving deferred operations ------------------------------------------------------------------------

    /// Completes the pending operation that is due first, advancing the clock to its due time. False if none.
    TROCCO_DECL bool run_one();

    /// Starts `t` and completes pending operations until it finishes; returns its value (or rethrows). Throws
    /// std::logic_error if the task waits while nothing is pending (it would never finish). The task is then
    /// left suspended where it waits; should something resume it later, it finishes harmlessly.
    template <class T>
    T run(task<T> t) {
        // Shared with the completion: after a throw, `run` is gone but the suspended task may still finish.
        // trocco::detail, qualified: inside trocco::testing, `detail::` would find trocco::testing::detail whenever a
        // header that opens it (fake_api.hpp, fake_server.hpp) was included first.
        auto outcome = std::make_shared<std::optional<trocco::detail::task_outcome<T>>>();
        trocco::detail::start_detached(std::move(t), [outcome](trocco::detail::task_outcome<T>&& o) noexcept {
            outcome->emplace(std::move(o));
        });
        while (!*outcome) {
            if (!run_one()) throw std::logic_error("scripted_transport::run: the task waits but nothing is pending");
        }
        return trocco::detail::take_outcome<T>(std::move(**outcome));
    }

    /// Completes pending operations until none is left (for several tasks started by hand); returns how many.
    TROCCO_DECL std::size_t run_all();

private:
    struct queue_key {
        std::chrono::steady_clock::time_point due;
        std::uint64_t sequence;
        friend bool operator<(const queue_key& a, const queue_key& b) {
            return a.due != b.due ? a.due < b.due : a.sequence < b.sequence;
        }
    };

    /// A suspended send or sleep (deferred mode). Lives in the awaiting coroutine's frame until resumed.
    class operation {
    public:
        virtual void complete() = 0;

    protected:
        ~operation() = default;

        TROCCO_DECL void enqueue(scripted_transport& t, std::chrono::steady_clock::time_point due,
                                 std::coroutine_handle<> h, std::stop_token stop);
        /// Called once the operation left the queue: no later stop may touch it.
        TROCCO_DECL void finish();
        bool stopped = false;

    private:
        struct stop_handler {
            operation* op;
            void operator()() const noexcept { op->on_stop(); }
        };
        // A stop makes the operation due now, so it completes (with errc::canceled) at the next run_one().
        TROCCO_DECL void on_stop() noexcept;

        scripted_transport* transport_ = nullptr;
        std::coroutine_handle<> handle_;
        queue_key key_{};
        std::optional<std::stop_callback<stop_handler>> stop_callback_;
    };

public:
    class send_awaiter final : private operation {
    public:
        TROCCO_DECL send_awaiter(scripted_transport& t, http_request request, std::stop_token stop);
        TROCCO_DECL ~send_awaiter();
        send_awaiter(send_awaiter&&) = delete;  // never moved: the coroutine keeps it where send() made it
        TROCCO_DECL bool await_ready();
        TROCCO_DECL void await_suspend(std::coroutine_handle<> h);
        TROCCO_DECL result<http_response> await_resume();

    private:
        TROCCO_DECL void resolve();
        TROCCO_DECL void complete() override;

        scripted_transport& transport_;
        std::stop_token stop_;
        scripted_step step_;
        std::optional<result<http_response>> outcome_;
    };

    class sleep_awaiter final : private operation {
    public:
        TROCCO_DECL sleep_awaiter(scripted_transport& t, std::chrono::milliseconds delay, std::stop_token stop);
        TROCCO_DECL ~sleep_awaiter();
        sleep_awaiter(sleep_awaiter&&) = delete;  // never moved: the coroutine keeps it where sleep_for() made it
        TROCCO_DECL bool await_ready();
        TROCCO_DECL void await_suspend(std::coroutine_handle<> h);
        TROCCO_DECL result<void> await_resume();

    private:
        TROCCO_DECL void complete() override;

        scripted_transport& transport_;
        std::chrono::milliseconds delay_;
        std::stop_token stop_;
        result<void> outcome_;
    };

private:
    TROCCO_DECL scripted_transport& push(result<http_response> outcome);
    /// Records `request` and takes the step that answers it, checking the step's expectations.
    TROCCO_DECL scripted_step take_step(const http_request& request);

    completion mode_;
    std::chrono::system_clock::time_point wall_start_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::time_point{} + std::chrono::hours{1};
    std::chrono::steady_clock::time_point now_ = start_;
    std::deque<scripted_step> steps_;
    scripted_step next_;
    std::function<void(std::chrono::milliseconds)> on_sleep_;
    std::vector<http_request> requests_;
    std::vector<std::chrono::milliseconds> sleeps_;
    std::vector<std::string> mismatches_;
    std::map<queue_key, operation*> pending_;
    std::uint64_t sequence_ = 0;
};

}  // namespace trocco::testing

#if defined(TROCCO_HEADER_ONLY)
#include "impl/scripted_transport.ipp"
#endif
