// tests/conformance/test_exactly_once.cpp - conformance: what keeps a job from running twice, and the account's
// rate limit from being hit, over both transports: reconciling an unknown trigger (wait_options::reconcile), an
// idempotency key across reruns (trocco::file_idempotency_store), and a rate budget against the fake server's
// enforced limit (trocco::in_process_budget).
#include "harness.hpp"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <filesystem>

#include <trocco/file_idempotency_store.hpp>

namespace conformance {
namespace {

using trigger_kind = trocco::events::trigger_outcome::kind;

/// The trigger outcomes a wait reported, collected from its observer (on whatever thread it resumes).
class trigger_outcomes {
public:
    trocco::event_observer observer() {
        return [this](const trocco::wait_event& e) {
            if (const auto* t = std::get_if<trocco::events::trigger_outcome>(&e)) {
                std::lock_guard lock(mutex_);
                seen_.emplace_back(t->what, t->job_id);
            }
        };
    }
    std::vector<std::pair<trigger_kind, std::int64_t>> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<trigger_kind, std::int64_t>> seen_;
};

using test_support::temp_directory;

/// Reconciliation that looks three times over 300 ms.
trocco::wait_options reconciling_wait(trigger_outcomes& outcomes) {
    auto w = fast_wait();
    w.reconcile = true;
    w.reconcile_grace = 300ms;
    w.reconcile_rounds = 3;
    w.observer = outcomes.observer();
    return w;
}

template <class H>
void reconcile_unknown_trigger() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};
    trigger_outcomes outcomes;
    const trocco::run_job_request request{.job_definition_id = 9};

    SECTION("the job was created, the answer lost: exactly one POST, the job found, adopted and waited on") {
        server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
        auto r = h.run(client.run_and_wait(request, reconciling_wait(outcomes)));
        INFO((r ? std::string("ok") : r.error().to_string()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
        CHECK(server.count_requests("POST") == 1);
        REQUIRE(server.job_ids().size() == 1);
        CHECK(r->id == server.job_ids().front());
        CHECK(server.count_requests("GET", "/api/job_definitions/9/jobs") >= 1);
        const auto seen = outcomes.seen();
        REQUIRE_FALSE(seen.empty());
        CHECK(seen.back() == std::pair(trigger_kind::adopted, r->id));
    }
    SECTION("no job was created (closed before the server read it): outcome_unknown saying none was found") {
        server.inject({.what = fault::kind::reset_before_read, .method = trocco::http_method::post});
        auto r = h.run(client.run_and_wait(request, reconciling_wait(outcomes)));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(contains(r.error().message(), "no job"));
        CHECK(r.error().candidate_job_ids().empty());
        CHECK(server.job_ids().empty());
        CHECK(server.count_requests("POST") == 0);
        CHECK(server.count_requests("GET", "/api/job_definitions/9/jobs") == 3);  // each round looked
    }
    SECTION("another job of the definition started within the margin: several candidates, never a guess") {
        const auto other = server.seed_job({.job_definition_id = 9, .status = "executing",
                                            .created_at = std::chrono::floor<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now())});
        server.inject({.what = fault::kind::reset_after_read, .method = trocco::http_method::post});
        auto r = h.run(client.run_and_wait(request, reconciling_wait(outcomes)));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
        auto candidates = r.error().candidate_job_ids();
        std::sort(candidates.begin(), candidates.end());
        CHECK(candidates == server.job_ids());
        CHECK(candidates.size() == 2);
        CHECK(std::find(candidates.begin(), candidates.end(), other) != candidates.end());
        CHECK(server.count_requests("POST") == 1);
    }
}

template <class H>
void idempotency_key() {
    fake_server server{server_options()};
    temp_directory state;
    H h;
    auto options = client_options_for(server);
    options.idempotency_store = std::make_shared<trocco::file_idempotency_store>(state.path());
    client_for<H> client{h.transport(), options};
    const trocco::run_job_request request{.job_definition_id = 9};
    trigger_outcomes outcomes;
    auto wait = fast_wait();
    wait.observer = outcomes.observer();

    SECTION("a rerun with the same key re-attaches to the job: no second POST") {
        wait.idempotency_key = "nightly-2026-12-01";
        auto first = h.run(client.run_and_wait(request, wait));
        INFO((first ? std::string("ok") : first.error().to_string()));
        REQUIRE(first.has_value());
        auto again = h.run(client.run_and_wait(request, wait));
        INFO((again ? std::string("ok") : again.error().to_string()));
        REQUIRE(again.has_value());
        CHECK(again->id == first->id);
        CHECK(again->status == trocco::job_status::succeeded);
        CHECK(server.count_requests("POST") == 1);
        CHECK(server.job_ids().size() == 1);
        const auto seen = outcomes.seen();
        REQUIRE(seen.size() == 2);
        CHECK(seen[0] == std::pair(trigger_kind::started, first->id));
        CHECK(seen[1] == std::pair(trigger_kind::attached, first->id));
        // Another key is another run.
        wait.idempotency_key = "nightly-2026-12-02";
        auto next_day = h.run(client.run_and_wait(request, wait));
        REQUIRE(next_day.has_value());
        CHECK(next_day->id != first->id);
        CHECK(server.count_requests("POST") == 2);
    }
    SECTION("the first run lost the trigger's answer; the rerun finds the job instead of starting another") {
        wait.idempotency_key = "interrupted";
        wait.reconcile_grace = 300ms;
        wait.reconcile_rounds = 3;
        server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
        auto first = h.run(client.run_and_wait(request, wait));
        REQUIRE_FALSE(first.has_value());
        INFO(first.error().to_string());
        CHECK(first.error().kind() == errc::outcome_unknown);  // no reconcile asked for on the first run
        auto rerun = h.run(client.run_and_wait(request, wait));
        INFO((rerun ? std::string("ok") : rerun.error().to_string()));
        REQUIRE(rerun.has_value());
        CHECK(server.count_requests("POST") == 1);
        REQUIRE(server.job_ids().size() == 1);
        CHECK(rerun->id == server.job_ids().front());
        const auto seen = outcomes.seen();
        REQUIRE_FALSE(seen.empty());
        CHECK(seen.back() == std::pair(trigger_kind::adopted, rerun->id));
    }
}

/// The fake server enforces 10 calls per second; three waits of jobs that run some 2.4 s, polled every 20 ms, ask
/// for far more than that. With an in_process_budget of the same plan no answer is a 429 (the polls are stretched);
/// without one (the control) the same load meets the limit.
template <class H>
void rate_budget() {
    const auto limited_server = [] {
        auto o = server_options(800ms);
        o.rate_limit = {.limit = 10, .window = std::chrono::seconds{1}, .enforce = true};
        return o;
    };
    fake_server paced_server{limited_server()};
    fake_server control_server{limited_server()};
    H h;
    std::atomic<int> paced_429{0}, control_429{0};
    const auto counting = [](std::atomic<int>& count) {
        return [&count](const trocco::wait_event& e) {
            if (const auto* a = std::get_if<trocco::events::answer_received>(&e); a && a->http_status == 429) ++count;
        };
    };
    auto paced_options = client_options_for(paced_server);
    paced_options.budget = std::make_shared<trocco::in_process_budget>(trocco::budget_plan{10, 1000ms});
    paced_options.observer = counting(paced_429);
    auto control_options = client_options_for(control_server);
    control_options.observer = counting(control_429);
    client_for<H> paced{h.transport(), paced_options};
    client_for<H> control{h.transport(), control_options};

    constexpr std::size_t waits = 3;
    std::vector<std::optional<trocco::result<trocco::job>>> paced_results(waits), control_results(waits);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < waits; ++i) {
        const trocco::run_job_request request{.job_definition_id = 1 + static_cast<std::int64_t>(i)};
        h.spawn(paced.run_and_wait(request, fast_wait()), paced_results[i]);
        h.spawn(control.run_and_wait(request, fast_wait()), control_results[i]);
    }
    h.join();
    const auto elapsed = since(start);
    INFO("paced: " << paced_server.requests().size() << " requests, control: " << control_server.requests().size()
                   << " requests, " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                   << " ms");
    for (std::size_t i = 0; i < waits; ++i) {
        REQUIRE(paced_results[i].has_value());
        INFO((*paced_results[i] ? std::string("ok") : paced_results[i]->error().to_string()));
        CHECK(paced_results[i]->has_value());
    }
    CHECK(paced_429.load() == 0);
    CHECK(paced_server.count_requests("POST") == waits);
    CHECK(paced_server.requests().size() > 10);  // more than one window's worth: the budget spread them out
    CHECK(elapsed >= 2s);
    CHECK(control_429.load() > 0);               // the limit is real: unpaced, the same load meets it
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("reconciling an unknown trigger: adopted, none found, several candidates; one POST",
                        conformance::reconcile_unknown_trigger)
TROCCO_CONFORMANCE_CASE("an idempotency key: a rerun re-attaches or reconciles, never a second POST",
                        conformance::idempotency_key)
TROCCO_CONFORMANCE_CASE("a rate budget against an enforced limit: no 429", conformance::rate_budget)
