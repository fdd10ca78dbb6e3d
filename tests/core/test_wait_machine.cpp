// The wait machine without any transport: every rule of a wait fed with outcomes and times. The trigger and its
// retries, polling, the deadline, the 404 grace, workflow error confirmation, stops, and absurd server delays.
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "../catch.hpp"
#include "../support/machine.hpp"
#include "../support/text.hpp"

namespace {

using namespace machine_test;
using trocco::wait_step;
using kind = wait_step::kind;

trocco::result<trocco::http_response> failure(errc code, std::string message = "transport says no") {
    return trocco::error{code, std::move(message)};
}

long long until_ms(machine_fixture& f, wait_machine& m) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(m.next().until - f.now).count();
}

}  // namespace

TEST_CASE("machine: trigger, poll on the schedule, done with the succeeded job", "[machine]") {
    machine_fixture f;
    auto m = transfer_wait(f);
    f.start_machine(m);
    REQUIRE(step_name(m) == "send");
    CHECK(m.next().role == trocco::request_role::trigger);
    CHECK(m.next().request.method == trocco::http_method::post);
    CHECK(m.next().request.url == "https://trocco.io/api/jobs?job_definition_id=42");
    f.answer(m, 200, job_body(7, "queued"));
    REQUIRE(step_name(m) == "sleep");
    CHECK(until_ms(f, m) == 5000);
    f.wake(m);
    REQUIRE(step_name(m) == "send");
    CHECK(m.next().request.url == "https://trocco.io/api/jobs/7");
    f.answer(m, 200, job_body(7, "executing"));
    CHECK(until_ms(f, m) == 5000);
    f.wake(m);
    f.answer(m, 200, job_body(7, "succeeded"));
    REQUIRE(step_name(m) == "done");
    auto r = m.take_result();
    REQUIRE(r.has_value());
    CHECK(std::get<trocco::job>(*r).status == trocco::job_status::succeeded);
    CHECK(f.elapsed_ms() == 10000);
    CHECK(f.events == test_support::events_after_job_7_started({
                          "request_sent poll GET /api/jobs/7 #1",
                          "answer_received poll 200",
                          "status_changed queued -> executing",
                          "poll_scheduled in 5000ms",
                          "request_sent poll GET /api/jobs/7 #1",
                          "answer_received poll 200",
                          "status_changed executing -> succeeded",
                          "wait_finished ok polls=2",
                      }));
}

TEST_CASE("machine: the trigger is resent only after connect_failed or 429", "[machine][trigger]") {
    machine_fixture f;
    SECTION("connect_failed, then 429 with Retry-After: 7, then started") {
        auto m = transfer_wait(f);
        f.start_machine(m);
        f.answer(m, failure(errc::connect_failed));
        REQUIRE(step_name(m) == "sleep");
        CHECK(until_ms(f, m) == 500);  // full jitter of 1 s at random 0.5
        f.wake(m);
        REQUIRE(step_name(m) == "send");
        CHECK(m.next().request.method == trocco::http_method::post);
        f.answer(m, 429, "", {{"Retry-After", "7"}});
        CHECK(until_ms(f, m) == 7000);
        f.wake(m);
        f.answer(m, 200, job_body(7, "queued"));
        CHECK(step_name(m) == "sleep");
        CHECK(m.job_id() == 7);
    }
    SECTION("transport_failure, 5xx, 408, an unreadable 2xx, another definition: outcome_unknown after one send") {
        const std::vector<std::pair<trocco::result<trocco::http_response>, std::string>> cases = {
            {failure(errc::transport_failure, "reset"), "may have reached trocco"},
            {trocco::http_response{500, {}, ""}, "500"},
            {trocco::http_response{503, {{"Retry-After", "1"}}, ""}, "503"},
            {trocco::http_response{408, {}, ""}, "408"},
            {trocco::http_response{200, {}, "{\"id\":"}, "unreadable"},
            {trocco::http_response{200, {}, job_body(7, "queued", 99)}, "names definition 99"},
        };
        for (const auto& [outcome, words] : cases) {
            CAPTURE(words);
            machine_fixture g;
            auto m = transfer_wait(g);
            g.start_machine(m);
            g.answer(m, outcome);
            REQUIRE(step_name(m) == "done");
            auto r = m.take_result();
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == errc::outcome_unknown);
            CHECK(contains(r.error().message(), words));
            CHECK(contains(r.error().message(), "may or may not have been started"));
            CHECK(r.error().definition_id() == 42);
            CHECK(r.error().trigger_time() == g.wall_start);
        }
    }
    SECTION("refusals end at once with the API's error") {
        for (int status : {400, 401, 403, 404, 422}) {
            CAPTURE(status);
            machine_fixture g;
            auto m = transfer_wait(g);
            g.start_machine(m);
            g.answer(m, status, R"({"message":"no"})");
            REQUIRE(step_name(m) == "done");
            auto r = m.take_result();
            REQUIRE_FALSE(r.has_value());
            CHECK(r.error().kind() == trocco::errc_for_status(status));
            CHECK(r.error().message() == "no");
            CHECK(r.error().definition_id() == 42);
        }
    }
    SECTION("connect_failed on every attempt: connect_failed, nothing started") {
        f.retry.max_attempts = 3;
        auto m = transfer_wait(f);
        f.start_machine(m);
        for (int i = 0; i < 3; ++i) {
            REQUIRE(step_name(m) == "send");
            f.answer(m, failure(errc::connect_failed));
            if (i < 2) f.wake(m);
        }
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::connect_failed);
        CHECK_FALSE(r.error().may_have_reached_server());
    }
}

TEST_CASE("machine: a poll's transient failures are retried, then end the wait with the job id", "[machine][poll]") {
    machine_fixture f;
    f.retry.max_attempts = 3;
    auto m = transfer_wait(f);
    f.start_machine(m);
    f.answer(m, 200, job_body(7, "queued"));
    f.wake(m);
    SECTION("503, an answer about another job, an unreadable body: each retried") {
        f.answer(m, 503, "");
        CHECK(until_ms(f, m) == 500);
        f.wake(m);
        f.answer(m, 200, job_body(9999, "succeeded"));  // issue 10 item 3: never another job's outcome
        CHECK(step_name(m) == "sleep");
        CHECK(f.events.back() == "retry_scheduled poll protocol_error in 1000ms #3");
        f.wake(m);
        f.answer(m, 200, "{not json");
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::protocol_error);
        CHECK(r.error().job_id() == 7);
        CHECK(contains(r.error().message(), "polling transfer job 7: "));
    }
    SECTION("a good answer resets the attempts") {
        f.answer(m, 503, "");
        f.wake(m);
        f.answer(m, 200, job_body(7, "executing"));
        f.wake(m);
        f.answer(m, 503, "");
        f.wake(m);
        f.answer(m, 502, "");
        f.wake(m);
        f.answer(m, 200, job_body(7, "succeeded"));
        REQUIRE(step_name(m) == "done");
        CHECK(m.take_result().has_value());
    }
    SECTION("a refusal is not retried") {
        f.answer(m, 401, R"({"message":"Unauthorized"})");
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::unauthorized);
        REQUIRE(r.error().last_job() != nullptr);
        CHECK(r.error().last_job()->raw_status == "queued");
    }
}

TEST_CASE("machine: 404 within the grace after the trigger is polled again; after it, not_found", "[machine][poll]") {
    machine_fixture f;
    trocco::wait_options o;
    o.not_found_grace = 12s;
    auto m = transfer_wait(f, o);
    f.start_machine(m);
    f.answer(m, 200, job_body(7, "queued"));
    f.wake(m);  // 5 s
    f.answer(m, 404, R"({"message":"Not found"})");
    CHECK(step_name(m) == "sleep");
    f.wake(m);  // 10 s
    f.answer(m, 404, R"({"message":"Not found"})");
    f.wake(m);  // 15 s: past the grace
    f.answer(m, 404, R"({"message":"Not found"})");
    REQUIRE(step_name(m) == "done");
    auto r = m.take_result();
    CHECK(r.error().kind() == errc::not_found);
    CHECK(r.error().job_id() == 7);

    machine_fixture g;  // re-attached: no grace at all
    auto attached = wait_machine::attach(g.context(), job_kind::transfer, 7, {});
    g.start_machine(attached);
    REQUIRE(step_name(attached) == "send");  // at once
    g.answer(attached, 404, "");
    REQUIRE(step_name(attached) == "done");
    CHECK(attached.take_result().error().kind() == errc::not_found);
}

TEST_CASE("machine: the deadline clamps the last sleep and ends the wait as wait_timeout", "[machine][deadline]") {
    machine_fixture f;
    trocco::wait_options o;
    o.poll = trocco::poll_schedule::fixed(25s);
    o.timeout = 1min;
    auto m = transfer_wait(f, o);
    f.start_machine(m);
    f.answer(m, 200, job_body(7, "queued"));
    for (long long expected : {25000, 25000, 10000}) {
        CHECK(until_ms(f, m) == expected);
        f.wake(m);
        f.answer(m, 200, job_body(7, "executing"));
    }
    REQUIRE(step_name(m) == "done");
    auto r = m.take_result();
    CHECK(r.error().kind() == errc::wait_timeout);
    CHECK(r.error().last_job()->raw_status == "executing");
    CHECK(f.elapsed_ms() == 60000);

    SECTION("a retry that would pass the deadline ends the wait as wait_timeout, not with the server's error") {
        machine_fixture g;
        auto w = transfer_wait(g, {.timeout = 1min});
        g.start_machine(w);
        g.answer(w, 200, job_body(7, "queued"));
        g.wake(w);
        g.answer(w, 503, "", {{"Retry-After", "120"}});
        REQUIRE(step_name(w) == "done");
        auto e = w.take_result();
        CHECK(e.error().kind() == errc::wait_timeout);  // issue 10 item 9
        CHECK(e.error().job_id() == 7);
        CHECK(g.elapsed_ms() == 5000);
    }
}

TEST_CASE("machine: server delays beyond any bound neither overflow nor hang", "[machine][overflow]") {
    // Issue 10 item 4: 360287970191367680 s is 3.6e20 ms; converted unchecked it overflowed into a negative delay
    // that passed the max_server_wait check, then into a sleep of weeks. UBSan reported the signed overflow.
    for (const std::string huge : {"360287970191367680", "999999999999999999", "86401"}) {
        CAPTURE(huge);
        machine_fixture f;
        auto m = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
        f.start_machine(m);
        f.answer(m, 429, R"({"message":"slow down"})", {{"Retry-After", huge}});
        REQUIRE(step_name(m) == "done");  // promptly, with the server's error
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::rate_limited);
        CHECK(r.error().message() == "slow down");
        CHECK(f.elapsed_ms() == 0);

        if (huge.size() < 10) continue;  // as X-Rate-Limit-Reset (UNIX seconds), 86401 is in the past
        machine_fixture g;
        auto reset = wait_machine::read_once(g.context(), job_kind::transfer, 7, {});
        g.start_machine(reset);
        g.answer(reset, 429, "", {{"X-Rate-Limit-Reset", huge}});
        REQUIRE(step_name(reset) == "done");
        CHECK(reset.take_result().error().kind() == errc::rate_limited);
    }
    SECTION("garbage, negative, past and unrepresentable values fall back to the backoff") {
        // More than 18 digits cannot be held exactly: like garbage, never a wrong number (rate_limit.hpp).
        for (const std::string bad : {"-5", "soon", "1e9", "", "Sun, 06 Nov 1994 08:49:37 GMT",
                                      "9223372036854775807", "99999999999999999999999"}) {
            CAPTURE(bad);
            machine_fixture f;
            auto m = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
            f.start_machine(m);
            f.answer(m, 429, "", {{"Retry-After", bad}, {"X-Rate-Limit-Reset", "1000"}});
            if (step_name(m) == "sleep") {
                CHECK(until_ms(f, m) <= 1000);  // the backoff
            } else {
                CHECK(step_name(m) == "send");  // a date in the past: again at once
            }
        }
    }
    SECTION("max_server_wait of milliseconds::max() and a delay past the clock's range: never slept") {
        // Such a sleep would end at the last instant a steady_clock can hold, after which no sleep fits (fuzz:
        // the clock's end). A read returns the server's error; a wait ends as timed out.
        machine_fixture f;
        f.retry.max_server_wait = std::chrono::milliseconds::max();
        auto m = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
        f.start_machine(m);
        f.answer(m, 429, "", {{"Retry-After", "360287970191367680"}});
        REQUIRE(step_name(m) == "done");
        CHECK(m.take_result().error().kind() == errc::rate_limited);

        machine_fixture g;
        g.retry.max_server_wait = std::chrono::milliseconds::max();
        auto w = transfer_wait(g, {.timeout = std::chrono::milliseconds::max()});
        g.start_machine(w);
        g.answer(w, 200, job_body(7, "queued"));
        g.wake(w);
        g.answer(w, 503, "", {{"Retry-After", "Mon, 24 Jan 3056 05:11:10 GMT"}});
        REQUIRE(step_name(w) == "done");
        auto r = w.take_result();
        CHECK(r.error().kind() == errc::wait_timeout);
        CHECK(r.error().job_id() == 7);
        CHECK(g.elapsed_ms() == 5000);
    }
}

TEST_CASE("machine: a workflow's error is confirmed before it is final; a transfer job's is final at once",
          "[machine][workflow]") {
    machine_fixture f;
    auto m = wait_machine::trigger_and_wait(f.context(), job_kind::workflow,
                                            f.builder.run_workflow({.workflow_definition_id = 3}).value(), 3, {});
    f.start_machine(m);
    f.answer(m, 200, workflow_body(5, "executing"));
    f.wake(m);
    f.answer(m, 200, workflow_body(5, "error"));
    CHECK(until_ms(f, m) == 10000);
    CHECK(f.events.back() == "poll_scheduled in 10000ms confirming");
    SECTION("error -> retry_waiting goes on waiting") {
        f.wake(m);
        f.answer(m, 200, workflow_body(5, "retry_waiting"));
        CHECK(step_name(m) == "sleep");
        f.wake(m);
        f.answer(m, 200, workflow_body(5, "succeeded"));
        CHECK(m.take_result().has_value());
    }
    SECTION("two more errors: job_failed with the job") {
        f.wake(m);
        f.answer(m, 200, workflow_body(5, "error"));
        f.wake(m);
        f.answer(m, 200, workflow_body(5, "error"));
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::job_failed);
        REQUIRE(r.error().last_workflow_job() != nullptr);
        CHECK(r.error().last_workflow_job()->id == 5);
    }

    machine_fixture g;
    auto t = transfer_wait(g);
    g.start_machine(t);
    g.answer(t, 200, job_body(7, "error"));
    REQUIRE(step_name(t) == "done");
    CHECK(t.take_result().error().kind() == errc::job_failed);
}

TEST_CASE("machine: a stop says whether the trigger may have started a job", "[machine][stop]") {
    SECTION("requested before the start: canceled, nothing sent") {
        machine_fixture f;
        std::stop_source stop;
        stop.request_stop();
        auto m = transfer_wait(f, {.stop_token = stop.get_token()});
        f.start_machine(m);
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::canceled);
        CHECK_FALSE(r.error().may_have_reached_server());
        CHECK(contains(r.error().message(), "no job was started"));
    }
    SECTION("the transport says the trigger was canceled before any byte left") {
        machine_fixture f;
        auto m = transfer_wait(f);
        f.start_machine(m);
        f.answer(m, trocco::error{errc::canceled, "stopped while connecting"}.with_nothing_sent());
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::canceled);
        CHECK_FALSE(r.error().may_have_reached_server());
        CHECK(contains(r.error().message(), "no job was started"));
    }
    SECTION("canceled while the trigger was in flight: it may have started one") {
        machine_fixture f;
        auto m = transfer_wait(f);
        f.start_machine(m);
        f.answer(m, failure(errc::canceled, "stopped while reading"));
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::canceled);
        CHECK(r.error().may_have_reached_server());
        CHECK(contains(r.error().message(), "may or may not have been started"));
        CHECK(r.error().definition_id() == 42);
    }
    SECTION("canceled during the backoff after a 429: nothing was started") {
        machine_fixture f;
        auto m = transfer_wait(f);
        f.start_machine(m);
        f.answer(m, 429, "");
        REQUIRE(step_name(m) == "sleep");
        m.on_slept(trocco::error{errc::canceled, "sleep canceled"}, f.now);
        auto r = m.take_result();
        CHECK_FALSE(r.error().may_have_reached_server());
    }
    SECTION("canceled while polling: the job id, and it may still be running") {
        machine_fixture f;
        auto m = transfer_wait(f);
        f.start_machine(m);
        f.answer(m, 200, job_body(7, "queued"));
        m.on_slept(trocco::error{errc::canceled, "sleep canceled"}, f.now);
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::canceled);
        CHECK(r.error().job_id() == 7);
        CHECK(contains(r.error().message(), "may still be running"));
    }
}

TEST_CASE("machine: bad options and policies are refused before anything is sent", "[machine][invalid]") {
    const std::vector<trocco::wait_options> bad = [] {
        std::vector<trocco::wait_options> v(8);
        v[7].error_confirmation_delay = 0s;
        v[0].timeout = 0s;
        v[1].poll.first_delay = 0s;
        v[2].poll.growth = 0.5;
        v[3].error_confirmations = -1;
        v[4].not_found_grace = -1s;
        v[5].reconcile_rounds = 0;
        v[6].on_status_change = [](const trocco::workflow_job&) {};
        return v;
    }();
    for (std::size_t i = 0; i < bad.size(); ++i) {
        CAPTURE(i);
        machine_fixture f;
        auto m = transfer_wait(f, bad[i]);
        f.start_machine(m);
        REQUIRE(step_name(m) == "done");
        CHECK(m.take_result().error().kind() == errc::invalid_argument);
    }
    machine_fixture f;
    f.retry.max_attempts = 0;
    auto m = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
    f.start_machine(m);
    REQUIRE(step_name(m) == "done");
    CHECK(m.take_result().error().kind() == errc::invalid_argument);

    machine_fixture g;
    auto w = wait_machine::trigger_and_wait(g.context(), job_kind::workflow,
                                            g.builder.run_workflow({.workflow_definition_id = 3}).value(), 3,
                                            {.reconcile = true});
    g.start_machine(w);
    REQUIRE(step_name(w) == "done");
    CHECK(contains(w.take_result().error().message(), "only transfer jobs can be reconciled"));
}

TEST_CASE("machine: a transport error outside the transport contract is a failure of the request, nothing more",
          "[machine][contract]") {
    // Found by fuzz_client (foreign-errc): a transport answering errc::job_failed ended a wait as if the job had
    // failed; errc::not_found on a trigger read as a definite refusal although the POST may have reached trocco.
    machine_fixture f;
    auto m = wait_machine::attach(f.context(), job_kind::transfer, 7, {});
    f.start_machine(m);
    f.answer(m, 200, job_body(7, "queued"));
    f.wake(m);
    f.answer(m, failure(errc::job_failed, "a confused transport"));
    REQUIRE(step_name(m) == "sleep");  // retried as a transport_failure of a read
    CHECK(contains(f.events.back(), "retry_scheduled poll transport_failure"));

    machine_fixture g;
    auto t = transfer_wait(g);
    g.start_machine(t);
    g.answer(t, failure(errc::not_found, "a confused transport"));
    auto r = t.take_result();
    CHECK(r.error().kind() == errc::outcome_unknown);  // may have started a job: not a refusal
    CHECK(contains(r.error().message(), "failed with not_found"));
}
