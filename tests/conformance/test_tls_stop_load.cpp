// tests/conformance/test_tls_stop_load.cpp - conformance: TLS verification, prompt cancellation through the stop
// token, destruction with work in flight, and 1,000 concurrent waits.
#include "harness.hpp"

#include <atomic>
#include <type_traits>

namespace conformance {
namespace {

/// HTTPS: the certificate chain and the host name are verified; a failed handshake is connect_failed with no
/// request reaching the server; the insecure switch accepts what verification refuses.
template <class H>
void tls_verification() {
    const auto good = trocco::testing::make_test_certificates({"127.0.0.1", "localhost"});
    fake_server server{tls_server_options(good)};
    REQUIRE(server.base_url().rfind("https://", 0) == 0);

    SECTION("the CA trusted: a job runs to success") {
        transport_config config;
        config.ca_pem = good.ca_certificate_pem;
        H h{config};
        client_for<H> client{h.transport(), client_options_for(server)};
        auto r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 3}, fast_wait()));
        INFO((r ? std::string("ok") : r.error().to_string()));
        REQUIRE(r.has_value());
        CHECK(r->status == trocco::job_status::succeeded);
    }
    SECTION("the CA trusted through a CA file") {
        transport_config config;
        config.ca_pem = good.ca_certificate_pem;
        config.ca_in_file = true;
        H h{config};
        client_for<H> client{h.transport(), client_options_for(server)};
        auto r = h.run(client.get_job(1));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::not_found);  // TLS worked: the API answered
        CHECK(server.count_requests("GET") == 1);
    }
    SECTION("a certificate from an untrusted CA: connect_failed, no request reached the server") {
        const auto other = trocco::testing::make_test_certificates({"127.0.0.1"});
        transport_config config;
        config.ca_pem = other.ca_certificate_pem;
        H h{config};
        auto o = client_options_for(server);
        o.retry.max_attempts = 2;  // connect_failed may be retried, even for a trigger: it fails the same way
        client_for<H> client{h.transport(), o};
        auto r = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 3}));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::connect_failed);
        CHECK(server.requests().empty());
        CHECK(server.job_ids().empty());
    }
    SECTION("no extra CA at all (the system store only): connect_failed") {
        H h;
        client_for<H> client{h.transport(), one_attempt_options_for(server)};
        auto r = h.run(client.get_job(1));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::connect_failed);
        CHECK(server.requests().empty());
    }
    SECTION("a trusted certificate for another host name: connect_failed, no request reached the server") {
        const auto wrong = trocco::testing::make_test_certificates({"trocco.example"});
        fake_server wrong_server{tls_server_options(wrong)};
        transport_config config;
        config.ca_pem = wrong.ca_certificate_pem;
        H h{config};
        client_for<H> client{h.transport(), one_attempt_options_for(wrong_server)};
        auto r = h.run(client.run_job(trocco::run_job_request{.job_definition_id = 3}));
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::connect_failed);
        CHECK(wrong_server.requests().empty());
    }
    SECTION("insecure_skip_tls_verification accepts an untrusted certificate and a wrong host name") {
        const auto wrong = trocco::testing::make_test_certificates({"trocco.example"});
        fake_server wrong_server{tls_server_options(wrong)};
        transport_config config;
        config.insecure_skip_tls_verification = true;
        H h{config};
        client_for<H> client{h.transport(), client_options_for(server)};
        auto r = h.run(client.get_job(1));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::not_found);
        client_for<H> other{h.transport(), client_options_for(wrong_server)};
        auto done = h.run(other.run_and_wait(trocco::run_job_request{.job_definition_id = 3}, fast_wait()));
        INFO((done ? std::string("ok") : done.error().to_string()));
        REQUIRE(done.has_value());
        CHECK(done->status == trocco::job_status::succeeded);
    }
}

/// A stop request ends a send or a sleep promptly (well before the server's answer or the next poll), with
/// errc::canceled; the transport keeps working afterwards.
template <class H>
void stop_promptly() {
    fake_server server{server_options()};
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};
    std::stop_source stop;

    SECTION("during a send (a GET the server answers after 5 s)") {
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .delay = 5000ms});
        const auto start = std::chrono::steady_clock::now();
        trocco::result<trocco::job> r = trocco::error{errc::invalid_argument, "not run"};
        {
            delayed_stop stopper{stop, 100ms};
            r = h.run(client.get_job(1, stop.get_token()));
        }
        CHECK(since(start) < 2s);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::canceled);
        CHECK(server.count_requests("GET") == 1);  // it was in flight
        auto next = h.run(client.get_job(1));      // the transport goes on working
        REQUIRE_FALSE(next.has_value());
        CHECK(next.error().kind() == errc::not_found);
    }
    SECTION("during the trigger's send (the server answers the POST after 5 s)") {
        server.inject({.what = fault::kind::delay, .method = trocco::http_method::post, .delay = 5000ms});
        auto wait = fast_wait();
        wait.stop_token = stop.get_token();
        const auto start = std::chrono::steady_clock::now();
        trocco::result<trocco::job> r = trocco::error{errc::invalid_argument, "not run"};
        {
            delayed_stop stopper{stop, 100ms};
            r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait));
        }
        CHECK(since(start) < 2s);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::canceled);
        CHECK(contains(r.error().message(), "in flight"));  // a job may or may not have started
        CHECK(r.error().definition_id() == 1);
        CHECK(server.count_requests("POST") == 1);
    }
    SECTION("during a sleep between polls (10 s apart)") {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule::fixed(10s);
        wait.stop_token = stop.get_token();
        const auto start = std::chrono::steady_clock::now();
        trocco::result<trocco::job> r = trocco::error{errc::invalid_argument, "not run"};
        {
            delayed_stop stopper{stop, 200ms};
            r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait));
        }
        CHECK(since(start) < 2s);
        REQUIRE_FALSE(r.has_value());
        INFO(r.error().to_string());
        CHECK(r.error().kind() == errc::canceled);
        REQUIRE(server.job_ids().size() == 1);
        CHECK(r.error().job_id() == server.job_ids().front());
        CHECK(contains(r.error().message(), "may still be running"));
        CHECK(server.count_requests("GET") == 0);  // stopped in the first sleep
    }
    SECTION("requested before the start: nothing is sent") {
        stop.request_stop();
        auto wait = fast_wait();
        wait.stop_token = stop.get_token();
        auto r = h.run(client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait));
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().kind() == errc::canceled);
        auto polled = h.run(client.get_job(1, stop.get_token()));
        REQUIRE_FALSE(polled.has_value());
        CHECK(polled.error().kind() == errc::canceled);
        CHECK(server.requests().empty());
    }
}

/// Destroying the transport with sends and sleeps in flight ends each wait with errc::canceled, promptly.
template <class H>
void destroy_with_work_in_flight() {
    fake_server server{server_options()};
    server.inject({.what = fault::kind::delay, .method = trocco::http_method::get, .times = -1, .delay = 5000ms});
    H h;
    client_for<H> client{h.transport(), client_options_for(server)};
    std::vector<std::optional<trocco::result<trocco::job>>> sends(3), sleeps(3);
    for (auto& slot : sends) h.spawn(client.get_job(1), slot);
    for (auto& slot : sleeps) {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule::fixed(10s);
        h.spawn(client.run_and_wait(trocco::run_job_request{.job_definition_id = 1}, wait), slot);
    }
    const auto start = std::chrono::steady_clock::now();
    h.destroy_transport_after(300ms);
    h.join();
    CHECK(since(start) < 3s);
    for (const auto& r : sends) {
        REQUIRE(r.has_value());
        REQUIRE_FALSE(r->has_value());
        CHECK(r->error().kind() == errc::canceled);
    }
    for (const auto& r : sleeps) {
        REQUIRE(r.has_value());
        REQUIRE_FALSE(r->has_value());
        CHECK(r->error().kind() == errc::canceled);
        CHECK(r->error().job_id().has_value());
    }
    CHECK(server.count_requests("GET") == 3);
    CHECK(server.job_ids().size() == 3);
}

/// 1,000 run_and_wait at once on one transport all complete. The transport's connections are bounded (asio: 8 per
/// host by default; curl: max_connections = 32, so that neither side runs out of file descriptors), so most of the
/// time most requests wait for a connection. Once with completions on one thread (asio: the io_context's; curl: the
/// worker), once spread over two (asio: the io_context run by two threads; curl: transport_options::post).
template <class H>
void thousand_concurrent_waits() {
    std::size_t threads = 1;
    SECTION("completions on one thread") {}
    SECTION("completions on 2 threads") { threads = 2; }
    INFO(H::name << ", completions on " << threads << " thread(s)");
    fake_server server{server_options()};
    transport_config config;
    if constexpr (std::is_same_v<H, curl_harness>) config.max_connections = 32;
    config.completion_threads = threads;
    H h{config};
    client_for<H> client{h.transport(), client_options_for(server)};
    constexpr std::size_t count = 1000;
    std::vector<std::optional<trocco::result<trocco::job>>> results(count);
    std::atomic<std::size_t> triggered{0};
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < count; ++i) {
        auto wait = fast_wait();
        wait.poll = trocco::poll_schedule{50ms, 1.5, 200ms, 0.2};
        wait.timeout = 240s;
        wait.on_triggered = [&triggered](std::int64_t) { triggered.fetch_add(1, std::memory_order_relaxed); };
        h.spawn(client.run_and_wait(trocco::run_job_request{.job_definition_id = 1 + static_cast<std::int64_t>(i % 7)},
                                    std::move(wait)),
                results[i]);
    }
    h.join();
    const auto elapsed = since(start);
    INFO(H::name << ": 1,000 waits took " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                 << " ms over " << server.connections_accepted() << " connections");
    std::size_t succeeded = 0;
    std::size_t first_failure = count;
    for (std::size_t i = 0; i < count; ++i) {
        REQUIRE(results[i].has_value());
        if (results[i]->has_value() && (*results[i])->status == trocco::job_status::succeeded) {
            ++succeeded;
        } else if (first_failure == count) {
            first_failure = i;
        }
    }
    if (first_failure < count && !results[first_failure]->has_value()) {
        INFO("first failure: " << results[first_failure]->error().to_string());
        CHECK(succeeded == count);
    }
    CHECK(succeeded == count);
    CHECK(triggered.load() == count);
    CHECK(server.count_requests("POST") == count);
    CHECK(server.job_ids().size() == count);
}

}  // namespace
}  // namespace conformance

TROCCO_CONFORMANCE_CASE("HTTPS: certificate and host name verification", conformance::tls_verification)
TROCCO_CONFORMANCE_CASE("the stop token ends a send and a sleep promptly", conformance::stop_promptly)
TROCCO_CONFORMANCE_CASE("destroying the transport with work in flight ends it with canceled",
                        conformance::destroy_with_work_in_flight)
TROCCO_CONFORMANCE_CASE("1,000 concurrent run_and_wait all complete", conformance::thousand_concurrent_waits)
