// The trigger POST: never sent again once it may have reached the server (transport_failure, 5xx, 408, an
// unreadable 2xx answer give outcome_unknown with the definition id and trigger time); connect_failed and 429 are
// retried; the API's refusals are reported as such after one send.
#include <chrono>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

using namespace client_test;

const std::chrono::system_clock::time_point wall_start = std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};

// Counts the POSTs among the requests.
std::size_t posts(const scripted_transport& t) {
    std::size_t n = 0;
    for (const auto& r : t.requests()) n += r.method == http_method::post ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("trigger: transport_failure on the POST is sent once and gives outcome_unknown", "[client][trigger]") {
    in_both_modes([](completion mode) {
        {
            scripted_transport t{mode};
            t.fail(errc::transport_failure, "connection reset while reading the response");
            t.respond(200, job_json(7, "queued"));  // must never be used
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_job({.job_definition_id = 42}));
            REQUIRE_FALSE(r.has_value());
            const auto& e = r.error();
            CHECK(e.kind() == errc::outcome_unknown);
            CHECK(e.definition_id() == 42);
            REQUIRE(e.trigger_time().has_value());
            CHECK(*e.trigger_time() == wall_start);
            CHECK_FALSE(e.job_id().has_value());
            CHECK(contains(e.message(), "connection reset while reading the response"));
            CHECK(contains(e.message(), "may or may not have been started"));
            CHECK(contains(e.to_string(), "[definition 42]"));
            CHECK(t.requests().size() == 1);
            CHECK(t.sleeps().empty());
            CHECK(t.remaining_steps() == 1);
        }
        {
            // The same inside run_and_wait: no poll, no on_triggered.
            scripted_transport t{mode};
            t.advance(90s);
            t.fail(errc::transport_failure, "read timeout");
            t.respond(200, job_json(7, "queued"));
            int triggered = 0;
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode,
                                  c.run_and_wait({.job_definition_id = 42},
                                                 {.on_triggered = [&](std::int64_t) { ++triggered; }}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::outcome_unknown);
            CHECK(r.error().definition_id() == 42);
            CHECK(r.error().trigger_time() == wall_start + 90s);  // when it was sent, on the transport's wall clock
            CHECK(triggered == 0);
            CHECK(t.requests().size() == 1);
        }
        {
            // And for a workflow.
            scripted_transport t{mode};
            t.fail(errc::transport_failure, "reset");
            t.respond(200, pipeline_json(7, "queued"));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = 3}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::outcome_unknown);
            CHECK(r.error().definition_id() == 3);
            CHECK(r.error().trigger_time().has_value());
            CHECK(t.requests().size() == 1);
        }
    });
}

TEST_CASE("trigger: connect_failed on the POST is retried, then succeeds", "[client][trigger]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.fail(errc::connect_failed, "connection refused");
        t.fail(errc::connect_failed, "connection refused");
        t.expect(http_method::post, run_job_url(42)).respond(200, job_json(7, "queued"));
        t.respond(200, job_json(7, "succeeded"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
        REQUIRE(r.has_value());
        CHECK(r->id == 7);
        CHECK(posts(t) == 3);
        CHECK(urls(t) == std::vector<std::string>{run_job_url(42), run_job_url(42), run_job_url(42), job_url(7)});
        // Backoff (random 0.5: half of 1 s, then of 2 s), then the first poll.
        CHECK(counts(t.sleeps()) == std::vector<long long>{500, 1000, 5000});
        CHECK(t.mismatches().empty());
    });
}

TEST_CASE("trigger: connect_failed on every attempt gives connect_failed after max_attempts", "[client][trigger]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        for (int i = 0; i < 3; ++i) t.fail(errc::connect_failed, "no route to host");
        auto opts = options_with();
        opts.retry.max_attempts = 3;
        trocco::client c{t, opts};
        const auto r = run_on(t, mode, c.run_workflow({.workflow_definition_id = 3}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::connect_failed);  // nothing was sent: no job was started
        CHECK(r.error().definition_id() == 3);
        CHECK(posts(t) == 3);
        CHECK(counts(t.sleeps()) == std::vector<long long>{500, 1000});
    });
}

TEST_CASE("trigger: 429 on the POST is retried after Retry-After", "[client][trigger]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(429, R"({"message":"Too many requests"})", {{"Retry-After", "7"}});
        t.respond(200, job_json(7, "queued"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_job({.job_definition_id = 42}));
        REQUIRE(r.has_value());
        CHECK(r->id == 7);
        CHECK(posts(t) == 2);
        CHECK(counts(t.sleeps()) == std::vector<long long>{7000});
        CHECK(elapsed_ms(t) == 7000);
    });
}

TEST_CASE("trigger: 429 on every attempt gives rate_limited", "[client][trigger]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        auto opts = options_with();
        opts.retry.max_attempts = 2;
        t.respond(429, R"({"message":"Rate limit exceeded"})", {{"Retry-After", "1"}});
        t.respond(429, R"({"message":"Rate limit exceeded"})", {{"Retry-After", "1"}});
        trocco::client c{t, opts};
        const auto r = run_on(t, mode, c.run_job({.job_definition_id = 42}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::rate_limited);
        CHECK(r.error().http_status() == 429);
        CHECK(r.error().message() == "Rate limit exceeded");
        CHECK(r.error().definition_id() == 42);
        CHECK(posts(t) == 2);
    });
}

TEST_CASE("trigger: 500, 502, 503, 504 and 408 on the POST are not retried: outcome_unknown", "[client][trigger]") {
    in_both_modes([](completion mode) {
        for (int status : {500, 502, 503, 504, 408}) {
            CAPTURE(status);
            scripted_transport t{mode};
            t.respond(status, R"({"message":"upstream trouble"})", {{"Retry-After", "1"}});
            t.respond(200, job_json(7, "queued"));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::outcome_unknown);
            CHECK(r.error().http_status() == status);
            CHECK(r.error().definition_id() == 42);
            CHECK(r.error().trigger_time() == wall_start);
            CHECK(contains(r.error().message(), std::to_string(status)));
            CHECK(t.requests().size() == 1);
            CHECK(t.sleeps().empty());

            scripted_transport tp{mode};
            tp.respond(status, "");
            trocco::client cp{tp, options_with()};
            const auto p = run_on(tp, mode, cp.run_workflow({.workflow_definition_id = 3}));
            REQUIRE_FALSE(p.has_value());
            CHECK(p.error().kind() == errc::outcome_unknown);
            CHECK(p.error().http_status() == status);
            CHECK(tp.requests().size() == 1);
        }
    });
}

TEST_CASE("trigger: a 2xx answer with an unreadable body gives outcome_unknown", "[client][trigger]") {
    in_both_modes([](completion mode) {
        for (const char* body : {"", "not json", "[]", "{}", R"({"id":7,"status":"queued"})",
                                 R"({"id":"7","job_definition_id":42,"status":"queued"})"}) {
            CAPTURE(body);
            scripted_transport t{mode};
            t.respond(200, body);
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::outcome_unknown);
            CHECK(r.error().http_status() == 200);
            CHECK(r.error().definition_id() == 42);
            CHECK(r.error().trigger_time().has_value());
            CHECK(contains(r.error().message(), "unreadable"));
            CHECK(t.requests().size() == 1);
        }
        scripted_transport t{mode};
        t.respond(201, R"({"id":7,"job_definition_id":42})");
        trocco::client c{t, options_with()};
        const auto p = run_on(t, mode, c.run_workflow({.workflow_definition_id = 3}));  // a job body, not a workflow's
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().kind() == errc::outcome_unknown);
        CHECK(p.error().http_status() == 201);
    });
}

TEST_CASE("trigger: the API's refusals are reported as such, after one send", "[client][trigger]") {
    struct refusal {
        int status;
        errc expected;
    };
    const std::vector<refusal> refusals{{401, errc::unauthorized}, {403, errc::forbidden}, {422, errc::bad_request},
                                        {400, errc::bad_request},  {404, errc::not_found}, {409, errc::http_error}};
    in_both_modes([&](completion mode) {
        for (const auto& rf : refusals) {
            CAPTURE(rf.status);
            scripted_transport t{mode};
            t.respond(rf.status, R"({"message":"refused by trocco"})");
            t.respond(200, job_json(7, "queued"));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == rf.expected);
            CHECK(r.error().http_status() == rf.status);
            CHECK(r.error().message() == "refused by trocco");
            CHECK(r.error().definition_id() == 42);
            CHECK_FALSE(r.error().job_id().has_value());
            CHECK(t.requests().size() == 1);
            CHECK(t.sleeps().empty());
        }
    });
}

TEST_CASE("trigger: a validation error keeps the server's details", "[client][trigger]") {
    scripted_transport t;
    t.respond(422, R"({"message":"Validation failed","errors":[{"attribute":"context_time","message":"is invalid"}]})");
    trocco::client c{t, options_with()};
    const auto r = trocco::sync_wait(c.run_job({.job_definition_id = 42, .context_time = "2026-01-01 00:00:00"}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind() == errc::bad_request);
    CHECK(r.error().message() == "Validation failed: context_time is invalid");
}
