// Workflow waits: a workflow's `error` is final only once confirmed by further polls (an automatic retry may
// follow it: error -> retry_waiting -> ...), a transfer job's `error` is final at once; the outcomes, re-attaching
// and the callbacks for workflow jobs.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "support.hpp"

using namespace client_test;

TEST_CASE("workflow: executing -> error -> retry_waiting -> executing -> succeeded succeeds", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.expect(http_method::post, run_pipeline_url(3)).respond(200, pipeline_json(30, "queued"));
        for (const char* s : {"executing", "error", "retry_waiting", "executing", "succeeded"}) {
            t.expect(http_method::get, pipeline_job_url(30)).respond(200, pipeline_json(30, s));
        }
        std::vector<std::string> seen;
        trocco::client c{t, options_with()};
        trocco::wait_options w;
        w.on_status_change = [&](const workflow_job& j) { seen.push_back(j.raw_status); };
        const auto done = run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}, std::move(w)));
        REQUIRE(done.has_value());
        CHECK(done->id == 30);
        CHECK(done->status == job_status::succeeded);
        CHECK(t.mismatches().empty());
        CHECK(t.remaining_steps() == 0);
        // Poll 0 and 1 on the schedule; the error is looked at again after error_confirmation_delay (10 s); then
        // the schedule resumes where it was (poll 2, 3).
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000, 10000, 6485, 7462});
        CHECK(seen == std::vector<std::string>{"queued", "executing", "error", "retry_waiting", "executing", "succeeded"});
    });
}

TEST_CASE("workflow: a persistent error fails after exactly error_confirmations further polls", "[client][workflow]") {
    in_both_modes([](completion mode) {
        for (int confirmations : {1, 2, 3}) {
            CAPTURE(confirmations);
            scripted_transport t{mode};
            t.respond(200, pipeline_json(30, "queued"));
            t.respond(200, pipeline_json(30, "executing"));
            for (int i = 0; i <= confirmations; ++i) t.respond(200, pipeline_json(30, "error"));
            t.respond(200, pipeline_json(30, "succeeded"));  // never read
            std::vector<std::string> seen;
            trocco::client c{t, options_with()};
            trocco::wait_options w;
            w.error_confirmations = confirmations;
            w.error_confirmation_delay = 4s;
            w.on_status_change = [&](const workflow_job& j) { seen.push_back(j.raw_status); };
            const auto r = run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}, std::move(w)));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::job_failed);
            CHECK(r.error().job_id() == 30);
            REQUIRE(r.error().last_workflow_job() != nullptr);
            CHECK(r.error().last_workflow_job()->status == job_status::error);
            CHECK(r.error().last_job() == nullptr);
            CHECK(contains(r.error().message(), "workflow job 30"));
            // POST, the executing poll, the first error, then `confirmations` more.
            CHECK(t.requests().size() == static_cast<std::size_t>(3 + confirmations));
            CHECK(t.remaining_steps() == 1);
            std::vector<long long> expected{5000, 5000};
            for (int i = 0; i < confirmations; ++i) expected.push_back(4000);
            CHECK(counts(t.sleeps()) == expected);
            CHECK(seen == std::vector<std::string>{"queued", "executing", "error"});  // one change, one call
        }
    });
}

TEST_CASE("workflow: the default of 2 confirmations, 10 s apart", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        respond_statuses(t, job_kind::workflow, 30, {"executing", "error", "error", "error"});
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::job_failed);
        CHECK(t.requests().size() == 4);
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 10000, 10000});
    });
}

TEST_CASE("workflow: error_confirmations = 0 trusts the first error", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, pipeline_json(30, "queued"));
        t.respond(200, pipeline_json(30, "error"));
        t.respond(200, pipeline_json(30, "retry_waiting"));  // never read
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode,
                              c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}, {.error_confirmations = 0}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::job_failed);
        CHECK(r.error().job_id() == 30);
        CHECK(t.requests().size() == 2);
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000});
    });
}

TEST_CASE("workflow: an error that turns into another end is reported as that end", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, pipeline_json(30, "error"));
        t.respond(200, pipeline_json(30, "canceled"));
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.wait_workflow_job(30));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::job_canceled);
        CHECK(r.error().job_id() == 30);
        CHECK(counts(t.sleeps()) == std::vector<long long>{10000});
    });
}

TEST_CASE("workflow: the confirmation polls stop at the deadline", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        respond_statuses(t, job_kind::workflow, 30, {"queued", "error", "error"});
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode,
                              c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}, {.timeout = 8s}));
        REQUIRE_FALSE(r.has_value());
        // The error seen at the deadline could not be confirmed: the wait timed out with it as the last job.
        CHECK(r.error().kind() == errc::wait_timeout);
        CHECK(r.error().job_id() == 30);
        REQUIRE(r.error().last_workflow_job() != nullptr);
        CHECK(r.error().last_workflow_job()->status == job_status::error);
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 3000});
        CHECK(elapsed_ms(t) == 8000);
    });
}

TEST_CASE("a transfer job's error is final at once: no confirmation polls", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued"));
        t.respond(200, job_json(7, "error"));
        t.respond(200, job_json(7, "succeeded"));  // never read
        trocco::client c{t, options_with()};
        const auto r = run_on(t, mode, c.run_and_wait({.job_definition_id = 42}, {.error_confirmations = 5}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::job_failed);
        CHECK(r.error().job_id() == 7);
        CHECK(t.requests().size() == 2);
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000});
    });
}

TEST_CASE("workflow outcomes: succeeded, canceled, skipped", "[client][workflow]") {
    in_both_modes([](completion mode) {
        {
            scripted_transport t{mode};
            t.respond(200, pipeline_json(30, "queued")).respond(200, pipeline_json(30, "succeeded"));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}));
            REQUIRE(r.has_value());
            CHECK(r->workflow_definition_id == 3);
            CHECK(r->name == "nightly");
        }
        for (const auto& [status, expected] : {std::pair{"canceled", errc::job_canceled}, std::pair{"skipped", errc::job_skipped}}) {
            CAPTURE(status);
            scripted_transport t{mode};
            t.respond(200, pipeline_json(30, "queued")).respond(200, pipeline_json(30, status));
            trocco::client c{t, options_with()};
            const auto r = run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}));
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == expected);
            CHECK(r.error().job_id() == 30);
            REQUIRE(r.error().last_workflow_job() != nullptr);
            CHECK(r.error().last_workflow_job()->raw_status == status);
            CHECK(t.requests().size() == 2);
        }
    });
}

TEST_CASE("workflow re-attach: wait_workflow_job polls at once, then on the schedule", "[client][workflow][reattach]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        std::vector<long long> sent_at;
        for (const char* s : {"executing", "retry_waiting", "queued", "succeeded"}) {
            t.expect(http_method::get, pipeline_job_url(30))
                .on_send([&sent_at, &t] { sent_at.push_back(elapsed_ms(t)); })
                .respond(200, pipeline_json(30, s));
        }
        trocco::client c{t, options_with()};
        const auto done = run_on(t, mode, c.wait_workflow_job(30));
        REQUIRE(done.has_value());
        CHECK(done->status == job_status::succeeded);
        CHECK(sent_at == std::vector<long long>{0, 5000, 10000, 15000});
        CHECK(counts(t.sleeps()) == std::vector<long long>{5000, 5000, 5000});
        CHECK(t.mismatches().empty());
    });
}

TEST_CASE("workflow: on_triggered gets the workflow job id before the first poll", "[client][workflow]") {
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, pipeline_json(30, "queued")).respond(200, pipeline_json(30, "succeeded"));
        trigger_record triggered;
        trocco::client c{t, options_with()};
        const auto done =
            run_on(t, mode, c.run_and_wait(run_workflow_request{.workflow_definition_id = 3}, triggered.recording(t)));
        REQUIRE(done.has_value());
        CHECK(triggered.ids == std::vector<std::int64_t>{30});
        CHECK(triggered.requests_then == std::vector<std::size_t>{1});
        CHECK(triggered.sleeps_then == std::vector<std::size_t>{0});
    });
}
