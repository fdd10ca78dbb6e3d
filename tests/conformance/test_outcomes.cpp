// tests/conformance/test_outcomes.cpp - conformance: runs reach each outcome, run parameters arrive exactly,
// connections are kept alive and replaced when the server closed them.
#include "harness.hpp"

#include <algorithm>
#include <type_traits>

namespace conformance {
namespace {

/// Whether `seen` is `sequence` with some entries left out: the statuses reported, each once, in the order the
/// server went through them.
bool in_server_order(const std::vector<std::string>& seen, const std::vector<std::string>& sequence) {
    std::size_t next = 0;
    for (const auto& status : seen) {
        while (next < sequence.size() && sequence[next] != status) ++next;
        if (next == sequence.size()) return false;
        ++next;
    }
    return true;
}

/// How long each status lasts in the outcome case, and how far apart a workflow's `error` is confirmed. A wait must
/// poll at least once inside the `error` window (else a transfer job would miss its final error and a workflow's
/// retry would not be exercised): with 20 ms polls that holds while a request takes under 130 ms, which leaves room
/// for sanitizer builds on a loaded 2-core machine (an 80 ms window was missed there under ASan). Two confirmations
/// span 200 ms, longer than the window, so a retry's `error` is never believed.
constexpr std::chrono::milliseconds outcome_status_duration = 150ms;
constexpr std::chrono::milliseconds outcome_error_confirmation_delay = 100ms;

/// run_and_wait of transfer jobs and workflows to each outcome the fake server scripts, over HTTP and HTTPS, and
/// with completions spread over two threads. The five transfer jobs and the five workflows run at once.
template <class H>
void each_outcome() {
    const auto certs = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    bool tls = false;
    std::size_t threads = 1;
    SECTION("http") {}
    SECTION("https") { tls = true; }
    SECTION("http, completions on 2 threads") { threads = 2; }
    INFO(H::name << (tls ? " over HTTPS" : " over HTTP") << ", completions on " << threads << " thread(s)");
    fake_server server{tls ? tls_server_options(certs, outcome_status_duration)
                           : server_options(outcome_status_duration)};
    REQUIRE(server.base_url().rfind(tls ? "https://" : "http://", 0) == 0);
    transport_config config;
    if (tls) config.ca_pem = certs.ca_certificate_pem;
    config.completion_threads = threads;
    H h{config};
    client_for<H> client{h.transport(), client_options_for(server)};

    struct expectation {
        scripted_outcome outcome;
        std::optional<errc> job;       // a transfer job has no automatic retry: its first error is final
        std::optional<errc> workflow;  // a workflow's error is confirmed; a retry that succeeds is a success
    };
    const std::vector<expectation> cases = {
        {scripted_outcome::succeeded, std::nullopt, std::nullopt},
        {scripted_outcome::error, errc::job_failed, errc::job_failed},
        {scripted_outcome::canceled, errc::job_canceled, errc::job_canceled},
        {scripted_outcome::skipped, errc::job_skipped, errc::job_skipped},
        {scripted_outcome::error_then_retry, errc::job_failed, std::nullopt},
    };
    const std::int64_t first_definition = 101;
    const std::size_t n = cases.size();
    std::vector<std::vector<std::string>> job_statuses(n), workflow_statuses(n);
    std::vector<std::int64_t> triggered_jobs(n, 0), triggered_workflows(n, 0);
    std::vector<std::optional<trocco::result<trocco::job>>> jobs(n);
    std::vector<std::optional<trocco::result<trocco::workflow_job>>> workflows(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t definition = first_definition + static_cast<std::int64_t>(i);
        server.set_job_outcome(definition, cases[i].outcome);
        server.set_workflow_outcome(definition, cases[i].outcome);
        auto job_wait = fast_wait();
        job_wait.error_confirmation_delay = outcome_error_confirmation_delay;
        job_wait.on_status_change = [out = &job_statuses[i]](const trocco::job& j) { out->push_back(j.raw_status); };
        job_wait.on_triggered = [out = &triggered_jobs[i]](std::int64_t id) { *out = id; };
        h.spawn(client.run_and_wait(trocco::run_job_request{.job_definition_id = definition}, std::move(job_wait)),
                jobs[i]);
        auto workflow_wait = fast_wait();
        workflow_wait.error_confirmation_delay = outcome_error_confirmation_delay;
        workflow_wait.on_status_change = [out = &workflow_statuses[i]](const trocco::workflow_job& j) {
            out->push_back(j.raw_status);
        };
        workflow_wait.on_triggered = [out = &triggered_workflows[i]](std::int64_t id) { *out = id; };
        h.spawn(client.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = definition},
                                    std::move(workflow_wait)),
                workflows[i]);
    }
    h.join();

    for (std::size_t i = 0; i < n; ++i) {
        const auto& c = cases[i];
        const std::int64_t definition = first_definition + static_cast<std::int64_t>(i);
        INFO("outcome " << outcome_name(c.outcome));
        REQUIRE(jobs[i].has_value());
        REQUIRE(workflows[i].has_value());
        const auto& job = *jobs[i];
        const auto& workflow = *workflows[i];

        if (c.job) {
            REQUIRE_FALSE(job.has_value());
            INFO(job.error().to_string());
            CHECK(job.error().kind() == *c.job);
            REQUIRE(job.error().last_job() != nullptr);
            CHECK(job.error().job_id() == job.error().last_job()->id);
            CHECK(job.error().job_id() == triggered_jobs[i]);
            CHECK(job.error().last_job()->job_definition_id == definition);
            CHECK(job.error().last_job()->finished_at.has_value());
        } else {
            INFO((job ? std::string("ok") : job.error().to_string()));
            REQUIRE(job.has_value());
            CHECK(job->status == trocco::job_status::succeeded);
            CHECK(job->job_definition_id == definition);
            CHECK(job->id == triggered_jobs[i]);
            CHECK(job->finished_at.has_value());
        }
        if (c.workflow) {
            REQUIRE_FALSE(workflow.has_value());
            INFO(workflow.error().to_string());
            CHECK(workflow.error().kind() == *c.workflow);
            REQUIRE(workflow.error().last_workflow_job() != nullptr);
            CHECK(workflow.error().job_id() == triggered_workflows[i]);
            CHECK(workflow.error().last_workflow_job()->workflow_definition_id == definition);
        } else {
            INFO((workflow ? std::string("ok") : workflow.error().to_string()));
            REQUIRE(workflow.has_value());
            CHECK(workflow->status == trocco::job_status::succeeded);
            CHECK(workflow->workflow_definition_id == definition);
            CHECK(workflow->id == triggered_workflows[i]);
        }

        // Each status change was reported once, in the server's order, from the trigger's `queued` to the end.
        // (Normally every status is seen; only their order and the ones that matter are required, so that a slow
        // poll stepping over a status cannot make this flaky.)
        const std::vector<std::string> plain = {"queued", "setting_up", "executing", outcome_name(c.outcome)};
        const std::vector<std::string> retried = {"queued", "setting_up", "executing", "error",    "retry_waiting",
                                                  "queued", "setting_up", "executing", "succeeded"};
        const bool retry = c.outcome == scripted_outcome::error_then_retry;
        CAPTURE(job_statuses[i], workflow_statuses[i]);
        CHECK(in_server_order(job_statuses[i], retry ? retried : plain));
        CHECK(in_server_order(workflow_statuses[i], retry ? retried : plain));
        REQUIRE_FALSE(job_statuses[i].empty());
        REQUIRE_FALSE(workflow_statuses[i].empty());
        CHECK(job_statuses[i].front() == "queued");
        CHECK(workflow_statuses[i].front() == "queued");
        CHECK(job_statuses[i].back() == (retry ? "error" : outcome_name(c.outcome)));
        CHECK(workflow_statuses[i].back() == outcome_name(c.outcome == scripted_outcome::error_then_retry
                                                              ? scripted_outcome::succeeded
                                                              : c.outcome));
        if (retry) {
            // The workflow's wait saw the error, did not believe it, and went on through the retry to success
            // (retry_waiting is normally seen too, but a slow confirmation poll may step over it).
            CHECK(std::find(workflow_statuses[i].begin(), workflow_statuses[i].end(), "error") !=
                  workflow_statuses[i].end());
        }
    }
    CHECK(server.count_requests("POST", "/api/jobs?") == n);
    CHECK(server.count_requests("POST", "/api/pipeline_jobs?") == n);
    CHECK(server.job_ids().size() == n);
    CHECK(server.workflow_job_ids().size() == n);
}

/// Run parameters reach the server exactly: names with $, values with =, &, +, %, spaces and Japanese.
template <class H>
void run_parameters_arrive_exactly() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};

    const trocco::run_job_request request{
        .job_definition_id = 5,
        .context_time = "2026-11-27 00:00:00",
        .time_zone = "Etc/UTC",
        .custom_variables = {{"$ad_id$", "A0000"},
                             {"$q$", "a=b c 日本語"},
                             {"$symbols$", "x&y+z%20;\"quoted\" \\ /"},
                             {"$empty$", ""},
                             {"$日付$", "２０２６年１１月２７日"}}};
    auto job = h.run(client.run_and_wait(request, fast_wait()));
    INFO((job ? std::string("ok") : job.error().to_string()));
    REQUIRE(job.has_value());
    const auto parameters = server.job_run_parameters(job->id);
    REQUIRE(parameters.has_value());
    CHECK(parameters->custom_variables == request.custom_variables);
    CHECK(parameters->context_time == request.context_time);
    CHECK(parameters->time_zone == request.time_zone);

    const trocco::run_workflow_request workflow_request{
        .workflow_definition_id = 6, .context_time = "2026-11-27 09:30:00", .time_zone = "Asia/Tokyo"};
    auto workflow = h.run(client.run_and_wait(workflow_request, fast_wait()));
    INFO((workflow ? std::string("ok") : workflow.error().to_string()));
    REQUIRE(workflow.has_value());
    const auto workflow_parameters = server.workflow_job_run_parameters(workflow->id);
    REQUIRE(workflow_parameters.has_value());
    CHECK(workflow_parameters->context_time == workflow_request.context_time);
    CHECK(workflow_parameters->time_zone == workflow_request.time_zone);
    CHECK(workflow->context_time == std::optional<std::string>("2026-11-27T09:30:00.000+09:00"));
}

/// A run_job, then 100 sequential get_job: the GETs share one kept-alive connection, over HTTP and HTTPS.
template <class H>
void keep_alive() {
    const auto certs = trocco::testing::make_test_certificates({"127.0.0.1"});
    bool tls = false;
    SECTION("http") {}
    SECTION("https") { tls = true; }
    INFO(H::name << (tls ? " over HTTPS" : " over HTTP"));
    fake_server server{tls ? tls_server_options(certs) : server_options()};
    transport_config config;
    if (tls) config.ca_pem = certs.ca_certificate_pem;
    H h{config};
    client_for<H> client{h.transport(), client_options_for(server)};

    auto started = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE(started.has_value());
    for (int i = 0; i < 100; ++i) {
        auto polled = h.run(client.get_job(started->id));
        REQUIRE(polled.has_value());
        CHECK(polled->id == started->id);
    }
    const auto requests = server.requests();
    REQUIRE(requests.size() == 101);
    CHECK(requests.front().method == "POST");
    std::vector<std::size_t> get_connections;
    for (const auto& r : requests) {
        if (r.method == "GET") get_connections.push_back(r.connection_id);
    }
    REQUIRE(get_connections.size() == 100);
    CHECK(std::all_of(get_connections.begin(), get_connections.end(),
                      [&](std::size_t id) { return id == get_connections.front(); }));

    // The trigger POST always goes on a fresh connection. What happens to that connection afterwards differs,
    // and both are correct:
    //   asio: the POST's connection goes back to the pool and then serves every GET: one connection in all;
    //   curl: the POST's connection is never reused (CURLOPT_FORBID_REUSE, so that libcurl's silent resend on a
    //         dead reused connection can never apply to it): the GETs open a second one and share it.
    if constexpr (std::is_same_v<H, asio_harness>) {
        CHECK(server.connections_accepted() == 1);
        CHECK(get_connections.front() == requests.front().connection_id);
    } else {
        CHECK(server.connections_accepted() == 2);
        CHECK(get_connections.front() != requests.front().connection_id);
    }
}

/// The server closes idle kept-alive connections after 50 ms. A GET on the pooled connection it closed is not
/// lost (replaced without using up a client retry), and a trigger sent after such a close reaches the server
/// exactly once.
template <class H>
void stale_pooled_connection() {
    auto options = server_options();
    options.keep_alive_timeout = 50ms;
    fake_server server{options};
    H h;
    // One attempt: the transport itself must cope with the closed connection.
    client_for<H> client{h.transport(), one_attempt_options_for(server)};

    auto first = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE(first.has_value());
    auto polled = h.run(client.get_job(first->id));  // leaves a GET connection in the pool
    REQUIRE(polled.has_value());
    const auto before = server.connections_accepted();
    std::this_thread::sleep_for(200ms);  // the server has closed every idle connection by now

    auto again = h.run(client.get_job(first->id));
    INFO((again ? std::string("ok") : again.error().to_string()));
    REQUIRE(again.has_value());
    CHECK(again->id == first->id);
    CHECK(server.connections_accepted() == before + 1);

    std::this_thread::sleep_for(200ms);
    auto second = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 2}));
    INFO((second ? std::string("ok") : second.error().to_string()));
    REQUIRE(second.has_value());
    CHECK(server.count_requests("POST") == 2);
    CHECK(server.job_ids().size() == 2);
    CHECK(server.count_requests("GET") == 2);
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("run_and_wait reaches each outcome, for transfer jobs and workflows", conformance::each_outcome)
TROCCO_CONFORMANCE_CASE("run parameters and custom variables arrive exactly", conformance::run_parameters_arrive_exactly)
TROCCO_CONFORMANCE_CASE("keep-alive: 100 sequential polls share one connection", conformance::keep_alive)
TROCCO_CONFORMANCE_CASE("a pooled connection the server closed is replaced; the trigger still goes once",
                        conformance::stale_pooled_connection)
