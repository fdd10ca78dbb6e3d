// tests/support/machine.hpp - driving a trocco::wait_machine by hand: a fixed builder, retry policy and random
// value, a clock the test moves, canned answers, and every event written down as one line of text.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <trocco/trocco.hpp>

namespace test_support {

/// One line per event, with the details a test checks: "request_sent trigger POST /api/jobs?job_definition_id=42 #1".
inline std::string describe(const trocco::wait_event& e) {
    using namespace trocco::events;
    std::string line(trocco::event_name(e));
    const auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, request_sent>) {
                line += " " + std::string(trocco::to_string(ev.role)) + " " + std::string(trocco::to_string(ev.method)) +
                        " " + std::string(ev.path) + " #" + std::to_string(ev.attempt);
            } else if constexpr (std::is_same_v<T, answer_received>) {
                line += " " + std::string(trocco::to_string(ev.role)) + " " +
                        (ev.failure ? std::string(trocco::to_string(*ev.failure)) : std::to_string(ev.http_status));
            } else if constexpr (std::is_same_v<T, retry_scheduled>) {
                line += " " + std::string(trocco::to_string(ev.role)) + " " + std::string(trocco::to_string(ev.reason)) +
                        " in " + ms(ev.delay) + " #" + std::to_string(ev.next_attempt);
            } else if constexpr (std::is_same_v<T, poll_scheduled>) {
                line += " in " + ms(ev.delay) + (ev.confirming_error ? " confirming" : "");
            } else if constexpr (std::is_same_v<T, status_changed>) {
                line += " " + std::string(ev.from.empty() ? "-" : ev.from) + " -> " + std::string(ev.to);
            } else if constexpr (std::is_same_v<T, budget_wait>) {
                line += " " + std::string(trocco::to_string(ev.role)) + " " + ms(ev.delay);
            } else if constexpr (std::is_same_v<T, trigger_outcome>) {
                constexpr const char* names[] = {"started", "unknown", "adopted", "attached"};
                line += std::string(" ") + names[static_cast<int>(ev.what)] + " " + std::to_string(ev.job_id);
            } else if constexpr (std::is_same_v<T, wait_finished>) {
                line += " " + (ev.failure ? std::string(trocco::to_string(*ev.failure)) : std::string("ok")) +
                        " polls=" + std::to_string(ev.polls);
            }
        },
        e);
    return line;
}

/// What a machine test needs around the machine. The machine borrows from it: keep the fixture alive.
struct machine_fixture {
    using clock = std::chrono::steady_clock;
    using wall_clock = std::chrono::system_clock;

    trocco::request_builder builder = trocco::request_builder::create("https://trocco.io", "k").value();
    trocco::retry_policy retry = {};
    double random_value = 0.5;  // no poll jitter, half the backoff
    std::vector<std::string> events;
    trocco::event_observer observer = [this](const trocco::wait_event& e) { events.push_back(describe(e)); };
    clock::time_point now = clock::time_point{} + std::chrono::hours{1};
    wall_clock::time_point wall_start = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
    clock::time_point start = now;

    static double fixed_random(void* self) { return static_cast<machine_fixture*>(self)->random_value; }

    trocco::wait_context context(bool budgeted = false, bool recording = false) {
        trocco::wait_context c;
        c.builder = &builder;
        c.retry = &retry;
        c.random = &fixed_random;
        c.random_state = this;
        c.observer = &observer;
        c.budgeted = budgeted;
        c.recording = recording;
        return c;
    }

    wall_clock::time_point wall() const {
        return wall_start + std::chrono::duration_cast<wall_clock::duration>(now - start);
    }
    /// Time passed since the fixture was made, in milliseconds.
    long long elapsed_ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
    }

    void start_machine(trocco::wait_machine& m) { m.start(now, wall()); }

    /// Answers the machine's pending send with `outcome`, `latency` later.
    void answer(trocco::wait_machine& m, trocco::result<trocco::http_response> outcome,
                std::chrono::milliseconds latency = std::chrono::milliseconds{0}) {
        now += latency;
        m.on_answer(std::move(outcome), now, wall());
    }
    void answer(trocco::wait_machine& m, int status, std::string body, std::vector<trocco::http_header> headers = {}) {
        answer(m, trocco::http_response{status, std::move(headers), std::move(body)});
    }
    /// Completes the machine's pending sleep at its wake time.
    void wake(trocco::wait_machine& m) {
        now = std::max(now, m.next().until);
        m.on_slept({}, now);
    }
};

inline std::string job_body(std::int64_t id, std::string_view status, std::int64_t definition = 42) {
    return R"({"id":)" + std::to_string(id) + R"(,"job_definition_id":)" + std::to_string(definition) +
           R"(,"status":")" + std::string(status) + R"("})";
}

inline std::string workflow_body(std::int64_t id, std::string_view status, std::int64_t definition = 3) {
    return R"({"id":)" + std::to_string(id) + R"(,"pipeline_definition_id":)" + std::to_string(definition) +
           R"(,"status":")" + std::string(status) + R"("})";
}

inline trocco::http_request post_for(const trocco::request_builder& b, std::int64_t definition = 42) {
    return b.run_job({.job_definition_id = definition}).value();
}

/// A wait on a transfer job of definition 42, as `f` would start it.
inline trocco::wait_machine transfer_wait(machine_fixture& f, trocco::wait_options options = {}) {
    return trocco::wait_machine::trigger_and_wait(f.context(), trocco::job_kind::transfer, post_for(f.builder), 42,
                                                  std::move(options));
}

/// The events of a transfer wait whose trigger (definition 42) started job 7, up to the first poll's schedule
/// (5 s), followed by `then`: what every test of a transfer wait's events expects, opening included.
inline std::vector<std::string> events_after_job_7_started(std::initializer_list<std::string> then) {
    std::vector<std::string> events{
        "request_sent trigger POST /api/jobs?job_definition_id=42 #1",
        "answer_received trigger 200",
        "trigger_outcome started 7",
        "status_changed - -> queued",
        "poll_scheduled in 5000ms",
    };
    events.insert(events.end(), then);
    return events;
}

/// The kind of the machine's next step, by name, for readable failures.
inline std::string step_name(trocco::wait_machine& m) {
    constexpr const char* names[] = {"send", "sleep", "acquire", "record", "done"};
    return names[static_cast<int>(m.next().what)];
}

}  // namespace test_support

/// The vocabulary of the wait machine's tests, for `using namespace machine_test;`.
namespace machine_test {
using namespace std::chrono_literals;
using namespace test_support;
using trocco::errc;
using trocco::job_kind;
using trocco::wait_machine;
}  // namespace machine_test
