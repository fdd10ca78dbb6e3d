// poll_delay and poll_schedule: the default schedule's values, its jitter bounds, fixed schedules, odd inputs; and
// the exact delays a wait asks of the transport.
#include <chrono>
#include <cmath>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;
using trocco::poll_delay;
using trocco::poll_schedule;

std::vector<long long> first_delays(const poll_schedule& s, int n, double r) {
    std::vector<long long> out;
    for (int i = 0; i < n; ++i) out.push_back(poll_delay(s, i, r).count());
    return out;
}

// A job answered `queued` by the trigger, then `executing` for `running_polls` polls, then `succeeded`.
void script_job(scripted_transport& t, int running_polls) {
    t.expect(trocco::http_method::post, run_job_url(42)).respond(200, job_json(7, "queued"));
    for (int i = 0; i < running_polls; ++i) t.expect(trocco::http_method::get, job_url(7)).respond(200, job_json(7, "executing"));
    t.expect(trocco::http_method::get, job_url(7)).respond(200, job_json(7, "succeeded"));
}


// Runs one wait on the job of script_job with the random value `random`; returns the delays it slept, after
// checking that it succeeded with every scripted step used and that the virtual clock moved by exactly those delays.
std::vector<long long> wait_sleeps(completion mode, int running_polls, double random, trocco::wait_options w = {}) {
    scripted_transport t{mode};
    script_job(t, running_polls);
    trocco::client c{t, options_with(random)};
    const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w)));
    REQUIRE(done.has_value());
    CHECK(done->status == trocco::job_status::succeeded);
    CHECK(t.mismatches().empty());
    CHECK(t.remaining_steps() == 0);
    const auto sleeps = counts(t.sleeps());
    long long total = 0;
    for (const auto d : sleeps) total += d;
    CHECK(elapsed_ms(t) == total);
    return sleeps;
}

}  // namespace

TEST_CASE("poll_schedule defaults: 5 s, then 1.45 s per square root of a second of run time, to 2 min, +/-10 %",
          "[poll]") {
    const poll_schedule s;
    CHECK(s.first_delay == 5s);
    CHECK(s.growth == 1.0);
    CHECK(s.max_delay == 2min);
    CHECK(s.jitter == 0.1);
    CHECK(s.elapsed_scale == 1.45);
    CHECK(s.planned.empty());
    const trocco::wait_options w;
    CHECK(w.timeout == std::chrono::hours{24});
    CHECK(w.not_found_grace == 60s);
    CHECK(w.error_confirmations == 2);
    CHECK(w.error_confirmation_delay == 10s);
}

TEST_CASE("poll_delay: the default schedule at random 0.5 (no jitter), by run time", "[poll]") {
    const poll_schedule s;
    const auto at = [&](std::chrono::milliseconds elapsed) { return poll_delay(s, 3, elapsed, 0.5).count(); };
    CHECK(at(0s) == 5000);
    CHECK(at(11s) == 5000);            // 1.45 * sqrt(11) = 4.81 s: the floor of 5 s
    CHECK(at(60s) == 11232);           // 1.45 * sqrt(60)
    CHECK(at(30min) == 61518);         // 1.45 * sqrt(1800)
    CHECK(at(2h) == 120000);           // capped at 2 minutes
    CHECK(at(std::chrono::hours{24 * 365}) == 120000);
    CHECK(poll_delay(s, 1000, 0.5).count() == 5000);  // no growth by count: only the run time lengthens it
    // The delays of one wait, each from the run time so far.
    std::vector<long long> waited;
    std::chrono::milliseconds elapsed{0};
    for (int i = 0; i < 8; ++i) {
        const auto d = poll_delay(s, i, elapsed, 0.5);
        waited.push_back(d.count());
        elapsed += d;
    }
    CHECK(waited == std::vector<long long>{5000, 5000, 5000, 5616, 6584, 7562, 8549, 9543});
}

TEST_CASE("poll_delay: jitter bounds at random 0.0 and 0.999", "[poll]") {
    const poll_schedule s;
    for (const auto elapsed : {0s, 60s, 1800s, 7200s}) {
        const double base = std::min(120000.0, std::max(5000.0, 1450.0 * std::sqrt(std::chrono::duration<double>(elapsed).count())));
        for (double r : {0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999}) {
            CAPTURE(elapsed.count(), r);
            const auto d = poll_delay(s, 0, elapsed, r).count();
            CHECK(static_cast<double>(d) >= base * 0.9 - 1);
            CHECK(static_cast<double>(d) <= base * 1.1 + 1);
        }
        CHECK(poll_delay(s, 0, elapsed, 0.0).count() == std::llround(base * 0.9));
    }
    CHECK(poll_delay(s, 0, 0s, 0.999).count() == 5499);
}

TEST_CASE("poll_delay: the growth rule of earlier versions still works", "[poll]") {
    const poll_schedule growing{5s, 1.5, 30s, 0.1, 0.0, {}};
    std::vector<long long> out;
    for (int i = 0; i < 9; ++i) out.push_back(poll_delay(growing, i, 0.5).count());
    CHECK(out == std::vector<long long>{5000, 7500, 11250, 16875, 25313, 30000, 30000, 30000, 30000});
}

TEST_CASE("poll_schedule::fixed: the same delay every time, whatever the random value", "[poll]") {
    const auto s = poll_schedule::fixed(10s);
    CHECK(s.first_delay == 10s);
    CHECK(s.growth == 1.0);
    CHECK(s.max_delay == 10s);
    CHECK(s.jitter == 0.0);
    for (double r : {0.0, 0.5, 0.999}) {
        CAPTURE(r);
        CHECK(first_delays(s, 6, r) == std::vector<long long>{10000, 10000, 10000, 10000, 10000, 10000});
    }
}

TEST_CASE("poll_delay: custom schedules and odd inputs", "[poll]") {
    const poll_schedule doubling{1s, 2.0, 8s, 0.0};
    CHECK(first_delays(doubling, 6, 0.999) == std::vector<long long>{1000, 2000, 4000, 8000, 8000, 8000});
    const poll_schedule cap_below_first{10s, 2.0, 1s, 0.0};  // the cap never undercuts the first delay
    CHECK(first_delays(cap_below_first, 3, 0.5) == std::vector<long long>{10000, 10000, 10000});
    const poll_schedule shrinking{4s, 0.5, 30s, 0.0};  // growth below 1 counts as 1
    CHECK(first_delays(shrinking, 3, 0.5) == std::vector<long long>{4000, 4000, 4000});
    const poll_schedule wild_jitter{1s, 1.0, 1s, 5.0};  // jitter clamped to 50 %: never a delay of 0
    CHECK(poll_delay(wild_jitter, 0, 0.0).count() == 500);
    CHECK(poll_delay(wild_jitter, 0, 1.0).count() == 1500);
    CHECK(poll_delay(poll_schedule{}, -3, 0.5).count() == 5000);  // a negative poll number counts as the first
    CHECK(poll_delay(poll_schedule{}, 0, -2.0).count() == 4500);  // random clamped into [0, 1]
    CHECK(poll_delay(poll_schedule{}, 0, 3.0).count() == 5500);
}

TEST_CASE("a wait asks the transport for exactly the schedule's delays", "[poll][client]") {
    in_both_modes([](completion mode) {
        // Random 0.5: no jitter; 0.0 and 0.999: the low and high jitter bounds (each delay 0.9 or 1.0998 times the
        // rule's value for the run time so far: 5 s, 5 s, 5 s, then the root).
        CHECK(wait_sleeps(mode, 7, 0.5) == std::vector<long long>{5000, 5000, 5000, 5616, 6584, 7562, 8549, 9543});
        CHECK(wait_sleeps(mode, 2, 0.0) == std::vector<long long>{4500, 4500, 4500});
        CHECK(wait_sleeps(mode, 6, 0.999) == std::vector<long long>{5499, 5499, 5499, 6477, 7644, 8824, 10015});
        trocco::wait_options w;
        w.poll = poll_schedule::fixed(20s);
        CHECK(wait_sleeps(mode, 3, 0.123, std::move(w)) == std::vector<long long>{20000, 20000, 20000, 20000});
    });
}

TEST_CASE("poll_schedule::from_history: sleeps through most of the run time, polls densely near its end",
          "[poll][history]") {
    using std::chrono::milliseconds;
    std::vector<milliseconds> durations;
    for (const double f : {0.78, 0.85, 0.9, 0.93, 0.97, 1.0, 1.0, 1.03, 1.06, 1.1, 1.14, 1.2, 1.28, 0.8, 1.35}) {
        durations.push_back(milliseconds{static_cast<long long>(600'000 * f)});  // about 10 minutes
    }
    const auto s = poll_schedule::from_history(durations);
    REQUIRE_FALSE(s.planned.empty());
    CHECK(s.planned.front() > 4min);   // nothing in the first 40 % of the expected run time
    CHECK(s.planned.front() < 9min);
    CHECK(std::is_sorted(s.planned.begin(), s.planned.end()));
    for (std::size_t i = 1; i < s.planned.size(); ++i) CHECK(s.planned[i] - s.planned[i - 1] >= 5s);
    // Between planned times the delay is the gap to the next; past the last, the fallback's rule.
    CHECK(poll_delay(s, 0, 0ms, 0.5) == s.planned.front());
    CHECK(poll_delay(s, 5, s.planned[1] - 1ms, 0.5) == 1ms);
    CHECK(poll_delay(s, 99, s.planned.back() + 10min, 0.5) == poll_delay(poll_schedule{}, 99, s.planned.back() + 10min, 0.5));
    // Runs like those of the history: fewer calls than polling every 15 s, and seen sooner than polling every 60 s.
    const auto replay = [&](const poll_schedule& schedule) {
        double calls = 0;
        double delay = 0;
        for (const auto run : durations) {
            milliseconds t{0};
            for (int n = 0; t < run; ++n, ++calls) t += poll_delay(schedule, n, t, 0.5);
            delay += std::chrono::duration<double>(t - run).count();
        }
        return std::pair{calls / static_cast<double>(durations.size()), delay / static_cast<double>(durations.size())};
    };
    const auto [planned_calls, planned_delay] = replay(s);
    const auto [fixed_calls, unused_delay] = replay(poll_schedule::fixed(15s));
    const auto [unused_calls, slow_delay] = replay(poll_schedule::fixed(60s));
    CAPTURE(planned_calls, planned_delay, fixed_calls, slow_delay);
    CHECK(planned_calls < 0.35 * fixed_calls);  // measured at a price of 0.8 s per call: 11.1 against 41.3
    CHECK(planned_delay < 0.7 * slow_delay);    // (0.8 s per call): 8.6 s against 16.4 s

    SECTION("short or noisy history: the fallback unchanged") {
        const auto fallback = poll_schedule::fixed(20s);
        CHECK(poll_schedule::from_history(std::vector<milliseconds>(durations.begin(), durations.begin() + 4), fallback)
                  .planned.empty());
        std::vector<milliseconds> noisy{1min, 5min, 30min, 2h, 10s, 3min, 8h};
        const auto n = poll_schedule::from_history(noisy, fallback);
        CHECK(n.planned.empty());
        CHECK(n.first_delay == 20s);
        CHECK(poll_schedule::from_history({}).planned.empty());
        std::vector<milliseconds> odd{0ms, -5s, 0ms, 0ms, 0ms, 0ms};  // nothing usable
        CHECK(poll_schedule::from_history(odd).planned.empty());
    }
}
