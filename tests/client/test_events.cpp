// Structured events through a client: both observers (client-wide and per wait) see every event of a wait, in
// order; the old callbacks keep working beside them; no event carries the API key.
#include <string>
#include <vector>

#include "support.hpp"
#include "../support/machine.hpp"

TEST_CASE("events: a wait with a retry, as both observers see it", "[events]") {
    using namespace client_test;
    in_both_modes([](completion mode) {
        scripted_transport t{mode};
        t.respond(200, job_json(7, "queued"));
        t.respond(503, R"({"message":"busy, key tra_test_key_0001"})", {{"X-Rate-Limit-Remaining", "41"}});
        t.respond(200, job_json(7, "succeeded"));
        std::vector<std::string> client_events;
        std::vector<std::string> wait_events;
        std::vector<std::string> statuses;
        std::vector<std::int64_t> triggered;
        auto options = options_with();
        options.observer = [&](const trocco::wait_event& e) { client_events.push_back(test_support::describe(e)); };
        trocco::client c{t, options};
        trocco::wait_options w;
        w.observer = [&](const trocco::wait_event& e) {
            wait_events.push_back(test_support::describe(e));
            if (const auto* r = std::get_if<trocco::events::retry_scheduled>(&e)) {
                CHECK_FALSE(contains(r->message, test_key));  // redacted
                CHECK(contains(r->message, "busy"));
            }
            if (const auto* a = std::get_if<trocco::events::answer_received>(&e); a && a->http_status == 503) {
                CHECK(a->rate_limit.remaining == 41);
            }
        };
        w.on_triggered = [&](std::int64_t id) { triggered.push_back(id); };
        w.on_status_change = [&](const trocco::job& j) { statuses.push_back(j.raw_status); };
        const auto done = run_on(t, mode, c.run_and_wait(trocco::run_job_request{.job_definition_id = 42}, w));
        REQUIRE(done.has_value());
        CHECK(client_events == wait_events);
        CHECK(wait_events == test_support::events_after_job_7_started({
                                 "request_sent poll GET /api/jobs/7 #1",
                                 "answer_received poll 503",
                                 "retry_scheduled poll server_error in 500ms #2",
                                 "request_sent poll GET /api/jobs/7 #2",
                                 "answer_received poll 200",
                                 "status_changed queued -> succeeded",
                                 "wait_finished ok polls=2",
                             }));
        CHECK(triggered == std::vector<std::int64_t>{7});
        CHECK(statuses == std::vector<std::string>{"queued", "succeeded"});
        for (const auto& e : wait_events) CHECK_FALSE(contains(e, test_key));
    });
}

TEST_CASE("events: an observer that throws ends the operation with its exception", "[events]") {
    using namespace client_test;
    scripted_transport t;
    t.respond(200, job_json(7, "queued"));
    trocco::client c{t, options_with()};
    trocco::wait_options w;
    w.observer = [](const trocco::wait_event& e) {
        if (std::holds_alternative<trocco::events::trigger_outcome>(e)) throw std::runtime_error("observer says no");
    };
    CHECK_THROWS_WITH(trocco::sync_wait(c.run_and_wait(trocco::run_job_request{.job_definition_id = 42}, w)),
                      "observer says no");
}
