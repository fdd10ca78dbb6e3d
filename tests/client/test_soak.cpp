// The soak of issue 10 on the virtual clock: 10,000 concurrent waits (transfer jobs and workflows) against a
// simulated trocco that draws a fault for every request at random (seeded; the seed is printed on failure and
// TROCCO_SOAK_SEED replays one). Asserted: no wait hangs, no job is started twice, a POST is never resent after an
// answer or failure that may have started a job, and every wait ends in the outcome its faults define.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <trocco/testing/simulated_trocco.hpp>

#include "support.hpp"
#include "../support/tasks.hpp"

namespace {

using namespace client_test;
using trocco::testing::simulated_fault;

constexpr int waits = 10'000;

bool may_have_started(simulated_fault f) {
    // Everything but a refused connection and a 429 may have reached trocco, as far as the client can tell.
    return f != simulated_fault::refuse && f != simulated_fault::rate_limited;
}

std::int64_t definition_in(const std::string& url) {
    const auto at = url.find("definition_id=");
    return at == std::string::npos ? 0 : std::stoll(url.substr(at + 14));
}

/// The soak; with `reconcile`, transfer waits look for the job of an unknown trigger outcome.
void soak(bool reconcile) {
    std::uint64_t seed = reconcile ? 20261202 : 20261201;
    if (const char* s = std::getenv("TROCCO_SOAK_SEED")) seed = std::strtoull(s, nullptr, 10);
    INFO("seed " << seed << " (replay with TROCCO_SOAK_SEED=" << seed << ")");
    std::mt19937_64 engine(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    constexpr simulated_fault kinds[] = {simulated_fault::refuse,          simulated_fault::drop_before,
                                         simulated_fault::drop_after,      simulated_fault::server_error_before,
                                         simulated_fault::server_error_after, simulated_fault::unreadable,
                                         simulated_fault::other_job,       simulated_fault::rate_limited};
    std::map<std::int64_t, std::vector<simulated_fault>> posts;  // definition -> the fault of each POST
    trocco::testing::simulated_trocco sim{
        {.latency = std::chrono::milliseconds{120},
         .job_duration = [](std::int64_t d) { return std::chrono::seconds{30 + (d * 7919) % 570}; },
         .final_status = [](std::int64_t d) { return d % 10 == 0 ? std::string("error") : std::string("succeeded"); },
         .fault = [&](const trocco::http_request& r, std::size_t) {
             simulated_fault f = simulated_fault::none;
             if (unit(engine) < 0.15) f = kinds[static_cast<std::size_t>(unit(engine) * 8) % 8];
             if (r.method == trocco::http_method::get && f == simulated_fault::other_job && unit(engine) < 0.5) {
                 f = simulated_fault::none;
             }
             if (r.method == trocco::http_method::post) posts[definition_in(r.url)].push_back(f);
             return f;
         }}};
    auto options = options_with(0.37);
    options.retry.initial_backoff = std::chrono::milliseconds{200};
    trocco::client c{sim, options};
    test_support::task_group<trocco::result<trocco::job>> transfers;
    test_support::task_group<trocco::result<trocco::workflow_job>> workflows;
    trocco::wait_options w;
    w.timeout = std::chrono::hours{3};
    trocco::wait_options transfer_wait = w;
    transfer_wait.reconcile = reconcile;
    for (int i = 1; i <= waits; ++i) {
        if (i % 4 == 0) {
            workflows.start(c.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = i}, w));
        } else {
            transfers.start(c.run_and_wait(trocco::run_job_request{.job_definition_id = i}, transfer_wait));
        }
    }
    sim.run();
    // No hang: every wait ended, and nothing is left on the virtual clock.
    REQUIRE(transfers.finished() == transfers.started());
    REQUIRE(workflows.finished() == workflows.started());
    CHECK(sim.pending() == 0);

    // No job started twice; no POST after one that may have started a job.
    std::map<std::int64_t, const trocco::testing::simulated_trocco::job_record*> job_of;
    for (const auto& j : sim.jobs()) {
        INFO("definition " << j.definition_id);
        CHECK(job_of.count(j.definition_id) == 0);
        job_of[j.definition_id] = &j;
    }
    for (const auto& [definition, faults] : posts) {
        for (std::size_t k = 0; k + 1 < faults.size(); ++k) {
            INFO("definition " << definition << ", POST " << k + 1 << " of " << faults.size());
            CHECK_FALSE(may_have_started(faults[k]));
        }
    }

    // Every wait ended in the outcome its faults define.
    std::map<std::string, int> tally;
    const auto check_outcome = [&](std::int64_t definition, const auto& r, bool reconciled) {
        INFO("definition " << definition << ": " << (r ? std::string("succeeded") : r.error().to_string()));
        const auto& faults = posts[definition];
        REQUIRE_FALSE(faults.empty());
        const simulated_fault last = faults.back();
        const auto* job = job_of.count(definition) ? job_of[definition] : nullptr;
        tally[r ? "succeeded" : trocco::to_string(r.error().kind())]++;
        if (r) {
            REQUIRE(job != nullptr);
            CHECK(r->id == job->id);
            CHECK(job->final_status == "succeeded");
            return;
        }
        const auto& e = r.error();
        switch (e.kind()) {
            case errc::outcome_unknown:  // the last POST may have reached trocco and its answer was lost
                CHECK(may_have_started(last));
                CHECK(last != simulated_fault::none);
                CHECK_FALSE(e.job_id().has_value());
                CHECK(e.definition_id() == definition);
                // Reconciled, a job that exists is adopted; unknown remains only when looking for it failed.
                if (reconciled && job != nullptr) CHECK(contains(e.message(), "looking for the job failed"));
                if (reconciled && job == nullptr) CHECK(contains(e.message(), "no job created since the trigger"));
                break;
            case errc::connect_failed:  // every attempt refused or rate limited
            case errc::rate_limited:
                if (e.job_id()) {  // ... while polling: the job is known
                    REQUIRE(job != nullptr);
                    CHECK(e.job_id() == job->id);
                    break;
                }
                CHECK(job == nullptr);
                CHECK_FALSE(may_have_started(last));
                CHECK(static_cast<int>(faults.size()) == options.retry.max_attempts);
                break;
            case errc::job_failed:  // the job's own end
                REQUIRE(job != nullptr);
                CHECK(job->final_status == "error");
                CHECK(e.job_id() == job->id);
                break;
            case errc::server_error:  // polling failed after every retry: the job is known
            case errc::transport_failure:
            case errc::protocol_error:
            case errc::wait_timeout:
                REQUIRE(job != nullptr);
                CHECK(e.job_id() == job->id);
                break;
            default: FAIL("an outcome no fault defines: " << e.to_string());
        }
    };
    for (std::size_t i = 0; i < transfers.started(); ++i) {
        REQUIRE(transfers.result(i).has_value());
        const std::int64_t definition = static_cast<std::int64_t>(i + 1 + i / 3);  // 1, 2, 3, 5, 6, 7, 9, ...
        check_outcome(definition, *transfers.result(i), reconcile);
    }
    for (std::size_t i = 0; i < workflows.started(); ++i) {
        REQUIRE(workflows.result(i).has_value());
        check_outcome(static_cast<std::int64_t>(4 * (i + 1)), *workflows.result(i), false);
    }
    std::printf("soak%s (seed %llu): %zu requests, %zu faults, %.1f virtual hours;",
                reconcile ? " with reconciliation" : "", static_cast<unsigned long long>(seed), sim.stats().requests, sim.stats().faults,
                std::chrono::duration<double, std::ratio<3600>>(sim.elapsed()).count());
    for (const auto& [outcome, n] : tally) std::printf(" %s %d", outcome.c_str(), n);
    std::printf("\n");
    CHECK(tally["succeeded"] > waits / 2);
}

}  // namespace

TEST_CASE("soak: 10,000 waits with a random fault drawn for every request", "[soak]") { soak(false); }

TEST_CASE("soak: the same with reconciliation of unknown trigger outcomes", "[soak][reconcile]") { soak(true); }
