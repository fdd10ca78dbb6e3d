// tests/asio/test_asio_stop.cpp - a stop, a timeout or the transport's destruction in each phase of a send: it
// ends promptly, and says whether the request may have reached the server (issue 10 item 8): not while queued for
// a connection, connecting or in the TLS handshake (with_nothing_sent()); yes once the write has begun. (During
// name resolution: test_asio_dns.cpp.)
#include "asio_test_support.hpp"

#include <functional>
#include <string>

#include <trocco/testing/test_certificates.hpp>

namespace asio_tests {
namespace {

/// How the send in flight is ended.
enum class ending { stop, destroy };

/// Starts `request`, ends it once `in_phase` returns (by default 150 ms later) with a stop or the transport's
/// destruction, and checks that it completes promptly with canceled, reaching the server or not as
/// `may_have_reached` says.
void end_in_flight(rig& r, trocco::http_request request, ending how, bool may_have_reached,
                   const std::function<void()>& in_phase = [] { std::this_thread::sleep_for(150ms); }) {
    INFO((how == ending::stop ? "a stop" : "the transport destroyed") << " during " << to_string(request.method) << " "
                                                                      << request.url);
    std::stop_source source;
    task_group<response_result> one;
    one.start(as_task(r.transport().send(std::move(request), source.get_token())));
    in_phase();
    REQUIRE(one.finished() == 0);
    const auto ended = clock_type::now();
    if (how == ending::stop) {
        source.request_stop();
    } else {
        r.destroy_transport();
    }
    REQUIRE(one.wait_all(10s));
    INFO("ended " << since(ended).count() << " ms after the stop");
    CHECK(since(ended) < prompt);
    auto& result = one.result(0);
    REQUIRE(result.has_value());
    INFO(describe(*result));
    REQUIRE(is_error(*result, trocco::errc::canceled));
    CHECK(result->error().may_have_reached_server() == may_have_reached);
    CHECK(contains(result->error().message(), may_have_reached ? "in flight" : "before the request was sent"));
}

TEST_CASE("asio transport: ended while queued for a connection: canceled, nothing sent", "[asio][stop][issue10]") {
    loopback_server server([](const received_request&) { return script().wait(3000ms).then(reply{}); });
    for (const auto how : {ending::stop, ending::destroy}) {
        rig r({.max_connections_per_host = 1});
        task_group<response_result> busy;  // holds the only connection
        // Counted before the send: once it has started, the GET may reach the server before a count is read.
        const auto requests_before = server.requests().size();
        busy.start(as_task(r.transport().send(get(server.url("/busy")), {})));
        REQUIRE(server.wait_for_requests(requests_before + 1, 5s));
        end_in_flight(r, post(server.url("/api/jobs?job_definition_id=1"), "{}"), how, false);
        REQUIRE(busy.wait_all(10s));
    }
    CHECK(server.count("POST") == 0);
}

TEST_CASE("asio transport: ended while connecting: canceled, nothing sent; connect_timeout: connect_failed",
          "[asio][stop][issue10]") {
    test_support::unaccepting_listener listener;  // the connect hangs: the SYN is dropped
    for (const auto how : {ending::stop, ending::destroy}) {
        rig r;
        end_in_flight(r, post(listener.url("/api/jobs?job_definition_id=1"), "{}"), how, false);
    }
    rig r({.connect_timeout = 300ms});
    const auto start = clock_type::now();
    const auto g = send_sync(r.transport(), post(listener.url("/api/jobs?job_definition_id=1"), "{}"));
    INFO(describe(g));
    REQUIRE(is_error(g, trocco::errc::connect_failed));
    CHECK_FALSE(g.error().may_have_reached_server());
    CHECK(contains(g.error().message(), "timed out"));
    CHECK(since(start) < 300ms + prompt);
}

TEST_CASE("asio transport: ended in the TLS handshake: canceled, nothing sent; its timeout: connect_failed",
          "[asio][stop][issue10]") {
    const auto certs = trocco::testing::make_test_certificates({"127.0.0.1"});
    // A server that accepts and never answers the ClientHello.
    loopback_server server({}, {.on_accept = script().wait(10s),
                                .tls_certificate_chain_pem = certs.certificate_pem,
                                .tls_private_key_pem = certs.private_key_pem});
    const auto url = server.url("/api/jobs?job_definition_id=1");
    REQUIRE(url.rfind("https://", 0) == 0);
    for (const auto how : {ending::stop, ending::destroy}) {
        rig r({.ca_pem = certs.ca_certificate_pem});
        end_in_flight(r, post(url, "{}"), how, false);
    }
    rig r({.tls_handshake_timeout = 300ms, .ca_pem = certs.ca_certificate_pem});
    const auto g = send_sync(r.transport(), post(url, "{}"));
    INFO(describe(g));
    REQUIRE(is_error(g, trocco::errc::connect_failed));
    CHECK_FALSE(g.error().may_have_reached_server());
    CHECK(contains(g.error().message(), "TLS handshake"));
    CHECK(contains(g.error().message(), "timed out"));
    CHECK(server.requests().empty());
}

TEST_CASE("asio transport: ended during or after the write: canceled, and the request may have reached the server",
          "[asio][stop][issue10]") {
    SECTION("during the write: a body of 64 MB to a server that reads nothing") {
        loopback_server server({}, {.on_accept = script().wait(10s)});
        int connections = 0;
        for (const auto how : {ending::stop, ending::destroy}) {
            rig r;
            ++connections;
            end_in_flight(r, post(server.url("/api/jobs?job_definition_id=1"), std::string(64 << 20, 'x')), how, true,
                          [&] {
                              REQUIRE(server.wait_for_connections(connections, 10s));
                              std::this_thread::sleep_for(300ms);  // connected: writing until the buffers are full
                          });
        }
    }
    SECTION("waiting for the answer") {
        loopback_server server([](const received_request&) { return script().wait(5000ms).then(reply{}); });
        for (const auto how : {ending::stop, ending::destroy}) {
            rig r;
            end_in_flight(r, post(server.url("/api/jobs?job_definition_id=1"), "{}"), how, true);
        }
        CHECK(server.count("POST") == 2);
    }
}

TEST_CASE("asio transport: a stop before the send starts sends nothing", "[asio][stop]") {
    loopback_server server;
    rig r;
    std::stop_source source;
    source.request_stop();
    const auto g = send_sync(r.transport(), post(server.url("/api/jobs?job_definition_id=1"), "{}"), source.get_token());
    INFO(describe(g));
    REQUIRE(is_error(g, trocco::errc::canceled));
    CHECK_FALSE(g.error().may_have_reached_server());
    CHECK(server.connections() == 0);
}

}  // namespace
}  // namespace asio_tests
