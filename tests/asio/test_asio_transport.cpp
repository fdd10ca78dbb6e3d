// Integration tests over loopback: the client on trocco::asio::transport against the fake trocco server.
#include <utility>  // before Boost 1.74's asio headers

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <trocco/asio.hpp>
#include <trocco/testing/fake_server.hpp>
#include <trocco/testing/test_certificates.hpp>
#include <trocco/trocco.hpp>

#include "../catch.hpp"

namespace {

using trocco::errc;
using trocco::testing::fake_server;
using trocco::testing::fake_server_options;
using trocco::testing::fault;
using trocco::testing::scripted_outcome;
using asio_client = trocco::client<trocco::asio::transport>;
using namespace std::chrono_literals;

fake_server_options fast_server() {
    fake_server_options o;
    o.status_duration = 20ms;
    return o;
}

trocco::wait_options fast_wait() {
    trocco::wait_options w;
    w.poll = trocco::poll_schedule::fixed(20ms);
    w.error_confirmation_delay = 60ms;  // two confirmations span 120 ms, longer than a status lasts
    w.timeout = 20s;
    return w;
}

trocco::client_options options_for(const fake_server& server) {
    trocco::client_options o;
    o.api_key = server.api_key();
    o.base_url = server.base_url();
    o.retry.initial_backoff = 10ms;
    o.retry.max_backoff = 50ms;
    return o;
}

/// Runs `t` on `io` through async_run (the callback form) and returns its value.
template <class T>
T run_on(boost::asio::io_context& io, trocco::task<T> t) {
    std::optional<T> value;
    std::exception_ptr failure;
    trocco::asio::async_run(io.get_executor(), std::move(t), [&](std::exception_ptr e, T v) {
        failure = e;
        value.emplace(std::move(v));
    });
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
    REQUIRE(value.has_value());
    return std::move(*value);
}

std::string outcome_name(scripted_outcome o) {
    switch (o) {
        case scripted_outcome::succeeded: return "succeeded";
        case scripted_outcome::error: return "error";
        case scripted_outcome::canceled: return "canceled";
        case scripted_outcome::skipped: return "skipped";
        case scripted_outcome::error_then_retry: return "error_then_retry";
    }
    return "?";
}

}  // namespace

TEST_CASE("asio: run_and_wait of transfer jobs and workflows reaches each outcome over HTTP") {
    auto server_options = fast_server();
    server_options.status_duration = 80ms;  // each status outlives several 20 ms polls: every one is seen
    fake_server server{server_options};
    const std::vector<std::pair<scripted_outcome, std::optional<errc>>> cases = {
        {scripted_outcome::succeeded, std::nullopt},
        {scripted_outcome::error, errc::job_failed},
        {scripted_outcome::canceled, errc::job_canceled},
        {scripted_outcome::skipped, errc::job_skipped},
        {scripted_outcome::error_then_retry, std::nullopt},
    };
    std::int64_t definition = 100;
    for (const auto& [outcome, expected] : cases) {
        ++definition;
        INFO("outcome " << outcome_name(outcome));
        server.set_job_outcome(definition, outcome);
        server.set_workflow_outcome(definition, outcome);
        boost::asio::io_context io;
        trocco::asio::transport transport{io.get_executor()};
        asio_client client{transport, options_for(server)};

        std::vector<std::string> statuses;
        auto wait = fast_wait();
        wait.on_status_change = [&](const auto& j) { statuses.push_back(j.raw_status); };
        auto job = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = definition}, wait));
        auto workflow =
            run_on(io, client.run_and_wait(trocco::run_workflow_request{.workflow_definition_id = definition}, wait));

        // A transfer job has no automatic retry: its first `error` is final.
        const auto expected_job = outcome == scripted_outcome::error_then_retry ? std::optional(errc::job_failed) : expected;
        if (expected_job) {
            REQUIRE_FALSE(job.has_value());
            CHECK(job.error().code() == *expected_job);
            REQUIRE(job.error().last_job() != nullptr);
            CHECK(job.error().job_id() == job.error().last_job()->id);
        } else {
            REQUIRE(job.has_value());
            CHECK(job->status == trocco::job_status::succeeded);
            CHECK(job->job_definition_id == definition);
            CHECK(job->finished_at.has_value());
        }
        if (expected) {
            REQUIRE_FALSE(workflow.has_value());
            CHECK(workflow.error().code() == *expected);
            REQUIRE(workflow.error().last_workflow_job() != nullptr);
        } else {
            REQUIRE(workflow.has_value());
            CHECK(workflow->status == trocco::job_status::succeeded);
            CHECK(workflow->workflow_definition_id == definition);
        }
        CHECK(statuses.front() == "queued");
        if (outcome == scripted_outcome::error_then_retry) {
            // The workflow's wait went through error and retry_waiting and still ended in success.
            CHECK(std::find(statuses.begin(), statuses.end(), "retry_waiting") != statuses.end());
        }
    }
    CHECK(server.count_requests("POST") == 10);
}

TEST_CASE("asio: custom variables reach the server exactly") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, options_for(server)};
    trocco::run_job_request request{.job_definition_id = 5,
                                    .context_time = "2026-11-27 00:00:00",
                                    .time_zone = "Etc/UTC",
                                    .custom_variables = {{"$ad_id$", "A0000"}, {"$q$", "a=b c 日本語"}}};
    auto job = run_on(io, client.run_and_wait(request, fast_wait()));
    REQUIRE(job.has_value());
    const auto vars = server.job_custom_variables(job->id);
    REQUIRE(vars.has_value());
    CHECK(*vars == request.custom_variables);
}

TEST_CASE("asio: keep-alive: 100 sequential polls use one TCP connection") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, options_for(server)};
    auto started = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE(started.has_value());
    for (int i = 0; i < 100; ++i) {
        auto polled = run_on(io, client.get_job(started->id));
        REQUIRE(polled.has_value());
        CHECK(polled->id == started->id);
    }
    CHECK(server.count_requests("GET", "/api/jobs/") == 100);
    // The POST opened the connection (always a fresh one); it went back to the pool and served every GET.
    CHECK(server.connections_accepted() == 1);
}

TEST_CASE("asio: a pooled connection the server closed is replaced, and the GET is not lost") {
    auto opts = fast_server();
    opts.keep_alive_timeout = 50ms;  // the server closes idle connections quickly
    fake_server server{opts};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    auto client_opts = options_for(server);
    client_opts.retry.max_attempts = 1;  // the transport's own one retry on a fresh connection must do it
    asio_client client{transport, client_opts};
    auto started = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE(started.has_value());
    std::this_thread::sleep_for(150ms);  // the server has closed the pooled connection by now
    auto polled = run_on(io, client.get_job(started->id));
    REQUIRE(polled.has_value());
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("asio: faults give the outcomes the client defines") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport_options topts;
    topts.read_timeout = 300ms;
    trocco::asio::transport transport{io.get_executor(), topts};
    asio_client client{transport, options_for(server)};

    SECTION("the server reads the POST and drops the connection: outcome_unknown, exactly one POST") {
        server.inject({.what = fault::kind::close_after_read, .method = trocco::http_method::post});
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, fast_wait()));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::outcome_unknown);
        CHECK(r.error().definition_id() == 9);
        CHECK(r.error().trigger_time().has_value());
        CHECK(server.count_requests("POST") == 1);
        CHECK(server.job_ids().size() == 1);  // the job did start: that is why the outcome is unknown
    }
    SECTION("the server closes before reading the POST: still never sent twice") {
        server.inject({.what = fault::kind::close_before_read, .method = trocco::http_method::post});
        auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 9}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::outcome_unknown);
        CHECK(server.job_ids().empty());
    }
    SECTION("a slow answer to the POST beyond the read timeout: outcome_unknown, one POST") {
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::post, .delay = 1000ms});
        auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 9}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::outcome_unknown);
        CHECK(server.count_requests("POST") == 1);
    }
    SECTION("503 on the POST: outcome_unknown with the status, not retried") {
        server.inject({.what = fault::kind::http_status, .method = trocco::http_method::post, .status = 503});
        auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 9}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::outcome_unknown);
        CHECK(r.error().http_status() == 503);
        CHECK(server.count_requests("POST") == 1);
    }
    SECTION("429 on the POST: waited as told and retried; one job started") {
        server.inject({.what = fault::kind::rate_limited, .method = trocco::http_method::post, .retry_after_seconds = 1});
        const auto before = std::chrono::steady_clock::now();
        auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 9}));
        REQUIRE(r.has_value());
        CHECK(std::chrono::steady_clock::now() - before >= 1s);
        CHECK(server.count_requests("POST") == 2);
        CHECK(server.job_ids().size() == 1);
    }
    SECTION("transient faults while polling are retried and the wait succeeds") {
        server.inject({.what = fault::kind::http_status, .method = trocco::http_method::get, .times = 2, .status = 503});
        server.inject({.what = fault::kind::close_before_read, .method = trocco::http_method::get});
        server.inject({.what = fault::kind::truncated_body, .method = trocco::http_method::get});
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .delay = 1000ms});
        server.inject({.what = fault::kind::rate_limited, .method = trocco::http_method::get, .retry_after_seconds = 1});
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, fast_wait()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
        CHECK(server.pending_faults() == 0);
        CHECK(server.count_requests("POST") == 1);
    }
    SECTION("malformed JSON while polling is retried like a transient failure of the read") {
        server.inject({.what = fault::kind::malformed_json, .method = trocco::http_method::get});
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, fast_wait()));
        REQUIRE(r.has_value());
        CHECK(server.count_requests("GET") >= 2);
    }
    SECTION("an unknown status is reported and waited through") {
        server.inject({.what = fault::kind::unknown_status, .method = trocco::http_method::get, .status_text = "paused"});
        std::vector<std::string> statuses;
        auto wait = fast_wait();
        wait.on_status_change = [&](const trocco::job& j) { statuses.push_back(j.raw_status); };
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 9}, wait));
        REQUIRE(r.has_value());
        CHECK(std::find(statuses.begin(), statuses.end(), "paused") != statuses.end());
        CHECK(statuses.back() == "succeeded");
    }
    SECTION("a wrong API key: unauthorized, with the server's message") {
        auto bad = options_for(server);
        bad.api_key = "wrong-key";
        asio_client other{transport, bad};
        auto r = run_on(io, other.run_job(trocco::run_job_request{.job_definition_id = 9}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::unauthorized);
        CHECK(r.error().http_status() == 401);
    }
}

TEST_CASE("asio: connection refused is connect_failed; a trigger is then retried safely") {
    boost::asio::io_context io;
    std::uint16_t closed_port = 0;
    {
        boost::asio::ip::tcp::acceptor probe{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
        closed_port = probe.local_endpoint().port();
    }
    trocco::asio::transport transport{io.get_executor()};
    trocco::client_options o;
    o.api_key = "k";
    o.base_url = "http://127.0.0.1:" + std::to_string(closed_port);
    o.retry.max_attempts = 3;
    o.retry.initial_backoff = 1ms;
    asio_client client{transport, o};
    auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 1}));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::connect_failed);  // nothing was sent: not outcome_unknown
}

TEST_CASE("asio: a response over the size limit is a transport_failure") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport_options topts;
    topts.max_response_bytes = 10;  // every answer is longer, the 404 body included
    trocco::asio::transport transport{io.get_executor(), topts};
    auto o = options_for(server);
    o.retry.max_attempts = 1;
    asio_client client{transport, o};
    auto r = run_on(io, client.get_job(1));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::transport_failure);
    CHECK(r.error().message().find("too large") != std::string::npos);
}

TEST_CASE("asio: HTTPS with certificate and host name verification") {
    const auto good = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    auto opts = fast_server();
    opts.tls_certificate_chain_pem = good.certificate_pem;
    opts.tls_private_key_pem = good.private_key_pem;
    fake_server server{opts};
    REQUIRE(server.base_url().rfind("https://", 0) == 0);
    boost::asio::io_context io;

    SECTION("trusted CA: a job runs to success") {
        trocco::asio::transport transport{io.get_executor(), {.ca_pem = good.ca_certificate_pem}};
        asio_client client{transport, options_for(server)};
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 3}, fast_wait()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
    }
    SECTION("the CA from a file works too") {
        const std::string path = "/tmp/trocco-test-ca-" + std::to_string(server.port()) + ".pem";
        {
            std::FILE* f = std::fopen(path.c_str(), "w");
            REQUIRE(f != nullptr);
            std::fputs(good.ca_certificate_pem.c_str(), f);
            std::fclose(f);
        }
        trocco::asio::transport transport{io.get_executor(), {.ca_file = path}};
        asio_client client{transport, options_for(server)};
        auto r = run_on(io, client.get_job(1));
        std::remove(path.c_str());
        CHECK(r.error().code() == errc::not_found);  // TLS worked: the API answered
    }
    SECTION("an untrusted certificate fails the handshake: connect_failed, nothing sent") {
        const auto other = trocco::testing::make_test_certificates({"127.0.0.1"});
        trocco::asio::transport transport{io.get_executor(), {.ca_pem = other.ca_certificate_pem}};
        auto o = options_for(server);
        o.retry.max_attempts = 1;
        asio_client client{transport, o};
        auto r = run_on(io, client.run_job(trocco::run_job_request{.job_definition_id = 3}));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::connect_failed);
        CHECK(server.count_requests("POST") == 0);
    }
    SECTION("a certificate for another host name fails: connect_failed") {
        const auto wrong = trocco::testing::make_test_certificates({"trocco.example"});
        auto wrong_opts = fast_server();
        wrong_opts.tls_certificate_chain_pem = wrong.certificate_pem;
        wrong_opts.tls_private_key_pem = wrong.private_key_pem;
        fake_server wrong_server{wrong_opts};
        trocco::asio::transport transport{io.get_executor(), {.ca_pem = wrong.ca_certificate_pem}};
        auto o = options_for(wrong_server);
        o.retry.max_attempts = 1;
        asio_client client{transport, o};
        auto r = run_on(io, client.get_job(1));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::connect_failed);
        CHECK(wrong_server.requests().empty());
    }
    SECTION("insecure_skip_tls_verification accepts an untrusted certificate") {
        trocco::asio::transport transport{io.get_executor(), {.insecure_skip_tls_verification = true}};
        asio_client client{transport, options_for(server)};
        auto r = run_on(io, client.get_job(1));
        CHECK(r.error().code() == errc::not_found);
    }
}

TEST_CASE("asio: the stop token ends a send and a sleep promptly") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, options_for(server)};
    std::stop_source stop;
    boost::asio::steady_timer timer{io, 100ms};
    timer.async_wait([&](boost::system::error_code) { stop.request_stop(); });

    SECTION("during a send") {
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .delay = 5000ms});
        const auto before = std::chrono::steady_clock::now();
        auto r = run_on(io, client.get_job(1, stop.get_token()));
        CHECK(std::chrono::steady_clock::now() - before < 2s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::canceled);
    }
    SECTION("during a sleep") {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule::fixed(10s);
        wait.stop_token = stop.get_token();
        const auto before = std::chrono::steady_clock::now();
        auto r = run_on(io, client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait));
        CHECK(std::chrono::steady_clock::now() - before < 2s);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::canceled);
        CHECK(r.error().job_id().has_value());
        CHECK(r.error().message().find("may still be running") != std::string::npos);
    }
}

TEST_CASE("asio: destroying the transport with requests in flight ends them with canceled") {
    fake_server server{fast_server()};
    server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .times = -1, .delay = 5000ms});
    boost::asio::io_context io;
    auto transport = std::make_unique<trocco::asio::transport>(io.get_executor());
    auto client = std::make_unique<asio_client>(*transport, options_for(server));
    std::vector<std::optional<trocco::result<trocco::job>>> results(3);
    for (auto& slot : results) {
        trocco::asio::async_run(io.get_executor(), client->get_job(1),
                                [&slot](std::exception_ptr, trocco::result<trocco::job> r) { slot.emplace(std::move(r)); });
    }
    boost::asio::steady_timer timer{io, 100ms};
    timer.async_wait([&](boost::system::error_code) { transport.reset(); });
    const auto before = std::chrono::steady_clock::now();
    io.run();
    CHECK(std::chrono::steady_clock::now() - before < 2s);
    for (const auto& r : results) {
        REQUIRE(r.has_value());
        REQUIRE_FALSE(r->has_value());
        CHECK(r->error().code() == errc::canceled);
    }
}

namespace {

boost::asio::awaitable<void> awaitable_run(asio_client* client, trocco::result<trocco::job>* out) {
    auto executor = co_await boost::asio::this_coro::executor;
    trocco::run_job_request request{.job_definition_id = 11};
    trocco::wait_options wait = fast_wait();
    *out = co_await trocco::asio::async_run(executor, client->run_and_wait(std::move(request), std::move(wait)),
                                            boost::asio::use_awaitable);
}

}  // namespace

TEST_CASE("asio: async_run works with use_awaitable, callbacks and use_future") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, options_for(server)};

    SECTION("use_awaitable inside an asio::awaitable coroutine") {
        trocco::result<trocco::job> out = trocco::error{errc::invalid_argument, "not run"};
        boost::asio::co_spawn(io, awaitable_run(&client, &out), [](std::exception_ptr e) { CHECK_FALSE(e); });
        io.run();
        REQUIRE(out.has_value());
        CHECK(out->status == trocco::job_status::succeeded);
    }
    SECTION("use_future, with the io_context run by another thread") {
        auto guard = boost::asio::make_work_guard(io);
        std::thread runner([&] { io.run(); });
        auto future = trocco::asio::async_run(io.get_executor(), client.get_job(1), boost::asio::use_future);
        auto r = future.get();
        guard.reset();
        runner.join();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::not_found);
    }
    SECTION("an exception thrown in the task reaches the handler") {
        auto wait = fast_wait();
        wait.on_triggered = [](std::int64_t) { throw std::runtime_error("callback failed"); };
        std::exception_ptr seen;
        bool placeholder_is_error = false;
        trocco::asio::async_run(io.get_executor(),
                                client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait),
                                [&](std::exception_ptr e, trocco::result<trocco::job> r) {
                                    seen = e;
                                    placeholder_is_error = !r.has_value();
                                });
        io.run();
        REQUIRE(seen);
        CHECK_THROWS_AS(std::rethrow_exception(seen), std::runtime_error);
        CHECK(placeholder_is_error);
    }
}

TEST_CASE("asio: 1,000 concurrent run_and_wait on one io_context all complete") {
    fake_server server{fast_server()};
    boost::asio::io_context io;
    trocco::asio::transport transport{io.get_executor()};
    asio_client client{transport, options_for(server)};
    std::atomic<int> succeeded{0};
    std::atomic<int> finished{0};
    constexpr int count = 1000;
    for (int i = 0; i < count; ++i) {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule{50ms, 1.5, 200ms, 0.2};
        trocco::asio::async_run(io.get_executor(),
                                client.run_and_wait(trocco::run_job_request{.job_definition_id = 1 + i % 7}, wait),
                                [&](std::exception_ptr e, trocco::result<trocco::job> r) {
                                    ++finished;
                                    if (!e && r) ++succeeded;
                                });
    }
    io.run();
    CHECK(finished == count);
    CHECK(succeeded == count);
    CHECK(server.count_requests("POST") == count);
}
