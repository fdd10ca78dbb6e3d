// The in-process rate budget: its pacing, what trocco's headers change, the order it serves requests in; and the
// simulation of issue 13 on the virtual clock: thousands of concurrent waits on one account against a simulated
// trocco that enforces the limit, with and without the budget.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include <trocco/testing/simulated_trocco.hpp>

#include "support.hpp"
#include "../support/tasks.hpp"

namespace {

using namespace client_test;
using trocco::budget_plan;
using trocco::budget_request;
using trocco::in_process_budget;
using trocco::request_role;
using clock_type = std::chrono::steady_clock;

const clock_type::time_point t0 = clock_type::time_point{} + std::chrono::hours{1};
const std::chrono::system_clock::time_point wall0 = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

budget_request ask(request_role role, clock_type::time_point at, std::uint64_t who) {
    return {role, at, wall0 + (at - t0), 0, who};
}

long long ms_after(clock_type::time_point from, clock_type::time_point to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

trocco::budget_answer answer_with(int status, trocco::rate_limit_info info, clock_type::time_point at) {
    return {status, info, at, wall0 + (at - t0)};
}

}  // namespace

TEST_CASE("budget: a burst of 5 % of the limit, then (limit - burst) per window", "[budget]") {
    in_process_budget b{budget_plan::free()};  // 100 per 10 min: burst 5, then 95 per 600 s
    for (std::uint64_t i = 0; i < 5; ++i) CHECK(b.decide(ask(request_role::poll, t0, i)) == t0);
    const auto later = b.decide(ask(request_role::poll, t0, 99));
    CHECK(ms_after(t0, later) == 6316);  // one call per 600/95 s
    CHECK(b.queued() == 1);
    CHECK(b.decide(ask(request_role::poll, later, 99)) == later);
    CHECK(b.queued() == 0);
    // Over a whole window, never more than the limit, whatever the demand.
    in_process_budget c{budget_plan::free()};
    int granted = 0;
    for (auto t = t0; t < t0 + std::chrono::minutes{10}; t += std::chrono::seconds{1}) {
        for (std::uint64_t who = 0; who < 3; ++who) {
            if (c.decide(ask(request_role::poll, t, who)) <= t) ++granted;
        }
    }
    CHECK(granted <= 100);
    CHECK(granted >= 95);
}

TEST_CASE("budget: triggers go first, polls are served in the order they asked", "[budget]") {
    in_process_budget b{budget_plan{20, std::chrono::seconds{20}}};  // burst 1, then 19 per 20 s
    CHECK(b.decide(ask(request_role::poll, t0, 1)) == t0);           // the burst
    const auto poll_a = b.decide(ask(request_role::poll, t0, 2));
    const auto poll_b = b.decide(ask(request_role::poll, t0, 3));
    CHECK(poll_a < poll_b);
    const auto trigger = b.decide(ask(request_role::trigger, t0, 4));
    CHECK(trigger <= poll_a);  // ahead of the polls that were already waiting
    CHECK(b.decide(ask(request_role::trigger, trigger, 4)) == trigger);
    // At poll_b's time there is one call: the poll that asked first gets it, even if the other comes back first.
    const auto again = b.decide(ask(request_role::poll, poll_b, 3));
    CHECK(again > poll_b);
    CHECK(b.decide(ask(request_role::poll, poll_b, 2)) == poll_b);
    CHECK(b.decide(ask(request_role::poll, again, 3)) == again);
}

TEST_CASE("budget: a request that never comes back keeps nobody waiting", "[budget]") {
    in_process_budget b{budget_plan{20, std::chrono::seconds{20}}};
    CHECK(b.decide(ask(request_role::poll, t0, 1)) == t0);
    const auto gone = b.decide(ask(request_role::poll, t0, 2));  // its wait ends and never asks again
    const auto next = b.decide(ask(request_role::poll, t0, 3));
    const auto late = next + std::chrono::seconds{5};
    CHECK(b.decide(ask(request_role::poll, late, 3)) == late);
    CHECK(gone < next);
}

TEST_CASE("budget: trocco's headers override the plan where they are valid", "[budget]") {
    SECTION("X-Rate-Limit-Remaining 0 until the reset pauses everything until then") {
        in_process_budget b;
        CHECK(b.decide(ask(request_role::poll, t0, 1)) == t0);
        const auto reset = std::chrono::floor<std::chrono::seconds>(wall0) + std::chrono::seconds{90};
        b.on_answer(answer_with(200, {3500, 0, reset}, t0));
        const auto at = b.decide(ask(request_role::trigger, t0, 2));
        CHECK(ms_after(t0, at) == 90000);
        CHECK(b.decide(ask(request_role::trigger, at, 2)) == at);  // a new count after the reset
    }
    SECTION("X-Rate-Limit-Limit replaces the plan's limit") {
        in_process_budget b;  // paid plan assumed
        b.on_answer(answer_with(200, {100, 99, std::nullopt}, t0));
        CHECK(b.limit() == 100);
    }
    SECTION("a 429 pauses every request until its reset") {
        in_process_budget b;
        const auto reset = std::chrono::floor<std::chrono::seconds>(wall0) + std::chrono::seconds{30};
        b.on_answer(answer_with(429, {3500, 0, reset}, t0));
        CHECK(ms_after(t0, b.decide(ask(request_role::poll, t0, 1))) == 30000);
    }
    SECTION("missing, garbage, negative, past or far-future values neither stall nor unbind the budget") {
        for (const auto& info : std::vector<trocco::rate_limit_info>{
                 {},                                                          // missing (garbage parses to this)
                 {0, 0, std::nullopt},                                        // a limit of 0
                 {5'000'000'000, 0, std::nullopt},                            // absurd limit
                 {100, 0, std::chrono::floor<std::chrono::seconds>(wall0) - std::chrono::seconds{10}},  // past reset
                 {100, 0, std::chrono::floor<std::chrono::seconds>(wall0) + std::chrono::hours{72}},    // days ahead
                 {100, 500, std::chrono::floor<std::chrono::seconds>(wall0) + std::chrono::seconds{60}}, // remaining > limit
             }) {
            in_process_budget b{budget_plan::free()};
            b.on_answer(answer_with(200, info, t0));
            CHECK(b.limit() >= 1);
            CHECK(b.limit() <= 100);
            CHECK(b.decide(ask(request_role::trigger, t0, 1)) == t0);  // not stalled
            int granted = 0;                                            // not unbounded
            for (auto t = t0; t < t0 + std::chrono::minutes{10}; t += std::chrono::seconds{1}) {
                if (b.decide(ask(request_role::poll, t, 2)) <= t) ++granted;
            }
            CHECK(granted <= 100);
            CHECK(granted >= 90);
        }
    }
}

namespace {

struct simulation_outcome {
    std::size_t completed = 0;
    std::size_t succeeded = 0;
    std::size_t rate_limited = 0;  // 429s trocco had to answer
    std::size_t requests = 0;
    double mean_detection_delay_s = 0;
    double hours = 0;
};

/// `waits` concurrent run_and_wait of distinct definitions on one account of `limit` calls per 10 minutes, with
/// or without one shared in-process budget. Job durations: log-normal, median 3 min, seeded.
simulation_outcome simulate(int waits, std::int64_t limit, bool budgeted) {
    std::mt19937_64 engine(20261201);
    std::lognormal_distribution<double> duration(std::log(180.0), 1.0);
    std::vector<std::chrono::milliseconds> durations;
    for (int i = 0; i < waits; ++i) durations.push_back(std::chrono::milliseconds{std::llround(duration(engine) * 1000)});
    trocco::testing::simulated_trocco sim{{.rate_limit = limit,
                                           .job_duration = [&](std::int64_t d) {
                                               return durations[static_cast<std::size_t>(d - 1)];
                                           }}};
    auto options = options_with(0.5);
    if (budgeted) options.budget = std::make_shared<in_process_budget>(budget_plan{limit, std::chrono::minutes{10}});
    options.retry.max_attempts = 1000;  // without a budget the 429s go on and on: let the waits still finish
    trocco::client c{sim, options};
    test_support::task_group<trocco::result<trocco::job>> group;
    std::vector<std::optional<std::chrono::steady_clock::time_point>> finished(static_cast<std::size_t>(waits));
    for (int i = 0; i < waits; ++i) {
        trocco::wait_options w;
        w.timeout = std::chrono::hours{48};
        w.observer = [&sim, &finished, i](const trocco::wait_event& e) {
            if (std::holds_alternative<trocco::events::wait_finished>(e)) finished[static_cast<std::size_t>(i)] = sim.now();
        };
        group.start(c.run_and_wait(trocco::run_job_request{.job_definition_id = i + 1}, std::move(w)));
    }
    sim.run();
    simulation_outcome out;
    out.completed = group.finished();
    double delay = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(waits); ++i) {
        if (group.result(i) && *group.result(i)) ++out.succeeded;
    }
    for (const auto& j : sim.jobs()) {
        const auto done = finished[static_cast<std::size_t>(j.definition_id - 1)];
        if (done) delay += std::chrono::duration<double>(*done - j.ends_at).count();
    }
    out.mean_detection_delay_s = sim.jobs().empty() ? 0 : delay / static_cast<double>(sim.jobs().size());
    out.rate_limited = sim.stats().rate_limited;
    out.requests = sim.stats().requests;
    out.hours = std::chrono::duration<double, std::ratio<3600>>(sim.elapsed()).count();
    return out;
}

void report(const char* name, const simulation_outcome& o) {
    std::printf("%s: %zu completed, %zu succeeded, %zu requests, %zu answered 429, mean detection delay %.0f s, "
                "%.1f virtual hours\n",
                name, o.completed, o.succeeded, o.requests, o.rate_limited, o.mean_detection_delay_s, o.hours);
}

}  // namespace

TEST_CASE("simulation: 1,000 waits on a free-plan account (100 calls / 10 min)", "[budget][simulation]") {
    const auto with = simulate(1000, 100, true);
    report("free plan, 1,000 waits, with the budget", with);
    CHECK(with.completed == 1000);
    CHECK(with.succeeded == 1000);
    CHECK(with.rate_limited == 0);
    const auto without = simulate(1000, 100, false);
    report("free plan, 1,000 waits, without a budget", without);
    CHECK(without.rate_limited > 0);
}

TEST_CASE("simulation: 5,000 waits on a paid account (3,500 calls / 10 min)", "[budget][simulation]") {
    const auto with = simulate(5000, 3500, true);
    report("paid plan, 5,000 waits, with the budget", with);
    CHECK(with.completed == 5000);
    CHECK(with.succeeded == 5000);
    CHECK(with.rate_limited == 0);
    const auto without = simulate(5000, 3500, false);
    report("paid plan, 5,000 waits, without a budget", without);
    CHECK(without.rate_limited > 0);
}
