// run_and_wait / wait_job: every outcome of a wait, statuses that keep it going, timeout, stop (during a sleep, a
// send, or before anything), the callbacks, re-attaching, and 1,000 waits at once on one transport.
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;

struct final_case {
    const char* status;
    errc expected;
    job_status final_status;
};

}  // namespace

TEST_CASE("wait outcome: succeeded gives the job", "[client][wait]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.expect(http_method::post, run_job_url(42)).respond(200, job_json(7, "queued"));
        t.expect(http_method::get, job_url(7)).respond(200, job_json(7, "executing"));
        t.expect(http_method::get, job_url(7))
            .respond(200, R"({"id":7,"job_definition_id":42,"status":"succeeded","finished_at":"2026-01-01T00:00:13Z"})");
        trocco::client c{t, options_with()};
        const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
        REQUIRE(done.has_value());
        CHECK(done->id == 7);
        CHECK(done->job_definition_id == 42);
        CHECK(done->status == job_status::succeeded);
        CHECK(done->finished_at.has_value());
        CHECK(t.mismatches().empty());
        CHECK(t.remaining_steps() == 0);
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000});
    });
}

TEST_CASE("wait outcome: error, canceled, skipped give their errors with the final job", "[client][wait]") {
    const std::vector<final_case> cases{{"error", errc::job_failed, job_status::error},
                                        {"canceled", errc::job_canceled, job_status::canceled},
                                        {"skipped", errc::job_skipped, job_status::skipped}};
    in_both_modes([&](completion mode) {
        for (const auto& fc : cases) {
            CAPTURE(fc.status);
            scripted_transport t{mode};
            t.respond(200, job_json(7, "queued"));
            t.respond(200, job_json(7, "executing"));
            t.respond(200, job_json(7, fc.status));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE_FALSE(r.has_value());
            const auto& e = r.error();
            CHECK(e.kind() == fc.expected);
            CHECK(e.job_id() == 7);
            REQUIRE(e.last_job() != nullptr);
            CHECK(e.last_job()->status == fc.final_status);
            CHECK(e.last_job()->raw_status == fc.status);
            CHECK(e.last_job()->id == 7);
            CHECK(e.last_workflow_job() == nullptr);
            CHECK(contains(e.message(), "transfer job 7"));
            CHECK(t.requests().size() == 3);  // the end is final at once for a transfer job: no confirmation poll
            CHECK(t.remaining_steps() == 0);

            // The same through a re-attached wait.
            scripted_transport t2{mode};
            t2.respond(200, job_json(8, fc.status));
            trocco::client c2{t2, options_with()};
            const auto r2 = run_on(t2, mode, c2.wait_job(8));
            REQUIRE_FALSE(r2.has_value());
            CHECK(r2.error().kind() == fc.expected);
            CHECK(r2.error().job_id() == 8);
            REQUIRE(r2.error().last_job() != nullptr);
            CHECK(r2.error().last_job()->status == fc.final_status);
            CHECK(t2.sleeps().empty());
        }
    });
}

TEST_CASE("wait outcome: a trigger answered with a finished job ends the wait without polling", "[client][wait]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "skipped"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::job_skipped);
        CHECK(r.error().job_id() == 7);
        CHECK(t.requests().size() == 1);
        CHECK(t.sleeps().empty());
    });
}

TEST_CASE("retry_waiting, unknown and other running statuses keep the wait going", "[client][wait]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        respond_statuses(t, job_kind::transfer, 7,
                         {"queued", "setting_up", "retry_waiting", "paused_by_operator", "interrupting", "executing",
                          "succeeded"});
        std::vector<std::string> raw;
        std::vector<job_status> statuses;
        trocco::client c{t, options_with()};
        trocco::wait_options w;
        w.poll = trocco::poll_schedule::fixed(1s);
        w.on_status_change = [&](const job& j) {
            raw.push_back(j.raw_status);
            statuses.push_back(j.status);
        };
        const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w)));
        REQUIRE(done.has_value());
        CHECK(done->status == job_status::succeeded);
        CHECK(raw == std::vector<std::string>{"queued", "setting_up", "retry_waiting", "paused_by_operator",
                                              "interrupting", "executing", "succeeded"});
        REQUIRE(statuses.size() == 7);
        CHECK(statuses[3] == job_status::unknown);  // reported, with its raw string kept
        CHECK(t.requests().size() == 7);
    });
}

TEST_CASE("timeout: wait_timeout with the last job, at exactly the timeout on the virtual clock", "[client][wait]") {
    in_both_modes([](completion mode) {
        {
            scripted_transport t{mode};
            respond_statuses(t, job_kind::transfer, 7, {"queued", "executing", "executing", "executing"});
            trocco::client c{t, options_with()};
            trocco::wait_options w;
            w.poll = trocco::poll_schedule::fixed(25s);
            w.timeout = std::chrono::minutes{1};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w)));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::wait_timeout);
            CHECK(r.error().job_id() == 7);
            REQUIRE(r.error().last_job() != nullptr);
            CHECK(r.error().last_job()->status == job_status::executing);
            CHECK(contains(r.error().message(), "may still be running"));
            CHECK(contains(r.error().message(), "executing"));
            // The last sleep is clamped to the deadline: 25 + 25 + 10 = 60 s, a last look at the deadline.
            CHECK(counts(t.sleeps()) == std::vector<long long>{25000, 25000, 10000});
            CHECK(elapsed_ms(t) == 60000);
            CHECK(t.requests().size() == 4);
            CHECK(t.remaining_steps() == 0);
        }
        {
            scripted_transport t{mode};
            respond_statuses(t, job_kind::transfer, 7, {"queued", "executing", "executing", "executing", "executing"});
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.timeout = 20s}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::wait_timeout);
            CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000, 5000, 5000});
            CHECK(t.remaining_steps() == 0);
            CHECK(elapsed_ms(t) == 20000);
        }
        {
            // Re-attached: the last job seen is the one of the last poll.
            scripted_transport t{mode};
            t.respond(200, job_json(9, "queued"));
            t.respond(200, job_json(9, "executing"));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.wait_job(9, {.timeout = 3s}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::wait_timeout);
            CHECK(r.error().job_id() == 9);
            REQUIRE(r.error().last_job() != nullptr);
            CHECK(r.error().last_job()->raw_status == "executing");
            CHECK(counts(t.sleeps()) == std::vector<long long>{3000});
            CHECK(elapsed_ms(t) == 3000);
        }
    });
}

TEST_CASE("timeout: a trigger answered after the deadline ends the wait with the job, without polling",
          "[client][wait]") {
    scripted_transport t{completion::deferred};
    t.with_latency(90s).respond(200, job_json(7, "queued"));
    trocco::client c{t, options_with()};
    const auto r = t.run(c.run_and_wait({.job_definition_id = 42}, {.timeout = 1min}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == errc::wait_timeout);
    CHECK(r.error().job_id() == 7);
    REQUIRE(r.error().last_job() != nullptr);
    CHECK(r.error().last_job()->status == job_status::queued);
    CHECK(t.requests().size() == 1);
    CHECK(t.sleeps().empty());
}

TEST_CASE("timeout: the longest timeout a duration can hold is accepted", "[client][wait]") {
    scripted_transport t;
    t.respond(200, job_json(7, "queued")).respond(200, job_json(7, "succeeded"));
    t.respond(200, job_json(7, "succeeded"));
    trocco::client c{t, options_with()};
    trocco::wait_options w;
    w.timeout = std::chrono::milliseconds::max();
    w.not_found_grace = std::chrono::milliseconds::max();
    const auto done = trocco::sync_wait(c.run_and_wait({.job_definition_id = 42}, w));
    REQUIRE(done.has_value());
    CHECK(done->status == job_status::succeeded);
    const auto again = trocco::sync_wait(c.wait_job(7, w));
    REQUIRE(again.has_value());
}

TEST_CASE("stop during a sleep (on_sleep hook) gives canceled promptly, with the job id", "[client][wait][stop]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued"));
        t.respond(200, job_json(7, "executing"));
        std::stop_source stop;
        int sleeps_seen = 0;
        t.on_sleep([&](ms) {
            if (++sleeps_seen == 2) stop.request_stop();
        });
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.stop_token = stop.get_token()}));
        check_canceled_after_start(r, 7);
        CHECK(contains(r.error().message(), "may still be running"));
        CHECK(t.requests().size() == 2);
        CHECK(t.sleeps().size() == 2);
        CHECK(elapsed_ms(t) == 5000);  // the canceled sleep took no time
    });
}

TEST_CASE("stop while a deferred sleep is pending completes the wait as canceled at once", "[client][wait][stop]") {
    scripted_transport t{completion::deferred};
    t.respond(200, job_json(7, "queued"));
    trocco::client c{t, options_with()};
    std::stop_source stop;
    started_task<result<job>> w{c.run_and_wait({.job_definition_id = 42}, {.stop_token = stop.get_token()})};
    REQUIRE(t.run_one());  // the trigger's answer
    CHECK_FALSE(w.done());
    CHECK(t.pending() == 1);
    CHECK(counts(t.sleeps()) == std::vector<long long>{5000});
    stop.request_stop();
    REQUIRE(t.run_one());
    REQUIRE(w.done());
    const auto r = w.take();
    check_canceled_after_start(r, 7);
    CHECK(contains(r.error().message(), "may still be running"));
    CHECK(elapsed_ms(t) == 0);
    CHECK(t.requests().size() == 1);
    CHECK(t.pending() == 0);
}

TEST_CASE("stop during a send (on_send hook) gives canceled promptly, with the job id", "[client][wait][stop]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::stop_source stop;
        t.respond(200, job_json(7, "queued"));
        t.respond(200, job_json(7, "executing"));
        t.on_send([&] { stop.request_stop(); }).respond(200, job_json(7, "executing"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.stop_token = stop.get_token()}));
        check_canceled_after_start(r, 7);
        REQUIRE(r.error().last_job() != nullptr);
        CHECK(r.error().last_job()->status == job_status::executing);
        CHECK(contains(r.error().message(), "may still be running"));
        CHECK(t.requests().size() == 3);
        CHECK(t.sleeps().size() == 2);  // no retry, no further sleep
        CHECK(elapsed_ms(t) == 10000);
    });
}

TEST_CASE("stop while a deferred send is pending completes the wait as canceled at once", "[client][wait][stop]") {
    scripted_transport t{completion::deferred};
    t.respond(200, job_json(7, "queued"));
    t.with_latency(20s).respond(200, job_json(7, "executing"));
    trocco::client c{t, options_with()};
    std::stop_source stop;
    started_task<result<job>> w{c.wait_job(7, {.stop_token = stop.get_token()})};
    CHECK(t.pending() == 1);  // the first GET, sent at once
    REQUIRE(t.run_one());
    REQUIRE(t.run_one());  // the first sleep (5 s)
    CHECK(t.requests().size() == 2);
    CHECK(t.pending() == 1);  // the second GET, 20 s of latency
    CHECK(elapsed_ms(t) == 5000);
    stop.request_stop();
    REQUIRE(t.run_one());
    REQUIRE(w.done());
    const auto r = w.take();
    check_canceled_after_start(r, 7);
    CHECK(elapsed_ms(t) == 5000);
}

TEST_CASE("stop requested before the wait starts: canceled, nothing sent", "[client][wait][stop]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued"));
        std::stop_source stop;
        stop.request_stop();
        int triggered = 0;
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode,
                              c.run_and_wait({.job_definition_id = 42},
                                             {.on_triggered = [&](std::int64_t) { ++triggered; },
                                              .stop_token = stop.get_token()}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::canceled);
        CHECK(r.error().definition_id() == 42);
        CHECK_FALSE(r.error().job_id().has_value());
        CHECK(triggered == 0);
        const auto p = run_on(t, mode,
                              c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3},
                                             {.stop_token = stop.get_token()}));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().kind() == errc::canceled);
        const auto attached = run_on(t, mode, c.wait_job(7, {.stop_token = stop.get_token()}));
        REQUIRE_FALSE(attached.has_value());
        CHECK(attached.error().kind() == errc::canceled);
        CHECK(attached.error().job_id() == 7);
        CHECK(t.requests().empty());
        CHECK(t.sleeps().empty());
    });
}

TEST_CASE("stop while the trigger is in flight: canceled, the job may or may not have started", "[client][wait][stop]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::stop_source stop;
        t.on_send([&] { stop.request_stop(); }).respond(200, job_json(7, "queued"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.stop_token = stop.get_token()}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::canceled);
        CHECK(r.error().definition_id() == 42);
        CHECK(r.error().trigger_time().has_value());
        CHECK(contains(r.error().message(), "may or may not have been started"));
        CHECK(t.requests().size() == 1);
    });
}

TEST_CASE("on_triggered is called once with the id, before the first poll", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        respond_statuses(t, job_kind::transfer, 7, {"queued", "executing", "succeeded"});
        trigger_record triggered;
        trocco::client c{t, options_with()};
        const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, triggered.recording(t)));
        REQUIRE(done.has_value());
        CHECK(triggered.ids == std::vector<std::int64_t>{7});
        CHECK(triggered.requests_then == std::vector<std::size_t>{1});  // only the POST had been sent
        CHECK(triggered.sleeps_then == std::vector<std::size_t>{0});
    });
}

TEST_CASE("on_triggered is not called when the trigger fails, nor by wait_job", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(401, R"({"message":"bad key"})");
        t.respond(200, job_json(7, "succeeded"));
        int calls = 0;
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode,
                              c.run_and_wait({.job_definition_id = 42}, {.on_triggered = [&](std::int64_t) { ++calls; }}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::unauthorized);
        const auto attached = run_on(t, mode, c.wait_job(7, {.on_triggered = [&](std::int64_t) { ++calls; }}));
        REQUIRE(attached.has_value());
        CHECK(calls == 0);
    });
}

TEST_CASE("on_status_change is called on each change of status, not on each poll", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        respond_statuses(t, job_kind::transfer, 7, {"queued", "executing", "executing", "executing", "succeeded"});
        std::vector<std::string> seen;
        std::vector<std::int64_t> ids;
        trocco::client c{t, options_with()};
        trocco::wait_options w;
        w.on_status_change = [&](const job& j) {
            seen.push_back(j.raw_status);
            ids.push_back(j.id);
        };
        const auto done = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w)));
        REQUIRE(done.has_value());
        CHECK(seen == std::vector<std::string>{"queued", "executing", "succeeded"});
        CHECK(ids == std::vector<std::int64_t>{7, 7, 7});
        CHECK(t.requests().size() == 5);

        // Re-attached: the first status seen is reported too.
        scripted_transport t2{mode};
        t2.respond(200, job_json(8, "executing")).respond(200, job_json(8, "executing"));
        t2.respond(200, job_json(8, "error"));
        std::vector<std::string> seen2;
        trocco::client c2{t2, options_with()};
        const auto failed = run_on(t2, mode,
                                   c2.wait_job(8, {.on_status_change = [&](const job& j) { seen2.push_back(j.raw_status); }}));
        REQUIRE_FALSE(failed.has_value());
        CHECK(seen2 == std::vector<std::string>{"executing", "error"});
    });
}

TEST_CASE("a generic status callback serves both job kinds", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued")).respond(200, job_json(7, "succeeded"));
        t.respond(200, pipeline_json(9, "queued")).respond(200, pipeline_json(9, "succeeded"));
        std::vector<std::string> seen;
        const auto record = [&seen](const auto& j) { seen.push_back(std::to_string(j.id) + ":" + j.raw_status); };
        trocco::client c{t, options_with()};
        const auto a = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.on_status_change = record}));
        REQUIRE(a.has_value());
        const auto b = run_on(t, mode,
                              c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3},
                                             {.on_status_change = record}));
        REQUIRE(b.has_value());
        CHECK(seen == std::vector<std::string>{"7:queued", "7:succeeded", "9:queued", "9:succeeded"});
    });
}

TEST_CASE("a status callback of the wrong job kind is refused before anything is sent", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        trocco::client c{t, options_with()};
        int calls = 0;
        const auto job_only = [&calls](const job&) { ++calls; };
        const auto pipeline_only = [&calls](const trocco::workflow_job&) { ++calls; };
        const auto p = run_on(t, mode,
                              c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3},
                                             {.on_status_change = job_only}));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().kind() == errc::invalid_argument);
        CHECK(contains(p.error().message(), "on_status_change"));
        const auto wp = run_on(t, mode, c.wait_workflow_job(5, {.on_status_change = job_only}));
        REQUIRE_FALSE(wp.has_value());
        CHECK(wp.error().kind() == errc::invalid_argument);
        const auto j = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.on_status_change = pipeline_only}));
        REQUIRE_FALSE(j.has_value());
        CHECK(j.error().kind() == errc::invalid_argument);
        const auto wj = run_on(t, mode, c.wait_job(5, {.on_status_change = pipeline_only}));
        REQUIRE_FALSE(wj.has_value());
        CHECK(wj.error().kind() == errc::invalid_argument);
        CHECK(t.requests().empty());
        CHECK(calls == 0);
    });
}

TEST_CASE("invalid wait options are refused before anything is sent", "[client][wait]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        trocco::client c{t, options_with()};
        std::vector<trocco::wait_options> bad(5);
        bad[0].timeout = 0ms;
        bad[1].timeout = -5s;
        bad[2].poll.first_delay = 0ms;
        bad[3].poll.growth = 0.5;
        bad[4].error_confirmations = -1;
        for (std::size_t i = 0; i < bad.size(); ++i) {
            CAPTURE(i);
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, bad[i]));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::invalid_argument);
            const auto w = run_on(t, mode, c.wait_workflow_job(5, bad[i]));
            REQUIRE_FALSE(w.has_value());
            CHECK(w.error().kind() == errc::invalid_argument);
        }
        CHECK(t.requests().empty());
    });
}

TEST_CASE("an exception thrown by a callback propagates out of the co_await", "[client][wait][callbacks]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued")).respond(200, job_json(7, "executing"));
        trocco::client c{t, options_with()};
        trocco::wait_options w;
        w.on_status_change = [](const job& j) {
            if (j.status == job_status::executing) throw std::runtime_error("callback failed");
        };
        CHECK_THROWS_AS(run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, std::move(w))), std::runtime_error);
        CHECK(t.requests().size() == 2);
    });
}

TEST_CASE("re-attach: wait_job polls at once, then on the schedule", "[client][wait][reattach]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::vector<long long> first_request_at;
        t.on_send([&] { first_request_at.push_back(elapsed_ms(t)); });
        t.expect(http_method::get, job_url(7)).respond(200, job_json(7, "executing"));
        t.expect(http_method::get, job_url(7)).respond(200, job_json(7, "executing"));
        t.expect(http_method::get, job_url(7)).respond(200, job_json(7, "executing"));
        t.expect(http_method::get, job_url(7)).respond(200, job_json(7, "succeeded"));
        trocco::client c{t, options_with()};
        int triggered = 0;
        const auto done = run_on(t, mode, c.wait_job(7, {.on_triggered = [&](std::int64_t) { ++triggered; }}));
        REQUIRE(done.has_value());
        CHECK(done->id == 7);
        CHECK(first_request_at == std::vector<long long>{0});  // no sleep before the first GET
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000, 5000});
        CHECK(t.mismatches().empty());
        CHECK(triggered == 0);
    });
}

TEST_CASE("1,000 concurrent waits on one deferred scripted_transport all succeed", "[client][wait][concurrency]") {
    constexpr int n = 1000;
    scripted_transport t{completion::deferred};
    // With a fixed random value every wait runs the same schedule, so the transport's due-time order is known:
    // all triggers, then each wait's first poll in start order, then each wait's second poll.
    for (int i = 0; i < n; ++i) t.expect(http_method::post, run_job_url(i + 1)).respond(200, job_json(10000 + i, "queued", i + 1));
    for (int i = 0; i < n; ++i) t.expect(http_method::get, job_url(10000 + i)).respond(200, job_json(10000 + i, "executing", i + 1));
    for (int i = 0; i < n; ++i) t.expect(http_method::get, job_url(10000 + i)).respond(200, job_json(10000 + i, "succeeded", i + 1));
    trocco::client c{t, options_with()};
    std::vector<std::int64_t> triggered;
    std::vector<started_task<result<job>>> waits;
    waits.reserve(n);
    for (int i = 0; i < n; ++i) {
        waits.emplace_back(c.run_and_wait({.job_definition_id = i + 1},
                                          {.on_triggered = [&triggered](std::int64_t id) { triggered.push_back(id); }}));
    }
    CHECK(t.pending() == static_cast<std::size_t>(n));
    CHECK(t.run_all() == static_cast<std::size_t>(5 * n));  // 1,000 x (POST, sleep, GET, sleep, GET)
    int succeeded = 0;
    for (int i = 0; i < n; ++i) {
        REQUIRE(waits[i].done());
        const auto r = waits[i].take();
        if (r && r->id == 10000 + i && r->status == job_status::succeeded && r->job_definition_id == i + 1) ++succeeded;
    }
    CHECK(succeeded == n);
    CHECK(triggered.size() == static_cast<std::size_t>(n));
    CHECK(t.mismatches().empty());
    CHECK(t.remaining_steps() == 0);
    CHECK(t.requests().size() == static_cast<std::size_t>(3 * n));
    CHECK(elapsed_ms(t) == 10000);  // they all waited side by side
}

TEST_CASE("1,000 concurrent waits on a URL-answering event-loop transport all succeed", "[client][wait][concurrency]") {
    constexpr int n = 1000;
    std::map<std::int64_t, int> polls;
    const auto polls_needed = [](std::int64_t job_id) { return static_cast<int>(job_id % 5) + 1; };
    event_loop_transport t{[&](const trocco::http_request& r) {
                               const std::string jobs = "https://trocco.io/api/jobs";
                               if (r.method == http_method::post) {
                                   const auto def = std::stoll(r.url.substr(r.url.find('=') + 1));
                                   return trocco::http_response{200, {}, job_json(def + 1'000'000, "queued", def)};
                               }
                               const auto id = std::stoll(r.url.substr(jobs.size() + 1));
                               const int seen = ++polls[id];
                               const char* status = seen < polls_needed(id) ? "executing" : "succeeded";
                               return trocco::http_response{200, {}, job_json(id, status, id - 1'000'000)};
                           },
                           25ms};
    trocco::client c{t, options_with(0.5)};
    std::vector<started_task<result<job>>> waits;
    waits.reserve(n);
    for (int i = 1; i <= n; ++i) waits.emplace_back(c.run_and_wait({.job_definition_id = i}));
    t.run();
    int succeeded = 0;
    std::size_t expected_sends = 0;
    for (int i = 1; i <= n; ++i) {
        auto& w = waits[static_cast<std::size_t>(i - 1)];
        REQUIRE(w.done());
        const auto r = w.take();
        const std::int64_t id = i + 1'000'000;
        if (r && r->id == id && r->job_definition_id == i && r->status == job_status::succeeded) ++succeeded;
        CHECK(polls[id] == polls_needed(id));
        expected_sends += 1 + static_cast<std::size_t>(polls_needed(id));
    }
    CHECK(succeeded == n);
    CHECK(t.sends() == expected_sends);
}
