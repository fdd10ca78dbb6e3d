// tests/conformance/test_faults.cpp - conformance: each fault the fake server injects gives the outcome the client
// defines, whatever the transport; the job-starting POST is never sent twice once it may have reached the server.
#include "harness.hpp"

#include <algorithm>

namespace conformance {
namespace {

/// The read timeout of the cases that need one: far above what a loopback answer takes, even in a sanitizer build
/// on a loaded machine, and far below the delays injected to pass it.
constexpr std::chrono::milliseconds read_timeout = 500ms;

/// Faults on the trigger POST.
template <class H>
void trigger_faults() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};
    const trocco::run_job_request request{.job_definition_id = 9};

    SECTION("the server reads the POST and drops the connection: outcome_unknown, exactly one POST") {
        server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
        auto r = h.run(client.run_and_wait(request, fast_wait()));
        CHECK(server.count_requests("POST") == 1);
        CHECK(server.job_ids().size() == 1);  // the job did start: that is why the outcome is unknown
        CHECK(server.count_requests("GET") == 0);
        CHECK(server.pending_faults() == 0);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(r.error().definition_id() == 9);
        CHECK(r.error().trigger_time().has_value());
        CHECK_FALSE(r.error().job_id().has_value());
    }
    SECTION("the server closes the connection as the POST arrives: outcome_unknown, never sent twice") {
        server.inject({.what = fault::kind::close_before_read, .method = trocco::http_method::post});
        auto r = h.run(client.run_and_wait(request, fast_wait()));
        CHECK(server.pending_faults() == 0);        // the POST did arrive (and was dropped unread)...
        CHECK(server.count_requests("POST") == 0);  // ...and no second one came: it would have been read
        CHECK(server.job_ids().empty());
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(r.error().definition_id() == 9);
    }
    SECTION("a slow answer to the POST beyond the read timeout: outcome_unknown, one POST") {
        transport_config config;
        config.read_timeout = read_timeout;
        H timed{config};
        client_for<H> impatient{timed.transport(), client_options_for(server)};
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::post, .delay = 3000ms});
        const auto start = std::chrono::steady_clock::now();
        auto r = timed.run(impatient.run_job(request));
        CHECK(since(start) < 2500ms);  // the client gave up at the read timeout, not when the answer came
        CHECK(server.count_requests("POST") == 1);
        CHECK(server.job_ids().size() == 1);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
    }
    SECTION("503 on the POST: outcome_unknown with the status, not retried") {
        server.inject({.what = fault::kind::http_status, .method = trocco::http_method::post, .status = 503});
        auto r = h.run(client.run_and_wait(request, fast_wait()));
        CHECK(server.count_requests("POST") == 1);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::outcome_unknown);
        CHECK(r.error().http_status() == 503);
    }
    SECTION("429 on the POST: retried after Retry-After; one job started") {
        server.inject({.what = fault::kind::rate_limited, .method = trocco::http_method::post, .retry_after_seconds = 1});
        const auto start = std::chrono::steady_clock::now();
        auto r = h.run(client.run_and_wait(request, fast_wait()));
        INFO((r ? std::string("ok") : r.error().to_string()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
        CHECK(since(start) >= 1s);
        CHECK(server.count_requests("POST") == 2);
        CHECK(server.job_ids().size() == 1);
        const auto requests = server.requests();
        REQUIRE(requests.size() >= 2);
        CHECK(requests[1].received_at - requests[0].received_at >= 1s);
    }
    SECTION("a wrong API key: unauthorized, with the server's 401, and the key is not in the message") {
        auto bad = client_options_for(server);
        bad.api_key = "wrong-secret-key";
        client_for<H> other{h.transport(), bad};
        auto r = h.run(other.run_and_wait(request, fast_wait()));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::unauthorized);
        CHECK(r.error().http_status() == 401);
        CHECK_FALSE(contains(r.error().message(), "wrong-secret-key"));
        CHECK(server.count_requests("POST") == 1);
        CHECK(server.job_ids().empty());
        auto polled = h.run(other.get_job(100001));
        REQUIRE_FALSE(polled.has_value());
        CHECK(polled.error().kind() == errc::unauthorized);
    }
}

/// Transient faults while polling are retried and the wait succeeds. They may all fall on the retries of one poll
/// (each of the six is one failed attempt), hence the larger retry budget.
template <class H>
void transient_poll_faults() {
    fake_server server{server_options()};
    transport_config config;
    config.read_timeout = read_timeout;
    H h{config};
    auto options = client_options_for(server);
    options.retry.max_attempts = 10;
    client_for<H> client{h.transport(), options};

    server.inject({.what = fault::kind::http_status, .method = trocco::http_method::get, .times = 2, .status = 503});
    server.inject({.what = fault::kind::close_before_read, .method = trocco::http_method::get});
    server.inject({.what = fault::kind::truncated_body, .method = trocco::http_method::get});
    server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .delay = 2000ms});
    server.inject({.what = fault::kind::rate_limited, .method = trocco::http_method::get, .retry_after_seconds = 1});
    server.inject({.what = fault::kind::http_status, .method = trocco::http_method::get, .status = 502});
    std::vector<std::string> statuses;
    auto wait = fast_wait();
    wait.on_status_change = [&statuses](const trocco::job& j) { statuses.push_back(j.raw_status); };
    auto r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, wait));
    INFO((r ? std::string("ok") : r.error().to_string()));
    REQUIRE(r.has_value());
    CHECK(r->status == trocco::job_status::succeeded);
    CHECK(server.pending_faults() == 0);
    CHECK(server.count_requests("POST") == 1);
    CHECK(server.job_ids().size() == 1);
    REQUIRE_FALSE(statuses.empty());
    CHECK(statuses.back() == "succeeded");
}

/// Faults on a poll that are not transient.
template <class H>
void poll_faults() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};

    SECTION("malformed JSON while polling is retried like a transient failure of the read") {
        server.inject({.what = fault::kind::malformed_json, .method = trocco::http_method::get});
        auto r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, fast_wait()));
        INFO((r ? std::string("succeeded") : r.error().to_string()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
        CHECK(server.count_requests("GET") >= 2);
    }
    SECTION("malformed JSON on every poll: protocol_error carrying the job id, once the retries are spent") {
        server.inject({.what = fault::kind::malformed_json, .method = trocco::http_method::get, .times = -1});
        auto options = client_options_for(server);
        options.retry.max_attempts = 3;
        options.retry.initial_backoff = std::chrono::milliseconds{1};
        client_for<H> impatient{h.transport(), options};
        auto r = h.run(impatient.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, fast_wait()));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::protocol_error);
        REQUIRE(server.job_ids().size() == 1);
        CHECK(r.error().job_id() == server.job_ids().front());
        CHECK(server.count_requests("GET") == 3);
    }
    SECTION("an unknown status is reported and waited through") {
        server.inject({.what = fault::kind::unknown_status, .method = trocco::http_method::get, .times = 2,
                       .status_text = "paused"});
        std::vector<std::string> statuses;
        std::vector<trocco::job_status> parsed;
        auto wait = fast_wait();
        wait.on_status_change = [&](const trocco::job& j) {
            statuses.push_back(j.raw_status);
            parsed.push_back(j.status);
        };
        auto r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, wait));
        INFO((r ? std::string("ok") : r.error().to_string()));
        REQUIRE(r.has_value());
        CAPTURE(statuses);
        const auto paused = std::find(statuses.begin(), statuses.end(), "paused");
        REQUIRE(paused != statuses.end());
        CHECK(parsed[static_cast<std::size_t>(paused - statuses.begin())] == trocco::job_status::unknown);
        CHECK(std::count(statuses.begin(), statuses.end(), "paused") == 1);  // reported on the change only
        CHECK(statuses.back() == "succeeded");
        CHECK(server.pending_faults() == 0);
    }
    SECTION("a job id the server does not know: not_found, with the id") {
        auto r = h.run(client.wait_job(424242, fast_wait()));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::not_found);
        CHECK(r.error().http_status() == 404);
        CHECK(r.error().job_id() == 424242);
    }
}

/// Nothing listens on the port: connect_failed (nothing was sent, so the trigger may be and is retried; it fails
/// the same way each time).
template <class H>
void connection_refused() {
    H h;
    trocco::client_options o;
    o.api_key = "k";
    o.base_url = "http://127.0.0.1:" + std::to_string(test_support::refused_loopback_port());
    o.retry.max_attempts = 3;
    o.retry.initial_backoff = 1ms;
    client_for<H> client{h.transport(), o};
    auto r = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().to_string());
    CHECK(r.error().kind() == errc::connect_failed);  // not outcome_unknown: nothing was sent
    CHECK(r.error().definition_id() == 1);
    auto polled = h.run(client.get_job(7));
    REQUIRE_FALSE(polled.has_value());
    CHECK(polled.error().kind() == errc::connect_failed);
    CHECK(polled.error().job_id() == 7);
}

/// A response over the size limit is a transport_failure that says so.
template <class H>
void response_too_large() {
    fake_server server{server_options()};
    transport_config config;
    config.max_response_bytes = 10;  // every answer is longer, the 404 body included
    H h{config};
    client_for<H> client{h.transport(), one_attempt_options_for(server)};
    auto r = h.run(client.get_job(1));
    REQUIRE_FALSE(r.has_value());
    INFO(r.error().to_string());
    CHECK(r.error().kind() == errc::transport_failure);
    CHECK(contains(r.error().message(), "too large"));
    CHECK(server.count_requests("GET") == 1);

    // On the trigger the same failure means the job may have started: outcome_unknown, and not sent again.
    auto started = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE_FALSE(started.has_value());
    INFO(started.error().to_string());
    CHECK(started.error().kind() == errc::outcome_unknown);
    CHECK(server.count_requests("POST") == 1);
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("faults on the trigger POST: outcome_unknown or a safe retry, never a second POST",
                        conformance::trigger_faults)
TROCCO_CONFORMANCE_CASE("transient faults while polling are retried and the wait succeeds",
                        conformance::transient_poll_faults)
TROCCO_CONFORMANCE_CASE("malformed, unknown and missing jobs while polling", conformance::poll_faults)
TROCCO_CONFORMANCE_CASE("connection refused is connect_failed", conformance::connection_refused)
TROCCO_CONFORMANCE_CASE("a response over the size limit is a transport_failure", conformance::response_too_large)
