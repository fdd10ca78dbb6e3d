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

}  // namespace

TEST_CASE("poll_schedule defaults: 5 s growing x1.5 to 30 s, +/-10 % jitter", "[poll]") {
    const poll_schedule s;
    CHECK(s.first_delay == 5s);
    CHECK(s.growth == 1.5);
    CHECK(s.max_delay == 30s);
    CHECK(s.jitter == 0.1);
    const trocco::wait_options w;
    CHECK(w.timeout == std::chrono::hours{24});
    CHECK(w.not_found_grace == 60s);
    CHECK(w.error_confirmations == 2);
    CHECK(w.error_confirmation_delay == 10s);
}

TEST_CASE("poll_delay: the default schedule at random 0.5 (no jitter)", "[poll]") {
    CHECK(first_delays(poll_schedule{}, 9, 0.5) ==
          std::vector<long long>{5000, 7500, 11250, 16875, 25313, 30000, 30000, 30000, 30000});
    CHECK(poll_delay(poll_schedule{}, 1000, 0.5).count() == 30000);
}

TEST_CASE("poll_delay: jitter bounds at random 0.0 and 0.999", "[poll]") {
    const poll_schedule s;
    const auto low = first_delays(s, 7, 0.0);
    const auto high = first_delays(s, 7, 0.999);
    CHECK(low[0] == 4500);
    CHECK(low[1] == 6750);
    CHECK(low[6] == 27000);
    CHECK(high[0] == 5499);
    CHECK(high[6] == 32994);
    const std::vector<double> base{5000, 7500, 11250, 16875, 25312.5, 30000, 30000};
    for (std::size_t i = 0; i < base.size(); ++i) {
        CAPTURE(i);
        CHECK(low[i] >= std::llround(base[i] * 0.9) - 1);
        CHECK(low[i] <= std::llround(base[i] * 0.9) + 1);
        CHECK(high[i] > base[i]);
        CHECK(high[i] <= std::llround(base[i] * 1.1));
    }
    for (int poll = 0; poll < 20; ++poll) {
        for (double r : {0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999}) {
            CAPTURE(poll, r);
            const auto d = poll_delay(s, poll, r).count();
            const double b = std::min(30000.0, 5000.0 * std::pow(1.5, poll));
            CHECK(static_cast<double>(d) >= b * 0.9 - 1);
            CHECK(static_cast<double>(d) <= b * 1.1 + 1);
        }
    }
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
    const poll_schedule wild_jitter{1s, 1.0, 1s, 5.0};  // jitter clamped to 100 %
    CHECK(poll_delay(wild_jitter, 0, 0.0).count() == 0);
    CHECK(poll_delay(wild_jitter, 0, 1.0).count() == 2000);
    CHECK(poll_delay(poll_schedule{}, -3, 0.5).count() == 5000);  // a negative poll number counts as the first
    CHECK(poll_delay(poll_schedule{}, 0, -2.0).count() == 4500);  // random clamped into [0, 1]
    CHECK(poll_delay(poll_schedule{}, 0, 3.0).count() == 5500);
}

TEST_CASE("a wait asks the transport for exactly the schedule's delays", "[poll][client]") {
    SECTION("default schedule, random 0.5") {
        in_both_modes([](completion mode) {
            scripted_transport t{mode};
            script_job(t, 7);
            trocco::client c{t, options_with(0.5)};
            const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE(done.has_value());
            CHECK(done->status == trocco::job_status::succeeded);
            CHECK(t.mismatches().empty());
            CHECK(t.remaining_steps() == 0);
            CHECK(counts(t.sleeps()) ==
                  std::vector<long long>{5000, 7500, 11250, 16875, 25313, 30000, 30000, 30000});
            CHECK(elapsed_ms(t) == 5000 + 7500 + 11250 + 16875 + 25313 + 30000 * 3);
        });
    }
    SECTION("default schedule, random 0.0: the low jitter bound") {
        in_both_modes([](completion mode) {
            scripted_transport t{mode};
            script_job(t, 2);
            trocco::client c{t, options_with(0.0)};
            const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE(done.has_value());
            CHECK(counts(t.sleeps()) == std::vector<long long>{4500, 6750, 10125});
        });
    }
    SECTION("default schedule, random 0.999: the high jitter bound") {
        in_both_modes([](completion mode) {
            scripted_transport t{mode};
            script_job(t, 6);
            trocco::client c{t, options_with(0.999)};
            const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE(done.has_value());
            const auto slept = counts(t.sleeps());
            REQUIRE(slept.size() == 7);
            CHECK(slept[0] == 5499);
            CHECK(slept[6] == 32994);
            const std::vector<double> base{5000, 7500, 11250, 16875, 25312.5, 30000, 30000};
            for (std::size_t i = 0; i < base.size(); ++i) {
                CAPTURE(i);
                CHECK(static_cast<double>(slept[i]) > base[i]);
                CHECK(static_cast<double>(slept[i]) <= base[i] * 1.1);
            }
        });
    }
    SECTION("a fixed schedule") {
        in_both_modes([](completion mode) {
            scripted_transport t{mode};
            script_job(t, 3);
            trocco::client c{t, options_with(0.123)};
            trocco::wait_options w;
            w.poll = poll_schedule::fixed(20s);
            const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w)));
            REQUIRE(done.has_value());
            CHECK(counts(t.sleeps()) == std::vector<long long>{20000, 20000, 20000, 20000});
            CHECK(elapsed_ms(t) == 80000);
        });
    }
}
