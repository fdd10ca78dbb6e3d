// The wait machine's other steps and modes, without a transport: the rate budget's acquire, the record step of an
// idempotency key, reconciling an unknown trigger outcome, re-attaching, one-off reads and page fetches.
#include <chrono>
#include <string>
#include <vector>

#include "../catch.hpp"
#include "../support/machine.hpp"
#include "../support/text.hpp"

namespace {

using namespace machine_test;

std::string history(const std::vector<std::string>& items, const std::string& next_cursor = "null") {
    std::string body = R"({"items":[)";
    for (std::size_t i = 0; i < items.size(); ++i) body += (i ? "," : "") + items[i];
    return body + R"(],"next_cursor":)" + next_cursor + "}";
}

std::string listed_job(std::int64_t id, std::string_view created_at, std::string_view status = "executing") {
    return R"({"id":)" + std::to_string(id) + R"(,"job_definition_id":42,"status":")" + std::string(status) +
           R"(","created_at":")" + std::string(created_at) + R"("})";
}

/// A transfer wait with reconcile on, whose trigger's connection broke after the POST went out.
wait_machine unknown_trigger(machine_fixture& f, trocco::wait_options o = {}) {
    o.reconcile = true;
    auto m = transfer_wait(f, std::move(o));
    f.start_machine(m);
    f.answer(m, trocco::error{errc::transport_failure, "connection reset"});
    return m;
}

std::size_t posts_in(const std::vector<std::string>& events) {
    std::size_t n = 0;
    for (const auto& e : events) n += contains(e, "request_sent trigger") ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("machine: with a budget, every send is preceded by an acquire", "[machine][budget]") {
    machine_fixture f;
    auto m = wait_machine::trigger_and_wait(f.context(true), job_kind::transfer, test_support::post_for(f.builder), 42,
                                            {.timeout = 10min});
    f.start_machine(m);
    REQUIRE(step_name(m) == "acquire");
    CHECK(m.next().role == trocco::request_role::trigger);
    m.on_budget(f.now, f.now);  // at once
    REQUIRE(step_name(m) == "send");
    f.answer(m, 200, job_body(7, "queued"));
    f.wake(m);
    REQUIRE(step_name(m) == "acquire");
    CHECK(m.next().role == trocco::request_role::poll);
    m.on_budget(f.now + 30s, f.now);  // come back in 30 s
    REQUIRE(step_name(m) == "sleep");
    CHECK(f.events.back() == "budget_wait poll 30000ms");
    f.wake(m);
    REQUIRE(step_name(m) == "acquire");  // asks again
    m.on_budget(f.now, f.now);
    REQUIRE(step_name(m) == "send");
    f.answer(m, 200, job_body(7, "executing"));
    f.wake(m);
    m.on_budget(f.now + 1h, f.now);  // beyond the deadline
    REQUIRE(step_name(m) == "done");
    auto r = m.take_result();
    CHECK(r.error().kind() == errc::wait_timeout);
    CHECK(r.error().job_id() == 7);

    machine_fixture g;  // no room even for the trigger: nothing was started
    auto t = wait_machine::trigger_and_wait(g.context(true), job_kind::transfer, test_support::post_for(g.builder), 42,
                                            {.timeout = 1min});
    g.start_machine(t);
    t.on_budget(g.now + 2min, g.now);
    auto e = t.take_result();
    CHECK(e.error().kind() == errc::wait_timeout);
    CHECK_FALSE(e.error().may_have_reached_server());
}

TEST_CASE("machine: with an idempotency key, the job id is recorded before anything else", "[machine][record]") {
    machine_fixture f;
    std::vector<std::int64_t> triggered;
    auto m = wait_machine::trigger_and_wait(f.context(false, true), job_kind::transfer,
                                            test_support::post_for(f.builder), 42,
                                            {.on_triggered = [&](std::int64_t id) { triggered.push_back(id); }});
    f.start_machine(m);
    f.answer(m, 200, job_body(7, "queued"));
    REQUIRE(step_name(m) == "record");
    CHECK(m.next().job_id == 7);
    CHECK(triggered.empty());  // not before the record
    m.on_recorded({}, f.now);
    CHECK(triggered == std::vector<std::int64_t>{7});
    REQUIRE(step_name(m) == "sleep");

    SECTION("a failed record does not stop the wait, and an error result says so") {
        machine_fixture g;
        auto w = wait_machine::trigger_and_wait(g.context(false, true), job_kind::transfer,
                                                test_support::post_for(g.builder), 42, {});
        g.start_machine(w);
        g.answer(w, 200, job_body(7, "queued"));
        w.on_recorded(trocco::error{errc::store_failure, "disk full"}, g.now);
        g.wake(w);
        g.answer(w, 200, job_body(7, "error"));
        auto r = w.take_result();
        CHECK(r.error().kind() == errc::job_failed);
        CHECK(contains(r.error().message(), "idempotency record could not be updated"));
    }
}

TEST_CASE("machine: reconciling an unknown trigger outcome", "[machine][reconcile]") {
    SECTION("exactly one job created since the trigger: adopted and waited on, never a second POST") {
        machine_fixture f;
        auto m = unknown_trigger(f);
        REQUIRE(step_name(m) == "send");
        CHECK(m.next().role == trocco::request_role::list);
        // The trigger was at 2026-01-01T00:00:00Z; the margin is 2 minutes.
        CHECK(m.next().request.url == "https://trocco.io/api/job_definitions/42/jobs?start_time=2025-12-31%2023%3A58%3A00"
                                      "&time_zone=Etc%2FUTC&limit=100");
        f.answer(m, 200, history({listed_job(70, "2026-01-01T09:00:01.000+09:00")}));
        REQUIRE(step_name(m) == "sleep");
        CHECK(m.job_id() == 70);
        f.wake(m);
        f.answer(m, 200, job_body(70, "succeeded"));
        auto r = m.take_result();
        REQUIRE(r.has_value());
        CHECK(std::get<trocco::job>(*r).id == 70);
        CHECK(posts_in(f.events) == 1);
        CHECK(contains(f.events[2], "trigger_outcome unknown"));
        CHECK(std::find(f.events.begin(), f.events.end(), "trigger_outcome adopted 70") != f.events.end());
    }
    SECTION("none, round after round: outcome_unknown saying none was found") {
        machine_fixture f;
        auto m = unknown_trigger(f);
        for (int round = 0; round < 4; ++round) {
            CAPTURE(round);
            REQUIRE(step_name(m) == "send");
            // An old job (before the margin) does not count.
            f.answer(m, 200, history({listed_job(60, "2025-12-31T08:00:00.000+09:00")}));
            if (round < 3) f.wake(m);
        }
        REQUIRE(step_name(m) == "done");
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(contains(r.error().message(), "no job created since the trigger was found"));
        CHECK(contains(r.error().message(), "connection reset"));
        CHECK(f.elapsed_ms() == 30000);  // 4 looks over the 30-s grace
        CHECK(posts_in(f.events) == 1);
    }
    SECTION("several, over two pages: outcome_unknown with their ids") {
        machine_fixture f;
        auto m = unknown_trigger(f);
        f.answer(m, 200, history({listed_job(70, "2026-01-01T00:00:01Z")}, R"("page2")"));
        REQUIRE(step_name(m) == "send");
        CHECK(contains(m.next().request.url, "&cursor=page2"));
        f.answer(m, 200, history({listed_job(71, "2026-01-01T00:00:02Z")}));
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(r.error().candidate_job_ids() == std::vector<std::int64_t>{70, 71});
        CHECK(contains(r.error().message(), "70, 71"));
    }
    SECTION("a list whose cursor repeats is an error, not an endless loop") {
        machine_fixture f;
        auto m = unknown_trigger(f);
        f.answer(m, 200, history({}, R"("again")"));
        f.answer(m, 200, history({}, R"("again")"));
        REQUIRE(step_name(m) == "done");
        CHECK(contains(m.take_result().error().message(), "repeats its cursor"));
    }
    SECTION("a malformed page is retried like a read, then outcome_unknown") {
        machine_fixture f;
        f.retry.max_attempts = 2;
        auto m = unknown_trigger(f);
        f.answer(m, 200, R"({"items":"no"})");
        f.wake(m);
        f.answer(m, 200, R"({"next_cursor":5})");
        auto r = m.take_result();
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(contains(r.error().message(), "looking for the job failed"));
    }
    SECTION("an idempotency record without a job id reconciles from its trigger time") {
        machine_fixture f;
        auto m = wait_machine::reconcile_and_wait(f.context(), job_kind::transfer, 42,
                                                  f.wall_start - std::chrono::hours{1}, {});
        f.start_machine(m);
        REQUIRE(step_name(m) == "send");
        CHECK(contains(m.next().request.url, "start_time=2025-12-31%2022%3A58%3A00"));
        f.answer(m, 200, history({listed_job(70, "2025-12-31T23:00:00Z", "succeeded")}));
        auto r = m.take_result();
        REQUIRE(r.has_value());
        CHECK(std::get<trocco::job>(*r).id == 70);
        CHECK(posts_in(f.events) == 0);
    }
}

TEST_CASE("machine: re-attaching, one-off reads and page fetches", "[machine]") {
    SECTION("attach from a record reports it, then polls at once") {
        machine_fixture f;
        auto m = wait_machine::attach(f.context(), job_kind::transfer, 7, {}, 42, true);
        f.start_machine(m);
        CHECK(f.events.front() == "trigger_outcome attached 7");
        REQUIRE(step_name(m) == "send");
        f.answer(m, 200, job_body(7, "canceled"));
        CHECK(m.take_result().error().kind() == errc::job_canceled);
    }
    SECTION("read_once: an answer about another job is retried; the job is returned whatever its status") {
        machine_fixture f;
        auto m = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
        f.start_machine(m);
        f.answer(m, 200, job_body(8, "succeeded"));
        f.wake(m);
        f.answer(m, 200, job_body(7, "error"));
        auto r = m.take_result();
        REQUIRE(r.has_value());
        CHECK(std::get<trocco::job>(*r).raw_status == "error");
        CHECK(f.events.back() == "wait_finished ok polls=0");
    }
    SECTION("read_once and fetch stopped: canceled, and nothing sent when the transport says so") {
        // The fault matrix found the mark lost: a read stopped during a stalled lookup said it may have reached trocco.
        machine_fixture f;
        auto read = wait_machine::read_once(f.context(), job_kind::transfer, 7, {});
        f.start_machine(read);
        f.answer(read, trocco::error{errc::canceled, "stopped while resolving"}.with_nothing_sent());
        auto r = read.take_result();
        CHECK(r.error().kind() == errc::canceled);
        CHECK(r.error().job_id() == 7);
        CHECK_FALSE(r.error().may_have_reached_server());
        auto page = wait_machine::fetch(f.context(), f.builder.definitions(job_kind::datamart, {}).value(), {});
        f.start_machine(page);
        f.answer(page, trocco::error{errc::canceled, "stopped while reading"});
        auto p = page.take_result();
        CHECK(p.error().kind() == errc::canceled);
        CHECK(p.error().may_have_reached_server());
    }
    SECTION("fetch: 5xx retried, a 2xx handed over; an unreadable one rejected and retried until spent") {
        machine_fixture f;
        f.retry.max_attempts = 3;
        auto m = wait_machine::fetch(f.context(), f.builder.definitions(job_kind::datamart, {}).value(), {});
        f.start_machine(m);
        f.answer(m, 502, "");
        f.wake(m);
        f.answer(m, 200, "garbage");
        REQUIRE(step_name(m) == "done");
        auto first = m.take_response();
        REQUIRE(first.has_value());
        CHECK(first->body == "garbage");
        CHECK(m.reject(trocco::error{errc::protocol_error, "not a page"}, f.now, f.wall()));
        f.wake(m);
        f.answer(m, 200, "garbage again");
        REQUIRE(step_name(m) == "done");
        CHECK(m.take_response().has_value());
        CHECK_FALSE(m.reject(trocco::error{errc::protocol_error, "not a page"}, f.now, f.wall()));
        auto last = m.take_response();
        REQUIRE_FALSE(last.has_value());
        CHECK(last.error().message() == "not a page");
    }
}
